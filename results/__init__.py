"""The ground floor: the contract every part of cuaso shares, importing none of them.

- :mod:`results.document`: the results document (``results.json``), its schema, versions and
  validation on read; the drill runner writes it, capacity, reports and the gate read it;
- :mod:`results.histogram`: the HDR latency histogram wrapper the document carries;
- :mod:`results.slo`: the SLO / threshold expression language (``p95(GET /x) < 200ms``) and
  :mod:`results.targets`, what an expression is about;
- :mod:`results.exceptions`: the errors every part raises to a person;
- :mod:`results.version`: cuaso's version, stamped on every document.

Layers, lowest first (``tests/test_layers.py`` keeps them true): ``results`` → ``stack`` →
``scenarios`` → ``capacity`` / ``gate`` → ``reports`` → ``bench`` → ``cuaso`` (the command line).
"""
