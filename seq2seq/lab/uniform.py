"""Uniform attention (Wiegreffe & Pinter 2019, "Attention is not not Explanation": their uniform-weights baseline).

The baseline that asks whether attention matters at all: decode greedily with a_t = 1/S on every
real source position (</s> included) at every step, through the step API's `attention=` override,
and compare the task's own metric (`Task.metric`: exact match for reverse and dates, BLEU for en-fr
and zh-en) with the model's own greedy decode on the same split. Wiegreffe & Pinter found that for
several classification data sets a uniform baseline lost almost nothing; a seq2seq model that must
find *which* source token to copy or translate next should lose most of its quality.

Two uniform baselines, named apart:

- "uniform": uniform weights put into this trained model at inference (the swap above). The model was
  trained to read its own attention, so this measures how much it relies on where it looks.
- "trained_uniform": Wiegreffe & Pinter's own baseline, a model *trained* with its attention frozen at
  1/S (scorer `uniform`, registered as "<task>/uniform"), decoded greedily on the same sources. It says
  what a model of this recipe reaches when it can never choose where to look. Given only when that model
  is registered.

The references are read as `seq2seq.evaluate` reads them (`Task.split_references`): a generated
task draws `n` test examples with EVAL_SEED, a corpus task takes the first `n` sources of the split
of the file given as `data`, each with all its translations.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from seq2seq.decoding import InputError, Translator
from seq2seq.evaluate import EVAL_SEED
from seq2seq.tasks import get_task
from seq2seq.trace import Trace

from .perturb import require_attention


def uniform_row(length: int) -> list[float]:
    """1/length on each of `length` positions (an attention override)."""
    return [1.0 / length] * length


def uniform_decode(translator: Translator, source: str, max_len: int | None = None) -> Trace:
    """Greedy decoding of `source` with uniform attention at every step (strategy "uniform")."""
    require_attention(translator)
    state = first = translator.start(source)
    row = uniform_row(len(first.source_ids))
    limit = translator.config.max_target_len if max_len is None else max(1, int(max_len))
    steps = []
    while not state.finished and len(steps) < limit:
        steps.append(translator.step(state, attention=row))
        state = steps[-1].next_state
    return Trace(
        source_text=first.source_text,
        source_tokens=list(first.source_tokens),
        steps=steps,
        scorer=translator.scorer,
        strategy="uniform",
        output=translator.target_tokenizer.decode([s.token_id for s in steps]),
        hit_max_len=not state.finished,
        memory=first.memory[0],
    )


def uniform_quality(
    translator: Translator,
    task_name: str,
    split: str = "test",
    n: int = 200,
    data: str | None = None,
    progress: Callable[[Iterable[str]], Iterable[str]] | None = None,
    seed: int = EVAL_SEED,
) -> dict:
    """The task's metric of the model's own greedy outputs and of uniform-attention outputs on a split.

    Returns {"metric": its name, "model": value, "uniform": value (uniform weights put into this model),
    "change": uniform - model, "n": sources scored, "model_scores"/"uniform_scores": the metric with its
    companion (char accuracy, chrF), "per_example": [{"source", "references", "model", "uniform"}]}, and
    when "<task>/uniform" is registered (and is not this model) "trained_uniform": its value,
    "trained_uniform_model": its name, "trained_uniform_scores", each example's "trained_uniform" output
    (module docstring: the two baselines). Exact match is
    a fraction 0..1, BLEU 0..100. A source the model cannot take (too long) is scored as an empty
    output for both. `data`: the corpus file of a corpus task (eng-fra.txt, cmn-eng.txt); `seed`: the
    generated tasks' draw (EVAL_SEED, as `python -m seq2seq evaluate` and the model cards).
    Ctrl-C stops the uniform decodes and scores the finished ones ("interrupted": True).
    """
    require_attention(translator)
    task = get_task(task_name)
    references = task.split_references(split, n, seed, data)
    sources = list(references)
    refused: list[int] = []
    model_outputs = translator.translate_batch(sources, refused=refused)
    uniform_outputs: list[str] = []
    interrupted = False
    try:
        for i, source in enumerate(progress(sources) if progress else sources):
            try:
                uniform_outputs.append("" if i in refused else uniform_decode(translator, source).output)
            except InputError:
                uniform_outputs.append("")
    except KeyboardInterrupt:
        interrupted = True
    done = len(uniform_outputs)
    refs = [references[s] for s in sources[:done]]
    model_scores = task.metric.score(model_outputs[:done], refs) if done else {}
    uniform_scores = task.metric.score(uniform_outputs, refs) if done else {}
    name = task.metric.name
    model, uniform = model_scores.get(name, 0.0), uniform_scores.get(name, 0.0)
    trained = trained_uniform(translator, task_name, sources[:done], refs) if done else None
    found = {
        "metric": name,
        "model": model,
        "uniform": uniform,
        "change": uniform - model,
        "n": done,
        "model_scores": model_scores,
        "uniform_scores": uniform_scores,
        "per_example": [
            {"source": s, "references": references[s], "model": m, "uniform": u}
            for s, m, u in zip(sources, model_outputs, uniform_outputs, strict=False)
        ],
        "interrupted": interrupted,
    }
    if trained is not None:
        outputs, scores, found["trained_uniform_model"] = trained
        found |= {"trained_uniform": scores.get(name, 0.0), "trained_uniform_scores": scores}
        for example, output in zip(found["per_example"], outputs, strict=True):
            example["trained_uniform"] = output
    return found


def trained_uniform_name(task_name: str) -> str | None:
    """The name "<task>/uniform" when that model (Wiegreffe & Pinter's trained baseline) is registered, else None."""
    from seq2seq.registry import is_registered

    name = f"{task_name}/uniform"
    return name if is_registered(name) else None


def trained_uniform(
    translator: Translator, task_name: str, sources: list[str], refs: list[list[str]]
) -> tuple[list[str], dict, str] | None:
    """(greedy outputs, metric scores, name) of the task's trained uniform model on `sources`; None when it is
    not registered or is `translator` itself (its swap is then the same baseline)."""
    name = trained_uniform_name(task_name)
    if name is None or name == translator.name:
        return None
    from seq2seq.checkpoint import load_model

    model = load_model(name, device=str(translator.device))
    outputs = model.translate_batch(sources, refused=[])  # a source it cannot take scores as ""
    return outputs, get_task(task_name).metric.score(outputs, refs), name
