"""scripts/train_shipped.py: the commands it runs for the shipped models (no training here)."""

from __future__ import annotations

from tests.script_loader import load_script


def train_shipped():
    return load_script("train_shipped.py")


def budgets(command: list[str]) -> list[str]:
    """Every --max-steps value of a command, in order (the last one wins in argparse)."""
    return [command[i + 1] for i, arg in enumerate(command) if arg == "--max-steps"]


def test_stages_resume_the_same_run_to_each_budget_then_the_settings_own(tmp_path, monkeypatch):
    script = train_shipped()
    calls = []
    monkeypatch.setattr(script.subprocess, "call", lambda command, **_: calls.append(command) or 0)
    line = script.run("en-fr", "general", "gru", 1, tmp_path, [], [3000, 7000])
    assert "exit 0" in line
    assert [budgets(c)[-1] for c in calls] == ["3000", "7000", "8000"]  # 8000: the en-fr settings' budget
    # a fresh folder: the first stage starts the run (--resume would refuse a folder without trainer
    # state), each later stage continues it
    assert ["--resume" in c for c in calls] == [False, True, True]
    for command in calls:
        assert command[command.index("--out") + 1] == str(tmp_path / "en-fr" / "general")
        assert command[command.index("--score-lr-scale") + 1] == "0.1"


def test_a_failed_stage_stops_the_model_and_reports_its_exit_code(tmp_path, monkeypatch):
    script = train_shipped()
    calls = []
    monkeypatch.setattr(script.subprocess, "call", lambda command, **_: calls.append(command) or 3)
    line = script.run("en-fr", "concat", "gru", 1, tmp_path, [], [3000, 7000])
    assert len(calls) == 1 and "exit 3" in line


def test_without_stages_one_run_to_the_settings_budget(tmp_path, monkeypatch):
    script = train_shipped()
    calls = []
    monkeypatch.setattr(script.subprocess, "call", lambda command, **_: calls.append(command) or 0)
    script.run("dates", "dot", "lstm", 2, tmp_path, ["--warmup", "10"])
    assert len(calls) == 1 and budgets(calls[0]) == []
    assert calls[0][calls[0].index("--out") + 1] == str(tmp_path / "dates" / "lstm-dot")
    assert calls[0][calls[0].index("--warmup") + 1] == "10"  # the shared options ride along


def test_an_interrupted_run_is_resumed_and_the_character_tasks_practise_unk(tmp_path, monkeypatch):
    script = train_shipped()
    calls = []
    monkeypatch.setattr(script.subprocess, "call", lambda command, **_: calls.append(command) or 0)
    (tmp_path / "dates" / "dot").mkdir(parents=True)
    (tmp_path / "dates" / "dot" / "trainer_state.json").write_text("{}")
    script.run("dates", "dot", "gru", 1, tmp_path, [])
    (command,) = calls
    assert "--resume" in command
    assert command[command.index("--unk-rate") + 1] == "0.05"
    assert "--unk-rate" in script.SETTINGS["reverse"] and "--unk-rate" not in script.SETTINGS["en-fr"]


def _folder(command: list[str]) -> str:
    return command[command.index("--out") + 1] if "--out" in command else ""


