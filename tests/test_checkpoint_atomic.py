"""Crash-safe saving: a checkpoint folder is a link to a generation folder, switched in one atomic step.

The main test kills a process that saves a real model in a loop with SIGKILL at random moments: after
every kill the folder loads as a complete model whose weights are exactly the last version the process
finished saving or the one it was writing, never a mix, and the next save leaves no debris. A real
`python -m seq2seq train` killed at random moments continues with `--resume` to a complete model.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from seq2seq import checkpoint as ckpt
from seq2seq.checkpoint import load_checkpoint, save_checkpoint
from tests.helpers import tiny_translator

ROOT = Path(__file__).resolve().parent.parent
SEED = 3


def _base():
    return tiny_translator(seed=SEED, scorer="general", cell="gru")


def _version(base_state: dict[str, torch.Tensor], k: int) -> dict[str, torch.Tensor]:
    """Version k of the weights: every floating tensor of the base model plus k (exact in float32)."""
    return {key: value + k if value.is_floating_point() else value for key, value in base_state.items()}


def _save_version(folder: Path, translator, k: int) -> None:
    translator.model.load_state_dict(_version(_base().model.state_dict(), k))
    extra = {"probes.json": json.dumps({"version": k}).encode()}
    model, source, target = translator.model, translator.source_tokenizer, translator.target_tokenizer
    save_checkpoint(folder, model, source, target, {"version": k}, extra_files=extra)


def _loaded_version(folder: Path, base_state: dict[str, torch.Tensor]) -> int:
    """The version a checkpoint folder holds, after checking that every file of it agrees exactly."""
    loaded = load_checkpoint(folder)
    k = loaded.metadata["version"]
    state = loaded.model.state_dict()
    expected = _version(base_state, k)
    assert set(state) == set(expected)
    assert all(torch.equal(state[key], expected[key]) for key in state), f"weights are not exactly version {k}"
    assert json.loads((folder / "probes.json").read_text()) == {"version": k}
    assert loaded.greedy("abc").target_tokens is not None  # a complete, working model
    return k


def _siblings(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.parent.iterdir())


# -- the layout ----------------------------------------------------------------------------------------
def test_the_first_save_makes_a_link_to_generation_one(tmp_path):
    folder = tmp_path / "deeper" / "m"
    _save_version(folder, _base(), 1)
    assert folder.is_symlink() and os.readlink(folder) == ".m.gen-1"
    assert _siblings(folder) == [".m.gen-1", "m"]
    assert oct((folder.parent / ".m.gen-1").stat().st_mode & 0o777) == "0o755"
    assert {oct(p.stat().st_mode & 0o777) for p in folder.iterdir()} == {"0o644"}
    _save_version(folder, _base(), 2)
    assert os.readlink(folder) == ".m.gen-2" and _siblings(folder) == [".m.gen-2", "m"]
    assert _loaded_version(folder, _base().model.state_dict()) == 2


@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2-exchange", "two-renames"])
def test_a_real_folder_from_an_older_version_is_replaced(tmp_path, monkeypatch, exchange):
    folder = tmp_path / "m"
    _save_version(tmp_path / "old", _base(), 1)
    shutil.copytree(tmp_path / "old", folder)  # a real folder, as older versions saved
    shutil.rmtree(tmp_path / ".old.gen-1")
    (tmp_path / "old").unlink()
    assert not folder.is_symlink() and _loaded_version(folder, _base().model.state_dict()) == 1
    if not exchange:
        monkeypatch.setattr(ckpt, "_exchange", lambda a, b: False)
    _save_version(folder, _base(), 2)
    assert folder.is_symlink() and _siblings(folder) == [".m.gen-1", "m"]
    assert _loaded_version(folder, _base().model.state_dict()) == 2


def test_what_a_killed_save_left_is_removed_by_the_next_save(tmp_path):
    folder = tmp_path / "m"
    _save_version(folder, _base(), 1)
    debris = [".m.gen-7", ".m.tmp-abc_1234", ".m.old-4242"]
    for name in debris:
        (tmp_path / name).mkdir()
        (tmp_path / name / "model.safetensors").write_bytes(b"half")
    os.symlink(".m.gen-7", tmp_path / ".m.link-tmp")
    # names that only look alike belong to other checkpoints or to the user: kept
    kept = [".m.gen-7.gen-1", ".mm.gen-1", "m.gen-2", ".m.gen-x", ".other.gen-1"]
    for name in kept:
        (tmp_path / name).mkdir()
    _save_version(folder, _base(), 2)
    assert _siblings(folder) == sorted([".m.gen-2", "m", *kept])


def test_a_link_the_user_made_is_refused_and_kept(tmp_path):
    _save_version(tmp_path / "mine", _base(), 1)
    os.symlink("mine", tmp_path / "latest")
    with pytest.raises(ckpt.ForeignPathError, match="a link this tool did not make"):
        _save_version(tmp_path / "latest", _base(), 2)
    assert os.readlink(tmp_path / "latest") == "mine"
    assert _siblings(tmp_path / "mine") == [".mine.gen-1", "latest", "mine"]
    assert _loaded_version(tmp_path / "latest", _base().model.state_dict()) == 1


def test_a_load_during_a_save_reads_one_generation(tmp_path, monkeypatch):
    """A save that switches the link and removes the generation a load had started on: the load
    starts again on the new generation instead of failing or mixing files."""
    folder = tmp_path / "m"
    _save_version(folder, _base(), 1)
    original, calls = ckpt._load, []

    def load_while_saving(real, shown, device, name):
        calls.append(real.name)
        if len(calls) == 1:
            _save_version(folder, _base(), 2)  # removes .m.gen-1 under this load
        return original(real, shown, device, name)

    monkeypatch.setattr(ckpt, "_load", load_while_saving)
    assert _loaded_version(folder, _base().model.state_dict()) == 2
    assert calls[:2] == [".m.gen-1", ".m.gen-2"]


def test_a_failed_save_leaves_the_old_checkpoint_and_no_debris(tmp_path):
    folder = tmp_path / "m"
    _save_version(folder, _base(), 1)
    translator = _base()
    model, source, target = translator.model, translator.source_tokenizer, translator.target_tokenizer
    with pytest.raises(TypeError, match="not JSON serializable"):
        save_checkpoint(folder, model, source, target, {"note": object()})
    assert _siblings(folder) == [".m.gen-1", "m"]
    assert _loaded_version(folder, _base().model.state_dict()) == 1


# -- killed at random moments ------------------------------------------------------------------------------
SAVER = r"""
import os, signal, sys, time
sys.path.insert(0, os.getcwd())
from pathlib import Path
from tests.test_checkpoint_atomic import _base, _save_version

