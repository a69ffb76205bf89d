// The Decode page's stepping component (after heatmap_draw.js): the one owner of the step in the browser.
//
// The server sends the whole decode once (data.heatmap: every row; data.outputs: what each step has produced).
// Step, Back, Play/Pause, Reset, the step slider and the keys (→ PageDown, ← PageUp, Space, Home, End) move
// the step here, at once, from that data: the row, "Step k of n", the output so far and the spoken step move
// in the same frame, with no script run. Afterwards the component tells the server the step it shows (its
// state value "step"; the latest value wins), and the server keeps the view and writes the URL from that
// report. It never draws a step the server sends unless the server moved the view itself (a link, a lesson,
// a class): the server then mounts a new instance (its key carries the step's generation,
// explorer.state.owner.widget_key), which starts at data.step.
//
// A live class's follower is the same component in mode "follow": no controls; the teacher's steps arrive
// from the room's stream (explorer/ui/classes/follow.js hands each to the page as a window event, FOLLOW_EVENT)
// and are drawn here at once, the address bar's step= moves with them, and the step shown is reported to the
// follower's own session as the page's is, so "Explore on my own" starts where the student is.
//
// After heatmap_draw.js and focus_rules.js. Static: no user text is ever formatted into this script. Tokens and words travel as JSON data and reach the
// page through textContent only. __SVG_ID__ and __ANNOUNCE_ID__ are filled in from Python constants.
// A key's action (data.keys: explorer.views.keyboard.STEPPER_KEYS) -> the move it makes.
const MOVES = {forward: 1, back: -1, play: "play", reset: "start", end: "end"};
// A report waits for the step to rest this long: a burst of clicks or keys asks the server for one run, of
// its last step. Play's steps are further apart than this, so each one is reported.
const REPORT_AFTER_MS = 120;
// The teacher's step, pushed: follow.js dispatches it on the window ({detail: {step}}) for the follower drawn last.
const FOLLOW_EVENT = "ae-class-step";
// Each step the page's stepper shows, on the window ({detail: {step}}): the step's panels follow it once it rests
// (explorer/ui/decode/rest.js).
const SHOWN_EVENT = "ae-step-shown";

function say(data, key, fallback) {
  const texts = data.texts || {};
  return typeof texts[key] === "string" ? texts[key] : fallback;
}

function fill(template, values) {  // "{name}" placeholders; the result goes to textContent only
  return template.replace(/\{(\w+)\}/g, (m, name) => (name in values ? values[name] : m));
}

function button(parent, cls) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = "ae-stepper-button " + cls;
  parent.appendChild(b);
  return b;
}

// The controls, the status and the output: made once per instance, so that the focus stays on a button
// through the server's runs (a keyboard user's next Space or Enter goes where it went).
function build(parentElement) {
  const root = document.createElement("div");
  root.className = "ae-stepper";
  const bar = document.createElement("div");
  bar.className = "ae-stepper-bar";
  const step = button(bar, "ae-step"), back = button(bar, "ae-back");
  const play = button(bar, "ae-play"), reset = button(bar, "ae-reset");
  const slider = document.createElement("input");
  slider.type = "range";
  slider.className = "ae-stepper-slider";
  slider.min = "0";
  slider.step = "1";
  bar.appendChild(slider);
  const legend = document.createElement("div");
  legend.className = "ae-stepper-legend";
  const status = document.createElement("p");
  status.className = "ae-stepper-status";
  const output = document.createElement("div");
  output.className = "ae-stepper-output";
  const reads = document.createElement("div");
  reads.className = "ae-stepper-reads";
  const frame = document.createElement("div");
  frame.className = "ae-heatmap";
  root.append(bar, legend, status, output, reads, frame);
  parentElement.appendChild(root);
  return {root, bar, step, back, play, reset, slider, legend, status, output, reads, frame};
}

// The aria-live region that speaks the step shown (made once, kept across redraws: a screen reader speaks a
// change to a region it already knows). Visually hidden: sighted readers have "Step k of n".
function announcer(parentElement) {
  let region = parentElement.querySelector(":scope > .ae-announce");
  if (!region) {
    region = document.createElement("div");
    region.className = "ae-announce";
    region.id = "__ANNOUNCE_ID__";
    region.setAttribute("role", "status");
    region.setAttribute("aria-live", "polite");
    region.setAttribute("aria-atomic", "true");
    Object.assign(region.style, {position: "absolute", width: "1px", height: "1px", overflow: "hidden",
      clip: "rect(0 0 0 0)", clipPath: "inset(50%)", whiteSpace: "nowrap", margin: "-1px", padding: "0"});
    parentElement.appendChild(region);
  }
  return region;
}

