"""What a browser test waits for instead of a fixed time: the page's own runs and messages.

A test that must see that something did NOT happen (a key that must not step, a follower that must not move)
cannot wait "long enough": on a busy machine any fixed time can be too short. It waits for the page to prove
that it has taken the action and is done with it instead:

- `runs(page)`: how many script runs (a whole page's or a fragment's) the page has been told have ended (the
  server's ForwardMsg script_finished: the root's `data-test-script-state` cannot count them, a quick run's
  "running" and "notRunning" can reach the DOM in one render, i.e. not at all);
  `run_over(page, before)`: a run has ended since, and the page shows its script done, drawn (two frames);
- `asked(page)`: how many runs the page has asked its server for (its BackMsg rerun_script messages: every
  click, widget change or component value is one; heartbeats are not): the same count after an action
  means the action asked for no run, so none of it can still be on its way; `answered(page, at_least)`:
  every run asked for has ended (a page asks for one as it opens; one whose tab keeps a class, a second, a
  moment or seconds later: the one the tab memory's answer starts, explorer.ui.classes.memory);
- `quiet(page, n)`: the page's script is done and its document has not changed for `n` animation frames in a
  row (what components and charts draw just after a run, and a layout's second look, are over);
  `click_still(page, target)`: click once the page is quiet (a click while the layout still moves can land
  beside a button that moves as it is clicked, and ask for nothing);

`watch(page)` installs the counters; call it before the page's `goto` (an init script: every document the
page opens counts from its start).
"""

from __future__ import annotations

from playwright.sync_api import Page
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

SCRIPT_DONE = "[data-test-script-state='notRunning']"
WAIT_MS = 30_000
RERUN_FIELD = BackMsg.DESCRIPTOR.fields_by_name["rerun_script"].number  # a click, a widget, a component value
FINISHED_FIELD = ForwardMsg.DESCRIPTOR.fields_by_name["script_finished"].number
EARLY = ForwardMsg.FINISHED_EARLY_FOR_RERUN  # a run stopped to start again at once: not an end
# The document's change counter (`quiet`): part of `watch`'s counters, and installed alone by `click_still` on a
# page `watch` did not see open (a page reached by Streamlit's own navigation keeps its document).
CHANGES = """() => {
  if (window.__aeChanges !== undefined) return;
  window.__aeChanges = 0;
  new MutationObserver(() => { window.__aeChanges += 1; }).observe(document, {subtree: true, childList: true,
    attributes: true, characterData: true});
}"""


COUNTERS = """(() => {
  window.__aeRuns = 0;
  window.__aeAsked = 0;
  window.__aeAnswered = 0;
  // The top-level fields of a protobuf message (a BackMsg or ForwardMsg): [number, value of a varint].
  const fields = (bytes) => {
    const found = [];
    let i = 0;
    const varint = () => {
      let v = 0, m = 1, b;
      do { b = bytes[i++]; v += (b & 127) * m; m *= 128; } while (b & 128 && i < bytes.length);
      return v;
    };
    while (i < bytes.length) {
      const tag = varint(), wt = tag & 7;
      let value = null;
      if (wt === 0) value = varint(); else if (wt === 2) { const n = varint(); i += n; } else if (wt === 1) i += 8;
      else if (wt === 5) i += 4; else break;
      found.push([tag >> 3, value]);
    }
    return found;
  };
  const bytesOf = (data) => (data instanceof ArrayBuffer ? new Uint8Array(data)
    : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : null);
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    const bytes = bytesOf(data);
    if (bytes && fields(bytes).some(([f]) => f === RERUN_FIELD)) window.__aeAsked += 1;
    return send.apply(this, arguments);
  };
  // A run's end, as the server says it (ForwardMsg script_finished, not "finished early for a rerun").
  const Native = window.WebSocket;
  window.WebSocket = function (...args) {
    const socket = new Native(...args);
    socket.addEventListener('message', (event) => {
      const bytes = bytesOf(event.data);
      if (!bytes) return;
      for (const [f, value] of fields(bytes)) {
        if (f === FINISHED_FIELD && value !== EARLY) { window.__aeRuns += 1; window.__aeAnswered = window.__aeAsked; }
      }
    });
    return socket;
  };
  for (const k of ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED']) window.WebSocket[k] = Native[k];
  window.WebSocket.prototype = Native.prototype;
  (CHANGES)();
})();"""
for _name, _value in {"RERUN_FIELD": RERUN_FIELD, "FINISHED_FIELD": FINISHED_FIELD, "EARLY": EARLY}.items():
    COUNTERS = COUNTERS.replace(_name, str(_value))