folder, translator, k = Path(sys.argv[1]), _base(), 0
print("ready", flush=True)
for line in sys.stdin:  # one trial a line: "<delay in seconds> <version on disk>"
    delay, k = float(line.split()[0]), int(line.split()[1])
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the saver: versions k+1, k+2, ... until killed; says when each starts and ends
        os.close(read)
        while True:
            k += 1
            os.write(write, f"s{k}\n".encode())
            _save_version(folder, translator, k)
            os.write(write, f"d{k}\n".encode())
    os.close(write)
    time.sleep(delay)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    with os.fdopen(read) as pipe:
        print(" ".join(pipe.read().split()), flush=True)
"""


def _kill_trials(tmp_path: Path, trials: int, max_delay: float, seed: int) -> dict[str, int]:
    """`trials` SIGKILLs of a process saving versions in a loop; after each, the folder must hold
    exactly the last finished version or the one being written. Returns outcome counts."""
    rng = random.Random(seed)
    folder = tmp_path / "m"
    base_state = _base().model.state_dict()
    _save_version(folder, _base(), 0)
    on_disk, counts = 0, {"old": 0, "new": 0, "real folder replaced": 0}
    saver = subprocess.Popen(
        [sys.executable, "-c", SAVER, str(folder)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=os.environ | {"OMP_NUM_THREADS": "1"},
    )
    try:
        assert saver.stdout.readline().strip() == "ready"
        for trial in range(trials):
            # now and then start from a real folder, as older versions left (if a save has made it a link
            # again since the last time: on a loaded machine ten kills can all come before a save ends)
            if trial % 10 == 9 and folder.is_symlink():
                generation = folder.resolve()
                folder.unlink()
                shutil.copytree(generation, folder)
                counts["real folder replaced"] += 1
            saver.stdin.write(f"{rng.uniform(0, max_delay)} {on_disk}\n")
            saver.stdin.flush()
            events = saver.stdout.readline().split()
            started = [int(e[1:]) for e in events if e[0] == "s"]
            done = [int(e[1:]) for e in events if e[0] == "d"]
            last_done = done[-1] if done else on_disk
            allowed = {last_done, started[-1] if started else on_disk}
            version = _loaded_version(folder, base_state)
            assert version in allowed, f"trial {trial}: version {version}, expected one of {sorted(allowed)}"
            counts["new" if version != last_done else "old"] += 1
            # debris of the killed save: at most one unfinished generation and the temporary link
            assert len(_siblings(folder)) <= 4, _siblings(folder)
            on_disk = version
    finally:
        saver.kill()
        saver.wait()
    _save_version(folder, _base(), on_disk + 1)  # a save after all that leaves exactly the link and its generation
    assert _siblings(folder) == [os.readlink(folder), "m"]
    return counts


def test_a_save_killed_at_random_moments_leaves_old_or_new_whole(tmp_path):
    counts = _kill_trials(tmp_path, trials=60, max_delay=0.15, seed=1)
    assert counts["old"] + counts["new"] == 60
    assert counts["real folder replaced"] >= 1  # the other path of the switch was tried too


@pytest.mark.slow
def test_a_save_killed_at_random_moments_many_times(tmp_path):
    counts = _kill_trials(tmp_path, trials=400, max_delay=0.25, seed=2)
    assert counts["old"] + counts["new"] == 400


# -- a real training run, killed and resumed -----------------------------------------------------------------
TRAIN = [
    "-m", "seq2seq", "train", "--task", "reverse", "--train-size", "64", "--valid-size", "8",
    "--hidden-size", "16", "--embedding-size", "8", "--batch-size", "32", "--epochs", "4", "--patience", "100",
    "--threads", "1", "--no-progress",
]  # fmt: skip


def _kill_and_resume(tmp_path: Path, trials: int, seed: int) -> None:
    """Kill `python -m seq2seq train` at a random moment after its first checkpoint (or before it),
    check the folder loads, then `--resume` must finish the run (exit 0) to a complete model."""
    rng = random.Random(seed)
    env = os.environ | {"OMP_NUM_THREADS": "1"}
    for trial in range(trials):
        out = tmp_path / f"run{trial}"
        command = [sys.executable, *TRAIN, "--out", str(out)]
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 120
        while not out.exists() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(rng.uniform(0, 0.4))
        process.kill()
        process.communicate()
        if out.exists():
            load_checkpoint(out)  # whatever moment the kill hit: a complete model
        resumed = subprocess.run([*command, "--resume"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert resumed.returncode == 0, resumed.stderr[-2000:]
        state = json.loads((out / "trainer_state.json").read_text())
        assert state["finished"] and state["epoch"] == 4
        assert load_checkpoint(out).metadata["epochs_run"] == 4
        assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(f".run{trial}.")) == [os.readlink(out)]


def test_a_training_killed_at_a_random_moment_resumes(tmp_path):
    _kill_and_resume(tmp_path, trials=1, seed=3)


@pytest.mark.slow
def test_a_training_killed_at_random_moments_resumes_every_time(tmp_path):
    _kill_and_resume(tmp_path, trials=50, seed=4)
