"""The project's scripts (scripts/NAME.py) as modules, for tests of their functions.

Each call loads the file afresh, as `python scripts/NAME.py` would, under a module name of the test's
choosing (a test that patches a module's globals gets its own copy); nothing is added to sys.modules.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

SCRIPTS = Path(__file__).resolve().parent.parent / "scripts"


def load_script(filename: str, name: str | None = None) -> ModuleType:
    """scripts/`filename` run as a module named `name` (default: the file's stem)."""
    spec = importlib.util.spec_from_file_location(name or Path(filename).stem, SCRIPTS / filename)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
