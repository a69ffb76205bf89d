"""Hostile text through `python -m seq2seq`: exit 0 or 2, one line on stderr, never a traceback.

In-process through seq2seq.cli.main (cheap: every input, every strategy), plus a few real
processes for what only a real process sees (argv bytes that are not UTF-8, binary stdin).
"""

from __future__ import annotations

import functools
import io
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.hostile import INPUTS, MAX_SOURCE, MAX_TARGET, small_registry

ROOT = Path(__file__).resolve().parent.parent
MODEL = "dates/general"
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
            assert trace["source"] == text and trace["strategy"] == ("beam" if strategy == "beam" else "greedy")
        elif code == 0:
            assert out.startswith("output: ")
    # After "--" the text is always the sentence, even "--help".
    code, out, err = run(["decode", "--model", MODEL, "--json", "--", text], capsys)
    check(code, out, err)
    if code == 0:
        assert json.loads(out)["source"] == text
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


def test_translate_every_line(capsys, monkeypatch):
    """One output line per input line, always; a line that does not fit gives an empty line and a warning."""
    lines = [t for t in INPUTS.values() if "\n" not in t and "\r" not in t]
    too_long = [i for i, t in enumerate(lines) if len(t) > MAX_SOURCE - 1]  # characters = tokens here
    assert too_long  # the hostile set has some
    monkeypatch.setattr(sys, "stdin", io.StringIO("".join(t + "\n" for t in lines), newline="\n"))
    code, out, err = run(["translate", "--model", MODEL], capsys)
    assert code == 0 and "Traceback" not in err
    outputs = out.split("\n")[:-1]
    assert len(outputs) == len(lines)
    assert all(outputs[i] == "" for i in too_long)
    warned = [line for line in err.splitlines() if line.startswith("warning: line ")]
    # a whitespace-only line is refused as empty, without a warning
    assert len(warned) == sum(1 for i in too_long if lines[i].strip()) and all("at most" in w for w in warned)


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
