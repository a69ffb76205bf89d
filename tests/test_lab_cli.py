"""`python -m seq2seq lab`: every experiment's JSON keys on reverse/dot with a tiny --n, the table,
the one-line errors, and Ctrl-C keeping the finished examples (exit 130).

Most calls run `main` in this process (the same code path as the command, without a new
interpreter's start-up); the interrupt runs a real process.
"""

from __future__ import annotations

import json
import os
import re
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from seq2seq.cli import build_parser, main

ROOT = Path(__file__).resolve().parent.parent
COMMON = {"experiment", "split", "n", "interrupted"}
MODEL = COMMON | {"model", "scorer", "task"}
SUMMARY = {"n", "median", "low", "high"}


@pytest.fixture(autouse=True)
def keep_threads():
    """`lab` sets torch's thread count (--threads, default 1): give the test process its own back."""
    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)


def lab(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["lab", *args])
    out, err = capsys.readouterr()
    return code, out, err


def lab_json(capsys, *args: str) -> dict:
    code, out, err = lab(capsys, *args, "--json")
    assert code == 0, err
    assert out.count("\n") == 1  # one object on one line
    return json.loads(out)


def test_the_parser_takes_both_forms():
    args = build_parser().parse_args(["lab", "--model", "reverse/dot", "--experiment", "agreement", "--n", "3"])
    assert (args.model, args.task, args.experiment, args.n, args.split, args.json) == (
        "reverse/dot",
        None,
        "agreement",
        3,
        "test",
        False,
    )
    assert (args.ig_steps, args.measures) == (None, ["signed"])  # integrated gradients to convergence
    args = build_parser().parse_args(["lab", "--task", "dates", "--experiment", "table", "--json", "--ig-steps", "32"])
    assert (args.task, args.experiment, args.json, args.ig_steps) == ("dates", "table", True, 32)
    args = build_parser().parse_args(["lab", "--model", "x", "--experiment", "agreement", "--measures", "jain-wallace"])
    assert args.measures == ["jain-wallace"]


@pytest.mark.parametrize(
    ("experiment", "extra"),
    [
        ("agreement", ["--ig-steps", "4"]),
        ("permutation", ["--seeds", "5"]),
        ("adversarial", []),
        ("uniform", []),
        ("override", []),
    ],
)
def test_json_keys_of_the_per_example_experiments(capsys, experiment, extra):
    data = lab_json(capsys, "--model", "reverse/dot", "--experiment", experiment, "--n", "1", *extra)
    assert MODEL | {"per_example", "summary"} <= set(data)
    assert (data["experiment"], data["model"], data["task"], data["n"]) == (experiment, "reverse/dot", "reverse", 1)
    assert data["interrupted"] is False
    assert len(data["per_example"]) == 1 and data["per_example"][0]["source"]
    summaries = [v for v in data["summary"].values() if isinstance(v, dict) and SUMMARY <= set(v)]
    if experiment == "agreement":
        assert "attention~integrated_gradients" in data["summary"]
        assert {"steps", "tau", "output", "length", "significant", "saturated"} <= set(data["per_example"][0])
        assert (data["measures"], data["loo"]) == ("signed", "unk")
        step = data["per_example"][0]["steps"][0]
        assert {"tau", "tau_p", "ig_delta", "ig_points", "ig_converged", "saturated"} <= set(step)
        assert {"significant_share", "saturated", "unsaturated", "source_lengths", "steps"} <= set(data["summary"])
    if experiment == "permutation":
        assert {"mean_tvd", "share_tvd_above_half", "tvd"} <= set(data["summary"])
    if experiment == "uniform":
        assert {"metric", "model", "uniform", "change"} <= set(data["summary"])
    else:
        assert summaries, data["summary"]  # the medians with their 95% bootstrap intervals


