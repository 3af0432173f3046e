"""Template authoring: discover the pattern folders, scaffold a new pattern, check every pattern's contract."""
