"""The Lab page's sections: Streamlit widgets and layout over the plain logic of explorer.views.lab
(the view a link opens) and of each view's module (lab_step, lab_split, lab_scorers).

The page opens on a link, else the view every page shares (task, scorer, model, sentence, step: its one
owner, explorer.state.owner), and keeps in its URL that view and the open one of its three views
(`view=step|split|scorers`). What a view does not draw stays in the owner's view, so switching views and
back finds it as it was.

User text never reaches HTML or unescaped Markdown: tokens go into plotly (escaped by the figure
builders), dataframes and st.text; readings that quote tokens go through escape_markdown.
Every text is in the session's language (explorer.i18n): titles and labels are translated here, when drawn.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import streamlit as st

from explorer import i18n
from explorer.figures import bars, curves, heatmaps, svg_histograms
from explorer.figures.common import position_labels
from explorer.i18n import _, ngettext
from explorer.i18n.errors import message_of
from explorer.state import catalog, keys, owner, params
from explorer.state.view import ViewState, link_params
from explorer.ui.common import cached, components, pickers, sharing
from explorer.ui.common.markdown import escape_markdown
from explorer.ui.shell import layout, presentation
from explorer.views import lab, lab_readings, lab_scorers, lab_split, lab_step, lab_stored
from seq2seq.lab import papers
from seq2seq.lab.names import MEASURES, MODEL_EXPERIMENTS, WHERE_THEY_APPLY, WITHOUT_ATTENTION
from seq2seq.scorers import learns_where_to_look

PAGE = "lab"
PREFIX = "lab"
LINK_VIEW = "_lab_link_view"  # the view a link opened, with its notes


def text_px(text: str) -> int:
    """About how wide the data grid draws `text` (14 px type): a CJK character twice a Latin one, plus padding."""
    return 24 + sum(15 if ord(ch) > 0x2E80 else 8 for ch in text)


def paper_table(rows: list[dict]) -> None:
    """A table of pairs beside the paper's numbers. τ is given a narrow column and the paper's column the
    width of its longest text: sized by the grid alone, it got what was left and cut its text off."""
    frame = pd.DataFrame(rows)
    config = {"τ": st.column_config.NumberColumn(width="small")}
    # only where seq2seq/lab/papers.toml quotes a number for a pair: a table's, or their outputs' (J&W)
    for column in (lab_readings.paper_column(), *lab_readings.their_columns().values()):
        if column in frame.columns:
            texts = [column, *(str(v) for v in frame[column])]
            config[column] = st.column_config.TextColumn(width=max(map(text_px, texts)))
    st.dataframe(frame, hide_index=True, column_config=config)


def view_choice(query: Mapping[str, str], new: bool, box=st) -> str:
    """The view radio, in `box`, for the Lab's own field `view` (explorer.state.owner.own): a link just opened
    (`new`) sets it to the link's `view` (`query`: the URL), with a note for an unknown one, shown while the
    radio still shows what the link led to."""
    state = st.session_state
    if new:
        found = params.parse(PAGE, query, view=lab.VIEWS)  # the page's own parameter (explorer.state.pages)
        owner.propose_own(state, PAGE, {"view": found.values["view"]})
        state[LINK_VIEW] = (found.values["view"], found.notes)
    # Labels looked up, not computed, by format_func: AppTest calls it outside the page's run (in English).
    labels = {view: _(lab.VIEW_LABELS[view]) for view in lab.VIEWS}
    key, change = pickers.bound_own(PAGE, "view", lab.VIEWS[0])
    chosen = box.radio(
        _("View"), lab.VIEWS, key=key, horizontal=True, format_func=labels.__getitem__, label_visibility="collapsed",
        **change,
    )  # fmt: skip
    which, notes = state.get(LINK_VIEW) or (chosen, ())
    if chosen == which:  # the note stays while the radio shows the link's (replaced) view
        for note in notes:
            box.info(escape_markdown(message_of(note)))
    return chosen


def explanation(which: str, projecting: bool, box=st) -> None:
    with box.expander(_("What this view measures, and what the papers found"), expanded=not projecting):
        st.markdown(lab.explanation(which))


def publish(view: ViewState, which: str) -> None:
    """The page's view and its open view into the URL: the address bar is a share link."""
    sharing.publish(PAGE, lab.lab_link(link_params(view, PAGE), which))


