// EBSClient module.
