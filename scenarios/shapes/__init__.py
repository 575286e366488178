"""Load shapes: pure data with pure functions of run time (:mod:`scenarios.shapes.registry` lists them),
and the thin Locust wrappers around them (:mod:`scenarios.shapes.locust_classes`)."""