# -- pickers ---------------------------------------------------------------------------------------------
def pickers_for(which: str, models: dict[str, list[str]], folded: bool = False) -> pickers.Picked:
    """The widgets the open view needs: task, scorer, model and sentence for a step; task, scorer and
    model for a split; the task for every scorer. The view keeps what a view does not draw (its owner,
    explorer.state.owner), so switching views and back finds it as it was. `folded` (presentation mode):
    the step view's task, scorer and model fold away beside the sentence."""
    state = st.session_state
    if which == "step":
        return pickers.model_and_sentence(PREFIX, models, folded=folded)
    pickers.within(models)  # the Lab offers fewer scorers than the view may name
    left, middle, _rest = st.columns([1, 1, 2])
    task_labels = {name: _(catalog.task_label(name)) for name in models}  # looked up (see view_choice)
    key, change = pickers.bound(PREFIX, "task")
    left.selectbox(_("Task"), list(models), key=key, format_func=task_labels.__getitem__, **change)
    current = owner.view(state)
    if which == "split":
        key, change = pickers.bound(PREFIX, "scorer")
        middle.selectbox(_("Scorer"), models[current.task], key=key, **change)
        key, change = pickers.bound(PREFIX, "model")
        name = pickers.model_choice(middle, current.task, current.scorer, key, change)
        st.caption(escape_markdown(_("Model {name}").format(name=name)))
    current = owner.view(state)
    name = catalog.model_for(current.task, current.scorer, current.model).name
    return pickers.Picked(current.task, current.scorer, current.sentence, name, current.model)


def step_slider(output: lab_step.GreedyOutput, new: bool) -> int:
    """The output token to explain (1..n): the view's step (a fresh page's 0: the first step worth reading)."""
    state = st.session_state
    n = output.num_steps
    step, note = lab_step.explained_step(owner.view(state).step, n, output.probs)
    if new and note:
        st.info(note)  # numbers only: no user text
    if step != owner.view(state).step:
        owner.propose(state, {"step": step})
    if n == 1:  # a slider needs two values
        st.text(_("Output token 1 of 1: {token}").format(token=output.target_tokens[0]))
        return 1
    labels = position_labels(output.target_tokens)  # "01 ▁I": as the Decode page's heatmap labels its rows
    key, change = pickers.bound(PREFIX, "step")
    return st.select_slider(
        _("Output token to explain"),
        options=range(1, n + 1),
        key=key,
        format_func=lambda i: labels[i - 1],
        help=_("Step N is the N-th token of the greedy output, as the Decode page's Current step at step N."),
        **change,
    )


# -- this sentence, this step ----------------------------------------------------------------------------
def step_view(name: str, sentence: str, output: lab_step.GreedyOutput, step: int, projecting: bool) -> None:
    shown = [f"[{tok}]" if i == step - 1 else tok for i, tok in enumerate(output.target_tokens)]
    greedy = _("greedy output: {tokens}").format(tokens=" ".join(shown))
    if not projecting:  # on a projector under the figure, so that the figure is in the frame
        st.text(greedy)
    # On a projector the switch and the warning go under the figure, so that the figure is in the frame.
    measures = st.session_state.get(keys.LAB_MEASURES, MEASURES[0]) if projecting else measures_choice()
    result = cached.lab_step(name, sentence, step, measures if measures in MEASURES else MEASURES[0])
    imp = result.importance
    warning = lab_step.saturated_warning(imp)
    if warning and not projecting:  # before the figure: its rows are noise
        st.warning(escape_markdown(warning))
    rows = lab_step.method_rows(imp)
    title = _("why “{token}”, output token {step}: each row scaled to its largest value").format(
        token=imp.token, step=step
    )
    figure = heatmaps.rows_heatmap(imp.source_tokens, rows, title=title, normalize=True)
    # On a projector at most one frame high (the slider and the folded pickers above it).
    st.plotly_chart(presentation.enlarge(figure, most=FRAME_FIGURE_PX) if projecting else figure, key="lab_rows")
    if projecting:
        st.text(greedy)
        if warning:
            st.warning(escape_markdown(warning))
        measures_choice()
    for note in lab_step.method_notes(imp):
        st.caption(escape_markdown(note))
    paper_table(lab_step.tau_rows(result.taus, result.tau_p, imp.below_floor))
    st.caption(escape_markdown(lab_step.p_caption(result.tau_p)))
    st.markdown(escape_markdown(lab_step.step_reading(result)))
    if not result.has_attention:
        st.info(_(lab.NONE_NOTE))
        return
    perturbations(name, sentence, step, projecting)


