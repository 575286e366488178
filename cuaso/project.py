"""Defaults from the project file (``cuaso.toml``) and ``CUASO_*`` variables, under the command line.

Precedence, as Locust has it for its own options: **flag > environment > project file > built-in
default**. Every option of every verb can come from any of them, under the option's own name:

- the file: a top-level key applies to every verb that has that option, a ``[VERB]`` table (``[drill]``,
  ``[stack]``, ``[size]`` …) to that verb only and wins over the top level; keys are the long option
  names with dashes or underscores (``allow-host = ["staging-eid.example.vn"]``, ``stack_workers = 2``);
  other tables (``[resources]``: Prometheus and its queries) are read by the verbs that use them;
- the environment: ``CUASO_<OPTION>`` (``CUASO_HOST``, ``CUASO_ALLOW_HOST=a.example,b.example``,
  ``CUASO_STACK_WORKERS=2``); a comma-separated value for a repeatable option;
- repeatable options (``--allow-host``, ``--slo``, ``--param``) add the flags' values to those of the
  file or environment, so an allow-list or SLO set written once is not lost by one more flag.

The file is ``--project FILE``, else ``$CUASO_PROJECT``, else ``./cuaso.toml`` when it exists. A key that
no option of the verb has, or a value of the wrong type, is an error naming the file, the key and the value.
"""

from __future__ import annotations

import argparse
import os
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from results.exceptions import ConfigError

PROJECT_FILE = Path("cuaso.toml")
"""Found in the current folder when neither ``--project`` nor ``$CUASO_PROJECT`` names one."""

ENV_PREFIX = "CUASO_"

DATA_TABLES = frozenset({"resources", "sizing"})
"""Tables that are data for the verbs (Prometheus queries, sizing parameters), not option defaults."""


@dataclass(frozen=True)
class Project:
    """The project file's contents (empty without one) and where it came from."""

    path: Path | None
    data: Mapping[str, Any]

    @classmethod
    def load(cls, path: Path | None, environ: Mapping[str, str] = os.environ) -> Project:
        named = environ.get(ENV_PREFIX + "PROJECT")
        chosen = path or (Path(named) if named else None)
        if chosen is None:
            if not PROJECT_FILE.is_file():
                return cls(None, {})
            chosen = PROJECT_FILE
        try:
            data = tomllib.loads(chosen.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError("--project", str(chosen), f"cannot read: {exc.strerror}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError("--project", str(chosen), f"not valid TOML: {exc}") from None
        return cls(chosen, data)

    def table(self, name: str) -> Mapping[str, Any]:
        """A data table (``[resources]``, ``[sizing]``): empty when absent."""
        value = self.data.get(name, {})
        if not isinstance(value, Mapping):
            raise ConfigError(f"{self.path}: [{name}]", value, "must be a table")
        return value


def _key(name: str) -> str:
    return name.replace("-", "_")


def _options(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    """Optional arguments by their first long name, as a key (``allow_host``)."""
    out: dict[str, argparse.Action] = {}
    for action in parser._actions:  # argparse has no public way to list them
        longs = [s for s in action.option_strings if s.startswith("--")]
        if longs and action.dest not in ("help", "version", "project"):
            out[_key(longs[0][2:])] = action
    return out


def _convert(action: argparse.Action, value: object, where: str, key: str) -> object:
    """A file or environment value as the option would have parsed it from the command line."""
    if isinstance(action, (argparse._StoreTrueAction, argparse._StoreFalseAction)):
        if isinstance(value, bool):
            flag = value
        elif str(value).strip().lower() in ("1", "true", "yes", "on"):
            flag = True
        elif str(value).strip().lower() in ("0", "false", "no", "off", ""):
            flag = False
        else:
            raise ConfigError(f"{where} {key}", value, "must be true or false")
        return flag if isinstance(action, argparse._StoreTrueAction) else not flag
    if isinstance(action, argparse._AppendAction):
        items: Sequence[object]
        if isinstance(value, str):
            items = [v.strip() for v in value.split(",") if v.strip()]
        elif isinstance(value, list):
            items = value
        else:
            raise ConfigError(f"{where} {key}", value, "must be a list (or a comma-separated string)")
        return [_one(action, item, where, key) for item in items]
    return _one(action, value, where, key)


def _one(action: argparse.Action, value: object, where: str, key: str) -> object:
    if isinstance(value, (dict, list)):
        raise ConfigError(f"{where} {key}", value, "must be a single value")
    text = str(value).lower() if isinstance(value, bool) else str(value)
    try:
        converted = action.type(text) if callable(action.type) else text
    except (TypeError, ValueError, argparse.ArgumentTypeError) as exc:
        flag = "--" + key.replace("_", "-")
        raise ConfigError(f"{where} {key}", value, f"not a valid value for {flag}: {exc}") from None
    if action.choices is not None and converted not in action.choices:
        choices = ", ".join(map(str, action.choices))
        raise ConfigError(f"{where} {key}", value, f"must be one of {choices}")
    return converted


def apply_defaults(
    verbs: Mapping[str, argparse.ArgumentParser], project: Project, environ: Mapping[str, str] = os.environ
) -> None:
    """Set each verb's defaults from the project file, then the environment (see the module docstring)."""
    where = str(project.path)
    for key, value in project.data.items():
        if isinstance(value, Mapping):
            if key not in verbs and key not in DATA_TABLES:
                known = ", ".join(sorted([*verbs, *DATA_TABLES]))
                raise ConfigError(f"{where} [{key}]", "…", f"no such verb or table; known: {known}")
        elif not any(_key(key) in _options(p) for p in verbs.values()):
            raise ConfigError(f"{where} {key}", value, "no verb has this option")
    for verb, parser in verbs.items():
        options = _options(parser)
        section = project.data.get(verb, {})
        for key in section:
            if _key(key) not in options:
                flag = "--" + key.replace("_", "-")
                problem = f"cuaso {verb} has no option {flag}"
                raise ConfigError(f"{where} [{verb}] {key}", section[key], problem)
        defaults: dict[str, object] = {}
        for name, action in options.items():
            for source, label in ((project.data, where), (section, f"{where} [{verb}]")):
                for spelled in (name, name.replace("_", "-")):
                    if spelled in source and not isinstance(source[spelled], Mapping):
                        defaults[action.dest] = _convert(action, source[spelled], label, spelled)
            env_name = ENV_PREFIX + name.upper()
            if env_name in environ:
                defaults[action.dest] = _convert(action, environ[env_name], "environment", env_name)
        parser.set_defaults(**defaults)
