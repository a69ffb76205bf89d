"""Whether a `not_output` claim's expectation is one a model writes at all, so a typo in it fails.

"The model does not write X here" says something only when X is an output the class could see under
some other view. `reachable` looks, in a bounded search (at most `len(task models) + BEAMS + SEEDS`
decodes of one sentence, well under a second each on a CPU), for the expectation among:

- the greedy output of every model of the claim's task (the Compare page's rows);
- the finished hypotheses of the claim model's beam search of each width in `BEAMS` (the Beam search page);
- the claim model's samples at temperature 1 with the seeds `SEEDS` (the Decode page's sampling);
- the claim model's training record for the sentence, every epoch (the Timelapse page).

None found: the expectation is a typo, or an output no page shows.
"""

from __future__ import annotations

from collections.abc import Callable

from explorer.lessons.schema import Claim
from explorer.state import catalog
from explorer.state.view import ViewState

BEAMS = (2, 3, 5)  # beam widths searched; each search lists its finished hypotheses, best first
SEEDS = range(8)  # sampling seeds, at temperature 1


def _history(claim: Claim) -> set[str]:
    """What the model's training record shows for the sentence, at every epoch (none if no probe)."""
    from explorer.views import timelapse

    found = set()
    for record in timelapse.model_history(claim.model):
        probe = timelapse.probe_for(record, claim.sentence)
        if probe is not None and isinstance(probe.get("output"), str):
            found.add(probe["output"])
    return found


def reachable(claim: Claim, translator_for: Callable[[str], object]) -> bool:
    """Whether some view shows a model writing `claim.expect` for `claim.sentence` (see the module's list)."""
    from explorer.views.beam import beam_search
    from explorer.views.decode import decode

    entry = next((e for e in catalog.entries() if e.name == claim.model), None)
    task = entry.task if entry else claim.model.partition("/")[0]
    for other in catalog.entries():
        if other.task == task and translator_for(other.name).greedy(claim.sentence).output == claim.expect:
            return True
    translator = translator_for(claim.model)
    for width in BEAMS:
        hypotheses = beam_search(translator, claim.sentence, width).hypotheses
        if any(h.finished and h.text == claim.expect for h in hypotheses):
            return True
    for seed in SEEDS:
        view = ViewState("", "", claim.sentence, 0, "sample", 1, 1.0, seed)
        if decode(translator, view).output == claim.expect:
            return True
    return claim.expect in _history(claim)
