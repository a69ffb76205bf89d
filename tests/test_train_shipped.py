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
