"""How much a translation model's attention sits on the end of the source (docs/models.md, zh-en).

Greedy decodes of every `--every`-th test source; over their rows (each decode's `</s>` row left out):
the share whose largest weight is on `</s>`, the share on `</s>` or the last character before it, and
the mean top weight.

    python scripts/attention_on_end.py zh-en/dot zh-en/lstm-general
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from seq2seq.checkpoint import load_checkpoint  # noqa: E402
from seq2seq.registry import resolve  # noqa: E402
from seq2seq.tasks import get_task  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="+", help="registered names or checkpoint folders")
    parser.add_argument("--every", type=int, default=50, help="decode every N-th test source")
    args = parser.parse_args()
    for name in args.models:
        folder = Path(name) if Path(name).is_dir() else resolve(name)
        translator = load_checkpoint(folder, name=name)
        task = get_task(translator.metadata["task"])
        sources = list(task.references(translator.metadata["train"]["data"], "test"))[:: args.every]
        on_end = on_last_two = rows = 0
        top = 0.0
        for source in sources:
            trace = translator.greedy(source)
            attention = np.array(trace.attention)[:-1]  # (T - 1, S): the </s> row left out
            if not len(attention):
                continue
            peaks, end = attention.argmax(1), len(trace.source_tokens) - 1
            on_end += int((peaks == end).sum())
            on_last_two += int((peaks >= end - 1).sum())
            top += float(attention.max(1).sum())
            rows += len(attention)
        print(
            f"{name}: {len(sources)} sources, {rows} rows; largest weight on </s> {on_end / rows:.1%}, "
            f"on </s> or the last character {on_last_two / rows:.1%}; mean top weight {top / rows:.3f}"
        )


if __name__ == "__main__":
    main()