// One key listener per window, in the capture phase of the window (before the page's other key handlers, the
// lesson's keyboard component among them, which leaves a key this one took: defaultPrevented). It hands the
// key to the stepper drawn last that is still in the page.
function listenForKeys() {
  if (window.__aeStepperKeys) return;
  window.__aeStepperKeys = true;
  window.addEventListener("keydown", (event) => {
    const s = window.__aeStepper;
    const action = s && (s.data.keys || {})[event.key];
    if (!action || !(action in MOVES) || !s.ui.root.isConnected) return;
    if (event.defaultPrevented || event.ctrlKey || event.altKey || event.metaKey || event.isComposing) return;
    const inside = event.composedPath().includes(s.ui.root), active = document.activeElement;
    if (inside && event.target === s.ui.slider && event.key !== " ") return;  // the slider moves itself
    // Presentation mode's toggle keeps the focus after its click while the sidebar folds away: a Space then
    // would switch it off again, unseen. What is out of sight keeps no key: it loses the focus (so the key's
    // release activates nothing there) and the stepper gets the key.
    if (!inside && active && active !== document.body && hidden(active)) active.blur();
    else if (!inside && keptByFocus(event, s.data.focus)) return;  // typing, a list, a radio group…
    event.preventDefault();  // a step key never scrolls, even at the end (a clicker's extra PageDown)
    // Space plays or pauses whatever was clicked last (STEPPER_FOCUS): its release must not press that too.
    if (event.key === " ") s.tookSpace = true;
    if (event.repeat) return;  // a key held down: one step, not a burst
    s.move(MOVES[action], event.timeStamp);
    s.ui.root.setAttribute("data-last-key", event.key);
  }, true);
  // Space on a focused button (ours, or the page's last clicked) plays or pauses (above): its release must not
  // press the button too.
  window.addEventListener("keyup", (event) => {
    const s = window.__aeStepper;
    if (!s || event.key !== " ") return;
    if (s.tookSpace || event.composedPath().includes(s.ui.root)) event.preventDefault();
    s.tookSpace = false;
  }, true);
}

// The address bar says the step a follower shows (a link the student shares opens it there): the page's own URL
// with its step replaced, without a run, at once; the server writes the same once the report is taken.
function showStepInUrl(k) {
  const url = new URL(window.location.href);
  if (!url.searchParams.has("step") || url.searchParams.get("step") === String(k)) return;
  url.searchParams.set("step", String(k));
  window.history.replaceState(window.history.state, "", url);
}

// One listener per window for the teacher's pushed steps; it hands each to the follower drawn last.
function listenForClass() {
  if (window.__aeFollowerSteps) return;
  window.__aeFollowerSteps = true;
  window.addEventListener(FOLLOW_EVENT, (event) => {
    const s = window.__aeFollower, k = Number(event.detail && event.detail.step);
    if (!s || !s.ui.root.isConnected || s.data.mode !== "follow" || !Number.isFinite(k)) return;
    s.move({to: Math.trunc(k)});
    showStepInUrl(s.shown);
  });
}

