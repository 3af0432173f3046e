"""__PATTERN_TITLE__ HTTP API: the answers resource."""
