"""Hostile checkpoint folders: files that are symbolic links leading out of the folder, and config.json
sizes that would make the loader allocate far more than the weights file holds. Each is refused with a
CheckpointError naming the file and the problem, quickly, before any model is built."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest

from seq2seq.checkpoint import (
    CONFIG_FILE,
    WEIGHTS_FILE,
    CheckpointError,
    load_checkpoint,
    load_model,
    read_config,
    save_checkpoint,
)
from seq2seq.registry import MANIFEST_FILE, resolve, write_manifest
from tests.helpers import tiny_translator

ROOT = Path(__file__).resolve().parent.parent


def _save(folder: Path, **kwargs) -> Path:
    translator = tiny_translator(seed=5, scorer="location", cell="lstm", num_layers=2)
    return save_checkpoint(
        folder,
        translator.model,
        translator.source_tokenizer,
        translator.target_tokenizer,
        {"task": "reverse"},
        **kwargs,
    )


def _edit_model_settings(folder: Path, **settings) -> None:
    path = folder / CONFIG_FILE
    config = json.loads(path.read_text())
    config["model"].update(settings)
    path.write_text(json.dumps(config))


def _link_outside(folder: Path, filename: str) -> Path:
    """Move `filename` out of the checkpoint and leave a symbolic link to it in its place."""
    outside = folder.parent / f"outside-{filename}"
    (folder / filename).replace(outside)
    os.symlink(outside, folder / filename)
    return outside


# -- links out of the folder ---------------------------------------------------------------------
@pytest.mark.parametrize("filename", [CONFIG_FILE, WEIGHTS_FILE, "probes.json"])
def test_a_file_linking_outside_the_folder_is_refused(tmp_path, filename):
    folder = _save(tmp_path / "m", extra_files={"probes.json": b'{"epochs": []}'})
    outside = _link_outside(folder, filename)
    with pytest.raises(CheckpointError, match="symbolic link leading outside the checkpoint folder") as error:
        load_checkpoint(folder)
    assert str(folder / filename) in str(error.value) and str(outside) in str(error.value)
    with pytest.raises(CheckpointError, match=filename):
        read_config(folder)


def test_a_sentencepiece_file_linking_outside_is_refused(tmp_path):
    from seq2seq.model import Seq2Seq
    from tests.helpers import tiny_config
    from tests.test_checkpoint import _sentencepiece

    sp = _sentencepiece()
    model = Seq2Seq(tiny_config(vocab_size=sp.vocab_size)).eval()
    folder = save_checkpoint(tmp_path / "sp", model, sp, sp)
    load_checkpoint(folder)  # loads before the file is swapped for a link
    _link_outside(folder, "target.model")
    with pytest.raises(CheckpointError, match=r"target\.model: a symbolic link leading outside"):
        load_checkpoint(folder)


def test_a_registered_model_with_a_link_outside_does_not_resolve(tmp_path):
    """The app reads probes.json and the card through resolve(name): a link out is refused there too."""
    root = tmp_path / "pretrained"
    folder = _save(root / "reverse" / "tiny", extra_files={"probes.json": b'{"epochs": []}'})
    write_manifest([{"name": "reverse/tiny", "path": "reverse/tiny"}], root=root)
    assert resolve("reverse/tiny", root) == folder.resolve()
    _link_outside(folder, "probes.json")
    with pytest.raises(CheckpointError, match=r"probes\.json: a symbolic link leading outside"):
        resolve("reverse/tiny", root)
    with pytest.raises(CheckpointError, match=r"probes\.json"):
        load_model("reverse/tiny", root=root)
    assert (root / MANIFEST_FILE).is_file()


def test_a_link_to_a_file_inside_the_folder_is_fine(tmp_path):
    folder = _save(tmp_path / "m", extra_files={"probes.json": b'{"epochs": []}'})
    (folder / "probes.json").replace(folder / "probes-copy.json")
    os.symlink("probes-copy.json", folder / "probes.json")
    assert load_checkpoint(folder).config.scorer == "location"


# -- sizes the weights do not have --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"hidden_size": 10**6}, "hidden_size = 1000000"),
        ({"src_vocab_size": 10**9}, "src_vocab_size = 1000000000"),
        ({"max_source_len": 10**9}, "max_source_len = 1000000000"),
        ({"embedding_size": 0}, "embedding_size = 0"),
        ({"tgt_vocab_size": -5}, "tgt_vocab_size = -5"),
        ({"hidden_size": 16.5}, "hidden_size = 16.5"),
        ({"hidden_size": "16"}, "hidden_size = '16'"),
        ({"num_layers": True}, "num_layers = True"),
        ({"eos_id": 10**12}, "eos_id = 1000000000000"),
    ],
)
def test_absurd_sizes_are_refused_before_anything_is_built(tmp_path, settings, named):
    folder = _save(tmp_path / "m")
    _edit_model_settings(folder, **settings)
    started = time.perf_counter()
    with pytest.raises(CheckpointError, match="bad model settings") as error:
        load_checkpoint(folder)
    assert time.perf_counter() - started < 2.0
    assert named in str(error.value) and str(folder / CONFIG_FILE) in str(error.value)


def test_model_section_that_is_not_an_object(tmp_path):
    folder = _save(tmp_path / "m")
    config = json.loads((folder / CONFIG_FILE).read_text())
    config["model"] = [1, 2]
    (folder / CONFIG_FILE).write_text(json.dumps(config))
    with pytest.raises(CheckpointError, match="bad model settings .expected an object, got list"):
        load_checkpoint(folder)


def test_a_huge_config_file_is_not_read(tmp_path):
    folder = _save(tmp_path / "m")
    with open(folder / CONFIG_FILE, "r+b") as file:
        file.truncate(17 * 2**20)  # sparse: the size is what is checked
    with pytest.raises(CheckpointError, match=r"config\.json: 17825792 bytes, more than a config can be"):
        load_checkpoint(folder)


def test_a_header_claiming_more_than_the_file_holds_is_refused(tmp_path):
    folder = _save(tmp_path / "m")
    header = json.dumps({"w": {"dtype": "F32", "shape": [100000, 100000], "data_offsets": [0, 4 * 10**10]}})
    (folder / WEIGHTS_FILE).write_bytes(struct.pack("<Q", len(header)) + header.encode() + bytes(16))
    with pytest.raises(CheckpointError, match=r"model\.safetensors: not a valid safetensors file"):
        load_checkpoint(folder)


# Sizes within the bounds but gigabytes beyond the tiny weights file: built for real, this model
# (a 2-layer LSTM of 8000 units and a location scorer over 100000 positions) would take about 5 GB.
BIG = {"hidden_size": 8000, "embedding_size": 8000, "max_source_len": 100_000}

PROBE = """
import resource, sys, time
from seq2seq.checkpoint import CheckpointError, load_checkpoint
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
try:
    load_checkpoint(sys.argv[1])
    print("loaded")
