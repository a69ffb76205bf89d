"""`python -m seq2seq models|decode|translate|train|evaluate|lab`.

Bad input (empty or too-long text, an unknown model, bad flags) exits with status 2 and one line
on stderr; never a traceback. Every numeric option has a range (its --help says it) and a value
outside it is refused that way: no setting can make a decode overflow, run unbounded or crash.

Sources are Unicode-normalized before decoding (NFKC for the character tasks, NFC for subwords;
see seq2seq.decoding), so NFD "café" and a full-width "９" read as NFC "café" and "9"; zh-en's
Chinese also goes from traditional to simplified characters (OpenCC). `decode` says so on stderr
(`input_notes`), as the pages do, and notes a source longer than any the model was trained on.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from .numbering import numbered
from .tables import format_table

EXIT_USAGE = 2


class UsageError(Exception):
    """Bad input from the user: reported as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line instead of argparse's usage block
        raise UsageError(f"{self.prog}: {message}")


# Widest beam search allowed: a step costs width x vocabulary scores, so 10**6 would exhaust memory.
MAX_BEAM = 100
# Most examples `evaluate` draws from a synthetic task.
MAX_EVAL_SIZE = 1_000_000


def _int_in(low: int, high: int | None = None):
    """An argparse type: a whole number within low..high (high None: no upper bound)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a whole number, got {text[:40]!r}") from None
        if value < low or (high is not None and value > high):
            bound = f"from {low} to {high}" if high is not None else f"at least {low}"
            raise argparse.ArgumentTypeError(f"must be {bound}, got {text[:40]}")
        return value

    return parse


_positive_int = _int_in(1)


def _temperature(text: str) -> float:
    """A sampling temperature within MIN_TEMPERATURE..MAX_TEMPERATURE (below the floor sampling is greedy)."""
    from .inputs import check_temperature

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, got {text[:40]!r}") from None
    try:
        return check_temperature(value)
    except ValueError as error:  # InputError: out of range or NaN, the message says which range
        raise argparse.ArgumentTypeError(str(error)) from None


def build_parser() -> argparse.ArgumentParser:
    from .config import MAX_SEED
    from .inputs import MAX_OUTPUT_TOKENS, MAX_TEMPERATURE, MIN_TEMPERATURE

    parser = _Parser(prog="python -m seq2seq", description="Attention Explorer's seq2seq command line.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    commands.add_parser("models", help="list the registered models")

    decode = commands.add_parser("decode", help="decode one sentence and show its attention")
    decode.add_argument("--model", required=True, help="registered name (dates/general) or a checkpoint folder")
    strategy = decode.add_mutually_exclusive_group()
    strategy.add_argument(
        "--beam", type=_int_in(1, MAX_BEAM), metavar="K", help=f"beam search of width K (1 to {MAX_BEAM})"
    )
    strategy.add_argument("--sample", action="store_true", help="sample instead of greedy")
    strategy.add_argument("--force", metavar="TARGET", help="teacher-force this target and score it")
    decode.add_argument(
        "--temperature",
        type=_temperature,
        default=1.0,
        help=f"sampling temperature, {MIN_TEMPERATURE:g} to {MAX_TEMPERATURE:g} "
        f"(below {MIN_TEMPERATURE:g} sampling is greedy decoding: leave out --sample)",
    )
    decode.add_argument(
        "--top-k",
        type=_positive_int,
        default=None,
        help="sample among the K most probable (K >= 1; K past the vocabulary size means all of it)",
    )
    decode.add_argument("--seed", type=_int_in(0, MAX_SEED), default=0, help=f"sampling seed, 0 to {MAX_SEED}")
    decode.add_argument(
        "--max-len",
        type=_int_in(1, MAX_OUTPUT_TOKENS),
        default=None,
        help=f"stop after this many tokens (1 to {MAX_OUTPUT_TOKENS}; default: the model's own limit)",
    )
    decode.add_argument("--json", action="store_true", help="print the whole trace as one JSON object")
    decode.add_argument("--states", action="store_true", help="with --json: add encoder/decoder states")
    decode.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    decode.add_argument("text", help="the source sentence (Unicode-normalized before decoding)")

    translate = commands.add_parser("translate", help="translate stdin line by line to stdout")
    translate.add_argument("--model", required=True, help="registered name or a checkpoint folder")
    translate.add_argument(
        "--beam", type=_int_in(1, MAX_BEAM), metavar="K", help=f"beam search of width K (1 to {MAX_BEAM})"
    )
    translate.add_argument("--batch-size", type=_positive_int, default=128, help="sentences decoded together (>= 1)")
    translate.add_argument("--device", default="cpu", choices=("cpu", "cuda"))

    from .evaluate import add_evaluate_arguments
    from .train import add_train_arguments

    add_train_arguments(commands.add_parser("train", help="train a model"))
    add_evaluate_arguments(commands.add_parser("evaluate", help="measure a model on a task's split"))
    _add_lab_arguments(commands.add_parser("lab", help="the attention lab: is attention an explanation?"))
    mean = commands.add_parser(
        "average", help="average the weights of fine-tunings of one model into one checkpoint (seq2seq/average.py)"
    )
    mean.add_argument("models", nargs="+", metavar="FOLDER", help="two or more checkpoint folders of one shape")
    mean.add_argument(
        "--weights", nargs="+", type=float, metavar="W", help="one weight > 0 per folder (default: equal)"
    )
    mean.add_argument("--out", required=True, help="the checkpoint folder to write")
    return parser


def _add_lab_arguments(lab: argparse.ArgumentParser) -> None:
    from .lab.names import MEASURES
    from .lab.run import DEFAULT_N, EXPERIMENTS, MAX_N, MAX_SEEDS
    from .tasks import SPLITS, TASKS, all_tasks

    corpus = ", ".join(task.name for task in all_tasks() if task.needs_data)
    defaults = ", ".join(f"{name} {n}" for name, n in DEFAULT_N.items())
    which = lab.add_mutually_exclusive_group(required=True)
    which.add_argument("--model", help="registered name or a checkpoint folder (every experiment but table)")
    which.add_argument("--task", choices=TASKS, help="table: the task whose shipped models are compared")
    lab.add_argument("--experiment", required=True, choices=EXPERIMENTS)
    lab.add_argument("--split", default="test", choices=SPLITS)
    lab.add_argument(
        "--n", type=_int_in(1, MAX_N), default=None, help=f"examples of the split, 1 to {MAX_N} (default: {defaults})"
    )
    lab.add_argument("--data", help=f"{corpus}: the Tatoeba file (default: the one the model was trained on)")
    lab.add_argument(
        "--ig-steps",
        type=_positive_int,
        default=None,
        help="agreement, table: integrated gradients' points, fixed (1 to 1024); default: from 32 up to 1024, "
        "added where the path bends, until |delta| <= 0.01 nats or 1%% of the change explained",
    )
    lab.add_argument(
        "--measures",
        choices=MEASURES,
        nargs="+",
        default=["signed"],
        help="agreement, table: signed (every importance signed, </s> ranked) or jain-wallace (Jain & Wallace "
        "2019: magnitudes, the gradient with attention detached, leave-one-out by deletion, </s> not ranked); "
        "agreement takes both at once (the second's result under its name), the table one",
    )
    lab.add_argument(
        "--seeds", type=_int_in(1, MAX_SEEDS), default=100, help=f"permutation: shuffles per step (1 to {MAX_SEEDS})"
    )
    lab.add_argument(
        "--threads", type=_int_in(1, 256), default=1, help="torch threads (default 1: more help only on idle cores)"
    )
    lab.add_argument("--json", action="store_true", help="print one JSON object: per-example values and the summary")
    lab.add_argument("--device", default="cpu", choices=("cpu", "cuda"))


def _load(args):
    from .checkpoint import load_model

    return load_model(args.model, device=args.device, allow_path=True)


def cmd_models(args) -> int:
    from .registry import registry

    entries = registry()
    if not entries:
        print("No models are registered yet (pretrained/manifest.json is missing or empty).")
        print("Train one with `python -m seq2seq train` and pass its folder to --model.")
        return 0
    header = ("name", "task", "scorer", "cell", "parameters", "metric")
    rows = [
        (
            e.name,
            e.task,
            e.scorer,
            e.cell,
            f"{e.parameters:,}",
            f"{e.metric.name} {e.metric.value:.4g}" if e.metric and e.metric.value is not None else "",
        )
        for e in entries
    ]
    print(format_table(header, rows))
    return 0


def attention_table(trace) -> str:
    """Rows: target tokens (step 1, 2, …); columns: source tokens (position 1, 2, …), numbered as the app
    numbers them (seq2seq.numbering); cells: weights with two decimals."""
    if trace.attention is None:
        return f"(scorer '{trace.scorer}': this model has no attention)"
    header = ["", *numbered(trace.source_tokens)]
    rows = [
        [label, *(f"{w:.2f}" for w in row)]
        for label, row in zip(numbered(trace.target_tokens), trace.attention, strict=True)
    ]
    return format_table(header, rows)


def input_notes(translator, text: str) -> list[str]:
    """What decode says on stderr beside its output, as the pages do: the model read the text otherwise
    than typed (zh-en: traditional characters converted to simplified, listed), or it is longer than any
    source the model was trained on (quality drops)."""
    notes = []
    normalized = translator.normalize(text)
    converted = translator.source_tokenizer.conversions(text)
    if converted:
        listed = ", ".join(f"{a} → {b}" for a, b in converted)
        said = translator.source_tokenizer.conversion  # "traditional characters were converted to simplified"
        notes.append(f"{said}, as in training: {listed}; the model reads “{normalized}”")
    elif normalized != text:
        notes.append(f"the model reads “{normalized}”: your text in the Unicode form it was trained on")
    if translator.beyond_training(text):
        length = len(translator.source_tokenizer.encode(normalized))
        notes.append(
            f"this sentence is {length} tokens long and this model was trained on sources of at most "
            f"{translator.trained_source_len} tokens: expect lower quality beyond that length"
        )
    return notes


def cmd_decode(args) -> int:
    if args.states and not args.json:
        raise UsageError("decode: --states needs --json")
    # One sentence: intra-op threads gain nothing at batch 1 and stall when another process
    # holds a core (bench/decode_speed.py measured it); `translate` batches and keeps them.
    import torch

    torch.set_num_threads(1)
    translator = _load(args)
    if args.beam:
        trace = translator.beam(args.text, width=args.beam, max_len=args.max_len)
    elif args.sample:
        trace = translator.sample(
            args.text, temperature=args.temperature, top_k=args.top_k, seed=args.seed, max_len=args.max_len
        )
    elif args.force is not None:
        trace = translator.force(args.text, args.force)
    else:
        trace = translator.greedy(args.text, max_len=args.max_len)
    if args.json:
        print(json.dumps(trace.to_json(states=args.states), ensure_ascii=False))
        return 0
    for note in input_notes(translator, args.text):  # a lone surrogate (undecodable argv) is written escaped
        print(f"note: {note}".encode("utf-8", "backslashreplace").decode("utf-8"), file=sys.stderr)
    print(f"output: {trace.output}")
    print(f"log-probability: {trace.logprob:.4f}" + ("  (stopped at the maximum length)" if trace.hit_max_len else ""))
    print()
    print(attention_table(trace))
    if trace.hypotheses:
        print()
        print(
            format_table(
                ("rank", "score", "log-prob", "hypothesis"),
                [(str(i + 1), f"{h.score:.4f}", f"{h.logprob:.4f}", h.text) for i, h in enumerate(trace.hypotheses)],
            )
        )
    return 0


def cmd_translate(args) -> int:
    """One output line per input line, batched (greedy, or beam search with --beam).

    A blank input line gives an empty output line. A line over the model's length limit gives an
    empty output line too (so outputs stay aligned with inputs), and the command then exits with
    status 2 and one line on stderr naming those lines and the limit.
    """
    translator = _load(args)
    lines = [line.rstrip("\r\n") for line in sys.stdin]
    refused: list[int] = []
    outputs = translator.translate_batch(lines, batch_size=args.batch_size, refused=refused, beam=args.beam)
    sys.stdout.write("".join(o + "\n" for o in outputs))
    too_long = [i + 1 for i in refused if lines[i].strip()]  # a blank line simply gives a blank line
    if too_long:
        sys.stdout.flush()  # every output line is out before the error
        limit = translator.source_limit  # tokens, </s> not counted
        which = f"line {too_long[0]} is" if len(too_long) == 1 else f"lines {line_ranges(too_long)} are"
        its = "its output line is" if len(too_long) == 1 else f"their {len(too_long)} output lines are"
        raise UsageError(f"translate: {which} over the model's limit of {limit} source tokens; {its} empty")
    return 0


EXIT_INTERRUPTED = 130  # 128 + SIGINT, as a shell reports a command stopped by Ctrl-C


def cmd_lab(args) -> int:
    """An experiment of the attention lab (seq2seq/lab/run.py): a table, or one JSON object with --json.

    A tqdm bar on stderr counts the examples. Ctrl-C stops the run: what finished is printed, and
    the exit status is 130.
    """
    try:
        return _lab(args)
    except KeyboardInterrupt:  # before the experiment's own loop began (loading a model, a batched decode)
        print("lab: interrupted before any example finished", file=sys.stderr)
        return EXIT_INTERRUPTED


def _lab(args) -> int:
    from .lab.run import NEEDS_ATTENTION, format_result, jsonable, run
    from .tasks import TASKS, get_task

    experiment = args.experiment
    if experiment == "table" and args.model:
        raise UsageError("lab: --experiment table compares every scorer of a task: give --task TASK, not --model")
    if experiment != "table" and args.task:
        raise UsageError(f"lab: --experiment {experiment} runs on one model: give --model NAME, not --task")
    if experiment == "table" and len(args.measures) > 1:
        raise UsageError("lab: --experiment table takes one --measures")
    if experiment in ("agreement", "table"):
        from .lab.importance import MAX_IG_STEPS

        if args.ig_steps is not None and args.ig_steps > MAX_IG_STEPS:
            raise UsageError(f"lab: --ig-steps must be from 1 to {MAX_IG_STEPS}, got {args.ig_steps}")
    import torch

    torch.set_num_threads(args.threads)
    translator = None
    if experiment == "table":
        task = get_task(args.task)
    else:
        translator = _load(args)
        name = translator.metadata.get("task")
        if name not in TASKS:
            raise UsageError(f"lab: the model does not say which task it was trained on (task={name!r})")
        task = get_task(name)
        if experiment in NEEDS_ATTENTION and not translator.has_attention:
            raise UsageError(
                f"lab: the {experiment} experiment changes the attention, and {args.model} has none "
                "(scorer 'none'): choose a model with attention"
            )
    if task.needs_data and not args.data and translator is not None:
        # as `evaluate` does: the corpus the model was trained on, when the model names one
        args.data = translator.metadata.get("train", {}).get("data") or None
    if task.needs_data and not args.data:
        raise UsageError(
            f"lab: the {task.name} task reads its examples from a file: give --data PATH ({task.corpus.format})"
        )
    if args.data and not task.needs_data:
        raise UsageError(f"lab: the {task.name} task generates its examples: leave out --data")

    from tqdm import tqdm

    bars = []

    def bar(total: int, unit: str):
        bars.append(tqdm(total=total, unit=unit, desc=f"lab {experiment}", file=sys.stderr, dynamic_ncols=True))
        return bars[-1]

    try:
        result = run(
            experiment,
            translator=translator,
            task_name=task.name,
            split=args.split,
            n=args.n,
            data=args.data,
            ig_steps=args.ig_steps,
            seeds=args.seeds,
            bar=bar,
            device=args.device,
            measures=list(dict.fromkeys(args.measures)),
        )
    finally:
        for b in bars:
            b.close()
    if args.json:
        print(json.dumps(jsonable(result), ensure_ascii=False))
    else:
        print(format_result(result))
    if result.get("interrupted"):
        print("lab: interrupted (Ctrl-C): the results above are those of the examples that finished", file=sys.stderr)
        return EXIT_INTERRUPTED
    return 0


def line_ranges(numbers: Sequence[int]) -> str:
    """Ascending line numbers as runs: [3, 4, 5, 9] -> "3-5, 9"."""
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][1] + 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)


def main(argv: Sequence[str] | None = None) -> int:
    from .checkpoint import CheckpointError
    from .decoding import InputError

    try:
        args = build_parser().parse_args(argv)
        handler = {
            "models": cmd_models,
            "decode": cmd_decode,
            "translate": cmd_translate,
            "train": _train,
            "evaluate": _evaluate,
            "lab": cmd_lab,
            "average": cmd_average,
        }[args.command]
        return handler(args)
    except (UsageError, InputError, CheckpointError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except ValueError as error:  # e.g. a token that is not in the vocabulary, a bad task option
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # the reader (e.g. `head`) went away: not an error of ours
        sys.stderr.close()
        return 0


def cmd_average(args) -> int:
    from .average import average

    weights = args.weights or [1.0] * len(args.models)
    if len(weights) != len(args.models):
        raise UsageError(f"give one weight per checkpoint: {len(args.models)} folders, {len(weights)} weights")
    out = average([Path(m) for m in args.models], weights, args.out)
    print(f"saved to {out}")
    return 0


def _train(args) -> int:
    from .train import run_from_args

    return run_from_args(args)


def _evaluate(args) -> int:
    from .evaluate import run_from_args

    _check_evaluate_numbers(args)

    return run_from_args(args)


def _check_evaluate_numbers(args) -> None:
    """evaluate's numeric options within their ranges (evaluate.py declares them as plain ints)."""
    ranges = {
        "size": (1, MAX_EVAL_SIZE),
        "limit": (0, None),
        "beam": (1, MAX_BEAM),
        "beam_limit": (0, None),
    }
    for name, (low, high) in ranges.items():
        value = getattr(args, name)
        if value < low or (high is not None and value > high):
            bound = f"from {low} to {high}" if high is not None else f"at least {low}"
            raise UsageError(f"evaluate: --{name.replace('_', '-')} must be {bound}, got {value}")
