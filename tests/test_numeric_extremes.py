"""Every numeric option at its extremes: a clear one-line refusal (CLI exit 2) or a shown clamp, never a traceback."""

from __future__ import annotations

import io
import json

import pytest

from explorer.state.view import parse_query
from seq2seq import cli
from seq2seq.checkpoint import load_model
from seq2seq.config import MAX_SEED
from seq2seq.decoding import MAX_OUTPUT_TOKENS, InputError

MODEL = ("--model", "dates/general")
TEXT = "9 may 2018"
DECODE = ("decode", *MODEL)

REFUSED = {
    "temperature 1e-39": ((*DECODE, "--sample", "--temperature", "1e-39", TEXT), "greedy decoding"),
    "temperature 0": ((*DECODE, "--sample", "--temperature", "0", TEXT), "between 0.001 and 1000"),
    "temperature -1": ((*DECODE, "--sample", "--temperature", "-1", TEXT), "between 0.001 and 1000"),
    "temperature nan": ((*DECODE, "--sample", "--temperature", "nan", TEXT), "between 0.001 and 1000"),
    "temperature inf": ((*DECODE, "--sample", "--temperature", "inf", TEXT), "between 0.001 and 1000"),
    "temperature 1e309": ((*DECODE, "--sample", "--temperature", "1e309", TEXT), "between 0.001 and 1000"),
    "temperature word": ((*DECODE, "--sample", "--temperature", "hot", TEXT), "must be a number"),
    "seed -1": ((*DECODE, "--sample", "--seed", "-1", TEXT), f"--seed: must be from 0 to {MAX_SEED}"),
    "seed 2**64": ((*DECODE, "--sample", "--seed", str(2**64), TEXT), f"--seed: must be from 0 to {MAX_SEED}"),
    "seed huge": ((*DECODE, "--sample", "--seed", "9" * 4000, TEXT), "--seed: must be from 0"),
    "seed 1.5": ((*DECODE, "--sample", "--seed", "1.5", TEXT), "--seed: must be a whole number"),
    "beam 0": ((*DECODE, "--beam", "0", TEXT), "--beam: must be from 1 to 100"),
    "beam -3": ((*DECODE, "--beam", "-3", TEXT), "--beam: must be from 1 to 100"),
    "beam 10**6": ((*DECODE, "--beam", "1000000", TEXT), "--beam: must be from 1 to 100"),
    "top-k 0": ((*DECODE, "--sample", "--top-k", "0", TEXT), "--top-k: must be at least 1"),
    "top-k -1": ((*DECODE, "--sample", "--top-k", "-1", TEXT), "--top-k: must be at least 1"),
    "max-len 0": ((*DECODE, "--max-len", "0", TEXT), f"--max-len: must be from 1 to {MAX_OUTPUT_TOKENS}"),
    "max-len -5": ((*DECODE, "--max-len", "-5", TEXT), f"--max-len: must be from 1 to {MAX_OUTPUT_TOKENS}"),
    "max-len 10**9": ((*DECODE, "--max-len", str(10**9), TEXT), f"--max-len: must be from 1 to {MAX_OUTPUT_TOKENS}"),
    "translate beam 0": (("translate", *MODEL, "--beam", "0"), "--beam: must be from 1 to 100"),
    "translate beam 10**6": (("translate", *MODEL, "--beam", "1000000"), "--beam: must be from 1 to 100"),
    "translate batch 0": (("translate", *MODEL, "--batch-size", "0"), "--batch-size: must be at least 1"),
    "translate batch -1": (("translate", *MODEL, "--batch-size", "-1"), "--batch-size: must be at least 1"),
    "evaluate size 0": (("evaluate", *MODEL, "--size", "0"), "--size must be from 1 to 1000000, got 0"),
    "evaluate size 10**9": (("evaluate", *MODEL, "--size", str(10**9)), "--size must be from 1 to 1000000"),
    "evaluate limit -1": (("evaluate", *MODEL, "--limit", "-1"), "--limit must be at least 0, got -1"),
    "evaluate beam 0": (("evaluate", *MODEL, "--beam", "0"), "--beam must be from 1 to 100, got 0"),
    "evaluate beam 10**6": (("evaluate", *MODEL, "--beam", "1000000"), "--beam must be from 1 to 100"),
    "evaluate beam-limit -1": (("evaluate", *MODEL, "--beam-limit", "-1"), "--beam-limit must be at least 0"),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_cli_refuses_each_extreme_in_one_line(case, capsys, monkeypatch):
    argv, message = REFUSED[case]
    monkeypatch.setattr("sys.stdin", io.StringIO(TEXT + "\n"))
    assert cli.main(list(argv)) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "Traceback" not in err
    (line,) = err.splitlines()
    assert line.startswith("error: ") and message in line, line


ACCEPTED = {
    "temperature at the floor": ("--sample", "--temperature", "0.001"),
    "temperature at the ceiling": ("--sample", "--temperature", "1000"),
    "seed 0": ("--sample", "--seed", "0"),
    "seed at the top": ("--sample", "--seed", str(MAX_SEED)),
    "top-k past the vocabulary": ("--sample", "--top-k", str(10**9)),
    "beam 1": ("--beam", "1"),
    "max-len 1": ("--max-len", "1"),
    "max-len at the top": ("--max-len", str(MAX_OUTPUT_TOKENS)),
}


@pytest.mark.parametrize("case", list(ACCEPTED))
def test_cli_takes_the_edges_of_each_range(case, capsys):
    assert cli.main([*DECODE, "--json", *ACCEPTED[case], TEXT]) == 0
    trace = json.loads(capsys.readouterr().out)
    if "--max-len" in ACCEPTED[case] and ACCEPTED[case][-1] == "1":
        assert len(trace["steps"]) == 1 and trace["hit_max_len"]
    if "--temperature" in ACCEPTED[case] and ACCEPTED[case][-1] == "0.001":
        assert trace["output"] == "2018-05-09"  # at the floor, sampling is the greedy decode


@pytest.fixture(scope="module")
def dates():
    return load_model("dates/general")


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"temperature": 1e-39}, "greedy decoding"),
        ({"temperature": float("nan")}, "between"),
        ({"temperature": 0.0}, "between"),
        ({"seed": -1}, "seed must be"),
        ({"seed": 2**64}, "seed must be"),
        ({"seed": 1.5}, "seed must be"),
        ({"top_k": -3}, "top_k must be a whole number, 1 or more"),
        ({"top_k": 2.5}, "top_k must be a whole number, 1 or more"),
    ],
)
def test_library_sampling_refuses_extremes(dates, kwargs, message):
    with pytest.raises(InputError, match=message):
        dates.sample(TEXT, **kwargs)


