"""The names of the attention scorers, in the order every list shows them, without importing torch.

The scorers themselves, with their formula, LaTeX, reference and one-line description as class data,
are the classes of `seq2seq.attention`; each registers under its name there (`SCORER_CLASSES`), and
`make_scorer`, `SCORER_INFO`, the configs' choices and the scripts all read that registry. Their
names are also here because the configs (`seq2seq.config`), the app's catalog of models and the
Train page need them without importing torch, which `seq2seq.attention` does. Importing
`seq2seq.attention` checks that the two agree: a class whose name is not listed here, or a name
here without a class, is an ImportError naming it.

A new scorer: its class in seq2seq/attention.py (`class MyScorer(Scorer, name="mine")` with its
formula, latex, reference and description), and its name here; a scorer that scores source positions
rather than source states (`positional`) is also named in POSITIONAL, one whose weights do not depend
on the states (`fixed`) in FIXED.
"""

from collections.abc import Sequence

SCORERS = ("none", "dot", "general", "concat", "scaled_dot", "location", "uniform")
# The scorer every page and command opens on, and the fallback when a link names a scorer a task lacks.
DEFAULT_SCORER = "general"
# Scorers with one learned row per source position (the keys unused): a model takes sources only up to
# the length it was trained on, so that every row it uses has been trained (Scorer.positional).
POSITIONAL = ("location",)
# Scorers whose weights do not depend on the states (Scorer.fixed): uniform, a baseline. The lab runs
# its experiments on the scorers that learn where to look (`learns_where_to_look`) and compares them
# with these.
FIXED = ("uniform",)


def default_scorer(scorers: Sequence[str]) -> str:
    """DEFAULT_SCORER when it is among `scorers` (a task's), else the first of them."""
    return DEFAULT_SCORER if DEFAULT_SCORER in scorers else scorers[0]


def learns_where_to_look(scorer: str) -> bool:
    """Whether `scorer`'s attention weights are learned from the states (not none's, not a fixed one's)."""
    return scorer != "none" and scorer not in FIXED


def is_positional(scorer: str) -> bool:
    """Whether `scorer` learns one score per source position (its models take only trained lengths)."""
    return scorer in POSITIONAL
