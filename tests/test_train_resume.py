"""Resume inside an epoch is exact; --resume without state is an error; --unk-rate; one TrainConfig validator.

The tiny reverse run has 384 pairs in batches of 32: 12 steps an epoch.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from seq2seq.cli import main
from seq2seq.config import TrainConfig
from seq2seq.data import encode_pairs, substitute_unk
from seq2seq.tokenizers import EOS, PAD, UNK
from seq2seq.train import train
from seq2seq.training_parts import ResumeError, build_tokenizers, load_task_data


def tiny(out: Path, **overrides) -> TrainConfig:
    settings = dict(
        task="reverse", train_size=384, valid_size=32, hidden_size=32, embedding_size=16, batch_size=32, epochs=2,
        threads=1, out=str(out), max_len=32,
    )  # fmt: skip
    return TrainConfig(**(settings | overrides))


def state_tensors(folder: Path, prefix: str) -> dict[str, torch.Tensor]:
    return {k: v for k, v in load_file(str(folder / "trainer_state.safetensors")).items() if k.startswith(prefix)}


def history(folder: Path) -> list[dict]:
    """The trainer state's epoch entries without their wall-clock seconds."""
    entries = json.loads((folder / "trainer_state.json").read_text())["history"]
    return [{k: v for k, v in e.items() if k != "seconds"} for e in entries]


# -- resume in the middle of an epoch ----------------------------------------------------------------
def test_a_run_paused_inside_an_epoch_resumes_at_the_next_batch_exactly(tmp_path):
    # dropout and <unk> substitution on: the torch and unk generators must travel through the checkpoint.
    settings = dict(dropout=0.2, unk_rate=0.1)
    train(tiny(tmp_path / "full", **settings), progress=False)
    train(tiny(tmp_path / "split", max_steps=7, **settings), progress=False)  # paused after batch 7 of 12
    paused = json.loads((tmp_path / "split" / "trainer_state.json").read_text())
    assert (paused["epoch"], paused["batch"], paused["steps"]) == (0, 7, 7)
    assert paused["epoch_tokens"] > 0 and [e["epoch"] for e in paused["history"]] == [0]  # epoch 1 not closed
    train(tiny(tmp_path / "split", **settings), resume=True, progress=False)
    full, split = state_tensors(tmp_path / "full", "model."), state_tensors(tmp_path / "split", "model.")
    assert full.keys() == split.keys()
    for name in full:
        assert torch.equal(full[name], split[name]), name
    best_full, best_split = state_tensors(tmp_path / "full", "best."), state_tensors(tmp_path / "split", "best.")
    assert all(torch.equal(best_full[k], best_split[k]) for k in best_full)
    assert history(tmp_path / "split") == history(tmp_path / "full")  # losses, metrics, steps, lr, probes
    assert [e["epoch"] for e in history(tmp_path / "full")] == [0, 1, 2]
    final = json.loads((tmp_path / "split" / "trainer_state.json").read_text())
    assert (final["epoch"], final["batch"], final["steps"]) == (2, 0, 24)


def test_a_pause_before_any_finished_epoch_leaves_the_trained_weights_in_the_folder(tmp_path):
    """The untrained epoch 0 never counts as best (as before): the paused live weights are the folder's model."""
    out = train(tiny(tmp_path / "run", max_steps=7), progress=False)
    config = json.loads((out / "config.json").read_text())
    probes = json.loads((out / "probes.json").read_text())["epochs"]
    assert [(e["epoch"], e["steps"], e.get("partial", False)) for e in probes] == [(0, 0, False), (1, 7, True)]
    assert config["best_epoch"] == 1 and config["metrics"]["valid"] == probes[1]["valid"]
    folder, live = load_file(str(out / "model.safetensors")), state_tensors(out, "model.")
    assert folder.keys() == {k[len("model.") :] for k in live}
    assert all(torch.equal(folder[k], live["model." + k]) for k in folder)
    best = state_tensors(out, "best.")  # the trainer state's best is still the untrained model, for resume
    assert any(not torch.equal(best["best." + k], folder[k]) for k in folder)


