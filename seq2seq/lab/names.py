"""The names of the attention lab's importances and experiments, in the order every list shows them,
without importing torch.

The importances are computed by `seq2seq.lab.importance` (Captum) and compared by
`seq2seq.lab.agreement` (SciPy); the experiments are run by `seq2seq.lab.run` and the shipped models'
results stored by `seq2seq.lab.results`. Their names are also here because the app's Lab and Decode
pages, the lessons' claims and scripts/lab_results.py need them without loading torch, Captum or SciPy,
which those modules do.

A new importance: a field of `seq2seq.lab.importance.StepImportance`, computed there, and its name here.
A new experiment: its module in seq2seq/lab/, its branch in `seq2seq.lab.run.run`, and its name here
(in NEEDS_ATTENTION too when it changes a model's attention; in MODEL_EXPERIMENTS when the shipped
models' results store it for every model, in WHERE_THEY_APPLY when they store it only where it applies).
"""

# The importances of the source tokens for one decoding step, as `StepImportance` names its fields.
IMPORTANCES = ("grad_x_input", "integrated_gradients", "leave_one_out")
# Their two definitions (`lab --measures`, docs/cli.md "The lab's measures"): every value signed, with </s>
# ranked; or Jain & Wallace's (2019): magnitudes, the gradient with attention detached, leave-one-out by
# deletion, special tokens left out of every ranking.
MEASURES = ("signed", "jain-wallace")
# How leave-one-out takes a token out: deleted (the rest re-encoded), or replaced by the learned <unk>.
LOO_METHODS = ("deletion", "unk")
# A step whose chosen token has p above this is saturated: f is flat around x, so its local gradient (gradient
# x input) is tiny; integrated gradients and leave-one-out are not local (`StepImportance.saturated`; the
# app's Lab warns there and says which still has something to rank, explorer.views.lab_step).
SATURATED = 0.99
# A tau is significant when the test of no association gives p below this (`seq2seq.lab.agreement`).
ALPHA = 0.05
# A step ranking fewer tokens enters no tau mean or share (two tokens give tau = +-1 with p = 1: no information).
MIN_RANKED = 3
# The floor of a readable ranking (issue 64): an importance whose values are all smaller than this ranks noise.
# Integrated gradients share out f(x) - f(x'), so below it (in nats) they have nothing to attribute: the step
# leaves every tau with integrated gradients (`seq2seq.lab.agreement`), and its convergence is not judged;
# gradient x input and leave-one-out below it where their largest magnitude is (nats; Jain & Wallace's
# leave-one-out is a total variation, read against the same number). The app's Lab says which rankings of a
# step cannot be read (`StepImportance.below_floor`, explorer.views.lab_step).
READABLE = 0.01
# Integrated gradients converge when |delta| is within this share of |f(x) - f(x')| (and within max(0.01 nats,
# 1%) of it: seq2seq.lab.integrated.tolerance), above the floor.
IG_SHARE = 0.05


def pairs(has_attention: bool = True) -> tuple[str, ...]:
    """The compared pairs' keys, "a~b": attention with each importance (with attention), then the
    importances with each other."""
    names = (("attention",) if has_attention else ()) + IMPORTANCES
    return tuple(f"{a}~{b}" for i, a in enumerate(names) for b in names[i + 1 :])


# What `python -m seq2seq lab --experiment` runs.
EXPERIMENTS = (
    "agreement",
    "permutation",
    "adversarial",
    "seed_variance",
    "uniform",
    "length",
    "override",
    "alignment",
    "table",
)
# The experiments that change a model's attention: a model without it (scorer `none`) has nothing to change.
NEEDS_ATTENTION = frozenset({"permutation", "adversarial", "uniform", "override"})
# The experiments that read the attention a model learned: `none` has none, and a fixed one's (uniform) is
# the same for every model (`seq2seq.scorers.learns_where_to_look`).
READS_LEARNED_ATTENTION = frozenset({"seed_variance", "alignment"})
# The experiments stored per model beside the shipped models (pretrained/lab/<task>.json), and those a
# model without attention has; a task's file also stores its scorer table ("table").
MODEL_EXPERIMENTS = ("agreement", "permutation", "uniform", "length")
WITHOUT_ATTENTION = tuple(name for name in MODEL_EXPERIMENTS if name not in NEEDS_ATTENTION)
# Stored per model beside MODEL_EXPERIMENTS only where they apply (scripts/lab_results.py): adversarial on every
# model that learns where to look; alignment on those of a task with gold alignments (reverse, dates);
# seed_variance on those whose models of other seeds are found (`seq2seq.lab.seeds`). A reader takes each
# when it is there.
WHERE_THEY_APPLY = ("adversarial", "seed_variance", "alignment")
# A model whose attention is fixed (scorer `uniform`, trained as Wiegreffe & Pinter's baseline) stores only
# these: the others would perturb or rank weights that it never chose.
FIXED_ATTENTION = ("length",)
# What a task's file can hold, and a lesson's lab claim can cite: the experiments of each model, then its table.
STORED_EXPERIMENTS = (*MODEL_EXPERIMENTS, *WHERE_THEY_APPLY, "table")
