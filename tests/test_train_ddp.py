"""Two processes (gloo on 127.0.0.1): rank 0 decides every stop, ranks draw their own dropout, loss scaling is exact.

Processes are started as subprocesses with a bounded timeout, so that a regression (a rank left
waiting in an all-reduce) fails the test instead of hanging it.
"""

from __future__ import annotations

import json
import math
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

ROOT = Path(__file__).resolve().parent.parent
TORCHRUN = Path(sys.executable).parent / "torchrun"

# One process of a DDP gradient check: the model as train() initializes it, one backward of
# train()'s loss of a global batch of 8 pairs, written as safetensors for the test to compare.
CHILD = """
import sys
import torch
import torch.distributed as dist
from safetensors.torch import save_file
from seq2seq.config import TrainConfig
from seq2seq.tokenizers import CharTokenizer
from seq2seq.training_parts import global_batch_loss, init_model

rank, world, out, dropout = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
torch.set_num_threads(1)
if world > 1:
    dist.init_process_group("gloo", rank=rank, world_size=world)
g = torch.Generator().manual_seed(0)
pairs = [
    (torch.randint(4, 16, (n,), generator=g).tolist() + [3], torch.randint(4, 16, (n + 1,), generator=g).tolist())
    for n in (3, 5, 7, 4, 6, 8, 2, 5)
]
tokenizer = CharTokenizer("abcdefghijkl")  # ids 4..15
cfg = TrainConfig(hidden_size=16, embedding_size=8, dropout=dropout, seed=3)
model = init_model(cfg, tokenizer, tokenizer, 9, rank)
tensors = {"init." + k: v.clone() for k, v in model.state_dict().items()}
tensors["mask"] = torch.nn.functional.dropout(torch.ones(256), 0.5)  # the next draw of this rank's dropout stream
ddp = torch.nn.parallel.DistributedDataParallel(model) if world > 1 else model
model.train()
loss, _, _ = global_batch_loss(ddp, pairs, list(range(8)), rank, world)
loss.backward()
tensors |= {"grad." + n: p.grad for n, p in model.named_parameters() if p.grad is not None}
save_file({k: v.contiguous() for k, v in tensors.items()}, f"{out}/rank{rank}-of-{world}.safetensors")
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def env(port: int, rank: int, world: int) -> dict[str, str]:
    return os.environ | {
        "OMP_NUM_THREADS": "1", "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(port),
        "RANK": str(rank), "WORLD_SIZE": str(world), "PYTHONPATH": str(ROOT),
    }  # fmt: skip


def run_children(out: Path, dropout: float) -> None:
    """One single process and two DDP processes, at once; each must finish within a minute."""
    run_ranks([(0, 1), (0, 2), (1, 2)], lambda rank, world: [CHILD, str(rank), str(world), str(out), str(dropout)])


def run_ranks(ranks: list[tuple[int, int]], arguments) -> None:
    """Start `python -c *arguments(rank, world)` for each (rank, world) on one rendezvous port, at once;
    each must exit 0 within a minute (its stderr is the failure message)."""
    port = free_port()
    children = [
        subprocess.Popen(
            [sys.executable, "-c", *arguments(rank, world)],
            cwd=ROOT,
            env=env(port, rank, world),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for rank, world in ranks
    ]
    try:
        for child in children:
            _, stderr = child.communicate(timeout=60)
            assert child.returncode == 0, stderr[-2000:]
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()


def test_two_processes_get_the_single_process_gradient_of_the_global_batch(tmp_path):
    run_children(tmp_path, dropout=0.0)
    one, *two = (load_file(str(tmp_path / f"rank{r}-of-{w}.safetensors")) for r, w in ((0, 1), (0, 2), (1, 2)))
    grads = [k for k in one if k.startswith("grad.")]
    assert len(grads) > 5
    for name in grads:
        for rank in two:  # DDP's average of L_r * 2 / N over both ranks = grad of L / N on one process
            torch.testing.assert_close(rank[name], one[name], rtol=0, atol=1e-6, msg=name)
        assert float(one[name].abs().max()) > 1e-4, name  # a real gradient, not 0 == 0
    for name in (k for k in one if k.startswith("init.")):  # the same initialization everywhere
        assert torch.equal(two[0][name], one[name]) and torch.equal(two[1][name], one[name]), name


# One process replays both ranks of a DDP step with dropout: rank r's share of the global batch, with
# rank r's own dropout stream (seeded as init_model seeds it, after the same 256-number draw the
# children make), backpropagated with the scaling global_batch_loss gives rank r. DDP averages the
# ranks' gradients, so the DDP gradient must be the mean of these two.
REPLAY = """
import sys
import torch
from safetensors.torch import save_file
from seq2seq.config import TrainConfig
from seq2seq.tokenizers import CharTokenizer
from seq2seq.training_parts import global_batch_loss, init_model

