// A following student's side of a live class (explorer.ui.classes.push). The page opens the room's event stream
// once (EventSource, explorer.ui.classes.stream: it reconnects by itself and the server then resends the current
// view) and:
// - mode "decode": a view that differs from the one drawn only in its step is the teacher's step, handed to the
//   page's stepper (explorer/ui/decode/stepper.js, mode "follow") as a window event (STEP_EVENT), which draws it
//   at once and reports it to this student's session: no run for the step itself;
// - while the page says the class server cannot be reached, it reruns the page every retry_ms;
// - any other change (another page, sentence, scorer, tab; a question asked or revealed; the teacher away
//   or back; the class ended; this member removed) sets the trigger "moved", which reruns the page once (never
//   a fragment: one asked for by a page being left ran inside the next page), and Python opens the new view as a
//   link (validated like any URL);
// - "replaced" (this member opened the stream again elsewhere: another tab) closes the stream for good and says
//   so; a page drawn anew after the old stream was let go (2 s unmounted) opens it again and takes it back;
// - a stream the server refuses (429, 503) is opened again with backoff, and the line says when;
// - a browser that sends no member cookie (data.cookies false: cookies blocked or cleared since it joined) opens no
//   stream, which would be refused (403) for ever, and the line says that joining a class needs cookies;
// - a question asked or revealed (or the teacher away, the class ended…) is not lost between two drawings of
//   the page: the stream keeps the events that came while no page listened (a rerun replaces this component)
//   or whose rerun an unmount cancelled, and the page drawn next judges them against what it shows (issue 62:
//   a phone that answered missed the reveal that came while its page was drawn again). The stream also keeps the
//   latest view it sent, and a page drawn with an older one follows it at once: the page's run read the room
//   before a teacher's next move that came while no page listened (issue 62: a teacher who started a lesson and
//   pressed Next at once left a phone on step 1, the second move lost between the list's page and Decode's);
// - a view that comes while the run this page asked for goes on waits for that run (it reads the room when its turn
//   comes), and the page it draws judges it: one run per move, where a lesson's start, which sends two views, made
//   two (the second stopped the first and queued the page again behind its address's other phones);
// - a lesson's step other than the one this tab showed last opens at the top of the page (a phone scrolled
//   down to answer the step before);
// - a rerun asked for that has not drawn this page anew data.again_ms later is asked for once more (a page drawn
//   anew is a new render, which starts its own count): in a clean-clone test run a phone stayed without the
//   question asked for 30 s, until the teacher's next move. How its run was lost is not shown; the one line in that
//   server's log was Streamlit dropping a rerun request that named a fragment its last whole run no longer had
//   (app_session.request_rerun), which drops whatever the request carried.
// Data: {stream: URL path, version: the view drawn, params: its link, steps: the decode's, mode, question, texts,
// cookies: whether the browser sends its member cookie}.
// Nothing from a user is formatted into this script: events are JSON, written with textContent only.
const STREAMS = "__aeClassStreams";
const STEP_EVENT = "ae-class-step";  // stepper.js's FOLLOW_EVENT
const HEATMAP = "decode-heatmap";  // the stepper's <svg> (explorer.figures.svg_heatmap.SVG_ID)
// The open question's panel (explorer.ui.classes.student.QUESTION_KEY), drawn by Streamlit under this component.
const QUESTION = ".st-key-class_question";
const SCRIPT_DONE = "[data-test-script-state='notRunning']";  // Streamlit's app root once its run has ended
const MISSING_ASKS = 2;
const LOOK_MS = 100;  // how often a page that asked for a rerun looks whether its run is over
const OVER_LOOKS = 10;
const SMALLEST = 0.2;  // the heatmap is never scaled below a fifth of its size
const MARGIN = 8;  // pixels kept between the panel's bottom edge and the window's
// A rerun reaches every follower of the room at once; the page spreads its own over a random part of
// data.spread_ms, a hall's spread (SPREAD_HALL followers or more in this process). The stream's events say how
// many streams of the room this process serves (event.hall, explorer.classrooms.events.Hub): a class of a few
// phones waits a few milliseconds, not a hall's 1.5 s (issue 62: a phone within 2 s of the teacher's start).
const SPREAD_HALL = 300;
const AT = "__aeFollowAt";  // the lesson's step this tab's follower showed last ("lesson@at"; "" for none)

function pageTop(node) {  // the node's top edge from the top of the page, whatever is scrolled
  let top = node.getBoundingClientRect().top + (window.scrollY || 0);
  for (let p = node.parentElement; p; p = p.parentElement) top += p.scrollTop || 0;
  return top;
}