def test_zh_ens_stages_run_in_turn_each_from_the_one_before_then_the_choice(tmp_path, monkeypatch):
    """zh-en: the first stage, the dictionary stage, the names stage A (`Shipped.later`), each `--init` the stage
    before, then each ending from A (`Shipped.endings`), scripts/choose_zh_average.py into stage 5, the second
    round's ending from it (`Shipped.second`), and the chooser's second round into the model's folder."""
    script = train_shipped()
    calls = []
    monkeypatch.setattr(script.subprocess, "call", lambda command, **_: calls.append(command) or 0)
    line = script.run("zh-en", "dot", "gru", 1, tmp_path, [], names=True)
    stages = [tmp_path / "stages" / k / "zh-en" / "dot" for k in ("2", "3", "4-names", "4-verbs", "5", "6-lookalikes")]
    trained = [c for c in calls if not c[1].endswith("choose_zh_average.py")]
    assert [_folder(c) for c in trained] == [str(tmp_path / "base" / "zh-en" / "dot"), *map(str, stages[:4]),
                                             str(stages[5])]  # fmt: skip
    inits = [c[c.index("--init") + 1] for c in trained[1:]]
    assert inits == [str(tmp_path / "base" / "zh-en" / "dot"), *map(str, stages[:2]), str(stages[1]), str(stages[4])]
    dictionaries = [c[len(c) - 1 - c[::-1].index("--dictionary") + 1] for c in trained[1:]]  # the last one wins
    names = ("dictionary", "names-p4", "names-only", "names-verbs-one", "names-verbs-lookalikes")
    assert dictionaries == [f"runs/data/zh-en-{n}.txt" for n in names]
    first, second = calls[5], calls[7]
    assert first[1].endswith("scripts/choose_zh_average.py") and second[1] == first[1]
    assert first[2:] == [str(stages[1]), "--ending", f"names={stages[2]}", "--ending", f"verbs={stages[3]}",
                         "--out", str(stages[4])]  # fmt: skip
    assert second[2:] == [str(stages[4]), "--ending", f"lookalikes={stages[5]}", "--second",
                          "--out", str(tmp_path / "zh-en" / "dot")]  # fmt: skip
    assert "chosen in 2 round(s) of endings' averages" in line


def test_a_first_round_already_chosen_is_kept_and_a_failed_choice_is_said(tmp_path, monkeypatch):
    """Resumable: a stage 5 already written is not chosen again; a chooser that fails stops the chain with its exit."""
    script = train_shipped()
    calls = []
    monkeypatch.setattr(script.subprocess, "call", lambda command, **_: calls.append(command) or 0)
    kept = tmp_path / "stages" / "5" / "zh-en" / "dot"
    kept.mkdir(parents=True)
    (kept / "config.json").write_text("{}")
    script.run("zh-en", "dot", "gru", 1, tmp_path, [], names=True)
    choosers = [c for c in calls if c[1].endswith("choose_zh_average.py")]
    assert len(choosers) == 1 and "--second" in choosers[0]
    calls.clear()
    monkeypatch.setattr(
        script.subprocess, "call", lambda command, **_: calls.append(command) or (5 if "--second" in command else 0)
    )
    line = script.run("zh-en", "dot", "gru", 1, tmp_path, [], names=True)
    assert "the choice of round 2 exit 5" in line


def test_every_file_the_names_stages_read_is_written_by_prepare_shipped():
    """`prepare_zh_dictionary.py --shipped` writes each --dictionary file the zh-en stages name."""
    from seq2seq.tasks import get_task, zh_en

    prepare = load_script("prepare_zh_dictionary.py")
    shipped = get_task("zh-en").shipped
    stages = [shipped.fine_tune, *zh_en.NAMES_LATER, *(options for _, options in zh_en.NAMES_ENDINGS)]
    stages += [zh_en.NAMES_SECOND[1], shipped.typed]  # the typed fine-tuning's names file too (issue 63)
    read = {options[options.index("--dictionary") + 1] for options in stages}
    assert read == {f"runs/data/{name}" for name in prepare.SHIPPED_FILES}


def test_from_a_release_only_the_names_stages_run_and_a_missing_one_is_said(tmp_path, monkeypatch):
    script = train_shipped()
    calls = []
    monkeypatch.setattr(script.subprocess, "call", lambda command, **_: calls.append(command) or 0)
    released = tmp_path / "pretrained"
    line = script.run("zh-en", "general", "lstm", 1, tmp_path, [], released=released, names=True)
    assert calls == [] and line == f"zh-en/lstm-general: no released model at {released / 'zh-en' / 'lstm-general'}"
    (released / "zh-en" / "lstm-general").mkdir(parents=True)
    (released / "zh-en" / "lstm-general" / "config.json").write_text("{}")
    script.run("zh-en", "general", "lstm", 1, tmp_path, [], released=released, names=True)
    trained = [c for c in calls if not c[1].endswith("choose_zh_average.py")]
    assert [_folder(c).split("/stages/")[-1] for c in trained] == [
        "3/zh-en/lstm-general",
        "4-names/zh-en/lstm-general",
        "4-verbs/zh-en/lstm-general",
        "6-lookalikes/zh-en/lstm-general",
    ]
    assert calls[0][calls[0].index("--init") + 1] == str(released / "zh-en" / "lstm-general")
    assert calls[0][calls[0].index("--cell") + 1] == "lstm"


