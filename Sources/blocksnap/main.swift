import BlockSnapCLI

await BlockSnapCommand.main()
