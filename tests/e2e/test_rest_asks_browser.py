"""The Decode panels' rest component (explorer/ui/decode/rest.js) in Chromium, on a page of its own: its script as
the stepper's page runs it (after common/renders.js), rendered with the data the server sends, its trigger recorded.

What a teacher depends on (issue 61: the revealed answers of the step before stayed on the projector while the URL
said the next step): the panels come to the step the stepper rests at even when the run asked for answers at the old
step, by one more ask; the asks stay bounded when the server never comes to it; a redraw of the stepper while the
asked run is on its way asks nothing more."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from explorer.ui.decode.stepper import rest_script

pytestmark = pytest.mark.e2e
REST_MS = 40

HARNESS = """(script) => {
  // The page's stepper as rest.js reads it (window.__aeStepper), and the component's element.
  window.__aeStepper = {shown: 0, ui: {root: document.body}};
  window.__asks = [];
  const holder = document.createElement("div");
  document.body.appendChild(holder);
  const module = new Function(script.replace("export default function", "return function"))();
  window.__render = (step) => {
    module({data: {step, rest_ms: REST_MS}, parentElement: holder,
            setTriggerValue: (name, value) => window.__asks.push([name, value])});
  };
  window.__show = (step) => {
    window.__aeStepper.shown = step;
    window.dispatchEvent(new CustomEvent("ae-step-shown", {detail: {step}}));
  };
}""".replace("REST_MS", str(REST_MS))


def asks_after_rest(page: Page) -> list:
    page.clock.run_for(REST_MS * 5)  # the page's clock, moved by the test: the component's timers fire, or do not
    return page.evaluate("window.__asks")


def test_the_panels_are_asked_again_once_when_they_answered_at_the_old_step(page: Page) -> None:
    page.clock.install()
    page.set_content("<body></body>")
    page.evaluate(HARNESS, rest_script())
    page.evaluate("window.__render(0)")  # the panels drawn at step 0
    page.evaluate("window.__show(1); window.__show(2)")  # two presses: one ask, for the step it rests at
    assert asks_after_rest(page) == [["rested", 2]]
    page.evaluate("window.__show(2)")  # the stepper's report redraws it while the panels' run is on its way
    assert asks_after_rest(page) == [["rested", 2]]
    page.evaluate("window.__render(0)")  # that run drew the old step (it read the view before the report)
    assert asks_after_rest(page) == [["rested", 2], ["rested", 2]]
    page.evaluate("window.__render(0)")  # a server that never comes to step 2: no more asks
    page.evaluate("window.__show(2)")
    assert asks_after_rest(page) == [["rested", 2], ["rested", 2]]
    page.evaluate("window.__render(2)")  # come to it: the next step is asked for at once, and once
    page.evaluate("window.__show(3)")
    assert asks_after_rest(page) == [["rested", 2], ["rested", 2], ["rested", 3]]
    page.evaluate("window.__render(3)")
    assert asks_after_rest(page) == [["rested", 2], ["rested", 2], ["rested", 3]]
