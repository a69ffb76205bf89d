"""The Decode page's sections: Streamlit widgets over explorer.views.decode's plain logic.

User text never reaches HTML or unescaped Markdown: tokens go into plotly (escaped by the
figure builders), dataframes, st.text (plain text, never parsed) or selectbox options, notes
through escape_markdown, and the instant stepper's iframe as JSON data that its script sets with
textContent (explorer.ui.fast_stepper).

Only what is open is built: the open tab below the heatmap, the instant stepper once expanded
(`on_change="rerun"` gives both an `.open` state). A Step then builds fewer figures on the
server, and a page's first view asks the browser for fewer bundles.
"""

from __future__ import annotations

import functools
import urllib.parse

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from explorer.figures import bars, common, heatmaps, links, svg_bars, svg_heatmap
from explorer.state import catalog, keys, link
from explorer.state.catalog import TASK_LABELS
from explorer.state.view import MAX_SENTENCE_CHARS, STRATEGIES, link_params
from explorer.ui import components, fast_stepper, pickers
from explorer.ui.loaders import get_translator
from explorer.ui.markdown import escape_markdown
from explorer.views import decode as dv
from explorer.views import decode_analysis as da
from explorer.views import lab as lab_view
from seq2seq.attention import SCORER_INFO
from seq2seq.decoded import DecodedSentence, DecodedStep

BIG_FONT = {"size": 18}


def inputs(available: dict[str, list[str]], presentation: bool) -> None:
    """Task, scorer toggle (and model, if the scorer has several), sentence, examples, strategy, reference."""
    ss = st.session_state
    # On a projector the sentence goes beside the task (it has no example box there), so the
    # heatmap starts higher on the screen; otherwise that place stays empty.
    task_box, beside_task = st.columns([1, 2])
    task_box.selectbox(
        "Task",
        list(available),
        key=keys.DECODE_TASK,
        format_func=lambda t: TASK_LABELS.get(t, t),
        on_change=dv.on_task_change,
        args=(ss, available),
    )
    # A row of its own: the six options need about 480 px, more than a column beside the task box
    # has on a 1024-pixel laptop or a projector ("location" was cut off, out of reach).
    st.segmented_control(
        "Attention scorer",
        available[ss[keys.DECODE_TASK]],
        key=keys.DECODE_SCORER,
        required=True,
        help="Each scorer is its own trained model; switching keeps the sentence and the step.",
    )
    several = len(catalog.variants(ss[keys.DECODE_TASK], ss[keys.DECODE_SCORER])) > 1  # else no Model box: no empty row
    model_box = st.columns([2, 1])[0] if several and not presentation else st
    pickers.model_choice(model_box, ss[keys.DECODE_TASK], ss[keys.DECODE_SCORER], keys.DECODE_MODEL)
    sentence, example = (beside_task, None) if presentation else st.columns([2, 1])
    sentence.text_input(
        "Source sentence",
        key=keys.DECODE_SENTENCE,
        max_chars=MAX_SENTENCE_CHARS,
        on_change=dv.on_sentence_change,
        args=(ss,),
    )
    if example is not None:
        example.selectbox(
            "Or pick an example",
            dv.example_sentences(ss[keys.DECODE_TASK]),
            index=None,
            key=keys.DECODE_EXAMPLE,
            placeholder="examples for this task",
            on_change=dv.on_example,
            args=(ss,),
        )
    box = st.expander("Decoding settings") if presentation else st.container()
    with box:
        cols = st.columns([5, 2, 2, 4])
        cols[0].radio(
            "Strategy", STRATEGIES, key=keys.DECODE_STRATEGY, horizontal=True, format_func=dv.STRATEGY_LABELS.get
        )
        if ss[keys.DECODE_STRATEGY] == "sample":
            cols[1].slider("Temperature", 0.05, 5.0, step=0.05, key=keys.DECODE_TEMPERATURE, persist_state="page")
            cols[2].number_input("Seed", 0, 2**31 - 1, step=1, key=keys.DECODE_SEED, persist_state="page")
        if ss[keys.DECODE_STRATEGY] == "beam":
            cols[1].slider("Beam width", 1, 10, key=keys.DECODE_BEAM, persist_state="page")
        cols[3].text_input(
            "Reference (teacher forcing)",
            key=keys.DECODE_REFERENCE,
            max_chars=MAX_SENTENCE_CHARS,
            help="When set, the decoder is fed this target (teacher forcing) instead of its own choices.",
        )


