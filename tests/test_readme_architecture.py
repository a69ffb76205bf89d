"""The README's architecture picture matches the code: every module it names exists, and every
module of the library and of the app's glue is in it (a new module without its line fails here)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("seq2seq", "seq2seq/tasks", "explorer")


def _picture() -> str:
    readme = (ROOT / "README.md").read_text()
    return readme[readme.index("## Architecture") : readme.index("## Performance")]


def test_every_module_the_picture_names_exists():
    named = set(re.findall(r"\b([a-z_0-9]+\.py)\b", _picture()))
    assert named, "the picture names no module"
    missing = {
        n for n in named if not any((ROOT / d / n).exists() for d in ("", *PACKAGES, "pages", "bench", "scripts"))
    }
    assert not missing


def test_every_module_is_in_the_picture():
    words = set(re.findall(r"[a-z_0-9]+", _picture()))
    for package in PACKAGES:
        for module in (ROOT / package).glob("*.py"):
            if module.stem != "__init__":
                assert module.stem in words, f"{package}/{module.name} is not in the README's architecture"
