"""The Compare page's sections: every scorer's run, their heatmaps in a grid, the difference of two."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from explorer.figures import heatmaps, svg_heatmap
from explorer.i18n import N_, _
from explorer.i18n.errors import message_of
from explorer.state import catalog, owner
from explorer.ui.common import cached, components, pickers, tables
from explorer.ui.common.markdown import escape_markdown
from explorer.ui.shell import layout, pieces, presentation
from explorer.views import compare as compare_view
from explorer.views import words
from seq2seq.checkpoint import CheckpointError
from seq2seq.decoding import InputError
from seq2seq.tasks import Example

# The heatmaps' source radio: values stay (tests and links use them), shown in the current language.
HEATMAP_SOURCES = {"own": N_("each model's own output"), "forced": N_("teacher forcing of the reference")}


PAGE = "compare"  # its own fields: Scorer A and B of the difference (explorer.state.pages)
DIFFERENCE_SHOWN = "cmp_difference_shown"  # a follower's toggle: the difference drawn (sections.difference)


def model_source(task: str) -> dict[str, str]:
    """Where the scorers' models come from: the shipped ones ({}), or a saved set (a race's): scorer -> model.
    Offered only when the task has a saved set."""
    sets = catalog.model_sets(task)
    if not sets:
        return {}
    labels = {"": _("the shipped models")} | {s.name: _("{name} (a race's models)").format(name=s.name) for s in sets}
    chosen = st.selectbox(_("Models"), list(labels), key="cmp_source", format_func=labels.__getitem__)
    found = next((s for s in sets if s.name == chosen), None)
    if found is None:
        return {}
    caption = _("Saved from a race of the Train page: {models}.").format(models=", ".join(found.models.values()))
    if found.first:
        caption += " " + _("{scorer} passed the bar first.").format(scorer=found.first)
    st.caption(caption)
    return dict(found.models)


def scorer_results(
    task: str, scorers: list[str], sentence: str, reference: Example | None, names: dict[str, str] | None = None
) -> tuple[dict[str, compare_view.ScorerResult], dict[str, str]]:
    """(scorer -> its result, scorer -> why it refused the sentence), from the runs every session shares
    (cached.scorer_result; the start-up fills a lesson's first Compare step's: explorer.ui.serve); raises
    CheckpointError when a model cannot be loaded. `names`: scorer -> the model to use (a saved set's), else the
    scorer's default model."""
    names = names or {}
    results: dict[str, compare_view.ScorerResult] = {}
    refused: dict[str, str] = {}  # scorer -> why (location takes only the source lengths it was trained on)
    for scorer in scorers:
        entry = catalog.model_for(task, scorer, names.get(scorer, ""))
        try:
            results[scorer] = cached.scorer_result(
                entry.name, sentence, reference and reference.target, reference and reference.alignment
            )
        except InputError as error:
            refused[scorer] = message_of(error)
    return results, refused


def run_every_scorer(
    task: str, scorers: list[str], sentence: str, reference: Example | None, names: dict[str, str] | None = None
) -> tuple[dict[str, compare_view.ScorerResult], dict[str, str]]:
    """scorer_results, the page stopped with a message when a model cannot be loaded."""
    try:
        return scorer_results(task, scorers, sentence, reference, names)
    except CheckpointError as error:
        st.error(_("A model could not be loaded: {error}").format(error=message_of(error)))
        st.stop()


def _pick_defaults(attending: list[str]) -> dict:
    """Scorers A and B, the page's own fields (explorer.state.owner.own): the first two with attention,
    unless the page shows two of them already. Returns the page's own fields."""
    mine = owner.own(st.session_state, PAGE)
    for field, index in (("a", 0), ("b", 1)):
        if mine.get(field) not in attending:
            mine = owner.propose_own(st.session_state, PAGE, {field: attending[index]})
    return mine


def _scorer_box(box, field: str, attending: list[str]) -> str:
    """Scorer A's or B's box (`field`: "a" or "b"), in `box`."""
    key, change = pickers.bound_own(PAGE, field, attending[0])
    return box.selectbox(_("Scorer A") if field == "a" else _("Scorer B"), attending, key=key, **change)


def pair(
    results: dict[str, compare_view.ScorerResult], show_forced: bool, merged: tuple[bool, bool] | None = None
) -> None:
    """Presentation mode's frame: Scorer A's and Scorer B's heatmaps side by side, each under its
    picker, sized for one projector frame (explorer.ui.shell.presentation.fit), in words on the `merged`
    sides. The difference below compares the same two."""
    attending = [s for s, r in results.items() if r.greedy.attention is not None]
    if len(attending) < 2:
        return
    _pick_defaults(attending)
    for column, field in zip(st.columns(2), ("a", "b"), strict=True):
        with column:
            scorer = _scorer_box(st, field, attending)
            result = results[scorer]
            shown = result.forced if show_forced else result.greedy
            st.plotly_chart(scorer_heatmap(shown, scorer, merged, fit=True), key=f"cmp_pair_cmp_{field}")
            st.text(compare_view.result_text(result))


def scorer_heatmap(shown, title: str, merged: tuple[bool, bool] | None, projecting: bool = False, fit: bool = False):
    """One scorer's heatmap of a decode with attention, in words on the `merged` sides (None: pieces); enlarged on
    a projector, or `fit` to one projector frame (the pair). Built once for every session that draws it
    (cached.shared_figure): the teacher's run of a lesson's start, which the phones wait for, built eight."""
    mode = "fit" if fit else "large" if projecting else ""
    return cached.shared_figure(
        _scorer_figure, list(shown.source_tokens), list(shown.target_tokens), shown.attention, title, merged, mode
    )


def _scorer_figure(source_tokens, target_tokens, attention, title: str, merged, mode: str):
    """scorer_heatmap's figure: `mode` "" as it is, "large" enlarged, "fit" fit to a projector frame."""
    if not merged:
        figure = heatmaps.grid_heatmap(source_tokens, target_tokens, attention, title=title)
    else:
        grid = words.grid(source_tokens, target_tokens, attention, *merged)
        labels = (grid.source_labels, grid.target_labels, grid.attention)
        figure = heatmaps.grid_heatmap(*labels, title=title, cell_notes=grid.notes())
    return {"fit": presentation.fit, "large": presentation.enlarge}.get(mode, lambda f: f)(figure)


def gold_figure(tokens, gold, projecting: bool):
    """The gold alignment's heatmap (enlarged on a projector), built once for every session (cached.shared_figure)."""
    return cached.shared_figure(_gold_figure, tokens, gold, projecting)


def _gold_figure(tokens, gold, projecting: bool):
    figure = heatmaps.gold_heatmap(*tokens, gold)
    return presentation.enlarge(figure) if projecting else figure


def first_figures(results: dict[str, compare_view.ScorerResult], reference: Example | None) -> int:
    """Build the heatmaps the page opens on (the gold alignment and each scorer's own output, in pieces; on a laptop
    and a projector) into the cache every session shares; how many. The warm-up of a lesson's first Compare step
    (explorer.ui.serve): the teacher's run, which the phones wait for, finds them."""
    built = 0
    # The gold alignment is drawn on a forced decode of the reference: none where every model refused the sentence
    # or none could load (a registry without the task's models: the page says so).
    gold = reference is not None and any(result.forced is not None for result in results.values())
    for projecting in (False, True):
        if gold:
            gold_figure(*compare_view.gold_view(results.values(), reference), projecting)
        for cell, result in results.items():
            if result.greedy.attention is not None:
                scorer_heatmap(result.greedy, cell, None, projecting)
                built += 1
    return built


def scorer_svg(shown, merged: tuple[bool, bool] | None) -> dict:
    """One scorer's heatmap as an svg_heatmap payload, every row shown, in words on the `merged` sides."""
    if not merged:
        return svg_heatmap.payload(
            shown.source_tokens, shown.target_tokens, shown.attention, step=len(shown.target_tokens)
        )
    grid = words.grid(shown.source_tokens, shown.target_tokens, shown.attention, *merged)
    source_titles, target_titles = grid.label_titles()
    return svg_heatmap.payload(
        grid.source_labels, grid.target_labels, grid.attention, step=len(grid.target_labels),
        cell_notes=grid.notes("\n"), source_titles=source_titles, target_titles=target_titles,
    )  # fmt: skip


def heatmap_grid(
    results: dict[str, compare_view.ScorerResult],
    reference: Example | None,
    show_forced: bool,
    projecting: bool,
    merged: tuple[bool, bool] | None = None,
    following: bool = False,
) -> None:
    """The gold alignment (when the sentence has one) and a heatmap per scorer, 3 a row (2 on a projector).

    `merged`: the sides (source, target) shown in words (explorer.views.words); None: pieces. `following`: a live
    class's follower (a phone, most often): the scorers' heatmaps drawn in the browser as SVG
    (explorer.ui.common.components.heatmap), which a busy phone draws at a lesson's start well within the 2 s that
    plotly's took (docs/performance.md, "A phone follows a lesson's start").
    """
    st.caption(_("Every heatmap uses the same fixed scale: white 0, dark blue 1 (gold: dark green = aligned)."))
    if merged:
        st.caption(words.rule(merged))
    shown_tokens = [tokens for r in results.values() for tokens in (r.greedy.source_tokens, r.greedy.target_tokens)]
    if word_starts := pieces.note(*shown_tokens):  # what the word-start dot means, once above the heatmaps
        st.caption(word_starts)
    cells = (["gold"] if reference is not None else []) + list(results)
    per_row = 2 if projecting else 3  # fewer, larger heatmaps on a projector
    for start in range(0, len(cells), per_row):
        for column, cell in zip(st.columns(per_row), cells[start : start + per_row], strict=False):
            with column:
                if cell == "gold":
                    tokens, gold = compare_view.gold_view(results.values(), reference)
                    st.plotly_chart(gold_figure(tokens, gold, projecting), key="cmp_gold")
                    st.text(_("reference: {target}").format(target=reference.target))
                    continue
                result = results[cell]
                shown = result.forced if show_forced else result.greedy
                if shown.attention is None:
                    st.subheader(cell)
                    st.info(_("No attention: the decoder sees only the encoder's final state."))
                elif following:
                    st.markdown(f"**{escape_markdown(cell)}**")
                    components.heatmap(scorer_svg(shown, merged), key=f"cmp_heatmap_{cell}")
                else:
                    figure = scorer_heatmap(shown, cell, merged, projecting)
                    st.plotly_chart(figure, key=f"cmp_heatmap_{cell}")
                st.text(compare_view.result_text(result))


def difference(
    results: dict[str, compare_view.ScorerResult],
    reference: Example | None,
    task: str,
    sentence: str,
    projecting: bool,
    merged: tuple[bool, bool] | None = None,
    following: bool = False,
) -> None:
    """Two scorers picked by the user and the difference of their attention, cell by cell (in words when
    `merged`: both merged alike, so the difference of the words' weights is the merged difference).

    `following`: a live class's follower (a phone, most often) draws it when the student asks (a toggle, off at
    first): no lesson step asks about it, and a phone that drew its Plotly chart and the table's data grid with the
    heatmaps at a lesson's start showed the step about 0.4 s later under busy cores than without them
    (docs/performance.md, "A phone follows a lesson's start")."""
    st.header(_("Difference between two scorers"))
    attending = [s for s, r in results.items() if r.greedy.attention is not None]
    if len(attending) < 2:
        st.info(_("A difference needs two models with attention."))
        return
    if following and not st.toggle(_("Show the difference of two scorers"), key=DIFFERENCE_SHOWN):
        return
    mine = _pick_defaults(attending)
    if projecting:  # picked above the frame's two heatmaps (pair)
        first, second = mine["a"], mine["b"]
    else:
        left, right = st.columns(2)
        first, second = _scorer_box(left, "a", attending), _scorer_box(right, "b", attending)
    if reference is not None:
        a, b = results[first].forced, results[second].forced
        st.caption(_("Both forced on the reference target; red: B attends more, blue: A attends more."))
    else:
        ids = tuple(results[first].greedy.token_ids)
        names = catalog.model_for(task, first).name, catalog.model_for(task, second).name
        a, b = cached.on_output_of(names[0], names[0], sentence, ids), cached.on_output_of(*names, sentence, ids)
        st.caption(_("Both fed A's output token by token; red: B attends more, blue: A attends more."))
    if compare_view.comparable(a, b):
        source, target, first_rows, second_rows = a.source_tokens, a.target_tokens, a.attention, b.attention
        if merged:
            grid_a = words.grid(source, target, first_rows, *merged)
            grid_b = words.grid(source, target, second_rows, *merged)
            source, target = grid_a.source_labels, grid_a.target_labels
            first_rows, second_rows = grid_a.attention, grid_b.attention
        figure = heatmaps.difference_heatmap(source, target, first_rows, second_rows, (first, second))
        st.plotly_chart(presentation.enlarge(figure) if projecting else figure, key="cmp_difference")
    else:
        st.info(_("These two models split the sentence into different tokens, so their cells do not line up."))


def summary(results: dict, reference: Example | None, examples: list[Example], following: bool = False) -> None:
    """Whether the sentence has a gold alignment (`reference`; `examples`: the task's generated ones, if any),
    and every scorer's numbers in a table (a still one for a live class's follower: explorer.ui.common.tables)."""
    if reference is None:
        if examples:
            st.info(
                _(
                    "This sentence was typed, not generated, so it has no gold alignment. "
                    "Pick an example from the test split to see one and each scorer's alignment accuracy."
                )
            )
        else:
            st.info(_("This task has no gold alignment: compare the scorers with each other."))
    table = pd.DataFrame(compare_view.shown_rows(compare_view.summary_rows(list(results.values()))))
    tables.table(table.rename(columns=compare_view.summary_columns()), following, placeholder=layout.MISSING)


def heatmaps_show(box, reference: Example | None) -> bool:
    """The radio "own output / teacher forcing" (a sentence with a reference only): whether forced."""
    if reference is None:
        return False
    shown = box.radio(
        _("Heatmaps show"),
        ["own", "forced"],
        horizontal=True,
        key="cmp_show",
        format_func={shown: _(label) for shown, label in HEATMAP_SOURCES.items()}.__getitem__,
    )
    return shown == "forced"