def test_library_clamps_max_len(dates):
    assert dates._max_len(10**9) == MAX_OUTPUT_TOKENS
    assert dates._max_len(0) == dates._max_len(-5) == 1
    assert len(dates.greedy(TEXT, max_len=-5).steps) == 1


MODELS = {"dates": ["general"]}


@pytest.mark.parametrize(
    "key,raw,value,note",
    [
        ("temperature", "1e-39", 1.0, "temperature=1e-39 is outside 0.05–5.0; using 1.0."),
        ("temperature", "nan", 1.0, "temperature=nan is outside 0.05–5.0; using 1.0."),
        ("temperature", "inf", 1.0, "temperature=inf is outside 0.05–5.0; using 1.0."),
        ("seed", "-1", 0, "seed=-1 is outside 0–2147483647; using 0."),
        ("seed", str(2**63 + 1), 2**31 - 1, f"seed={2**63 + 1} is outside 0–2147483647; using 2147483647."),
        ("seed", "9" * 4000, 2**31 - 1, f"seed={'9' * 40}… is outside 0–2147483647; using 2147483647."),
        ("beam", "0", 1, "beam=0 is outside 1–10; using 1."),
        ("beam", "1000000", 10, "beam=1000000 is outside 1–10; using 10."),
        ("step", "-5", 0, "step=-5 is outside 0–200; using 0."),
        ("step", str(10**9), 200, "step=1000000000 is outside 0–200; using 200."),
    ],
)
def test_link_parameters_are_clamped_with_a_note(key, raw, value, note):
    view = parse_query({key: raw}, MODELS, {"dates": TEXT})
    assert getattr(view, key) == value
    assert view.notes == (note,)
