"""One module per resource: `sources` (the library), `briefs`, `drafts` and the `review` page."""
