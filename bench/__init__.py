"""Benchmarks (``make bench``), not tests: ratios measured side by side in one run.

They need both the portal (``stack``) and the load generator (``scenarios``), so they live above both:
:mod:`bench.portal` (per-endpoint requests per core, wrk against the bare tool and the portal),
:mod:`bench.accept` (a burst of new connections against a busy worker, uvloop vs asyncio),
:mod:`bench.generator` (the generator's cost per request and memory per idle user).
"""
