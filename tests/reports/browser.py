"""A real headless Chromium driven over the Chrome DevTools Protocol, to check a report as a person sees it.

:class:`Browser` starts Debian's ``chromium`` (its own throw-away profile, no network services, a
free DevTools port on 127.0.0.1) as a :class:`~stack.process.ManagedProcess`, attaches to its page
over a websocket (``websockets``' sync client); :meth:`Browser.check` loads a ``file://`` URL and
returns a :class:`PageCheck`: every request the page made, the console and log errors and uncaught exceptions,
the result of a few DOM checks, and a full-page PNG screenshot.
"""

from __future__ import annotations

import base64
import itertools
import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from websockets.sync.client import ClientConnection, connect

from stack.process import ManagedProcess, free_port

CHROMIUM_NAMES = ("chromium", "chromium-browser")
LOAD_TIMEOUT_S = 30.0
"""Bound on loading the page (a report is one local file; this is generous on a busy 2-core machine)."""

WINDOW = (1280, 900)

DOM_CHECKS = """(() => {
  const images = Array.from(document.images);
  return {
    images: images.length,
    images_loaded: images.every(i => i.complete && i.naturalWidth > 0),
    broken: images.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.alt),
    title: document.title,
    headings: Array.from(document.querySelectorAll('h2')).map(h => h.textContent),
    banner: (document.querySelector('.banner') || {}).textContent || '',
    scripts: document.scripts.length,
    body_height: document.documentElement.scrollHeight,
    overflow_x: document.documentElement.scrollWidth > document.documentElement.clientWidth,
  };
})()"""


def chromium_path() -> str:
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    raise RuntimeError("chromium is not on PATH: apt-get install chromium (scripts/bootstrap.sh does it)")


@dataclass(frozen=True)
class PageCheck:
    requests: tuple[str, ...]
    errors: tuple[str, ...]
    dom: dict[str, Any]
    screenshot_png: bytes


class _Cdp:
    """Commands and events over one DevTools websocket; events are kept until read."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.ids = itertools.count(1)
        self.events: list[dict[str, Any]] = []

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        ident = next(self.ids)
        self.ws.send(json.dumps({"id": ident, "method": method, "params": params}))
        deadline = time.monotonic() + LOAD_TIMEOUT_S
        while True:
            message = json.loads(self.ws.recv(timeout=max(0.1, deadline - time.monotonic())))
            if message.get("id") == ident:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                result: dict[str, Any] = message.get("result", {})
                return result
            self.events.append(message)

    def wait_for(self, method: str) -> None:
        deadline = time.monotonic() + LOAD_TIMEOUT_S
        while not any(e.get("method") == method for e in self.events):
            self.events.append(json.loads(self.ws.recv(timeout=max(0.1, deadline - time.monotonic()))))


def _errors(events: list[dict[str, Any]]) -> tuple[str, ...]:
    found = []
    for e in events:
        method, params = e.get("method"), e.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            found.append(f"console.{params['type']}: {params.get('args')}")
        elif method == "Runtime.exceptionThrown":
            found.append(f"exception: {params.get('exceptionDetails', {}).get('text')}")
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            found.append(f"log: {params['entry'].get('text')} {params['entry'].get('url', '')}")
        elif method == "Network.loadingFailed":
            found.append(f"network: {params.get('errorText')} for request {params.get('requestId')}")
    return tuple(found)


class Browser:
    """One headless Chromium; each :meth:`check` gets a fresh tab (a context manager)."""

    def __init__(self, profile: Path) -> None:
        self.port = free_port()
        argv = [
            chromium_path(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", "--no-default-browser-check",
            "--disable-extensions", f"--user-data-dir={profile}", f"--remote-debugging-port={self.port}",
            "--remote-debugging-address=127.0.0.1", f"--window-size={WINDOW[0]},{WINDOW[1]}", "about:blank",
        ]  # fmt: skip
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = ManagedProcess(
            "chromium", argv, ready_url=f"{self.base}/json/version", log_path=profile / "log"
        )

    def __enter__(self) -> Browser:
        self.process.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.process.stop()

    def check(self, path: Path) -> PageCheck:
        """Load ``path`` in a new tab and check it (see the module docstring)."""
        with httpx.Client(base_url=self.base, trust_env=False, timeout=10.0) as http:
            tab = http.put("/json/new?about:blank").raise_for_status().json()
            try:
                with connect(tab["webSocketDebuggerUrl"], max_size=None, proxy=None) as ws:
                    return _check(_Cdp(ws), path)
            finally:
                http.get(f"/json/close/{tab['id']}")


def _check(cdp: _Cdp, path: Path) -> PageCheck:
    for domain in ("Page", "Runtime", "Log", "Network"):
        cdp.call(f"{domain}.enable")
    cdp.call("Page.navigate", url=path.resolve().as_uri())
    cdp.wait_for("Page.loadEventFired")
    dom = cdp.call("Runtime.evaluate", expression=DOM_CHECKS, returnByValue=True)["result"]["value"]
    size = cdp.call("Page.getLayoutMetrics")["cssContentSize"]
    clip = {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}
    shot = cdp.call("Page.captureScreenshot", format="png", captureBeyondViewport=True, clip=clip)
    requests = tuple(
        _short(e["params"]["request"]["url"])
        for e in cdp.events
        if e.get("method") == "Network.requestWillBeSent"
    )
    return PageCheck(requests, _errors(cdp.events), dom, base64.b64decode(shot["data"]))


def _short(url: str) -> str:
    """A data: URI is cut after its media type (it can be megabytes long); other URLs are kept whole."""
    return url[:40] if url.startswith("data:") else url
