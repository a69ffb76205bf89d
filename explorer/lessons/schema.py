"""The lesson file's form: the dataclasses a lesson is read into, and the names, kinds and limits it may use.

A lesson file (``lessons/*.toml``, and any folder named by $ATTENTION_EXPLORER_LESSONS) reads::

    title = "Why attention?"
    audience = "Students who know what an RNN is"
    minutes = 15
    summary = "One line the lesson list shows."

    [[steps]]
    title = "A short string"
    text = "Markdown shown to everyone."
    page = "decode"                                   # decode, compare, states, beam, models, train, timelapse
    view = { task = "reverse", scorer = "none", sentence = "hello", step = "3" }   # share-link parameters
    teacher = "Notes only the teacher's copy shows."  # optional

    [steps.question]                                  # optional: answered before Next
    kind = "choice"
    prompt = "What will the model write next?"
    options = [
      { text = "o", correct = true, explain = "Why o is right." },
      { text = "l", explain = "Why l is not." },
    ]
    # or: kind = "attention" and a prompt: the student clicks the source token the next output token
    # attends to most; the right answer is the model's own argmax, computed when the step is shown.

    [[steps.claims]]                                  # optional: what the text says the model does
    kind = "output"                                   # or another kind (CLAIM_KINDS, docs/lessons.md)
    model = "reverse/dot"
    sentence = "hello"
    expect = "olleh"

Every text field a reader sees (the lesson's title, audience and summary; a step's title, text and
teacher; a question's prompt and explain; an option's text and explain) may have a sibling per
language of the interface, the language code appended: ``text_zh = "…"`` beside ``text = "…"``
(`TEXT_FIELDS`). The player shows the current language's sibling when there is one, else the
English field (`Translated.local`).

`explorer.lessons.reader` reads a file into these dataclasses; `explorer.lessons.rules` holds the
rules a value of a claim or a view follows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from explorer import i18n
from explorer.state.pages import scripts
from explorer.state.view import MAX_SENTENCE_CHARS
from seq2seq.cli import MAX_BEAM
from seq2seq.config import MAX_SEED
from seq2seq.inputs import MAX_OUTPUT_TOKENS, MAX_TEMPERATURE, MIN_TEMPERATURE

WHOLE_FILE = 1  # the line of a problem with the file as a whole (its name, size, kind, or a parser's failure)
MAX_STEPS = 60
# A lesson's longest duration: it and a class's discussion of it fit a 50-minute class.
MAX_MINUTES = 25
PAGES = scripts("lessons")  # a step's page -> the page script it opens (explorer.state.pages)
CLAIM_KINDS = (
    *("output", "not_output", "attends", "accuracy", "metric", "history", "lab", "importance", "tau", "size"),
    *("peaks", "weight", "score", "probability", "hypothesis", "config", "count"),
)
# A count claim's statistics: how many source tokens `sentence` has, how many tokens the claim's decode
# of it writes, how many test examples of min_len..max_len characters an accuracy claim decodes, the
# last epoch of the model's training record (what Timelapse's slider reaches).
COUNTS = ("source_tokens", "output_tokens", "test_examples", "epochs")
# The kinds that may leave out `model`: they then speak of the step's own view (its model, sentence and
# decoding), the numbers the page shows (explorer.lessons.values.resolve).
VIEW_CLAIM_KINDS = ("peaks", "weight", "score", "probability", "hypothesis")
# A lab claim's experiments are the stored results (seq2seq.lab.names.STORED_EXPERIMENTS), an importance
# claim's methods IMPORTANCES and a tau claim's pairs "a~b" pairs(): named there without torch.
QUESTION_KINDS = ("choice", "attention")
LESSON_KEYS = {"title", "audience", "minutes", "summary", "steps"}
STEP_KEYS = {"title", "text", "page", "view", "teacher", "question", "claims", "figure", "point", "shows"}
# What a step's projected frame must keep in sight (issue 62's lecture frame): the page's view the step is about.
# A step names it (`shows`), or its page's usual view stands: Decode's heatmap (its output, for a model without
# attention), the Models page's comparison table, the Lab's table of every scorer, another page's chart.
SHOWS = ("heatmap", "chart", "table", "output")
PAGE_SHOWS = {"decode": "heatmap", "compare": "heatmap", "timelapse": "heatmap", "models": "table"}
LAB_VIEW_SHOWS = {"scorers": "table"}
FIGURE_KINDS = ("accuracy_by_length",)
FIGURE_KEYS = {"kind", "task", "scorers"}
QUESTION_KEYS = {"kind", "prompt", "options", "explain", "key"}
OPTION_KEYS = {"text", "correct", "explain", "claim"}
# A choice question's computed key (issue 64): the right option is the one whose named claim's number is the
# largest (or smallest) of the options', as their bounds hold it (explorer.lessons.anchors); or "holds": the one
# option whose claim the models honour, every other option's claim failing (explorer.lessons.check).
ANSWER_KEYS = ("largest", "smallest", "holds")
CLAIM_KEYS = {
    *("kind", "model", "sentence", "expect", "step", "token", "position", "min_len", "max_len", "at_least", "at_most"),
    *("strategy", "beam", "temperature", "seed", "prefix", "metric", "epoch", "experiment", "statistic", "method"),
    *("name", "steps", "tokens", "positions", "setting", "display_only"),
}
CLAIM_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")  # a claim's name, as a placeholder {name} says it
CLAIM_STRATEGIES = ("greedy", "beam", "sample")
# Every number a claim may hold, (lowest, highest or None): the command line's bounds on the same
# setting (`python -m seq2seq decode --beam/--seed/--temperature/--max-len`), so no claim makes the
# checker decode wider, longer or otherwise than a user of the command line can.
CLAIM_NUMBERS: dict[str, tuple[float, float | None]] = {
    "beam": (1, MAX_BEAM),
    "seed": (0, MAX_SEED),
    "temperature": (MIN_TEMPERATURE, MAX_TEMPERATURE),
    "step": (0, MAX_OUTPUT_TOKENS - 1),  # an output position: no decode is longer
    "position": (0, MAX_SENTENCE_CHARS),  # a source position: no source a link opens is longer
    "min_len": (0, MAX_SENTENCE_CHARS),
    "max_len": (0, MAX_SENTENCE_CHARS),
    "epoch": (0, None),  # train --epochs: any count
}
NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")  # a lesson's id: its file name without .toml
# The languages a text field may have a sibling for (`text_zh`): every interface language but English.
TRANSLATED_LANGUAGES = tuple(lang for lang in i18n.LANGUAGES if lang != i18n.SOURCE)
# The text fields of each table: the ones a reader sees, which may have a `<field>_<lang>` sibling.
TEXT_FIELDS = {
    "lesson": ("title", "audience", "summary"),
    "step": ("title", "text", "teacher"),
    "question": ("prompt", "explain"),
    "option": ("text", "explain"),
    "figure": (),
    "claim": (),
}


def sibling(name: str, lang: str) -> str:
    """The key of `name`'s translation into `lang`: ("text", "zh") -> "text_zh"."""
    return f"{name}_{lang}"


