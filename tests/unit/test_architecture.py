"""The house rules of ARCHITECTURE.md, read from the code's own imports.

Each rule is a test so that a change which breaks the layering fails the suite, not a review:
no import cycle, dependencies pointing one way (web/api/cli/jobs → services → pure modules and
models), pure modules free of Flask and SQLAlchemy, services free of Flask, mail/ never reaching
up into services/, and no module grown past what a newcomer can hold.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("feedback", "jobs")
MAX_LINES = 550

# Top-level modules of feedback/ that are plumbing rather than domain rules; every other
# top-level module is a pure domain module and must not import Flask or SQLAlchemy.
INFRASTRUCTURE = {
    "feedback",
    "feedback.access",  # the roles on every view, shared by pages and API (Flask-level)
    "feedback.logs",  # request ids and JSON log lines (Flask-level)
    "feedback.config",
    "feedback.db",
    "feedback.errors",
    "feedback.extensions",
    "feedback.migrate",
}
# Layers that sit above services and must reach data through them.
BOUNDARIES = ("feedback.web", "feedback.api", "feedback.cli", "jobs")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


@cache
def _modules() -> dict[str, Path]:
    return {
        _module_name(p): p for package in PACKAGES for p in sorted((ROOT / package).rglob("*.py"))
    }


def _imports(name: str, *, local_only: bool = False) -> set[str]:
    """Every module `name` imports (also inside functions, which only hide a dependency)."""
    path = _modules()[name]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    nodes: Iterator[ast.AST] = ast.walk(tree)
    if local_only:
        nodes = (
            n
            for f in ast.walk(tree)
            if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef)
            for n in ast.walk(f)
        )
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")
                if node.level > 1:
                    up = up[: len(up) - (node.level - 1)]
                base = ".".join(up + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{a.name}" for a in node.names)
    return found


def _reaches(imports: set[str], target: str) -> bool:
    return any(m == target or m.startswith(target + ".") for m in imports)


def _packages() -> set[str]:
    return {n for n, p in _modules().items() if p.name == "__init__.py"}


def _cycles() -> list[list[str]]:
    """Strongly connected components of the module graph (packages are namespaces: a factory
    importing its blueprints is not a cycle)."""
    mods, pkgs = _modules(), _packages()
    graph = {
        n: sorted(m for m in _imports(n) if m in mods and m != n and m not in pkgs)
        for n in mods
        if n not in pkgs
    }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    return found


def _pure_modules() -> list[str]:
    return sorted(
        n
        for n in _modules()
        if n.count(".") == 1
        and n.startswith("feedback.")
        and n not in INFRASTRUCTURE
        and n not in _packages()
        and not n.startswith("feedback.cli")
    )


def test_no_import_cycle() -> None:
    assert _cycles() == []


@pytest.mark.parametrize("layer", BOUNDARIES)
def test_boundaries_reach_data_through_services(layer: str) -> None:
    offenders = [
        n for n in _modules() if n.startswith(layer) and _reaches(_imports(n), "feedback.models")
    ]
    assert offenders == [], f"{layer} imports ORM models; ask a service instead"


def test_pure_modules_import_no_flask_or_sqlalchemy() -> None:
    offenders = {
        n: sorted(m for m in _imports(n) if m.split(".")[0] in ("flask", "sqlalchemy"))
        for n in _pure_modules()
    }
    assert {n: m for n, m in offenders.items() if m} == {}


def test_services_import_no_flask() -> None:
    offenders = [
        n
        for n in _modules()
        if n.startswith("feedback.services") and _reaches(_imports(n), "flask")
    ]
    assert offenders == []


def test_mail_does_not_reach_up_into_services() -> None:
    offenders = [
        n
        for n in _modules()
        if n.startswith("feedback.mail") and _reaches(_imports(n), "feedback.services")
    ]
    assert offenders == []


def test_services_import_at_the_top() -> None:
    """A function-local import between services only hides a cycle."""
    offenders = {
        n: sorted(m for m in _imports(n, local_only=True) if m.startswith("feedback"))
        for n in _modules()
        if n.startswith("feedback.services")
    }
    assert {n: m for n, m in offenders.items() if m} == {}


def test_no_module_past_the_size_a_newcomer_can_hold() -> None:
    def is_data(path: Path) -> bool:
        parts = path.relative_to(ROOT).parts
        return any(
            part == "data"
            or Path(part).stem in ("data", "lexicon")
            or Path(part).stem.endswith(("_data", "_lexicon"))
            for part in parts
        )

    big = {
        n: lines
        for n, p in _modules().items()
        if not is_data(p) and (lines := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert big == {}


def test_the_rules_see_the_house() -> None:
    """Guards the guards: the walk finds the layers it checks."""
    names = _modules()
    for layer in ("feedback.services", "feedback.web", "feedback.api", "feedback.models", "jobs"):
        assert any(n.startswith(layer) for n in names), layer
    assert "feedback.classification" in _pure_modules()
