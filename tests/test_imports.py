"""The library stays a library: no UI packages, and no work at import time."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _python(code: str) -> subprocess.CompletedProcess:
    """Run `code` in a fresh interpreter from the repository root (nothing imported yet)."""
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)


def _passes(code: str) -> None:
    """`code` (assertions ending in print('ok')) passes in a fresh interpreter."""
    result = _python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_library_never_imports_streamlit_or_plotly():
    _passes(
        "import sys\n"
        "import seq2seq, seq2seq.decoding, seq2seq.checkpoint, seq2seq.cli, seq2seq.train, seq2seq.tasks\n"
        "import seq2seq.cli as cli\n"
        "cli.build_parser()\n"
        "ui = sorted(m for m in sys.modules if m.split('.')[0] in ('streamlit', 'plotly'))\n"
        "assert not ui, ui\n"
        "print('ok')\n"
    )


def test_importing_the_package_does_no_work():
    result = _python(
        "import sys\n"
        "import seq2seq, seq2seq.config, seq2seq.tokenizers\n"
        "heavy = sorted(m for m in ('torch', 'sentencepiece', 'safetensors', 'numpy') if m in sys.modules)\n"
        "assert not heavy, heavy\n"
        "print(seq2seq.__version__)\n"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()


def test_listing_models_tasks_and_scorers_never_imports_torch():
    """The registry of models, the tasks, the scorers' names and the app's catalog of names are plain
    Python: the CLI's `models` and the app's pickers list names without loading torch."""
    _passes(
        "import sys\n"
        "import seq2seq.registry, seq2seq.tasks, seq2seq.scorers, seq2seq.config, explorer.state.catalog\n"
        "seq2seq.registry.registry()\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
        "print('ok')\n"
    )
