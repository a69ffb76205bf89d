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
- **tau**: Kendall's tau between attention and integrated gradients (`seq2seq.lab.agreement.kendall_tau`),
  at every step of each source's greedy decode (</s> included), averaged over all those steps; with the
  median over the examples of each example's mean and its 95% bootstrap interval (`stats.summary`).

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
computed in one Captum `IntegratedGradients` call, with one row per step and each row's target its own
step's log-probability, through a teacher-forced pass over the greedy output (`_forced_logprobs`, the
model's own `Decoder.step`); the log-probability of step t depends only on the source and y_<t, so this
is the IG of `seq2seq.lab.importance.step_importance` at every step (the same baseline, embed(<pad>) at
every position, and the same Gauss-Legendre points), in one batched pass instead of one pass per step.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence

import torch

from seq2seq.data import collate
from seq2seq.decoding import InputError, Translator
from seq2seq.metrics import row_entropy
from seq2seq.tasks import get_task

from . import stats
from .agreement import kendall_tau
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


def greedy_integrated_gradients(translator: Translator, source: str, ig_steps: int = 32, delta: bool = True) -> dict:
    """Integrated gradients (Captum) of every greedy step's chosen token, one batched call (module docstring).

    Returns {"output", "ids", "attention": T rows over the source (</s> included), "integrated_gradients":
    T signed rows, summed over the embedding features, "delta": Captum's convergence delta per step (None
    with `delta` False, which saves its two extra forward passes)}.
    """
    from captum.attr import IntegratedGradients

    trace = translator.greedy(source)
    ids = [step.token_id for step in trace.steps]
    src = translator.encode_source(source)
    model = translator.model
    count = len(ids)
    with torch.inference_mode(False), torch.enable_grad():
        embedding = model.encoder.embedding.weight.detach()  # (V_src, E)
        x = embedding[torch.tensor(src, device=translator.device)].unsqueeze(0).expand(count, -1, -1).clone()
        pad = embedding[translator.config.pad_id].expand_as(x)  # the baseline: <pad> at every position
        x.requires_grad_()
        steps = torch.arange(count, device=translator.device)  # row t explains step t (Captum repeats it per point)
        found = IntegratedGradients(lambda e, s: _step_logprob(translator, e, s, ids)).attribute(
            x,
            baselines=pad,
            additional_forward_args=(steps,),
            n_steps=ig_steps,
            internal_batch_size=max(count, MAX_IG_ROWS // count * count),
            return_convergence_delta=delta,
        )
        ig, convergence = found if delta else (found, None)
    return {
        "output": trace.output,
        "ids": ids,
        "attention": trace.attention,
        "integrated_gradients": ig.detach().float().sum(dim=-1).tolist(),
        "delta": None if convergence is None else convergence.detach().float().tolist(),
    }


def attention_ig_taus(translator: Translator, source: str, ig_steps: int = 32) -> list[float | None]:
    """tau(attention, integrated gradients) at every greedy step of `source` (None where it is undefined)."""
    found = greedy_integrated_gradients(translator, source, ig_steps, delta=False)
    taus = []
    for a, ig in zip(found["attention"], found["integrated_gradients"], strict=True):
        tau = kendall_tau(a, ig)
        taus.append(tau if math.isfinite(tau) else None)
    return taus


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
    ig_steps: int = 32,
    progress: Callable[[int], object] | None = None,
) -> dict:
    """One row of the table for a loaded model (module docstring) over `examples` (Example records).

    `references`: a corpus task's sources with all their translations (BLEU); None for a generated task.
    "per_example" has one entry per distinct source: {"source", "output" (greedy), "nll" and "tokens"
    (summed over its pairs; None when the model cannot take the source), "tau" (the mean over its
    steps; None when undefined or without attention), "tau_steps" (the steps whose tau is defined: the row's
    "tau" is the mean over all examples' steps, each example's mean weighted by these)}. `progress(1)` is
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
    per_example = {
        s: {"source": s, "output": o, "nll": None, "tokens": None, "tau": None, "tau_steps": 0}
        for s, o in zip(sources, outputs, strict=True)
    }
    for score, example in zip(scores, examples, strict=True):
        if score is not None:
            entry = per_example[example.source]
            entry["nll"] = (entry["nll"] or 0.0) + score["nll"]
            entry["tokens"] = (entry["tokens"] or 0) + score["tokens"]
    kept = [(s, e) for s, e in zip(scores, examples, strict=True) if s is not None]
    attention = translator.has_attention
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
        "interrupted": False,
    }
    if attention and task.has_alignments:
        row["aer"] = aer([s["attention"] for s, _ in kept], [e.alignment for _, e in kept])
    if attention:
        rows = [r for s, _ in kept for r in s["attention"]]
        row["entropy"] = sum(row_entropy(r) for r in rows) / len(rows) if rows else None
        step_taus: list[float] = []
        try:
            for source in sources:
                if per_example[source]["nll"] is not None:  # the model takes this source
                    taus = [t for t in attention_ig_taus(translator, source, ig_steps) if t is not None]
                    step_taus += taus
                    per_example[source]["tau"] = sum(taus) / len(taus) if taus else None
                    per_example[source]["tau_steps"] = len(taus)
                row["tau_examples"] += 1
                if progress is not None:
                    progress(1)
        except KeyboardInterrupt:
            row["interrupted"] = True
        row["tau"] = sum(step_taus) / len(step_taus) if step_taus else None
        row["tau_summary"] = stats.summary(e["tau"] for e in per_example.values())
    row["seconds"] = round(time.perf_counter() - started, 2)
    row["per_example"] = list(per_example.values())
    return row


def table_work(task_name: str, split: str = "test", n: int = 200, data: str | None = None) -> int:
    """How many times `scorer_table` calls `progress(1)`: the distinct sources times the models with attention."""
    sources = {e.source for e in split_examples(task_name, split, n, data)}
    return len(sources) * sum(e.scorer != "none" for e in task_models(task_name))


def scorer_table(
    task_name: str,
    n: int = 200,
    data: str | None = None,
    ig_steps: int = 32,
    progress: Callable[[int], object] | None = None,
    split: str = "test",
    device: str = "cpu",
    models: Sequence[str] | None = None,
) -> dict:
    """The table for `task_name` over the split's first `n` examples: {"task", "split", "n", "metric",
    "ig_steps", "rows": [model_row, ...], "interrupted"} (module docstring).

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
            row = model_row(load_model(name, device=device), task.name, examples, references, ig_steps, progress)
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
        "rows": rows,
        "interrupted": interrupted,
    }
