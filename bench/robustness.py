"""How the shipped character models hold up on input as users type it.

Two measures, each on fresh inputs the models never trained on (the test split of a stream of its own):
- reverse: exact match on strings typed the way a user types them (words of letters joined by single
  spaces, no space at either end; `seq2seq.tasks.reverse.typed_examples`), lengths 1-30, beside
  exact match on the task's own test split. The bar: >= 99% for every attention scorer.
- dates: exact match on dates where one character outside the day, month and year is replaced by a
  symbol the model never saw (`seq2seq.evaluate.unknown_symbol_exact_match`). The bar:
  >= 95% for every attention scorer.

    python -m bench.robustness                    # every shipped reverse and dates model
    python -m bench.robustness --root runs        # models in runs/<task>/<scorer> instead
    python -m bench.robustness --quick            # 50 inputs a model: checks that it runs

Prints a markdown table per task and writes JSON to bench/results/robustness.json.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import markdown_table, write_results  # noqa: E402
from seq2seq.checkpoint import load_checkpoint, load_model  # noqa: E402
from seq2seq.metrics import exact_match  # noqa: E402
from seq2seq.scorers import SCORERS  # noqa: E402
from seq2seq.tasks import reverse  # noqa: E402


def _translator(task: str, scorer: str, root: Path | None):
    if root is None:
        return load_model(f"{task}/{scorer}")
    return load_checkpoint(root / task / scorer)


def reverse_rows(size: int, root: Path | None) -> list[dict]:
    """Exact match of each reverse model on `size` typed strings and on `size` test-split strings."""
    typed = reverse.typed_examples(size, seed=0)
    test = reverse.examples("test", size, seed=0)
    rows = []
    for scorer in SCORERS:
        translator = _translator("reverse", scorer, root)
        typed_out = translator.translate_batch([e.source for e in typed], refused=[])
        test_out = translator.translate_batch([e.source for e in test], refused=[])
        wrong_long = sum(o != e.target and len(e.source) >= 26 for o, e in zip(typed_out, typed, strict=True))
        rows.append(
            {
                "model": f"reverse/{scorer}",
                "typed_exact_match": exact_match(typed_out, [e.target for e in typed]),
                "test_exact_match": exact_match(test_out, [e.target for e in test]),
                "typed_errors": sum(o != e.target for o, e in zip(typed_out, typed, strict=True)),
                "typed_errors_len_26_30": wrong_long,
            }
        )
    return rows


def dates_rows(size: int, root: Path | None) -> list[dict]:
    """Exact match of each dates model on `size` dates with one unknown symbol outside day, month, year."""
    from seq2seq.evaluate import unknown_symbol_exact_match

    return [
        {
            "model": f"dates/{scorer}",
            "unknown_symbol_exact_match": unknown_symbol_exact_match(_translator("dates", scorer, root), size)[
                "unk_exact_match"
            ],
        }
        for scorer in SCORERS
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=3000, help="inputs per model (default 3000)")
    parser.add_argument("--root", type=Path, help="read models from ROOT/<task>/<scorer> instead of the registry")
    parser.add_argument("--tasks", nargs="+", default=["reverse", "dates"], choices=("reverse", "dates"))
    parser.add_argument("--quick", action="store_true", help="50 inputs a model: checks that it runs")
    args = parser.parse_args()
    size = 50 if args.quick else args.size
    results: dict[str, list[dict]] = {}
    if "reverse" in args.tasks:
        results["reverse"] = reverse_rows(size, args.root)
        print(f"\nreverse, {size} typed strings (bar: >= 99% for every attention scorer)\n")
        header = ["model", "typed exact match", "test-split exact match", "typed errors", "of them at length 26-30"]
        print(
            markdown_table(
                header,
                [
                    [
                        r["model"],
                        f"{r['typed_exact_match']:.2%}",
                        f"{r['test_exact_match']:.2%}",
                        r["typed_errors"],
                        r["typed_errors_len_26_30"],
                    ]
                    for r in results["reverse"]
                ],
            )
        )
    if "dates" in args.tasks:
        results["dates"] = dates_rows(min(size, 400), args.root)
        print(f"\ndates, {min(size, 400)} dates with one unknown symbol (bar: >= 95% for every attention scorer)\n")
        rows = [[r["model"], f"{r['unknown_symbol_exact_match']:.2%}"] for r in results["dates"]]
        print(markdown_table(["model", "exact match"], rows))
    print(f"\nwritten to {write_results('robustness', {'size': size, 'results': results})}")


if __name__ == "__main__":
    main()
