"""The alignment heatmap drawn as SVG in the browser: the Decode page's stepper's and a live class follower's.

The Decode page shows it inside its stepping component (``st.components.v2``, explorer.ui.decode.stepper)
mounted in the page itself: no iframe and no plotly, whose large bundle the browser would otherwise have to
fetch and compile before the first heatmap appears (bench/app_speed; docs/performance.md). The
plotly heatmap stays one tab away for zooming and PNG.

One drawing script (explorer/ui/decode/heatmap_draw.js) serves the stepper and the follower
(explorer/ui/classes/follow.js): one row per target token, one column per source token, the colour
scale fixed at 0–1 (the viewer's scale, Blues or cividis, with a colour bar below), position-labelled tokens, a tooltip
on every cell with both tokens and the weight, the current row outlined, and a frame the size of
the whole decode so the page does not jump while rows fill in.

Safety: user text (the tokens) travels only as JSON data and reaches the page only through
``textContent`` and ``setAttribute``; the components' code is static files. No ``innerHTML`` anywhere.

The payload holds the whole decode: the stepper paints the row a Step, Back, Play tick, slider move or key
asks for in that frame, with no server run, and tells the server the step afterwards.

The words it draws (the colour bar's label, every cell's tooltip, the accessible names) come
translated in the payload's ``texts``; the colour bar's label is measured in display columns like
the tokens, so a Chinese label gets its width too.

In presentation mode (``fit=True``) the payload's ``layout.fit`` asks the script to size the heatmap
to the screen: the type from the window's height (``FIT_SCREEN_PX_PER_FONT_PX`` pixels of height per
pixel of type: 24 px at 768, 28 px (the cap) at 1080, 23 px at 720; what a hall's back row reads), the
rows' height from the room left between the heatmap's top edge and the window's bottom, the columns'
width from the room across, so the whole heatmap and its colour bar stay in one frame, as wide as
the column it is in:

    full = clamp(⌊H / FIT_SCREEN_PX_PER_FONT_PX⌉, FIT_MIN_FONT, FIT_MAX_FONT)
    cell = clamp(⌊(H − top − labels − legend − margin) / T⌋, font + 4, FIT_MAX_CELL_PER_FONT · font)
    column width = ⌊(width − row labels − 16) / S⌋   (≥ 14; no cap, unlike the page's usual 2 · cell)

The type is `full` while every row gets at least font + 4 pixels and every column holds its label (a
turned label a line of font + 4, a flat CJK one its widest line); a longer sentence gets the largest
type that fits (down to ``FIT_MIN_FONT``) and the note ``layout.fit.note`` under the colour bar, which
says so with the two sizes (FIT_NOTE_PX kept for it). On the Decode page at 1366×768 (the heatmap's top
edge ≈ 281 px) that is about 9 output rows of short Latin words at 24 px, at 1920×1080 about 16 at 28 px
(docs/pages/decode.md, Presentation mode).

Once a step's rows are painted the ``<svg>`` carries ``data-rows`` (rows shown) and, after a
click or key it drew (the stepper's Step, Back, Reset), ``data-step-ms`` (the event to the paint): what
bench/app_speed.py and the browser tests read.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from explorer.figures.common import has_cjk, position_labels, scale_name
from explorer.i18n import _
from seq2seq.decoded import DecodedSentence
from seq2seq.display_width import char_columns, display_width

# Labels wider than this many columns are cut on the axis (the full token is in the tooltip and the text
# alternative); no word of the shipped examples comes near it, so a class reads every label whole.
MAX_LABEL_CHARS = 28
CELL_PX = 22  # size of one heatmap cell (scaled up in presentation mode)
CHAR_PX = 7.5  # width of one column of the 12 px monospace labels (a CJK character takes two)
CONTROLS_PX = 112  # room kept above the heatmap in its frame (the page's own controls in the stepper sit above it)
LEGEND_PX = 36  # the 0–1 colour bar below the heatmap
LEGEND_BAR_PX = 160  # the colour bar's gradient; its label sits left of it, "1" right of it
LEGEND_LABEL_PX = 62  # room for the label left of the gradient, at least
# ColorBrewer "Blues" (plotly's "Blues", the app's default scale): 0 → white, 1 → dark blue.
BLUES = ("#f7fbff", "#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c", "#08306b")
# Presentation mode's fit to the screen (see the module's docstring): the script does the sizing, it knows the window.
# 32 px of height per px of type: 24 px at 768 (1366×768), 28 px (the cap) at 1080, what a hall's back row reads.
FIT_SCREEN_PX_PER_FONT_PX = 32
FIT_MIN_FONT, FIT_MAX_FONT = 11, 28
FIT_MAX_CELL_PER_FONT = 2.4
FIT_MARGIN_PX = 28  # below the colour bar, to the window's bottom
FIT_NOTE_PX = 22  # the note under the colour bar when the type had to shrink (one 16 px line)
# Cividis (plotly's "Cividis", Nuñez et al. 2018): 0 → dark blue, 1 → yellow; colour-blind safe, lightness rising
# evenly.
CIVIDIS = ("#00224e", "#123570", "#3b496c", "#575d6d", "#707173", "#8a8678", "#a59c74", "#c3b369", "#e1cc55", "#fee838")
# A colour scale's name (explorer.state.view.COLOR_SCALES) -> its stops, evenly spaced over 0..1 as plotly spaces them.
SCALE_STOPS = {"blues": BLUES, "cividis": CIVIDIS}
COMPONENT_NAME = "attention_explorer.heatmap"
SVG_ID = "decode-heatmap"  # the Decode page's heatmap: <svg id="decode-heatmap" data-rows="…">


def _label(text: str) -> str:
    """`text` cut to MAX_LABEL_CHARS columns (the last one an ellipsis) when wider; never splits a wide character."""
    if display_width(text) <= MAX_LABEL_CHARS:
        return text
    kept, width = [], 0
    for ch in text:
        if width + char_columns(ch) > MAX_LABEL_CHARS - 1:
            break
        kept.append(ch)
        width += char_columns(ch)
    return "".join(kept) + "…"


def axis_labels(tokens: Sequence[str]) -> list[str]:
    """The labels the heatmap writes on an axis: position-labelled tokens, long ones cut."""
    return [_label(x) for x in position_labels(tokens)]


def _longest(labels: Sequence[str]) -> int:
    """The widest label, in monospace columns (so the margin fits Chinese labels too)."""
    return max((display_width(x) for x in labels), default=0)


# Column labels stand upright when the source has Chinese, Japanese or Korean (CJK is never turned on its
# side): each is written horizontally in two lines, its number over its token, and the column is as wide
# as its widest token. Otherwise (Latin) they are turned a quarter, read from the bottom up.
LINE_EM = 1.3  # a line of the two-line labels, in ems


def upright(label: str) -> bool:
    """Whether the column label `label` has a CJK character (then the whole axis is written upright)."""
    return has_cjk(label)


def flat_columns(labels: Sequence[str]) -> bool:
    """Whether column labels `labels` are written upright, in two lines (any has a CJK character)."""
    return any(upright(x) for x in labels)


def label_lines(label: str) -> list[str]:
    """A position label's two lines: its number and its token ("01 我" -> ["01", "我"])."""
    number, _space, token = label.partition(" ")
    return [number, token]


