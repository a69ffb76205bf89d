"""`python -m seq2seq average`: the weighted mean of fine-tunings of one model, a checkpoint like any other
(seq2seq/average.py). Two tiny reverse fine-tunings (tests/test_train_resume.py's run) of one first stage."""

from __future__ import annotations

import json

import pytest
import torch
from safetensors.torch import load_file

from seq2seq.average import average, averaged_state
from seq2seq.checkpoint import CheckpointError, load_checkpoint, read_config
from seq2seq.cli import main
from seq2seq.stages import recorded_epoch
from seq2seq.train import train
from tests.test_train_resume import tiny


@pytest.fixture(scope="module")
def tunings(tmp_path_factory):
    """(first stage, fine-tuning a, fine-tuning b): b with another seed and learning rate than a."""
    root = tmp_path_factory.mktemp("average")
    first = train(tiny(root / "first", seed=3), progress=False)
    a = train(tiny(root / "a", epochs=1, lr=1e-3, init=str(first)), progress=False)
    b = train(tiny(root / "b", epochs=2, lr=3e-3, seed=5, init=str(first)), progress=False)
    return first, a, b


def _weights(folder) -> dict[str, torch.Tensor]:
    return {k: v.float() for k, v in load_file(str(folder / "model.safetensors")).items()}


def test_each_tensor_is_the_weighted_mean():
    states = [{"w": torch.tensor([1.0, 2.0])}, {"w": torch.tensor([3.0, 6.0])}]
    assert torch.equal(averaged_state(states, [1, 3])["w"], torch.tensor([2.5, 5.0]))  # (1 + 9) / 4, (2 + 18) / 4
    assert torch.equal(averaged_state(states, [0.5, 0.5])["w"], torch.tensor([2.0, 4.0]))
    for bad in ([1, 0], [1, -1], [1, float("nan")], [1]):
        with pytest.raises(ValueError):
            averaged_state(states, bad)


def test_the_average_is_the_checkpoints_weighted_mean_and_decodes(tunings, tmp_path):
    _, a, b = tunings
    out = average([a, b], [0.4, 0.6], tmp_path / "soup")
    saved, wa, wb = _weights(out), _weights(a), _weights(b)
    assert saved.keys() == wa.keys()
    for key in saved:  # stored as the inputs are (float32 here), so exact up to float rounding
        assert torch.allclose(saved[key], 0.4 * wa[key] + 0.6 * wb[key], atol=1e-6)
    assert load_checkpoint(out).greedy("abc").output  # a model like any other


def test_its_record_continues_the_last_ones_with_the_averaged_weights_entry(tunings, tmp_path):
    """The Timelapse and the card read the average's own entry: one epoch after the last checkpoint's, with the
    averaged weights' validation score and probe outputs, and the parts it was made of."""
    _, a, b = tunings
    out = average([a, b], [1, 1], tmp_path / "soup")
    config, record = read_config(out), json.loads((out / "probes.json").read_text())
    before = json.loads((b / "probes.json").read_text())
    own, last = recorded_epoch(config, record), recorded_epoch(read_config(b), before)
    assert own == last + 1 == record["epochs"][-1]["epoch"]
    assert record["epochs"][:-1] == [e for e in before["epochs"] if e["epoch"] <= last]  # up to b's own weights
    entry = record["epochs"][-1]
    own_entry = record["epochs"][-2]  # b's own weights' entry: no step was taken after it
    assert (entry["steps"], entry["seconds"], entry["lr"]) == (own_entry["steps"], own_entry["seconds"], None)
    assert entry["average"] == config["average"] == [{"model": str(a), "weight": 1.0}, {"model": str(b), "weight": 1.0}]
    assert entry["valid"] == config["metrics"]["valid"] and set(entry["valid"]) == set(before["epochs"][-1]["valid"])
    translator = load_checkpoint(out)
    assert [p["output"] for p in entry["probes"]] == [translator.greedy(p["source"]).output for p in entry["probes"]]
    assert "test" not in config["metrics"]  # the last checkpoint's test scores are not the average's


def test_checkpoints_of_another_shape_or_vocabulary_are_refused(tunings, tmp_path):
    first, a, _ = tunings
    other = train(tiny(tmp_path / "other", hidden_size=16, epochs=1), progress=False)
    with pytest.raises(CheckpointError, match=r"cannot be averaged with .*another model shape or vocabulary \(model\)"):
        average([a, other], [1, 1], tmp_path / "soup")
    assert not (tmp_path / "soup").exists()
    with pytest.raises(ValueError, match="at least one checkpoint"):
        average([], [], tmp_path / "soup")


def test_one_checkpoint_is_written_as_it_is_with_the_averages_record(tunings, tmp_path):
    """A choice that keeps the last stage alone publishes it like the averages it was chosen over."""
    _, a, _ = tunings
    out = average([a], [1], tmp_path / "alone", extra={"choice": {"chosen": 0}})
    config = read_config(out)
    assert config["average"] == [{"model": str(a), "weight": 1.0}] and config["choice"] == {"chosen": 0}
    mine, theirs = load_checkpoint(out).model.state_dict(), load_checkpoint(a).model.state_dict()
    assert mine.keys() == theirs.keys() and all(torch.equal(mine[k], theirs[k]) for k in theirs)


