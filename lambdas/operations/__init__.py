"""Calls to an external operations API, and a small local implementation of that API."""