// With a question open, its options must be inside the first screen (a phone's 390×844 too): the stepper's heatmap
// keeps its drawing (a viewBox) and is scaled down as far as it takes for the question's panel to end inside the
// window, measured again whenever the page's size changes (the panel and the stepper arrive after this component;
// the panel's pills wrap). Everything between the heatmap and the panel's bottom keeps its height, so one measure
// suffices. Returns the function that stops watching.
function fitAbove() {
  const place = () => {
    const svg = document.getElementById(HEATMAP), panel = document.querySelector(QUESTION);
    if (!svg || !panel) return;
    if (!svg.dataset.fullWidth) {  // its drawn size, kept before the first scaling
      svg.dataset.fullWidth = svg.getAttribute("width");
      svg.dataset.fullHeight = svg.getAttribute("height");
    }
    const w = Number(svg.dataset.fullWidth), h = Number(svg.dataset.fullHeight);
    if (!(w > 0 && h > 0)) return;
    svg.setAttribute("viewBox", `0 0 ${w} ${h}`);
    const below = panel.getBoundingClientRect().bottom - svg.getBoundingClientRect().bottom;
    const room = window.innerHeight - MARGIN - pageTop(svg) - below;
    const scale = Math.min(1, Math.max(SMALLEST, room / h));
    svg.style.width = `${Math.round(w * scale)}px`;
    svg.style.height = `${Math.round(h * scale)}px`;
  };
  const watch = new ResizeObserver(place);
  watch.observe(document.querySelector("[data-testid='stMainBlockContainer']") || document.body);
  window.addEventListener("resize", place);
  place();
  return () => { watch.disconnect(); window.removeEventListener("resize", place); };
}

// A refused stream (an HTTP error status: a 429 from nginx or the app, a 503 while the class server is away)
// closes the EventSource for good: browsers do not retry it as they do a dropped connection. The page reopens it
// itself after 1, 2, 4… up to 30 s (each with a random part, so a hall refused together does not come back
// together), and says so; a stream that opens starts the count again.
const RETRY_FIRST_S = 1, RETRY_MOST_S = 30;

function connect(held, url) {
  const source = new EventSource(url);
  held.source = source;
  source.onmessage = (message) => {
    let event = null;
    try { event = JSON.parse(message.data); } catch (error) { return; }
    if (!event || typeof event !== "object") return;
    if (event.kind === "view" && !(held.view && held.view.version >= event.version)) held.view = event;
    if (event.kind === "replaced") {  // a newer page of this member (another tab) took the stream over: stop
      source.close();  // rather than reconnect, or the two pages would take it from each other in turn
      held.replaced = true;
      if (held.state) held.state(false);
      return;
    }
    if (held.handler) held.handler(event);
    else if (event.kind !== "view") held.missed[event.kind] = event;  // (the latest view is held.view)
  };
  source.onerror = () => {
    if (source.readyState === EventSource.CLOSED && !held.replaced && !held.gone && held.source === source) {
      const wait = Math.min(RETRY_MOST_S, RETRY_FIRST_S * 2 ** held.refusals) * (0.5 + Math.random());
      held.refusals += 1;
      held.retrying = Math.max(1, Math.round(wait));
      held.again = setTimeout(() => { if (!held.gone) connect(held, url); }, wait * 1000);
    }
    if (held.state) held.state(false);
  };
  source.onopen = () => {
    held.refusals = 0;
    held.retrying = 0;
    if (held.state) held.state(true);
  };
}

function stream(url) {
  const all = (window[STREAMS] = window[STREAMS] || {});
  for (const [other, held] of Object.entries(all)) {  // one stream per page: another class's closes
    if (other !== url) { held.gone = true; clearTimeout(held.again); held.source.close(); delete all[other]; }
  }
  if (!all[url]) {
    const held = {source: null, handler: null, state: null, closing: null, refusals: 0, retrying: 0, again: null,
                  view: null, missed: {}, missing: {}};  // missing: the asks for each question's lost panel
    connect(held, url);
    all[url] = held;
  }
  clearTimeout(all[url].closing);
  return all[url];
}

