"""bench/'s layout: a benchmark imports shared modules only, never another benchmark.

A benchmark that took its server or its client from another benchmark would change when that one's
measurements change; the code they share lives in modules of its own (SHARED), which import no
benchmark either.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
SHARED = {"common", "server", "browser", "protocol", "class_steps"}  # shared code, not benchmarks
RUNNER = {"__init__", "__main__"}  # `python -m bench` runs the benchmarks as processes, importing none


def bench_imports(path: Path) -> list[tuple[int, str]]:
    """(line, bench module) for every import of a bench module in `path`, at any depth, in any form:
    `import bench.x`, `from bench.x import y`, `from bench import x`, `from . import x`, `from .x import y`."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name.split(".")[1]) for a in node.names if a.name.startswith("bench.")]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:  # relative: inside bench/
                module = "bench." + module if module else "bench"
            if module == "bench":
                found += [(node.lineno, a.name) for a in node.names]
            elif module.startswith("bench."):
                found.append((node.lineno, module.split(".")[1]))
    return found


def modules() -> list[Path]:
    return sorted(p for p in BENCH.glob("*.py") if p.stem not in RUNNER)


def benchmarks() -> list[str]:
    return [p.stem for p in modules() if p.stem not in SHARED]


def test_the_shared_modules_exist_and_the_benchmarks_are_found():
    assert SHARED <= {p.stem for p in modules()}
    assert {"app_speed", "load_test", "class_follow", "class_answers", "decode_speed", "lab_speed"} <= set(benchmarks())


@pytest.mark.parametrize("path", modules(), ids=lambda p: p.name)
def test_a_bench_module_imports_no_benchmark(path: Path):
    others = set(benchmarks()) - {path.stem}
    wrong = [f"bench/{path.name}:{line} imports bench.{name}" for line, name in bench_imports(path) if name in others]
    assert not wrong, "a benchmark imports only " + ", ".join(sorted(SHARED)) + ": " + "; ".join(wrong)


def test_the_checker_sees_every_form_of_import(tmp_path: Path):
    source = tmp_path / "x.py"
    source.write_text(
        "import bench.load_test\n"
        "from bench.app_speed import Server\n"
        "from bench import class_follow, common\n"
        "from . import race\n"
        "from .decode_speed import main\n"
        "def f():\n"
        "    from bench.lab_speed import BARS\n"
    )
    assert [name for _line, name in bench_imports(source)] == [
        "load_test",
        "app_speed",
        "class_follow",
        "common",
        "race",
        "decode_speed",
        "lab_speed",
    ]