def model_line(name: str, scorer: str) -> None:
    info = SCORER_INFO.get(scorer, {})
    st.caption(escape_markdown(f"Model {name} · {info.get('formula', '')} · {info.get('reference', '')}"))


def controls(n: int, presentation: bool) -> None:
    """Step, Back, Play (Pause while playing), Reset, the step slider and the play speed."""
    ss = st.session_state
    cols = st.columns([1, 1, 1, 1, 2])  # narrower, "Reset" did not fit its button on a 1024-pixel laptop
    # Keyed: the heatmap (explorer.figures.svg_heatmap) draws the row a Step, Back or Reset asks for in the
    # browser at once, before this fragment's rerun brings the rest of the step's views.
    step_key, back_key, reset_key = svg_heatmap.STEP_BUTTON, svg_heatmap.BACK_BUTTON, svg_heatmap.RESET_BUTTON
    cols[0].button("Step", key=step_key, on_click=dv.step_forward, args=(ss, n), disabled=ss[keys.DECODE_STEP] >= n)
    cols[1].button("Back", key=back_key, on_click=dv.step_back, args=(ss,), disabled=ss[keys.DECODE_STEP] <= 0)
    cols[2].button("Pause" if dv.playing(ss) else "Play", key="decode_play", on_click=dv.toggle_play, args=(ss, n))
    cols[3].button("Reset", key=reset_key, on_click=dv.reset, args=(ss,))
    if not presentation:
        cols[4].slider("Play speed (seconds per step)", 0.1, 2.0, step=0.1, key=keys.DECODE_SPEED)
    # On a projector (no speed slider) the step slider takes that place in the buttons' row.
    step_box = cols[4] if presentation else st
    step_box.slider("Step", 0, n, key=keys.DECODE_STEP, help="Number of target tokens produced so far.")


def _style(figure, presentation: bool):
    """Large type for a projector (Streamlit's chart theme would keep the ticks small)."""
    if presentation:
        figure.update_layout(font=BIG_FONT)
        figure.update_xaxes(tickfont=BIG_FONT)
        figure.update_yaxes(tickfont=BIG_FONT)
    return figure


def step_views(data: DecodedSentence, translator, presentation: bool) -> None:
    """Everything that follows the step: heatmap, current step, explain, what-if, override, links."""
    ss = st.session_state
    step, n = ss[keys.DECODE_STEP], data.num_steps
    src, tgt, att = data.visible(step)
    st.markdown(f"**Step {step} of {n}** · output so far:")
    st.text(" ".join(tgt) if tgt else "(nothing yet: press Step or Play)")
    if tgt:
        st.caption(f"reads: {escape_markdown(dv.output_text(data, step, translator.target_tokenizer))}")
    row = data.current(step)
    main, side = (st.container(), st.container()) if presentation else st.columns([3, 2])
    with main:
        if att is None:
            st.info(dv.NO_ATTENTION)
        else:  # drawn in the page without plotly: the first thing a page shows (explorer.figures.svg_heatmap)
            components.heatmap(data, step, presentation)
            st.caption("Hover a cell for both tokens and its weight; the plotly version (zoom, PNG) is a tab below.")
    with side:
        current_step(src, row, data.strategy, presentation)
        if row is not None and not presentation:
            lab_link(data.strategy)
    draw_tab = {  # only the open tab is built (its widgets rerun the page when it changes)
        "Explain this cell": lambda: explain(data, step),
        "What if…": lambda: whatif(data, translator, row),
        "Attention override": lambda: attention_override(data, translator, row),
        "Links": lambda: links_view(src, tgt, att, step, presentation),
        "Interactive heatmap": lambda: interactive_heatmap(src, tgt, att, n, presentation),
    }
    for tab, draw in zip(
        st.tabs(list(draw_tab), key=keys.DECODE_TABS, on_change="rerun"), draw_tab.values(), strict=True
    ):
        if tab.open:
            with tab:
                draw()


