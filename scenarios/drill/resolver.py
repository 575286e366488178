"""Name resolution in a drill's Locust processes: an address written as numbers is resolved once per
process, and never waits on a thread.

gevent resolves every host through its thread pool by default (:class:`gevent.resolver.thread.Resolver`),
even ``127.0.0.1``, and geventhttpclient resolves again for every new connection
(``ConnectionPool._resolve``): each user's first request hands the lookup to a native thread and waits
for it, and then converts the answer into enums, a dozen frames deep on the connecting user's stack,
where an idle user's memory is decided (docs/benchmarks.md, "What an idle user holds"). So:

* :class:`NumericFirstResolver` answers a numeric host (an IPv4 or IPv6 literal, ``AI_NUMERICHOST``:
  no lookup of any kind) at once, in the calling greenlet, and hands every name to the thread pool as
  before, so a portal named by DNS is resolved exactly as gevent would;
* :func:`install` also makes geventhttpclient's connection pools keep what a numeric host resolved to
  (a pure function of host, port and family: no DNS, no TTL) for the life of the process; a name is
  looked up for every connection, as before.
"""

from __future__ import annotations

import _socket
from collections.abc import Callable
from typing import Any

import gevent
from gevent.resolver.thread import Resolver as ThreadResolver
from geventhttpclient.connectionpool import ConnectionPool

AddrInfo = list[tuple[Any, ...]]


class NumericFirstResolver(ThreadResolver):  # type: ignore[misc]
    """gevent's thread resolver, except that numeric hosts are answered without it."""

    def getaddrinfo(
        self, host: Any, port: Any, family: int = 0, type: int = 0, proto: int = 0, flags: int = 0
    ) -> AddrInfo:
        try:
            return _socket.getaddrinfo(host, port, family, type, proto, flags | _socket.AI_NUMERICHOST)
        except _socket.gaierror:  # a name (or no address at all): the thread pool, as gevent does
            return super().getaddrinfo(host, port, family, type, proto, flags)  # type: ignore[no-any-return]


def is_numeric(host: str) -> bool:
    """Whether ``host`` is an IPv4 or IPv6 address written as numbers (nothing to look up)."""
    try:
        _socket.getaddrinfo(host, None, 0, 0, 0, _socket.AI_NUMERICHOST)
    except (_socket.gaierror, UnicodeError, TypeError):
        return False
    return True


_RESOLVED: dict[tuple[str, int, bool], AddrInfo] = {}
"""What each numeric (host, port, IPv4 only) resolved to in this process."""

_RESOLVE: Callable[[ConnectionPool], AddrInfo] = ConnectionPool._resolve


def _resolve_numeric_once(pool: ConnectionPool) -> AddrInfo:
    """``ConnectionPool._resolve``, kept per numeric host (a small frame: it runs on a user's stack)."""
    key = (pool._connection_host, pool._connection_port, pool.disable_ipv6)
    found = _RESOLVED.get(key)
    if found is None:
        found = _RESOLVE(pool)
        if is_numeric(key[0]):
            _RESOLVED[key] = found
    return found


def install() -> bool:
    """Resolve numeric hosts as the module docstring says, in this process; ``False`` when gevent is
    configured with another resolver than its thread resolver (``GEVENT_RESOLVER``): nothing changes."""
    if gevent.config.resolver is not ThreadResolver:
        return False
    hub = gevent.get_hub()
    if not isinstance(hub.resolver, NumericFirstResolver):
        hub.resolver = NumericFirstResolver(hub)
    ConnectionPool._resolve = _resolve_numeric_once  # type: ignore[method-assign,assignment]
    return True
