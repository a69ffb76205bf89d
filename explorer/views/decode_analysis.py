"""Analyses of one decoding step on the Decode page: explain a cell, what-if, attention override.

Plain Python over a decoded sentence (seq2seq.decoded.DecodedSentence, as explorer.views.decode
keeps it) and a translator; explorer/ui/decode/sections.py wires them to widgets.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, MutableMapping, Sequence

from explorer.figures.common import shown_token
from explorer.i18n import N_, _
from explorer.state import keys
from seq2seq.attention import Scorer
from seq2seq.decoded import DecodedSentence, DecodedStep
from seq2seq.numbering import shown


# -- explain a cell --------------------------------------------------------------------------
def softmax(scores: Sequence[float]) -> tuple[float, list[float], float]:
    """(max, exp(score - max) per position, their sum): the numerically safe softmax, written out."""
    top = max(scores)
    exps = [math.exp(s - top) for s in scores]
    return top, exps, sum(exps)


def context_shares(weights: Sequence[float], encoder_states: Sequence[Sequence[float]]) -> list[float]:
    """||a_ts h_s|| / Σ_s' ||a_ts' h_s'||: how much of c_t = Σ a_ts h_s each position contributes."""
    norms = [abs(w) * math.sqrt(sum(x * x for x in h)) for w, h in zip(weights, encoder_states, strict=True)]
    total = sum(norms)
    return [n / total if total > 0 else 0.0 for n in norms]


def explain_cell(data: DecodedSentence, t: int, s: int, scorer: Scorer) -> dict:
    """The numbers behind cell (t, s): raw score, softmax written out, weight, context share.

    "terms" are the score's named terms computed by the model's own scorer (`Scorer.explain_cell`) from
    the decode's h_t and h_s, ending with the score recomputed: a check that the heatmap shows what the
    formula says. `scorer` is the scorer of the model that decoded `data` (its translator's).
    """
    if not data.has_attention:
        raise ValueError("this model has no attention: there is no cell to explain")
    if not 0 <= t < data.num_steps:
        raise ValueError(f"target step {t} is outside 0..{data.num_steps - 1}")
    step = data.steps[t]
    scores = step.scores
    if not 0 <= s < len(scores):
        raise ValueError(f"source position {s} is outside 0..{len(scores) - 1}")
    top, exps, total = softmax(scores)
    weights = step.attention
    shares = context_shares(weights, data.encoder_states)
    result = {
        "t": t,
        "s": s,
        "scorer": data.scorer,
        "score": scores[s],
        "max_score": top,
        "exp": exps[s],
        "sum_exp": total,
        "softmax": exps[s] / total,
        "weight": weights[s],
        "share": shares[s],
        "shares": shares,
        "weights": weights,
        "scores": scores,
        "context_norm": math.sqrt(sum(x * x for x in step.context)),
    }
    terms = scorer.explain_cell(step.decoder_state, data.encoder_states, s)
    result["recomputed"] = terms.pop("score")
    result["terms"] = terms
    return result


def explain_latex(cell: dict) -> list[str]:
    """LaTeX lines with the actual numbers (numbers only: no user text goes into LaTeX)."""
    t, s = shown(cell["t"]), shown(cell["s"])  # the step and position a person reads
    # Term names are LaTeX written in seq2seq/attention.py, never user text.
    terms = [rf"{name} = {value:.4f}" for name, value in cell["terms"].items()]
    return [
        *([r",\quad ".join(terms)] if terms else []),
        rf"\mathrm{{score}}_{{{t},{s}}} = {cell['score']:.4f}, \qquad \max_{{s'}} \mathrm{{score}}_{{{t},s'}}"
        rf" = {cell['max_score']:.4f}",
        rf"a_{{{t},{s}}} = \frac{{e^{{\,\mathrm{{score}}_{{{t},{s}}} - \max}}}}{{\sum_{{s'}} "
        rf"e^{{\,\mathrm{{score}}_{{{t},s'}} - \max}}}} = \frac{{{cell['exp']:.4f}}}{{{cell['sum_exp']:.4f}}}"
        rf" = {cell['softmax']:.4f}",
        rf"\frac{{\lVert a_{{{t},{s}}}\, \bar h_{{{s}}} \rVert}}{{\sum_{{s'}} \lVert a_{{{t},s'}}\, \bar h_{{s'}}"
        rf" \rVert}} = {cell['share']:.4f} \;\; ({100 * cell['share']:.1f}\%)",
    ]


def explain_text(cell: dict) -> str:
    """What the numbers mean, in words (numbers only: safe Markdown)."""
    numbers = {
        name: f"{cell[name]:.4f}"
        for name in ("score", "max_score", "exp", "sum_exp", "softmax", "weight", "recomputed")
    }
    text = _(
        "At target step {t} the scorer gave source position {s} the raw score {score}. "
        "Softmax turns the row of scores into weights: subtract the row's maximum ({max_score}) "
        "so no exponential overflows, exponentiate ({exp}) and divide by the row's sum "
        "({sum_exp}): **{softmax}**, the weight the model used ({weight}). "
        "The context vector is c_t = Σ a_ts h_s; this position's term a_ts h_s is "
        "**{share}** of the summed term lengths. The share differs from the weight when "
        "encoder states have different lengths: a small weight on a long state can still move c_t."
    ).format(t=shown(cell["t"]), s=shown(cell["s"]), share=f"{100 * cell['share']:.1f}%", **numbers)
    check = _(
        "Check: the score recomputed here from h_t and h_s by the scorer's own code is "
        "{recomputed} (the model reported {score})."
    ).format(**numbers)
    return text + "\n\n" + check


