"""The floor plan holds: every top-level package imports only packages on lower floors, and no module
imports itself back through a circle. Read from the source with ``ast``, so nothing is imported to check.

Floors, lowest first (README's folder table): ``results`` (the shared contract) → ``stack`` (the portal)
→ ``scenarios`` (the load generator) → ``capacity`` and ``gate`` (readers of results) → ``reports`` →
``bench`` (needs portal and generator) → ``cuaso`` (the command line, which assembles the others).
Packages on the same floor do not import each other.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

FLOORS: tuple[tuple[str, ...], ...] = (
    ("results",),
    ("stack",),
    ("scenarios",),
    ("capacity", "gate"),
    ("reports",),
    ("bench",),
    ("cuaso",),
)
FLOOR = {package: level for level, packages in enumerate(FLOORS) for package in packages}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, module: str | None = None) -> Iterator[tuple[int, str]]:
    """(line, module) for every import in ``path`` (module ``module``, by default from its place in the
    tree); relative imports are resolved against the module's package."""
    module = module or _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            yield node.lineno, target
            for alias in node.names:  # ``from stack.sims import eid`` imports the module stack.sims.eid
                yield node.lineno, f"{target}.{alias.name}"


def _sources() -> list[Path]:
    return sorted(p for package in FLOOR for p in (ROOT / package).rglob("*.py"))


def _graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in _sources()}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        graph[name] = {target for _, target in _imports(path) if target in modules and target != name}
    return graph


def test_every_package_is_on_a_floor() -> None:
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")} - {"tests"}
    assert packages == set(FLOOR), "a new top-level package needs its floor in FLOORS and the README"


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_import_points_up_or_sideways(path: Path) -> None:
    here = path.relative_to(ROOT).parts[0]
    wrong = [
        f"{path.relative_to(ROOT)}:{line}: {here} (floor {FLOOR[here]}) imports {target} "
        f"(floor {FLOOR[target.split('.')[0]]})"
        for line, target in _imports(path)
        if target.split(".")[0] in FLOOR
        and target.split(".")[0] != here
        and FLOOR[target.split(".")[0]] >= FLOOR[here]
    ]
    assert not wrong, "\n".join(wrong)


def test_no_module_imports_itself_through_a_circle() -> None:
    graph = _graph()
    done: set[str] = set()
    circles: list[list[str]] = []

    def visit(node: str, path: list[str], on_path: set[str]) -> None:
        for nxt in sorted(graph[node]):
            if nxt in on_path:
                circles.append([*path[path.index(nxt) :], nxt])
            elif nxt not in done:
                visit(nxt, [*path, nxt], on_path | {nxt})
        done.add(node)

    for start in sorted(graph):
        if start not in done:
            visit(start, [start], {start})
    assert not circles, "import circles:\n" + "\n".join(" -> ".join(c) for c in circles)


def test_the_checker_sees_upward_and_relative_imports(tmp_path: Path) -> None:
    """The check is not vacuous: an import of the CLI from the ground floor is found, and a relative
    import resolves to the module it names."""
    bad = tmp_path / "probe.py"
    bad.write_text("from cuaso.cli import main\nfrom ..stack import launcher\n", encoding="utf-8")
    found = [target for _, target in _imports(bad, "results.sub.probe")]
    assert found == ["cuaso.cli", "cuaso.cli.main", "results.stack", "results.stack.launcher"]
    assert [t for t in found if FLOOR[t.split(".")[0]] > FLOOR["results"]] == ["cuaso.cli", "cuaso.cli.main"]
