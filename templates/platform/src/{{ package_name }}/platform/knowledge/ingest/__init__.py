"""Ingest: parse documents, read their metadata, chunk them by heading and index them incrementally."""
