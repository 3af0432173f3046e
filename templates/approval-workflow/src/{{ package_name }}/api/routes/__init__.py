"""One module per resource: `proposals` (JSON API) and `review` (server-rendered reviewer page)."""
