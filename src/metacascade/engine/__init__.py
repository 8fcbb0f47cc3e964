"""The engine: sees only flat arrays from ``lower.py`` and a numpy ``Generator``."""
