"""The scorer table (Luong et al. 2015, Table 4): one architecture, every scorer, side by side.

`scorer_table(task_name)` gives one row per shipped model of the task: the GRU model of every scorer in
display order (`seq2seq.scorers.SCORERS`), then the variants with another cell (`lstm-general`, marked by
its `cell`). Each row, over the split's first `n` examples (`seq2seq.lab.length.split_examples`):

- **perplexity**: teacher-forced on the reference, exp of the mean per-token negative log-likelihood,
  pooled over every target token of every pair (</s> included):
      ppl = exp( sum_i sum_t -log p(y_it | y_i<t, x_i) / sum_i (|y_i| + 1) )
  A corpus task's pairs are every (source, translation) pair of those `n` (a source with two
  translations counts both).
- **quality**: the task's metric on greedy outputs (`Task.metric`): exact match (0..1) for reverse and
  dates; sacrebleu corpus BLEU (0..100) for en-fr and zh-en over the distinct sources, each with every
  translation the split has of it (`Task.references`), a source the model cannot take scored as an empty
  output (as `evaluate` does).
- **AER** (reverse, dates; `aer`): alignment error rate of the attention against the gold alignment
  under teacher forcing of the reference.
- **entropy**: the mean attention row entropy (nats) under teacher forcing, over every row (</s> too).
- **tau**: Kendall's tau between attention and integrated gradients (`seq2seq.lab.agreement.kendall`),
  at every step of each source's greedy decode, averaged over all those steps; with the median over the
  examples of each example's mean and its 95% bootstrap interval (`stats.summary`), the share of steps
  whose tau is significant (p < 0.05, `significant_share`), the share of saturated steps (p(token) > 0.99,
  `saturated_share`) and the mean tau over the unsaturated ones (`tau_unsaturated`). Integrated gradients
  run to convergence (`seq2seq.lab.integrated`) unless `ig_steps` fixes the points; `measures` says what
  is ranked: "signed" IG over every position (</s> included), or "jain-wallace" |IG| without </s>.

The `none` scorer has no attention: its AER, entropy and tau are None.

**Alignment error rate.** Och & Ney (2003): with sure links S, possible links P (S ⊆ P) and the model's
links A, AER = 1 - (|A ∩ S| + |A ∩ P|) / (|A| + |S|). Here A has one link per target token that has a
gold span, from that token to the argmax of its attention row (the first on a tie); tokens the gold
aligns to nothing (dates' "-") and </s> have no link, since attention must put its weight somewhere.
A gold span one source token wide is a sure link (every reverse link: reverse's gold is one-to-one);
a wider span (dates: a month digit comes from the whole month name) makes each of its positions a
possible link, none of them sure. With only sure links, as on reverse, S = P and
AER = 1 - 2 |A ∩ S| / (|A| + |S|), which is 1 - alignment accuracy (|A| = |S|, one link per token).

**Cost.** Integrated gradients is what takes the time: for each example, every greedy step's IG is
computed in batched Captum `IntegratedGradients` calls (`seq2seq.lab.integrated`: one per round of
panels, every step's panels together), with one row per step and each row's target its own step's
log-probability, through a teacher-forced pass over the greedy output (`_step_logprob`, the model's own
`Decoder.step`); the log-probability of step t depends only on the source and y_<t, so this is the IG of
`seq2seq.lab.importance.step_importance` at every step (the same baseline, embed(<pad>) at every
position, and the same panels and Gauss-Legendre points), batched instead of one step at a time.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence

import torch

from seq2seq.data import collate
from seq2seq.decoding import InputError, Translator
from seq2seq.metrics import row_entropy
from seq2seq.scorers import learns_where_to_look
from seq2seq.tasks import get_task

from . import integrated, stats
from .agreement import ALPHA, kendall
from .importance import SATURATED, SPECIAL_IDS
from .length import split_examples

Span = tuple[int, int]
MAX_IG_ROWS = 1024  # rows (steps x IG points) per Captum forward pass: bounds memory on a long output


# -- alignment error rate ----------------------------------------------------------------------------
def alignment_links(
    matrix: Sequence[Sequence[float]], gold: Sequence[Span | None]
) -> tuple[set[tuple[int, int]], set[tuple[int, int]], set[tuple[int, int]]]:
    """(A, S, P) of one example: the argmax links of the target tokens with a gold span, the sure and the
    possible gold links (`aer` says which is which). Rows of `matrix` past the gold's length (</s>) are left out."""
    links, sure, possible = set(), set(), set()
    for t, span in enumerate(gold):
        if span is None or t >= len(matrix):
            continue
        start, end = span
        row = matrix[t]
        links.add((t, max(range(len(row)), key=row.__getitem__)))
        possible |= {(t, s) for s in range(start, end)}
        if end - start == 1:
            sure.add((t, start))
    return links, sure, possible


