// VolumeStoreLocal module.
