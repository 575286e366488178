"""``cuaso gate``: CI gating of performance regressions on measured evidence, not fixed guesses.

Modules, one concept each (import them directly; this package module stays light for ``--help``):

- :mod:`~results.slo`: the threshold expression language and its parser;
- :mod:`~results.targets`, :mod:`~gate.measure`, :mod:`~gate.side`: what a document
  (or a set of repeated runs) says about the run, a journey or an endpoint;
- :mod:`~gate.distribution`: histograms as distributions, bootstrap intervals, Cliff's delta;
- :mod:`~gate.calibrate`: machine-speed normalisation by a calibration endpoint;
- :mod:`~gate.validity`: runs the gate refuses to judge (exit 2);
- :mod:`~gate.compare`, :mod:`~gate.compare_rates`, :mod:`~gate.decide`: the statistical comparison
  (one run per side, or run-level with repeats) and its verdict rule (pass, fail, inconclusive);
- :mod:`~gate.changepoint`, :mod:`~gate.history`: E-divisive change points in a series of past runs;
- :mod:`~gate.thresholds`: absolute thresholds evaluated on the candidate;
- :mod:`~gate.engine`: :func:`~gate.engine.run_gate`, from documents to a report;
- :mod:`~gate.junit`, :mod:`~gate.markdown`: the CI outputs;
- :mod:`~gate.defaults`: every default, each a named assumption.
"""
