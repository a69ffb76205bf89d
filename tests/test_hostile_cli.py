"""Hostile text through `python -m seq2seq`: exit 0 or 2, one line on stderr, never a traceback.

In-process through seq2seq.cli.main (cheap: every input, every strategy), plus a few real
processes for what only a real process sees (argv bytes that are not UTF-8, binary stdin).
Character models (dates/general of the small registry) and a subword model (the tiny trained
en-fr model, SentencePiece: tests/train_fixtures.py) both take every input.
"""

from __future__ import annotations

import functools
import io
import json
import os
import subprocess
import sys
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from seq2seq.cli import line_ranges
from seq2seq.decoding import MAX_SOURCE_TOKENS
from seq2seq.tokenizers import UNK
from tests.hostile import CATEGORIES, INPUTS, MAX_TARGET, SAMPLE, small_registry

ROOT = Path(__file__).resolve().parent.parent
MODEL = "dates/general"


def nfkc(text: str) -> str:
    """What a character model reads of `text` (CharTokenizer.normalize)."""
    return unicodedata.normalize("NFKC", text)


STRATEGIES = {
    "greedy": [],
    "json": ["--json", "--states"],
    "beam": ["--beam", "3", "--json"],
    "sample": ["--sample", "--temperature", "0.5", "--seed", "1"],
}


@pytest.fixture(autouse=True)
def registry(monkeypatch) -> Path:
    """The small registry; in-process runs load each model once (loading is not what is tested here)."""
    from seq2seq import checkpoint

    root = small_registry()
    monkeypatch.setenv("ATTENTION_EXPLORER_PRETRAINED", str(root))
    monkeypatch.setattr(checkpoint, "load_model", _cached_load(checkpoint.load_model))
    return root


@functools.cache
def _cached_load(load):
    return functools.cache(load)


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    from seq2seq.cli import main

    try:
        code = main(argv)
    except SystemExit as exit_:  # argparse's own --help (a text like "--help" read as the flag)
        code = exit_.code
    out, err = capsys.readouterr()
    return code, out, err


def check(code: int, out: str, err: str) -> None:
    assert "Traceback" not in out + err
    assert code in (0, 2), (code, err)
    if code == 2:
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), err
        assert out == ""


@pytest.mark.parametrize("text", list(INPUTS.values()), ids=list(INPUTS))
def test_decode_any_text(text, capsys):
    for strategy, flags in STRATEGIES.items():
        code, out, err = run(["decode", "--model", MODEL, *flags, text], capsys)
        check(code, out, err)
        if code == 0 and out.startswith("usage:"):
            assert text == "--help"  # argparse takes it for the flag (after "--" it is text: below)
        elif code == 0 and "--json" in flags:
            trace = json.loads(out)
            assert trace["source"] == nfkc(text)  # what the character model reads (seq2seq.tokenizers)
            assert trace["strategy"] == ("beam" if strategy == "beam" else "greedy")
        elif code == 0:
            assert out.startswith("output: ")
    # After "--" the text is always the sentence, even "--help".
    code, out, err = run(["decode", "--model", MODEL, "--json", "--", text], capsys)
    check(code, out, err)
    if code == 0:
        assert json.loads(out)["source"] == nfkc(text)
    elif text.strip():
        assert "at most" in err  # the only refusal of non-empty text: it is too long
    else:
        assert "empty" in err


@pytest.mark.parametrize("text", list(INPUTS.values()), ids=list(INPUTS))
def test_force_any_target(text, capsys):
    code, out, err = run(["decode", "--model", MODEL, "--json", "--force", text, "--", "9 may 2018"], capsys)
    check(code, out, err)
    if code == 0:
        assert json.loads(out)["strategy"] == "forced"
    elif text.startswith("-"):
        assert "expected one argument" in err  # argparse reads "--force=--help" as a missing value
    else:
        assert "at most" in err  # a target longer than the model produces


@pytest.mark.parametrize(
    ("numbers", "expected"), [([3], "3"), ([3, 4, 5, 9], "3-5, 9"), ([1, 3, 5], "1, 3, 5"), ([2, 3, 7, 8], "2-3, 7-8")]
)
def test_refused_lines_are_named_as_runs(numbers, expected):
    assert line_ranges(numbers) == expected


def check_translate(lines: list[str], refused: list[int], limit: int, code: int, out: str, err: str) -> list[str]:
    """One output line per input line, always; a refused line gives an empty line. Lines over the
    limit (refused and not blank) make the command exit 2 after writing every output, with one line
    on stderr naming them; blank lines are no error. Returns the outputs."""
    assert "Traceback" not in err
    outputs = out.split("\n")[:-1]
    assert len(outputs) == len(lines) and out.endswith("\n")
    assert all(outputs[i] == "" for i in refused)
    too_long = [i + 1 for i in refused if lines[i].strip()]
    if not too_long:
        assert (code, err) == (0, "")
        return outputs
    assert code == 2 and len(err.strip().splitlines()) == 1 and err.startswith("error: translate: ")
    which = f"line {too_long[0]} is" if len(too_long) == 1 else f"lines {line_ranges(too_long)} are"
    assert f"{which} over the model's limit of {limit} source tokens" in err, err
    return outputs


