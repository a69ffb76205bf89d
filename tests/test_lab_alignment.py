"""Word alignment from the importances (seq2seq/lab/alignment.py, Ding et al. 2019).

The AER of hand-made argmaxes computed by hand; a model whose attention is one-hot on the gold position
has attention AER 0, and </s> never wins an importance's argmax; on the shipped reverse/dot the attention's
AER is the scorer table's on the same examples; the command line refuses a task without gold alignments.
"""

from __future__ import annotations

import pytest
import torch

from seq2seq.lab import alignment as alignment_module
from seq2seq.lab.alignment import MEASURES, alignment, one_hot_rows, split_alignment
from seq2seq.lab.importance import StepImportance
from seq2seq.tasks.base import Example
from tests.helpers import tiny_translator

torch.set_num_threads(1)


def test_aer_of_hand_made_links():
    # Two examples. Gold: example 1 reverse-like (sure links), example 2 with a wide span (possible links).
    golds = [[(2, 3), (1, 2), (0, 1)], [(0, 2), None, (2, 3)]]
    examples = [
        {"links": [0, 1, 2], "argmax": {"attention": [2, 1, 0], "grad_x_input": [2, 0, 0]}, "attention_on_eos": 0},
        {"links": [0, 2], "argmax": {"attention": [1, 2], "grad_x_input": [2, 2]}, "attention_on_eos": 1},
    ]
    for e in examples:  # the other importances as attention
        e["argmax"] |= {"integrated_gradients": e["argmax"]["attention"], "leave_one_out": e["argmax"]["attention"]}
    found = split_alignment(examples, golds)
    # S = {(0,2),(1,1),(2,0)} + {(2,2)}: 4 sure; P adds (0,0),(0,1) of example 2. |A| = 5.
    # attention: A∩S = 3 + 1 = 4, A∩P = 4 + 1 (0,1): AER = 1 - (4 + 5) / (5 + 4) = 0
    assert found["aer"]["attention"] == pytest.approx(0.0)
    # gradient: example 1 hits (0,2),(2,0); example 2 misses (0,2) (not in 0..1), hits (2,2):
    # A∩S = 3, A∩P = 3: AER = 1 - 6 / 9
    assert found["aer"]["grad_x_input"] == pytest.approx(1 - 6 / 9)
    assert found["steps"] == 5 and found["examples"] == 2 and found["attention_on_eos"] == 1
    assert one_hot_rows(examples[1], "attention", 3) == [[0, 1, 0], [0, 0, 0], [0, 0, 1]]


def _fake_importances(gold: Example, width: int):
    """step_importances whose attention is one-hot on the gold's first position, and whose importances are
    largest on </s> and second largest on the gold position (or, for leave-one-out, on position 0)."""

    def fake(translator, source, prefix, token_id, ig_steps=None, measures=("signed",)):
        start = gold.alignment[len(prefix)][0]
        attention = [0.0] * width
        attention[start] = 1.0
        importance = [0.0] * width
        importance[-1], importance[start] = 9.0, 5.0  # </s> first: left out of the argmax
        loo = [0.0] * width
        loo[0], loo[-1] = 1.0, 9.0
        step = StepImportance(
            source_tokens=("x",) * width,
            position=len(prefix),
            token="y",
            token_id=token_id,
            logprob=0.0,
            attention=tuple(attention),
            grad_x_input=tuple(importance),
            integrated_gradients=tuple(importance),
            ig_delta=0.0,
            leave_one_out=tuple(loo),
        )
        return {"signed": step}

    return fake


def test_attention_one_hot_on_the_gold_gives_aer_zero_and_eos_never_wins_an_importance(monkeypatch):
    translator = tiny_translator()
    gold = Example("abcd", "dcba", alignment=((3, 4), (2, 3), (1, 2), (0, 1)))
    monkeypatch.setattr(alignment_module, "step_importances", _fake_importances(gold, 5))
    result = alignment(translator, [gold])
    aer = result["summary"]["aer"]
    assert aer["attention"] == 0.0 and aer["grad_x_input"] == 0.0 and aer["integrated_gradients"] == 0.0
    # leave-one-out links every step to position 0: one hit of four sure links: 1 - 2 * 1 / (4 + 4)
    assert aer["leave_one_out"] == pytest.approx(0.75)
    (example,) = result["per_example"]
    assert example["links"] == [0, 1, 2, 3] and example["argmax"]["leave_one_out"] == [0, 0, 0, 0]
    assert example["attention_on_eos"] == 0
    assert result["summary"]["measures"] == "signed" and tuple(result["summary"]["aer"]) == MEASURES


def test_on_reverse_dot_attention_aer_is_the_tables():
    from seq2seq.checkpoint import load_model
    from seq2seq.lab import table
    from seq2seq.tasks import get_task

    dot = load_model("reverse/dot")
    examples = get_task("reverse").examples("test", 2, 0)
    result = alignment(dot, examples, ig_steps=8)
    forced = table.forced_scores(dot, [(e.source, e.target) for e in examples])
    expected = table.aer([s["attention"] for s in forced], [e.alignment for e in examples])
    assert result["summary"]["aer"]["attention"] == pytest.approx(expected, abs=1e-12)
    assert result["summary"]["steps"] == sum(len(e.target) for e in examples)
    for aer in result["summary"]["aer"].values():
        assert 0.0 <= aer <= 1.0


def test_the_command_line_refuses_a_task_without_gold_alignments(capsys):
    from pathlib import Path

    from seq2seq.cli import main

    corpus = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "eng-fra.txt"
    if not corpus.is_file():
        pytest.skip(f"no corpus at {corpus}")
    code = main(["lab", "--model", "en-fr/dot", "--experiment", "alignment", "--data", str(corpus), "--n", "1"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    assert err.startswith("error: the alignment experiment needs gold alignments, and the en-fr task has none")
    code = main(["lab", "--model", "reverse/none", "--experiment", "alignment", "--n", "1"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "reverse/none has none (scorer 'none')" in err
