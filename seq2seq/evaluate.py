"""`python -m seq2seq evaluate`: a model's quality on a task's split.

Generated tasks (reverse, dates): exact match and character accuracy of greedy outputs, and, where the
task has gold alignments, attention against them under forced decoding of the reference (alignment
accuracy, gold mass, entropy). A task with `unknown_symbol_examples` (dates) also: `unk_exact_match`,
exact match on fresh test examples with one character the answer does not depend on replaced by a
symbol the model never saw (`dates.with_unknown_symbol`).
Tasks that read a corpus (`Task.needs_data`: en-fr, zh-en): BLEU and chrF (sacrebleu) on the
multi-reference split, greedy and beam; with `typed`, BLEU and chrF "as typed" too (greedy and beam):
each source lowercased and without its final punctuation (`seq2seq.typed.as_typed`), against the same
references.
"""

from __future__ import annotations

import argparse
import json
import time

import torch

from .data import collate, encode_pairs
from .decoding import Translator
from .metrics import alignment_scores, bleu, char_accuracy, chrf, exact_match
from .scorers import learns_where_to_look
from .tasks import TASKS, all_tasks, get_task
from .typed import as_typed

EVAL_SEED = 2026  # synthetic test sets are drawn with this seed (splits never overlap anyway)
UNK_SEED = 4099  # the unknown-symbol dates: a seed no split is drawn with (training uses its config seed, 0)
UNK_SIZE = 400  # how many unknown-symbol dates the model cards report on


@torch.inference_mode()
def forced_attention(translator: Translator, pairs: list[tuple[str, str]], batch_size: int = 256) -> list:
    """Attention of each pair under teacher forcing of its target: rows = target + </s>, cols = source + </s>."""
    model = translator.model
    encoded = encode_pairs(pairs, translator.source_tokenizer, translator.target_tokenizer, 10**9)
    matrices = []
    for start in range(0, len(encoded), batch_size):
        chunk = encoded[start : start + batch_size]
        batch = collate(chunk).to(translator.device)
        _, attention = model(batch.src, batch.src_lengths, batch.tgt_in)  # (B, T, S)
        for row, (src, tgt) in enumerate(chunk):
            matrices.append(attention[row, : len(tgt) + 1, : len(src)].cpu().tolist())
    return matrices


def evaluate_synthetic(translator: Translator, task: str, split: str, size: int, unk_size: int = UNK_SIZE) -> dict:
    """Greedy exact match and character accuracy, attention against gold; for a task with unknown-symbol
    examples (dates), `unk_size` of them too (0 = skip)."""
    examples = get_task(task).examples(split, size, EVAL_SEED)
    sources, targets = [e.source for e in examples], [e.target for e in examples]
    started = time.perf_counter()
    outputs = translator.translate_batch(sources)
    result = {
        "examples": len(examples),
        "exact_match": exact_match(outputs, targets),
        "char_accuracy": char_accuracy(outputs, targets),
        "decode_seconds": round(time.perf_counter() - started, 2),
    }
    # A fixed scorer's weights (uniform) tie everywhere: its argmax and gold mass say nothing of alignment.
    if translator.has_attention and learns_where_to_look(translator.scorer) and get_task(task).has_alignments:
        matrices = forced_attention(translator, list(zip(sources, targets, strict=True)))
        result |= alignment_scores(matrices, [e.alignment for e in examples])
    if get_task(task).unknown_symbol_examples is not None and unk_size:
        result |= unknown_symbol_exact_match(translator, unk_size, task=task)
    return result


def unknown_symbol_exact_match(
    translator: Translator, size: int = UNK_SIZE, seed: int = UNK_SEED, task: str | None = None
) -> dict:
    """Exact match of greedy outputs on `size` examples with one unknown symbol where the answer does not
    depend on it (dates: outside day, month and year). `task`: the model's own task when not given.

    The bar for the shipped dates models is 0.95 for every attention scorer: a character the model
    never saw, where the answer does not depend on it, should not change the answer.
    """
    make = get_task(task or translator.metadata.get("task", "")).unknown_symbol_examples
    if make is None:
        raise ValueError(f"the {task} task has no unknown-symbol examples")
    examples = make(size, seed)
    outputs = translator.translate_batch([e.source for e in examples])
    return {"unk_examples": len(examples), "unk_exact_match": exact_match(outputs, [e.target for e in examples])}


def evaluate_translation(
    translator: Translator,
    path: str,
    split: str,
    limit: int,
    beam: int,
    beam_limit: int = 0,
    task: str | None = None,
    typed: bool = False,
) -> dict:
    """Greedy BLEU/chrF on the split (or its first `limit` sources); beam on the first `beam_limit` (0 = all).

    Both are batched (`translate_batch`; beam by `beam_batch`, the same outputs as `beam` one
    sentence at a time). Greedy is also scored on the beam's sources (`bleu_greedy_subset`), so a
    subset's ratio stays fair. `task`: the model's own task when not given. `typed`: greedy on the
    sources as a class types them too (`typed_scores`).
    """
    refs = get_task(task or translator.metadata.get("task", "")).references(path, split)
    sources = list(refs)[:limit] if limit else list(refs)
    references = [refs[s] for s in sources]
    started = time.perf_counter()
    refused: list[int] = []  # over the model's length limit: scored as empty outputs
    greedy = translator.translate_batch(sources, refused=refused)
    result = {
        "sentences": len(sources),
        "too_long": len(refused),
        "bleu": bleu(greedy, references),
        "chrf": chrf(greedy, references),
        "greedy_seconds": round(time.perf_counter() - started, 2),
    }
    if beam > 1:
        n = min(beam_limit, len(sources)) if beam_limit else len(sources)
        started = time.perf_counter()
        beamed = translator.translate_batch(sources[:n], beam=beam, refused=[])  # refused: "" as for greedy
        result |= {
            "beam_sentences": n,
            "bleu_greedy_subset": bleu(greedy[:n], references[:n]),
            f"bleu_beam{beam}": bleu(beamed, references[:n]),
            f"chrf_beam{beam}": chrf(beamed, references[:n]),
            "beam_seconds": round(time.perf_counter() - started, 2),
        }
    if typed:
        n = (min(beam_limit, len(sources)) if beam_limit else len(sources)) if beam > 1 else 0
        result |= typed_scores(translator, sources, references, beam, n)
    return result


