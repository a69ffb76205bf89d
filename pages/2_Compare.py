"""Compare: one sentence through every scorer of a task, beside the gold alignment."""

from dataclasses import replace

import pandas as pd
import streamlit as st

from explorer.figures import heatmaps
from explorer.state import catalog
from explorer.state.view import MAX_SENTENCE_CHARS
from explorer.ui import navigation, pickers, presentation
from explorer.ui.loaders import get_translator, require_registry
from explorer.ui.markdown import escape_markdown
from explorer.views import compare as compare_view
from explorer.views import input_notes
from seq2seq.checkpoint import CheckpointError
from seq2seq.decoding import InputError
from seq2seq.tasks import Example

st.set_page_config(page_title="Compare scorers · Attention Explorer", layout="wide")
navigation.sidebar()
projecting = presentation.toggle()
require_registry()
st.title("Compare scorers")
st.caption("The same sentence through every scorer of a task: same architecture, only the score differs.")


@st.cache_data(max_entries=512, show_spinner=False)
def scorer_result(name: str, sentence: str, target: str | None, alignment: tuple | None):
    reference = None if target is None else Example(sentence, target, alignment)
    return compare_view.run_scorer(get_translator(name), sentence, reference)


@st.cache_data(max_entries=256, show_spinner=False)
def on_output_of(first: str, second: str, sentence: str, token_ids: tuple[int, ...]):
    return compare_view.on_output_of(get_translator(first), get_translator(second), sentence, token_ids)


gold_examples = st.cache_data(show_spinner=False)(compare_view.gold_examples)

models, view, _, new = pickers.opening_view("compare")
if new:  # a link names a sentence: show it in the sentence box, not the picked example
    st.session_state["cmp_mode"] = "type"
pickers.apply_view(view, {"task": "cmp_task", "sentence": "cmp_sentence"}, new)


def _task_changed() -> None:
    st.session_state["cmp_sentence"] = catalog.default_sentence(st.session_state["cmp_task"])


task = st.selectbox("Task", list(models), key="cmp_task", format_func=catalog.task_label, on_change=_task_changed)
examples = gold_examples(task)
mode = "type"
if examples:
    mode = st.radio(
        "Sentence",
        ["type", "pick"],
        horizontal=True,
        key="cmp_mode",
        format_func={"type": "Type a sentence", "pick": "Pick an example from the test split"}.get,
    )
if mode == "pick":
    sentence = st.selectbox("Test example (with its gold alignment)", [e.source for e in examples], key="cmp_example")
else:
    sentence = st.text_input("Sentence", key="cmp_sentence", max_chars=MAX_SENTENCE_CHARS)
pickers.publish("compare", replace(view, task=task, sentence=sentence))

reference = compare_view.reference_for(task, sentence, examples)
results: dict[str, compare_view.ScorerResult] = {}
refused: dict[str, str] = {}  # scorer -> why (location takes only the source lengths it was trained on)
try:
    for scorer in models[task]:
        entry = catalog.model_for(task, scorer)
        try:
            results[scorer] = scorer_result(
                entry.name, sentence, reference and reference.target, reference and reference.alignment
            )
        except InputError as error:
            refused[scorer] = str(error)
except CheckpointError as error:
    st.error(f"A model could not be loaded: {error}")
    st.stop()
if refused and not results:  # every model refuses (an empty sentence): one message
    st.warning(escape_markdown(f"{next(iter(refused.values()))}."))
    st.stop()
for scorer, why in refused.items():
    st.warning(escape_markdown(f"{scorer} cannot take this sentence: {why}"))
translators = [get_translator(catalog.model_for(task, s).name) for s in results]
for note in input_notes.input_notes(sentence, *translators):  # normalised, unknown characters, length
    st.warning(escape_markdown(note))

if reference is None:
    if examples:
        st.info(
            "This sentence was typed, not generated, so it has no gold alignment. "
            "Pick an example from the test split to see one and each scorer's alignment accuracy."
        )
    else:
        st.info("This task has no gold alignment: compare the scorers with each other.")
st.dataframe(pd.DataFrame(compare_view.summary_rows(list(results.values()))), hide_index=True)

show_forced = False
if reference is not None:
    show_forced = (
        st.radio(
            "Heatmaps show",
            ["own", "forced"],
            horizontal=True,
            key="cmp_show",
            format_func={"own": "each model's own output", "forced": "teacher forcing of the reference"}.get,
        )
        == "forced"
    )
st.caption("Every heatmap uses the same fixed scale: white 0, dark blue 1 (gold: dark green = aligned).")
cells = (["gold"] if reference is not None else []) + list(results)
per_row = 2 if projecting else 3  # fewer, larger heatmaps on a projector
for start in range(0, len(cells), per_row):
    for column, cell in zip(st.columns(per_row), cells[start : start + per_row], strict=False):
        with column:
            if cell == "gold":
                tokens, gold = compare_view.gold_view(results.values(), reference)
                figure = heatmaps.gold_heatmap(*tokens, gold)
                st.plotly_chart(presentation.enlarge(figure) if projecting else figure, key="cmp_gold")
                st.text(f"reference: {reference.target}")
                continue
            result = results[cell]
            shown = result.forced if show_forced else result.greedy
            if shown.attention is None:
                st.subheader(cell)
                st.info("No attention: the decoder sees only the encoder's final state.")
            else:
                figure = heatmaps.grid_heatmap(shown.source_tokens, shown.target_tokens, shown.attention, title=cell)
                st.plotly_chart(presentation.enlarge(figure) if projecting else figure, key=f"cmp_heatmap_{cell}")
            st.text(compare_view.result_text(result))

st.header("Difference between two scorers")
attending = [s for s, r in results.items() if r.greedy.attention is not None]
if len(attending) < 2:
    st.info("A difference needs two models with attention.")
    st.stop()
for key, index in (("cmp_a", 0), ("cmp_b", 1)):
    if st.session_state.get(key) not in attending:
        st.session_state[key] = attending[index]
left, right = st.columns(2)
first = left.selectbox("Scorer A", attending, key="cmp_a")
second = right.selectbox("Scorer B", attending, key="cmp_b")
if reference is not None:
    a, b = results[first].forced, results[second].forced
    st.caption("Both forced on the reference target; red: B attends more, blue: A attends more.")
else:
    ids = tuple(results[first].greedy.token_ids)
    names = catalog.model_for(task, first).name, catalog.model_for(task, second).name
    a, b = on_output_of(names[0], names[0], sentence, ids), on_output_of(*names, sentence, ids)
    st.caption("Both fed A's output token by token; red: B attends more, blue: A attends more.")
if compare_view.comparable(a, b):
    figure = heatmaps.difference_heatmap(a.source_tokens, a.target_tokens, a.attention, b.attention, (first, second))
    st.plotly_chart(presentation.enlarge(figure) if projecting else figure, key="cmp_difference")
else:
    st.info("These two models split the sentence into different tokens, so their cells do not line up.")
