"""Quality against source length (Bahdanau et al. 2015, Fig. 2): does attention help on long sentences?

`quality_by_length(translator, task_name)` decodes a split greedily (batched, `translate_batch`) and
scores it per source-length bucket with the task's metric:

- reverse and dates: exact match, the fraction of outputs equal to their target (0..1);
- en-fr and zh-en: sacrebleu corpus BLEU (0..100) of each bucket's sentences, every translation of a
  source in the split as its references (`Task.references`, as `evaluate` does).

**Length** is counted in a unit that does not depend on the model, so that every scorer of a task is
bucketed alike: characters for the character tasks (reverse, dates, and zh-en's Chinese, one token per
character), whitespace-separated words for en-fr (whose SentencePiece model is each model's own).

**Buckets** are `width` lengths wide and exact: a source of length L >= 1 is in bucket (L - 1) // width,
whose `range` is [k * width + 1, (k + 1) * width], both ends included. Every bucket from length 1 up to the
longest source is listed, an empty one with n 0 and value None, so each example is in exactly one bucket
and the curves of two scorers line up. Default widths: each task's `Task.length_bucket`.

**Longer than training (reverse).** The shipped reverse models were trained on strings of at most
`reverse.MAX_LEN` = 30 characters. Besides the `n` examples of the split (1 to 30 characters), the task's
`longer_than_training` (seq2seq/tasks/reverse.py) draws round(n * 20 / 30) more of 31 to 50 characters, the
same density per length, with the task's own recipe, from a stream seeded apart from the task's: the same
strings on every run.

**Which examples.** A generated task: the split's `examples(split, n, 0)`. A corpus task: about `n` of the
split's distinct sources spread over the buckets (`stratified_sources`): the file runs short to long, so
its first `n` sentences would fill one bucket; each bucket takes up to ceil(n / buckets) sources at an
even stride in file order.

A source the model cannot take (the `location` scorer learns one weight per trained position, so it refuses
sources longer than its training's) is left out of its bucket's n and value and counted in `refused`; a
bucket whose every source was refused has value None.

Each bucket also carries a 95% percentile bootstrap interval of its value (`low`, `high`): examples
resampled with replacement within the bucket, `resamples` times from a generator seeded `seed`.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Sequence

from seq2seq.messages import N_
from seq2seq.tasks import Example, get_task


def length_unit(task_name: str) -> str:
    """ "words" for a task whose source is read in subword pieces (en-fr), else "characters"."""
    return N_("words") if get_task(task_name).source_tokenizer == "sentencepiece" else N_("characters")


def source_length(task_name: str, text: str) -> int:
    """The length of `text` in the task's unit (`length_unit`)."""
    return len(text.split()) if length_unit(task_name) == "words" else len(text)


def bucket_of(length: int, width: int) -> int:
    """The index of the bucket [k * width + 1, (k + 1) * width] holding `length` (>= 1)."""
    if length < 1 or width < 1:
        raise ValueError(f"length and width must be 1 or more, got length {length}, width {width}")
    return (length - 1) // width


def bucket_range(index: int, width: int) -> list[int]:
    """[lo, hi], both included, of bucket `index`."""
    return [index * width + 1, (index + 1) * width]


def split_examples(task_name: str, split: str = "test", n: int = 200, data: str | None = None) -> list[Example]:
    """The lab's examples of a split: a generated task's `examples(split, n, 0)`, a corpus task's first `n`
    pairs of the file's split (`load(data, split)[:n]`, ValueError without `data`)."""
    task = get_task(task_name)
    if task.needs_data:
        return task.load(data, split)[:n]
    return task.examples(split, n, 0)


