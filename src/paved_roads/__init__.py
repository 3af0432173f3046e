"""paved-roads: tooling around the template repository (links, demo, fleet)."""

__version__ = "0.2.0"
