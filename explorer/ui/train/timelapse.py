"""The Timelapse page's section: probe and epoch pickers, Play, a heatmap per history at that epoch, curves."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from explorer.figures import curves, heatmaps, svg_curves, svg_heatmap
from explorer.i18n import N_, _
from explorer.i18n.errors import message_of
from explorer.state import owner, params
from explorer.state.catalog import metric_title
from explorer.ui.common import cached, components, pickers
from explorer.ui.common.markdown import escape_markdown
from explorer.ui.shell import pieces
from explorer.views import timelapse as timelapse_view

PAGE = "timelapse"  # its parameters: explorer.state.pages, parsed by explorer.state.params
FRAME_FIGURE_PX = 360  # a heatmap on a projector: the first row in one 1280×720 frame below the pickers
CURVES = ("loss", "metric")  # a follower's SVG curves, in curve_specs' order: their keys and ids (tl-loss, tl-metric)
PAGE_PX = 940  # the page's width for figures at 1400 px (the sidebar open): a heatmap's share of it thins its labels


PLAY_HELP = N_("Every epoch as an animation, run in your browser: the heatmaps give way to it while it is on.")


def notes(found: Sequence[str]) -> None:
    """A link's notes (its values refused), in the page's language; they quote the link: escaped."""
    for note in found:
        st.info(escape_markdown(message_of(note)))


def show(
    histories: dict[str, list[dict]],
    task: str | None,
    context: str,
    projecting: bool,
    live: bool = False,
    opened: dict[str, str] | None = None,
    in_class: bool = False,
) -> dict[str, str]:
    """The probe and epoch pickers, Play, a heatmap per history at the chosen epoch (Play on: the animation
    of every epoch in their place), the curves. Returns the probe and epoch shown, as a link's parameters
    (a live class's teacher publishes them).

    `live`: a running training's history, redrawn every few seconds; the epoch slider follows the
    newest epoch unless the user has moved it elsewhere. `opened`: a link just opened (a class's teacher
    view): its probe and epoch are shown when they are among this history's, a note said for one that is not.
    `in_class`: a live class's page, the teacher's or a follower's, whose heatmaps and curves are drawn in the browser
    (heatmap_rows, epoch_curves)."""
    histories = {name: records for name, records in histories.items() if records}
    epochs = timelapse_view.epoch_numbers(histories)
    sources = timelapse_view.probe_sources(histories)
    if not epochs or not sources:
        st.info(_("No epoch has been recorded for this choice yet."))
        return {}
    state = st.session_state
    linked_epoch = None
    if opened:
        linked = params.parse(PAGE, opened, probe=sources, epoch=epochs)
        notes(linked.notes)
        if "probe" in linked.values:
            owner.propose_own(state, PAGE, {"probe": linked.values["probe"]})
        linked_epoch = linked.values.get("epoch")
    # The probe and epoch are the page's own fields (explorer.state.owner.own): one for every history shown,
    # each replaced by this history's default when it has no such probe or epoch.
    mine = owner.own(state, PAGE)
    if mine.get("probe") not in sources:
        owner.propose_own(state, PAGE, {"probe": sources[timelapse_view.default_probe_index(sources, task)]})
    # The epoch depends on the history shown (`context`): another opens on its newest epoch, as does a link's
    # epoch it lacks; a live one follows its newest unless the user has moved the slider elsewhere.
    chosen, seen = mine.get("epoch"), mine.get("history")
    if linked_epoch is not None:
        chosen = linked_epoch
    elif seen != context or chosen not in epochs or (live and chosen == mine.get("newest")):
        chosen = epochs[-1]
    owner.propose_own(state, PAGE, {"history": context, "epoch": chosen, "newest": epochs[-1]})

    left, right, play = st.columns([2, 3, 2], vertical_alignment="bottom")
    key, change = pickers.bound_own(PAGE, "probe", sources[0])
    source = left.selectbox(_("Probe sentence"), sources, key=key, **change)
    key, change = pickers.bound_own(PAGE, "epoch", epochs[-1])
    epoch = right.select_slider(_("Epoch"), epochs, key=key, **change) if len(epochs) > 1 else epochs[0]
    # Play sits beside the pickers and its animation takes the heatmaps' place: in the first screen (of a
    # projector's 1280×720 frame too).
    # A short label, whole in its column in both languages; what it does is in its help.
    playing = len(epochs) > 1 and play.toggle(_("▶ Play every epoch"), key="tl_play", help=_(PLAY_HELP))
    if playing:
        panels = timelapse_view.animation_panels(histories, source, epochs)
        try:
            st.plotly_chart(heatmaps.timelapse_animation(panels, epochs), key="tl_animation")
        except ValueError as error:
            st.info(message_of(error))
        else:
            epoch_curves(histories, epoch, in_class)
            return {"probe": source, "epoch": str(epoch)}
    heatmap_rows(histories, source, epoch, projecting, in_class)
    epoch_curves(histories, epoch, in_class)
    return {"probe": source, "epoch": str(epoch)}


def heatmap_rows(
    histories: dict[str, list[dict]], source: str, epoch: int, projecting: bool, in_class: bool = False
) -> None:
    """A heatmap of `source` per history at `epoch`, a few to a row, with its heading and output. `in_class`: a live
    class's page, the teacher's or a follower's: each heatmap drawn in the browser as SVG
    (explorer.ui.common.components.heatmap; on a projector sized to the screen, as Decode's), not by plotly, whose six
    charts a busy phone drew at a lesson's start in up to 3 s, and whose drawing on the teacher's page took the cores
    the phones' pages needed at the same moment (docs/performance.md, "A phone follows a lesson's start")."""
    # Row by row (a fresh st.columns per row), so each row's heatmaps line up even when one of the
    # row above is shorter (the `none` model has no heatmap); fewer, larger ones on a projector.
    per_row = row_length(projecting, len(histories))
    records_at = {name: timelapse_view.record_at(records, epoch) for name, records in histories.items()}
    probes = {name: timelapse_view.probe_for(record, source) for name, record in records_at.items()}
    sides = [p.get(side, ()) for p in probes.values() if p for side in ("source_tokens", "target_tokens")]
    if word_starts := pieces.note(*sides):
        st.caption(word_starts)  # what the word-start dot means, once above the heatmaps
    for index, name in enumerate(histories):
        if index % per_row == 0:
            row = st.columns(per_row)
        record, probe = records_at[name], probes[name]
        with row[index % per_row]:
            shown = record["epoch"] if record else epoch
            start = record.get("fine_tuned_after") if record else None
            if record and shown < epoch:
                heading = _("**{name}** · epoch {epoch} (its training ended there)")
            elif start is not None:  # zh-en: the second stage, on the sentences plus dictionary data
                heading = _("**{name}** · epoch {epoch} (fine-tuning since epoch {start})")
            else:
                heading = _("**{name}** · epoch {epoch}")
            st.markdown(heading.format(name=name, epoch=shown, start=start))
            attention = bool(probe and probe.get("attention"))
            if attention and in_class:
                drawn = svg_heatmap.payload(
                    probe["source_tokens"], probe["target_tokens"], probe["attention"],
                    step=len(probe["target_tokens"]), fit=projecting,
                )  # fmt: skip
                components.heatmap(drawn, key=f"tl_heatmap_{index}")
            elif attention:
                st.plotly_chart(probe_figure(probe, projecting, per_row), key=f"tl_heatmap_{index}")
            else:
                st.caption(_("No attention to draw: this decoder sees only the encoder's final state."))
            if probe:
                # Plain text, not inline code: code in a caption is faded to 3:1, under WCAG's 4.5:1.
                st.caption(_("output: {output}").format(output=escape_markdown(str(probe.get("output", "")))))


def row_length(projecting: bool, count: int) -> int:
    """How many of `count` heatmaps share a row: fewer, larger ones on a projector."""
    return min(2 if projecting else 3, count)


def probe_figure(probe: dict, projecting: bool, per_row: int):
    """A probe record's plotly heatmap in a row of `per_row` (shared by every session: cached.shared_figure)."""
    height = FRAME_FIGURE_PX if projecting else 320  # on a projector: a row of two in one frame
    return cached.shared_figure(heatmaps.probe_heatmap, probe, height=height, width=PAGE_PX // per_row)


def curve_specs(histories: dict[str, list[dict]], epoch: int) -> list[tuple[dict, str, str, str, dict]]:
    """What the curves draw: (series, title, x title, y title, options) for the loss and, when a history recorded
    one, the validation metric of every history by epoch, `epoch` marked."""
    metric = timelapse_view.metric_name(histories)
    losses, metrics = timelapse_view.epoch_series(histories, metric)
    marker = {"marker_x": epoch, "marker_label": _("epoch {epoch}").format(epoch=epoch)}
    specs = [(losses, _("training loss"), _("epoch"), _("loss per target token"), marker)]
    if metric:
        y_range = (0, 1.02) if metric == "exact_match" else None
        specs.append((metrics, _("validation"), _("epoch"), metric_title(metric), {**marker, "y_range": y_range}))
    return specs


def curve_figures(histories: dict[str, list[dict]], epoch: int) -> tuple:
    """The loss and the validation metric of every history by epoch, `epoch` marked (the metric's None when no
    history recorded one); shared by every session (cached.shared_figure)."""
    figures = [
        cached.shared_figure(curves.curves, series, title, x_title, y_title, whole_x=True, **options)
        for series, title, x_title, y_title, options in curve_specs(histories, epoch)
    ]
    return figures[0], (figures[1] if len(figures) > 1 else None)


def epoch_curves(histories: dict[str, list[dict]], epoch: int, in_class: bool = False) -> None:
    """The loss and the validation metric of every history by epoch, `epoch` marked. `in_class`: a live class's page,
    the teacher's or a follower's (a phone, most often), whose curves are drawn in the browser as SVG
    (explorer.figures.svg_curves): two Plotly charts were most of a phone's drawing of the page."""
    left, right = st.columns(2)
    if in_class:
        specs = curve_specs(histories, epoch)
        for column, (series, *words, options), name in zip((left, right), specs, CURVES, strict=False):
            with column:
                components.bars(svg_curves.payload(series, *words, chart_id=f"tl-{name}", **options), key=f"tl_{name}")
        return
    loss, metric = curve_figures(histories, epoch)
    left.plotly_chart(loss, key="tl_loss")
    if metric is not None:
        right.plotly_chart(metric, key="tl_metric")


def first_figures(histories: dict[str, list[dict]], task: str | None) -> int:
    """Build the figures the page opens on for `histories` (the default probe at the newest epoch: each heatmap on a
    laptop and a projector, the curves) into the cache every session shares; how many heatmaps. The warm-up of a
    lesson's first Timelapse step (explorer.ui.serve): the teacher's run, which the phones wait for, finds them."""
    histories = {name: records for name, records in histories.items() if records}
    epochs, sources = timelapse_view.epoch_numbers(histories), timelapse_view.probe_sources(histories)
    if not epochs or not sources:
        return 0
    source, built = sources[timelapse_view.default_probe_index(sources, task)], 0
    for records in histories.values():
        probe = timelapse_view.probe_for(timelapse_view.record_at(records, epochs[-1]), source)
        if probe and probe.get("attention"):
            for projecting in (False, True):
                probe_figure(probe, projecting, row_length(projecting, len(histories)))
            built += 1
    curve_figures(histories, epochs[-1])
    return built