def typed_scores(
    translator: Translator, sources: list[str], references: list[list[str]], beam: int = 1, beam_sentences: int = 0
) -> dict:
    """Greedy BLEU and chrF of the sources as typed (`as_typed`: lowercased, no final punctuation) against
    the references of the sources as printed; `typed_changed`: how many sources that changed. With `beam`
    > 1, beam search's too, on the first `beam_sentences` (the beam scores' own sources). A source that
    is empty as typed ("?") scores as an empty output, as one over the length limit does."""
    typed = [as_typed(s) for s in sources]
    started = time.perf_counter()
    outputs = translator.translate_batch(typed, refused=[])
    result = {
        "typed_changed": sum(t != s for t, s in zip(typed, sources, strict=True)),
        "bleu_typed": bleu(outputs, references),
        "chrf_typed": chrf(outputs, references),
    }
    if beam > 1 and beam_sentences:
        n = beam_sentences
        beamed = translator.translate_batch(typed[:n], beam=beam, refused=[])
        result |= {
            f"bleu_beam{beam}_typed": bleu(beamed, references[:n]),
            f"chrf_beam{beam}_typed": chrf(beamed, references[:n]),
        }
    return result | {"typed_seconds": round(time.perf_counter() - started, 2)}


def evaluate(
    translator: Translator,
    split: str = "test",
    size: int = 2000,
    data: str | None = None,
    limit: int = 0,
    beam: int = 5,
    beam_limit: int = 0,
    unk_size: int = UNK_SIZE,
    typed: bool = False,
) -> dict:
    """The model's scores on `split` (`evaluate_synthetic` or `evaluate_translation`, by its task);
    `typed`: a corpus task's "as typed" scores too (a generated task refuses it: ValueError)."""
    task = translator.metadata.get("task")
    if task not in TASKS:
        raise ValueError(f"the model does not say which task it was trained on (task={task!r})")
    if typed and not get_task(task).needs_data:
        raise ValueError(f"--typed is for the tasks that read a corpus; {task} generates its examples")
    if not get_task(task).needs_data:
        return {"task": task, "split": split, **evaluate_synthetic(translator, task, split, size, unk_size)}
    path = data or translator.metadata.get("train", {}).get("data")
    if not path:
        raise ValueError(f"evaluating {task} needs --data PATH")
    scores = evaluate_translation(translator, path, split, limit, beam, beam_limit, task=task, typed=typed)
    return {"task": task, "split": split, **scores}


def add_evaluate_arguments(parser: argparse.ArgumentParser) -> None:
    corpus = ", ".join(task.name for task in all_tasks() if task.needs_data)  # the tasks that read a file
    parser.add_argument("--model", required=True, help="registered name or a checkpoint folder")
    parser.add_argument("--split", default="test", choices=("train", "valid", "test"))
    parser.add_argument("--size", type=int, default=2000, help="synthetic tasks: examples drawn (default 2000)")
    parser.add_argument("--data", help=f"{corpus}: the Tatoeba file (default: the one the model was trained on)")
    parser.add_argument("--limit", type=int, default=0, help=f"{corpus}: first N source sentences only (0 = all)")
    parser.add_argument("--beam", type=int, default=5, help=f"{corpus}: beam width for the beam scores (1 = skip)")
    parser.add_argument("--beam-limit", type=int, default=0, help=f"{corpus}: beam on the first N sources (0 = all)")
    parser.add_argument(
        "--unk-size",
        type=int,
        default=UNK_SIZE,
        help=f"dates: test dates with one unknown symbol outside day, month, year (default {UNK_SIZE}, 0 = skip)",
    )
    parser.add_argument(
        "--typed",
        action="store_true",
        help=f"{corpus}: BLEU and chrF as a class types too, greedy and with --beam: every source lowercased and "
        "without its final punctuation, against the same references (bleu_typed, bleu_beam5_typed, ...)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    parser.add_argument("--device", default="cpu", choices=("cpu", "cuda"))


def run_from_args(args: argparse.Namespace) -> int:
    from .checkpoint import load_model
    from .tables import format_table

    translator = load_model(args.model, device=args.device, allow_path=True)
    if args.unk_size < 0:
        raise SystemExit(f"evaluate: --unk-size must be 0 or more, got {args.unk_size}")
    result = evaluate(
        translator,
        args.split,
        args.size,
        args.data,
        args.limit,
        args.beam,
        args.beam_limit,
        unk_size=args.unk_size,
        typed=args.typed,
    )
    result = {"model": args.model, "scorer": translator.scorer, **result}
    if args.json:
        print(json.dumps(result))
    else:
        rows = [(k, f"{v:.4f}" if isinstance(v, float) else str(v)) for k, v in result.items()]
        print(format_table(("metric", "value"), rows))
    return 0
