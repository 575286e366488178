"""The allow-list for a user's own locustfile: every request its users send, every redirect hop included.

cuaso's journeys ask the allow-list themselves (:meth:`scenarios.journeys.steps.Visit.request`). A
user's Locust file does not, so ``cuaso drill --locustfile`` puts the check where every request of
Locust's two HTTP clients passes, just before it is sent:

* ``HttpUser`` (python-requests): :meth:`requests.Session.send`, which sends the first request and,
  from ``Session.resolve_redirects``, each redirect hop;
* ``FastHttpUser`` (geventhttpclient): ``UserAgent._urlopen``, which ``urlopen`` calls for the first
  request and again for each redirect hop (Locust's ``LocustUserAgent`` overrides it; both are guarded).

A refused request is never sent, to the host or to a proxy. It raises an error each client already
turns into a failed request, counted in Locust's statistics with the reason (its failures table) and
in the drill's as the error kind ``not_allowed`` (:func:`scenarios.drill.collector.error_kind`):
:class:`RefusedRequest` (a ``requests`` ``ConnectionError``) and :class:`RefusedConnection` (an
``OSError``, which Locust's ``FastHttpSession`` reports as a failure). A redirect refused at a later hop
fails the whole request, named as the user named it. Each refused host is also logged once.

The hosts allowed come from the drill's runtime when there is one (``--cuaso-allow-hosts``), else
nothing but loopback (:class:`scenarios.safety.AllowList`). :func:`install` patches the two clients'
classes for the whole process (a Locust process running a user's file) and returns the undo.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import requests
from geventhttpclient.useragent import UserAgent
from locust.contrib.fasthttp import LocustUserAgent

from results.exceptions import TargetNotAllowedError
from scenarios.safety import AllowList

log = logging.getLogger("cuaso.drill")

SENT_BY_LOCUSTFILE = "the locustfile's users asked for it, or the target redirected them there"
"""How a refused request of a user's locustfile came about, for the refusal's message."""


class RefusedRequest(TargetNotAllowedError, requests.exceptions.ConnectionError):
    """An ``HttpUser``'s request (or redirect hop) to a host that is not allowed; never sent."""


class RefusedConnection(TargetNotAllowedError, OSError):
    """A ``FastHttpUser``'s request (or redirect hop) to a host that is not allowed; never sent."""


class Guard:
    """Checks one URL against the allow-list of the moment; logs each refused host once."""

    def __init__(self, allowed: Callable[[], AllowList]) -> None:
        self.allowed = allowed
        self.refused_hosts: set[str] = set()

    def check(self, url: str, error: type[TargetNotAllowedError]) -> None:
        reason = self.allowed().refusal(url, SENT_BY_LOCUSTFILE)
        if reason is None:
            return
        host = urlsplit(url).hostname or url
        if host not in self.refused_hosts:
            self.refused_hosts.add(host)
            log.warning("cuaso drill: %s", reason)
        raise error(reason)


def install(allowed: Callable[[], AllowList]) -> Callable[[], None]:
    """Guard both HTTP clients of Locust in this process; returns the function that removes the guard."""
    guard = Guard(allowed)
    send = requests.Session.send

    def guarded_send(session: requests.Session, request: requests.PreparedRequest, **kwargs: Any) -> Any:
        guard.check(str(request.url), RefusedRequest)
        return send(session, request, **kwargs)

    originals: list[tuple[type[Any], str, Any]] = [(requests.Session, "send", send)]
    requests.Session.send = guarded_send  # type: ignore[method-assign,assignment]
    for agent in (UserAgent, LocustUserAgent):
        urlopen = agent.__dict__["_urlopen"]
        originals.append((agent, "_urlopen", urlopen))
        agent._urlopen = _guarded_urlopen(guard, urlopen)  # type: ignore[method-assign]

    def uninstall() -> None:
        for owner, name, original in originals:
            setattr(owner, name, original)

    return uninstall


def _guarded_urlopen(guard: Guard, urlopen: Callable[..., Any]) -> Callable[..., Any]:
    def guarded_urlopen(agent: UserAgent, request: Any) -> Any:
        guard.check(str(request.url), RefusedConnection)
        return urlopen(agent, request)

    return guarded_urlopen