except CheckpointError as error:
    print("error", error)
print("seconds", time.perf_counter() - started)
print("grew_kib", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)
"""


def test_sizes_beyond_the_weights_are_refused_without_allocating(tmp_path):
    """The header's shapes are compared with the config's (a meta-device model) before any real build:
    the error names the first mismatching tensor, in well under 2 s, and the process's peak memory
    grows by less than 200 MiB (a real build would need gigabytes)."""
    folder = _save(tmp_path / "m")
    _edit_model_settings(folder, **BIG)
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(folder)], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    lines = dict(line.split(" ", 1) for line in result.stdout.splitlines())
    assert result.returncode == 0, result.stderr[-2000:]
    # the first tensor, in the header's (sorted) order, that differs
    mismatch = "tensor 'decoder.W_c.weight' has shape (16, 32), config.json expects (8000, 16000)"
    assert lines["error"] == f"{folder / WEIGHTS_FILE}: {mismatch}"
    assert float(lines["seconds"]) < 2.0
    assert int(lines["grew_kib"]) < 200 * 1024


def test_the_shape_check_sees_every_tensor(tmp_path):
    """A config differing from the weights in one place only (the location scorer's positions) is caught."""
    folder = _save(tmp_path / "m")
    _edit_model_settings(folder, max_source_len=17)
    with pytest.raises(CheckpointError) as error:
        load_checkpoint(folder)
    assert str(error.value).endswith("tensor 'decoder.scorer.W_a.bias' has shape (16,), config.json expects (17,)")
