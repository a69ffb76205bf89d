"""Decoding speed of the shipped models: one step, a greedy decode of ~12 tokens, beam 5.

    python -m bench.decode_speed [--repeats 50] [--threads 1] [--models en-fr/general,en-fr/concat] [--quick]

Prints a markdown table (median and p95 in ms) per model size and writes bench/results/decode_speed.json.
Sentences are chosen per task so that the output is about 12 tokens long.

One torch thread by default: decoding one sentence is a chain of tiny matrix-vector products
that a second thread did not speed up, and while another process held a core, two threads made
half the models' greedy decodes 6-55x slower (medians of 27-203 ms where one thread took 4-7 ms).
"""

from __future__ import annotations

import argparse

import torch

from bench.common import markdown_table, summary, time_calls, write_results
from seq2seq.checkpoint import load_model, registry

SENTENCES = {  # outputs of about 12 tokens
    "reverse": "attention ok",  # 12 characters + </s>
    "dates": "saturday, may 9, 2018",  # 2018-05-09 = 10 characters + </s>
    "en-fr": "We will go to the beach tomorrow with my friends.",
}


def one_model_per_size() -> list[dict]:
    """The models differ by task (vocabulary, sizes) and scorer; time one scorer per task plus 'concat'."""
    picked = []
    for entry in registry():
        if entry.get("cell", "gru") == "gru" and entry.get("scorer") in ("general", "concat"):
            picked.append(entry)
    return picked


def bench_model(name: str, task: str, repeats: int) -> dict:
    translator = load_model(name)
    text = SENTENCES[task]
    state = translator.start(text)
    greedy = translator.greedy(text)
    return {
        "model": name,
        "parameters": translator.model.num_parameters(),
        "output_tokens": len(greedy.steps),
        "step": summary(time_calls(lambda: translator.step(state), repeats)),
        "greedy": summary(time_calls(lambda: translator.greedy(text), repeats)),
        "beam5": summary(time_calls(lambda: translator.beam(text, width=5), max(5, repeats // 5))),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads (default 1, see above)")
    parser.add_argument("--quick", action="store_true", help="5 repeats of the first model only (CI)")
    parser.add_argument("--models", help="comma-separated registry names (default: general and concat of each task)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    models = one_model_per_size()
    if args.models:
        wanted = [name.strip() for name in args.models.split(",") if name.strip()]
        known = {entry["name"]: entry for entry in registry()}
        unknown = [name for name in wanted if name not in known]
        if unknown:
            raise SystemExit(f"unknown models: {', '.join(unknown)} (see python -m seq2seq models)")
        models = [known[name] for name in wanted]
    if not models:
        raise SystemExit("no registered models: train or restore pretrained/ first")
    if args.quick:
        models, args.repeats = models[:1], 5
    results = [bench_model(m["name"], m["task"], args.repeats) for m in models]
    rows = [
        [
            r["model"],
            f"{r['parameters']:,}",
            r["output_tokens"],
            *(f"{r[k]['median_ms']:.2f} / {r[k]['p95_ms']:.2f}" for k in ("step", "greedy", "beam5")),
        ]
        for r in results
    ]
    header = ["model", "params", "output tokens", "step ms (median / p95)", "greedy ms", "beam 5 ms"]
    print(markdown_table(header, rows))
    print(f"\nwritten to {write_results('decode_speed', {'threads': args.threads, 'models': results})}")


if __name__ == "__main__":
    main()