def measures_choice() -> str:
    """The step view's switch between the two definitions of the importances (seq2seq.lab.names.MEASURES)."""
    labels = {name: _(lab_readings.MEASURE_LABELS[name]) for name in MEASURES}  # looked up (see view_choice)
    return st.radio(
        _("Importances"),
        MEASURES,
        key=keys.LAB_MEASURES,
        horizontal=True,
        format_func=labels.__getitem__,
        help=_(
            "Signed: each value with its sign, every source token ranked. Jain & Wallace (2019): magnitudes, "
            "the gradient with attention held fixed, leave-one-out by deletion, `</s>` not ranked."
        ),
    )


FRAME_FIGURE_PX = 310  # the step view's figure on a projector: one 1280×720 frame with the pickers and slider


def _asked(experiment: str, where: tuple) -> bool:
    return st.session_state.get(keys.LAB_ASKED, {}).get(experiment) == where


def perturbations(name: str, sentence: str, step: int, projecting: bool) -> None:
    """The Permute and Adversarial attention buttons, and the result each was last asked for here."""
    where = (name, sentence, step)
    asked = st.session_state.setdefault(keys.LAB_ASKED, {})
    left, right = st.columns(2)
    permute_help = ngettext(
        "Shuffle this step's attention {n} time (Jain & Wallace {section}).",
        "Shuffle this step's attention {n} times (Jain & Wallace {section}).",
        lab_step.PERMUTATION_SEEDS,
    ).format(n=lab_step.PERMUTATION_SEEDS, section=papers.section("permutation"))
    if left.button(_("Permute"), key="lab_permute", help=permute_help):
        asked["permute"] = where
    if right.button(
        _("Adversarial attention"),
        key="lab_adversarial",
        help=_("Search for the most different attention that keeps the prediction (Jain & Wallace {section}).").format(
            section=papers.section("adversarial")
        ),
    ):
        asked["adversarial"] = where
    if _asked("permute", where):
        _permuted(cached.lab_permutation(name, sentence, step), projecting)
    if _asked("adversarial", where):
        _adversarial(cached.lab_adversarial(name, sentence, step), projecting)


def _chart(figure, key: str, projecting: bool, column=st) -> None:
    column.plotly_chart(presentation.enlarge(figure) if projecting else figure, key=key)


def _before_after(before, after, token_before: str, token_after: str, key: str, projecting: bool) -> None:
    cols = st.columns(2)
    before_title, after_title = _("output before"), _("output after")
    _chart(bars.topk_bars(before, chosen=token_before, title=before_title), f"{key}_before", projecting, cols[0])
    _chart(bars.topk_bars(after, chosen=token_after, title=after_title), f"{key}_after", projecting, cols[1])


def _permuted(result: dict, projecting: bool) -> None:
    st.subheader(_("Permuted attention"))
    shown = result["shown"]
    cols = st.columns(3)
    cols[0].metric(_("median TVD"), i18n.number(result["median_tvd"], 3))
    n = result["n_seeds"]
    cols[1].metric(
        _("token changed"),
        i18n.percent(result["fraction_changed"], 0),
        help=ngettext("of {n} shuffle", "of {n} shuffles", n).format(n=n),
    )
    cols[2].metric(_("this shuffle's TVD (seed {seed})").format(seed=shown["seed"]), i18n.number(shown["tvd"], 3))
    rows = {
        _("the model's own"): result["attention"],
        _("shuffle, seed {seed}").format(seed=shown["seed"]): shown["row"],
    }
    _chart(
        heatmaps.rows_heatmap(result["source_tokens"], rows, title=_("attention, own and shuffled")),
        "lab_permuted_rows",
        projecting,
    )
    after_token = result["after"][0][0] if result["after"] else ""
    _before_after(result["before"], result["after"], result["token"], after_token, "lab_permuted", projecting)
    st.caption(_("The shuffle shown is the one whose TVD is closest to the median."))
    st.markdown(escape_markdown(lab_step.permutation_reading(result)))


def _adversarial(result: dict, projecting: bool) -> None:
    st.subheader(_("Adversarial attention"))
    cols = st.columns(3)
    cols[0].metric(_("JSD from the model's own"), _("{value} nats").format(value=i18n.number(result["jsd"], 3)))
    cols[1].metric(
        _("output TVD"), i18n.number(result["tvd"], 3), help=_("bound {bound}").format(bound=result["tvd_bound"])
    )
    cols[2].metric(_("token changed"), _("yes") if result["token_changed"] else _("no"))
    rows = {_("the model's own"): result["original_attention"], _("adversarial"): result["attention"]}
    figure = heatmaps.rows_heatmap(result["source_tokens"], rows, title=_("attention, own and adversarial"))
    _chart(figure, "lab_adversarial_rows", projecting)
    before, after = lab_step.top_pairs(result["original_top"]), lab_step.top_pairs(result["adversarial_top"])
    _before_after(before, after, before[0][0], after[0][0], "lab_adversarial", projecting)
    st.markdown(escape_markdown(lab_step.adversarial_reading(result)))