def test_jain_wallace_measures_and_adaptive_integrated_gradients_in_the_json(capsys):
    data = lab_json(
        capsys, "--model", "reverse/dot", "--experiment", "agreement", "--n", "1", "--measures", "jain-wallace"
    )
    assert (data["measures"], data["loo"]) == ("jain-wallace", "deletion")
    steps = data["per_example"][0]["steps"]
    assert all(32 <= step["ig_points"] <= 1024 and step["ig_delta"] >= 0 for step in steps)
    assert all(p is None or 0 <= p <= 1 for step in steps for p in step["tau_p"].values())
    args = ("--model", "reverse/dot", "--experiment", "agreement", "--n", "1", "--ig-steps", "4")
    code, out, _ = lab(capsys, *args, "--measures", "signed", "jain-wallace")
    assert code == 0 and "signed measures, leave-one-out by unk" in out.splitlines()[0]
    assert any(line.startswith("significant_share.attention~integrated_gradients") for line in out.splitlines())
    assert "jain-wallace measures, leave-one-out by deletion" in out
    both = lab_json(capsys, *args, "--measures", "signed", "jain-wallace")
    assert (both["measures"], both["jain-wallace"]["measures"]) == ("signed", "jain-wallace")
    first, second = both["per_example"][0]["steps"], both["jain-wallace"]["per_example"][0]["steps"]
    assert [s["ig_delta"] for s in first] == [s["ig_delta"] for s in second]  # one integrated gradients for both


def test_a_corpus_task_finds_its_data_as_evaluate_does(capsys, monkeypatch):
    """Without --data the lab reads the corpus the model was trained on (its card's train.data), as
    `python -m seq2seq evaluate` does; the path is the card's, relative to the repository's root."""
    from seq2seq.registry import resolve

    card = json.loads((resolve("en-fr/general") / "config.json").read_text(encoding="utf-8"))
    trained_on = card["train"]["data"]
    root = Path(__file__).resolve().parent.parent
    if not (root / trained_on).is_file():
        pytest.skip(f"no corpus at {trained_on}")
    monkeypatch.chdir(root)
    data = lab_json(capsys, "--model", "en-fr/general", "--experiment", "agreement", "--n", "1", "--ig-steps", "4")
    assert data["per_example"] and data["per_example"][0]["steps"]


def test_json_keys_of_length(capsys):
    data = lab_json(capsys, "--model", "reverse/dot", "--experiment", "length", "--n", "3")
    assert MODEL | {"buckets", "per_example", "metric", "unit", "width"} <= set(data)
    assert data["metric"] == "exact_match" and data["unit"] == "characters"
    assert all({"range", "n", "value", "low", "high", "refused"} <= set(b) for b in data["buckets"])
    assert len(data["per_example"]) == 3 + 2  # 2 strings longer than training go with 3
    assert {"source", "length", "bucket", "output", "target", "correct"} <= set(data["per_example"][0])


def test_json_keys_and_text_of_the_table(capsys):
    data = lab_json(capsys, "--task", "reverse", "--experiment", "table", "--n", "1", "--ig-steps", "4")
    assert COMMON | {"task", "metric", "rows"} <= set(data) and data["task"] == "reverse"
    assert [row["model"] for row in data["rows"]][:2] == ["reverse/none", "reverse/dot"]
    keys = {"model", "scorer", "cell", "perplexity", "exact_match", "aer", "entropy", "tau", "tau_summary"}
    keys |= {"significant_share", "saturated_share", "tau_unsaturated", "measures"}
    assert data["measures"] == "signed" and data["ig_steps"] == 4
    for row in data["rows"]:
        assert keys | {"per_example"} <= set(row)
        assert SUMMARY <= set(row["tau_summary"])
    none, dot = data["rows"][0], data["rows"][1]
    assert none["tau"] is None and none["aer"] is None
    assert dot["aer"] == 0.0 and -1 <= dot["tau"] <= 1 and dot["perplexity"] >= 1
    assert any(row["cell"] == "lstm" for row in data["rows"])  # lstm-general, marked by its cell