def test_a_failed_names_stage_stops_the_chain(tmp_path, monkeypatch):
    script = train_shipped()
    calls = []
    monkeypatch.setattr(
        script.subprocess, "call", lambda command, **_: calls.append(command) or (4 if len(calls) == 3 else 0)
    )
    line = script.run("zh-en", "concat", "gru", 1, tmp_path, [], names=True)
    assert len(calls) == 3 and "exit 4" in line and "stages/3" in line


def test_without_names_zh_en_trains_as_released_two_stages(tmp_path, monkeypatch):
    """The release's recipe: the first stage, then the dictionary stage into the model's own folder, no average."""
    script = train_shipped()
    calls = []
    monkeypatch.setattr(script.subprocess, "call", lambda command, **_: calls.append(command) or 0)
    script.run("zh-en", "dot", "gru", 1, tmp_path, [])
    assert [_folder(c) for c in calls] == [str(tmp_path / "base" / "zh-en" / "dot"), str(tmp_path / "zh-en" / "dot")]
    assert calls[1][calls[1].index("--init") + 1] == str(tmp_path / "base" / "zh-en" / "dot")


def test_typed_fine_tunes_each_translation_model_from_the_released_one(tmp_path, monkeypatch):
    """--typed (issue 63): one `train --init released/<task>/<name>` per model, the task's settings then its
    typed options (later options win: the step budget lifted), into root/typed/<task>/<name>; resumed."""
    script = train_shipped()
    calls = []
    monkeypatch.setattr(script.subprocess, "call", lambda command, **_: calls.append(command) or 0)
    released = tmp_path / "pretrained"
    for name in ("concat", "lstm-general"):
        (released / "en-fr" / name).mkdir(parents=True)
        (released / "en-fr" / name / "config.json").write_text("{}")
    assert "exit 0" in script.run_typed("en-fr", "concat", "gru", 1, tmp_path, ["--warmup", "5"], released)
    assert "exit 0" in script.run_typed("en-fr", "general", "lstm", 1, tmp_path, [], released)
    first, lstm = calls
    assert first[first.index("--init") + 1] == str(released / "en-fr" / "concat")
    assert _folder(first) == str(tmp_path / "typed" / "en-fr" / "concat")
    assert _folder(lstm) == str(tmp_path / "typed" / "en-fr" / "lstm-general")
    assert lstm[lstm.index("--init") + 1] == str(released / "en-fr" / "lstm-general")
    assert lstm[lstm.index("--cell") + 1] == "lstm"
    assert budgets(first)[-1] == "0" and first[first.index("--typed-rate") + 1] == "0.5"
    assert first[len(first) - 1 - first[::-1].index("--epochs") + 1] == "2"  # the typed options after the settings
    assert first[first.index("--warmup") + 1] == "5" and "--resume" not in first
    (tmp_path / "typed" / "en-fr" / "concat").mkdir()
    (tmp_path / "typed" / "en-fr" / "concat" / "trainer_state.json").write_text("{}")
    script.run_typed("en-fr", "concat", "gru", 1, tmp_path, [], released)
    assert "--resume" in calls[-1]


def test_typed_needs_a_released_model_and_a_corpus_task(tmp_path, monkeypatch):
    script = train_shipped()
    calls = []
    monkeypatch.setattr(script.subprocess, "call", lambda command, **_: calls.append(command) or 0)
    assert "no released model" in script.run_typed("zh-en", "dot", "gru", 1, tmp_path, [], tmp_path / "none")
    assert "no typed fine-tuning" in script.run_typed("dates", "dot", "gru", 1, tmp_path, [], tmp_path)
    assert calls == []
    assert script.RELEASED == script.ROOT / "pretrained"
    assert "--soft-attention-steps" in script.get_task("zh-en").shipped.typed  # zh-en's settings soften attention
