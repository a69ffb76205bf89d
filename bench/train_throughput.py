"""Training throughput on the shipped settings: forward + backward + clip + Adam, per task.

    python -m bench.train_throughput [--steps 40] [--threads 2] [--tasks reverse dates en-fr] [--quick]
    python -m bench.train_throughput --settings page --threads 1 --tasks reverse dates
    python -m bench.train_throughput --against ../old-checkout [--settings page --threads 1]

Each task's model is built exactly as scripts/train_shipped.py builds it (GRU, bidirectional
encoder, `general` attention, batch 64): reverse and dates are character models (embedding 64,
hidden 128), en-fr a SentencePiece model (vocabulary 4000, embedding 128, hidden 256, pairs up
to 24 tokens, dropout 0.1). `--settings page` builds the Train page's default model instead
(explorer.training.settings.JobSettings: `dot`, hidden 128, the page's embedding size, lr 3e-3).
Batches are length-bucketed like training. Prints a markdown table (median and p95 step time,
pairs/s and target tokens/s over the timed steps) and writes bench/results/train_throughput.json.
en-fr needs the Tatoeba file (--data); without it, it is skipped.

`--against CHECKOUT` times this checkout's training step and another's (say `git worktree add
../old HEAD~1`) in one process on the same batches from the same initial weights, alternating
step by step, and reports both and their ratio (train_throughput-against.json): on a host whose
speed drifts, that ratio is what a change is judged by.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from bench.common import import_baseline, markdown_table, summary, write_results
from seq2seq.config import TrainConfig
from seq2seq.data import bucketed_batches, collate, encode_pairs
from seq2seq.tokenizers import PAD, CharTokenizer, SentencePieceTokenizer
from seq2seq.training_parts import build_model, make_optimizer

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "eng-fra.txt"
# The shipped settings (scripts/train_shipped.py), one scorer: only the scorer differs between models.
SETTINGS = {
    "reverse": {"embedding_size": 64, "hidden_size": 128, "max_len": 32},
    "dates": {"embedding_size": 64, "hidden_size": 128, "max_len": 40},
    "en-fr": {"embedding_size": 128, "hidden_size": 256, "max_len": 24, "dropout": 0.1, "vocab_size": 4000},
}
PAIRS = 6400  # pairs drawn per task: 100 batches to bucket from
SP_SENTENCES = 40_000  # en-fr: sentences the SentencePiece model is fitted on (the shipped one saw all)


def task_pairs(task: str, data: Path, vocab_size: int) -> tuple[list[tuple[str, str]], object, object]:
    """Training pairs and the (source, target) tokenizers of `task`."""
    if task == "en-fr":
        from seq2seq.tasks import translation

        pairs = [(e.source, e.target) for e in translation.load(data, "train")]
        shared = SentencePieceTokenizer.train(
            (text for pair in pairs[:SP_SENTENCES] for text in pair), vocab_size=vocab_size
        )
        step = max(1, len(pairs) // PAIRS)  # spread over the file: it is sorted by length
        return pairs[::step][:PAIRS], shared, shared
    from seq2seq.tasks import get_task

    pairs = [(e.source, e.target) for e in get_task(task).examples("train", PAIRS, 0)]
    return pairs, CharTokenizer.fit(s for s, _ in pairs), CharTokenizer.fit(t for _, t in pairs)


def task_config(task: str, settings: str) -> TrainConfig:
    """The shipped models' training settings for `task`, or the Train page's defaults (`settings`)."""
    if settings == "page":
        from explorer.training.settings import JobSettings

        return JobSettings(task=task).train_config(out=".")
    return TrainConfig(task=task, scorer="general", cell="gru", bidirectional=True, batch_size=64, **SETTINGS[task])


def task_batches(cfg: TrainConfig, data: Path) -> tuple[list, object, object]:
    """Full length-bucketed batches of the task's training pairs, and the tokenizers."""
    pairs, source, target = task_pairs(cfg.task, data, cfg.vocab_size)
    encoded = encode_pairs(pairs, source, target, cfg.max_len)
    lengths = [len(s) + len(t) for s, t in encoded]
    size = cfg.batch_size
    batches = [
        collate([encoded[i] for i in b]) for b in bucketed_batches(len(encoded), lengths, size, 0) if len(b) == size
    ]
    return batches, source, target