# -- stored results ---------------------------------------------------------------------------------------
def stored(task: str) -> dict | None:
    """The task's stored results, with a warning when their file cannot be used."""
    data, note = cached.lab_results(task)
    if note:
        st.warning(escape_markdown(_("The stored lab results cannot be used: {note}").format(note=note)))
    return data


def no_results(what: str, commands: str) -> None:
    """A note that results are not stored (`what`: a sentence saying which), and the commands that compute them."""
    st.info(
        _("{sentences} {sentence}").format(
            sentences=escape_markdown(what),
            sentence=_(
                "`scripts/lab_results.py` computes the shipped models' results and stores them beside the models"
                " (`pretrained/lab/`), where this page reads them; the lab's command prints one model's in a terminal:"
            ),
        )
    )
    st.code(commands, language="bash")


# -- this model, a whole split ------------------------------------------------------------------------------
TAU_RANGE, TAU_BIN = (-1.0, 1.0), 0.1  # the τ histograms' x range and bins (Plotly's and a follower's SVG alike)


def agreement_marks(agreement: dict) -> dict:
    """The papers' marks on a stored agreement result's τ histograms (lab_split.paper_marks of its pairs)."""
    return lab_split.paper_marks([p for p in agreement.get("summary", {}) if "~" in p])


def agreement_histograms(agreement: dict, projecting: bool) -> tuple:
    """A stored agreement result's τ histograms (shared: cached.shared_figure), and the papers' marks on them."""
    marks = agreement_marks(agreement)
    return cached.shared_figure(tau_histograms, lab_split.tau_series(agreement), marks, projecting), marks


def tau_histograms(series: dict, marks: dict, projecting: bool):
    """The split's τ per example, a histogram per pair with the papers' marks (enlarged on a projector)."""
    figure = bars.histogram_grid(series, "Kendall τ", TAU_RANGE, TAU_BIN, marks=marks)
    return presentation.enlarge(figure) if projecting else figure


PROJECTED_SCALE = {False: 1.0, True: 1.25}  # a class's SVG histograms' type and panels, larger on a projector


def split_view(task: str, scorer: str, name: str, projecting: bool, in_class: bool = False) -> None:
    """This model's stored results on a whole split. `in_class`: a live class's page, the teacher's or a follower's
    (a phone, most often), whose τ histograms are drawn in the browser as SVG, the same bins and counts
    (explorer.figures.svg_histograms): the class sees one drawing, and the teacher's Plotly chart took, at a lesson's
    start, the cores the phones' pages needed."""
    data = stored(task)
    found = {
        experiment: lab_stored.experiment(data, name, experiment)
        for experiment in (*MODEL_EXPERIMENTS, *WHERE_THEY_APPLY)
    }
    has_attention = learns_where_to_look(scorer)
    if not any(found[e] for e in lab_split.DRAWN):
        done = MODEL_EXPERIMENTS if has_attention else WITHOUT_ATTENTION
        missing = _("No stored results for {model}.").format(model=name)
        no_results(missing, lab_stored.compute_commands(name, task, catalog.data_file(task) is not None, done))
        return
    st.caption(escape_markdown(lab_stored.settings_text(data)))
    lines = lab_split.split_reading(found)
    reading = "\n".join(f"- {escape_markdown(line)}" for line in lines)
    if lines and not projecting:
        st.markdown(reading)
    agreement = found["agreement"]
    if agreement:
        st.subheader(_("Agreement: τ per example"))
        if in_class:
            marks, series = agreement_marks(agreement), lab_split.tau_series(agreement)
            chart = svg_histograms.payload(
                series, "Kendall τ", TAU_RANGE, TAU_BIN, "lab-tau-histograms", marks, scale=PROJECTED_SCALE[projecting]
            )
            components.bars(chart, "lab_tau_histograms")
        else:
            figure, marks = agreement_histograms(agreement, projecting)
            st.plotly_chart(figure, key="lab_tau_histograms")
        st.caption(lab_split.histogram_caption(marks))
    if lines and projecting:  # on a projector the frame is the figure's; its reading follows it (issue 62)
        st.markdown(reading)
    if agreement:
        for title, entry in lab_split.measure_sets(agreement):
            st.markdown(f"**{escape_markdown(title)}**")
            paper_table(lab_split.agreement_rows(entry))
            caption = lab_split.agreement_caption(entry)
            if caption:
                st.caption(escape_markdown(caption))
    if not has_attention:
        st.info(_(lab.NONE_NOTE))
        return
    experiments = (
        (_("Permutation"), "permutation", lab_split.permutation_rows),
        (_("Uniform attention"), "uniform", lab_split.uniform_rows),
    )
    for column, (title, name, rows) in zip(st.columns(2), experiments, strict=True):
        with column:
            st.subheader(title)
            if found[name]:
                st.dataframe(pd.DataFrame(rows(found[name])), hide_index=True)
            else:
                st.caption(_("Not stored for this model."))
    baselines = (
        (_("Adversarial attention"), "adversarial", lab_split.adversarial_rows),
        (_("Another seed"), "seed_variance", lab_split.seed_rows),
        (_("Alignment from the importances"), "alignment", lab_split.alignment_rows),
    )
    stored_baselines = [entry for entry in baselines if found[entry[1]]]
    for column, (title, name, rows) in zip(st.columns(3), stored_baselines, strict=False):
        with column:
            st.subheader(title)
            st.dataframe(pd.DataFrame(rows(found[name])), hide_index=True)