out, dropout = sys.argv[1], float(sys.argv[2])
torch.set_num_threads(1)
g = torch.Generator().manual_seed(0)
pairs = [
    (torch.randint(4, 16, (n,), generator=g).tolist() + [3], torch.randint(4, 16, (n + 1,), generator=g).tolist())
    for n in (3, 5, 7, 4, 6, 8, 2, 5)
]
tokenizer = CharTokenizer("abcdefghijkl")
cfg = TrainConfig(hidden_size=16, embedding_size=8, dropout=dropout, seed=3)
mean = {}
for rank in (0, 1):
    model = init_model(cfg, tokenizer, tokenizer, 9, rank)
    torch.nn.functional.dropout(torch.ones(256), 0.5)
    model.train()
    loss, _, _ = global_batch_loss(model, pairs, list(range(8)), rank, 2)
    loss.backward()
    for n, p in model.named_parameters():
        if p.grad is not None:
            mean["grad." + n] = mean.get("grad." + n, 0) + p.grad / 2
save_file({k: v.contiguous() for k, v in mean.items()}, f"{out}/replay.safetensors")
"""


@pytest.fixture(scope="module")
def with_dropout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One single process and two DDP processes with dropout 0.3 (their files), for the two tests below: each run
    of the three processes costs seconds of start-up."""
    out = tmp_path_factory.mktemp("ddp-dropout")
    run_children(out, dropout=0.3)
    return out


