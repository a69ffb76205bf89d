"""The controls each page a lesson step may open shows: its tabs, panels, boxes, toggles, buttons and the options
of its boxes, each as the English message the page's code passes to `_()` (or `pgettext`, with its context), so
that its label in any language is the page's own translation.

A lesson's text may name a control only where its step's page shows it (explorer.lessons.controls, run by
`python -m explorer.lessons check`). tests/test_page_controls.py runs every page in English and in Chinese and
finds each control declared here drawn with that label, so this table cannot say what a page does not show.

A control the page draws only in some state says how to reach it (`after`), each step one of:
  "name=value"          the page opened on a link with this parameter (the base view's, replaced or added)
  "press:Label"         the button labelled Label pressed
  "choose:Label=value"  the box labelled Label set to the option `value` (the widget's value, not its label)
  "tab:Label"           the tab labelled Label opened
  "trained"             this session has a finished training (Train's save form, Timelapse's "Your training")
  "saved"               a model saved from the Train page exists
A label the page fills in is declared as its message, placeholders and all ("… at step {position}?").
A new control: its line here, under its page, in the page's own words. The test asks each page for every
control declared here, and finds every control the page draws declared (but data shown as a heading, a
scorer's or a task's name, and a box whose label is hidden), so this table is the pages' whole list.
Plain data: no streamlit.
"""

from __future__ import annotations

from dataclasses import dataclass

from explorer.state.pages import BY_NAME, PAGES

TAB, PANEL, BOX, TOGGLE, BUTTON, OPTION = "tab", "panel", "box", "toggle", "button", "option"
# PANEL: an expander, a header or a subheader; BOX: a text, number or select box, a slider, a radio or a
# segmented switch (by its label); BUTTON: a button, a link button, a page link, a download or form button;
# OPTION: one option of a box, as the box shows it.
KINDS = (TAB, PANEL, BOX, TOGGLE, BUTTON, OPTION)


@dataclass(frozen=True)
class Control:
    label: str  # the English message, exactly as the page's code marks it
    kind: str  # one of KINDS
    after: tuple[str, ...] = ()  # how to reach it, when the page does not show it at once (see above)
    context: str | None = None  # pgettext's context, where the page passes one

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"{self.label!r}: kind {self.kind!r} is not one of {KINDS}")


def _controls(kind: str, *labels: str, after: tuple[str, ...] = ()) -> tuple[Control, ...]:
    return tuple(Control(label, kind, after) for label in labels)


SAMPLING, BEAM = ("strategy=sample",), ("strategy=beam",)
SUBWORDS = ("task=en-fr", "scorer=general", "sentence=I have a black cat.")  # a subword task with several models
PICK = ("choose:Sentence=pick",)  # Compare's test example, with its gold alignment
SPLIT, SCORERS = ("view=split",), ("view=scorers",)

