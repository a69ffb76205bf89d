"""Training: resume equals an uninterrupted run, DDP equals one process, atomic checkpoints, probes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from seq2seq.checkpoint import load_checkpoint
from seq2seq.config import ModelConfig, TrainConfig
from seq2seq.data import collate
from seq2seq.model import Seq2Seq
from seq2seq.tokenizers import BOS, EOS, PAD
from seq2seq.train import train
from seq2seq.training_parts import make_optimizer, set_step_lr, step_lr

ROOT = Path(__file__).resolve().parent.parent


def tiny(out: Path, **overrides) -> TrainConfig:
    settings = dict(
        task="reverse",
        train_size=384,
        valid_size=32,
        hidden_size=32,
        embedding_size=16,
        batch_size=32,
        epochs=2,
        threads=1,
        out=str(out),
        max_len=32,
    )
    return TrainConfig(**(settings | overrides))


def live_weights(folder: Path) -> dict[str, torch.Tensor]:
    tensors = load_file(str(folder / "trainer_state.safetensors"))
    return {k: v for k, v in tensors.items() if k.startswith("model.")}


def max_difference(a: dict, b: dict) -> float:
    assert a.keys() == b.keys()
    return max(float((a[k].float() - b[k].float()).abs().max()) for k in a)


def test_resume_gives_the_same_model_as_an_uninterrupted_run(tmp_path):
    # Dropout on: the RNG state must travel through the checkpoint too.
    train(tiny(tmp_path / "full", dropout=0.2), progress=False)
    train(tiny(tmp_path / "split", dropout=0.2, epochs=1), progress=False)
    train(tiny(tmp_path / "split", dropout=0.2, epochs=2), resume=True, progress=False)
    assert max_difference(live_weights(tmp_path / "full"), live_weights(tmp_path / "split")) == 0.0
    history = json.loads((tmp_path / "split" / "probes.json").read_text())["epochs"]
    assert [e["epoch"] for e in history] == [0, 1, 2]


def test_weight_decay_is_decoupled_adamw_shrinking_every_weight(tmp_path):
    cfg = tiny(tmp_path, weight_decay=0.5, lr=0.01)
    model = Seq2Seq(ModelConfig(src_vocab_size=10, tgt_vocab_size=10, hidden_size=8, embedding_size=4))
    before = {name: p.detach().clone() for name, p in model.named_parameters()}
    optimizer = make_optimizer(model, cfg)
    assert isinstance(optimizer, torch.optim.AdamW)
    for p in model.parameters():
        p.grad = torch.zeros_like(p)  # no gradient: Adam's part of the update is 0, only the decay acts
    optimizer.step()
    for name, p in model.named_parameters():  # w <- w - lr * weight_decay * w
        assert torch.allclose(p, before[name] * (1 - 0.01 * 0.5), atol=1e-7), name
    assert type(make_optimizer(model, tiny(tmp_path))) is torch.optim.Adam  # 0: plain Adam, as before


def test_adam_is_fused_and_takes_the_step_the_formula_gives(tmp_path):
    """The fused kernel is Adam: the first step moves each weight by lr * g / (|g| + eps)."""
    model = Seq2Seq(ModelConfig(src_vocab_size=10, tgt_vocab_size=10, hidden_size=8, embedding_size=4))
    optimizer = make_optimizer(model, tiny(tmp_path, lr=0.01))
    assert optimizer.param_groups[0]["fused"] is True
    before = {name: p.detach().clone() for name, p in model.named_parameters()}
    torch.manual_seed(0)
    for p in model.parameters():
        p.grad = torch.randn_like(p)
    optimizer.step()
    for name, p in model.named_parameters():  # m^ = g, v^ = g^2 after bias correction
        expected = before[name] - 0.01 * p.grad / (p.grad.abs() + 1e-8)
        torch.testing.assert_close(p.detach(), expected, rtol=0, atol=1e-6, msg=name)


def test_collate_pads_sources_and_shifts_targets():
    batch = collate([([5, 6, 7], [8]), ([9], [10, 11, 12])])
    assert batch.src.tolist() == [[5, 6, 7], [9, PAD, PAD]]
    assert batch.src_lengths.tolist() == [3, 1]
    assert batch.tgt_in.tolist() == [[BOS, 8, PAD, PAD], [BOS, 10, 11, 12]]
    assert batch.tgt_out.tolist() == [[8, EOS, PAD, PAD], [10, 11, 12, EOS]]
    assert batch.num_tokens == 6 and batch.src.dtype == batch.tgt_in.dtype == torch.long


def test_warmup_ramps_the_rate_linearly_then_anneals(tmp_path):
    cfg = tiny(tmp_path, lr=0.004, warmup=4, anneal_from=6, anneal_factor=0.25)
    rates = [step_lr(cfg, cfg.lr, t) for t in range(8)]
    assert rates == pytest.approx([0.001, 0.002, 0.003, 0.004, 0.004, 0.004, 0.001, 0.001])
    assert step_lr(tiny(tmp_path, lr=0.004), 0.004, 0) == 0.004  # no warm-up: the full rate from step 1


# 12 steps an epoch: with a warm-up of 18 the split run resumes at step 12, two thirds up the ramp.
@pytest.mark.parametrize("setting", [{"weight_decay": 0.1}, {"warmup": 18}], ids=["weight_decay", "warmup"])
def test_resume_with_an_optimizer_setting_gives_the_same_model(tmp_path, setting):
    train(tiny(tmp_path / "full", **setting), progress=False)
    train(tiny(tmp_path / "split", **setting, epochs=1), progress=False)
    train(tiny(tmp_path / "split", **setting, epochs=2), resume=True, progress=False)
    assert max_difference(live_weights(tmp_path / "full"), live_weights(tmp_path / "split")) == 0.0
    plain = train(tiny(tmp_path / "plain"), progress=False)
    assert max_difference(live_weights(tmp_path / "full"), live_weights(plain)) > 1e-4  # the setting did act


def test_probes_record_every_epoch_with_attention_and_metrics(tmp_path):
    train(tiny(tmp_path / "run"), progress=False)
    probes = json.loads((tmp_path / "run" / "probes.json").read_text())
    assert probes["task"] == "reverse" and probes["scorer"] == "general"
    epochs = probes["epochs"]
    assert [e["epoch"] for e in epochs] == [0, 1, 2]
    assert epochs[0]["loss"] is None and epochs[1]["loss"] > epochs[2]["loss"] > 0
    for entry in epochs:
        assert set(entry["valid"]) == {"exact_match", "char_accuracy"}
        assert len(entry["probes"]) == 8
        for probe in entry["probes"]:
            rows = probe["attention"]
            assert len(rows) == len(probe["target_tokens"])
            assert all(len(r) == len(probe["source_tokens"]) for r in rows)
            assert all(abs(sum(r) - 1) < 1e-3 for r in rows)


def test_the_checkpoint_is_the_best_epoch_and_loads(tmp_path):
    out = train(tiny(tmp_path / "run", epochs=3), progress=False)
    config = json.loads((out / "config.json").read_text())
    history = json.loads((out / "probes.json").read_text())["epochs"]
    best = max(history[1:], key=lambda e: e["valid"]["exact_match"])
    assert config["metrics"]["valid"]["exact_match"] == best["valid"]["exact_match"]
    translator = load_checkpoint(out)
    assert translator.metadata["task"] == "reverse"
    assert translator.greedy("abc").steps  # it decodes


def test_a_crash_while_saving_leaves_the_previous_checkpoint_whole(tmp_path, monkeypatch):
    out = train(tiny(tmp_path / "run", epochs=1), progress=False)
    before = (out / "model.safetensors").read_bytes()

    import seq2seq.checkpoint as checkpoint

    def crash(*args, **kwargs):
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(checkpoint, "_swap_in", crash)
    with pytest.raises(OSError, match="simulated"):
        train(tiny(tmp_path / "run", epochs=2), resume=True, progress=False)
    assert (out / "model.safetensors").read_bytes() == before
    load_checkpoint(out)  # still a complete, loadable checkpoint
    leftovers = [p.name for p in out.parent.iterdir() if p.name not in ("run", os.readlink(out))]
    assert leftovers == []  # the staging folder was cleaned up; the run links to its one generation


def test_stop_request_ends_training_and_saves(tmp_path):
    calls = []

    def should_stop() -> bool:
        calls.append(1)
        return len(calls) >= 3

    out = train(tiny(tmp_path / "run", epochs=5), progress=False, should_stop=should_stop)
    state = json.loads((out / "trainer_state.json").read_text())
    assert state["steps"] == 3 and state["epoch"] == 1 and state["finished"]


def test_a_step_budget_pauses_a_run_that_resumes_with_a_larger_budget(tmp_path):
    # 384 pairs in batches of 32: 12 steps an epoch; a budget of 5 pauses epoch 1 after its 5th batch.
    out = train(tiny(tmp_path / "run", epochs=5, max_steps=5), progress=False)
    state = json.loads((out / "trainer_state.json").read_text())
    assert (state["steps"], state["epoch"], state["batch"], state["early_stopped"]) == (5, 0, 5, False)
    probes = json.loads((out / "probes.json").read_text())["epochs"]
    assert [(e["epoch"], e["steps"], e.get("partial", False)) for e in probes] == [(0, 0, False), (1, 5, True)]
    train(tiny(tmp_path / "run", epochs=5, max_steps=5), resume=True, progress=False)  # budget spent: no-op
    assert json.loads((out / "trainer_state.json").read_text())["steps"] == 5
    train(tiny(tmp_path / "run", epochs=5, max_steps=20), resume=True, progress=False)
    state = json.loads((out / "trainer_state.json").read_text())
    assert (state["steps"], state["epoch"], state["batch"]) == (20, 1, 8)  # epoch 1 whole at 12, epoch 2 paused
    history = json.loads((out / "probes.json").read_text())["epochs"]
    assert [(e["epoch"], e["steps"], e.get("partial", False)) for e in history] == [
        (0, 0, False),
        (1, 12, False),
        (2, 20, True),
    ]
    assert [e["epoch"] for e in state["history"]] == [0, 1]  # the partial entry is the folder's only


def test_the_rate_is_annealed_from_the_given_step_on(tmp_path):
    # 12 steps an epoch: epoch 1 at the full rate, epoch 2 from step 12 on at a quarter of it.
    out = train(tiny(tmp_path / "run", lr=2e-3, schedule="constant", anneal_from=12), progress=False)
    history = json.loads((out / "probes.json").read_text())["epochs"]
    assert [e["lr"] for e in history[1:]] == [2e-3, 5e-4]
    plain = train(tiny(tmp_path / "plain", lr=2e-3, schedule="constant", epochs=1), progress=False)
    annealed_once = train(
        tiny(tmp_path / "late", lr=2e-3, schedule="constant", epochs=1, anneal_from=12), progress=False
    )
    assert max_difference(live_weights(plain), live_weights(annealed_once)) == 0.0  # untouched before the step


@pytest.mark.skipif(shutil.which("torchrun", path=str(Path(sys.executable).parent)) is None, reason="no torchrun")
def test_two_ddp_processes_train_the_same_model_as_one(tmp_path):
    """torchrun --nproc_per_node 2 (gloo on CPU) vs one process, same global batch."""
    common = [
        "-m",
        "seq2seq",
        "train",
        "--task",
        "reverse",
        "--train-size",
        "256",
        "--valid-size",
        "16",
        "--hidden-size",
        "24",
        "--embedding-size",
        "8",
        "--batch-size",
        "32",
        "--epochs",
        "1",
        "--threads",
        "1",
        "--no-progress",
    ]
    env = os.environ | {"OMP_NUM_THREADS": "1"}
    subprocess.run(
        [sys.executable, *common, "--out", str(tmp_path / "one")], check=True, cwd=ROOT, env=env, capture_output=True
    )
    torchrun = str(Path(sys.executable).parent / "torchrun")
    result = subprocess.run(
        [torchrun, "--nproc_per_node", "2", "--master_port", "29517", *common, "--out", str(tmp_path / "two")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    difference = max_difference(live_weights(tmp_path / "one"), live_weights(tmp_path / "two"))
    assert difference < 1e-4
    # ...and the runs really trained: the weights moved away from the initialization.
    assert difference < max_difference(
        live_weights(tmp_path / "one"), {k: torch.zeros_like(v) for k, v in live_weights(tmp_path / "one").items()}
    )


def test_score_lr_scale_gives_the_scorer_weights_a_scaled_rate(tmp_path):
    """--score-lr-scale s: the scorer's own weights take Adam steps of lr * s, every other weight lr."""
    model = Seq2Seq(ModelConfig(src_vocab_size=10, tgt_vocab_size=10, hidden_size=8, embedding_size=4))
    optimizer = make_optimizer(model, tiny(tmp_path, lr=0.01, score_lr_scale=0.1))
    scorer_ids = {id(p) for p in model.decoder.scorer.parameters()}
    assert len(scorer_ids) == 1  # general: W_a
    set_step_lr(optimizer, 0.01)
    before = {name: p.detach().clone() for name, p in model.named_parameters()}
    torch.manual_seed(0)
    for p in model.parameters():
        p.grad = torch.randn_like(p)
    optimizer.step()
    for name, p in model.named_parameters():  # the first Adam step moves each weight by lr * sign(g)
        lr = 0.001 if id(p) in scorer_ids else 0.01
        expected = before[name] - lr * p.grad / (p.grad.abs() + 1e-8)
        torch.testing.assert_close(p.detach(), expected, rtol=0, atol=1e-6, msg=name)