def links_view(src: list[str], tgt: list[str], att: list[list[float]] | None, step: int, presentation: bool) -> None:
    if att is None or not tgt:
        st.info("Links appear once a token is produced by a model with attention.")
        return
    figure = links.alignment_links(src, tgt, att, highlight_row=step - 1)
    st.plotly_chart(_style(figure, presentation), key="decode_links")
    st.caption("Each line joins a target token to a source token; its width is the attention weight.")


def interactive_heatmap(
    src: list[str], tgt: list[str], att: list[list[float]] | None, n: int, presentation: bool
) -> None:
    """The heatmap in plotly, for zooming, hovering and its toolbar's PNG export."""
    if att is None:
        st.info(dv.NO_ATTENTION)
        return
    st.plotly_chart(_style(heatmap_figure(src, tgt, att, n, presentation), presentation), key="decode_heatmap_plotly")
    st.caption("The same matrix in plotly: hover, zoom, and the camera icon saves it as PNG.")


def heatmap_figure(src: list[str], tgt: list[str], att: list[list[float]], n: int, presentation: bool):
    """The alignment heatmap in a fixed frame: rows fill in while stepping, the page does not jump."""
    frame = max(len(tgt), min(n, dv.HEATMAP_FRAME_ROWS), 1)
    height = 120 + 50 * frame if presentation else 80 + 28 * frame
    figure = heatmaps.attention_heatmap(src, tgt, att, highlight_row=len(tgt) - 1, height=height)
    figure.update_yaxes(range=[frame - 0.5, -0.5], autorange=False)
    return figure


def current_step(src: list[str], row: DecodedStep | None, strategy: str, presentation: bool) -> None:
    st.subheader("Current step")
    if row is None:
        st.info("Press **Step** to produce the first token.")
        return
    st.text(dv.step_note(row, strategy))
    scale = 1.5 if presentation else 1.0
    # Drawn as SVG in the page, not plotly: a Step redraws them (explorer.figures.svg_bars says why).
    if row.scores is not None:
        components.bars(svg_bars.scores_payload(src, row.scores, row.attention, scale), key="decode_bars")
    if presentation:  # a static table, whose text the projector's CSS enlarges (a dataframe is a canvas)
        st.table(dv.topk_rows(row), hide_index=True)
    else:
        st.dataframe(dv.topk_rows(row), hide_index=True)
    components.bars(svg_bars.topk_payload(row.candidates, chosen=row.token, scale=scale), key="decode_topk")


LAB_PAGE = "pages/9_Lab.py"
LAB_LABEL = "Does attention explain this token? Ask the Lab"


def lab_link(strategy: str) -> None:
    """A link to the Lab's step view on this sentence and step: attention beside three importances."""
    params = lab_view.lab_link(link_params(dv.current_view(st.session_state), "lab"), "step")
    try:
        st.page_link(LAB_PAGE, label=LAB_LABEL, query_params=params, icon=":material/science:")
    except StreamlitPageNotFoundError:  # the page script run alone (AppTest): no app around it to link in
        st.link_button(LAB_LABEL, "Lab?" + urllib.parse.urlencode(params), icon=":material/science:")
    if strategy != "greedy":
        st.caption("The Lab explains the greedy decode: its token at this step may differ from this one.")


def explain(data: DecodedSentence, step: int) -> None:
    ss = st.session_state
    if not data.has_attention:
        st.info("Without attention there are no cells to explain.")
        return
    if step == 0:
        st.info("Produce at least one token to explain a cell.")
        return
    src_labels = common.position_labels(data.source_tokens)
    tgt_labels = common.position_labels(data.target_tokens)
    link.follow(ss, keys.DECODE_EXPLAIN_TARGET, step - 1, options=range(step))
    link.follow(
        ss,
        keys.DECODE_EXPLAIN_SOURCE,
        da.argmax(data.steps[ss[keys.DECODE_EXPLAIN_TARGET]].attention),
        options=range(len(src_labels)),
    )
    cols = st.columns(2)
    t = cols[0].selectbox(
        "Target step", range(step), key=keys.DECODE_EXPLAIN_TARGET, format_func=tgt_labels.__getitem__
    )
    s = cols[1].selectbox(
        "Source position", range(len(src_labels)), key=keys.DECODE_EXPLAIN_SOURCE, format_func=src_labels.__getitem__
    )
    cell = da.explain_cell(data, t, s, get_translator(data.model).model.decoder.scorer)
    info = SCORER_INFO[cell["scorer"]]
    st.latex(info["latex"])
    st.caption(escape_markdown(info["reference"]))
    for line in da.explain_latex(cell):
        st.latex(line)
    st.markdown(da.explain_text(cell))
    shares = svg_bars.shares_payload(data.source_tokens, cell["weights"], cell["shares"], highlight=s)
    components.bars(shares, key="decode_explain")


