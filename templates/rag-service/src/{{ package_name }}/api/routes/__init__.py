"""One module per resource: `query` and `documents`."""
