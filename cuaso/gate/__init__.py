"""``cuaso gate``: CI gating of performance regressions on measured evidence, not fixed guesses.

Modules, one concept each (import them directly; this package module stays light for ``--help``):

- :mod:`~cuaso.gate.expr`: the threshold expression language and its parser;
- :mod:`~cuaso.gate.targets`, :mod:`~cuaso.gate.measure`, :mod:`~cuaso.gate.side`: what a document
  (or a set of repeated runs) says about the run, a journey or an endpoint;
- :mod:`~cuaso.gate.distribution`: histograms as distributions, bootstrap intervals, Cliff's delta;
- :mod:`~cuaso.gate.calibrate`: machine-speed normalisation by a calibration endpoint;
- :mod:`~cuaso.gate.validity`: runs the gate refuses to judge (exit 2);
- :mod:`~cuaso.gate.compare`, :mod:`~cuaso.gate.decide`: the statistical comparison and its verdict rule;
- :mod:`~cuaso.gate.thresholds`: absolute thresholds evaluated on the candidate;
- :mod:`~cuaso.gate.engine`: :func:`~cuaso.gate.engine.run_gate`, from documents to a report;
- :mod:`~cuaso.gate.junit`, :mod:`~cuaso.gate.markdown`: the CI outputs;
- :mod:`~cuaso.gate.defaults`: every default, each a named assumption.
"""
