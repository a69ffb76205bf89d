"""Compare page logic: one sentence through every scorer of a task, against the gold alignment.

Everything returned is plain data (lists, floats, strings), so the page can cache it with
st.cache_data and tests can check it without a browser.

Two kinds of attention matrices appear on the page:
- each model's *own* decode (greedy): what it outputs, its log-probability, its mean entropy;
- *forced* decodes on one shared target (teacher forcing), the only fair way to compare
  matrices cell by cell: the gold target when there is one (alignment accuracy is measured
  there), otherwise the first model's greedy output replayed token by token by the second.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from explorer import i18n
from explorer.i18n import N_, _
from seq2seq.attention import SCORER_INFO
from seq2seq.decoded import DecodedSentence
from seq2seq.decoding import Translator
from seq2seq.metrics import alignment_scores
from seq2seq.scorers import learns_where_to_look
from seq2seq.tasks import Example, get_task

TEST_EXAMPLES = 30  # how many test-split examples the page offers to pick from


@dataclass(frozen=True)
class ScorerResult:
    scorer: str
    greedy: DecodedSentence  # the model's own output
    forced: DecodedSentence | None  # teacher forcing of the reference target; None without a reference
    accuracy: float | None  # argmax of attention inside the gold span, over target characters
    gold_mass: float | None  # attention mass inside the gold span, averaged likewise


def on_output_of(first: Translator, second: Translator, sentence: str, token_ids: Sequence[int]) -> DecodedSentence:
    """`second` forced on `first`'s output: the same ids when both share a target vocabulary,
    else the output's text re-tokenized by `second` (models trained apart may split differently).
    """
    pieces = [first.target_tokenizer.piece(int(i)) for i in token_ids]
    if pieces == [second.target_tokenizer.piece(int(i)) for i in token_ids]:
        return second.force_ids(sentence, token_ids).plain(second.name, states=False)
    forced = second.force(sentence, first.target_tokenizer.decode(list(token_ids)))
    return forced.plain(second.name, states=False)


def comparable(first: DecodedSentence, second: DecodedSentence) -> bool:
    """Both have attention over the same source and target tokens: a cell-by-cell difference makes sense."""
    return (
        first.attention is not None
        and second.attention is not None
        and first.source_tokens == second.source_tokens
        and first.target_tokens == second.target_tokens
    )


def run_scorer(translator: Translator, sentence: str, reference: Example | None) -> ScorerResult:
    """Greedy decode, and with a reference, forced decode and alignment scores. Raises InputError."""
    greedy = translator.greedy(sentence).plain(translator.name, states=False)
    if reference is None:
        return ScorerResult(translator.scorer, greedy, None, None, None)
    forced = translator.force(sentence, reference.target).plain(translator.name, states=False)
    accuracy = mass = None
    # A fixed scorer's weights (uniform) tie everywhere: no alignment to score.
    if forced.attention is not None and reference.alignment is not None and learns_where_to_look(translator.scorer):
        scores = alignment_scores([forced.attention], [reference.alignment])
        accuracy, mass = scores["alignment_accuracy"], scores["gold_mass"]
    return ScorerResult(translator.scorer, greedy, forced, accuracy, mass)


def gold_examples(task: str, n: int = TEST_EXAMPLES) -> list[Example]:
    """Examples of the test split with their gold alignment; none for a task without (translation)."""
    return get_task(task).gold_examples(n)


def reference_for(task: str, sentence: str, examples: Sequence[Example] = ()) -> Example | None:
    """The gold target and alignment of `sentence`, when the task knows it (`Task.gold_for`): for any
    sentence where every string has one (reverse), else only for one of `examples` (a typed date could
    be read several ways); never for translation (no gold alignment)."""
    return get_task(task).gold_for(sentence, examples)


def gold_matrix(alignment: Sequence[tuple[int, int] | None], n_source: int, n_target: int) -> list[list[float]]:
    """(n_target, n_source) 0/1 matrix: row t is 1 over the gold span of target character t.

    Rows past the alignment (</s>) and characters without a span (separators) stay 0.
    """
    matrix = [[0.0] * n_source for _ in range(n_target)]
    for t, span in enumerate(alignment[:n_target]):
        if span is None:
            continue
        start, end = span
        for s in range(max(0, start), min(end, n_source)):
            matrix[t][s] = 1.0
    return matrix


def difference(first: Sequence[Sequence[float]], second: Sequence[Sequence[float]]) -> list[list[float]]:
    """first − second, cell by cell; both (T, S)."""
    if len(first) != len(second) or any(len(a) != len(b) for a, b in zip(first, second, strict=False)):
        raise ValueError("the matrices differ in shape")
    return [[a - b for a, b in zip(ra, rb, strict=True)] for ra, rb in zip(first, second, strict=True)]


def gold_view(
    results: Iterable[ScorerResult], reference: Example
) -> tuple[tuple[list[str], list[str]], list[list[float]]]:
    """((source tokens, target tokens), 0/1 gold matrix) on the forced decode of the reference."""
    forced = next(r.forced for r in results if r.forced is not None)
    tokens = (forced.source_tokens, forced.target_tokens)
    return tokens, gold_matrix(reference.alignment or (), len(tokens[0]), len(tokens[1]))


def result_text(result: ScorerResult) -> str:
    """The lines under a scorer's heatmap, ending with its formula as the code computes it (plain text:
    outputs are never read as Markdown), in the current language."""
    if result.greedy.hit_max_len:
        lines = [_("output: {output} …(stopped at the length limit)").format(output=result.greedy.output)]
    else:
        lines = [_("output: {output}").format(output=result.greedy.output)]
    lines.append(_("log p: {logprob}").format(logprob=i18n.number(result.greedy.logprob, 3)))
    if result.greedy.mean_entropy is not None:
        lines.append(_("mean entropy: {entropy} nats").format(entropy=i18n.number(result.greedy.mean_entropy, 3)))
    if result.accuracy is not None:
        lines.append(_("alignment accuracy: {accuracy}").format(accuracy=i18n.percent(result.accuracy, 0)))
    formula = SCORER_INFO.get(result.scorer, {}).get("formula", "")  # seq2seq.attention: the code's formula
    # 'none' has words there ("no attention: …"), which its card already says above: not twice
    lines.append(_(formula) if formula and result.greedy.mean_entropy is not None else "")  # entropy: attention rows
    return "\n".join(line for line in lines if line)


# The summary table's columns: row key -> its heading (English, marked; `summary_columns` translates).
SUMMARY_COLUMNS = {
    "scorer": N_("scorer"),
    "output": N_("output"),
    "log-probability": N_("log-probability"),
    "mean entropy (nats)": N_("mean entropy (nats)"),
    "alignment accuracy": N_("alignment accuracy"),
    "gold mass": N_("gold mass"),
}


def summary_columns() -> dict[str, str]:
    """Row key -> the column's heading in the current language (for DataFrame.rename)."""
    return {key: _(heading) for key, heading in SUMMARY_COLUMNS.items()}


