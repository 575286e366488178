"""Deterministic synthetic procedure catalogue."""