# -- all scorers --------------------------------------------------------------------------------------------
def scorers_view(task: str, projecting: bool) -> None:
    data = stored(task)
    needs_data = catalog.data_file(task) is not None
    gold = lab_scorers.has_gold(task)
    table = lab_scorers.scorer_table(data)
    st.subheader(_("The scorer table"))
    if table is None:
        missing = _("No stored results for the {task} scorer table.").format(task=task)
        no_results(missing, lab_stored.compute_commands("", task, needs_data, ("table",)))
    else:
        # A model without attention has no AER or τ: "–", as every other table says it ("None" before).
        st.dataframe(pd.DataFrame(lab_scorers.table_rows(table, gold)), hide_index=True, placeholder=layout.MISSING)
        st.caption(escape_markdown(table_caption(table, gold)))
        lines = lab_scorers.table_reading(table, gold)
        st.markdown("\n".join(f"- {escape_markdown(line)}" for line in lines))
    st.subheader(_("Quality against source length"))
    models = list(((data or {}).get("by_model") or {}).keys())
    series, shared = lab_scorers.length_series(data, task, models)
    if not series:
        model = f"{task}/<scorer>"
        missing = _("No stored results for the {task} length curves.").format(task=task)
        no_results(missing, lab_stored.compute_commands(model, task, needs_data, ("length",)))
        return
    metric = lab_readings.metric_label(shared.get("metric", ""))
    trained = shared.get("trained")
    unit = shared.get("unit", "")
    figure = curves.interval_curves(
        series,
        _("{metric} by source length, each scorer").format(metric=metric),
        # the unit is seq2seq.lab.length.length_unit's, marked there ("characters", "words")
        _("source length ({unit}), bucket's longest").format(unit=_(unit) if unit else unit),
        metric,
        y_range=None if shared.get("metric") == "bleu" else (0, 105),
        marker_x=trained,
        marker_label=_("longest in training") if trained else None,
    )
    _chart(figure, "lab_length_curves", projecting)
    for note in lab_scorers.refused_notes(data, models):
        st.caption(escape_markdown(note))
    st.caption(
        _(
            "Bars: 95% bootstrap intervals. Bahdanau et al. (2015, Fig. 2): without attention, quality falls on "
            "long sentences."
        )
    )


def table_caption(table: Mapping, gold: bool) -> str:
    """The scorer table's caption: how many examples of which split, and whether AER is computed."""
    n, split = table.get("n", "?"), lab_stored.split_name(table.get("split", "test"))
    count = n if isinstance(n, int) and not isinstance(n, bool) else 2
    if gold:
        caption = ngettext(
            "{n} {split} example; τ at every greedy step, averaged; AER against the gold alignments.",
            "{n} {split} examples; τ at every greedy step, averaged; AER against the gold alignments.",
            count,
        )
    else:
        caption = ngettext(
            "{n} {split} example; τ at every greedy step, averaged; no gold alignments for this task, so no AER.",
            "{n} {split} examples; τ at every greedy step, averaged; no gold alignments for this task, so no AER.",
            count,
        )
    return caption.format(n=n, split=split)