class Translated:
    """A part of a lesson with text fields and their translations (`translated`: (key, text) pairs such
    as ("text_zh", "…"))."""

    translated: tuple[tuple[str, str], ...]

    def local(self, name: str, lang: str | None = None) -> str:
        """Field `name` in `lang` (the current language by default): its sibling when the file has one,
        else the English field."""
        lang = lang or i18n.current()
        if lang != i18n.SOURCE:
            for key, value in self.translated:
                if key == sibling(name, lang):
                    return value
        return getattr(self, name)


@dataclass(frozen=True)
class Option(Translated):
    text: str
    correct: bool
    explain: str
    translated: tuple[tuple[str, str], ...] = ()
    claim: str = ""  # the step's claim whose number this option stands for (a question with a `key`)


@dataclass(frozen=True)
class Question(Translated):
    """A multiple-choice question, or "attention": click the source token the next token attends to most."""

    kind: str
    prompt: str
    options: tuple[Option, ...] = ()
    explain: str = ""  # attention questions: said after the answer, beside the model's own row
    translated: tuple[tuple[str, str], ...] = ()
    key: str = ""  # ANSWER_KEYS: the right option is computed from its options' claims


@dataclass(frozen=True)
class Claim:
    """Something a step's text says a model does, checked against the model (explorer.lessons.check).

    output / not_output: the output of `sentence` is (is not) `expect`, decoded by `strategy` (greedy;
    beam with width `beam`; sample with `temperature` and `seed`), after forcing the target pieces of
    `prefix` first (the Decode page's what-if). attends: in that decode, the source token with the most
    weight at output position `step` (0-based) is `token`, or is at source position `position`.
    accuracy: exact match over the task's test examples whose source has min_len..max_len characters is
    within at_least..at_most (0–1). metric: the model card's test `metric` (as the Models page shows it,
    e.g. bleu_beam5) is within at_least..at_most. history: after `epoch`, the model's probes.json records
    `expect` as its output for the probe `sentence` (the Timelapse page's record). lab: in the stored
    lab results of the model's task (pretrained/lab/<task>.json), `statistic` of the model's `experiment`
    is within at_least..at_most (either bound may be left out); `explorer.lessons.measure.lab_value` says
    which number a statistic names. importance: in the greedy decode of `sentence`, the source token with
    the largest `method` importance (grad_x_input, integrated_gradients, leave_one_out: seq2seq.lab.importance)
    for output position `step` is `token`, or is at `position`. tau: at that step, Kendall's tau of the pair
    `statistic` ("attention~integrated_gradients", ...) is within at_least..at_most (neither importance below
    the Lab's floor of a readable ranking there, seq2seq.lab.names.READABLE, as no importance claim's either).
    size: at that step, how much `method` has to rank (StepImportance.size: |f(x) - f(x')| for integrated
    gradients, the largest magnitude otherwise) is within at_least..at_most.
    peaks: in that decode, the row of each of `steps` has its largest weight on the matching one of
    `tokens` (or of `positions`). weight: the weight row `step` puts on `token` or `position` (its
    largest, given neither) is within at_least..at_most; score: the same of its raw score; probability:
    the probability the model gives the target piece `token` (the chosen one, given none) at output
    position `step`; hypothesis: the
    log-probability of the finished hypothesis `expect` of a beam search of width `beam`. config: the
    model's configuration `setting` is `expect` ("true", "128", "gru"). count: the number `statistic`
    (COUNTS) is within at_least..at_most. A claim of VIEW_CLAIM_KINDS
    without `model` speaks of the step's view. `name`: the placeholder that shows the claim's number.
    A claim that measures a number holds it within at_least..at_most, the bound that makes the words
    around its placeholder true, unless `display_only` (shown, never characterised).
    """

    kind: str
    model: str = ""  # VIEW_CLAIM_KINDS may leave it out: the step's view's model
    sentence: str = ""
    expect: str = ""
    step: int = 0
    token: str = ""
    position: int = -1  # attends: a source position instead of a token (repeated tokens told apart)
    strategy: str = "greedy"
    beam: int = 5
    temperature: float = 1.0
    seed: int = 0
    prefix: tuple[str, ...] = ()
    min_len: int = 0
    max_len: int = MAX_SENTENCE_CHARS
    at_least: float = 0.0
    at_most: float = 1.0
    metric: str = ""
    epoch: int = 0
    experiment: str = ""
    statistic: str = ""
    method: str = ""
    name: str = ""  # a placeholder {name} in the step's texts shows this claim's measured number
    steps: tuple[int, ...] = ()  # peaks: output positions, each with its token or position below
    tokens: tuple[str, ...] = ()
    positions: tuple[int, ...] = ()
    setting: str = ""  # config: a field of the model's configuration (bidirectional, hidden_size, ...)
    # A number shown and never characterised ("very close", "most"): the one claim of VALUE_KINDS that
    # needs no at_least/at_most (explorer.lessons.rules); its placeholder's sentence says no more of it.
    display_only: bool = False
    line: int = 0


