"""A user's own Locust file (``cuaso drill --locustfile FILE``): loaded, checked and described.

:func:`load_user_classes` imports the file the way Locust imports a locustfile
(:func:`locust.util.load_locustfile.load_locustfile`: its folder on ``sys.path`` while it loads) and
keeps its runnable User classes, refusing with an error that names the file:

* a file that does not exist or does not import (the exception's type and message);
* no runnable User class, or one without tasks (Locust would stop on it once the drill started);
* a User class that is not an ``HttpUser`` or ``FastHttpUser``: cuaso checks every request against the
  allow-list in those two clients only (:mod:`scenarios.drill.request_guard`);
* a ``LoadTestShape`` class: the drill's scenario is the shape;
* a class named like something ``scenarios/user_locustfile.py`` defines (:data:`RESERVED`).

It runs inside each Locust process (``scenarios/user_locustfile.py``) and, before a drill starts
anything, in a child process of the runner (:func:`inspect_user_file`, ``python -m
scenarios.drill.user_file FILE``), so the user's code never runs in cuaso's own process. The
description (:class:`UserFile`: path, sha256, classes with their weight and fixed count) goes into the
results document, so a reader knows which journeys were measured.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Collection, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from results.exceptions import ConfigError

OPTION = "--locustfile"

RESERVED = frozenset({"DrillShape"})
"""Names ``scenarios/user_locustfile.py`` exports to Locust besides the user's classes."""

OUR_MODULE = "user_locustfile"
"""The module name Locust gives ``scenarios/user_locustfile.py``; the user's file cannot take it."""

CHECK_TIMEOUT_S = 60.0
"""Assumption: importing a locustfile (Locust, the user's code and what it imports) takes well under a
minute even on a busy 2-core machine; past it the check fails rather than hang the drill."""

MARKER = "cuaso-user-file: "
"""Prefix of the child's one line of JSON (the user's code may print at import too)."""


def _error(path: Path | str, reason: str) -> ConfigError:
    return ConfigError(OPTION, str(path), reason)


@dataclass(frozen=True, slots=True)
class UserClass:
    """One runnable User class of the file, as Locust will run it."""

    name: str
    client: str  # "HttpUser" or "FastHttpUser"
    weight: float
    fixed_count: int
    tasks: int


@dataclass(frozen=True, slots=True)
class UserFile:
    """The file a drill's users came from: where, which exact bytes, and its classes."""

    path: str
    sha256: str
    users: tuple[UserClass, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "sha256": self.sha256, "users": [asdict(u) for u in self.users]}


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_user_classes(path: Path, reserved: Collection[str] = RESERVED) -> dict[str, type[Any]]:
    """The file's runnable User classes by name (Locust and gevent imported here); see the module
    docstring for what is refused, always as a :class:`ConfigError` naming the file."""
    from locust import FastHttpUser, HttpUser
    from locust.util.load_locustfile import load_locustfile

    if not path.is_file():
        raise _error(path, "no such file")
    module = "locustfile" if path.stem == "locust" else path.stem  # Locust's own rule
    if module in sys.modules or module == OUR_MODULE:
        raise _error(
            path, f"its module name {module!r} is already taken by an imported module; rename the file"
        )
    saved = list(sys.path)
    try:
        users, shapes = load_locustfile(str(path))
    except (Exception, SystemExit) as exc:
        raise _error(path, f"cannot import it: {type(exc).__name__}: {exc}") from None
    finally:
        sys.path[:] = saved  # Locust leaves the working folder on it
    if shapes:
        names = ", ".join(type(s).__name__ for s in shapes)
        raise _error(
            path, f"defines the load shape {names}: cuaso's scenario is the drill's shape; remove it"
        )
    if not users:
        raise _error(
            path, "has no runnable User class: define a subclass of HttpUser or FastHttpUser with tasks"
        )
    for name, cls in users.items():
        if name in reserved:
            raise _error(
                path, f"class {name}: the name is cuaso's own ({', '.join(sorted(reserved))}); rename it"
            )
        if not issubclass(cls, HttpUser | FastHttpUser):
            raise _error(path, f"class {name} is not an HttpUser or FastHttpUser: cuaso checks every request "
                               "against the allow-list in those two clients only")  # fmt: skip
        if not cls.tasks:
            raise _error(path, f"class {name} has no tasks (@task methods or a tasks attribute)")
    return users


def describe(users: Mapping[str, type[Any]]) -> tuple[UserClass, ...]:
    from locust import FastHttpUser

    return tuple(
        UserClass(
            name=name,
            client="FastHttpUser" if issubclass(cls, FastHttpUser) else "HttpUser",
            weight=float(cls.weight),
            fixed_count=int(cls.fixed_count),
            tasks=len(dict.fromkeys(cls.tasks)),  # a task of weight w is listed w times
        )
        for name, cls in sorted(users.items())
    )


def inspect_user_file(path: Path) -> UserFile:
    """Check the file in a child process (see the module docstring) and describe it."""
    path = path.expanduser().resolve()
    if not path.is_file():
        raise _error(path, "no such file")
    env = {**os.environ, "LOCUST_SKIP_MONKEY_PATCH": ""}  # import it as Locust will: patched by gevent
    try:
        done = subprocess.run(
            [sys.executable, "-m", "scenarios.drill.user_file", str(path)],
            capture_output=True, text=True, timeout=CHECK_TIMEOUT_S, env=env, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        raise _error(path, f"importing it took more than {CHECK_TIMEOUT_S:g} s") from None
    lines = [line for line in done.stdout.splitlines() if line.startswith(MARKER)]
    if not lines:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-10:])
        raise _error(path, f"checking it failed (exit {done.returncode}):\n{tail}")
    answer = json.loads(lines[-1][len(MARKER) :])
    if "error" in answer:
        raise _error(path, answer["error"])
    users = tuple(UserClass(**u) for u in answer["users"])
    return UserFile(path=str(path), sha256=sha256_of(path), users=users)


def main(argv: list[str]) -> int:
    """``python -m scenarios.drill.user_file FILE``: one marked line of JSON, the classes or the error."""
    if len(argv) != 1:
        print("usage: python -m scenarios.drill.user_file FILE", file=sys.stderr)
        return 2
    try:
        users = describe(load_user_classes(Path(argv[0])))
    except ConfigError as exc:
        print(MARKER + json.dumps({"error": exc.reason}), flush=True)
        return 2
    print(MARKER + json.dumps({"users": [asdict(u) for u in users]}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
