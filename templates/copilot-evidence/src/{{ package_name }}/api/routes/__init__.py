"""One module per resource: `sources` (documents drafts may cite) and `drafts`."""
