"""`paved-roads fleet`: update, inspect and report on every generated project of an organisation."""
