"""cuaso: load testing and capacity planning for a national e-government portal.

This package is the command line only (:mod:`cuaso.cli` and one module per verb in :mod:`cuaso.verbs`):
it assembles the parts below it and holds no logic of its own.
"""

from results.version import __version__

__all__ = ["__version__"]
