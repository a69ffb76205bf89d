"""scripts/choose_zh_average.py: the one rule that picks each zh-en model among its names stages' averages."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.script_loader import load_script

# The script reads the corpus before anything else (its refusals included): without ../shared (a clone elsewhere) these
# tests skip, as the other tests of the zh-en data do.
CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "cmn-eng.txt"
needs_corpus = pytest.mark.skipif(not CORPUS.is_file(), reason="needs ../shared/data/cmn-eng.txt")


def chooser():
    return load_script("choose_zh_average.py")


def test_the_most_seeds_then_few_invented_places_then_the_best_validation_bleu():
    script = chooser()
    c = script.Candidate
    candidates = [
        c("names", 0.7, seeds=2, invented=0, bleu=30.0),  # fewer seeds: never chosen over three
        c("verbs", 0.7, seeds=3, invented=5, bleu=29.0),  # too many invented places
        c("names", 0.5, seeds=3, invented=1, bleu=27.3),
        c("verbs", 0.5, seeds=3, invented=0, bleu=27.4),  # the best BLEU of those with at most 1
        c("names", 0.3, seeds=3, invented=1, bleu=27.4),  # as good, later in the order
        c(None, 0.0, seeds=3, invented=2, bleu=28.0),
    ]
    assert script.choose(candidates, at_most=1) == candidates[3]


def test_without_a_candidate_under_the_limit_the_fewest_invented_places():
    script = chooser()
    c = script.Candidate
    candidates = [c("names", 0.7, 3, 6, 20.0), c("verbs", 0.7, 3, 4, 19.0), c("names", 0.5, 2, 0)]
    candidates.append(c(None, 0.0, 3, 4, 25.0))
    assert script.choose(candidates, at_most=1) == candidates[1]  # 4, the first of the two with 4


def test_a_candidate_is_the_last_stage_with_an_ending_at_its_weight_or_the_last_stage_alone():
    script = chooser()
    a, endings = Path("A"), {"names": Path("N"), "verbs": Path("V")}
    assert script.parts(a, endings, script.Candidate("verbs", 0.7)) == ([a, Path("V")], [0.3, 0.7])
    assert script.parts(a, endings, script.Candidate(None, 0.0)) == ([a], [1.0])
    assert script.parts(a, endings, script.Candidate("names", 1.0)) == ([Path("N")], [1.0])  # the typed round's


def test_the_rule_is_one_for_every_scorer_and_ends_with_the_last_stage_alone():
    from seq2seq.tasks import zh_en

    endings = {name for name, _ in zh_en.NAMES_ENDINGS}
    assert {ending for ending, _ in zh_en.NAMES_CHOICES} == endings | {None}
    assert zh_en.NAMES_CHOICES[-1] == (None, 0.0)
    weights = [w for ending, w in zh_en.NAMES_CHOICES if ending]
    assert weights == sorted(weights, reverse=True) and all(0 < w < 1 for w in weights)  # the most of an ending first


def test_the_second_round_is_the_same_rule_over_one_ending_and_the_first_rounds_model_alone():
    from seq2seq.tasks import zh_en

    ending, options = zh_en.NAMES_SECOND
    assert {e for e, _ in zh_en.NAMES_SECOND_CHOICES} == {ending, None}
    assert zh_en.NAMES_SECOND_CHOICES[-1] == (None, 0.0)
    weights = [w for e, w in zh_en.NAMES_SECOND_CHOICES if e]
    assert weights == [w for e, w in zh_en.NAMES_CHOICES if e == "names"]  # the first round's weights
    assert options[options.index("--dictionary") + 1] == "runs/data/zh-en-names-verbs-lookalikes.txt"


@needs_corpus
def test_a_second_round_from_a_model_without_a_first_rounds_record_is_refused(tmp_path, monkeypatch, capsys):
    import json

    script = chooser()
    (tmp_path / "config.json").write_text(json.dumps({"train": {}}))
    monkeypatch.setattr(
        "sys.argv", ["choose", str(tmp_path), "--second", "--ending", f"lookalikes={tmp_path}", "--out", "x"]
    )
    with pytest.raises(SystemExit) as stop:
        script.main()
    assert str(stop.value.code).endswith("config.json: not an Attention Explorer config (no 'model' section)")
    (tmp_path / "config.json").write_text(json.dumps({"model": {}, "train": {}}))
    with pytest.raises(SystemExit) as stop:
        script.main()
    assert "has no first round's record (`choice`): give the first round's model" in str(stop.value.code)


# -- the typed round (issue 63) ---------------------------------------------------------------------------------
def test_the_typed_round_chooses_by_the_validation_names_then_invented_places_then_bleu_as_typed():
    script = chooser()
    c = script.Candidate
    candidates = [
        c("typed", 1.0, names=12, invented=3, bleu=26.0),  # the most names, but 3 invented places
        c("typed", 0.7, names=12, invented=2, bleu=25.5),
        c("typed", 0.5, names=11, invented=0, bleu=27.0),  # fewer names: never chosen over 12
    ]
    assert script.choose(candidates, at_most=2, first="names") == candidates[1]
    # an old record (no names) reads as before: its rule is the seeds'
    old = c(**{"ending": "names", "weight": 0.5, "seeds": 3, "invented": 1, "bleu": 27.3})
    assert old.names is None and script.choose([old], at_most=1) == old


def test_the_typed_candidates_are_the_fine_tuning_alone_or_averaged_and_the_bar_is_the_issue_s():
    from seq2seq.tasks import zh_en

    assert zh_en.TYPED_CHOICES == (("typed", 1.0), ("typed", 0.7), ("typed", 0.5))
    assert zh_en.TYPED_INVENTED_AT_MOST == 2


@needs_corpus
def test_the_typed_round_writes_the_chosen_average_with_both_records(tmp_path, monkeypatch):
    import json

    from seq2seq.checkpoint import read_config
    from seq2seq.registry import resolve

    script = chooser()
    released = resolve("zh-en/general")
    c = script.Candidate
    measured = [c("typed", 1.0, names=9, invented=4, bleu=25.0), c("typed", 0.7, names=9, invented=1, bleu=24.0)]
    measured.append(c("typed", 0.5, names=8, invented=0, bleu=26.0))
    monkeypatch.setattr(script, "measure_typed", lambda *args, **kwargs: measured)
    out = tmp_path / "chosen"
    argv = ["choose", str(released), "--typed", "--ending", f"typed={released}", "--out", str(out)]
    monkeypatch.setattr("sys.argv", argv)
    script.main()
    config = read_config(out)
    record = config["typed_choice"]
    assert record["chosen"] == 1 and record["split"] == "valid" and record["invented_at_most"] == 2
    assert [part["weight"] for part in config["average"]] == [0.3, 0.7]
    assert config["choice"] == read_config(released)["choice"]  # the names rounds' record kept beside it
    assert json.loads(json.dumps(record["candidates"]))[1]["names"] == 9


def test_the_typed_round_and_the_second_are_refused_together(tmp_path, monkeypatch):
    script = chooser()
    monkeypatch.setattr("sys.argv", ["choose", str(tmp_path), "--typed", "--second", "--out", "x"])
    with pytest.raises(SystemExit) as stop:
        script.main()
    assert stop.value.code == "--second and --typed are two rounds: give one"