def make_train_step(model: torch.nn.Module, cfg: TrainConfig, optimizer_for=make_optimizer):
    """One optimizer step on a batch, as seq2seq.train does per batch on one process.

    `optimizer_for(model, cfg)` is the checkout's own `make_optimizer` (its Adam settings).
    """
    optimizer = optimizer_for(model, cfg)

    def train_step(batch) -> None:
        logits, _ = model(batch.src, batch.src_lengths, batch.tgt_in)  # (B, T, V)
        loss = F.cross_entropy(logits.flatten(0, 1), batch.tgt_out.flatten(), ignore_index=PAD, reduction="sum")
        optimizer.zero_grad(set_to_none=True)
        (loss / batch.num_tokens).backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.clip)
        optimizer.step()

    return train_step


def describe(cfg: TrainConfig, model: torch.nn.Module, source, target, batches: list) -> dict:
    return {
        "task": cfg.task,
        "settings": {
            "embedding_size": cfg.embedding_size,
            "hidden_size": cfg.hidden_size,
            "cell": cfg.cell,
            "bidirectional": cfg.bidirectional,
            "scorer": cfg.scorer,
            "batch_size": cfg.batch_size,
        },
        "vocab": {"source": source.vocab_size, "target": target.vocab_size},
        "parameters": model.num_parameters(),
        "mean_lengths": {
            "source": round(sum(float(b.src_lengths.float().mean()) for b in batches) / len(batches), 1),
            "target": round(sum(b.num_tokens / b.src.size(0) for b in batches) / len(batches), 1),
        },
    }


def bench_task(task: str, steps: int, warmup: int, data: Path, settings: str = "shipped") -> dict:
    cfg = task_config(task, settings)
    batches, source, target = task_batches(cfg, data)
    torch.manual_seed(0)
    model = build_model(cfg, source, target).train()
    train_step = make_train_step(model, cfg)
    cycle = itertools.cycle(batches)
    for _ in range(warmup):
        train_step(next(cycle))
    times, tokens, pairs_done = [], 0, 0
    for _ in range(steps):
        batch = next(cycle)
        started = time.perf_counter()
        train_step(batch)
        times.append((time.perf_counter() - started) * 1000)
        tokens += batch.num_tokens
        pairs_done += batch.src.size(0)
    seconds = sum(times) / 1000
    return {
        **describe(cfg, model, source, target, batches),
        "step": summary(times),
        "pairs_per_s": pairs_done / seconds,
        "target_tokens_per_s": tokens / seconds,
    }


def compare_task(task: str, steps: int, warmup: int, data: Path, settings: str, checkout: str) -> dict:
    """This checkout's training step and the baseline's, alternating on the same batches."""
    # a run's pieces: seq2seq/training_parts.py, or train.py in a checkout from before they moved there
    parts = "training_parts" if (Path(checkout) / "seq2seq" / "training_parts.py").is_file() else "train"
    baseline_train = import_baseline(checkout, parts)
    cfg = task_config(task, settings)
    batches, source, target = task_batches(cfg, data)
    torch.manual_seed(0)
    current = build_model(cfg, source, target).train()
    baseline = baseline_train.build_model(cfg, source, target).train()
    baseline.load_state_dict(current.state_dict())  # the same initial weights
    runs = {
        "current": make_train_step(current, cfg),
        "baseline": make_train_step(baseline, cfg, baseline_train.make_optimizer),
    }
    times: dict[str, list[float]] = {"current": [], "baseline": []}
    cycle = itertools.cycle(batches)
    for i in range(warmup + steps):
        batch = next(cycle)
        for label in ("current", "baseline") if i % 2 == 0 else ("baseline", "current"):
            started = time.perf_counter()
            runs[label](batch)
            if i >= warmup:
                times[label].append((time.perf_counter() - started) * 1000)
    ratios = [c / b for c, b in zip(times["current"], times["baseline"], strict=True)]
    return {
        **describe(cfg, current, source, target, batches),
        "current": summary(times["current"]),
        "baseline": summary(times["baseline"]),
        "ratio_of_medians": statistics.median(times["current"]) / statistics.median(times["baseline"]),
        "median_pair_ratio": statistics.median(ratios),
    }


