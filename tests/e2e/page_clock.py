"""What a browser test waits for instead of a fixed time: the page's own runs and messages.

A test that must see that something did NOT happen (a key that must not step, a follower that must not move)
cannot wait "long enough": on a busy machine any fixed time can be too short. It waits for the page to prove
that it has taken the action and is done with it instead:

- `runs(page)`: how many script runs (a whole page's or a fragment's) the page has started, counted from
  Streamlit's `data-test-script-state` on the app's root turning to "running";
  `run_over(page, before)`: a run started after that count has ended;
- `sent(page)`: how many messages the page has sent its server (every widget change, click or component
  value is one; Streamlit sends nothing on its own between them): the same count after an action means
  the action asked the server for nothing, so no run of it can still be on its way;
- `quiet(page, n)`: the page's script is done and its document has not changed for `n` animation frames in a
  row (what components and charts draw just after a run, and a layout's second look, are over);
- `started(page)`: the page's first runs are over (the first, and the one the tab's answer of what it keeps
  starts: explorer.ui.class_memory), so the next run is the next action's.

`watch(page)` installs the counters; call it before the page's `goto` (an init script: every document the
page opens counts from its start).
"""

from __future__ import annotations

from playwright.sync_api import Page

SCRIPT_DONE = "[data-test-script-state='notRunning']"
WAIT_MS = 30_000
COUNTERS = """(() => {
  window.__aeRuns = 0;
  window.__aeSent = 0;
  window.__aeChanges = 0;
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (...args) { window.__aeSent += 1; return send.apply(this, args); };
  let state = null;
  const look = () => {
    const root = document.querySelector('[data-test-script-state]');
    const now = root && root.getAttribute('data-test-script-state');
    if (now === 'running' && state !== 'running') window.__aeRuns += 1;
    state = now;
  };
  new MutationObserver(look).observe(document, {subtree: true, childList: true, attributes: true,
    attributeFilter: ['data-test-script-state']});
  new MutationObserver(() => { window.__aeChanges += 1; }).observe(document, {subtree: true, childList: true,
    attributes: true, characterData: true});
})();"""
# True once the document has not changed for `n` animation frames in a row (polled on every frame).
QUIET = """n => {
  const s = window.__aeQuiet;
  s.frames = s.changes === window.__aeChanges ? s.frames + 1 : 0;
  s.changes = window.__aeChanges;
  return s.frames >= n && document.querySelector("[data-test-script-state='notRunning']") !== null;
}"""
# The tab-memory component that asks the tab what it keeps, shown until the tab has answered.
TAB_ASKED = "[class*='st-key-class_tab_memory_read_']"


def watch(page: Page) -> None:
    """Count the page's runs and sent messages from the start of every document it opens."""
    page.add_init_script(COUNTERS)


def runs(page: Page) -> int:
    """The script runs the page has started so far."""
    return page.evaluate("window.__aeRuns")


def sent(page: Page) -> int:
    """The messages the page has sent its server so far."""
    return page.evaluate("window.__aeSent")


def run_over(page: Page, before: int, timeout: int = WAIT_MS) -> None:
    """A run started after `before` runs has ended: the page's script is not running."""
    page.wait_for_function(
        f'() => window.__aeRuns > {before} && document.querySelector("{SCRIPT_DONE}") !== null', timeout=timeout
    )


def quiet(page: Page, n: int = 10, timeout: int = WAIT_MS) -> None:
    """The script is done and the document has not changed for `n` animation frames in a row."""
    page.evaluate("() => { window.__aeQuiet = {changes: -1, frames: 0}; }")
    page.wait_for_function(QUIET, arg=n, polling="raf", timeout=timeout)


def started(page: Page, timeout: int = WAIT_MS) -> None:
    """The page's first runs are over: its first run has ended, the tab has answered what it keeps (the
    question's component is gone: that answer's run has ended too) and the script is done."""
    page.locator(SCRIPT_DONE).wait_for(timeout=timeout)
    page.locator(TAB_ASKED).first.wait_for(state="detached", timeout=timeout)
    page.locator(SCRIPT_DONE).wait_for(timeout=timeout)
