// BlockEngine module.
