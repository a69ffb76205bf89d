"""The Train page in a real browser: Start a small training, watch the loss curve grow, Stop it."""

from __future__ import annotations

import os

from playwright.sync_api import Locator, Page, expect

# The number of points of the first plotly chart on the page (the training loss curve).
LOSS_POINTS = """() => {
    const plot = document.querySelector('.js-plotly-plot');
    return plot && plot.data && plot.data.length ? plot.data[0].x.length : 0;
}"""


def press_until(slider: Locator, key: str, value: str, presses: int = 10) -> None:
    """Press `key` on `slider` until it shows `value`, one press at a time.

    Each press reruns the page; a press sent while that rerun redraws the slider can be lost (seen
    once in CI: three presses moved it two places), so each one waits for the value to move and
    the slider is focused again before the next.
    """
    for _ in range(presses):
        current = slider.get_attribute("aria-valuetext")
        if current == value:
            return
        slider.focus()
        slider.press(key)
        try:
            expect(slider).not_to_have_attribute("aria-valuetext", current, timeout=3_000)
        except AssertionError:
            continue  # lost to a rerun: press again
    expect(slider).to_have_attribute("aria-valuetext", value)


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
    hidden = page.get_by_role("slider").first  # "Hidden size": 128 by default; 16 keeps the test light
    press_until(hidden, "ArrowLeft", "16")

    page.get_by_role("button", name="Start").click()
    page.wait_for_function(f"({LOSS_POINTS})() >= 1", timeout=60_000)
    first = page.evaluate(LOSS_POINTS)
    page.wait_for_function(f"({LOSS_POINTS})() > {first}", timeout=30_000)  # redrawn live, no click needed

    page.get_by_role("button", name="Stop").click()
    expect(page.get_by_text("stopped by the user")).to_be_visible(timeout=60_000)
    expect(page.get_by_role("button", name="Save")).to_be_visible()