@dataclass(frozen=True)
class Figure:
    """A figure the player draws beside a step's text, computed from the models when shown.

    accuracy_by_length: exact match of each of `scorers`' models of `task` on its test examples, by
    source length (Bahdanau et al. 2015, Fig. 2)."""

    kind: str
    task: str
    scorers: tuple[str, ...]


@dataclass(frozen=True)
class Step(Translated):
    title: str
    text: str
    page: str
    view: Mapping[str, str]  # share-link parameters, validated by explorer.state.view.parse_query
    teacher: str = ""
    question: Question | None = None
    claims: tuple[Claim, ...] = ()
    figure: Figure | None = None
    line: int = 0  # the line of its [[steps]] header
    translated: tuple[tuple[str, str], ...] = ()
    point: str = ""  # a control of its page the panel points at (explorer.state.page_controls), in English
    shows: str = ""  # what its projected frame must keep in sight (SHOWS); "" for its page's usual view

    def frame_view(self) -> str:
        """What the step's projected frame keeps in sight: `shows`, else its page's usual view (SHOWS)."""
        if self.shows:
            return self.shows
        if self.page == "lab":
            return LAB_VIEW_SHOWS.get(self.view.get("view", ""), "chart")
        return PAGE_SHOWS.get(self.page, "chart")


@dataclass(frozen=True)
class Lesson(Translated):
    id: str
    title: str
    audience: str
    minutes: int
    summary: str
    steps: tuple[Step, ...]
    path: Path = field(compare=False, default=Path())
    translated: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Problem:
    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class LessonError(ValueError):
    """A lesson file that cannot be used; `problems` lists why, each with its line."""

    def __init__(self, problems: Sequence[Problem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = tuple(problems)
