// AWSWire module.