def test_the_command_writes_it_and_says_what_is_wrong_in_one_line(tunings, tmp_path, capsys):
    _, a, b = tunings
    assert main(["average", str(a), str(b), "--weights", "1", "3", "--out", str(tmp_path / "soup")]) == 0
    assert read_config(tmp_path / "soup")["average"][1] == {"model": str(b), "weight": 3.0}
    assert "soup" in capsys.readouterr().out
    assert main(["average", str(a), str(b), "--weights", "1", "--out", str(tmp_path / "x")]) == 2
    assert main(["average", str(a), str(tmp_path / "none"), "--out", str(tmp_path / "y")]) == 2
    errors = capsys.readouterr().err.splitlines()
    assert len(errors) == 2 and all(line.startswith("error: ") for line in errors)
    assert "one weight per checkpoint" in errors[0] and str(tmp_path / "none") in errors[1]


def test_its_record_names_every_stage_once_first_first(tmp_path):
    """The card's cost of an average of a fine-tuning b and its own fine-tuning c: first stage, b, c, each once."""
    first = train(tiny(tmp_path / "first", seed=3), progress=False)
    b = train(tiny(tmp_path / "b", epochs=1, lr=1e-3, init=str(first)), progress=False)
    c = train(tiny(tmp_path / "c", epochs=2, lr=1e-3, init=str(b)), progress=False)
    stages = read_config(average([b, c], [0.4, 0.6], tmp_path / "soup"))["stages"]
    assert [s["training_seconds"] for s in stages] == [read_config(f)["training_seconds"] for f in (first, b, c)]
    assert [s["epochs_run"] for s in stages] == [2, 1, 2]
    (tmp_path / "first" / "config.json").unlink()  # the first stage's folder gone: c's record of b still says it
    again = read_config(average([b, c], [0.4, 0.6], tmp_path / "soup2"))["stages"]
    assert [s["training_seconds"] for s in again] == [s["training_seconds"] for s in stages]


def test_a_fine_tuning_of_an_average_counts_the_averages_stages_then_its_own(tmp_path):
    """zh-en's second round: d fine-tuned from a soup of b and c; the soup's recorded chain, then d (and the
    soup alone keeps its own chain), whether or not the soup's parts are still on disk."""
    first = train(tiny(tmp_path / "first", seed=3), progress=False)
    b = train(tiny(tmp_path / "b", epochs=1, lr=1e-3, init=str(first)), progress=False)
    c = train(tiny(tmp_path / "c", epochs=2, lr=1e-3, init=str(b)), progress=False)
    soup = average([b, c], [0.5, 0.5], tmp_path / "soup")
    d = train(tiny(tmp_path / "d", epochs=1, lr=1e-3, init=str(soup)), progress=False)
    (tmp_path / "b" / "config.json").unlink()  # the first round's stages are gone, as after a release
    seconds = [s["training_seconds"] for s in read_config(soup)["stages"]]
    again = read_config(average([soup, d], [0.5, 0.5], tmp_path / "second"))["stages"]
    assert [s["training_seconds"] for s in again] == [*seconds, read_config(d)["training_seconds"]]
    alone = read_config(average([soup], [1], tmp_path / "alone"))["stages"]
    assert [s["training_seconds"] for s in alone] == seconds


def test_half_weights_are_recorded_as_stored(tmp_path):
    """With float16 weights (the shipped models') the recorded probes are what the saved model decodes, exactly."""
    first = train(tiny(tmp_path / "first", seed=3, half=True), progress=False)
    a = train(tiny(tmp_path / "a", epochs=1, lr=3e-3, init=str(first), half=True), progress=False)
    b = train(tiny(tmp_path / "b", epochs=1, lr=1e-3, seed=5, init=str(first), half=True), progress=False)
    out = average([a, b], [0.3, 0.7], tmp_path / "soup")
    assert read_config(out)["weights_dtype"] == "float16"
    translator = load_checkpoint(out)
    for probe in json.loads((out / "probes.json").read_text())["epochs"][-1]["probes"]:
        trace = translator.greedy(probe["source"])
        assert trace.output == probe["output"]
        assert [[round(w, 4) for w in row] for row in trace.attention] == probe["attention"]


def test_new_weights_in_a_loaded_model_decode_as_that_model(tunings):
    """A loaded model folds its embedding into a table (`use_decoding_layout`): `load_weights` makes it again, so
    a's model given b's weights decodes exactly as b (load_state_dict alone would keep a's table)."""
    _, a, b = tunings
    model, other = load_checkpoint(a), load_checkpoint(b)
    model.model.load_weights(other.model.state_dict())
    for text in ("abc", "hello", "zyxw"):
        assert model.greedy(text).attention == other.greedy(text).attention
