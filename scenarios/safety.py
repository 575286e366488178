"""Load goes only where it is allowed: loopback always, anything else only when listed explicitly.

Two checks, one rule. :func:`check_target` refuses a drill's ``--host`` before anything starts.
:class:`AllowList` is asked again for every absolute URL a journey is about to request — the e-ID
provider's ``/authorize`` and a payment partner's checkout, whose addresses the *target* names in its
redirects — so that a portal cannot send cuaso's load to a host nobody allowed (``--allow-host``). A
user's own Locust file (``--locustfile``) gets the same check on every request and redirect hop, in
Locust's HTTP clients (:mod:`scenarios.drill.request_guard`).
"""

from __future__ import annotations

import functools
import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from results.exceptions import TargetNotAllowedError

SENT_BY_TARGET = "the target sent the journey there (a redirect or a URL in its answer)"
"""How a journey's request to another host comes about, for :meth:`AllowList.refusal`'s message."""


@functools.lru_cache(maxsize=256)
def _is_loopback(host: str) -> bool:
    """Whether ``host`` is a loopback address, ``localhost``, or a name that resolves only to loopback
    (cached: journeys ask for the same few hosts on every visit)."""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    if host == "localhost":
        return True
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False
    return bool(infos) and all(ipaddress.ip_address(info[4][0]).is_loopback for info in infos)


@dataclass(frozen=True, slots=True)
class AllowList:
    """The hosts load may reach: loopback always, plus those named (``--allow-host``)."""

    hosts: frozenset[str] = frozenset()

    @classmethod
    def of(cls, hosts: Iterable[str]) -> AllowList:
        cleaned = frozenset(h.strip().lower().strip("[]") for h in hosts if h.strip())
        return cls(cleaned)

    def permits(self, host: str) -> bool:
        host = host.lower().strip("[]")
        return host in self.hosts or _is_loopback(host)

    def refusal(self, url: str, how: str = SENT_BY_TARGET) -> str | None:
        """None for a relative URL (it goes to the target, already checked) or an allowed host; else why
        the request is refused, naming the URL, its host, ``how`` the request came about and the option
        that would allow it.

        A path on the target (``/...`` but not ``//host/...``) is answered without parsing: the journeys
        ask this before every request."""
        if url[:1] == "/" and url[1:2] != "/":
            return None
        parts = urlsplit(url)
        if not parts.scheme and not parts.netloc:
            return None
        host = parts.hostname or ""
        if parts.scheme not in ("http", "https") or not host:
            return f"request to {url!r} refused: not an http(s) URL with a host"
        if self.permits(host):
            return None
        return (
            f"request to {url!r} refused: {host} is not a loopback address and is not allowed; "
            f"{how}. Allow it with --allow-host {host} if load may go there"
        )

    def check_url(self, url: str, how: str = SENT_BY_TARGET) -> None:
        """Raise :class:`TargetNotAllowedError` with :meth:`refusal`'s reason when it has one."""
        reason = self.refusal(url, how)
        if reason is not None:
            raise TargetNotAllowedError(reason)


def check_target(url: str, allowed: Iterable[str]) -> str:
    """Return the host of ``url`` when load may go there: a loopback address (127.0.0.0/8, ::1) or a
    host listed in ``allowed``. Raise :class:`TargetNotAllowedError` naming it otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TargetNotAllowedError(f"--host={url!r}: need an http(s) URL such as http://127.0.0.1:8000")
    host = parts.hostname
    if AllowList.of(allowed).permits(host):
        return host
    raise TargetNotAllowedError(
        f"--host={url!r}: {host} is not a loopback address; cuaso sends load only to 127.0.0.0/8 and ::1 "
        f"unless the host is listed with --allow-host {host}"
    )
