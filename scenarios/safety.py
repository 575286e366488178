"""Load goes only where it is allowed: loopback always, anything else only when listed explicitly."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit

from results.exceptions import TargetNotAllowedError


def _is_loopback(host: str) -> bool:
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


def check_target(url: str, allowed: Iterable[str]) -> str:
    """Return the host of ``url`` when load may go there: a loopback address (127.0.0.0/8, ::1) or a
    host listed in ``allowed``. Raise :class:`TargetNotAllowedError` naming it otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TargetNotAllowedError(f"--host={url!r}: need an http(s) URL such as http://127.0.0.1:8000")
    host = parts.hostname
    if _is_loopback(host) or host in set(allowed):
        return host
    raise TargetNotAllowedError(
        f"--host={url!r}: {host} is not a loopback address; cuaso sends load only to 127.0.0.0/8 and ::1 "
        f"unless the host is listed with --allow-host {host}"
    )
