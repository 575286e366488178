"""``python -m stack.forwarder``: see :mod:`stack.forwarder.main`."""

import sys

from stack.forwarder.main import main

sys.exit(main())
