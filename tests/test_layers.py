"""The package's layers (docs/guide/layout.md, "Layers"): no import circle, no import from a lower layer to a
higher one. Every ``import`` statement counts, those inside functions too (a lazy import is still a dependency,
and the usual way a circle hides). Pure ``ast``: nothing of the package is imported."""

from __future__ import annotations

import ast
import os
import re

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LAYOUT = os.path.join(ROOT, "docs", "guide", "layout.md")


def package_modules(root: str, package: str = "tfgan_zoo") -> dict[str, tuple[str, bool]]:
    """``{dotted name: (path, is_package)}`` of every ``.py`` file under ``root/package``."""
    out = {}
    for folder, dirs, files in os.walk(os.path.join(root, package)):
        dirs[:] = [d for d in dirs if not d.startswith((".", "_"))]
        for f in files:
            if f.endswith(".py"):
                parts = os.path.relpath(os.path.join(folder, f), root)[:-3].split(os.sep)
                is_pkg = parts[-1] == "__init__"
                out[".".join(parts[:-1] if is_pkg else parts)] = (os.path.join(folder, f), is_pkg)
    return out


def import_edges(root: str, package: str = "tfgan_zoo") -> tuple[dict, set[tuple[str, str]]]:
    """The package's modules and its import edges ``(importer, imported)``, both dotted module names.

    ``from .x import name`` points at the module ``x.name`` when that is a module, else at ``x``."""
    mods = package_modules(root, package)
    edges = set()
    for name, (path, is_pkg) in mods.items():
        here = name.split(".") if is_pkg else name.split(".")[:-1]
        with open(path, encoding="utf-8") as fh:
            tree = ast.parse(fh.read(), path)
        for node in ast.walk(tree):
            targets = []
            if isinstance(node, ast.ImportFrom):
                base = ".".join(here[:len(here) - node.level + 1] + [node.module] if node.module else
                                here[:len(here) - node.level + 1]) if node.level else (node.module or "")
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in mods else base for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            for t in targets:
                while t and t not in mods:
                    t = t.rpartition(".")[0]
                if t and t != name:
                    edges.add((name, t))
    return mods, edges


def find_circles(nodes, edges) -> list[list[str]]:
    """Strongly connected components of more than one node (Tarjan), each sorted."""
    graph = {n: set() for n in nodes}
    for a, b in edges:
        graph.setdefault(a, set()).add(b)
        graph.setdefault(b, set())
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def read_layers(path: str = LAYOUT, package: str = "tfgan_zoo") -> dict[str, int]:
    """``{unit: layer}`` from the "Layers" table: a unit is a top-level module or subpackage."""
    with open(path, encoding="utf-8") as fh:
        text = fh.read().split("## Layers", 1)[1]
    layers = {}
    for number, cell in re.findall(r"^\| (\d+) \| [^|]+ \| ([^|]+) \|$", text, re.M):
        for unit in re.findall(r"`([\w.]+)`", cell):
            layers[package if unit == package else f"{package}.{unit}"] = int(number)
    return layers


def unit(module: str) -> str:
    """``tfgan_zoo.callbacks.base`` -> ``tfgan_zoo.callbacks``; the package face stays ``tfgan_zoo``."""
    return ".".join(module.split(".")[:2])


def upward(edges, layers: dict[str, int]) -> list[str]:
    """Edges from a unit to a unit of a higher layer, as readable lines."""
    return sorted(f"{a} (layer {layers[unit(a)]}) imports {b} (layer {layers[unit(b)]})"
                  for a, b in edges if layers[unit(b)] > layers[unit(a)])


@pytest.fixture(scope="module")
def package():
    return import_edges(ROOT)


def test_every_module_has_a_layer(package):
    mods, _ = package
    layers = read_layers()
    missing = sorted({unit(m) for m in mods} - set(layers))
    stale = sorted(set(layers) - {unit(m) for m in mods})
    assert not missing, f"modules with no layer in docs/guide/layout.md: {missing}"
    assert not stale, f"layers name modules that do not exist: {stale}"


def test_no_import_circle(package):
    mods, edges = package
    assert len(edges) > 150  # the walk sees the package's imports (about 270 today), not an empty graph
    assert find_circles(mods, edges) == []


def test_no_upward_import(package):
    _, edges = package
    assert upward(edges, read_layers()) == []


# ------------------------------------------------------------------ controls: the checks can fail
def test_control_circle_and_upward_import_are_found(tmp_path):
    pkg = tmp_path / "tfgan_zoo"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "low.py").write_text("def f():\n    from .high import g  # a lazy upward import\n")
    (pkg / "high.py").write_text("from . import low\nfrom .sub.inner import h\n")
    (pkg / "sub" / "__init__.py").write_text("from .inner import h\n")
    (pkg / "sub" / "inner.py").write_text("from .. import low\n")
    mods, edges = import_edges(str(tmp_path))
    assert ("tfgan_zoo.low", "tfgan_zoo.high") in edges  # the function-level import is seen
    assert ("tfgan_zoo.sub.inner", "tfgan_zoo.low") in edges  # `from .. import module` resolves to the module
    # high -> sub.inner -> low -> high: one circle of three
    assert find_circles(mods, edges) == [["tfgan_zoo.high", "tfgan_zoo.low", "tfgan_zoo.sub.inner"]]
    layers = {"tfgan_zoo": 1, "tfgan_zoo.low": 1, "tfgan_zoo.sub": 2, "tfgan_zoo.high": 3}
    assert upward(edges, layers) == ["tfgan_zoo.low (layer 1) imports tfgan_zoo.high (layer 3)"]


def test_control_layers_table_is_read(tmp_path):
    doc = tmp_path / "layout.md"
    doc.write_text("# x\n\n## Layers\n\n| layer | what | modules |\n|---|---|---|\n"
                   "| 1 | base | `tfgan_zoo`, `io` |\n| 2 | top | `cli` |\n")
    assert read_layers(str(doc)) == {"tfgan_zoo": 1, "tfgan_zoo.io": 1, "tfgan_zoo.cli": 2}
