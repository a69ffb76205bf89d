"""Where a training from the app finds its data: a corpus task's file (en-fr, zh-en), if it is there.

A generated task (reverse, dates) needs no file. A corpus task names its file and the environment
variables that may point at it (`seq2seq.tasks`); without them it is looked for in ../shared/data.
"""

from __future__ import annotations

import os
from pathlib import Path

from seq2seq.tasks import REGISTRY

ROOT = Path(__file__).resolve().parents[2]
DATA_ENV = "ATTENTION_EXPLORER_DATA"
DATA_DIR = ROOT.parent / "shared" / "data"  # where a corpus task's DATA_FILE is looked for by default


def needs_data(task: str) -> bool:
    """Whether a training of `task` reads a corpus file (the task names one) instead of generating pairs."""
    from explorer.state.catalog import data_file

    return data_file(task) is not None


def data_env(task: str) -> str:
    """The environment variable naming `task`'s corpus: ATTENTION_EXPLORER_DATA_<TASK> (zh-en -> _ZH_EN)."""
    return f"{DATA_ENV}_{task.upper().replace('-', '_')}"


def data_path(task: str) -> Path | None:
    """The corpus file of `task`; None if absent or the task generates its data.

    $ATTENTION_EXPLORER_DATA_<TASK>, else the other variables the task names (en-fr, as before:
    $ATTENTION_EXPLORER_DATA), else ../shared/data/<the task's data file>.
    """
    found = REGISTRY.get(task)
    if found is None or found.corpus is None:
        return None
    env = next((value for name in (data_env(task), *found.corpus.env) if (value := os.environ.get(name))), None)
    path = Path(env) if env else DATA_DIR / found.corpus.file
    return path if path.is_file() else None
