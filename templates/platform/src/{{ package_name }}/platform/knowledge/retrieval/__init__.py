"""Retrieval: one `ChunkStore` interface, SQLite FTS5 and PostgreSQL backends, governed search."""
