"""The report a person opens: ``cuaso report`` turns a results document (and a sizing) into one
self-contained HTML page and a Markdown summary.

``builder`` decides what is said (``verdict``: SLOs; ``bottleneck``; ``summary``: figures from the
merged histograms; ``sections``, ``sizing``: worded tables; ``plots``: figures), ``model`` holds it,
``html`` and ``markdown`` render it, ``fmt`` rounds every number. See docs/reports.md.
"""
