"""The two registry roots: shipped models (pretrained/) and the user's saved models.

A user models folder never overlaps pretrained/ (saves would register among the shipped models);
a broken user manifest leaves only the user models out, with a note naming the file; and
`decode --model FOLDER` names the missing config.json of a folder that is no checkpoint.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from explorer.state import catalog
from explorer.training import saving as tsave
from seq2seq import registry as reg
from seq2seq.checkpoint import CheckpointError, load_model, save_checkpoint
from seq2seq.registry import MANIFEST_FILE, UserRootError, registry
from tests.helpers import tiny_translator

ROOT = Path(__file__).resolve().parent.parent
NAME = "reverse/tiny"


def save_tiny(folder: Path) -> Path:
    translator = tiny_translator(seed=3, scorer="dot")
    return save_checkpoint(
        folder, translator.model, translator.source_tokenizer, translator.target_tokenizer,
        metadata={"task": "reverse", "metrics": {"valid": {"exact_match": 0.25}}},
    )  # fmt: skip


@pytest.fixture
def shipped(tmp_path, monkeypatch) -> Path:
    """A registry of one shipped model that ATTENTION_EXPLORER_PRETRAINED points at."""
    root = tmp_path / "pretrained"
    save_tiny(root / NAME)
    reg.write_manifest([{"name": NAME, "path": NAME, "task": "reverse", "scorer": "dot", "cell": "gru"}], root)
    monkeypatch.setenv("ATTENTION_EXPLORER_PRETRAINED", str(root))
    return root


@pytest.fixture
def broken_user(tmp_path, monkeypatch) -> Path:
    """A user models folder whose manifest is not JSON; returns the manifest's path."""
    user = tmp_path / "user_models"
    user.mkdir()
    manifest = user / MANIFEST_FILE
    manifest.write_text('{"models": [')
    monkeypatch.setenv("ATTENTION_EXPLORER_USER_MODELS", str(user))
    return manifest


# -- the user models folder never overlaps pretrained/ -------------------------------------------------
@pytest.mark.parametrize(
    "where, relation",
    [(".", "is"), ("./user", "is inside"), ("./reverse/user", "is inside"), ("..", "contains")],
)
def test_a_user_root_that_overlaps_pretrained_is_refused(shipped, monkeypatch, where, relation):
    user = shipped / where
    monkeypatch.setenv("ATTENTION_EXPLORER_USER_MODELS", str(user))
    with pytest.raises(UserRootError) as error:
        reg.user_root()
    assert str(error.value) == (
        f"the user models folder {user} {relation} the shipped models folder {shipped}: models saved there "
        "would be registered among the shipped ones; set ATTENTION_EXPLORER_USER_MODELS to a folder of its own"
    )
    assert [e.name for e in registry()] == [NAME]  # the shipped models still list
    assert reg.registry_notes() == [str(error.value)]
    assert load_model(NAME).name == NAME


def test_a_sibling_user_root_is_accepted(shipped, tmp_path, monkeypatch):
    monkeypatch.setenv("ATTENTION_EXPLORER_USER_MODELS", str(tmp_path / "pretrained-user"))  # a prefix, not a parent
    assert reg.user_root() == tmp_path / "pretrained-user"
    assert reg.registry_notes() == []


def test_saving_into_pretrained_is_refused_and_leaves_its_manifest_alone(shipped, tmp_path, monkeypatch):
    run = save_tiny(tmp_path / "run")
    before = (shipped / MANIFEST_FILE).read_bytes()
    monkeypatch.setenv("ATTENTION_EXPLORER_USER_MODELS", str(shipped))
    with pytest.raises(tsave.SaveError, match=r"^Models cannot be saved: the user models folder .* is the shipped"):
        tsave.save_model(run, "mine")
    with pytest.raises(tsave.SaveError, match="is inside the shipped models folder"):
        tsave.save_model(run, "mine", root=shipped / "user")
    assert (shipped / MANIFEST_FILE).read_bytes() == before
    assert not (shipped / "mine").exists() and not (shipped / "user").exists()
    assert tsave.save_blocker().startswith(f"Models cannot be saved: the user models folder {shipped} is the shipped")


# -- a broken user manifest leaves only the user models out --------------------------------------------
def test_a_broken_user_manifest_leaves_the_shipped_models_listed_and_loadable(shipped, broken_user):
    problem = f"{broken_user}: not valid JSON (Expecting value: line 1 column 13 (char 12))"
    assert [e.name for e in registry()] == [NAME]
    assert reg.registry_notes() == [problem]
    assert [e.name for e in catalog.entries()] == [NAME] and catalog.notes() == [problem]
    assert load_model(NAME).greedy("abc").target_tokens
    with pytest.raises(CheckpointError) as error:
        load_model("user/mine")
    assert str(error.value) == f"unknown model 'user/mine' (known models: {NAME}); user models left out: {problem}"
    with pytest.raises(CheckpointError, match="not valid JSON"):
        registry(broken_user.parent)  # asked for by itself, the broken manifest is an error


def test_saving_next_to_a_broken_user_manifest_is_refused_and_never_overwrites_it(shipped, broken_user, tmp_path):
    run = save_tiny(tmp_path / "run")
    with pytest.raises(tsave.SaveError, match=rf"^Models cannot be saved until .*{broken_user}: not valid JSON"):
        tsave.save_model(run, "mine")
    assert broken_user.read_text() == '{"models": [' and not (broken_user.parent / "mine").exists()
    assert tsave.save_blocker() == f"Models cannot be saved: {reg.registry_notes()[0]}. Fix that first."


def test_the_models_command_lists_the_shipped_models_and_warns_about_the_user_manifest(shipped, broken_user):
    result = subprocess.run(
        [sys.executable, "-m", "seq2seq", "models"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    rows = result.stdout.strip().splitlines()[2:]
    assert [row.split()[0] for row in rows] == [NAME]
    assert result.stderr.splitlines() == [
        f"warning: user models left out: {broken_user}: not valid JSON (Expecting value: line 1 column 13 (char 12))"
    ]


def test_the_app_lists_the_shipped_models_and_says_which_user_file_is_broken(shipped, broken_user):
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    assert list(at.dataframe[0].value["model"]) == [NAME]
    (toast,) = at.toast
    assert toast.value == (
        f"Saved models are left out: {broken_user}: not valid JSON (Expecting value: line 1 column 13 (char 12))"
    )
    at.run()  # once per session, not at every rerun
    assert not at.toast

    at.switch_page("app_pages/7_Timelapse.py").run()  # the saved-model timelapse says why its list is empty
    at.radio(key="timelapse_origin").set_value("A saved model").run()
    assert not at.exception
    assert [w.value for w in at.warning] == [f"Saved models are left out: {catalog.notes()[0]}"]
    assert at.info[0].value == "No model has been saved from the Train page yet."


# -- decode --model FOLDER -----------------------------------------------------------------------------
def test_decode_of_a_folder_without_config_names_the_missing_file(shipped, tmp_path, capsys):
    from seq2seq.cli import main

    folder = tmp_path / "not-a-checkpoint"
    folder.mkdir()
    assert main(["decode", "--model", str(folder), "abc"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [
        f"error: {folder / 'config.json'}: missing file (a checkpoint needs config.json and model.safetensors)"
    ]


def test_a_registered_name_wins_over_a_same_named_folder_without_config(shipped, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / NAME).mkdir(parents=True)  # ./reverse/tiny exists here, but is no checkpoint
    assert load_model(NAME, allow_path=True).greedy("abc").target_tokens  # the registered model, not the folder
