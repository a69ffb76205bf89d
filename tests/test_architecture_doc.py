"""docs/architecture.md's picture matches the code: every module it names exists, every module and
folder of the app (`explorer/`) and of the library (`seq2seq/`) is in it, subpackages included (a new
module without its line fails here; a task's own module aside, which the task registry lists), and "Where
to change what" names files that exist."""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "architecture.md"
PACKAGES = ("explorer", "seq2seq")
# Where a module the picture names may live (besides the two packages, searched at any depth).
OTHER_DIRS = ("", "app_pages", "bench", "scripts")


def _section(title: str) -> str:
    text = DOC.read_text()
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def _picture() -> str:
    """The first fenced block of the "The picture" section."""
    blocks = re.findall(r"^```[^\n]*\n(.*?)^```", _section("The picture"), flags=re.S | re.M)
    assert blocks, "docs/architecture.md has no picture"
    return blocks[0]


def _modules(package: str) -> list[Path]:
    return sorted(p for p in (ROOT / package).rglob("*.py") if "__pycache__" not in p.parts and p.name != "__init__.py")


def _folders(package: str) -> list[Path]:
    return sorted(p for p in (ROOT / package).rglob("*") if p.is_dir() and p.name != "__pycache__" and any(p.iterdir()))


def test_every_module_the_picture_names_exists():
    named = set(re.findall(r"\b([A-Za-z_0-9]+\.py)\b", _picture()))
    assert named, "the picture names no module"
    existing = {p.name for package in PACKAGES for p in (ROOT / package).rglob("*.py")}
    existing |= {p.name for d in OTHER_DIRS for p in (ROOT / d).glob("*.py")}
    missing = sorted(named - existing)
    assert not missing, f"docs/architecture.md names modules that do not exist: {missing}"


def _task_modules() -> set[Path]:
    """The modules of seq2seq/tasks/ that each build a registered task: "A new task" adds one without a line in
    the picture (the registry is their list)."""
    from seq2seq.tasks import REGISTRY

    return {
        ROOT / "seq2seq" / "tasks" / f"{name.rpartition('.')[2]}.py"
        for name, module in list(sys.modules.items())
        if name.startswith("seq2seq.tasks.")
        and (task := getattr(module, "TASK", None)) is not None
        and REGISTRY.get(task.name) is task
    }


def test_every_module_is_in_the_picture():
    named = set(re.findall(r"\b([A-Za-z_0-9]+\.py)\b", _picture()))
    tasks = _task_modules()
    assert ROOT / "seq2seq" / "tasks" / "reverse.py" in tasks
    missing = [
        str(p.relative_to(ROOT))
        for package in PACKAGES
        for p in _modules(package)
        if p.name not in named and p not in tasks
    ]
    assert not missing, f"modules missing from the picture in docs/architecture.md: {missing}"


def test_every_folder_is_in_the_picture():
    picture = _picture()
    missing = [
        str(p.relative_to(ROOT)) for package in PACKAGES for p in _folders(package) if f"{p.name}/" not in picture
    ]
    assert not missing, f"folders missing from the picture in docs/architecture.md (write them as name/): {missing}"


def test_the_files_to_touch_exist():
    """Every concrete path in "Where to change what" exists (placeholders such as <name> aside)."""
    paths = set(
        re.findall(r"`((?:seq2seq|explorer|pages|scripts|docs|tests)/[^`<>*\s]+)`", _section("Where to change what"))
    )
    assert paths, "'Where to change what' names no file"
    missing = sorted(p for p in paths if not (ROOT / p).exists())
    assert not missing, f"'Where to change what' names files that do not exist: {missing}"


def test_a_task_and_a_scorer_take_at_most_three_files():
    section = _section("Where to change what")
    for recipe in ("A new task", "A new scorer"):
        start = section.index(f"### {recipe}\n")
        end = section.find("\n### ", start + 1)
        steps = re.findall(r"^\d+\. ", section[start:end], flags=re.M)
        assert 1 <= len(steps) <= 3, f"{recipe}: {len(steps)} files to touch"


def test_every_folder_the_picture_names_exists():
    """An indented `name/` entry of the picture is a folder of explorer/ or seq2seq/."""
    named = set(re.findall(r"^ {3,}([a-z_]+)/", _picture(), flags=re.M))
    assert named, "the picture names no folder"
    existing = {p.name for package in PACKAGES for p in _folders(package)}
    missing = sorted(named - existing)
    assert not missing, f"docs/architecture.md names folders that do not exist: {missing}"


def test_pages_are_wiring_and_modules_have_one_job():
    """The house's sizes (docs/architecture.md): a page under 120 lines, a module under 600."""
    pages = {p.name: len(p.read_text(encoding="utf-8").splitlines()) for p in (ROOT / "app_pages").glob("*.py")}
    modules = {
        str(p.relative_to(ROOT)): len(p.read_text(encoding="utf-8").splitlines())
        for folder in ("seq2seq", "explorer", "deploy")
        for p in (ROOT / folder).rglob("*.py")
    }
    assert pages and {name: n for name, n in pages.items() if n > 120} == {}
    assert len(modules) > 50 and {name: n for name, n in modules.items() if n > 600} == {}
