"""Chaos drills (``cuaso chaos``): faults injected on a schedule while a drill runs, then an audit of
what clients saw acknowledged against what the stack kept. See docs/chaos.md."""
