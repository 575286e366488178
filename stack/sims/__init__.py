"""Simulated outside systems, each its own process."""
