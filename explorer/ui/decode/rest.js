// The step's panels (explorer.ui.decode.sections: the current step and its top-k, a teacher's revealed answers, the
// tabs under the heatmap) follow the stepper's step once it rests. This component sits in their fragment, hears each
// step the page's stepper shows (stepper.js's SHOWN_EVENT) and, data.rest_ms after the last, reruns that fragment
// when the step differs from data.step, the one the panels were drawn with. The trigger carries the step, which that
// run takes as the stepper's report before drawing (explorer.ui.decode.stepper.follow_rest): the panels never wait
// for the stepper's own report to have come first. The stepper's own report (stepper.js,
// 120 ms) reruns only the stepper's fragment: a press costs the page the stepper's small run, not the panels'
// (issue 61: each report's run redrew the tabs, a long task the next press waited behind). Presses closer than
// data.rest_ms move the panels once; Play's steps, further apart, move them at each step.
// It asks at most ASKS times per step: a step the server's panels cannot come to (its run leaves the view at another
// step, say) is not asked for again at every drawing, which would rerun the panels every data.rest_ms for ever. The
// second ask, made only once the panels were drawn again at another step since the first, is for a run that
// answered at the old step however it came to (its rested step refused, say: a stepper of an older generation) while
// the stepper's report, whose run redraws only the stepper, moved the view on: the panels then come to that step.
// After common/renders.js: a render's listener and timer end with it (one listener per page, judging by the step the
// panels were last drawn with). Data: {step, rest_ms}. It draws nothing and formats no text.
const SHOWN_EVENT = "ae-step-shown";
const ASKED = "__aeRestAsked";  // {step, times, redrawn}: the step last asked for, how often, drawn since at another
const ASKS = 2;

function followRest(component) {
  const {data, setTriggerValue} = component;
  const drawn = Number(data.step);
  const last = window[ASKED];
  if (last && last.step === drawn) window[ASKED] = null;  // answered: that step may be asked for again later
  else if (last) last.redrawn = true;  // the panels drawn since the ask, at another step
  const rest = Number(data.rest_ms) || 400;
  let timer = null;
  const heard = (k) => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (!Number.isFinite(k) || k === drawn) return;
      const asked = window[ASKED];
      const again = asked && asked.step === k;
      if (again && (!asked.redrawn || asked.times >= ASKS)) return;  // on its way, or asked for enough
      window[ASKED] = {step: k, times: again ? asked.times + 1 : 1, redrawn: false};
      setTriggerValue("rested", k);
    }, rest);
  };
  const onShown = (event) => heard(Number(event.detail && event.detail.step));
  window.addEventListener(SHOWN_EVENT, onShown);
  // A step shown before this render (a press while the panels' run was on its way) is heard now, not lost.
  const stepper = window.__aeStepper;
  if (stepper && stepper.ui.root.isConnected) heard(Number(stepper.shown));
  return () => {
    window.removeEventListener(SHOWN_EVENT, onShown);
    clearTimeout(timer);
  };
}

export default function (component) {
  return renderAnew(component.parentElement, () => followRest(component));
}
