"""`python -m seq2seq models|decode|translate|train|evaluate`.

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
    from .decoding import check_temperature

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, got {text[:40]!r}") from None
    try:
        return check_temperature(value)
    except ValueError as error:  # InputError: out of range or NaN, the message says which range
        raise argparse.ArgumentTypeError(str(error)) from None


def build_parser() -> argparse.ArgumentParser:
    from .decoding import MAX_OUTPUT_TOKENS, MAX_SEED, MAX_TEMPERATURE, MIN_TEMPERATURE

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
    return parser


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
    """Rows: target tokens; columns: source tokens; cells: weights with two decimals."""
    if trace.attention is None:
        return f"(scorer '{trace.scorer}': this model has no attention)"
    header = ["", *trace.source_tokens]
    rows = [[tok, *(f"{w:.2f}" for w in row)] for tok, row in zip(trace.target_tokens, trace.attention, strict=True)]
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
                [
                    (str(i + 1), f"{h['score']:.4f}", f"{h['logprob']:.4f}", h["text"])
                    for i, h in enumerate(trace.hypotheses)
                ],
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
