"""No import cycle among the library's modules (every import statement counts, lazy ones inside
functions too: a cycle that only a lazy import hides is still two modules that need each other).

`import_graph(folder, package)` reads the imports of every module of a package with `ast`, without
importing anything; `find_cycle(graph)` returns one cycle as a list of module names, or [].
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def module_names(folder: Path, package: str) -> dict[str, Path]:
    """Dotted name -> file of every module under `folder` (the package `package`)."""
    names = {}
    for path in sorted(folder.rglob("*.py")):
        parts = [package, *path.relative_to(folder).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


def _imported(node: ast.AST, module: str, is_package: bool, known: dict[str, Path]) -> list[str]:
    """The modules of `known` that one import statement of `module` names."""
    if isinstance(node, ast.Import):
        candidates = [alias.name for alias in node.names]
    elif isinstance(node, ast.ImportFrom):
        if node.level:
            base = module.split(".") if is_package else module.split(".")[:-1]
            base = base[: len(base) - (node.level - 1)]
            parent = ".".join(base + ([node.module] if node.module else []))
        else:
            parent = node.module or ""
        # `from package import name` imports the submodule package.name when there is one
        candidates = [f"{parent}.{a.name}" if f"{parent}.{a.name}" in known else parent for a in node.names]
    else:
        return []
    found = []
    for name in candidates:
        while name and name not in known:  # `import seq2seq.tasks.dates.x` -> the deepest known module
            name = name.rpartition(".")[0]
        if name:
            found.append(name)
    return found


def import_graph(folder: Path, package: str) -> dict[str, set[str]]:
    """Module -> the modules of the same package it imports (anywhere in the file)."""
    known = module_names(folder, package)
    graph: dict[str, set[str]] = {}
    for module, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_package = path.name == "__init__.py"
        graph[module] = {
            name for node in ast.walk(tree) for name in _imported(node, module, is_package, known) if name != module
        }
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle as [a, b, ..., a], or [] when the graph has none (depth-first search)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return []

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return []


def test_the_finder_sees_a_cycle_and_lazy_imports(tmp_path):
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from .b import x\n")
    (package / "b.py").write_text("def f():\n    from pkg.sub import c\n")
    (package / "sub" / "__init__.py").write_text("")
    (package / "sub" / "c.py").write_text("from .. import a\n")
    graph = import_graph(package, "pkg")
    assert graph["pkg.a"] == {"pkg.b"} and graph["pkg.b"] == {"pkg.sub.c"} and graph["pkg.sub.c"] == {"pkg.a"}
    assert find_cycle(graph) == ["pkg.a", "pkg.b", "pkg.sub.c", "pkg.a"]
    (package / "sub" / "c.py").write_text("import os\n")
    assert find_cycle(import_graph(package, "pkg")) == []


@pytest.mark.parametrize("package", ["seq2seq", "explorer", "deploy", "bench"])
def test_no_import_cycle(package):
    graph = import_graph(ROOT / package, package)
    assert len(graph) > 5
    cycle = find_cycle(graph)
    assert not cycle, "import cycle: " + " -> ".join(cycle)


# explorer/'s layers, lowest first: a module imports only from its own layer and the layers below,
# so Streamlit-only code (ui) sits on pure page logic (views), which sits on figures and state.
# i18n is below every layer: any of them may translate (it imports none of them, nor streamlit).
LAYERS = {"i18n": -1, "state": 0, "figures": 1, "training": 1, "classrooms": 1, "views": 2, "lessons": 3, "ui": 4}


def test_explorer_imports_point_one_way():
    graph = import_graph(ROOT / "explorer", "explorer")
    layer_of = {m: m.split(".")[1] for m in graph if m.count(".") >= 1}
    assert set(layer_of.values()) == set(LAYERS), "explorer/ has a package that is not a layer"
    wrong = [
        f"{module} -> {imported}"
        for module, imports in graph.items()
        for imported in imports
        if module in layer_of and imported in layer_of and layer_of[module] != layer_of[imported]
        and LAYERS[layer_of[imported]] >= LAYERS[layer_of[module]]
    ]  # fmt: skip
    assert not wrong, wrong


def test_only_the_ui_layer_imports_streamlit():
    for path in (ROOT / "explorer").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        names |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        uses_streamlit = any(name.split(".")[0] == "streamlit" for name in names)
        layer = path.relative_to(ROOT / "explorer").parts[0]
        assert not uses_streamlit or layer == "ui", f"{path.relative_to(ROOT)} imports streamlit outside explorer/ui"
