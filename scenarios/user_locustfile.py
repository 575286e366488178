"""The locustfile of ``cuaso drill --locustfile FILE``: a user's own Locust users, measured the cuaso way.

Run by ``cuaso drill`` (which sets ``CUASO_DRILL_LOCUSTFILE`` to the user's file, and the drill's other
``CUASO_DRILL_*`` variables), or by hand for a remote worker, with the same file on that machine::

    CUASO_DRILL_LOCUSTFILE=/path/to/portal_user.py \\
        locust -f scenarios/user_locustfile.py --worker --master-host 10.0.0.5 --master-port 5557

It loads the user's file (:mod:`scenarios.drill.user_file`: checked, its runnable User classes exported
here under their own names, with the weights and fixed counts the user wrote) and puts around them
what cuaso's journeys have: the same :class:`~scenarios.drill.listeners.DrillListeners` (phases, HDR
histograms per request name, generator CPU and loop lag, the abort on errors, ``collector.json``), the
same :class:`DrillShape` (the scenario's shape, handing Locust the user's classes), and the allow-list
on every request and redirect hop (:mod:`scenarios.drill.request_guard`).

The users' waits between tasks (their ``wait_time``) are the drill's think time: recorded per phase for
Little's law, as a journey's think times are, and multiplied by ``--think-scale``. They are taken where
Locust sleeps them (``TaskSet._sleep``, which every User's task set inherits); a task that sleeps by
itself is not thinking as far as the drill can tell.
"""

from __future__ import annotations

import os as _os
import time as _time
from collections.abc import Callable as _Callable
from pathlib import Path as _Path

from locust import events as _events
from locust.user.task import TaskSet as _TaskSet

from results.exceptions import ConfigError as _ConfigError
from scenarios.drill import locust_shape as _locust_shape
from scenarios.drill import request_guard as _request_guard
from scenarios.drill import resolver as _resolver
from scenarios.drill.config import ENV_PREFIX as _ENV_PREFIX
from scenarios.drill.listeners import DrillListeners as _DrillListeners
from scenarios.drill.user_file import OPTION as _OPTION
from scenarios.drill.user_file import load_user_classes as _load_user_classes
from scenarios.journeys import runtime as _runtime
from scenarios.safety import AllowList as _AllowList

# Every name but the user's classes and DrillShape starts with "_": Locust looks for user classes among
# this module's names, and a user's class must not replace one of ours.

_ENV = _ENV_PREFIX + "LOCUSTFILE"
_path = _os.environ.get(_ENV, "")
if not _path:
    raise _ConfigError(_ENV, "", f"names no file: this locustfile runs the file of cuaso drill {_OPTION}")
_USERS = _load_user_classes(_Path(_path).resolve())
if _clash := sorted(set(_USERS) & set(globals())):
    raise _ConfigError(_OPTION, _path, f"class {_clash[0]}: the name is taken in {__file__}; rename it")
globals().update(_USERS)


def _allowed() -> _AllowList:
    rt = _runtime.current_or_none()
    return rt.allow if rt is not None else _AllowList()


_request_guard.install(_allowed)
_resolver.install()  # numeric hosts resolved without gevent's thread pool

_sleep: _Callable[[_TaskSet, float], None] = _TaskSet._sleep


def _thinking_sleep(self: _TaskSet, seconds: float) -> None:
    rt = _runtime.current_or_none()
    if rt is not None and seconds > 0:
        seconds *= rt.config.think_scale
        for phase, share in rt.spread(_time.time(), seconds):  # exact per phase, for Little's law
            rt.recorder.thought(phase, share)
    _sleep(self, seconds)


_TaskSet._sleep = _thinking_sleep  # type: ignore[method-assign]

_LISTENERS = _DrillListeners(choose=lambda _rt: list(_USERS.values()))
_LISTENERS.install(_events)


class DrillShape(_locust_shape.ListenersShape):
    """The drill's shape, handing Locust the user's classes."""

    listeners = _LISTENERS
