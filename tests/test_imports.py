"""The package's modules import one another without a circle (``pressure.io`` is a leaf-first
tree: text helpers, then layouts, then readers, then the registry and ``load``).

Every ``import`` statement counts, the ones inside functions too (an import deferred into a
function to get round a circle is still a circle)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "pressure"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")
                    anchor = anchor[: len(anchor) - (node.level - 1)]
                    base = ".".join(anchor + ([base] if base else []))
                # ``from pkg import sub`` imports the submodule ``pkg.sub`` when there is one
                subs = [f"{base}.{alias.name}" for alias in node.names]
                found = [s for s in subs if s in modules]
                targets = found if len(found) == len(subs) else [base, *found]
            for target in targets:
                # a module, or the closest package above it that is one of ours
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    graph[name].add(target)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
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

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_checker_finds_a_circle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_circle_in_the_package() -> None:
    graph = _graph()
    assert "pressure.io.readers.generic_csv" in graph
    assert "pressure.io.text" in graph["pressure.io.layout_file"]
    assert _cycles(graph) == []


def test_text_helpers_are_a_leaf() -> None:
    graph = _graph()
    assert graph["pressure.io.text"] <= {"pressure.errors", "pressure.model"}


# pressure.io's order (README "Layout"): each module imports only modules of earlier ranks
IO_RANKS = {
    "pressure.io.text": 1,
    "pressure.io.table": 2,
    "pressure.io.atomic": 3,
    "pressure.io.capture": 3,
    "pressure.io.layout_file": 3,
    "pressure.io.recording": 3,
    "pressure.io.recorder": 3,
    "pressure.io.write": 3,
    "pressure.io.readers": 4,
    "pressure.io.load": 5,
    "pressure.io.recording_source": 6,
    "pressure.io.source": 7,
}


def _rank(module: str) -> int | None:
    if module.startswith("pressure.io.readers"):
        return 4
    return IO_RANKS.get(module)


def test_io_is_a_leaf_first_tree() -> None:
    graph = _graph()
    io_modules = [m for m in graph if m.startswith("pressure.io.")]
    assert all(_rank(m) is not None for m in io_modules), "a new io module needs its rank"
    upward = [
        (m, t)
        for m in io_modules
        for t in graph[m]
        if t.startswith("pressure.io.") and _rank(t) > _rank(m)  # type: ignore[operator]
    ]
    assert upward == []