EMPTY = "–"  # a cell with no value (no attention, no gold alignment), in every language


def shown_rows(rows: list[dict]) -> list[dict]:
    """`rows` as the table shows them: a column with a missing value is text, its numbers written with
    three decimals and the missing ones as EMPTY (a table would write "None"); the others stay numbers."""
    gaps = {key for row in rows for key, value in row.items() if value is None}
    return [{k: (_cell(v) if k in gaps else v) for k, v in row.items()} for row in rows]


def _cell(value) -> str:
    return EMPTY if value is None else i18n.number(value, 3) if isinstance(value, float) else str(value)


def summary_rows(results: Sequence[ScorerResult]) -> list[dict]:
    """One row per scorer for the page's table (keys: SUMMARY_COLUMNS; a cut output says so in the
    current language)."""
    rows = []
    for r in results:
        output = _("{output} …(cut)").format(output=r.greedy.output) if r.greedy.hit_max_len else r.greedy.output
        rows.append(
            {
                "scorer": r.scorer,
                "output": output,
                "log-probability": round(r.greedy.logprob, 3),
                "mean entropy (nats)": None if r.greedy.mean_entropy is None else round(r.greedy.mean_entropy, 3),
                "alignment accuracy": None if r.accuracy is None else round(r.accuracy, 3),
                "gold mass": None if r.gold_mass is None else round(r.gold_mass, 3),
            }
        )
    return rows
