"""The Lab page: which of its three views a link opens, and what each view measures. Plain Python.

The open view is in the URL as `view=step|split|scorers` (`lab_view`, parsed by explorer.state.params);
each view's logic is a module of its own, tested without Streamlit:

- **step** (explorer.views.lab_step): one output token of the greedy decode of one sentence: attention
  beside three importances of the source tokens with Kendall's tau between them, and that step's
  attention permuted and adversarial;
- **split** (explorer.views.lab_split): one model over a whole test split, from the stored results;
- **scorers** (explorer.views.lab_scorers): every scorer of a task: the scorer table and quality against
  source length.

What they share: the words and numbers of their readings (explorer.views.lab_readings) and the stored
results (explorer.views.lab_stored). Each view's explanation, with what the papers found, is here
(`EXPLANATIONS`, said by `explanation`): in words only, as the papers' numbers come from
seq2seq/lab/papers.toml, each labelled with its setting (explorer.views.lab_readings). Module constants
are marked with N_ and translated where they are shown.
"""

from __future__ import annotations

from collections.abc import Mapping

from explorer import i18n
from explorer.i18n import N_, _
from explorer.state import params
from explorer.views import lab_scales
from seq2seq.messages import Message
from seq2seq.scorers import learns_where_to_look

VIEWS = ("step", "split", "scorers")
VIEW_LABELS = {
    "step": N_("This sentence, this step"),
    "split": N_("This model, a whole split"),
    "scorers": N_("All scorers"),
}
EXPLANATIONS = {
    "step": N_(
        '**Does attention explain this word?** Three other answers to "which source tokens made the '
        'model choose this token?", each computed on the model itself with the output so far held '
        "fixed: *gradient × input* (how fast the token's log-probability moves with each source "
        "embedding, times the embedding: signed, negative where the token lowered it), *integrated "
        "gradients* (Sundararajan et al. 2017: the same, summed along a path from a source of padding, "
        "run until the sum misses the log-probability's change by at most δ) and *leave-one-out* (how much "
        "the log-probability drops without that token: the token deleted and the rest re-encoded, or, "
        "where the model's training taught it `<unk>`, replaced by `<unk>`; some models never trained "
        "theirs). The *Jain & Wallace* switch takes their definitions: magnitudes, the gradient with "
        "attention held fixed, leave-one-out as the total variation between the whole output distributions "
        "(their Algorithm 1), `</s>` not ranked ({measures}). Where the model is sure of its token (p above "
        "{saturated}) the local slope, gradient × input, is flat; integrated gradients and leave-one-out are "
        "not local, and the step says which of them still has something to rank. Kendall's τ compares two rankings of "
        "the source tokens: 1 the same order, 0 unrelated, −1 reversed, with its p-value (Kendall's "
        "test: a small p, a τ unlikely between unrelated rankings). Jain & Wallace (2019, *Attention is "
        "not Explanation*) asked the same of BiLSTM text classifiers and found attention frequently "
        "uncorrelated with gradients; "
        "where the app quotes a paper's number, it is labelled with the kind of model it was measured on, "
        "never as if measured on these. **Permute** shuffles this step's attention "
        "(their {permutation}); **Adversarial attention** (their {adversarial}) searches for the attention farthest "
        "from the model's own that leaves the prediction within a total variation of {epsilon} (their value for "
        "question answering; {classification} for text classification). To put a step's "
        "attention where you choose, use the Decode page's *Attention override* tab; how much of the rest of "
        "the output survives such an override (Moradi et al. 2019) is `lab --experiment override`."
    ),
    "split": N_(
        "**The same questions over a whole test split**, from results computed once and stored beside "
        "the models. *Agreement*: τ between attention and each importance at every greedy step, "
        "averaged per example (Jain & Wallace 2019 asked the same of BiLSTM text classifiers; a paper's "
        "number, where quoted, says which). *Permutation* (their "
        "{permutation}): how far the output distribution moves when a step's attention is shuffled (total "
        "variation distance, 0 = unchanged, 1 = disjoint) and how often the chosen token changes; on "
        "many classifier instances they found it barely moved. *Uniform* (Wiegreffe & Pinter 2019, "
        "*Attention is not not Explanation*): the task's metric when every step attends to every "
        "source token equally, `</s>` included, swapped in at inference; beside it a model *trained* with "
        "uniform attention, their baseline, which on several classification sets lost little (theirs "
        "spreads the weight over the real tokens only). Medians come with their 95% bootstrap intervals."
    ),
    "scorers": N_(
        "**One architecture, every scorer**, as Luong et al. (2015, Table 4) compared attention "
        "functions by perplexity and BLEU: here perplexity (teacher-forced), the task's metric, the "
        "alignment error rate against the gold alignments (reverse and dates: Och & Ney's AER, 0 = "
        "attention's argmax always on the right source token; Koehn & Knowles 2017 found attention "
        "often shifted by one from the alignment), the mean attention entropy (nats: 0 = all weight on "
        "one token) and the mean τ(attention, integrated gradients). The curves are Bahdanau et al.'s "
        "(2015) Fig. 2: quality against source length, where a model without attention (`none`) falls "
        "off on long inputs."
    ),
}
NONE_NOTE = N_(
    "This model has no attention (scorer `none`): the decoder reads only the encoder's final state. "
    "The three importances still say which source tokens mattered, and how much they agree with each "
    "other; there is no attention to compare them with, permute or replace."
)


def lab_models(models: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """The task -> scorers the Lab offers: those that learn where to look, and `none` (the importances alone).

    A fixed scorer (uniform) is left out: its attention is 1/S by construction, so there is nothing to
    compare, permute or search; it is the baseline of the uniform experiment instead (its stored results)."""
    kept = {task: [s for s in scorers if s == "none" or learns_where_to_look(s)] for task, scorers in models.items()}
    return {task: scorers for task, scorers in kept.items() if scorers}


def explanation(which: str) -> str:
    """The view `which`'s explanation (`EXPLANATIONS`) in the current language, its thresholds filled in from
    explorer.views.lab_scales."""
    from seq2seq.lab import papers

    epsilon = papers.JAIN_WALLACE_EPSILON
    return _(EXPLANATIONS[which]).format(
        saturated=i18n.number(lab_scales.SATURATED, 2),
        measures=papers.section("measures"),
        permutation=papers.section("permutation"),
        adversarial=papers.section("adversarial"),
        epsilon=i18n.number(epsilon["question answering"], 2),
        classification=i18n.number(epsilon["text classification"], 2),
    )


def lab_view(raw: str | None) -> tuple[str, tuple[Message, ...]]:
    """The view a link names (`view=`), and a note when it names none of VIEWS (then "step"): the Lab's
    parameter as explorer.state.params parses it.

    The note keeps its template and values, so that the page shows it in the language it is drawn in
    (explorer.i18n.errors.message_of); as a string it is the English."""
    found = params.parse("lab", {} if raw is None else {"view": raw}, view=VIEWS)
    return found.values["view"], found.notes


def lab_link(link: Mapping[str, str], view: str) -> dict[str, str]:
    """A share link's parameters (explorer.state.view.link_params(view, "lab")) with the lab's own view."""
    return {**link, "view": view}