def test_translate_every_line(capsys, monkeypatch):
    lines = [t for t in INPUTS.values() if "\n" not in t and "\r" not in t]
    # characters (of the NFKC text) = tokens; a general scorer takes up to MAX_SOURCE_TOKENS
    refused = [i for i, t in enumerate(lines) if len(nfkc(t)) > MAX_SOURCE_TOKENS or not nfkc(t).strip()]
    assert any(lines[i].strip() for i in refused)  # the hostile set has some too long
    monkeypatch.setattr(sys, "stdin", io.StringIO("".join(t + "\n" for t in lines), newline="\n"))
    code, out, err = run(["translate", "--model", MODEL], capsys)
    check_translate(lines, refused, MAX_SOURCE_TOKENS, code, out, err)


@pytest.mark.parametrize("name", ["../../etc/passwd", "/etc/passwd", "%2e%2e/", "dates/../dates/general", "", " "])
def test_model_names_are_not_paths(name, capsys):
    code, out, err = run(["decode", "--model", name, "9 may"], capsys)
    check(code, out, err)
    assert code == 2 and ("unknown model" in err or "no such checkpoint" in err or "config.json" in err)


@pytest.mark.parametrize("text", ["\ud800", "a\udfffb", "\udcff9 may", "\ud83d"])
def test_lone_surrogates_through_the_library(text, registry):
    """Impossible in a str from a URL, possible from Python: every strategy decodes and serializes."""
    from seq2seq.checkpoint import load_model

    translator = load_model(MODEL, root=registry)
    traces = [
        translator.greedy(text),
        translator.beam(text, width=2),
        translator.sample(text, seed=0),
        translator.force(text, "2018"),
    ]
    for trace in traces:
        assert trace.source_tokens[0] == "<unk>" or text[0] not in "\ud800\udfff\udcff\ud83d"
        data = trace.to_json(states=True)
        assert json.loads(json.dumps(data))["source"] == text  # ASCII JSON round-trips the surrogate
        assert len(trace.steps) <= MAX_TARGET
    assert len(translator.translate_batch([text, text + "x"])) == 2
    assert translator.unknown_characters(text)


def test_categories_partition_the_inputs():
    ids = [i for group in CATEGORIES.values() for i in group]
    assert sorted(ids) == sorted(INPUTS) and len(ids) == len(set(ids))  # a new input needs a category
    assert set(SAMPLE) <= set(INPUTS) and all(set(group) & set(SAMPLE) for group in CATEGORIES.values())


# -- a subword model: en-fr, SentencePiece --------------------------------------------------------------
@pytest.fixture(scope="module")
def subword(en_fr_run):
    """(folder, translator) of the tiny trained en-fr model; the CLI gets the folder."""
    from seq2seq.checkpoint import load_checkpoint

    return str(en_fr_run.folder), load_checkpoint(en_fr_run.folder)


def _fits(translator, text: str) -> bool:
    """Whether the model takes `text`: not blank once normalized, and its tokens within source_limit."""
    text = translator.normalize(text)
    return bool(text.strip()) and len(translator.source_tokenizer.encode(text)) <= translator.source_limit


def test_the_subword_model_sees_both_outcomes(subword):
    """The hostile set reaches the subword model: most inputs fit, the long ones are refused."""
    _, translator = subword
    fitting = [name for name, text in INPUTS.items() if _fits(translator, text)]
    assert len(fitting) >= 50 and {"10k chars", "501 chars", "empty"}.isdisjoint(fitting)
    assert {"CJK", "emoji ZWJ family", "script tag", "NUL inside"} <= set(fitting)


@pytest.mark.parametrize("text", list(INPUTS.values()), ids=list(INPUTS))
def test_decode_any_text_with_a_subword_model(text, subword, capsys):
    folder, translator = subword
    sp, fits = translator.source_tokenizer, _fits(translator, text)
    for strategy, flags in STRATEGIES.items():
        code, out, err = run(["decode", "--model", folder, *flags, "--", text], capsys)
        check(code, out, err)
        assert code == (0 if fits else 2), (strategy, err)
        if code == 2:
            assert ("at most" in err) if text.strip() else ("empty" in err), err
        elif "--json" in flags:
            trace = json.loads(out)
            read = translator.normalize(text)  # NFC
            assert trace["source"] == read
            assert trace["source_tokens"] == [sp.piece(i) for i in sp.encode(read)] + ["</s>"]
            # <unk> exactly when some character is unknown on its own (runs of them share one <unk>)
            assert ("<unk>" in trace["source_tokens"]) == any(UNK in sp.encode(c) for c in read)
            assert 1 <= len(trace["steps"]) <= translator.config.max_target_len
            if strategy == "json":  # greedy: the output is the detokenized steps
                assert trace["output"] == translator.target_tokenizer.decode([s["id"] for s in trace["steps"]])
        else:
            assert out.startswith("output: ")


