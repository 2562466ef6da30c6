"""Figures for the README and the design notes: `python -m benchmarks [name ...]`."""