PAGE_CONTROLS: dict[str, tuple[Control, ...]] = {
    "decode": (
        *_controls(BOX, "Source sentence", "Or pick an example", "Attention scorer", "Task", "Strategy"),
        *_controls(BOX, "Reference (teacher forcing)", "Play speed (seconds per step)"),
        *_controls(OPTION, "greedy", "sampling", "beam search"),
        *_controls(BOX, "Temperature", "Seed", after=SAMPLING),
        *_controls(BOX, "Beam width", after=BEAM),
        *_controls(BOX, "Model", "Heatmap in", after=SUBWORDS),
        *_controls(OPTION, "pieces", "words", after=SUBWORDS),
        # the stepper's (explorer/ui/decode/stepper.js): Play and Pause are one button whose label toggles
        Control("Step", BUTTON, context="button"),
        *_controls(BUTTON, "Back", "Play", "Pause", "Reset"),
        Control("Step", BOX, context="slider"),
        *_controls(PANEL, "Task, model, strategy and play speed", "Attention as a table", "Current step"),
        *_controls(PANEL, "Export and share"),
        *_controls(TAB, "Explain this cell", "What if…", "Attention override", "Links", "Interactive heatmap"),
        *_controls(BOX, "Target step", "Source position"),  # in Explain this cell, open at first
        *_controls(BUTTON, "Does attention explain this token? Ask the Lab"),
        *_controls(BOX, "What if the model had chosen another token at step {position}?", after=("tab:What if…",)),
        *_controls(BUTTON, "Force it and decode on", after=("tab:What if…",)),
        *_controls(BOX, "Put all attention at step {position} on source position", after=("tab:Attention override",)),
        *_controls(BUTTON, "Attention matrix (CSV)", "Whole trace (JSON)"),
    ),
    "compare": (
        *_controls(BOX, "Task", "Sentence"),
        *_controls(OPTION, "Type a sentence", "Pick an example from the test split"),
        *_controls(BOX, "Test example (with its gold alignment)", "Heatmaps show", after=PICK),
        *_controls(OPTION, "each model's own output", "teacher forcing of the reference", after=PICK),
        *_controls(PANEL, "Difference between two scorers"),
        *_controls(BOX, "Scorer A", "Scorer B"),
        *_controls(BOX, "Heatmap in", after=("task=en-fr", "sentence=I have a black cat.")),
    ),
    "states": (
        *_controls(BOX, "Task", "Scorer", "Sentence", "Step (output tokens shown)", "Projection"),
        *_controls(BOX, "Model", after=SUBWORDS),
        *_controls(TOGGLE, "reference sample"),
        *_controls(PANEL, "Nearest neighbours in the reference sample"),
        *_controls(BOX, "State", "Distance", "How many"),
        *_controls(OPTION, "cosine", "euclidean"),
    ),
    "beam": (
        *_controls(BOX, "Task", "Scorer", "Sentence", "Beam width", "Hypothesis"),
        *_controls(BOX, "Model", "Heatmap in", after=SUBWORDS),
    ),
    "models": (
        *_controls(PANEL, "Comparison", "Model card", "Training curves", "About these models ({file})"),
        *_controls(BOX, "Model", "Task"),
    ),
    "train": (
        *_controls(BOX, "Task", "Scorer", "Cell", "Hidden size", "Budget", "Epochs", "Learning rate"),
        *_controls(OPTION, "epochs", "steps"),
        *_controls(BOX, "Steps", after=("choose:Budget=steps",)),
        *_controls(BUTTON, "Start", "Stop"),
        *_controls(PANEL, "Race all scorers"),
        *_controls(BUTTON, "Race all scorers"),
        *_controls(BOX, "Time (s)"),
        *_controls(BOX, "Probe sentence", "Name", after=("trained",)),
        *_controls(PANEL, "Save this model", after=("trained",)),
        *_controls(BUTTON, "Save", "Replay this training epoch by epoch (Timelapse)", after=("trained",)),
    ),
    "timelapse": (
        *_controls(BOX, "History of", "Task", "Probe sentence", "Epoch"),
        *_controls(OPTION, "Shipped models", "Your training", "A saved model"),
        *_controls(TOGGLE, "▶ Play every epoch"),
        *_controls(BOX, "Model", after=("saved", "choose:History of=A saved model")),
    ),
    "lab": (
        *_controls(OPTION, "This sentence, this step", "This model, a whole split", "All scorers"),
        *_controls(PANEL, "What this view measures, and what the papers found"),
        *_controls(BOX, "Task", "Scorer", "Sentence", "Output token to explain", "Importances"),
        *_controls(OPTION, "signed", "Jain & Wallace"),
        *_controls(BUTTON, "Permute", "Adversarial attention"),
        *_controls(BOX, "Model", after=(*SPLIT, *SUBWORDS[:2])),
        *_controls(PANEL, "Agreement: τ per example", "Permutation", "Uniform attention", after=SPLIT),
        *_controls(PANEL, "Adversarial attention", "Another seed", "Alignment from the importances", after=SPLIT),
        *_controls(PANEL, "The scorer table", "Quality against source length", after=SCORERS),
    ),
}
# On every page: the frame's sidebar (explorer.ui.frame): its switches and a link to each page, by its label
# (explorer.state.pages), so a text may name a page ("the **Models** page") or these anywhere; and on a page a
# class may show (Page.in_class), the sidebar's "Start a class".
FRAME_CONTROLS = _controls(TOGGLE, "Presentation mode", "Raw pieces (▁)") + _controls(BOX, "Heatmap colours")
CLASS_CONTROLS = _controls(BUTTON, "Start a class")


def on_page(page: str) -> tuple[Control, ...]:
    """The controls `page` (a name of explorer.state.pages) shows, the frame's among them; () for a page
    that declares none."""
    links = tuple(Control(p.label, BUTTON) for p in PAGES)
    classes = CLASS_CONTROLS if page in BY_NAME and BY_NAME[page].in_class else ()
    return (*PAGE_CONTROLS.get(page, ()), *FRAME_CONTROLS, *classes, *links)
