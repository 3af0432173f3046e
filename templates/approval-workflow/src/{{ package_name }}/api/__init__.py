"""HTTP API of the approval workflow: the proposals resource and the reviewer page."""