def test_text_output_is_a_table(capsys):
    code, out, _ = lab(capsys, "--model", "reverse/none", "--experiment", "length", "--n", "3")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("reverse/none: exact_match by source length")
    assert lines[1].split() == ["length", "n", "exact_match", "95%", "interval", "refused"]
    assert lines[3].split()[0] == "1-10"


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--model", "reverse/nope", "--experiment", "length"], "unknown model 'reverse/nope'"),
        (["--task", "zh-en", "--experiment", "table"], "give --data PATH"),
        (["--model", "reverse/dot", "--experiment", "length", "--n", "0"], "--n: must be from 1 to 10000, got 0"),
        (["--model", "reverse/dot", "--experiment", "agreement", "--n", "10001"], "must be from 1 to 10000"),
        (["--model", "reverse/dot", "--experiment", "agreement", "--ig-steps", "5000"], "--ig-steps must be from 1"),
        (["--model", "reverse/dot", "--experiment", "agreement", "--ig-steps", "0"], "--ig-steps: must be at least 1"),
        (["--model", "reverse/dot", "--experiment", "permutation", "--seeds", "0"], "--seeds: must be from 1 to 1000"),
        (["--model", "reverse/dot", "--experiment", "length", "--threads", "0"], "--threads: must be from 1 to 256"),
        (["--model", "reverse/dot", "--experiment", "length", "--n", "2.5"], "--n: must be a whole number"),
        (["--model", "reverse/none", "--experiment", "permutation"], "reverse/none has none (scorer 'none')"),
        (["--model", "reverse/none", "--experiment", "uniform"], "changes the attention"),
        (["--model", "reverse/dot", "--experiment", "table"], "give --task TASK, not --model"),
        (["--task", "reverse", "--experiment", "length"], "give --model NAME, not --task"),
        (["--model", "reverse/dot", "--experiment", "length", "--data", "x.txt"], "leave out --data"),
        (["--model", "reverse/dot", "--experiment", "nope"], "invalid choice: 'nope'"),
        (["--model", "reverse/dot", "--experiment", "agreement", "--measures", "abs"], "invalid choice: 'abs'"),
        (
            ["--task", "reverse", "--experiment", "table", "--measures", "signed", "jain-wallace"],
            "takes one --measures",
        ),
    ],
)
def test_errors_are_one_line(capsys, args, says):
    code, out, err = lab(capsys, *args)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("error: ") and says in err, err


def test_ctrl_c_keeps_the_finished_examples():
    """SIGINT once the bar shows a finished example: the JSON of those examples, exit status 130."""
    total = 40
    command = [sys.executable, "-m", "seq2seq", "lab", "--model", "reverse/dot", "--experiment", "agreement"]
    command += ["--n", str(total), "--ig-steps", "4", "--json"]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    # As at a terminal: a suite started in the background (`make test &`) passes SIGINT on ignored, and
    # Python then never installs its Ctrl-C handler (the run would finish as if nothing was pressed).
    proc = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    finished = re.compile(rf"(?<!\d)[1-9]\d*/{total}".encode())  # "k/40" for k >= 1 (the bar may skip 1/40)
    try:
        seen, deadline = b"", time.monotonic() + 120
        with selectors.DefaultSelector() as selector:
            selector.register(proc.stderr, selectors.EVENT_READ)
            while not finished.search(seen) and time.monotonic() < deadline:
                if selector.select(timeout=1):
                    chunk = os.read(proc.stderr.fileno(), 4096)
                    if not chunk:
                        break
                    seen += chunk
        assert finished.search(seen), seen.decode(errors="replace")
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err.decode(errors="replace")
    data = json.loads(out)
    assert data["interrupted"] is True
    assert 1 <= len(data["per_example"]) < total
    # (leave-one-out's pair: a 4-point integrated gradients rarely converges, and unconverged steps enter no τ with IG)
    assert data["summary"]["attention~leave_one_out"]["n"] == len(data["per_example"])
    assert b"interrupted (Ctrl-C)" in err and b"Traceback" not in err
