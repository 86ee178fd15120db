// APIServer module.
