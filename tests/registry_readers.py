"""The tests that read a registry, found in tests/ by their syntax (`ast`), for tests/test_extensibility.py.

The registries are what the recipes of docs/architecture.md's "Where to change what" extend:

- the scorers: `SCORERS`, `SCORER_CLASSES`, `SCORER_INFO`, `POSITIONAL`, `FIXED`
  (seq2seq/scorers.py, seq2seq/attention.py);
- the tasks: `TASKS`, `REGISTRY`, `all_tasks` (seq2seq/tasks/__init__.py);
- the view: its fields (`ViewState`, `VIEW_FIELDS`), the declared numbers and words of a link
  (`LINK_NUMBERS`, `LINK_CHOICES`), the fields each page's link keeps (`LINK_FIELDS`), and the two
  functions that read them all, `parse_query` and `link_params` (explorer/state/view.py, owner.py);
- the app's questions to them: every function and constant of explorer/state/catalog.py that reads
  one of the above (found the same way, so a new one counts with no list to update);
- the files the recipes write or check: docs/architecture.md and the translation catalogs (messages.po).

A test *reads a registry* when the code it runs by name does, where "by name" is followed through the
test's module and tests/'s helper modules, never into the library:

1. an expression reads when it names a registry: a name imported under one of the registry names
   above (`from seq2seq.config import SCORERS as NAMES` too, at module level or in a function), an
   attribute of that name (`scorers.SCORERS`, `tasks.all_tasks()`; `catalog.scorers_for(...)` for the
   catalog's), or a string that names one of the registry files; a module's own variable that happens
   to share a registry's name (tests/hostile.py's `SCORERS`) is not the registry;
2. a module-level name (an assignment, a function, a fixture, a class) reads when its definition reads
   or uses a module-level name that reads, found to a fixed point (`ATTENTION = [s for s in SCORERS ...]`,
   then a fixture that uses ATTENTION); a name imported from a helper module of tests/ (`helpers.grid`,
   `app_fixtures.use_registry`, whose models are every task's and scorer's) reads when it reads there;
3. a test function (`test_*`, at module level or a method of a `Test*` class) reads when its
   decorators (`parametrize`), its argument defaults or body read, when one of its arguments is a
   fixture that reads (defined in its module, imported, or in a helper module or conftest.py of tests/),
   or, for a method, when its class body outside its methods reads.

Left out: tests/e2e (browser tests), tests marked `slow` or `e2e` (by a decorator or a module's
`pytestmark`), and tests/test_extensibility.py itself. A test that reads a registry only through the
library (a page that lists the scorers, run by AppTest, with no registry named in the test) is not
found: the rule follows what a test names, which is what a test that hard-codes today's scorers or
tasks would name.

The same rule, seeded with Streamlit's `AppTest` instead of the registries, finds the tests that run a
page (`page_tests`): the extensibility test's quick variant leaves those out (they take most of the time).

`registry_tests(tests_dir)` and `page_tests(tests_dir)` return pytest node ids
(`tests/test_x.py::test_y`), sorted.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

VIEW_NAMES = frozenset(
    {"ViewState", "VIEW_FIELDS", "LINK_NUMBERS", "LINK_CHOICES", "LINK_FIELDS", "parse_query", "link_params"}
)
REGISTRY_NAMES = frozenset(
    {"SCORERS", "SCORER_CLASSES", "SCORER_INFO", "POSITIONAL", "FIXED", "TASKS", "REGISTRY", "all_tasks", *VIEW_NAMES}
)
REGISTRY_FILES = ("architecture.md", "messages.po")
CATALOG_MODULE = "explorer.state.catalog"  # the app's questions to the registries
CATALOG = Path(*CATALOG_MODULE.split(".")).with_suffix(".py")
SKIP_MARKS = frozenset({"slow", "e2e"})
THIS_TEST = "test_extensibility.py"


@dataclass(frozen=True)
class Seeds:
    """What rule 1 looks for: names (imported, or as attributes), a catalog module's names, file names."""

    names: frozenset[str]
    files: tuple[str, ...] = ()
    catalog: frozenset[str] = frozenset()  # names of CATALOG_MODULE that count, as `catalog.X` or imported


PAGE_SEEDS = Seeds(frozenset({"AppTest"}))  # streamlit.testing.v1.AppTest: the test runs a page


def _name_of(node: ast.expr) -> str:
    """`catalog` for `catalog` and for `explorer.state.catalog`; "" for anything else."""
    return node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""


def _reads(node: ast.AST, names: set[str], seeds: Seeds, fixtures: frozenset[str] = frozenset()) -> bool:
    """Whether `node` names a seed (rule 1) or one of `names` (module-level names that read).

    fixtures: the helper modules' and conftest's names that read, which count as arguments (fixtures
    asked for by name) only.
    """
    for child in ast.walk(node):
        if isinstance(child, ast.Name) and child.id in names:  # a seed imported, or one of its readers
            return True
        if isinstance(child, ast.Attribute) and child.attr in seeds.names:
            return True
        if isinstance(child, ast.Attribute) and child.attr in seeds.catalog and _name_of(child.value) == "catalog":
            return True
        if isinstance(child, ast.arg) and (child.arg in names or child.arg in fixtures):  # a fixture that reads
            return True
        if isinstance(child, ast.alias) and child.name in seeds.names:  # imported inside a function
            return True
        if isinstance(child, ast.ImportFrom) and child.module == CATALOG_MODULE:
            if any(alias.name in seeds.catalog for alias in child.names):
                return True
        if isinstance(child, ast.Constant) and isinstance(child.value, str):
            if any(file in child.value for file in seeds.files):
                return True
    return False


