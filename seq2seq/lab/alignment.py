"""Word alignment from the importances (Ding, Xu & Koehn 2019, "Saliency-driven Word Alignment
Interpretation for Neural Machine Translation", WMT).

Attention's argmax is a poor word aligner; Ding et al. align each target word instead with the source
word that a saliency (a gradient-based importance) ranks first, and find a lower alignment error rate
than attention's. The same comparison is made here on the tasks with gold alignments (reverse, dates),
with the lab's three importances (`seq2seq.lab.importance.step_importances`, the signed measures):

For each example (source x, gold target y, gold spans), teacher-forced on y: at every step t whose
target token has a gold span, with the prefix y_<t and the explained token w = y_t,

    link_attention(t) = argmax_s a_ts                    over every source position (</s> included)
    link_m(t)         = argmax_{s != </s>} m_s(x; w)     m = gradient x input, integrated gradients,
                                                             leave-one-out (signed: the token that
                                                             raised log p(w) most)

(the first position on a tie), and each measure's links are scored against the gold with the alignment
error rate of Och & Ney (2003), pooled over the examples (`seq2seq.lab.table.aer`: a one-token gold span
is a sure link, a wider one possible links):

    AER = 1 - (|A ∩ S| + |A ∩ P|) / (|A| + |S|)

Attention's argmax is taken as the scorer table takes it (its AER here is the table's AER on these
sources): attention chooses to put weight on </s>, and that choice is its alignment. An importance of
</s> says how the end-of-source marker moved log p(w), which is no word of the source, so the
importances' argmax leaves it out. "attention_on_eos" counts the linked steps whose attention argmax
is </s> (always a wrong link), so the two rules can be told apart.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from seq2seq.decoding import Translator

from .importance import SPECIAL_IDS, step_importances
from .names import IMPORTANCES
from .table import _target_ids, aer

MEASURES = ("attention", *IMPORTANCES)  # in the order results list them


def _argmax(values: Sequence[float], allowed: Sequence[int]) -> int:
    """The first position of `allowed` with the largest value."""
    return max(allowed, key=lambda s: (values[s], -s))


def alignment_example(translator: Translator, example, ig_steps: int | None = None) -> dict:
    """One gold example: each linked step's argmax under attention and each importance (module docstring).

    `example`: a `seq2seq.tasks.base.Example` with its alignment. Returns {"source", "target", "links":
    [t of each step with a gold span], "argmax": {measure: [source position per linked step]},
    "attention_on_eos": linked steps whose attention argmax is </s>}.
    """
    source_ids = translator.encode_source(example.source)
    words = [s for s, i in enumerate(source_ids) if i not in SPECIAL_IDS]
    eos = len(source_ids) - 1
    target = _target_ids(translator, example.target)
    links = [t for t, span in enumerate(example.alignment) if span is not None and t < len(target)]
    argmax: dict[str, list[int]] = {m: [] for m in MEASURES}
    for t in links:
        step = step_importances(translator, example.source, target[:t], target[t], ig_steps, measures=("signed",))
        found = step["signed"]
        argmax["attention"].append(_argmax(found.attention, range(len(source_ids))))
        for name in IMPORTANCES:
            argmax[name].append(_argmax(getattr(found, name), words))
    return {
        "source": example.source,
        "target": example.target,
        "links": links,
        "argmax": argmax,
        "attention_on_eos": sum(1 for s in argmax["attention"] if s == eos),
    }


def one_hot_rows(example: dict, measure: str, width: int) -> list[list[float]]:
    """`measure`'s links of an `alignment_example` as the rows `seq2seq.lab.table.aer` takes: one per target
    position up to the last link, 1 at the argmax (a step without a gold span gets a row of zeros: no link)."""
    rows = [[0.0] * width for _ in range(max(example["links"], default=-1) + 1)]
    for t, s in zip(example["links"], example["argmax"][measure], strict=True):
        rows[t][s] = 1.0
    return rows


def split_alignment(per_example: Sequence[dict], golds: Sequence[Sequence]) -> dict:
    """The pooled AER of every measure over `alignment_example`s with their gold spans (`golds[i]`), from
    their stored argmaxes: {"aer": {measure: AER}, "steps", "examples", "attention_on_eos"}."""
    found = {}
    for measure in MEASURES:
        matrices = [one_hot_rows(e, measure, 1 + max(e["argmax"][measure], default=0)) for e in per_example]
        found[measure] = aer(matrices, golds)
    return {
        "aer": found,
        "steps": sum(len(e["links"]) for e in per_example),
        "examples": len(per_example),
        "attention_on_eos": sum(e["attention_on_eos"] for e in per_example),
    }


def alignment(
    translator: Translator,
    examples: Sequence,
    ig_steps: int | None = None,
    progress: Callable[[int], object] | None = None,
) -> dict:
    """`alignment_example` for each gold example: {"per_example", "summary"} (`split_alignment`, with
    "measures": "signed" and "importances"). `progress(1)` after each example; Ctrl-C keeps the finished
    ones ("interrupted": True)."""
    per_example, golds = [], []
    interrupted = False
    try:
        for example in examples:
            per_example.append(alignment_example(translator, example, ig_steps))
            golds.append(list(example.alignment))
            if progress is not None:
                progress(1)
    except KeyboardInterrupt:
        interrupted = True
    summary = split_alignment(per_example, golds)
    summary |= {"measures": "signed", "importances": list(IMPORTANCES), "interrupted": interrupted}
    return {"per_example": per_example, "summary": summary}