def aer(attentions: Sequence[Sequence[Sequence[float]]], golds: Sequence[Sequence[Span | None]]) -> float | None:
    """Alignment error rate of attention matrices against gold spans, pooled over the examples (module docstring).

    `attentions[i]`: rows = target tokens (</s> last), columns = source tokens; `golds[i][t]`: the
    half-open source span of target token t, or None. None when no target token has a gold span.
    """
    a_and_s = a_and_p = size_a = size_s = 0
    for matrix, gold in zip(attentions, golds, strict=True):
        links, sure, possible = alignment_links(matrix, gold)
        a_and_s += len(links & sure)
        a_and_p += len(links & possible)
        size_a += len(links)
        size_s += len(sure)
    if size_a + size_s == 0:
        return None
    return 1.0 - (a_and_s + a_and_p) / (size_a + size_s)


# -- teacher forcing: perplexity and attention ---------------------------------------------------------
def _target_ids(translator: Translator, target: str) -> list[int]:
    """The target's ids as `Translator.force` feeds them (normalized; </s> is added by `collate`)."""
    tokenizer = translator.target_tokenizer
    return tokenizer.encode(tokenizer.normalize(target))


@torch.inference_mode()
def forced_scores(translator: Translator, pairs: Sequence[tuple[str, str]], batch_size: int = 64) -> list[dict | None]:
    """Per pair, teacher-forced on its target: {"nll": sum of -log p(y_t) over the target and </s>,
    "tokens": their number, "attention": rows target + </s> x columns source + </s> (None for `none`)};
    None for a pair whose source the model cannot take (too long for `location`)."""
    encoded: dict[int, tuple[list[int], list[int]]] = {}
    for i, (source, target) in enumerate(pairs):
        try:
            encoded[i] = (translator.encode_source(source), _target_ids(translator, target))
        except InputError:
            continue
    order = sorted(encoded, key=lambda i: (len(encoded[i][0]), len(encoded[i][1])))
    results: list[dict | None] = [None] * len(pairs)
    for start in range(0, len(order), batch_size):
        chunk = order[start : start + batch_size]
        batch = collate([encoded[i] for i in chunk]).to(translator.device)
        logits, attention = translator.model(batch.src, batch.src_lengths, batch.tgt_in)  # (B, T, V), (B, T, S)
        logprobs = torch.log_softmax(logits.float(), dim=-1)
        picked = logprobs.gather(-1, batch.tgt_out.unsqueeze(-1)).squeeze(-1)  # (B, T)
        for row, i in enumerate(chunk):
            src, tgt = encoded[i]
            steps = len(tgt) + 1
            results[i] = {
                "nll": -float(picked[row, :steps].double().sum()),
                "tokens": steps,
                "attention": None if attention is None else attention[row, :steps, : len(src)].float().tolist(),
            }
    return results


def perplexity(scores: Sequence[dict | None]) -> float | None:
    """exp(total NLL / total tokens) over the pairs `forced_scores` scored (None: none was)."""
    kept = [s for s in scores if s is not None]
    tokens = sum(s["tokens"] for s in kept)
    return math.exp(sum(s["nll"] for s in kept) / tokens) if tokens else None


# -- integrated gradients at every greedy step ----------------------------------------------------------
def _rows(hidden, count: int):
    """The first `count` rows of a decoder state (dim 1; an LSTM's (h, c) both)."""
    return tuple(h[:, :count] for h in hidden) if isinstance(hidden, tuple) else hidden[:, :count]