// Streamlit's font faces load when text first uses them, and the list a phone waits on uses neither the code face
// nor the italic one that a lesson's text does: a phone's first step was drawn once they had arrived, 0.05–0.25 s
// after the rest on a busy machine (issue 62: a phone within 2 s of the teacher's start). A follower, who may be
// sent to any view, asks for every face of the app's two families while it waits (a face asked for once is no
// longer "unloaded": the next render asks for nothing).
const WARM_FAMILIES = ["Source Sans", "Source Code Pro"];  // Streamlit's text and code fonts (its @font-face rules)
function warmFonts() {
  if (!document.fonts) return;
  document.fonts.forEach((face) => {
    if (face.status === "unloaded" && WARM_FAMILIES.includes(face.family.replace(/["']/g, ""))) {
      face.load().catch(() => {});  // a face that fails loads as it would have: when text uses it
    }
  });
}

// The page's scroller and the window, back to the top.
function toTop() {
  window.scrollTo(0, 0);
  const main = document.querySelector("[data-testid='stMain']");
  if (main) main.scrollTop = 0;
}

function sameBesideStep(a, b) {
  const keys = new Set([...Object.keys(a || {}), ...Object.keys(b || {})]);
  keys.delete("step");
  for (const key of keys) if ((a || {})[key] !== (b || {})[key]) return false;
  return true;
}

function follow(component) {
  const {data, parentElement, setTriggerValue} = component;
  const texts = data.texts || {};
  const say = (key, fallback) => (typeof texts[key] === "string" ? texts[key] : fallback);
  const fill = (template, values) => template.replace(/\{(\w+)\}/g, (m, name) => (name in values ? values[name] : m));
  const old = parentElement.querySelector(":scope > .ae-follow");
  if (old) old.remove();
  const root = document.createElement("div");
  root.className = "ae-follow";
  parentElement.appendChild(root);
  const line = document.createElement("div");
  line.className = "ae-follow-connection";
  Object.assign(line.style, {color: "#a0522d", fontSize: "14px"});
  root.appendChild(line);
  if (data.cookies === false) {
    line.textContent = say("cookies", "Joining a class needs cookies: allow cookies for this site, then reload.");
    return () => {};
  }

  warmFonts();
  const decode = data.mode === "decode";
  const open = decode && Array.isArray(data.question) && data.question[0] > 0 && !data.question[1];
  const unfit = open ? fitAbove() : () => {};

  let drawn = {version: Number(data.version) || 0, params: data.params || {}};
  const params = data.params || {};
  const at = params.lesson ? `${params.lesson}@${params.at || ""}` : "";
  if (at && window[AT] !== undefined && window[AT] !== at) toTop();  // another step of the lesson
  window[AT] = at;
  let asked = 0;
  let again = null, askedAgain = false;  // the one more ask of this render (above)
  // A change that reruns the page reaches every student of the room at once: each waits a random part
  // of the spread first (SPREAD_HALL), so a hall's reruns come spread out instead of in one burst.
  let pending = null;
  const owed = {};  // the events the pending rerun is for (given back to the stream should an unmount cancel it)
  // A view that comes while the rerun this render asked for is not over waits for it: that run reads the room when
  // its turn comes, after the teacher's (explorer.classrooms.runs), and a second ask would stop it and queue the
  // page again behind its address's other phones (a lesson's start sends two views, the move and the teacher's
  // page's own link: at a first start a phone lost 0.7 s so). The page drawn next judges the latest view (replay,
  // below); one that is not drawn anew asks for the view once its run has been over for OVER_LOOKS looks in a row,
  // LOOK_MS apart (a move to another page ends the list's run and starts the page's: the page between them is not
  // over, and asking then stopped the page's run).
  let asking = false, deferred = null, looking = null, overLooks = 0;
  const lookForTheEnd = () => {
    looking = setTimeout(() => {
      looking = null;
      if (!document.querySelector(SCRIPT_DONE)) overLooks = 0;
      else if (++overLooks >= OVER_LOOKS) {  // a run too short to be seen counts too: nothing waits for ever
        asking = false;
        if (deferred) {
          const event = deferred;
          deferred = null;
          rerun("view", event);
        }
        return;
      }
      lookForTheEnd();
    }, LOOK_MS);
  };
  const rerun = (why, event) => {
    if (event && event.kind !== "view") owed[event.kind] = event;
    if (pending) return;  // one rerun already on its way reads the room as it is then
    const hall = Number(event && event.hall);
    const most = Number(data.spread_ms) || 0;
    const spread = hall > 0 ? Math.min(most, (most * hall) / SPREAD_HALL) : most;
    pending = setTimeout(() => {
      pending = null;
      for (const kind of Object.keys(owed)) delete owed[kind];
      asked += 1;
      deferred = null;  // this run reads the room as it is now
      asking = true;
      overLooks = 0;
      if (!looking) lookForTheEnd();
      setTriggerValue("moved", why + ":" + asked + ":" + Date.now());
      const againMs = Number(data.again_ms);
      if (againMs > 0 && !askedAgain && !again) {
        again = setTimeout(() => {
          again = null;
          askedAgain = true;
          rerun("again");
        }, againMs);
      }
    }, Math.random() * spread);
  };
  // Not live (the class server unreachable when the page was drawn): try again every retry_ms until a run
  // reaches it. The stream's reconnect events alone are not enough: one may arrive while this page is still
  // being drawn, and be judged against the page before it.
  const retry = data.reachable ? null : setTimeout(() => rerun("retry"), Number(data.retry_ms) || 3000);
  const held = stream(data.stream);
  // The run that drew this render drew the open question's panel (under the heatmap, or in a lesson's). A page
  // without that panel once the run is over lost part of what the run sent (in a test run beside a busy core, about
  // one desk or phone in ten kept its heatmap and an empty answer box, never the panel, tests/test_follow_js.py): it
  // asks for the page once more, at most MISSING_ASKS times per question (held.missing: the stream outlives
  // renders), so a server that draws no panel is not asked for ever.
  let checks = 0, checked = null;
  const check = () => {
    if (!document.querySelector(SCRIPT_DONE) && ++checks < 20) { checked = setTimeout(check, 500); return; }
    const id = data.question[0];
    if (!document.querySelector(QUESTION) && (held.missing[id] || 0) < MISSING_ASKS) {
      held.missing[id] = (held.missing[id] || 0) + 1;
      rerun("missing");
    }
  };
  if (open) checked = setTimeout(check, Number(data.check_ms) || 1500);
  held.state = (open) => {
    line.textContent = held.replaced ? say("replaced", "This class is followed in another tab of this browser.")
      : open ? "" : held.retrying ? fill(say("refused", "The server is busy: trying again in {seconds} s…"),
                                        {seconds: held.retrying})
      : say("reconnecting", "Connection lost: reconnecting…");
  };
  if (held.replaced) held.state(false);
  held.handler = (event) => {
    if (event.kind === "view") {
      if (!(event.version > drawn.version)) return;  // one drawn already (a reconnect resends the current)
      if (decode && event.page === "decode" && sameBesideStep(event.params, drawn.params)) {
        const k = parseInt(event.params.step || "0", 10);
        drawn = {version: event.version, params: event.params};
        const step = Number.isFinite(k) ? Math.min(Math.max(k, 0), Number(data.steps) | 0) : 0;
        window.dispatchEvent(new CustomEvent(STEP_EVENT, {detail: {step}}));
        return;
      }
      drawn = {version: event.version, params: event.params};
      if (asking) {
        deferred = event;
        return;
      }
      rerun("view", event);
    } else if (event.kind === "presence" && event.here === data.teacher_here && data.reachable) {
      return;  // as the page says already
    } else if (event.kind === "question" && (!Array.isArray(data.question) ||
               ("id" in event && event.id === data.question[0] && event.revealed === data.question[1]))) {
      return;  // no question on this page, or the one it shows (the stream's first events say how the room is)
    } else if (event.kind !== "unavailable" || data.reachable) {
      rerun(String(event.kind), event);
    }
  };
  // What this page may not have heard: the events (a question asked or revealed, the teacher away…) that came
  // while no page listened, or whose rerun an unmount cancelled, and the latest view when newer than the one drawn;
  // each judged against what this page shows.
  const handler = held.handler;
  let missed = held.missed;
  held.missed = {};
  const giveBack = (events) => {  // to the next page, unless the stream has a newer event of that kind
    for (const [kind, event] of Object.entries(events)) if (!(kind in held.missed)) held.missed[kind] = event;
  };
  const replay = setTimeout(() => {
    const events = missed;
    missed = null;
    if (held.handler !== handler) return giveBack(events);
    if (held.view && held.view.version > drawn.version) handler(held.view);
    for (const event of Object.values(events)) handler(event);
  }, 0);
  return () => {  // unmounted: close the stream unless the next render takes it over at once
    held.handler = null;
    clearTimeout(replay);
    if (missed) giveBack(missed);  // not replayed yet
    if (pending) giveBack(owed);  // a rerun cancelled: the next page judges its events
    unfit();
    clearTimeout(pending);
    clearTimeout(looking);
    clearTimeout(again);
    clearTimeout(retry);
    clearTimeout(checked);
    held.closing = setTimeout(() => {
      held.gone = true;
      clearTimeout(held.again);
      held.source.close();
      if (window[STREAMS] && window[STREAMS][data.stream] === held) delete window[STREAMS][data.stream];
    }, 2000);
  };
}

// After common/renders.js: a page's run that draws this component anew (with new data: Streamlit calls the function
// again on the same element) first ends the render before, as an unmount does: its pending rerun, its retry and its
// handler end, and what it owed goes back to the stream for the new render to judge.
export default function (component) {
  return renderAnew(component.parentElement, () => follow(component));
}
