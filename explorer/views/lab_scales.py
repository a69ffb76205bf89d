"""Every threshold the Lab's sentences compare a number with, and the words each band says: one table.

Why one table: a number is read in words in several places (a table's "reading" column, the summary
above or under it, the step, split and scorers views, their Chinese too). With each threshold typed
where it was used, they drifted apart, and a summary could say "barely agree" while the table beside it
said "somewhat alike". Here each measure is a `Scale`: bands, highest first, each from its lower bound
(inclusive) up to the next band's, with its words. Every reading of a number is looked up here, and
tests/test_lab_scales.py checks, at every boundary and in every language, that the summaries say the
words of the table's reading column.

Words are marked with N_ and translated where said (`Scale.words`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from explorer.i18n import N_, _
from seq2seq.lab import names


@dataclass(frozen=True)
class Band:
    """Values from `at_least` (inclusive) up to the band above's bound, said with `words` (N_-marked)."""

    key: str
    at_least: float
    words: str


@dataclass(frozen=True)
class Scale:
    """A measure's bands, highest first; the last one's bound is -inf, so every finite value has one."""

    measure: str  # what is read (for the tests' messages)
    bands: tuple[Band, ...]

    def band(self, value: float) -> Band:
        """The band `value` falls in."""
        return next(b for b in self.bands if value >= b.at_least)

    def words(self, value: float) -> str:
        """The band's words for `value`, in the current language."""
        return _(self.band(value).words)

    def bound(self, key: str) -> float:
        """The lower bound of the band named `key`."""
        return next(b.at_least for b in self.bands if b.key == key)

    def boundaries(self) -> tuple[float, ...]:
        """Every finite bound, highest first (where the words change)."""
        return tuple(b.at_least for b in self.bands if math.isfinite(b.at_least))


# Kendall's τ between two rankings of the source tokens, as what the rankings do: each follows "attention
# and gradient × input" (or similar) in a sentence, and also stands alone in a table's "reading" column.
TAU = Scale(
    "Kendall's tau",
    (
        # Translators: each of these follows "attention and gradient × input" (or similar) in a sentence,
        # and also stands alone in a table's "reading" column.
        Band("much", 0.6, N_("rank the tokens much alike")),
        Band("somewhat", 0.3, N_("rank the tokens somewhat alike")),
        Band("barely", 0.1, N_("barely agree")),
        Band("unrelated", -0.1, N_("do not agree: unrelated rankings")),
        Band("opposite", -math.inf, N_("rank the tokens in opposite orders")),
    ),
)
TAU_UNDEFINED = N_("cannot be compared (one gives every token the same value)")

# Shuffled attention (Jain & Wallace 2019, §4.2.1), one step's shuffles or a split's typical example: the
# share of shuffles that change the chosen token, and the median total variation distance between the
# output distributions. Decides: from SHUFFLES_DECIDE of them changing the token; hardly matters: below
# both CHANGED_MATTERS and TVD_MATTERS; matters: between.
SHUFFLES_DECIDE = 0.5
CHANGED_MATTERS = 0.05
TVD_MATTERS = 0.05
PERMUTATION_WORDS = {
    # Translators: the verdict comes after a colon, at the end of the reading's first sentence.
    "step": {
        "decides": N_("where the weight goes decides this step: most shuffles change the token"),
        "matters": N_("where the weight goes matters, though the token often survives"),
        "hardly": N_("where the weight goes hardly matters at this step: attention is not what decides it"),
    },
    "split": {
        "decides": N_("where attention goes decides this model's tokens: most shuffles change them"),
        "matters": N_("where attention goes matters to this model"),
        "hardly": N_("this model hardly minds where its attention goes"),
    },
}


def permutation_band(tvd: float, changed: float) -> str:
    """ "decides", "matters" or "hardly": what shuffling attention did (median TVD, share changed)."""
    if changed >= SHUFFLES_DECIDE:
        return "decides"
    if changed >= CHANGED_MATTERS or tvd >= TVD_MATTERS:
        return "matters"
    return "hardly"


def permutation_words(tvd: float, changed: float, view: str) -> str:
    """The verdict on shuffled attention, for the step or the split view, in the current language."""
    return _(PERMUTATION_WORDS[view][permutation_band(tvd, changed)])


