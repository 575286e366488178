"""Payment reconciliation: the portal's ledger against each partner's, for a period.

- :mod:`stack.reconcile.model`: periods, ledger entries, mismatches, the report (immutable, validated).
- :mod:`stack.reconcile.logic`: the pure comparison (:func:`~stack.reconcile.logic.reconcile`).
- :mod:`stack.reconcile.sources`: reading the portal's Redis and the partners' ledger endpoints.
- :mod:`stack.reconcile.run`: both together, with a grace window at the period's edges.
- :mod:`stack.reconcile.render`: JSON and a Markdown summary.

``cuaso reconcile`` (:mod:`cuaso.verbs.reconcile`) is the command line; docs/payments.md the guide.
"""