def _step_logprob(
    translator: Translator, embedded: torch.Tensor, steps: torch.Tensor, ids: Sequence[int]
) -> torch.Tensor:
    """log p(y_t | y_<t, x) for each row's own step t: embedded (B, S, E), steps (B,) -> (B,).

    Every row is a whole source x (S positions, </s> included) and `steps[r]` the output step its value
    is read at, the output being `ids` (the greedy decode). The decoder's own `step` runs over <s>,
    y_1 .. as a forced decode does; the log-probability at step t depends on x and y_<t only, so a row
    stops once its step is read: rows are taken longest first and the running batch is their prefix.
    Differentiable in `embedded`.
    """
    model = translator.model
    order = torch.argsort(steps, descending=True, stable=True)
    wanted = steps[order]
    rows = embedded[order]  # (B, S, E): whole sources, no padding, so the encoder does not pack them
    encoded = model.encoder.from_embeddings(rows, torch.full((rows.size(0),), rows.size(1)))
    decoder, memory = model.decoder, encoded.memory
    hidden, feed = encoded.hidden, model.init_feed(encoded)
    keys = decoder.scorer.project_keys(memory)
    pieces = []
    for t, prev in enumerate((model.config.bos_id, *ids[: int(wanted[0])])):
        live = int((wanted >= t).sum())  # rows whose step is t or later: a prefix (longest first)
        done = int((wanted > t).sum())  # of which these go on after t
        tokens = torch.full((live,), int(prev), dtype=torch.long, device=embedded.device)
        memory = memory[:live]
        keys = None if keys is None else keys[:live]
        out = decoder.step(tokens, _rows(hidden, live), feed[:live], memory, None, projected_keys=keys)
        hidden, feed = out.hidden, out.attentional
        pieces.append(torch.log_softmax(out.logits[done:live].float(), dim=-1)[:, ids[t]])
    by_order = torch.cat(pieces[::-1])  # longest first, as `order` has them
    return by_order[torch.argsort(order)]


def greedy_integrated_gradients(translator: Translator, source: str, ig_steps: int | None = None) -> dict:
    """Integrated gradients of every greedy step's chosen token, batched over the steps (module docstring).

    Returns {"output", "ids", "source_ids", "attention": T rows over the source (</s> included),
    "integrated_gradients": T signed rows, summed over the embedding features, "logprob": T values of
    f(x) = log p(y_t | y_<t, x), "delta": per step |sum_s IG_s - (f(x) - f(x'))|, f from our own passes,
    "points" and "converged" per step}. `ig_steps` None: every step to convergence
    (`seq2seq.lab.integrated`: the panels of the steps that are not yet complete are cut again, all
    steps' new panels in one batch); a number: that many points for every step.
    """
    trace = translator.greedy(source)
    ids = [step.token_id for step in trace.steps]
    src = translator.encode_source(source)
    model = translator.model
    count = len(ids)
    with torch.inference_mode(False), torch.enable_grad():
        embedding = model.encoder.embedding.weight.detach()  # (V_src, E)
        x = embedding[torch.tensor(src, device=translator.device)].unsqueeze(0).expand(count, -1, -1).clone()
        pad = embedding[translator.config.pad_id].expand_as(x)  # the baseline: <pad> at every position
        steps = torch.arange(count, device=translator.device)  # row t explains step t (Captum repeats it per point)

        def forward(embedded: torch.Tensor, rows: torch.Tensor) -> torch.Tensor:  # (R, S, E), (R,) -> (R,)
            return _step_logprob(translator, embedded, rows, ids)

        found = integrated.integrated_gradients(
            forward, x, pad, points=ig_steps, args=(steps,), rows_per_pass=MAX_IG_ROWS
        )
    return {
        "output": trace.output,
        "ids": ids,
        "source_ids": src,
        "attention": trace.attention,
        "integrated_gradients": found.attributions.sum(dim=-1).tolist(),
        "logprob": found.f_input.tolist(),
        "delta": found.delta.tolist(),
        "points": found.points.tolist(),
        "converged": found.converged.tolist(),
    }


def attention_ig_steps(
    translator: Translator, source: str, ig_steps: int | None = None, measures: str = "signed"
) -> list[dict]:
    """Per greedy step of `source`: {"tau", "tau_p": tau(attention, integrated gradients) and its p-value
    (None where undefined), "saturated", "ig_delta", "ig_points", "ig_converged"}.

    `measures` "signed": the signed IG over every position, </s> included; "jain-wallace": |IG_s| over
    the positions that are not special tokens (</s> left out), as `seq2seq.lab.importance` ranks them.
    """
    found = greedy_integrated_gradients(translator, source, ig_steps)
    if measures == "jain-wallace":
        ranked = [s for s, i in enumerate(found["source_ids"]) if i not in SPECIAL_IDS]
    else:
        ranked = list(range(len(found["source_ids"])))
    steps = []
    for t, (a, ig) in enumerate(zip(found["attention"], found["integrated_gradients"], strict=True)):
        values = [abs(ig[s]) if measures == "jain-wallace" else ig[s] for s in ranked]
        tau, p = kendall([a[s] for s in ranked], values)
        steps.append(
            {
                "tau": tau if math.isfinite(tau) else None,
                "tau_p": p if math.isfinite(p) else None,
                "saturated": found["logprob"][t] > math.log(SATURATED),
                "ig_delta": found["delta"][t],
                "ig_points": found["points"][t],
                "ig_converged": found["converged"][t],
            }
        )
    return steps


