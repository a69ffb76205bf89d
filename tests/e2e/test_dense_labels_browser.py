"""Dense heatmaps as a reader sees them at 1400×1000 in Chromium: the race's grid of probe heatmaps and the
Timelapse page at the untrained epoch 0 (33 output rows), stills and animation: no tick label overlaps
another, and Timelapse's Play and its animation are in the first screen."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from seq2seq.registry import registry
from tests.e2e import page_clock
from tests.quick import first_quick


def attending_models(task: str) -> int:
    """The shipped GRU models of `task` with attention to draw (every scorer but `none`): the grid's charts."""
    return sum(1 for e in registry() if e.task == task and e.cell == "gru" and not e.is_user and e.scorer != "none")


SCRIPT_DONE = "[data-test-script-state='notRunning']"
# Pairs of tick labels of one axis of one plotly chart whose boxes overlap (by more than half a pixel).
OVERLAPS = """() => {
  const found = [];
  document.querySelectorAll('.js-plotly-plot').forEach((plot, p) => {
    const axes = {};
    plot.querySelectorAll('g[class$="tick"] > text').forEach((t) => {
      const r = t.getBoundingClientRect();
      if (r.width === 0 || !t.textContent) return;
      (axes[t.parentNode.getAttribute('class')] ??= []).push({text: t.textContent, r});
    });
    for (const [axis, labels] of Object.entries(axes)) {
      for (let i = 0; i < labels.length; i++) for (let j = i + 1; j < labels.length; j++) {
        const a = labels[i].r, b = labels[j].r;
        const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
        const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
        if (w > 0.5 && h > 0.5) found.push(`chart ${p} ${axis}: ${labels[i].text} / ${labels[j].text}`);
      }
    }
  });
  return found;
}"""
LABELS = "() => document.querySelectorAll('.js-plotly-plot g[class$=\"tick\"] > text').length"


def settle(page: Page, url: str, charts: int) -> None:
    page.set_viewport_size({"width": 1400, "height": 1000})
    page_clock.watch(page)
    page.goto(url)
    expect(page.locator(".js-plotly-plot")).to_have_count(charts, timeout=60_000)
    expect(page.locator(SCRIPT_DONE)).to_have_count(1, timeout=60_000)
    page_clock.quiet(page)  # plotly lays out its labels after the chart is attached: until the page is still


@pytest.mark.parametrize("task", first_quick(["reverse", "dates"]))
def test_the_race_grid_labels_do_not_overlap(page: Page, start_streamlit, task: str) -> None:
    base = start_streamlit(script="tests/e2e/race_grid_app.py")
    charts = attending_models(task)  # `none` has no attention to draw
    settle(page, f"{base}/?task={task}", charts=charts)
    assert page.evaluate(LABELS) > charts * 8
    assert page.evaluate(OVERLAPS) == []


def test_timelapse_at_epoch_0_labels_do_not_overlap_and_play_is_in_the_first_screen(
    page: Page, streamlit_server: str
) -> None:
    charts = attending_models("zh-en") + 2  # a heatmap per model with attention, and 2 curves
    settle(page, f"{streamlit_server}/Timelapse?task=zh-en&epoch=0", charts=charts)
    assert page.evaluate(OVERLAPS) == []

    page.get_by_text("Play every epoch").click()
    animation = page.locator(".js-plotly-plot").first
    expect(page.locator(".js-plotly-plot .updatemenu-button")).to_have_count(2, timeout=30_000)
    expect(page.locator(SCRIPT_DONE)).to_have_count(1, timeout=60_000)
    page_clock.quiet(page)
    assert page.evaluate("() => window.scrollY") == 0 and page.evaluate(
        "() => document.querySelector('[data-testid=stMain]')?.scrollTop || 0") == 0  # fmt: skip
    play = page.locator(".js-plotly-plot .updatemenu-button").first.bounding_box()
    assert play and 0 <= play["y"] and play["y"] + play["height"] <= 1000, play
    first_row = page.locator(".js-plotly-plot .subplot.xy").first.bounding_box()
    assert first_row and first_row["y"] + first_row["height"] <= 1000, first_row
    box = animation.bounding_box()
    assert box and box["y"] < 1000, box
    assert page.evaluate(OVERLAPS) == []
