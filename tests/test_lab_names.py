"""The lab's names (seq2seq/lab/names.py): plain Python without torch, and the one list that the library,
the command line, the app's Lab page and its labels all read."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

from seq2seq.lab import names

ROOT = Path(__file__).resolve().parent.parent


def test_the_lab_names_never_import_torch():
    """The app's pickers, the Decode page's link to the Lab and the lessons' checks read the names without
    loading torch, Captum or SciPy (as tests/test_imports.py checks for the scorers' names)."""
    code = (
        "import sys\n"
        "import seq2seq.lab.names\n"
        "heavy = sorted(m for m in ('torch', 'captum', 'scipy') if m in sys.modules)\n"
        "assert not heavy, heavy\n"
        "print('ok')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_the_names_fit_together():
    assert set(names.NEEDS_ATTENTION) <= set(names.EXPERIMENTS)
    assert set(names.STORED_EXPERIMENTS) <= set(names.EXPERIMENTS)
    assert names.STORED_EXPERIMENTS == (*names.MODEL_EXPERIMENTS, *names.WHERE_THEY_APPLY, "table")
    assert names.WITHOUT_ATTENTION == ("agreement", "length")
    assert names.pairs(True)[:3] == tuple(f"attention~{name}" for name in names.IMPORTANCES)
    assert names.pairs(False) == (
        "grad_x_input~integrated_gradients",
        "grad_x_input~leave_one_out",
        "integrated_gradients~leave_one_out",
    )


def test_the_library_and_the_command_line_read_the_names():
    from seq2seq.cli import build_parser
    from seq2seq.lab import agreement, run
    from seq2seq.lab.importance import StepImportance

    assert agreement.IMPORTANCES is names.IMPORTANCES and agreement.pairs is names.pairs
    assert run.EXPERIMENTS is names.EXPERIMENTS and set(run.DEFAULT_N) == set(names.EXPERIMENTS)
    fields = {field.name for field in dataclasses.fields(StepImportance)}
    assert set(names.IMPORTANCES) <= fields
    parser = build_parser()
    for name in names.EXPERIMENTS:  # each is one of `lab --experiment`'s choices
        assert parser.parse_args(["lab", "--task", "reverse", "--experiment", name]).experiment == name


def test_the_app_has_a_label_for_every_name():
    """The Lab page's labels are texts of the catalog, written beside the names they translate: each name has one."""
    from explorer.views import lab_readings, lab_split, lab_stored

    assert tuple(lab_readings.METHOD_LABELS) == ("attention", *names.IMPORTANCES)
    assert tuple(lab_stored.EXPERIMENT_NAMES) == names.STORED_EXPERIMENTS
    assert set(lab_split.DRAWN) < set(names.MODEL_EXPERIMENTS) | set(names.WHERE_THEY_APPLY)