def attention_ig_taus(
    translator: Translator, source: str, ig_steps: int | None = None, measures: str = "signed"
) -> list[float | None]:
    """tau(attention, integrated gradients) at every greedy step of `source` (None where it is undefined)."""
    return [step["tau"] for step in attention_ig_steps(translator, source, ig_steps, measures)]


# -- the table --------------------------------------------------------------------------------------------
def task_models(task_name: str) -> list:
    """The shipped registry entries of `task_name`: GRU models in scorer display order, then other cells."""
    from seq2seq.registry import registry
    from seq2seq.scorers import SCORERS

    def order(entry) -> tuple:
        rank = SCORERS.index(entry.scorer) if entry.scorer in SCORERS else len(SCORERS)
        return (entry.cell != "gru", rank, entry.name)

    return sorted((e for e in registry() if e.task == task_name and not e.is_user), key=order)


def model_row(
    translator: Translator,
    task_name: str,
    examples: Sequence,
    references: dict[str, list[str]] | None = None,
    ig_steps: int | None = None,
    progress: Callable[[int], object] | None = None,
    measures: str = "signed",
) -> dict:
    """One row of the table for a loaded model (module docstring) over `examples` (Example records).

    `references`: a corpus task's sources with all their translations (BLEU); None for a generated task.
    "per_example" has one entry per distinct source: {"source", "output" (greedy), "nll" and "tokens"
    (summed over its pairs; None when the model cannot take the source), "tau" (the mean over its
    steps; None when undefined or without attention), "tau_steps" (the steps whose tau is defined: the row's
    "tau" is the mean over all examples' steps, each example's mean weighted by these), "significant" (of
    those, the steps at p < 0.05), "steps", "saturated" (steps with p(token) > 0.99), "tau_unsaturated" and
    "unsaturated_steps" (the mean over the unsaturated steps with a tau, and their number), "ig_unconverged"
    (steps whose integrated gradients reached the cap without converging)}. `progress(1)` is
    called after each source's tau. Ctrl-C during the tau loop keeps the sources finished so far
    ("tau_examples" says how many) and sets "interrupted".
    """
    task = get_task(task_name)
    started = time.perf_counter()
    scores = forced_scores(translator, [(e.source, e.target) for e in examples])
    sources = list(dict.fromkeys(e.source for e in examples))
    if task.metric.name == "bleu":
        refs = [references[s] for s in sources]
    else:  # a generated task's sources are distinct, one target each
        refs = [[e.target] for e in examples]
    outputs = translator.translate_batch(sources, refused=[])  # a refused source scores as ""
    attention = translator.has_attention
    # A fixed scorer's weights (uniform: 1/S) are not chosen: no argmax to align, no ranking to compare.
    learned = attention and learns_where_to_look(translator.scorer)
    per_example = {
        s: {"source": s, "output": o, "nll": None, "tokens": None, "tau": None, "tau_steps": 0}
        for s, o in zip(sources, outputs, strict=True)
    }
    if learned:
        for entry in per_example.values():
            entry |= {"significant": 0, "steps": 0, "saturated": 0, "tau_unsaturated": None, "unsaturated_steps": 0}
            entry["ig_unconverged"] = 0
    for score, example in zip(scores, examples, strict=True):
        if score is not None:
            entry = per_example[example.source]
            entry["nll"] = (entry["nll"] or 0.0) + score["nll"]
            entry["tokens"] = (entry["tokens"] or 0) + score["tokens"]
    kept = [(s, e) for s, e in zip(scores, examples, strict=True) if s is not None]
    row = {
        "model": translator.name,
        "scorer": translator.scorer,
        "cell": translator.config.cell,
        "examples": len(examples),
        "refused": len(examples) - len(kept),
        "perplexity": perplexity(scores),
        task.metric.name: task.metric.score(outputs, refs)[task.metric.name],
        "aer": None,
        "entropy": None,
        "tau": None,
        "tau_summary": stats.summary([]),
        "tau_examples": 0,
        "significant_share": None,
        "saturated_share": None,
        "tau_unsaturated": None,
        "measures": measures,
        "interrupted": False,
    }
    if learned and task.has_alignments:
        row["aer"] = aer([s["attention"] for s, _ in kept], [e.alignment for _, e in kept])
    if attention:
        rows = [r for s, _ in kept for r in s["attention"]]
        row["entropy"] = sum(row_entropy(r) for r in rows) / len(rows) if rows else None
    if learned:
        step_taus: list[float] = []
        try:
            for source in sources:
                entry = per_example[source]
                if entry["nll"] is not None:  # the model takes this source
                    _tau_entry(entry, attention_ig_steps(translator, source, ig_steps, measures))
                    step_taus += entry.pop("_taus")
                row["tau_examples"] += 1
                if progress is not None:
                    progress(1)
        except KeyboardInterrupt:
            row["interrupted"] = True
        row |= tau_columns(list(per_example.values()))
    row["seconds"] = round(time.perf_counter() - started, 2)
    row["per_example"] = list(per_example.values())
    return row