def _defined(statement: ast.stmt) -> list[str]:
    """The module-level names a statement binds (assignments, defs, classes)."""
    if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return [statement.name]
    if isinstance(statement, ast.Assign | ast.AnnAssign | ast.AugAssign):
        targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
        return [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]
    return []


def _reading_names(tree: ast.Module, imported: set[str], seeds: Seeds) -> set[str]:
    """The module-level names of `tree` that read (rule 2), given the imported names that do."""
    names = set(imported)
    for statement in tree.body:  # `from x import SCORERS as NAMES`: NAMES reads
        if isinstance(statement, ast.ImportFrom):
            names |= {a.asname or a.name for a in statement.names if a.name in seeds.names}
            if statement.module == CATALOG_MODULE:
                names |= {a.asname or a.name for a in statement.names if a.name in seeds.catalog}
    changed = True
    while changed:  # to a fixed point: a definition may read through one defined below it
        changed = False
        for statement in tree.body:
            new = set(_defined(statement)) - names
            if new and _reads(statement, names, seeds):
                names |= new
                changed = True
    return names


def _catalog_readers(root: Path) -> frozenset[str]:
    """The public functions and constants of explorer/state/catalog.py that read a scorer or task registry."""
    tree = ast.parse((root / CATALOG).read_text(encoding="utf-8"))
    found = _reading_names(tree, set(), Seeds(REGISTRY_NAMES)) - REGISTRY_NAMES  # (imported there)
    return frozenset(name for name in found if not name.startswith("_"))


def _marks(decorators: Iterable[ast.expr]) -> set[str]:
    """The `pytest.mark.X` names among decorators (or a pytestmark value's elements)."""
    found = set()
    for decorator in decorators:
        for node in ast.walk(decorator):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute) and node.value.attr == "mark":
                found.add(node.attr)
    return found


def _module_marks(tree: ast.Module) -> set[str]:
    """The marks a module's `pytestmark = ...` gives all its tests."""
    return {
        mark
        for statement in tree.body
        if isinstance(statement, ast.Assign) and any(getattr(t, "id", "") == "pytestmark" for t in statement.targets)
        for mark in _marks([statement.value])
    }


def _imported_readers(tree: ast.Module, readers: dict[str, set[str]]) -> set[str]:
    """The names `tree` imports from tests/'s helper modules that read there (rule 2's last clause)."""
    names = set()
    for statement in tree.body:
        if isinstance(statement, ast.ImportFrom) and statement.module in readers:
            for alias in statement.names:
                if alias.name == "*":
                    names |= readers[statement.module]
                elif alias.name in readers[statement.module]:
                    names.add(alias.asname or alias.name)
    return names


def _helper_readers(trees: dict[Path, ast.Module], seeds: Seeds) -> dict[str, set[str]]:
    """module name (``tests.helpers``) -> its module-level names that read, for tests/'s helper modules."""
    helpers = {path: tree for path, tree in trees.items() if not path.name.startswith("test_")}
    readers: dict[str, set[str]] = {f"tests.{path.stem}": set() for path in helpers}
    changed = True
    while changed:  # helpers import from each other
        changed = False
        for path, tree in helpers.items():
            found = _reading_names(tree, _imported_readers(tree, readers), seeds)
            if found != readers[f"tests.{path.stem}"]:
                readers[f"tests.{path.stem}"] = found
                changed = True
    return readers


def _tests_of(tree: ast.Module) -> Iterable[tuple[str, ast.FunctionDef, ast.ClassDef | None]]:
    """(node id's tail, test function, its class or None) for every test function of a module."""
    for statement in tree.body:
        if isinstance(statement, ast.FunctionDef) and statement.name.startswith("test_"):
            yield statement.name, statement, None
        elif isinstance(statement, ast.ClassDef) and statement.name.startswith("Test"):
            for method in statement.body:
                if isinstance(method, ast.FunctionDef) and method.name.startswith("test_"):
                    yield f"{statement.name}::{method.name}", method, statement


def tests_reading(tests_dir: Path, seeds: Seeds) -> list[str]:
    """The node ids of the default run's tests that read `seeds` (the module docstring's rules)."""
    trees = {path: ast.parse(path.read_text(encoding="utf-8")) for path in sorted(tests_dir.glob("*.py"))}
    helpers = _helper_readers(trees, seeds)
    fixtures = frozenset().union(*helpers.values())  # conftest's and helper modules' fixtures, asked for by name
    found = []
    for path, tree in trees.items():
        if not path.name.startswith("test_") or path.name == THIS_TEST or _module_marks(tree) & SKIP_MARKS:
            continue
        names = _reading_names(tree, _imported_readers(tree, helpers), seeds)
        for tail, function, cls in _tests_of(tree):
            if (_marks(function.decorator_list) | _marks(cls.decorator_list if cls else [])) & SKIP_MARKS:
                continue
            class_body = [s for s in cls.body if not isinstance(s, ast.FunctionDef)] if cls else []
            if _reads(function, names, seeds, fixtures) or any(_reads(s, names, seeds, fixtures) for s in class_body):
                found.append(f"{tests_dir.name}/{path.name}::{tail}")
    return found


def registry_tests(tests_dir: Path) -> list[str]:
    """The default run's tests that read a scorer or task registry, the catalog's readers or their files."""
    seeds = Seeds(REGISTRY_NAMES, REGISTRY_FILES, _catalog_readers(tests_dir.parent))
    return tests_reading(tests_dir, seeds)


def page_tests(tests_dir: Path) -> list[str]:
    """The default run's tests that run a page (AppTest), by the same rules."""
    return tests_reading(tests_dir, PAGE_SEEDS)