def argmax(values: Sequence[float]) -> int:
    return max(range(len(values)), key=values.__getitem__)


# -- what-if and attention override -----------------------------------------------------------
def first_alternative(row: DecodedStep) -> int:
    """Index of the most probable candidate that is not the token the model chose (0 if none)."""
    for i, (piece, _id, _prob) in enumerate(row.topk):
        if piece != row.token:
            return i
    return 0


def candidate_label(row: DecodedStep, index: int) -> str:
    piece, _id, prob = row.topk[index]
    if piece == row.token:
        return _("{token}   (p = {prob})   ← the model's choice").format(token=shown_token(piece), prob=f"{prob:.3f}")
    return f"{shown_token(piece)}   (p = {prob:.3f})"


def run_whatif(session: MutableMapping, translator, data: DecodedSentence, position: int, token_id: int):
    """Compute a what-if and keep it in the session next to the trace it changes."""
    result = whatif(translator, data, position, token_id)
    trace = session.get(keys.TRACE, {}).get("key")
    session[keys.WHATIF_RESULT] = {"trace": trace, "position": position, "data": result}
    return result


def whatif_result(session: Mapping, data: DecodedSentence, position: int) -> DecodedSentence | None:
    """The what-if computed for this trace at this position, if any."""
    kept = session.get(keys.WHATIF_RESULT)
    if not kept or kept["position"] != position or kept["trace"] != session.get(keys.TRACE, {}).get("key"):
        return None
    return kept["data"]


def whatif(translator, data: DecodedSentence, position: int, token_id: int) -> DecodedSentence:
    """Force `token_id` at `position`, keep the tokens before it, and decode on after it.

    A sampled original goes on sampling with its temperature and seed (`Translator.sample` with a
    prefix: the draws the original made there), anything else greedily: a beam search cannot be
    resumed from a forced prefix, and a reference no longer fits once a token differs.
    `continuation(data)` says which, for the side-by-side view.
    """
    prefix = data.token_ids[:position] + [int(token_id)]
    sampling = data.sampling
    if sampling:
        trace = translator.sample(data.source, sampling.temperature, seed=sampling.seed, prefix=prefix)
    else:
        trace = translator.greedy(data.source, prefix=prefix)
    return trace.plain(data.model, states=False)


def continuation(data: DecodedSentence) -> str:
    """How a what-if of the decoded sentence `data` decodes after the forced token, in words."""
    sampling = data.sampling
    if sampling:
        return _(
            "Continued by sampling with the original's temperature {temperature} and seed "
            "{seed} (the same random draws), so only the forced token and what follows from it differ."
        ).format(temperature=f"{sampling.temperature:g}", seed=sampling.seed)
    said = {
        "beam": N_(
            "Continued greedily from the forced token, not by beam search, which cannot resume from a forced "
            "token, so this is no beam result."
        ),
        "forced": N_(
            "Continued greedily from the forced token, not teacher-forced: the reference no longer applies once "
            "a token differs."
        ),
        "sample": N_(
            "Continued greedily from the forced token, not sampled: this trace does not say its temperature and seed."
        ),
    }.get(data.strategy, N_("Continued greedily from the forced token, like the original."))
    return _(said)


def compare_rows(original: DecodedSentence, changed: DecodedSentence, position: int) -> list[dict]:
    """Side-by-side token table of two decodes; `position` is where the what-if forced a token."""
    a, b = original.target_tokens, changed.target_tokens
    return [
        {
            "position": shown(i),
            "original": a[i] if i < len(a) else "",
            "what-if": b[i] if i < len(b) else "",
            "note": _("forced") if i == position else (_("differs") if (a[i : i + 1] != b[i : i + 1]) else ""),
        }
        for i in range(max(len(a), len(b)))
    ]


def state_before(translator, data: DecodedSentence, position: int):
    """The decode state just before target `position` (the decode's tokens forced up to it)."""
    state = translator.start(data.source)
    for token_id in data.token_ids[:position]:
        state = translator.step(state, choose=token_id).next_state
    return state


def one_hot(size: int, index: int) -> list[float]:
    if not 0 <= index < size:
        raise ValueError(f"source position {index} is outside 0..{size - 1}")
    return [1.0 if i == index else 0.0 for i in range(size)]


def override(translator, data: DecodedSentence, position: int, source_index: int) -> dict:
    """Put all attention on `source_index` at target `position`: the prediction before and after."""
    state = state_before(translator, data, position)
    before = translator.step(state)
    after = translator.step(state, attention=one_hot(len(state.source_ids), source_index))
    return {
        "position": position,
        "source_index": source_index,
        "before": [(piece, prob) for piece, _id, prob in before.topk],
        "after": [(piece, prob) for piece, _id, prob in after.topk],
        "token_before": before.token,
        "token_after": after.token,
        "attention_after": list(after.attention) if after.attention is not None else None,
    }
