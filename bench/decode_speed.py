"""Decoding speed of the shipped models: one step, a greedy decode of ~12 tokens, beam 5.

    python -m bench.decode_speed [--repeats 50] [--threads 1] [--models en-fr/general,en-fr/concat] [--quick]
    python -m bench.decode_speed --against ../old-checkout [--models ...]   # greedy, side by side

Prints a markdown table (median and p95 in ms) per model size and writes bench/results/decode_speed.json.
Sentences are chosen per task so that the output is about 12 tokens long. Beside each model, the
"host probe": the median µs of one fixed memory-bound product taken just before its timings
(`host_probe_us`), which says how busy the shared host was (about 78 µs quiet here).

`--against CHECKOUT` times the greedy decode of this checkout's seq2seq and of another's (say
`git worktree add ../old HEAD~1`) in one process, alternating call by call on the same shipped
weights, and reports both and their ratio (decode_speed-against.json). On a host whose speed
drifts from minute to minute (a shared machine), that ratio is what a change is judged by: two
separate runs can differ by more than the change.

One torch thread by default: decoding one sentence is a chain of tiny matrix-vector products
that a second thread did not speed up, and while another process held a core, two threads made
half the models' greedy decodes 6-55x slower (medians of 27-203 ms where one thread took 4-7 ms).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from types import ModuleType

import torch

from bench.common import host_probe_us, import_baseline, markdown_table, summary, time_calls, write_results
from seq2seq.checkpoint import load_model
from seq2seq.registry import ModelEntry, default_root, registry

SENTENCES = {  # outputs of about 12 tokens
    "reverse": "attention ok",  # 12 characters + </s>
    "dates": "saturday, may 9, 2018",  # 2018-05-09 = 10 characters + </s>
    # 12 tokens from en-fr's general, concat and lstm-general models (</s> included); the sentence
    # before the release that retrained them ("We will go to the beach tomorrow with my
    # friends.") now gives 11 from general and concat.
    "en-fr": "We want to go to the beach tomorrow with my friends.",
}


def one_model_per_size() -> list[ModelEntry]:
    """The models differ by task (vocabulary, sizes) and scorer; time one scorer per task plus 'concat'."""
    picked = []
    for entry in registry():
        if entry.cell == "gru" and entry.scorer in ("general", "concat"):
            picked.append(entry)
    return picked


def bench_model(name: str, task: str, repeats: int) -> dict:
    translator = load_model(name)
    text = SENTENCES[task]
    state = translator.start(text)
    greedy = translator.greedy(text)
    return {
        "model": name,
        "host_probe_us": host_probe_us(),
        "parameters": translator.model.num_parameters(),
        "output_tokens": len(greedy.steps),
        "step": summary(time_calls(lambda: translator.step(state), repeats)),
        "greedy": summary(time_calls(lambda: translator.greedy(text), repeats)),
        "beam5": summary(time_calls(lambda: translator.beam(text, width=5), max(5, repeats // 5))),
    }


def baseline_checkpoint_module(checkout: str) -> ModuleType:
    """`seq2seq.checkpoint` of another checkout, imported beside this one as `seq2seq_baseline`."""
    module = import_baseline(checkout, "checkpoint")
    # Both copies load the same shipped weights: the baseline's registry is this checkout's.
    os.environ.setdefault("ATTENTION_EXPLORER_PRETRAINED", str(default_root()))
    return module


def compare_greedy(name: str, task: str, repeats: int, baseline: ModuleType) -> dict:
    """Greedy decode of this checkout and the baseline, timed alternately (order swapped every call)."""
    current, other = load_model(name), baseline.load_model(name)
    text = SENTENCES[task]
    same = [s.token_id for s in current.greedy(text).steps] == [s.token_id for s in other.greedy(text).steps]
    timings: dict[str, list[float]] = {"current": [], "baseline": []}
    pairs = [("current", current), ("baseline", other)]
    for _ in range(3):  # warm-up
        current.greedy(text), other.greedy(text)
    for i in range(repeats):
        for label, translator in pairs if i % 2 == 0 else pairs[::-1]:
            started = time.perf_counter()
            translator.greedy(text)
            timings[label].append((time.perf_counter() - started) * 1000)
    ratios = [c / b for c, b in zip(timings["current"], timings["baseline"], strict=True)]
    return {
        "model": name,
        "host_probe_us": host_probe_us(),
        "same_output": same,
        "current": summary(timings["current"]),
        "baseline": summary(timings["baseline"]),
        "ratio_of_medians": statistics.median(timings["current"]) / statistics.median(timings["baseline"]),
        "median_pair_ratio": statistics.median(ratios),
    }


def main_against(checkout: str, models: list[ModelEntry], repeats: int, threads: int) -> None:
    baseline = baseline_checkpoint_module(checkout)
    results = [compare_greedy(m.name, m.task, repeats, baseline) for m in models]
    rows = [
        [
            r["model"],
            *(f"{r[k]['median_ms']:.2f} / {r[k]['p95_ms']:.2f}" for k in ("current", "baseline")),
            f"{r['ratio_of_medians']:.3f}",
            f"{r['median_pair_ratio']:.3f}",
            "yes" if r["same_output"] else "NO",
            f"{r['host_probe_us']:.0f}",
        ]
        for r in results
    ]
    header = [
        "model",
        "greedy ms, this checkout",
        f"greedy ms, {checkout}",
        "ratio",
        "pair ratio",
        "same output",
        "host probe µs",
    ]
    print(markdown_table(header, rows))
    data = {"threads": threads, "against": str(checkout), "models": results}
    print(f"\nwritten to {write_results('decode_speed-against', data)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads (default 1, see above)")
    parser.add_argument("--quick", action="store_true", help="5 repeats of the first model only (CI)")
    parser.add_argument("--models", help="comma-separated registry names (default: general and concat of each task)")
    parser.add_argument("--against", metavar="CHECKOUT", help="time greedy decoding side by side with another checkout")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    models = one_model_per_size()
    if args.models:
        wanted = [name.strip() for name in args.models.split(",") if name.strip()]
        known = {entry.name: entry for entry in registry()}
        unknown = [name for name in wanted if name not in known]
        if unknown:
            raise SystemExit(f"unknown models: {', '.join(unknown)} (see python -m seq2seq models)")
        models = [known[name] for name in wanted]
    if not models:
        raise SystemExit("no registered models: train or restore pretrained/ first")
    if args.quick:
        models, args.repeats = models[:1], 5
    if args.against:
        main_against(args.against, models, args.repeats, args.threads)
        return
    results = [bench_model(m.name, m.task, args.repeats) for m in models]
    rows = [
        [
            r["model"],
            f"{r['parameters']:,}",
            r["output_tokens"],
            *(f"{r[k]['median_ms']:.2f} / {r[k]['p95_ms']:.2f}" for k in ("step", "greedy", "beam5")),
            f"{r['host_probe_us']:.0f}",
        ]
        for r in results
    ]
    header = ["model", "params", "output tokens", "step ms (median / p95)", "greedy ms", "beam 5 ms", "host probe µs"]
    print(markdown_table(header, rows))
    print(f"\nwritten to {write_results('decode_speed', {'threads': args.threads, 'models': results})}")


if __name__ == "__main__":
    main()
