"""Nothing lost: no command or page deletes or writes over what it did not write.

`train --out`, the checkpoint save itself, the race, the Train page's save, the lab results script and
the release script each meet a user's folder, a regular file, a link, or their own output with a file
the user added; each refuses and everything is byte-identical afterwards, names beside it included.
Their own folders are still replaced where the user asked (--resume, --overwrite).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from explorer.training import saving as tsave
from seq2seq.checkpoint import ForeignPathError, holds_checkpoint, load_checkpoint, replace_refusal, save_checkpoint
from seq2seq.cli import main
from seq2seq.lab import results, results_readme
from seq2seq.race import race
from seq2seq.train import train
from tests.helpers import tiny_translator
from tests.script_loader import load_script
from tests.train_fixtures import tiny_config

TINY = [
    "--task", "reverse", "--scorer", "dot", "--hidden-size", "16", "--embedding-size", "8", "--batch-size", "32",
    "--epochs", "1", "--train-size", "64", "--valid-size", "8", "--max-len", "32", "--threads", "1", "--no-progress",
]  # fmt: skip


# -- helpers ------------------------------------------------------------------------------------------
def snapshot(folder: Path) -> dict:
    """Everything in `folder` (the folder included): each entry's kind, bytes or link target, and mode."""
    found = {}

    def record(path: Path, name: str) -> None:
        if path.is_symlink():
            found[name] = ("link", os.readlink(path))
        elif path.is_dir():
            found[name] = ("folder", path.stat().st_mode)
            for child in sorted(path.iterdir()):
                record(child, f"{name}/{child.name}")
        else:
            found[name] = ("file", path.read_bytes(), path.stat().st_mode)

    record(folder, ".")
    return found


def without_locks(found: dict) -> dict:
    """`snapshot` less the lock files the savers take turns on (created empty, never holding data)."""
    return {name: entry for name, entry in found.items() if not name.endswith(".lock")}


def users_folder(path: Path) -> Path:
    """A folder of the user's: files, a subfolder, and a config.json and weights of another program."""
    path.mkdir(parents=True)
    (path / "notes.txt").write_text("my notes\n")
    (path / "config.json").write_text('{"learning_rate": 0.1}')
    (path / "model.safetensors").write_bytes(b"another program's weights")
    (path / "data").mkdir()
    (path / "data" / "table.csv").write_bytes(b"a,b\n1,2\n")
    return path


def users_file(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"a file of the user's\n")
    return path


def users_link(path: Path) -> Path:
    """A link the user made to a folder of theirs beside it."""
    users_folder(path.with_name("elsewhere"))
    os.symlink("elsewhere", path)
    return path


def tool_run_with_a_users_file(path: Path) -> Path:
    """A run folder of this tool into which the user put a file of their own."""
    assert main(["train", "--out", str(path), *TINY]) == 0
    (path / "my-notes.md").write_text("what I changed\n")
    return path


def a_tiny_run(path: Path) -> Path:
    assert main(["train", "--out", str(path), *TINY]) == 0
    return path


NOT_OURS = {
    "a user's folder": users_folder,
    "a regular file": users_file,
    "a link the user made": users_link,
    "a run folder holding a user's file": tool_run_with_a_users_file,
}


def _save(folder: Path, **extra) -> Path:
    translator = tiny_translator(seed=3, scorer="general", cell="gru")
    return save_checkpoint(folder, translator.model, translator.source_tokenizer, translator.target_tokenizer, **extra)


