"""Stands in for the bundled code asset of entity functions in synthesis tests."""