COUNTERS = COUNTERS.replace("(CHANGES)", f"({CHANGES})", 1)
# True once the document has not changed for `n` animation frames in a row (polled on every frame).
QUIET = """n => {
  const s = window.__aeQuiet;
  s.frames = s.changes === window.__aeChanges ? s.frames + 1 : 0;
  s.changes = window.__aeChanges;
  return s.frames >= n && document.querySelector("[data-test-script-state='notRunning']") !== null;
}"""


def watch(page: Page) -> None:
    """Count the page's runs and sent messages from the start of every document it opens."""
    page.add_init_script(COUNTERS)


def runs(page: Page) -> int:
    """The script runs (the whole page's or a fragment's) the page has seen end so far."""
    return page.evaluate("window.__aeRuns")


def asked(page: Page) -> int:
    """The runs the page has asked its server for so far (its rerun messages)."""
    return page.evaluate("window.__aeAsked")


def run_over(page: Page, before: int, timeout: int = WAIT_MS) -> None:
    """A run has ended since the page had been told of `before` ends, and the page shows its script done."""
    page.wait_for_function(
        f'() => window.__aeRuns > {before} && document.querySelector("{SCRIPT_DONE}") !== null', timeout=timeout
    )
    drawn(page)


def answered(page: Page, at_least: int = 1, timeout: int = WAIT_MS) -> None:
    """Every run the page has asked for (`at_least` of them) has ended: a run ended after the last request was
    sent, and the script is not running. (The one case the page cannot tell: a request that reaches the server
    just after it ended its last run, while that end is still on its way to the page.)"""
    page.wait_for_function(
        f"() => window.__aeAsked >= {at_least} && window.__aeAnswered === window.__aeAsked"
        f' && document.querySelector("{SCRIPT_DONE}") !== null',
        timeout=timeout,
    )
    drawn(page)


# Counts `n` animation frames from now into window.__aeFrames (`frames`).
COUNT_FRAMES = """n => { window.__aeFrames = 0;
  const count = () => { window.__aeFrames += 1; if (window.__aeFrames < n) requestAnimationFrame(count); };
  requestAnimationFrame(count); }"""


def frames(page: Page, n: int = 2, timeout: int = WAIT_MS) -> None:
    """`n` animation frames have passed (a wait with a timeout: a page whose frames stop fails, never hangs)."""
    page.evaluate(COUNT_FRAMES, n)
    page.wait_for_function(f"window.__aeFrames >= {n}", timeout=timeout)


def drawn(page: Page) -> None:
    """What the page was last told is drawn: two animation frames (the messages are handled, and React
    renders, before the frame after next), and the script shown done."""
    frames(page)
    page.locator(SCRIPT_DONE).wait_for(timeout=WAIT_MS)


def click_still(page: Page, target, n: int = 10) -> None:
    """Click `target` (a locator) once the page has stopped changing (`quiet`)."""
    page.evaluate(CHANGES)
    quiet(page, n)
    target.click()


def quiet(page: Page, n: int = 10, timeout: int = WAIT_MS) -> None:
    """The script is done and the document has not changed for `n` animation frames in a row."""
    page.evaluate("() => { window.__aeQuiet = {changes: -1, frames: 0}; }")
    page.wait_for_function(QUIET, arg=n, polling="raf", timeout=timeout)