@pytest.mark.parametrize("text", [INPUTS[name] for name in SAMPLE], ids=list(SAMPLE))
def test_force_any_target_with_a_subword_model(text, subword, capsys):
    folder, translator = subword
    target = translator.target_tokenizer
    code, out, err = run(
        ["decode", "--model", folder, "--json", f"--force={text}", "--", "The red cat is here."], capsys
    )
    check(code, out, err)
    fits = len(target.encode(text)) < translator.config.max_target_len
    assert code == (0 if fits else 2), err
    if code == 0:
        trace = json.loads(out)
        assert trace["strategy"] == "forced"
        assert trace["target_tokens"] == [target.piece(i) for i in target.encode(target.normalize(text))] + ["</s>"]
    else:
        assert "at most" in err


@pytest.mark.parametrize("beam", [None, 2])
def test_translate_every_line_with_a_subword_model(beam, subword, capsys, monkeypatch):
    folder, translator = subword
    lines = [t for t in INPUTS.values() if "\n" not in t and "\r" not in t]
    refused = [i for i, t in enumerate(lines) if not _fits(translator, t)]
    assert any(lines[i].strip() for i in refused) and len(refused) < len(lines) // 4
    monkeypatch.setattr(sys, "stdin", io.StringIO("".join(t + "\n" for t in lines), newline="\n"))
    code, out, err = run(["translate", "--model", folder, *(["--beam", str(beam)] if beam else [])], capsys)
    outputs = check_translate(lines, refused, translator.source_limit, code, out, err)
    # The trained model says something for most lines that fit, whatever they hold.
    assert sum(bool(outputs[i]) for i in range(len(lines)) if i not in refused) >= len(lines) // 2


@pytest.mark.parametrize("command", ["decode", "translate"])
def test_lone_surrogates_with_a_subword_model(command, subword, capsys, monkeypatch):
    folder, _ = subword
    if command == "translate":
        monkeypatch.setattr(sys, "stdin", io.StringIO("\udcff\udcfe 9 may\n"))
        code, out, err = run(["translate", "--model", folder], capsys)
    else:
        code, out, err = run(["decode", "--model", folder, "--", "\udcff\udcfe 9 may"], capsys)
    check(code, out, err)
    assert code == 0
    if command == "translate":
        assert "<unk>" not in out  # detokenized output, whatever the model says
    else:  # the attention table's columns show the undecodable characters as unknown tokens
        assert "<unk>" in out and "<unk>" not in out.splitlines()[0]


# -- real processes -------------------------------------------------------------------------------------
def _process(args: list[bytes], stdin: bytes | None, root: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "ATTENTION_EXPLORER_PRETRAINED": str(root), "OMP_NUM_THREADS": "1"}
    return subprocess.run(
        [os.fsencode(sys.executable), b"-m", b"seq2seq", *args], cwd=ROOT, env=env, input=stdin,
        capture_output=True, timeout=120,
    )  # fmt: skip


PROCESSES = {
    "argv not UTF-8": ([b"decode", b"--model", MODEL.encode(), b"--json", b"\xff\xfe 9 may \x80"], None, 0),
    "10k argv": ([b"decode", b"--model", MODEL.encode(), b"y" * 10_000], None, 2),
    "escape codes": ([b"decode", b"--model", MODEL.encode(), b"\x1b[2J\x1b[31m<script>\x07"], None, 0),
    "binary stdin": ([b"translate", b"--model", MODEL.encode()], b"\xff\xfe\x00\n\x80abc\n\n9 may\n", 0),
}


@pytest.fixture(scope="module")
def processes() -> dict[str, subprocess.CompletedProcess]:
    """The real processes, run once, a few at a time (each spends most of its time importing torch)."""
    root = small_registry()
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {key: pool.submit(_process, args, stdin, root) for key, (args, stdin, _) in PROCESSES.items()}
        return {key: future.result() for key, future in futures.items()}


@pytest.mark.parametrize("case", list(PROCESSES))
def test_real_process(case, processes):
    result, expected = processes[case], PROCESSES[case][2]
    stdout, stderr = result.stdout.decode("utf-8", "replace"), result.stderr.decode("utf-8", "replace")
    check(result.returncode, stdout, stderr)
    assert result.returncode == expected, stderr
    if case == "argv not UTF-8":  # undecodable bytes arrive as surrogates, map to <unk>, and are written back
        assert json.loads(result.stdout.decode("utf-8", "surrogateescape"))["source_tokens"][0] == "<unk>"
    if case == "binary stdin":
        assert stdout.count("\n") == 4
