"""Where the project's own files are, from a checkout or installed (`pip install .`, `pipx install .`).

In a checkout, app.py, app_pages/, .streamlit/config.toml, pretrained/ and lessons/ sit in the
repository's root, beside seq2seq/ and explorer/. The wheel installs the same files in the same
layout into `attention_explorer/` beside the two packages (pyproject.toml, [tool.setuptools]).
`project_root()` is whichever folder holds them: code asks it for `project_root() / "pretrained"`
and never climbs from its own `__file__`. No torch here.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

INSTALLED_FOLDER = "attention_explorer"  # the installed copy's folder (pyproject.toml's package-dir)
# The checkout's root, or the site-packages folder the wheel was installed into.
_PARENT = Path(__file__).resolve().parents[1]


@functools.cache
def project_root() -> Path:
    """The folder that holds app.py, app_pages/, pretrained/ and lessons/: the installed copy, else the checkout."""
    installed = _PARENT / INSTALLED_FOLDER
    return installed if (installed / "app.py").is_file() else _PARENT


def installed() -> bool:
    """Whether this code runs from an installed package rather than from a checkout."""
    return project_root() != _PARENT


def user_data_dir() -> Path:
    """Where the files a user makes belong by default (models saved from the Train page): the checkout's
    root, as ever; installed, a folder of the user's own that reinstalling or upgrading the package
    leaves alone: $XDG_DATA_HOME/attention-explorer, else ~/.local/share/attention-explorer."""
    if not installed():
        return _PARENT
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "attention-explorer"