def test_with_dropout_the_ddp_gradient_is_the_mean_of_each_ranks_own_scaled_loss(with_dropout, tmp_path):
    """Loss scaling with dropout > 0: masks differ per rank, so one process cannot give the same numbers,
    but replaying each rank's share with that rank's stream must give exactly DDP's gradient."""
    replay = subprocess.run(
        [sys.executable, "-c", REPLAY, str(tmp_path), "0.3"],
        cwd=ROOT, env=os.environ | {"OMP_NUM_THREADS": "1"}, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert replay.returncode == 0, replay.stderr[-2000:]
    expected = load_file(str(tmp_path / "replay.safetensors"))
    single = load_file(str(with_dropout / "rank0-of-1.safetensors"))
    ranks = [load_file(str(with_dropout / f"rank{r}-of-2.safetensors")) for r in (0, 1)]
    assert len(expected) > 5
    for name, value in expected.items():
        for rank in ranks:
            torch.testing.assert_close(rank[name], value, rtol=0, atol=1e-6, msg=name)
    # and dropout really made the ranks differ from one process: the check above is not the dropout-0 one
    assert any(not torch.allclose(single[n], expected[n], atol=1e-4) for n in expected)


def test_each_rank_draws_its_own_dropout_masks_from_the_same_initialization(with_dropout):
    files = (with_dropout / f"rank{r}-of-{w}.safetensors" for r, w in ((0, 1), (0, 2), (1, 2)))
    one, rank0, rank1 = (load_file(str(file)) for file in files)
    assert all(torch.equal(rank0[k], one[k]) and torch.equal(rank1[k], one[k]) for k in one if k.startswith("init."))
    assert torch.equal(rank0["mask"], one["mask"])  # rank 0 trains as one process does
    assert not torch.equal(rank1["mask"], rank0["mask"])  # rank 1's masks are its own
    assert 0.3 < float((rank1["mask"] == 0).float().mean()) < 0.7  # and still dropout at rate 0.5


# One process of the tokenizer hand-over: train()'s shared_tokenizers for a subword task, with
# build_tokenizers counted, writing how often this rank trained one and the SentencePiece model it got.
SHARE = """
import itertools, json, sys
from pathlib import Path
import torch.distributed as dist
import seq2seq.training_parts as tr
from seq2seq.config import TrainConfig

out, calls, real = Path(sys.argv[1]), [], tr.build_tokenizers
def counted(cfg, data):
    calls.append(1)
    return real(cfg, data)
tr.build_tokenizers = counted
words = itertools.product(("cat", "dog", "bird", "horse"), ("small", "red", "old"), ("here", "there", "near"))
pairs = [(f"The {a} {n} is {p}.", f"Le {n} {a} est {p}.") for n, a, p in words]
data = tr.TaskData(pairs, pairs[:2], [[t] for _, t in pairs[:2]], (), "bleu")
cfg = TrainConfig(task="en-fr", vocab_size=60, out=str(out / "run"))
source, _ = tr.shared_tokenizers(cfg, data, tr.Distributed("cpu"), out / "run")
rank = dist.get_rank()
(out / f"sp{rank}.model").write_bytes(source._proto)
(out / f"calls{rank}.json").write_text(json.dumps({"trained": len(calls)}))
dist.destroy_process_group()
"""


def test_the_tokenizer_is_trained_once_by_rank_0_and_shared(tmp_path):
    """SentencePiece trains on rank 0 only; rank 1 loads exactly that model, and the hand-over folder is removed."""
    run_ranks([(0, 2), (1, 2)], lambda rank, world: [SHARE, str(tmp_path)])
    calls = [json.loads((tmp_path / f"calls{rank}.json").read_text()) for rank in (0, 1)]
    assert [c["trained"] for c in calls] == [1, 0]  # trained once, by rank 0
    assert (tmp_path / "sp1.model").read_bytes() == (tmp_path / "sp0.model").read_bytes()  # the same model
    assert len((tmp_path / "sp0.model").read_bytes()) > 100
    assert not (tmp_path / ".run.tokenizers").exists()


@pytest.mark.slow
@pytest.mark.skipif(not TORCHRUN.exists(), reason="no torchrun")
def test_torchrun_with_max_seconds_ends_on_time_and_trains_with_dropout(tmp_path):
    """The reported hang: each rank used its own clock. Now rank 0 decides and broadcasts every stop."""
    budget = 3.0
    out = tmp_path / "two"
    command = [
        str(TORCHRUN), "--nproc_per_node", "2", "--master_port", str(free_port()),
        "-m", "seq2seq", "train", "--task", "reverse", "--train-size", "128", "--valid-size", "16",
        "--hidden-size", "24", "--embedding-size", "8", "--batch-size", "32", "--epochs", "1000",
        "--patience", "1000", "--max-seconds", str(budget), "--dropout", "0.2", "--unk-rate", "0.1",
        "--threads", "1", "--no-progress", "--out", str(out),
    ]  # fmt: skip
    started = time.perf_counter()
    result = subprocess.run(
        command, cwd=ROOT, env=os.environ | {"OMP_NUM_THREADS": "1"}, capture_output=True, text=True, timeout=240
    )
    wall = time.perf_counter() - started
    assert result.returncode == 0, result.stderr[-3000:]
    state = json.loads((out / "trainer_state.json").read_text())
    assert state["finished"] and not state["early_stopped"]
    assert budget <= state["seconds"] < budget + 2.0  # stopped at the first step past the budget
    assert wall < 200  # startup, validation and saving are not training time, but bounded
    losses = [e["loss"] for e in state["history"][1:]]
    assert len(losses) >= 2 and all(math.isfinite(x) for x in losses)
    assert losses[-1] < losses[0]  # it trains
    assert not (tmp_path / ".two.tokenizers").exists()  # the shared tokenizer folder is gone
    assert out.is_symlink() and (out / "model.safetensors").is_file()  # the atomic layout: a link to its generation
