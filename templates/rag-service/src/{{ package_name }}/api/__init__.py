"""HTTP API of the retrieval service."""
