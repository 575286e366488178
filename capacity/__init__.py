"""Capacity models: operational laws, USL, MVA, Erlang C, fitting and sizing."""