# -- train --out ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("flags", [[], ["--overwrite"], ["--resume"]], ids=["plain", "overwrite", "resume"])
@pytest.mark.parametrize("make", NOT_OURS.values(), ids=NOT_OURS.keys())
def test_train_refuses_an_out_it_did_not_write_and_keeps_every_byte(tmp_path, capsys, make, flags):
    out = make(tmp_path / "place")
    before, names = snapshot(tmp_path), sorted(os.listdir(tmp_path))
    capsys.readouterr()
    assert main(["train", "--out", str(out), *TINY, *flags]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"error: {out} exists and is not a checkpoint folder of this tool (" in err
    assert err.rstrip().endswith("choose another --out")
    assert snapshot(tmp_path) == before and sorted(os.listdir(tmp_path)) == names  # no .place.gen-1 beside it


def test_the_refusal_comes_before_any_work(tmp_path, capsys, monkeypatch):
    import seq2seq.train as train_module

    def no_data(cfg):
        raise AssertionError("the data was loaded")

    monkeypatch.setattr(train_module, "load_task_data", no_data)
    out = users_folder(tmp_path / "place")
    assert main(["train", "--out", str(out), *TINY]) == 2


def test_an_empty_folder_becomes_the_run_and_nothing_else_changes(tmp_path):
    out = tmp_path / "empty"
    out.mkdir()
    (tmp_path / "neighbour.txt").write_text("beside it\n")
    assert main(["train", "--out", str(out), *TINY]) == 0
    assert out.is_symlink() and os.readlink(out) == ".empty.gen-1"
    assert sorted(os.listdir(tmp_path)) == [".empty.gen-1", "empty", "neighbour.txt"]
    assert (tmp_path / "neighbour.txt").read_text() == "beside it\n"
    load_checkpoint(out)


def test_a_run_of_this_tool_is_replaced_only_with_overwrite(tmp_path, capsys):
    out = a_tiny_run(tmp_path / "run")
    before = snapshot(tmp_path)
    capsys.readouterr()
    assert main(["train", "--out", str(out), *TINY, "--seed", "7"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "holds a run of this tool already: --resume continues it, --overwrite" in err
    assert snapshot(tmp_path) == before
    assert main(["train", "--out", str(out), *TINY, "--seed", "7", "--overwrite"]) == 0
    assert json.loads((out / "config.json").read_text())["train"]["seed"] == 7
    assert sorted(os.listdir(tmp_path)) == [".run.gen-2", "run"]  # the old run's generation went


def test_resume_continues_a_run_of_this_tool(tmp_path):
    out = tmp_path / "run"
    assert main(["train", "--out", str(out), *TINY, "--epochs", "2", "--max-steps", "1"]) == 0
    steps = json.loads((out / "trainer_state.json").read_text())["steps"]
    assert main(["train", "--out", str(out), *TINY, "--epochs", "2", "--max-steps", "3", "--resume"]) == 0
    assert json.loads((out / "trainer_state.json").read_text())["steps"] == steps + 2


def test_resume_and_overwrite_together_are_refused(tmp_path, capsys):
    out = a_tiny_run(tmp_path / "run")
    before = snapshot(tmp_path)
    capsys.readouterr()
    assert main(["train", "--out", str(out), *TINY, "--resume", "--overwrite"]) == 2
    assert "give one of them" in capsys.readouterr().err
    assert snapshot(tmp_path) == before


def test_a_run_folder_an_older_version_saved_is_ours(tmp_path):
    run = a_tiny_run(tmp_path / "run")
    legacy = tmp_path / "legacy"
    legacy.mkdir()
    for file in run.iterdir():
        (legacy / file.name).write_bytes(file.read_bytes())
    assert replace_refusal(legacy) is None and holds_checkpoint(legacy)
    assert not holds_checkpoint(tmp_path / "missing") and replace_refusal(tmp_path / "missing") is None


# -- the save itself ----------------------------------------------------------------------------------
@pytest.mark.parametrize("make", NOT_OURS.values(), ids=NOT_OURS.keys())
def test_save_checkpoint_never_replaces_what_this_tool_did_not_write(tmp_path, make):
    folder = make(tmp_path / "place")
    before, names = snapshot(tmp_path), sorted(os.listdir(tmp_path))
    with pytest.raises(ForeignPathError, match="is not a checkpoint folder of this tool"):
        _save(folder)
    assert snapshot(tmp_path) == before and sorted(os.listdir(tmp_path)) == names


def test_save_checkpoint_refuses_an_extra_file_a_checkpoint_does_not_hold(tmp_path):
    with pytest.raises(ValueError, match="notes.txt"):
        _save(tmp_path / "m", extra_files={"notes.txt": b"x"})
    assert not os.path.lexists(tmp_path / "m")


def test_a_users_file_in_a_left_over_generation_is_kept_with_its_folder(tmp_path):
    _save(tmp_path / "m")
    debris = tmp_path / ".m.gen-7"
    debris.mkdir()
    (debris / "model.safetensors").write_bytes(b"half")
    (debris / "mine.txt").write_text("kept\n")
    _save(tmp_path / "m")
    assert sorted(p.name for p in debris.iterdir()) == ["mine.txt"]  # what the tool wrote went; the rest stays
    assert os.readlink(tmp_path / "m") == ".m.gen-8"  # past the generation that could not go
    load_checkpoint(tmp_path / "m")


# -- the race -------------------------------------------------------------------------------------------
def test_the_race_refuses_a_folder_that_is_not_empty(tmp_path):
    out = users_folder(tmp_path / "race")
    before = snapshot(tmp_path)
    with pytest.raises(ValueError, match="is not an empty folder"):
        race(tiny_config("reverse", "dot", out, train_size=64, valid_size=8), scorers=["dot"], max_seconds=1)
    assert snapshot(tmp_path) == before


# -- the Train page's save ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def race_run(tmp_path_factory) -> Path:
    """A finished tiny run laid out as a race's: <run>/dot."""
    run = tmp_path_factory.mktemp("race") / "run"
    train(tiny_config("reverse", "dot", run / "dot", train_size=64, valid_size=8, epochs=1), progress=False)
    return run


@pytest.mark.parametrize("make", [users_folder, users_file, users_link, lambda p: os.symlink("gone", p) or p],
                         ids=["folder", "file", "link", "dangling link"])  # fmt: skip
def test_the_train_page_never_saves_over_what_is_at_the_name(tmp_path, race_run, make):
    root = tmp_path / "user"
    root.mkdir()
    make(root / "mine")
    before = snapshot(root)
    with pytest.raises(tsave.SaveError, match="exists already"):
        tsave.save_model(race_run / "dot", "mine", root=root)
    assert without_locks(snapshot(root)) == before


def test_the_race_save_never_saves_over_what_is_at_a_name(tmp_path, race_run):
    root = tmp_path / "user"
    root.mkdir()
    os.symlink("gone", root / "class-1-dot")
    before = snapshot(root)
    with pytest.raises(tsave.SaveError, match="exists already"):
        tsave.save_race(race_run, "class-1", root=root)
    assert without_locks(snapshot(root)) == before


# -- the lab results ------------------------------------------------------------------------------------
def _lab_script():
    return load_script("lab_results.py", "lab_results_nothing_lost")


@pytest.mark.parametrize("content", [b"my own dates notes\n", b'{"task": "reverse", "format": 1}', b"{broken"])
def test_lab_results_never_write_over_a_file_they_did_not_write(tmp_path, content):
    lab = tmp_path / "lab"
    lab.mkdir()
    (lab / "dates.json").write_bytes(content)
    before = snapshot(tmp_path)
    with pytest.raises(results.NotOursError, match="dates.json exists and was not written by the lab results"):
        results.save("dates", {"format": results.FORMAT, "task": "dates"}, tmp_path)
    assert snapshot(tmp_path) == before


def test_lab_results_replace_their_own_files(tmp_path):
    results.save("dates", {"format": 0, "task": "dates"}, tmp_path)  # an older format is still theirs
    results.save("dates", {"format": results.FORMAT, "task": "dates"}, tmp_path)
    results_readme.write_readme(tmp_path)
    results_readme.write_readme(tmp_path)
    assert json.loads((tmp_path / "lab" / "dates.json").read_text())["format"] == results.FORMAT
    assert sorted(os.listdir(tmp_path / "lab")) == ["README.md", "dates.json"]  # no temporary file left
    assert oct((tmp_path / "lab" / "dates.json").stat().st_mode & 0o777) == "0o644"


def test_the_lab_readme_is_written_only_over_its_own(tmp_path):
    (tmp_path / "lab").mkdir()
    (tmp_path / "lab" / "README.md").write_text("# My lab notes\n")
    before = snapshot(tmp_path)
    with pytest.raises(results.NotOursError, match="README.md exists"):
        results_readme.write_readme(tmp_path)
    assert snapshot(tmp_path) == before


def test_the_lab_script_refuses_before_any_work(tmp_path, capsys, monkeypatch):
    script = _lab_script()
    monkeypatch.setattr(script, "N", {"agreement": 1, "permutation": 1, "uniform": 1, "length": 1, "table": 1})
    monkeypatch.setattr(script, "IG_STEPS", 2)
    monkeypatch.setattr(script, "SEEDS", 2)
    (tmp_path / "lab").mkdir()
    (tmp_path / "lab" / "dates.json").write_text("not results\n")
    before = snapshot(tmp_path)
    assert script.main(["--root", str(tmp_path), "--tasks", "dates", "--only", "dates/none"]) == 2
    assert "dates.json exists and was not written by the lab results" in capsys.readouterr().err
    assert snapshot(tmp_path) == before


# -- the release ----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def release_script():
    return load_script("release.py", "release_nothing_lost")


def test_the_release_refuses_a_model_folder_it_did_not_write(tmp_path, race_run, release_script, capsys):
    runs = tmp_path / "runs"
    (runs / "reverse").mkdir(parents=True)
    os.symlink(race_run / "dot", runs / "reverse" / "tiny")
    out = tmp_path / "out"
    users_folder(out / "reverse" / "tiny")
    before = snapshot(out)
    argv = ["--runs", str(runs), "--out", str(out), "--tasks", "reverse", "--size", "5"]
    assert release_script.main(argv) == 2
    assert "tiny exists and is not a model folder of this tool" in capsys.readouterr().err
    assert snapshot(out) == before


def test_the_release_refuses_a_comparison_table_it_did_not_write(tmp_path, release_script):
    out = tmp_path / "out"
    out.mkdir()
    (out / "README.md").write_text("# My models\n")
    before = snapshot(out)
    argv = ["--runs", str(tmp_path / "no-runs"), "--out", str(out), "--tasks", "reverse"]
    assert release_script.main(argv) == 2
    assert snapshot(out) == before


def test_the_release_writes_into_its_own_or_empty_folders(tmp_path, race_run, release_script):
    (tmp_path / "empty").mkdir()
    ours = tmp_path / "ours"
    ours.mkdir()
    for file in (race_run / "dot").iterdir():
        (ours / file.name).write_bytes(file.read_bytes())
    release_script.check_release_targets(tmp_path, [tmp_path / "empty", ours, tmp_path / "new"])