def main_against(args: argparse.Namespace, tasks: list[str]) -> None:
    results = [compare_task(t, args.steps, args.warmup, args.data, args.settings, args.against) for t in tasks]
    header = ["task", "settings", "step ms, this checkout", f"step ms, {args.against}", "ratio", "pair ratio"]
    rows = [
        [
            r["task"],
            f"{r['settings']['scorer']}, emb {r['settings']['embedding_size']}, hidden {r['settings']['hidden_size']}",
            *(f"{r[k]['median_ms']:.1f} / {r[k]['p95_ms']:.1f}" for k in ("current", "baseline")),
            f"{r['ratio_of_medians']:.3f}",
            f"{r['median_pair_ratio']:.3f}",
        ]
        for r in results
    ]
    print(f"{args.settings} settings, {args.threads} threads, {args.steps} timed steps per task, alternating")
    print(markdown_table(header, rows))
    data = {"threads": args.threads, "settings": args.settings, "against": str(args.against), "tasks": results}
    print(f"\nwritten to {write_results('train_throughput-against', data)}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", nargs="+", default=list(SETTINGS), choices=list(SETTINGS))
    parser.add_argument("--steps", type=int, default=40, help="timed optimizer steps per task")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="Tatoeba file for en-fr")
    parser.add_argument("--quick", action="store_true", help="3 timed steps per task: checks that it runs")
    parser.add_argument(
        "--settings", choices=["shipped", "page"], default="shipped", help="the shipped models' or the Train page's"
    )
    parser.add_argument("--against", metavar="CHECKOUT", help="time training steps side by side with another checkout")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    if args.quick:
        args.steps, args.warmup = 3, 1
    tasks = [t for t in args.tasks if t != "en-fr" or args.data.is_file()]
    if len(tasks) < len(args.tasks):
        print(f"en-fr skipped: no Tatoeba file at {args.data} (pass --data)")
    if args.against:
        main_against(args, tasks)
        return
    results = [bench_task(t, args.steps, args.warmup, args.data, args.settings) for t in tasks]
    header = ["task", "model", "params", "step ms (median / p95)", "pairs/s", "target tokens/s"]
    rows = [
        [
            r["task"],
            f"emb {r['settings']['embedding_size']}, biGRU {r['settings']['hidden_size']}, "
            f"vocab {r['vocab']['source']}/{r['vocab']['target']}, ~{r['mean_lengths']['source']:.0f}→"
            f"{r['mean_lengths']['target']:.0f} tokens",
            f"{r['parameters']:,}",
            f"{r['step']['median_ms']:.1f} / {r['step']['p95_ms']:.1f}",
            f"{r['pairs_per_s']:,.0f}",
            f"{r['target_tokens_per_s']:,.0f}",
        ]
        for r in results
    ]
    print(
        f"{args.settings} settings, batch 64, forward + backward + clip + Adam, {args.threads} threads, "
        f"{args.steps} timed steps per task"
    )
    print(markdown_table(header, rows))
    name = "train_throughput" + ("-page" if args.settings == "page" else "") + ("-quick" if args.quick else "")
    path = write_results(name, {"threads": args.threads, "steps": args.steps, "tasks": results})
    print(f"\nwritten to {path}")


if __name__ == "__main__":
    main()