def _tau_entry(entry: dict, steps: list[dict]) -> None:
    """An example's tau numbers from its steps (`attention_ig_steps`), into `entry` (with "_taus": its taus)."""
    taus = [step["tau"] for step in steps if step["tau"] is not None]
    unsaturated = [step["tau"] for step in steps if step["tau"] is not None and not step["saturated"]]
    entry |= {
        "tau": sum(taus) / len(taus) if taus else None,
        "tau_steps": len(taus),
        "significant": sum(1 for step in steps if step["tau_p"] is not None and step["tau_p"] < ALPHA),
        "steps": len(steps),
        "saturated": sum(1 for step in steps if step["saturated"]),
        "tau_unsaturated": sum(unsaturated) / len(unsaturated) if unsaturated else None,
        "unsaturated_steps": len(unsaturated),
        "ig_unconverged": sum(1 for step in steps if not step["ig_converged"]),
        "_taus": taus,
    }


def tau_columns(examples: Sequence[dict]) -> dict:
    """The row's tau columns from its examples' (`_tau_entry`): "tau" (the mean over every step with a
    tau), "tau_summary", "significant_share", "saturated_share", "tau_unsaturated"."""
    taus = [e for e in examples if e.get("tau") is not None]
    steps = sum(e["tau_steps"] for e in taus)
    unsaturated = [e for e in examples if e.get("tau_unsaturated") is not None]
    unsaturated_steps = sum(e["unsaturated_steps"] for e in unsaturated)
    return {
        "tau": sum(e["tau"] * e["tau_steps"] for e in taus) / steps if steps else None,
        "tau_summary": stats.summary(e.get("tau") for e in examples),
        "significant_share": stats.share(sum(e.get("significant", 0) for e in examples), steps),
        "saturated_share": stats.share(
            sum(e.get("saturated", 0) for e in examples), sum(e.get("steps", 0) for e in examples)
        ),
        "tau_unsaturated": (
            sum(e["tau_unsaturated"] * e["unsaturated_steps"] for e in unsaturated) / unsaturated_steps
            if unsaturated_steps
            else None
        ),
    }


def table_work(task_name: str, split: str = "test", n: int = 200, data: str | None = None) -> int:
    """How many times `scorer_table` calls `progress(1)`: the distinct sources times the models with attention."""
    sources = {e.source for e in split_examples(task_name, split, n, data)}
    return len(sources) * sum(learns_where_to_look(e.scorer) for e in task_models(task_name))


def scorer_table(
    task_name: str,
    n: int = 200,
    data: str | None = None,
    ig_steps: int | None = None,
    progress: Callable[[int], object] | None = None,
    split: str = "test",
    device: str = "cpu",
    models: Sequence[str] | None = None,
    measures: str = "signed",
) -> dict:
    """The table for `task_name` over the split's first `n` examples: {"task", "split", "n", "metric",
    "ig_steps" (None: to convergence), "measures", "rows": [model_row, ...], "interrupted"} (module docstring).

    `models`: registry names to compare (default: `task_models`). `progress(1)` after each example's tau,
    (n examples x the models with attention in all). Ctrl-C keeps the rows finished so far and the
    current row's finished examples, with "interrupted": True.
    """
    from seq2seq.checkpoint import load_model

    task = get_task(task_name)
    examples = split_examples(task.name, split, n, data)
    references = task.references(data, split) if task.metric.name == "bleu" else None
    names = list(models) if models is not None else [e.name for e in task_models(task.name)]
    rows, interrupted = [], False
    try:
        for name in names:
            translator = load_model(name, device=device)
            row = model_row(translator, task.name, examples, references, ig_steps, progress, measures)
            rows.append(row)
            if row["interrupted"]:
                interrupted = True
                break
    except KeyboardInterrupt:  # while loading or scoring a model, outside the tau loop
        interrupted = True
    return {
        "task": task.name,
        "split": split,
        "n": len(examples),
        "metric": task.metric.name,
        "ig_steps": ig_steps,
        "measures": measures,
        "rows": rows,
        "interrupted": interrupted,
    }
