"""The package's import graph: no cycle between top-level subpackages, no upward import.

Every ``import`` and ``from ... import`` is read with ``ast``, including the ones inside
functions and under ``TYPE_CHECKING`` (a cycle hidden in a function is still a cycle).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "strokescreen"

# Lower layers first; a unit may import only units of a strictly lower layer (or itself).
# Single modules at the package root (errors, config, progress, jsonable, tasks, the package's own
# ``__init__``) are the base.
LAYERS: list[set[str]] = [
    {"errors", "__init__"},
    {"config", "progress", "jsonable", "tasks", "devices"},
    {"io"},
    {"face", "audio"},
    {"preprocess", "synth"},
    {"features"},
    {"models", "screen", "parsing"},
    {"evaluation"},
    {"report"},
    {"workflows"},
    {"app"},
    {"cli"},
    {"__main__"},
]
RANK = {unit: i for i, layer in enumerate(LAYERS) for unit in layer}


def _unit(path: Path, root: Path = PACKAGE) -> str:
    """Top-level subpackage (or root module) a source file belongs to."""
    rel = path.relative_to(root)
    return rel.parts[0].removesuffix(".py")


def _imported_units(tree: ast.AST, module: str) -> set[str]:
    """Top-level units of ``strokescreen`` that a module's source imports."""
    out: set[str] = set()
    package = module.rsplit(".", 1)[0]
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative import: resolve against the module's package
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                mod = ".".join([*base, node.module] if node.module else base)
            else:
                mod = node.module or ""
            names = [f"{mod}.{a.name}" for a in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "strokescreen" and len(parts) > 1:
                out.add(parts[1])
    return out


def import_graph(root: Path = PACKAGE) -> dict[str, dict[str, set[str]]]:
    """unit -> imported unit -> files doing it (units other than the importer only)."""
    graph: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    units = {_unit(p, root) for p in root.rglob("*.py")}
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root.parent)
        module = ".".join(rel.with_suffix("").parts)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        src = _unit(path, root)
        for dst in _imported_units(tree, module):
            dst = dst if dst in units else "__init__"  # a name of the package itself
            if dst != src:
                graph[src][dst].add(str(rel))
    return graph


def _cycles(graph: dict[str, dict[str, set[str]]]) -> list[list[str]]:
    """Every elementary cycle found by depth-first search (each reported once)."""
    found: set[tuple[str, ...]] = set()
    cycles = []

    def visit(node: str, path: list[str]) -> None:
        for nxt in sorted(graph.get(node, {})):
            if nxt in path:
                cyc = path[path.index(nxt):]
                key = tuple(sorted(cyc))
                if key not in found:
                    found.add(key)
                    cycles.append([*cyc, nxt])
            elif len(path) < len(RANK) + 2:
                visit(nxt, [*path, nxt])

    for start in sorted(graph):
        visit(start, [start])
    return cycles


def test_every_unit_has_a_layer():
    units = {_unit(p) for p in PACKAGE.rglob("*.py")}
    assert units - RANK.keys() == set(), "give new subpackages a layer in LAYERS"


def test_no_import_cycle_between_subpackages():
    cycles = _cycles(import_graph())
    assert cycles == [], "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_no_upward_import():
    bad = [
        f"{src} imports {dst} in {', '.join(sorted(files))}"
        for src, dsts in import_graph().items() for dst, files in dsts.items()
        if RANK[dst] >= RANK[src]
    ]
    assert bad == [], "\n".join(bad)


def test_stages_never_import_workflows_app_or_cli():
    stages = {u for u in RANK if RANK[u] < RANK["workflows"]}
    graph = import_graph()
    bad = [(s, d) for s in stages for d in graph.get(s, {}) if d in ("workflows", "app", "cli")]
    assert bad == []


# the checker itself, on a planted package: it must see imports inside functions,
# relative imports and cycles


def _plant(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "strokescreen"
    for name, text in files.items():
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return root


def test_checker_finds_a_cycle_hidden_inside_a_function(tmp_path):
    root = _plant(tmp_path, {
        "models/a.py": "def f():\n    from strokescreen.evaluation import b\n",
        "evaluation/b.py": "from strokescreen.models.a import f\n",
    })
    graph = import_graph(root)
    assert _cycles(graph) == [["evaluation", "models", "evaluation"]]


def test_checker_resolves_relative_imports(tmp_path):
    root = _plant(tmp_path, {
        "io/m.py": "from ..evaluation import checks\n",
        "evaluation/checks.py": "",
    })
    assert dict(import_graph(root)["io"]) == {"evaluation": {"strokescreen/io/m.py"}}


@pytest.mark.parametrize("unit", ["io", "models", "report"])
def test_checker_flags_upward_imports(tmp_path, unit):
    root = _plant(tmp_path, {f"{unit}/m.py": "import strokescreen.workflows.assess\n",
                             "workflows/assess.py": ""})
    graph = import_graph(root)
    assert RANK["workflows"] > RANK[unit] and "workflows" in graph[unit]
