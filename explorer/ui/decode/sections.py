"""The Decode page's sections: Streamlit widgets over explorer.views.decode's plain logic.

User text never reaches HTML or unescaped Markdown: tokens go into plotly (escaped by the
figure builders), dataframes, st.text (plain text, never parsed) or selectbox options, notes
through escape_markdown, and the stepper as JSON data that its script sets with textContent
(explorer.ui.decode.stepper).

The step is the stepper's: it owns Step, Back, Play, Reset, the slider and the keys in the browser and
reports the step it shows; the sections here follow the view's step on the run that report starts. Only
what is open is built: the open tab below the heatmap (`on_change="rerun"` gives it an `.open` state).
"""

from __future__ import annotations

import contextlib
import functools
import urllib.parse
from collections.abc import Callable

import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from explorer import i18n
from explorer.figures import bars, common, heatmaps, links, svg_bars
from explorer.i18n import N_, _
from explorer.state import keys, link, owner
from explorer.state.view import link_params
from explorer.ui.classes import teacher as class_teacher
from explorer.ui.common import components, pickers
from explorer.ui.common.loaders import get_translator
from explorer.ui.common.markdown import escape_markdown
from explorer.ui.decode import stepper as decode_stepper
from explorer.ui.shell import layout, pieces
from explorer.views import decode as decode_view
from explorer.views import decode_analysis, spoken, words
from explorer.views import lab as lab_view
from seq2seq.attention import SCORER_INFO
from seq2seq.decoded import DecodedSentence, DecodedStep
from seq2seq.numbering import shown

BIG_FONT = {"size": 18}


def _style(figure, presentation: bool):
    """Large type for a projector (Streamlit's chart theme would keep the ticks small)."""
    if presentation:
        figure.update_layout(font=BIG_FONT)
        figure.update_xaxes(tickfont=BIG_FONT)
        figure.update_yaxes(tickfont=BIG_FONT)
    return figure


def step_views(data: DecodedSentence, translator, presentation: bool, stepper: Callable[[], None]) -> None:
    """Everything that follows the step, around `stepper` (the page's fragment that draws the stepper with its
    heatmap, `heatmap`, and is all that a step's report runs): the current step, a teacher's revealed answers,
    explain, what-if, override, links. The caller runs this in a fragment of its own, which the stepper's step
    reruns once it rests (decode_stepper.follow_rest)."""
    merged = words_sides(translator)  # the sides shown in words (None: pieces)
    main, side = (st.container(), st.container()) if presentation else st.columns([3, 2])
    with main:
        stepper()
    step = decode_view.step_of(st.session_state)
    src, _tgt, _att = data.visible(step)
    row = data.current(step)
    with side:  # beside the heatmap
        class_teacher.question_panel(class_teacher.revealed_at(step))  # a teacher's revealed question
        current_step(src, row, data.strategy, presentation)
        if row is not None and not presentation:
            lab_link(data.strategy)
    step_tabs(data, translator, presentation, merged)
    decode_stepper.follow_rest(step, data.num_steps)


# The projector's frame: with a teacher's revealed question, the stepper and its heatmap beside the answers (a
# chart of REVEAL_FRAME_PX: the column's text and chart fit under the teacher's bar in a 1366×768 frame).
REVEAL_FRAME_COLUMNS = (7, 3)
REVEAL_FRAME_PX = 220


def frame_views(data: DecodedSentence, translator, stepper: Callable[[], None]) -> None:
    """Presentation mode: one frame with `stepper` (its controls, the output so far and the heatmap, sized to the
    screen's height in the browser), a teacher's revealed answers beside it; the current step and the tabs follow
    below the frame. Run in a fragment that the stepper's step reruns once it rests, as `step_views`."""
    step = decode_view.step_of(st.session_state)
    merged = words_sides(translator)  # the sides shown in words (None: pieces)
    revealed = class_teacher.revealed_at(step)
    if revealed is None:
        figure = st.container()
    else:  # a teacher's revealed question: the class's answers in a column of the frame
        figure, answers = st.columns(REVEAL_FRAME_COLUMNS)
        with answers:
            class_teacher.question_panel(revealed, height=REVEAL_FRAME_PX, projecting=True)
    with figure:
        stepper()
    src, _tgt, _att = data.visible(step)
    current_step(src, data.current(step), data.strategy, presentation=True)
    step_tabs(data, translator, True, merged)
    decode_stepper.follow_rest(step, data.num_steps)