def whatif(data: DecodedSentence, translator, row: DecodedStep | None) -> None:
    ss = st.session_state
    if row is None:
        st.info("Produce at least one token, then try another candidate for it.")
        return
    options = list(range(len(row.topk)))
    link.follow(ss, keys.DECODE_WHATIF, da.first_alternative(row), options=options)
    choice = st.selectbox(
        f"What if the model had chosen another token at step {row.position}?",
        options,
        key=keys.DECODE_WHATIF,
        format_func=lambda i: da.candidate_label(row, i),
    )
    if st.button("Force it and decode on", key="decode_whatif_go"):
        da.run_whatif(ss, translator, data, row.position, row.topk[choice][1])
    result = da.whatif_result(ss, data, row.position)
    if result is None:
        return
    cols = st.columns(2)
    cols[0].markdown("**Original output**")
    cols[0].text(data.output or "(empty)")
    cols[1].markdown("**What-if output**")
    cols[1].text(result.output or "(empty)")
    st.caption(da.continuation(data))  # how the new output went on after the forced token (no user text)
    st.dataframe(da.compare_rows(data, result, row.position), hide_index=True)


def attention_override(data: DecodedSentence, translator, row: DecodedStep | None) -> None:
    if not data.has_attention:
        st.info("This model has no attention to override.")
        return
    if row is None:
        st.info("Produce at least one token, then move its attention.")
        return
    labels = common.position_labels(data.source_tokens)
    index = st.selectbox(
        f"Put all attention at step {row.position} on source position",
        range(len(labels)),
        index=None,
        key=keys.DECODE_OVERRIDE,
        format_func=labels.__getitem__,
        placeholder="choose a source position",
    )
    if index is None:
        return
    result = da.override(translator, data, row.position, index)
    st.text(f"prediction before: {result['token_before']}    after: {result['token_after']}")
    cols = st.columns(2)
    for col, key, title in ((cols[0], "before", "top-k before"), (cols[1], "after", "top-k after (one-hot)")):
        chosen = result["token_before"] if key == "before" else result["token_after"]
        col.plotly_chart(bars.topk_bars(result[key], chosen=chosen, title=title), key=f"decode_override_{key}")


def instant_stepping(data: DecodedSentence, presentation: bool) -> None:
    """The trace stepped inside the browser (explorer.ui.fast_stepper): no server round trip per click."""
    box = st.expander("Instant stepping (in the browser)", key=keys.DECODE_INSTANT, on_change="rerun")
    if not box.open:
        return
    with box:
        if not data.has_attention:
            st.info("This model has no attention: there is no heatmap to step through.")
            return
        st.caption("The whole decode is already computed: Step ▶ here draws the next row without asking the server.")
        fast_stepper.render(data, presentation=presentation)


def exports(data: DecodedSentence, stem: str) -> None:
    """Download buttons whose files are made on click (a callable), not on every run of the page."""
    st.subheader("Export and share")
    files = [("Whole trace (JSON)", dv.trace_json, "trace.json", "application/json")]
    if data.has_attention:
        files.insert(0, ("Attention matrix (CSV)", dv.attention_csv, "attention.csv", "text/csv"))
    cols = st.columns(2)
    if not data.has_attention:
        cols[0].caption("No attention matrix: this model has no attention.")
    for column, (label, make, suffix, mime) in zip(cols[2 - len(files) :], files, strict=True):
        column.download_button(
            label, functools.partial(make, data), file_name=f"{stem}-{suffix}", mime=mime, on_click="ignore"
        )
    st.caption("The address bar holds this view (task, scorer, model, sentence, step, strategy): copy it to share.")
