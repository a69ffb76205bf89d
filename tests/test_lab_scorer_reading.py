"""The scorer table's reading takes τ and the alignment table together (issue 64).

It used to say of reverse/dot "sitting on the aligned token is not the same as being what the prediction
rests on" from its low mean τ alone, while the Lab's alignment table shows the importances' own top on the
aligned token too (AER 0.003 gradient × input, 0.005 leave-one-out, 0.083 integrated gradients), as lesson 7
step 4's key says. Now the words follow where the importances' largest values lie.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from explorer import i18n
from explorer.views import lab_scorers

ROOT = Path(__file__).resolve().parent.parent
OLD = "not the same as being what the prediction rests on"


def table(alignment: dict | None) -> dict:
    rows = [{"model": "t/dot", "scorer": "dot", "perplexity": 1.0, "exact_match": 1.0, "aer": 0.0, "tau": 0.15}]
    by_model = {"t/dot": {"alignment": {"summary": {"aer": alignment}}}} if alignment is not None else {}
    return lab_scorers.scorer_table({"table": {"metric": "exact_match", "rows": rows}, "by_model": by_model})


def aligned_line(alignment: dict | None) -> str:
    lines = lab_scorers.table_reading(table(alignment), gold=True)
    (line,) = [x for x in lines if x.startswith("Attention closest to the gold alignment")]
    return line


def test_the_importances_top_on_the_aligned_token_is_said():
    line = aligned_line(
        {"attention": 0.0, "grad_x_input": 0.003, "integrated_gradients": 0.083, "leave_one_out": 0.005}
    )
    assert "sit on the aligned token too" in line and OLD not in line
    assert "gradient × input 0.003, leave-one-out 0.005, integrated gradients 0.083" in line


def test_the_importances_top_elsewhere_is_said():
    line = aligned_line({"attention": 0.0, "grad_x_input": 0.4, "integrated_gradients": 0.5, "leave_one_out": 0.3})
    assert "less often" in line and "not always what the prediction rests on" in line


def test_some_on_the_aligned_token_and_some_not():
    line = aligned_line({"attention": 0.0, "grad_x_input": 0.05, "integrated_gradients": 0.2, "leave_one_out": 0.02})
    assert "some importances" in line and "integrated gradients 0.200" in line


def test_without_the_alignment_experiment_nothing_is_claimed_of_the_importances_top():
    line = aligned_line(None)
    assert "not stored for this model" in line and OLD not in line


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_reverse_dot_on_the_stored_results_agrees_with_the_alignment_table(lang):
    path = ROOT / "pretrained" / "lab" / "reverse.json"
    if not path.is_file():
        pytest.skip(f"{path} is not shipped")
    results = json.loads(path.read_text())
    aer = results["by_model"]["reverse/dot"]["alignment"]["summary"]["aer"]
    with i18n.using(lang):
        lines = lab_scorers.table_reading(lab_scorers.scorer_table(results), gold=True)
        (line,) = [x for x in lines if "reverse/dot" in x and "AER" in x]
        for method in ("grad_x_input", "integrated_gradients", "leave_one_out"):
            assert i18n.number(aer[method], 3) in line
        if lang == "en":
            assert OLD not in line and "sit on the aligned token too" in line