def output_so_far(data: DecodedSentence, step: int, translator) -> None:
    """ "Step k of n", the target tokens produced so far, and how they read once detokenised (Home's example,
    whose Step is a button of its own; Decode's stepper draws these itself)."""
    tgt = data.target_tokens[:step]
    st.markdown(_("**Step {step} of {n}** · output so far:").format(step=step, n=data.num_steps))
    st.text(" ".join(common.shown_token(token) for token in tgt) if tgt else _("(nothing yet: press Step or Play)"))
    if tgt:
        spelled = escape_markdown(decode_view.output_text(data, step, translator.target_tokenizer))
        st.caption(_("reads: {text}").format(text=spelled))


def heatmap(
    data: DecodedSentence,
    presentation: bool,
    translator,
    merged: tuple[bool, bool] | None,
    tabs_below: bool = True,
    following: bool = False,
) -> None:
    """The stepper (explorer.ui.decode.stepper: Step, Back, Play, Reset, the slider, "Step k of n", the output so
    far and the step's heatmap, drawn in the page without plotly): the first thing a page shows; in words on the
    `merged` sides (explorer.views.words), with the rule and the toggle under it. `tabs_below`: the page has the
    tabs under it (a live class's follower has not, until it explores); `following`: a follower's, without
    controls, at the teacher's step."""
    step = decode_stepper.render(data, translator, presentation, merged, following=following)
    if not data.has_attention:
        st.info(_(decode_view.NO_ATTENTION))
        return
    # A follower's notes under the heatmap, in a box of their own: a phone leaves them (and the table) out while the
    # class's question is open, so that the question stays in its first screen (explorer.ui.classes.student).
    with st.container(key=FOLLOWER_NOTES_KEY) if following else contextlib.nullcontext():
        if tabs_below:
            st.caption(
                _(
                    "Point at a cell, or tap it, for both tokens and its weight; the plotly version (zoom, PNG) "
                    "is a tab below."
                )
            )
        else:
            st.caption(_("Point at a cell, or tap it, for both tokens and its weight."))
        if merged:
            st.caption(words.rule(merged))
        else:
            word_starts = pieces.note(data.source_tokens, data.target_tokens)
            if word_starts:
                st.caption(word_starts)
        pickers.page_units(st, decode_view.PAGE, words.sides_of(translator))
    attention_table(data, step, merged)


FOLLOWER_NOTES_KEY = "decode_follower_notes"


TABLE_KEY = "decode_attention_table"


def attention_table(data: DecodedSentence, step: int, merged: tuple[bool, bool] | None) -> None:
    """The heatmap's rows as a table a screen reader can walk (rows: output tokens, columns: source
    tokens, weights to 2 decimals), in an expander built only when open; in words on the `merged` sides."""
    box = st.expander(_("Attention as a table"), key=TABLE_KEY, on_change="rerun")
    if not box.open:
        return
    source, target, attention = data.source_tokens, data.target_tokens[:step], data.attention[:step]
    if merged:
        grid, rows = words.words_at_step(data.source_tokens, data.target_tokens, data.attention, step, *merged)
        source, target, attention = grid.source_labels, grid.target_labels[:rows], grid.attention[:rows]
    with box:
        if not target:
            st.info(_("The table fills in a row per step: press Step."))
            return
        columns, index, cells = spoken.table_rows(source, target, attention)
        st.caption(_("One row per output token, one column per source token: the attention weight, to 2 decimals."))
        # A static HTML table (a dataframe is a canvas a screen reader cannot read), headed both ways.
        # Its cells are Markdown: the tokens are escaped to show as typed.
        index = pd.Index([escape_markdown(x) for x in index], name=_("output token"))
        st.table(pd.DataFrame(cells, index=index, columns=[escape_markdown(x) for x in columns]))