@pytest.mark.parametrize("scorer", ["none", "dot", "scaled_dot", "general"])
def test_score_lr_scale_trains_scorers_without_weights_exactly_as_before(tmp_path, scorer):
    """The setting is shared by every model of a task: it changes only scorers that have weights."""
    train(tiny(tmp_path / "plain", scorer=scorer, epochs=1), progress=False)
    train(tiny(tmp_path / "scaled", scorer=scorer, epochs=1, score_lr_scale=0.1), progress=False)
    difference = max_difference(live_weights(tmp_path / "plain"), live_weights(tmp_path / "scaled"))
    assert (difference == 0.0) == (scorer != "general"), difference


def test_score_lr_scale_survives_resume(tmp_path):
    cfg = dict(scorer="concat", score_lr_scale=0.1)
    train(tiny(tmp_path / "full", **cfg), progress=False)
    train(tiny(tmp_path / "split", epochs=1, **cfg), progress=False)
    train(tiny(tmp_path / "split", **cfg), resume=True, progress=False)
    assert max_difference(live_weights(tmp_path / "full"), live_weights(tmp_path / "split")) == 0.0
    state = json.loads((tmp_path / "split" / "trainer_state.json").read_text())
    assert [g["lr_scale"] for g in state["optimizer"]["param_groups"]] == [1.0, 0.1]