def test_resume_on_a_folder_without_trainer_state_is_a_clear_error(tmp_path):
    with pytest.raises(ResumeError, match=str(tmp_path / "nothing")):
        train(tiny(tmp_path / "nothing"), resume=True, progress=False)
    assert not (tmp_path / "nothing").exists()  # and nothing was started there
    # a model folder without trainer state (a shipped model, say) is not a run to continue either
    model = shutil.copytree(Path(__file__).resolve().parent.parent / "pretrained" / "reverse" / "dot", tmp_path / "m")
    before = sorted(p.name for p in model.iterdir())
    with pytest.raises(ResumeError, match="nothing to resume"):
        train(tiny(model), resume=True, progress=False)
    assert sorted(p.name for p in model.iterdir()) == before and not model.is_symlink()  # left as it was


def test_the_cli_refuses_resume_without_state_naming_the_folder(tmp_path, capsys):
    code = main(["train", "--out", str(tmp_path / "empty"), "--resume", "--no-progress", "--train-size", "8"])
    error = capsys.readouterr().err
    assert code == 2
    assert str(tmp_path / "empty") in error and "nothing to resume" in error and "Traceback" not in error


# -- <unk> substitution ------------------------------------------------------------------------------
def batch_of_ids(rows: int = 200, width: int = 40) -> torch.Tensor:
    """(rows, width) ids 4..19, each row ending in </s> then padding, of varied lengths."""
    g = torch.Generator().manual_seed(1)
    src = torch.randint(4, 20, (rows, width), generator=g)
    lengths = torch.randint(5, width + 1, (rows,), generator=g)
    for row, length in enumerate(lengths.tolist()):
        src[row, length - 1] = EOS
        src[row, length:] = PAD
    return src


def test_unk_rate_zero_leaves_the_batch_and_the_generator_untouched():
    src, g = batch_of_ids(), torch.Generator().manual_seed(5)
    before = g.get_state()
    assert substitute_unk(src, 0.0, g) is src
    assert torch.equal(g.get_state(), before)


@pytest.mark.parametrize("rate", [0.1, 0.3])
def test_unk_rate_replaces_about_that_share_of_real_tokens_and_never_eos_or_padding(rate):
    src = batch_of_ids()
    out = substitute_unk(src, rate, torch.Generator().manual_seed(5))
    real = (src != PAD) & (src != EOS)
    replaced = out != src
    assert torch.all(out[replaced] == UNK) and not torch.any(replaced & ~real)
    assert torch.equal(out[~real], src[~real])  # </s> and padding are kept
    share = float(replaced.sum()) / float(real.sum())  # about 4,000 tokens: within 3 points of the rate
    assert abs(share - rate) < 0.03, share
    again = substitute_unk(src, rate, torch.Generator().manual_seed(5))
    other = substitute_unk(src, rate, torch.Generator().manual_seed(6))
    assert torch.equal(out, again) and not torch.equal(out, other)  # seeded: same seed, same masks


def test_training_with_unk_rate_changes_the_model_and_records_the_setting(tmp_path):
    plain = train(tiny(tmp_path / "plain", epochs=1, max_steps=3), progress=False)
    unk = train(tiny(tmp_path / "unk", epochs=1, max_steps=3, unk_rate=0.3), progress=False)
    a, b = state_tensors(plain, "model."), state_tensors(unk, "model.")
    assert any(not torch.equal(a[k], b[k]) for k in a)
    assert json.loads((unk / "config.json").read_text())["train"]["unk_rate"] == 0.3


