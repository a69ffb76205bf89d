"""train --init: a fine-tuning run starts from a trained model's tokenizers and weights, refuses a model of
another shape with one line, resumes exactly, and its card and probes.json carry the first stage.

The tiny reverse run (tests/test_train_resume.py's) has 384 pairs in batches of 32: 12 steps an epoch.
"""

from __future__ import annotations

import json

import pytest
import torch
from safetensors.torch import load_file

from seq2seq.checkpoint import read_config
from seq2seq.cli import main
from seq2seq.stages import recorded_epoch
from seq2seq.train import train
from tests.test_train_resume import history, state_tensors, tiny


@pytest.fixture(scope="module")
def first(tmp_path_factory):
    """A finished first stage: 2 epochs of the tiny reverse run."""
    return train(tiny(tmp_path_factory.mktemp("first") / "run", seed=3), progress=False)


def _probes(folder) -> dict:
    return json.loads((folder / "probes.json").read_text())


def test_no_epoch_keeps_exactly_the_first_stages_weights_and_tokenizers(first, tmp_path):
    out = train(tiny(tmp_path / "ft", epochs=0, init=str(first)), progress=False)
    started, saved = load_file(str(first / "model.safetensors")), load_file(str(out / "model.safetensors"))
    assert started.keys() == saved.keys() and all(torch.equal(started[k], saved[k]) for k in started)
    assert read_config(out)["source_tokenizer"] == read_config(first)["source_tokenizer"]
    assert read_config(out)["target_tokenizer"] == read_config(first)["target_tokenizer"]


def test_the_fine_tuning_starts_where_the_first_stage_ended(first, tmp_path):
    """Its epoch 0 is the first stage's best model: the same validation score on the same validation
    set (the same seed), not an untrained one's."""
    out = train(tiny(tmp_path / "ft", epochs=1, lr=1e-4, seed=3, init=str(first)), progress=False)
    first_config, config = read_config(first), read_config(out)
    assert history(out)[0]["valid"] == first_config["metrics"]["valid"]
    assert config["first_stage"]["training_seconds"] == first_config["training_seconds"]
    assert config["first_stage"]["best_epoch"] == first_config["best_epoch"]
    assert config["train"]["init"] == str(first)


def test_probes_json_continues_the_first_stages_record(first, tmp_path):
    out = train(tiny(tmp_path / "ft", epochs=2, lr=1e-4, init=str(first)), progress=False)
    best = read_config(first)["best_epoch"]
    before, after = _probes(first)["epochs"], _probes(out)
    assert after["first_stage_epochs"] == best
    epochs = [e["epoch"] for e in after["epochs"]]
    assert epochs == list(range(best + 3))  # 0..best from the first stage, then best + 1, best + 2
    assert after["epochs"][: best + 1] == [e for e in before if e["epoch"] <= best]
    assert after["epochs"][-1]["valid"] == history(out)[-1]["valid"]


def test_recorded_epoch_finds_the_saved_weights_entry_after_the_first_stages(first, tmp_path):
    """The card's validation score and the golden probes are read at the entry of the weights a folder holds:
    for a fine-tuned model its own best epoch k, recorded after the first stage's epochs as B + k."""
    out = train(tiny(tmp_path / "ft", epochs=2, lr=1e-4, init=str(first)), progress=False)
    config, record = read_config(out), _probes(out)
    own = recorded_epoch(config, record)
    assert own == record["first_stage_epochs"] + config["best_epoch"] > config["best_epoch"]
    entry = next(e for e in record["epochs"] if e["epoch"] == own)
    assert entry["valid"] == next(e for e in history(out) if e["epoch"] == config["best_epoch"])["valid"]
    assert recorded_epoch(read_config(first), _probes(first)) == read_config(first)["best_epoch"]  # one stage
    assert recorded_epoch({}, record) is None


