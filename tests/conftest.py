"""Session-wide test setup.

Locust monkey-patches the whole process with gevent when it is imported, which would break the asyncio
and threading code other tests run in this process. Tests that import Locust's classes (shapes) get them
unpatched; real drills run Locust in its own processes.
"""

from __future__ import annotations

import os

os.environ.setdefault("LOCUST_SKIP_MONKEY_PATCH", "1")