# -- one validator -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ({"epochs": -1}, "epochs must be at least 0"),
        ({"batch_size": 0}, "batch-size must be at least 1"),
        ({"lr": 0.0}, "lr must be greater than 0"),
        ({"lr": float("nan")}, "lr must be greater than 0"),
        ({"dropout": 1.0}, r"dropout must be in \[0, 1\)"),
        ({"dropout": -0.1}, r"dropout must be in \[0, 1\)"),
        ({"unk_rate": 1.0}, r"unk-rate must be in \[0, 1\)"),
        ({"unk_rate": -0.5}, r"unk-rate must be in \[0, 1\)"),
        ({"max_seconds": -1.0}, "max-seconds must be at least 0"),
        ({"hidden_size": 33}, "even hidden-size"),
        ({"scorer": "no-such-scorer"}, "scorer must be one of"),
        ({"schedule": "step"}, "schedule must be one of"),
        # every numeric option at its extremes: refused by name before any work, never a traceback later
        ({"seed": -1}, f"seed must be a whole number from 0 to {2**64 - 1}, got -1$"),
        ({"seed": 2**64}, f"seed must be a whole number from 0 to {2**64 - 1}, got {2**64}$"),
        ({"lr": float("inf")}, "lr must be a finite number, got inf"),
        ({"max_seconds": float("inf")}, "max-seconds must be a finite number, got inf"),
        ({"hidden_size": 10**6}, "hidden-size must be at most 8192, got 1000000"),
        ({"embedding_size": 10**6}, "embedding-size must be at most 8192, got 1000000"),
        ({"train_size": 10**9}, "train-size must be at most 1000000, got 1000000000"),
        ({"valid_size": 10**9}, "valid-size must be at most 1000000, got 1000000000"),
        ({"vocab_size": 10**9}, "vocab-size must be at most 1000000, got 1000000000"),
        ({"max_len": 10**9}, "max-len must be at most 99999, got 1000000000"),
        ({"threads": 10**6}, "threads must be at most 1024, got 1000000"),
    ],
)
def test_train_config_validate_names_the_bad_setting(tmp_path, setting, message):
    with pytest.raises(ValueError, match=message):
        tiny(tmp_path, **setting).validate()
    with pytest.raises(ValueError, match=message):  # train() validates before any work
        train(tiny(tmp_path / "run", **setting), progress=False)
    assert not (tmp_path / "run").exists()


def test_the_default_config_is_valid():
    TrainConfig().validate()
    TrainConfig(seed=2**64 - 1, hidden_size=8192, threads=1024).validate()  # the edges are taken


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        ("--seed", str(2**64), f"error: seed must be a whole number from 0 to {2**64 - 1}, got {2**64}"),
        ("--seed", "-1", f"error: seed must be a whole number from 0 to {2**64 - 1}, got -1"),
        ("--lr", "inf", "error: lr must be a finite number, got inf"),
        ("--hidden-size", "1000000", "error: hidden-size must be at most 8192, got 1000000"),
    ],
)
def test_the_cli_refuses_train_extremes_in_one_line(tmp_path, capsys, flag, value, message):
    code = main(["train", "--out", str(tmp_path / "run"), flag, value, "--no-progress"])
    assert code == 2
    assert capsys.readouterr().err.strip() == message
    assert not (tmp_path / "run").exists()


def test_the_cli_reports_a_bad_unk_rate_in_one_line(tmp_path, capsys):
    code = main(["train", "--out", str(tmp_path / "run"), "--unk-rate", "1.5", "--no-progress"])
    assert code == 2
    assert capsys.readouterr().err.strip() == "error: unk-rate must be in [0, 1) (a probability below 1), got 1.5"


# -- the trained source length -----------------------------------------------------------------------
@pytest.mark.parametrize("scorer", ["location", "general"])
def test_the_model_config_records_the_longest_training_source(tmp_path, scorer):
    cfg = tiny(tmp_path / scorer, scorer=scorer, epochs=0)
    data = load_task_data(cfg)
    source, target = build_tokenizers(cfg, data)
    longest = max(len(s) for s, _ in encode_pairs(data.train, source, target, cfg.max_len))
    assert 2 < longest <= cfg.max_len
    out = train(cfg, progress=False)  # epochs 0: the untrained model's checkpoint, built as training builds it
    model = json.loads((out / "config.json").read_text())["model"]
    assert model["trained_source_len"] == longest
    # location has one W_a row per position: only trained rows; the others take any length up to max_len + 1
    assert model["max_source_len"] == (longest if scorer == "location" else cfg.max_len + 1)