def step_tabs(data: DecodedSentence, translator, presentation: bool, merged: tuple[bool, bool] | None) -> None:
    """The tabs below the heatmap: explain a cell, what-if, attention override, links, interactive heatmap
    (the last two in words on the `merged` sides, as the heatmap)."""
    step, n = decode_view.step_of(st.session_state), data.num_steps
    heatmap_src, heatmap_tgt, heatmap_att = data.visible(step)
    heatmap_notes, heatmap_n = None, n
    if merged and heatmap_att is not None:
        grid, rows = words.words_at_step(data.source_tokens, data.target_tokens, data.attention, step, *merged)
        heatmap_src, heatmap_tgt = grid.source_labels, grid.target_labels[:rows]
        heatmap_att, heatmap_notes, heatmap_n = grid.attention[:rows], grid.notes("\n")[:rows], len(grid.target)
    row = data.current(step)
    draw_tab = {  # only the open tab is built (its widgets rerun the page when it changes)
        "explain": lambda: explain(data, step),
        "whatif": lambda: whatif(data, translator, row),
        "override": lambda: attention_override(data, translator, row),
        "links": lambda: links_view(heatmap_src, heatmap_tgt, heatmap_att, len(heatmap_tgt), presentation),
        "interactive": lambda: interactive_heatmap(
            heatmap_src, heatmap_tgt, heatmap_att, heatmap_n, presentation, heatmap_notes
        ),
    }
    labels = tab_labels()
    for tab, draw in zip(
        st.tabs([labels[name] for name in draw_tab], key=keys.DECODE_TABS, on_change="rerun"),
        draw_tab.values(),
        strict=True,
    ):
        if tab.open:
            with tab:
                draw()


# The tabs below the heatmap: name -> label (English, marked; the tab widget's value is the label shown).
TABS = decode_view.TABS


def tab_labels() -> dict[str, str]:
    """The tabs' labels in the current language. A tab opened in another language (the language was
    just switched) stays open: the widget's value is moved to the same tab's label in this one."""
    labels = {name: _(label) for name, label in TABS.items()}
    ss = st.session_state
    opened = ss.get(keys.DECODE_TABS)
    if opened is not None and opened not in labels.values():
        for lang in i18n.LANGUAGES:
            with i18n.using(lang):
                found = [name for name, label in TABS.items() if _(label) == opened]
            if found:
                ss[keys.DECODE_TABS] = labels[found[0]]
                break
    return labels


def links_view(src: list[str], tgt: list[str], att: list[list[float]] | None, step: int, presentation: bool) -> None:
    if att is None or not tgt:
        st.info(_("Links appear once a token is produced by a model with attention."))
        return
    figure = links.alignment_links(src, tgt, att, highlight_row=step - 1)
    st.plotly_chart(_style(figure, presentation), key="decode_links")
    st.caption(_("Each line joins a target token to a source token; its width is the attention weight."))


def interactive_heatmap(
    src: list[str],
    tgt: list[str],
    att: list[list[float]] | None,
    n: int,
    presentation: bool,
    cell_notes: list[list[str]] | None = None,
) -> None:
    """The heatmap in plotly, for zooming, hovering and its toolbar's PNG export (in words: `cell_notes`)."""
    if att is None:
        st.info(_(decode_view.NO_ATTENTION))
        return
    figure = heatmap_figure(src, tgt, att, n, presentation, cell_notes)
    st.plotly_chart(_style(figure, presentation), key="decode_heatmap_plotly")
    st.caption(_("The same matrix in plotly: hover, zoom, and the camera icon saves it as PNG."))


def heatmap_figure(
    src: list[str],
    tgt: list[str],
    att: list[list[float]],
    n: int,
    presentation: bool,
    cell_notes: list[list[str]] | None = None,
):
    """The alignment heatmap in a fixed frame: rows fill in while stepping, the page does not jump."""
    frame = max(len(tgt), min(n, decode_view.HEATMAP_FRAME_ROWS), 1)
    height = 120 + 50 * frame if presentation else 80 + 28 * frame
    figure = heatmaps.attention_heatmap(src, tgt, att, highlight_row=len(tgt) - 1, height=height, cell_notes=cell_notes)
    figure.update_yaxes(range=[frame - 0.5, -0.5], autorange=False)
    return figure


