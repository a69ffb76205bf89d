"""Adversarial attention (Jain & Wallace 2019, "Attention is not Explanation", section 4.2.2).

At one decoding step t, with the output prefix y_<t held fixed, search for an attention row a~ over
the real source positions (</s> included) as far as possible from the model's own a_t while the
output distribution barely moves:

    maximise   JSD(a_t, a~)                                  (nats, at most ln 2)
    subject to TVD(p(y_t | a_t), p(y_t | a~)) <= tvd_bound   (epsilon: 0.05 here, `TVD_BOUND`)

a~ = softmax(z). The search runs `restarts` starting points at once (log a_t plus Gaussian noise
whose scale grows from 0.5 to 4 across them: near a_t to far from it), each minimising
-JSD + (PENALTY / tvd_bound) * max(0, TVD - target) with Adam on z, where the target sits a little
inside the bound. Gradients flow through `StepGraph` (the decoder's own W_c and output layer; h_t
does not depend on a_t). Every iterate of every restart is a candidate; the best one whose TVD lies
within the bound (with a margin for the graph-to-step-API difference, at most 1e-5) is then checked
through the translator's step API (`attention=`). The model's own row is always feasible (JSD 0),
so a result is always returned, and its reported TVD, the step API's, always respects the bound
(tested). One step of a 12-token en-fr sentence takes about 0.4 s on one CPU thread.

Jain & Wallace's epsilon depends on the setting: 0.01 for their text classifiers, 0.05 for their question
answering models. A seq2seq step is neither; its output is a distribution over a vocabulary of thousands,
as a QA model's is over candidate answers, so the lab takes their QA value, 0.05, and says so wherever it
shows the bound. A large JSD within the bound says that this step's prediction does not pin the attention
down: other, very different weights would explain the same output. A copying model (reverse) has little
room.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from seq2seq.decoding import Translator
from seq2seq.trace import DecodeState

from .names import SATURATED
from .perturb import (
    LN2,
    StepGraph,
    distribution_with,
    jensen_shannon,
    jsd_spread,
    require_attention,
    state_after,
    top_tokens,
    total_variation,
)
from .stats import summary

TVD_BOUND = 0.05  # epsilon: Jain & Wallace's for question answering (0.01 for text classification), see above
# Candidates must lie this far inside the bound under StepGraph: the step API's TVD differs by at most 1e-5.
GRAPH_MARGIN = 1e-4
# The hinge's weight times the bound. Lower weights let the iterates cross the bound and come back,
# which explored more: on 23 en-fr steps the mean JSD reached was 0.26 nats at 20, 0.33 at 2, 0.37 at 0.5.
PENALTY = 0.5


@dataclass(frozen=True)
class AdversarialResult:
    """The most divergent feasible attention found for one step."""

    position: int  # t, the output position (= len(prefix))
    source_tokens: tuple[str, ...]  # the positions the rows weigh (</s> included)
    attention: tuple[float, ...]  # a~, the adversarial row (sums to 1)
    original_attention: tuple[float, ...]  # a_t, the model's own
    jsd: float  # JSD(a_t, a~) in nats (0..ln 2)
    tvd: float  # TVD(p(y_t | a_t), p(y_t | a~)) through the step API; <= tvd_bound
    tvd_bound: float
    original_top: tuple[tuple[str, int, float], ...]  # (piece, id, prob) under a_t, most probable first
    adversarial_top: tuple[tuple[str, int, float], ...]  # the same under a~
    token_changed: bool  # the argmax token differs (possible only when the top two were close)
    seconds: float  # the search's wall time

    @property
    def jsd_bits(self) -> float:
        """`jsd` in bits (0..1)."""
        return self.jsd / LN2

    def to_json(self) -> dict:
        return {
            "position": self.position,
            "source_tokens": list(self.source_tokens),
            "attention": list(self.attention),
            "original_attention": list(self.original_attention),
            "jsd": self.jsd,
            "jsd_unit": "nats",
            "tvd": self.tvd,
            "tvd_bound": self.tvd_bound,
            "original_top": [list(t) for t in self.original_top],
            "adversarial_top": [list(t) for t in self.adversarial_top],
            "token_changed": self.token_changed,
            "seconds": self.seconds,
        }


class _Adam:
    """Adam (Kingma & Ba 2015) on one tensor, in place: what torch.optim.Adam computes with its defaults.

    Written out because torch.optim's first step imports torch._dynamo, seconds that the first
    search in a process (the app's first click) would otherwise pay.
    """

    def __init__(self, z: torch.Tensor, lr: float, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8):
        self.z, self.lr, self.betas, self.eps = z, lr, betas, eps
        self.m, self.v, self.t = torch.zeros_like(z), torch.zeros_like(z), 0

    @torch.no_grad()
    def step(self, grad: torch.Tensor) -> None:
        (b1, b2), self.t = self.betas, self.t + 1
        self.m.mul_(b1).add_(grad, alpha=1 - b1)
        self.v.mul_(b2).addcmul_(grad, grad, value=1 - b2)
        denominator = (self.v / (1 - b2**self.t)).sqrt_().add_(self.eps)
        self.z.addcdiv_(self.m, denominator, value=-self.lr / (1 - b1**self.t))


def _search(
    graph: StepGraph, tvd_bound: float, restarts: int, iterations: int, lr: float, seed: int
) -> tuple[torch.Tensor, float]:
    """The best (row, JSD) feasible under the graph; the model's own row (JSD 0) when nothing else is."""
    own = graph.attention  # (S,)
    best_row, best_jsd = own.clone(), 0.0
    if graph.length < 2:
        return best_row, best_jsd
    generator = torch.Generator().manual_seed(seed)
    scales = torch.linspace(0.5, 4.0, restarts)[:, None]  # (R, 1): how far each restart starts from a_t
    z0 = own.clamp_min(1e-6).log()[None] + scales * torch.randn(restarts, graph.length, generator=generator)
    target = tvd_bound - 2 * GRAPH_MARGIN  # the penalty aims a little inside the bound
    penalty = PENALTY / max(tvd_bound, 1e-3)
    with torch.enable_grad(), torch.inference_mode(False):
        z = z0.clone().requires_grad_(True)
        adam = _Adam(z, lr)
        with torch.no_grad():
            p0 = graph.distribution(own)  # the unperturbed distribution, scored the way the search scores
        for _ in range(iterations):
            rows = torch.softmax(z, dim=-1)  # (R, S)
            jsd = jensen_shannon(own.expand_as(rows), rows)  # (R,)
            tvd = total_variation(p0, graph.distribution(rows))  # (R,)
            with torch.no_grad():
                feasible = tvd <= tvd_bound - GRAPH_MARGIN
                if bool(feasible.any()):
                    candidate = jsd.masked_fill(~feasible, -1.0)
                    k = int(candidate.argmax())
                    if float(candidate[k]) > best_jsd:
                        best_jsd, best_row = float(candidate[k]), rows[k].detach().clone()
            loss = (-jsd + penalty * (tvd - target).clamp_min(0.0)).sum()
            (grad,) = torch.autograd.grad(loss, [z])
            adam.step(grad)
    return best_row, best_jsd


def adversarial_state(
    translator: Translator,
    state: DecodeState,
    tvd_bound: float = TVD_BOUND,
    restarts: int = 8,
    iterations: int = 150,
    lr: float = 0.2,
    seed: int = 0,
    k: int = 5,
) -> AdversarialResult:
    """`adversarial_step` at a given decode state (the step after `state.output_ids`)."""
    if not 0.0 <= tvd_bound <= 1.0:
        raise ValueError(f"tvd_bound must lie in 0..1, got {tvd_bound}")
    if restarts < 1 or iterations < 0:
        raise ValueError(f"need restarts >= 1 and iterations >= 0, got {restarts} and {iterations}")
    started = time.perf_counter()
    graph = StepGraph.at(translator, state)
    row, _ = _search(graph, tvd_bound, restarts, iterations, lr, seed)
    own = graph.attention.double()
    original = graph.probs  # the step API's own distribution
    # As a distribution in float64 (what the override checks), then verified through the step API.
    adversarial = row.double() / row.double().sum()
    probs = distribution_with(translator, state, adversarial)
    tvd = float(total_variation(original, probs))
    if tvd > tvd_bound:  # cannot happen within GRAPH_MARGIN; kept so the promise holds regardless
        adversarial, probs, tvd = own / own.sum(), original, 0.0
    jsd = float(jensen_shannon(own, adversarial))
    return AdversarialResult(
        position=state.position,
        source_tokens=state.source_tokens,
        attention=tuple(adversarial.tolist()),
        original_attention=tuple(graph.attention.tolist()),
        jsd=jsd,
        tvd=tvd,
        tvd_bound=tvd_bound,
        original_top=tuple(top_tokens(translator, original, k)),
        adversarial_top=tuple(top_tokens(translator, probs, k)),
        token_changed=int(original.argmax()) != int(probs.argmax()),
        seconds=time.perf_counter() - started,
    )


def adversarial_step(
    translator: Translator,
    source: str,
    prefix: Sequence[int | str] = (),
    tvd_bound: float = TVD_BOUND,
    restarts: int = 8,
    iterations: int = 150,
    lr: float = 0.2,
    seed: int = 0,
    k: int = 5,
) -> AdversarialResult:
    """The attention row at step t = len(prefix) farthest from the model's own (JSD, nats) within TVD <= tvd_bound.

    `prefix`: the output tokens (ids or pieces) forced before step t. `restarts` searches of
    `iterations` Adam steps (learning rate `lr`) run together from starting points drawn with `seed`;
    `k`: how many top tokens of each output distribution to report.
    """
    require_attention(translator)
    return adversarial_state(
        translator, state_after(translator, source, prefix), tvd_bound, restarts, iterations, lr, seed, k
    )


def adversarial(
    translator: Translator,
    sources: Sequence[str],
    tvd_bound: float = TVD_BOUND,
    seed: int = 0,
    progress=None,
    **search,
) -> dict:
    """`adversarial_state` at every step of each source's greedy decode: {"per_example", "summary"}.

    Per example: each step's JSD (nats) and TVD, and their median over steps. The summary holds
    `seq2seq.lab.stats.summary` of the examples' median JSD and the steps' whole spread (`split_jsd`:
    "mean_jsd", "jsd" quantiles, "share_above_half", "histogram"). `search`: restarts, iterations, lr.
    `progress` wraps the sources (a tqdm bar); Ctrl-C keeps the finished examples ("interrupted": True).
    """
    require_attention(translator)
    per_example: list[dict] = []
    interrupted = False
    try:
        for source in progress(sources) if progress else sources:
            trace = translator.greedy(source)
            state = translator.start(source)
            steps = []
            for step in trace.steps:
                result = adversarial_state(translator, state, tvd_bound, seed=seed, **search)
                p = result.original_top[0][2]  # p(y_t) under the model's own row: the greedy token is its top
                steps.append(
                    {"position": result.position, "token": step.token, "jsd": result.jsd, "tvd": result.tvd, "p": p}
                )
                state = step.next_state
            per_example.append(
                {
                    "source": trace.source_text,
                    "output": trace.output,
                    "steps": steps,
                    "median_jsd": statistics.median(s["jsd"] for s in steps) if steps else 0.0,
                }
            )
    except KeyboardInterrupt:
        interrupted = True
    return {
        "per_example": per_example,
        "summary": {
            "median_jsd": summary([e["median_jsd"] for e in per_example], seed=seed),
            "jsd_unit": "nats",
            "tvd_bound": tvd_bound,
            "steps": sum(len(e["steps"]) for e in per_example),
            **split_jsd([s["jsd"] for e in per_example for s in e["steps"]]),
            **saturation(
                [s["jsd"] for e in per_example for s in e["steps"]], [s["p"] for e in per_example for s in e["steps"]]
            ),
            "max_tvd": max((s["tvd"] for e in per_example for s in e["steps"]), default=None),
            "interrupted": interrupted,
        },
    }


def saturation(jsds: Sequence[float], probabilities: Sequence[float]) -> dict:
    """The searched steps where the model was already sure (p(y_t) > SATURATED, 0.99) counted apart, and the
    JSD reached on the others. A sure output may leave the search more room, though it need not (shuffling
    reverse's attention moves its saturated outputs completely), so the others are reported apart:
    {"saturated": {count, share}, "unsaturated":
    {steps, mean_jsd, share_above_half}} (None where no step is unsaturated)."""
    sure = [p > SATURATED for p in probabilities]
    rest = [j for j, s in zip(jsds, sure, strict=True) if not s]
    spread = split_jsd(rest) if rest else {}
    return {
        "saturated": {"count": sum(sure), "share": sum(sure) / len(sure) if sure else None},
        "unsaturated": {
            "steps": len(rest),
            "mean_jsd": spread.get("mean_jsd"),
            "share_above_half": spread.get("share_above_half"),
        },
    }


def split_jsd(jsds: Sequence[float]) -> dict:
    """The steps' adversarial JSDs (nats) over a split: their mean, quantiles, share above half of ln 2
    (`perturb.HALF_JSD`: 0.5 bits) and histogram. A median over examples hides the steps where the
    attention is free and those where it is pinned down; these show both."""
    spread = jsd_spread(jsds)
    return {"mean_jsd": spread["jsd"]["mean"], **spread}