def test_a_fine_tuning_paused_inside_an_epoch_resumes_exactly(first, tmp_path):
    settings = dict(init=str(first), lr=1e-4, dropout=0.2)
    train(tiny(tmp_path / "full", **settings), progress=False)
    train(tiny(tmp_path / "split", max_steps=17, **settings), progress=False)
    train(tiny(tmp_path / "split", **settings), resume=True, progress=False)
    for prefix in ("model.", "best."):
        full, split = state_tensors(tmp_path / "full", prefix), state_tensors(tmp_path / "split", prefix)
        assert full.keys() == split.keys() and full
        assert all(torch.equal(full[k], split[k]) for k in full), prefix
    assert history(tmp_path / "split") == history(tmp_path / "full")


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--scorer", "dot"], "its scorer is 'general', this run's is 'dot'"),
        (["--hidden-size", "48"], "its hidden_size is 32, this run's is 48"),
    ],
)
def test_a_model_of_another_shape_is_refused_in_one_line(first, tmp_path, capsys, option, message):
    argv = ["train", "--task", "reverse", "--train-size", "64", "--valid-size", "8", "--hidden-size", "32"]
    argv += ["--embedding-size", "16", "--scorer", "general", *option, "--init", str(first)]
    assert main([*argv, "--out", str(tmp_path / "ft"), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == f"error: --init {first}: {message}"
    assert not (tmp_path / "ft").exists()


def test_a_folder_that_is_not_a_model_is_refused_in_one_line(tmp_path, capsys):
    argv = ["train", "--task", "reverse", "--init", str(tmp_path / "nothing"), "--out", str(tmp_path / "ft")]
    assert main(argv) == 2
    assert capsys.readouterr().err.strip() == f"error: {tmp_path / 'nothing'}: no such checkpoint folder"


def test_a_third_stage_continues_the_whole_record(first, tmp_path):
    """A fine-tuning of a fine-tuned model (zh-en's names stages) keeps both earlier stages' epochs: its --init's
    record up to that model's own weights as recorded (B + best), not up to its unshifted best epoch."""
    second = train(tiny(tmp_path / "second", epochs=2, lr=1e-4, init=str(first)), progress=False)
    third = train(tiny(tmp_path / "third", epochs=1, lr=1e-4, init=str(second)), progress=False)
    middle, last = _probes(second), _probes(third)
    own = recorded_epoch(read_config(second), middle)
    assert own == read_config(first)["best_epoch"] + read_config(second)["best_epoch"]
    assert last["first_stage_epochs"] == own
    assert [e["epoch"] for e in last["epochs"]] == list(range(own + 2))
    assert last["epochs"][: own + 1] == [e for e in middle["epochs"] if e["epoch"] <= own]
    assert recorded_epoch(read_config(third), last) == own + 1


def test_a_location_model_fine_tuned_on_shorter_sources_keeps_its_rows(tmp_path):
    """A positional scorer has one row of W_a per source position it was trained on (build_model). A fine-tuning
    whose longest source is shorter (issue 63's typed variants: `en-fr/location` was refused, "its weights do not
    fit this run's model (decoder.scorer.W_a.weight, …)") keeps the --init model's rows."""
    first = train(tiny(tmp_path / "first", scorer="location", epochs=1), progress=False)
    rows = read_config(first)["model"]["max_source_len"]
    short = tiny(tmp_path / "ft", scorer="location", epochs=1, train_size=8, seed=5, init=str(first))
    tuned = train(short, progress=False)
    assert read_config(tuned)["model"]["max_source_len"] == rows


def test_a_location_model_fine_tuned_on_longer_sources_is_refused_in_one_line(tmp_path):
    first = train(tiny(tmp_path / "first", scorer="location", epochs=1, max_len=8), progress=False)
    rows = read_config(first)["model"]["max_source_len"]
    with pytest.raises(ValueError, match=rf"has rows for sources of up to {rows} tokens, .*lower --max-len to"):
        train(tiny(tmp_path / "ft", scorer="location", epochs=1, init=str(first)), progress=False)
