"""Validation: the published targets, a check per numeric target, and the verdict report."""