# Adversarial attention (Jain & Wallace 2019, §4.2.2): the Jensen–Shannon divergence reached from the
# model's own row, as a share of its maximum (ln 2), with the output kept within the bound.
ADVERSARIAL = Scale(
    "JSD, share of ln 2",
    (
        # Translators: the verdict comes after a colon, at the end of the reading's first sentence.
        Band(
            "free",
            0.5,
            N_(
                "a very different attention gives (almost) the same prediction, so this step's attention is one "
                "explanation among many"
            ),
        ),
        Band("loose", 0.15, N_("a noticeably different attention gives (almost) the same prediction")),
        Band(
            "pinned",
            -math.inf,
            N_("no attention much different from the model's own keeps the prediction: the output pins it down"),
        ),
    ),
)

# Seed variance (Wiegreffe & Pinter 2019, variance over seeds): the share of steps whose adversarial
# attention is further from the model's own than every other seed's attention is. From SEED_FURTHER on,
# the search finds rows that training with another seed does not reach.
SEED_FURTHER = Scale(
    "share of steps where the adversarial attention is further than every seed's",
    (
        # Translators: the verdict comes after a colon, at the end of a sentence.
        Band(
            "further",
            0.5,
            N_(
                "the adversarial rows lie beyond where another seed's training lands, so the model's own is not"
                " arbitrary"
            ),
        ),
        Band(
            "within",
            -math.inf,
            N_("another seed's attention is as far away, so training alone moves attention as much as the search"),
        ),
    ),
)

# Uniform attention swapped in at inference (1/S at every step of a model trained with its own weights): what
# the task's metric loses, in points of exact match or in BLEU. This asks whether *this model* uses where its
# weights go; it is not Wiegreffe & Pinter's experiment (theirs is TRAINED_UNIFORM below).
UNIFORM_LOSS = Scale(
    "metric lost with uniform attention swapped in",
    (
        # Translators: the verdict comes after a colon, at the end of a sentence.
        Band("uses", 5.0, N_("this model depends on where its own weights go")),
        Band("spare", -math.inf, N_("this model hardly notices the swap")),
    ),
)

# Wiegreffe & Pinter's (2019) baseline: a model of the same task *trained* with uniform attention from the
# start. How far it falls below the model's own score (points of exact match, or BLEU; negative: above it)
# says whether the task needs a choice of where to look.
TRAINED_UNIFORM = Scale(
    "metric the model trained with uniform attention falls below the model's own",
    (
        # Translators: the verdict comes after a colon, at the end of a sentence.
        Band("needed", 5.0, N_("the task needs a choice of where to look")),
        Band(
            "helps",
            1.0,
            N_("choosing where to look helps, but a model without that choice does nearly as well"),
        ),
        Band(
            "level",
            -math.inf,
            N_(
                "the task can be done without choosing where to look, so this model's attention shows how it "
                "organised itself, not what the task requires"
            ),
        ),
    ),
)

# One step's importances: the chosen token's probability above SATURATED makes a saturated step (f is flat
# around the source, so gradient × input, a local slope, says little: the step view warns and says whether
# integrated gradients and leave-one-out, which are not local, still have something to rank); a τ whose p-value is below
# ALPHA is significant. Both are seq2seq.lab's own (seq2seq.lab.names), so that the app reads a step as the
# lab's summaries count it.
SATURATED = names.SATURATED
ALPHA = names.ALPHA
P_SHOWN = 0.001  # a p-value below it is shown as "< 0.001" (its digits say nothing more)


def significant(p: float | None) -> bool:
    """Whether a τ with p-value `p` is significant (p below ALPHA); False when p is undefined."""
    return p is not None and math.isfinite(p) and p < ALPHA


# The scorer table: attention whose argmax sits on the gold source token, by its alignment error rate.
ALIGNED_AER = 0.1  # below it, "closest to the gold alignment" is worth setting beside τ


def tau_words(tau: float | None) -> str:
    """What two rankings with Kendall's tau `tau` do, as a verb phrase ("attention and X ...")."""
    if tau is None or not math.isfinite(tau):
        return _(TAU_UNDEFINED)
    return TAU.words(tau)