def words_sides(translator) -> tuple[bool, bool] | None:
    """The sides the heatmaps show in words: those that are SentencePiece, while the toggle says words
    (explorer.views.words); None for pieces. A character task has no toggle: its stale value is dropped."""
    sides = words.sides_of(translator)
    pickers.pieces_only(sides)
    return sides if owner.view(st.session_state).units == words.WORDS else None


def current_step(src: list[str], row: DecodedStep | None, strategy: str, presentation: bool) -> None:
    st.subheader(_("Current step"))
    if row is None:
        st.info(_("Press **Step** to produce the first token."))
        return
    st.text(decode_view.step_note(row, strategy))
    scale = 1.5 if presentation else 1.0
    # Drawn as SVG in the page, not plotly: a Step redraws them (explorer.figures.svg_bars says why).
    if row.scores is not None:
        components.bars(svg_bars.scores_payload(src, row.scores, row.attention, scale), key="decode_bars")
    if presentation:  # a static table, whose text the projector's CSS enlarges (a dataframe is a canvas)
        st.table(headed(decode_view.topk_rows(row), TOPK_HEADERS), hide_index=True)
    else:
        st.dataframe(headed(decode_view.topk_rows(row), TOPK_HEADERS), hide_index=True, placeholder=layout.MISSING)
    components.bars(svg_bars.topk_payload(row.candidates, chosen=row.token, scale=scale), key="decode_topk")


# Table headers: a row's key -> its header (English, marked; shown translated by `headed`).
TOPK_HEADERS = {"rank": N_("rank"), "token": N_("token"), "probability": N_("probability"), "chosen": N_("chosen")}
COMPARE_HEADERS = {"position": N_("position"), "original": N_("original"), "what-if": N_("what-if"), "note": N_("note")}


def headed(rows: list[dict], headers: dict[str, str]) -> list[dict]:
    """`rows` with their keys turned into the headers a reader sees, in the current language."""
    return [{_(headers.get(key, key)): value for key, value in row.items()} for row in rows]


LAB_PAGE = "app_pages/9_Lab.py"
LAB_LABEL = N_("Does attention explain this token? Ask the Lab")


def lab_link(strategy: str) -> None:
    """A link to the Lab's step view on this sentence and step: attention beside three importances."""
    params = lab_view.lab_link(link_params(decode_view.current_view(st.session_state), "lab"), "step")
    try:
        st.page_link(LAB_PAGE, label=_(LAB_LABEL), query_params=params, icon=":material/science:")
    except StreamlitPageNotFoundError:  # the page script run alone (AppTest): no app around it to link in
        st.link_button(_(LAB_LABEL), "Lab?" + urllib.parse.urlencode(params), icon=":material/science:")
    if strategy != "greedy":
        st.caption(_("The Lab explains the greedy decode: its token at this step may differ from this one."))


def explain(data: DecodedSentence, step: int) -> None:
    ss = st.session_state
    if not data.has_attention:
        st.info(_("Without attention there are no cells to explain."))
        return
    if step == 0:
        st.info(_("Produce at least one token to explain a cell."))
        return
    src_labels = common.position_labels(data.source_tokens)
    tgt_labels = common.position_labels(data.target_tokens)
    link.track(ss, keys.DECODE_EXPLAIN_TARGET, step - 1, options=range(step))
    link.track(
        ss,
        keys.DECODE_EXPLAIN_SOURCE,
        decode_analysis.argmax(data.steps[ss[keys.DECODE_EXPLAIN_TARGET]].attention),
        options=range(len(src_labels)),
    )
    cols = st.columns(2)
    t = cols[0].selectbox(
        _("Target step"), range(step), key=keys.DECODE_EXPLAIN_TARGET, format_func=tgt_labels.__getitem__
    )
    s = cols[1].selectbox(
        _("Source position"), range(len(src_labels)), key=keys.DECODE_EXPLAIN_SOURCE, format_func=src_labels.__getitem__
    )
    cell = decode_analysis.explain_cell(data, t, s, get_translator(data.model).model.decoder.scorer)
    info = SCORER_INFO[cell["scorer"]]
    st.latex(info["latex"])
    # Translators: the caption under a scorer's formula, the paper it comes from (English shows the reference alone).
    st.caption(_("{reference}").format(reference=escape_markdown(info["reference"])))
    for line in decode_analysis.explain_latex(cell):
        st.latex(line)
    st.markdown(decode_analysis.explain_text(cell))
    shares = svg_bars.shares_payload(data.source_tokens, cell["weights"], cell["shares"], highlight=s)
    components.bars(shares, key="decode_explain")