def stratified_sources(task_name: str, sources: Sequence[str], n: int, width: int) -> list[str]:
    """About `n` of a corpus split's distinct `sources`, spread over the length buckets.

    A corpus file runs short to long (manythings.org's does), so its first `n` sentences would all fall
    in the first bucket or two. Each bucket takes up to ceil(n / buckets) of its sources instead, at an
    even stride in file order (all of them when it has fewer), and the result keeps file order.
    """
    groups: dict[int, list[int]] = {}
    for i, source in enumerate(sources):
        groups.setdefault(bucket_of(max(source_length(task_name, source), 1), width), []).append(i)
    if not groups:
        return []
    share = -(-n // len(groups))  # ceil
    chosen: list[int] = []
    for members in groups.values():
        if len(members) <= share:
            chosen += members
        else:
            chosen += [members[k * len(members) // share] for k in range(share)]
    return [sources[i] for i in sorted(chosen)]


def _bootstrap(items: Sequence, score, resamples: int, seed: int) -> tuple[float | None, float | None]:
    """The 2.5th and 97.5th percentiles of `score` over `resamples` resamples of `items` (with replacement)."""
    if not items or resamples < 1:
        return None, None
    rng = random.Random(seed)
    k = len(items)
    values = sorted(score([items[rng.randrange(k)] for _ in range(k)]) for _ in range(resamples))
    return _percentile(values, 0.025), _percentile(values, 0.975)


def _percentile(ordered: Sequence[float], q: float) -> float:
    """Linear interpolation between the closest ranks (numpy's default)."""
    position = q * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _bleu_scorer(references: Sequence[Sequence[str]], hypotheses: Sequence[str]):
    """Per-sentence BLEU statistics, and a function from a list of sentence indices to their corpus BLEU.

    BLEU's sufficient statistics (hypothesis and closest reference length, matched and total n-grams of
    each order) add up over sentences: a sentence's come from sacrebleu's `sentence_score`, and a
    resample's corpus BLEU from their sums through `BLEU.compute_bleu` with `corpus_bleu`'s settings, so
    each of the bootstrap's thousand resamples is scored without tokenizing its sentences again.
    """
    from sacrebleu.metrics import BLEU

    corpus = BLEU()  # corpus_bleu's settings: exp smoothing, 4-grams, no effective order
    # Effective order changes a sentence's score, not its statistics; with it, sacrebleu does not warn
    # that sentence-level BLEU should use it.
    sentence = BLEU(effective_order=True)
    order = corpus.max_ngram_order
    stats = []
    for hypothesis, refs in zip(hypotheses, references, strict=True):
        found = sentence.sentence_score(hypothesis, list(refs))
        stats.append([found.sys_len, found.ref_len, *found.counts, *found.totals])

    def score(indices: Sequence[int]) -> float:
        total = [sum(column) for column in zip(*(stats[i] for i in indices), strict=True)]
        found = BLEU.compute_bleu(
            correct=total[2 : 2 + order],
            total=total[2 + order :],
            sys_len=total[0],
            ref_len=total[1],
            smooth_method=corpus.smooth_method,
            smooth_value=corpus.smooth_value,
            effective_order=corpus.effective_order,
            max_ngram_order=order,
        )
        return float(found.score)

    return score


def length_sources(
    task_name: str,
    split: str = "test",
    n: int = 200,
    data: str | None = None,
    width: int | None = None,
    long: bool = True,
) -> tuple[list[str], list[list[str]]]:
    """The sources `quality_by_length` decodes, in its order, with every reference of each (module docstring:
    "Which examples", "Longer than training"): the same lists on every call."""
    task = get_task(task_name)
    width = width or task.length_bucket
    if task.needs_data:
        refs = task.references(data, split)
        sources = stratified_sources(task.name, list(refs), n, width)
        return sources, [refs[s] for s in sources]
    examples = split_examples(task.name, split, n, data)
    if long and task.longer_than_training is not None:
        examples += task.longer_than_training(split, n)
    return [e.source for e in examples], [[e.target] for e in examples]


def bucket_rows(
    task_name: str,
    sources: Sequence[str],
    references: Sequence[Sequence[str]],
    outputs: Sequence[str],
    refused: Collection[int] = (),
    width: int | None = None,
    resamples: int = 1000,
    seed: int = 0,
) -> list[dict]:
    """The buckets of `quality_by_length` from its decoded outputs: [{"range", "n", "value", "low", "high", "refused"}].

    `references[i]`: every reference of `sources[i]` (exact match reads the first); `refused`: the indices of
    the sources the model could not take. What `quality_by_length` reports, and what a stored result's
    buckets are re-scored from (seq2seq/lab/results.py's per-example outputs).
    """
    task = get_task(task_name)
    width = width or task.length_bucket
    refused = set(refused)
    lengths = [source_length(task.name, s) for s in sources]
    count = max((bucket_of(length, width) for length in lengths), default=-1) + 1
    members: list[list[int]] = [[] for _ in range(count)]
    for i, length in enumerate(lengths):
        members[bucket_of(length, width)].append(i)

    if task.metric.name == "bleu":
        score_indices = _bleu_scorer([references[i] for i in range(len(sources))], outputs)
    else:
        correct = [outputs[i] == references[i][0] for i in range(len(sources))]

        def score_indices(indices: Sequence[int]) -> float:
            return sum(correct[i] for i in indices) / len(indices)

    rows = []
    for index, inside in enumerate(members):
        scored = [i for i in inside if i not in refused]
        value = score_indices(scored) if scored else None
        low, high = _bootstrap(scored, score_indices, resamples, seed + index)
        rows.append(
            {
                "range": bucket_range(index, width),
                "n": len(scored),
                "value": value,
                "low": low,
                "high": high,
                "refused": len(inside) - len(scored),
            }
        )
    return rows


def quality_by_length(
    translator,
    task_name: str | None = None,
    split: str = "test",
    n: int = 200,
    buckets: int | None = None,
    data: str | None = None,
    long: bool = True,
    resamples: int = 1000,
    seed: int = 0,
) -> dict:
    """The task's metric per source-length bucket of the split's first `n` examples (module docstring).

    `task_name`: the model's own task when None. `buckets`: the bucket width in the task's unit
    (the task's `length_bucket` when None). `long`: add the task's strings longer than training, if it has any.
    Returns {"task", "model", "scorer", "split", "metric", "unit", "width", "trained_source_tokens", "buckets":
    [{"range": [lo, hi], "n", "value", "low", "high", "refused"}], "per_example": [{"source", "length",
    "bucket", "output", "correct" (exact match; None for BLEU), "refused"}]}; BLEU tasks' per-example
    entries carry "references" instead of "target".
    """
    task_name = task_name or translator.metadata.get("task", "")
    task = get_task(task_name)
    width = buckets or task.length_bucket
    if width < 1:
        raise ValueError(f"the bucket width must be 1 or more, got {width}")
    bleu_task = task.metric.name == "bleu"
    sources, references = length_sources(task.name, split, n, data, width, long)
    refused: list[int] = []
    # Room for outputs longer than the model's training limit (reverse's 31-50 characters).
    longest = max((len(translator.target_tokenizer.encode(r[0])) for r in references), default=0)
    max_len = max(translator.config.max_target_len, longest + 10)
    outputs = translator.translate_batch(sources, max_len=max_len, refused=refused)
    refused_set = set(refused)
    lengths = [source_length(task.name, s) for s in sources]
    rows = bucket_rows(task.name, sources, references, outputs, refused_set, width, resamples, seed)
    correct = [outputs[i] == references[i][0] for i in range(len(sources))]
    per_example = []
    for i, source in enumerate(sources):
        entry = {"source": source, "length": lengths[i], "bucket": bucket_of(lengths[i], width), "output": outputs[i]}
        if bleu_task:
            entry["references"] = references[i]
            entry["correct"] = None
        else:
            entry["target"] = references[i][0]
            entry["correct"] = None if i in refused_set else bool(correct[i])
        entry["refused"] = i in refused_set
        per_example.append(entry)
    return {
        "task": task.name,
        "model": translator.name,
        "scorer": translator.scorer,
        "split": split,
        "metric": task.metric.name,
        "unit": length_unit(task.name),
        "width": width,
        "trained_source_tokens": translator.trained_source_len,
        "buckets": rows,
        "per_example": per_example,
    }
