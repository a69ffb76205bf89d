"""The Train page in a real browser: Start a small training, watch the loss curve grow, Stop it."""

from __future__ import annotations

import os

from playwright.sync_api import Page, expect

# The number of points of the first plotly chart on the page (the training loss curve).
LOSS_POINTS = """() => {
    const plot = document.querySelector('.js-plotly-plot');
    return plot && plot.data && plot.data.length ? plot.data[0].x.length : 0;
}"""


def test_a_training_draws_a_growing_loss_curve_until_stopped(page: Page, start_streamlit, tmp_path_factory) -> None:
    empty = tmp_path_factory.mktemp("no-shipped-models")
    url = start_streamlit(
        env={
            "ATTENTION_EXPLORER_PRETRAINED": str(empty),
            "ATTENTION_EXPLORER_USER_MODELS": os.environ["ATTENTION_EXPLORER_USER_MODELS"],
        }
    )
    page.goto(f"{url}/Train")
    expect(page.get_by_role("heading", name="Train a model")).to_be_visible()
    # The page's defaults (reverse, hidden size 128): a model this size improves every epoch, so it
    # is still training when Stop is clicked. A tiny one (hidden size 16) stayed at 0% exact match
    # and stopped early after 5 epochs, within 15 s on a fast machine, which disabled Stop.
    page.get_by_role("button", name="Start").click()
    page.wait_for_function(f"({LOSS_POINTS})() >= 1", timeout=60_000)
    first = page.evaluate(LOSS_POINTS)
    page.wait_for_function(f"({LOSS_POINTS})() > {first}", timeout=30_000)  # redrawn live, no click needed

    page.get_by_role("button", name="Stop").click()
    expect(page.get_by_text("stopped by the user")).to_be_visible(timeout=60_000)
    expect(page.get_by_role("button", name="Save")).to_be_visible()