export default function (component) {
  const {data, parentElement, setStateValue} = component;
  const n = Math.max(Number(data.steps) | 0, 0);
  let s = parentElement.__aeStepper;
  if (!s) {
    s = parentElement.__aeStepper = {ui: build(parentElement), shown: null, trace: null, drawn: null,
      view: null, timer: null, report: null, reported: null};
  }
  const ui = s.ui;
  // A new decode in the same instance starts at the server's step; the same decode keeps the browser's step
  // (the server's data.step is a report it has taken, or an older one).
  // mode "step": the page's stepper. "follow" (a class's follower) has no controls and shows the teacher's step:
  // pushed (FOLLOW_EVENT), or the server's when it polls (a new instance per step); "show" (the home page's
  // example) is the heatmap alone, at the server's step.
  const stepping = data.mode === "step", following = data.mode === "follow";
  ui.root.classList.toggle("ae-side", Boolean(data.side) && Boolean(data.heatmap));
  ui.bar.hidden = ui.legend.hidden = !stepping;
  ui.status.hidden = ui.output.hidden = ui.reads.hidden = data.mode === "show";
  if (s.trace !== data.trace || s.shown === null || data.mode === "show") {
    s.trace = data.trace;
    s.shown = Math.min(Math.max(Number(data.step) | 0, 0), n);
    s.reported = s.shown;
  }
  s.data = data;
  s.shown = Math.min(s.shown, n);
  if (stepping) window.__aeStepper = s;  // the keys' stepper
  if (following) window.__aeFollower = s;  // the class's stepper
  const region = announcer(parentElement);

  // The heatmap: drawn anew only when its drawing changes (another decode, the words view's rows, the
  // layout), not for a report the server has taken.
  if (data.heatmap && s.drawn !== data.drawing) {
    ui.frame.replaceChildren();
    s.view = attentionHeatmap(ui.frame, data.heatmap, {id: "__SVG_ID__",
      width: () => ui.frame.clientWidth || parentElement.clientWidth || 800});
    s.drawn = data.drawing;
    if (s.observer) s.observer.disconnect();
    // Its column may change width with the window unchanged (the sidebar folds, a revealed answer takes a column).
    let width = parentElement.clientWidth;
    s.observer = typeof ResizeObserver === "undefined" ? null : new ResizeObserver(() => {
      if (parentElement.clientWidth !== width) {
        width = parentElement.clientWidth;
        if (s.view) s.view.resize();
      }
    });
    if (s.observer) s.observer.observe(parentElement);
  } else if (!data.heatmap) {
    ui.frame.replaceChildren();
    s.view = null;
    s.drawn = null;
  }

  ui.step.textContent = say(data, "step", "Step");
  ui.back.textContent = say(data, "back", "Back");
  ui.reset.textContent = say(data, "reset", "Reset");
  ui.slider.max = String(n);
  ui.slider.setAttribute("aria-label", say(data, "slider", "Step"));
  ui.slider.title = say(data, "slider_help", "");
  ui.legend.textContent = say(data, "legend", "");

  const playing = () => s.timer !== null;
  const stop = () => {
    if (s.timer !== null) clearInterval(s.timer);
    s.timer = null;
  };
  const report = () => {  // the step shown, to the server, once it rests (the latest value wins)
    if (s.data.mode === "show") return;
    clearTimeout(s.report);
    // A hall's followers, moved by one teacher's step, report it spread over data.spread_ms, not in one burst.
    const spread = s.data.mode === "follow" ? Math.random() * (Number(s.data.spread_ms) || 0) : 0;
    s.report = setTimeout(() => {
      if (s.reported === s.shown) return;
      s.reported = s.shown;
      setStateValue("step", s.shown);
    }, REPORT_AFTER_MS + spread);
  };
  const draw = (started) => {
    const k = s.shown, texts = s.data.announce || [];
    if (s.data.mode === "show") {  // the heatmap alone: the page around it says the step and the output
      ui.status.replaceChildren();
      ui.output.textContent = ui.reads.textContent = "";
    } else {
      // "**Step {step} of {n}** · output so far:": the parts between ** are bold (the catalog's Markdown).
      const status = fill(say(s.data, "status", "**Step {step} of {n}** · output so far:"), {step: k, n: n});
      ui.status.replaceChildren(...status.split("**").map((part, i) => {
        if (i % 2 === 0) return document.createTextNode(part);
        const strong = document.createElement("strong");
        strong.textContent = part;
        return strong;
      }));
      const tokens = (s.data.tokens || []).slice(0, k);
      ui.output.textContent = k ? tokens.join(" ") : say(s.data, "empty", "(nothing yet)");
      const spelled = k && s.data.outputs ? s.data.outputs[k - 1] : null;
      ui.reads.textContent = spelled ? fill(say(s.data, "reads", "reads: {text}"), {text: spelled}) : "";
    }
    ui.step.disabled = k >= n;
    ui.back.disabled = k <= 0;
    ui.play.textContent = playing() ? say(s.data, "pause", "Pause") : say(s.data, "play", "Play");
    ui.slider.value = String(k);
    ui.root.setAttribute("data-step", String(k));
    ui.root.setAttribute("data-playing", playing() ? "true" : "false");
    // The words view (data.follow false) draws the server's rows: a step adds a piece, not always a word row.
    if (s.view && s.data.follow !== false) s.view.show(k, started);
    else if (s.view) s.view.show(s.data.heatmap.step);
    const said = texts.length ? texts[Math.min(k, texts.length - 1)] : "";
    if (region.textContent !== said) region.textContent = said;  // user text: textContent only
    if (s.data.mode === "step") window.dispatchEvent(new CustomEvent(SHOWN_EVENT, {detail: {step: k}}));
  };
  s.move = (move, started) => {
    if (move === "play") {
      if (playing()) stop();
      else {
        if (s.shown >= n) s.shown = 0;  // play again from the start
        s.timer = setInterval(() => {
          if (!ui.root.isConnected) return stop();  // the page moved on: this instance is gone
          s.shown = Math.min(s.shown + 1, n);
          if (s.shown >= n) stop();
          draw();
          report();
        }, Math.max(Number(s.data.speed) || 0.6, 0.05) * 1000);
      }
    } else {
      stop();
      const to = move === "start" ? 0 : move === "end" ? n : typeof move === "number" ? s.shown + move : move.to;
      s.shown = Math.min(Math.max(to, 0), n);
    }
    draw(started);
    report();
  };
  if (!s.listening) {
    s.listening = true;
    ui.step.addEventListener("click", (e) => s.move(1, e.timeStamp));
    ui.back.addEventListener("click", (e) => s.move(-1, e.timeStamp));
    ui.play.addEventListener("click", () => s.move("play"));
    ui.reset.addEventListener("click", (e) => s.move("start", e.timeStamp));
    ui.slider.addEventListener("input", (e) => s.move({to: Number(ui.slider.value) | 0}, e.timeStamp));
    const onResize = () => { if (s.view) s.view.resize(); };
    window.addEventListener("resize", onResize);
  }
  listenForKeys();
  listenForClass();
  draw();
  // Sized to the screen (presentation mode): look again once the page above has settled (fonts, late elements).
  const settle = data.heatmap && data.heatmap.layout.fit ? setTimeout(() => s.view && s.view.resize(), 300) : null;
  // (Play goes on across the server's runs, which render this instance again: its timer stops itself once the
  // instance has left the page.)
  return () => clearTimeout(settle);
}
