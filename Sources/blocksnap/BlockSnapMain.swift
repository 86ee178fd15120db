import BlockSnapCLI

/// The executable's entry point; the command tree lives in BlockSnapCLI.
@main
enum BlockSnapMain {
    static func main() async {
        await BlockSnapCommand.main()
    }
}