def _tallest(labels: Sequence[str]) -> float:
    """The room the column labels need above the heatmap, in monospace columns: two lines when they stand
    upright, else the widest label (turned a quarter)."""
    if flat_columns(labels):
        return 2 * LINE_EM * 12 / CHAR_PX
    return max((display_width(x) for x in labels), default=0)


def _flat_column(labels: Sequence[str]) -> int:
    """The width, in monospace columns, a column needs for its label written flat (its widest line); 0 when the
    labels are turned."""
    if not flat_columns(labels):
        return 0
    return max((display_width(line) for x in labels for line in label_lines(x)), default=0)


def texts() -> dict[str, str]:
    """The words the drawing script writes, in the current language. `cell` is a cell's tooltip with
    {target}, {source} and {weight} for the script to fill (the tokens and the weight, as data)."""
    return {
        "label": _("attention heatmap"),
        "scale": _("colour scale 0 to 1"),
        "legend": _("weight {low}").format(low=0),
        "cell": _("target {target} ← source {source}\nweight {weight}"),
        "missing": _("n/a"),
    }


def legend_layout(label: str) -> dict[str, int]:
    """Where the colour bar's parts sit (pixels, 12 px text): the gradient starts past its label,
    measured in display columns (a Chinese label is twice as wide per character)."""
    left = max(LEGEND_LABEL_PX, round(CHAR_PX * display_width(label)) + 2)
    return {"legend_left": left, "legend_width": left + LEGEND_BAR_PX + 38}


def _weight(value) -> float | None:
    """A finite weight rounded for the page, None for NaN/inf (drawn as an empty cell)."""
    value = float(value)
    return round(value, 4) if math.isfinite(value) else None