def whatif(data: DecodedSentence, translator, row: DecodedStep | None) -> None:
    ss = st.session_state
    if row is None:
        st.info(_("Produce at least one token, then try another candidate for it."))
        return
    options = list(range(len(row.topk)))
    link.track(ss, keys.DECODE_WHATIF, decode_analysis.first_alternative(row), options=options)
    choice = st.selectbox(
        _("What if the model had chosen another token at step {position}?").format(position=shown(row.position)),
        options,
        key=keys.DECODE_WHATIF,
        format_func=[decode_analysis.candidate_label(row, i) for i in options].__getitem__,
    )
    if st.button(_("Force it and decode on"), key="decode_whatif_go"):
        decode_analysis.run_whatif(ss, translator, data, row.position, row.topk[choice][1])
    result = decode_analysis.whatif_result(ss, data, row.position)
    if result is None:
        return
    cols = st.columns(2)
    cols[0].markdown(_("**Original output**"))
    cols[0].text(data.output or _("(empty)"))
    cols[1].markdown(_("**What-if output**"))
    cols[1].text(result.output or _("(empty)"))
    st.caption(decode_analysis.continuation(data))  # how the new output went on after the forced token (no user text)
    st.dataframe(
        headed(decode_analysis.compare_rows(data, result, row.position), COMPARE_HEADERS),
        hide_index=True,
        placeholder=layout.MISSING,
    )


def attention_override(data: DecodedSentence, translator, row: DecodedStep | None) -> None:
    if not data.has_attention:
        st.info(_("This model has no attention to override."))
        return
    if row is None:
        st.info(_("Produce at least one token, then move its attention."))
        return
    labels = common.position_labels(data.source_tokens)
    index = st.selectbox(
        _("Put all attention at step {position} on source position").format(position=shown(row.position)),
        range(len(labels)),
        index=None,
        key=keys.DECODE_OVERRIDE,
        format_func=labels.__getitem__,
        placeholder=_("choose a source position"),
    )
    if index is None:
        return
    result = decode_analysis.override(translator, data, row.position, index)
    st.text(
        _("prediction before: {before}    after: {after}").format(
            before=result["token_before"], after=result["token_after"]
        )
    )
    cols = st.columns(2)
    titles = ((cols[0], "before", _("top-k before")), (cols[1], "after", _("top-k after (one-hot)")))
    for col, key, title in titles:
        chosen = result["token_before"] if key == "before" else result["token_after"]
        col.plotly_chart(bars.topk_bars(result[key], chosen=chosen, title=title), key=f"decode_override_{key}")


def exports(data: DecodedSentence, stem: str) -> None:
    """Download buttons whose files are made on click (a callable), not on every run of the page."""
    st.subheader(_("Export and share"))
    files = [(_("Whole trace (JSON)"), decode_view.trace_json, "trace.json", "application/json")]
    if data.has_attention:
        files.insert(0, (_("Attention matrix (CSV)"), decode_view.attention_csv, "attention.csv", "text/csv"))
    cols = st.columns(2)
    if not data.has_attention:
        cols[0].caption(_("No attention matrix: this model has no attention."))
    for column, (label, make, suffix, mime) in zip(cols[2 - len(files) :], files, strict=True):
        column.download_button(
            label, functools.partial(make, data), file_name=f"{stem}-{suffix}", mime=mime, on_click="ignore"
        )
    st.caption(_("The address bar holds this view (task, scorer, model, sentence, step, strategy): copy it to share."))
