"""Capacity models: operational laws, USL, MVA, Erlang C, fitting with uncertainty; plots apart.

Modules: :mod:`capacity.laws` (utilization and Little's laws, bounds), :mod:`capacity.usl` (Universal
Scalability Law fit and queries), :mod:`capacity.mva` (exact Mean Value Analysis), :mod:`capacity.erlang`
(Erlang C pools), :mod:`capacity.points` (reading measurements), :mod:`capacity.plots` (PNG figures).
Sizing from measured results (``cuaso size``): :mod:`capacity.sizing.plan` and its ``sizing_*`` modules, see
docs/sizing.md.
"""