def payload(
    source_tokens: Sequence[str],
    target_tokens: Sequence[str],
    attention: Sequence[Sequence[float]],
    probs: Sequence[float] | None = None,
    step: int = 0,
    scale: float = 1.0,
    source_text: str = "",
    cell_notes: Sequence[Sequence[str]] | None = None,
    source_titles: Sequence[str] | None = None,
    target_titles: Sequence[str] | None = None,
    follow: bool = True,
    fit: bool = False,
) -> dict:
    """Plain data for the drawing script: labels, full tokens, rows (T, S), layout in pixels.

    attention: (T, S) with T = len(target_tokens), S = len(source_tokens); `step` is the
    number of rows shown (clamped to 0..T). `fit`: size it to the screen in the browser
    (presentation mode; the layout's pixels are then the script's fallback).

    The words view (explorer.views.words) adds: `cell_notes` (T, S), lines appended to each cell's
    tooltip (the pieces and their own weights); `source_titles`/`target_titles`, a line appended to
    each label's tooltip (the word's pieces); `follow=False`, the heatmap does not move by a row on
    Step, Back or Reset in the browser (a step adds a piece, not always a word row: the server's
    rerun draws it).
    """
    rows = [[_weight(w) for w in row] for row in attention]
    if len(rows) != len(target_tokens):
        raise ValueError(f"attention has {len(rows)} rows but there are {len(target_tokens)} target tokens")
    for t, row in enumerate(rows):
        if len(row) != len(source_tokens):
            raise ValueError(f"row {t} has {len(row)} weights but there are {len(source_tokens)} source tokens")
    src_full, tgt_full = position_labels(source_tokens), position_labels(target_tokens)
    src, tgt = axis_labels(source_tokens), axis_labels(target_tokens)
    cell = round(CELL_PX * scale)
    layout = {
        "cell": cell,
        "left": round(CHAR_PX * scale * _longest(tgt)) + 10,  # row labels
        "top": round(CHAR_PX * scale * _tallest(src)) + 10,  # column labels: turned, or two flat lines
        "font": round(12 * scale),
        "min_column": round(CHAR_PX * scale * _flat_column(src)) + 6 if flat_columns(src) else 0,
    }
    layout["height"] = CONTROLS_PX + layout["top"] + cell * max(len(tgt), 1) + LEGEND_PX + 16
    words = texts()
    layout.update(legend_layout(words["legend"]))
    if cell_notes is not None and [len(r) for r in cell_notes] != [len(source_tokens)] * len(rows):
        raise ValueError("cell_notes must have the shape of the attention (T, S)")
    for titles, labels in ((source_titles, src_full), (target_titles, tgt_full)):
        if titles is not None and len(titles) != len(labels):
            raise ValueError("a label title is needed for every token")
    if fit:
        layout["fit"] = fit_layout(src, tgt)
    return {
        "source_text": source_text,
        "source": src,
        "source_flat": flat_columns(src),
        "source_lines": [label_lines(x) for x in src],
        "target": tgt,
        "source_full": list(src_full),
        "target_full": list(tgt_full),
        "source_hover": _titled(src_full, source_titles),
        "target_hover": _titled(tgt_full, target_titles),
        "cell_notes": [list(r) for r in cell_notes] if cell_notes is not None else None,
        "follow": bool(follow),
        "attention": rows,
        "probs": [_weight(p) for p in probs] if probs is not None else None,
        "step": min(max(int(step), 0), len(rows)),
        "colors": list(SCALE_STOPS[scale_name()]),  # the scale in force (explorer.figures.common)
        "layout": layout,
        "texts": words,
    }


def _titled(labels: Sequence[str], titles: Sequence[str] | None) -> list[str]:
    """A label's tooltip: its full label, and its title on the next line when there is one."""
    if titles is None:
        return list(labels)
    return [f"{label}\n{title}" if title else label for label, title in zip(labels, titles, strict=True)]


def fit_layout(source_labels: Sequence[str], target_labels: Sequence[str]) -> dict:
    """What the script needs to size the heatmap to the screen: the limits above, and the widest
    labels in monospace columns (the column labels' height and the row labels' width follow the font)."""
    return {
        "screen_px_per_font_px": FIT_SCREEN_PX_PER_FONT_PX,
        "min_font": FIT_MIN_FONT,
        "max_font": FIT_MAX_FONT,
        "max_cell_per_font": FIT_MAX_CELL_PER_FONT,
        "margin": FIT_MARGIN_PX,
        "note_px": FIT_NOTE_PX,
        # under the colour bar when the sentence's rows or columns do not fit at the screen's type; the script
        # fills the braces: the type drawn and the screen's, the sentence's rows and columns
        "note": _("Smaller type ({font} px, not {full} px): {rows} rows and {columns} columns must fit the screen."),
        "char_per_font": CHAR_PX / 12,  # a monospace column is 0.625 of the font's size
        "top_columns": _tallest(source_labels),
        "column_columns": _flat_column(source_labels),
        "left_columns": _longest(target_labels),
    }


def payload_from_trace(data: DecodedSentence, step: int = 0, scale: float = 1.0, fit: bool = False) -> dict:
    """payload() of a decoded sentence (seq2seq.decoded) with attention."""
    attention = data.attention
    if attention is None:
        raise ValueError(_("this model has no attention: there is nothing to draw"))
    probs = [s.prob for s in data.steps]
    return payload(data.source_tokens, data.target_tokens, attention, probs, step, scale, data.source, fit=fit)
