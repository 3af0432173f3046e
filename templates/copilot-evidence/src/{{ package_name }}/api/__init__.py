"""HTTP API of the evidence copilot: sources and drafts with their evidence trail."""
