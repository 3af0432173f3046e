"""__PATTERN_TITLE__ API: one module per resource (`answers`)."""
