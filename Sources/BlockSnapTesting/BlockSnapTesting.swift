// BlockSnapTesting module.
