"""Saving a finished training into the user models folder: its name checked, the model registered.

`save_model` copies a training's best model under a validated name and registers it as
"user/<name>"; `save_race` saves every scorer of a race as "user/<name>-<scorer>" and the set as
"race/<name>". No text the user types is ever joined into a path unchecked. A refusal is a SaveError
with a marked message, which the page shows in its language.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

from explorer.i18n import N_
from explorer.training.settings import task_metric
from seq2seq.messages import Message, Translatable
from seq2seq.registry import ModelEntry
from seq2seq.scorers import SCORERS

NAME_RE = re.compile(r"[A-Za-z0-9_-]{1,40}")
NAME_RULE = N_("Use 1–40 letters, digits, '-' or '_' (no spaces, dots or slashes).")
# A race's models are saved as user/<name>-<scorer>: the name leaves room for "-" and the longest scorer name.
RACE_NAME_CHARS = 40 - 1 - max(len(scorer) for scorer in SCORERS)
RACE_NAME_RE = re.compile(rf"[A-Za-z0-9_-]{{1,{RACE_NAME_CHARS}}}")
RACE_NAME_RULE = N_("Use 1–{most} letters, digits, '-' or '_' (no spaces, dots or slashes).")


class SaveError(Translatable, ValueError):
    """A model cannot be saved under this name (the message says why, for the page)."""


def check_name(name: str) -> str:
    """`name` if it is a valid model name, else SaveError with the rule."""
    if not isinstance(name, str) or not NAME_RE.fullmatch(name):
        # The refused text is not echoed: the page shows this message as Markdown.
        raise SaveError(N_("That cannot be a model name. {rule}"), rule=Message(NAME_RULE))
    return name


def save_blocker() -> str | None:
    """Why no model can be saved now, in words for the page (None: saving can go ahead): the user
    models folder is, is inside or contains pretrained/, or its manifest cannot be read. An English
    `Message`: the page shows `message_of(...)` of it."""
    from seq2seq.registry import registry_notes

    problems = registry_notes()
    return Message(N_("Models cannot be saved: {problem}. Fix that first."), problem=problems[0]) if problems else None


def save_model(run_dir: Path, name: str, root: Path | None = None) -> ModelEntry:
    """Save the run's best model as user/<name> in the user models folder; return its registry entry.

    The checkpoint is rebuilt with save_checkpoint (atomic: built beside, then renamed in) and
    registered with register() (under the registry's lock). An existing name is refused (a model, or
    anything else at that path: a folder, a file, a link, even a dangling one: nothing is replaced), and so is
    a user models folder that is, is inside or contains pretrained/ (it would register the model
    among the shipped ones) or whose manifest cannot be read (it is never written over).
    """
    import fcntl

    from seq2seq.checkpoint import load_checkpoint, read_config, save_checkpoint
    from seq2seq.registry import CheckpointError, Headline, check_user_root, register, registry, user_root

    check_name(name)
    try:
        root = check_user_root(root) if root is not None else user_root()
    except CheckpointError as error:  # a user models folder that overlaps pretrained/
        raise SaveError(N_("Models cannot be saved: {error}."), error=error) from None
    root.mkdir(parents=True, exist_ok=True)
    destination = root / name
    if destination.resolve().parent != root.resolve():  # cannot happen with NAME_RE; kept as a guard
        raise SaveError(N_("{name} cannot be a model name. {rule}"), name=repr(name), rule=Message(NAME_RULE))
    if not (Path(run_dir) / "config.json").is_file():
        raise SaveError(N_("There is no trained model to save yet: the first epoch has not finished."))
    with open(root / ".save.lock", "a") as lock:  # "a": a file of that name is never emptied
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            known = registry(root)
        except CheckpointError as error:  # never written over: the user may want what it lists
            raise SaveError(
                N_("Models cannot be saved until the user models manifest is fixed or removed: {error}."), error=error
            ) from None
        if os.path.lexists(destination) or any(e.name == f"user/{name}" for e in known):  # a dangling link too
            raise SaveError(N_("A model named {name} exists already: choose another name."), name=f"user/{name}")
        translator = load_checkpoint(run_dir)
        config = read_config(run_dir)
        skip = ("model", "source_tokenizer", "target_tokenizer", "format_version", "weights_dtype")
        metadata = {k: v for k, v in config.items() if k not in skip} | {"name": f"user/{name}"}
        metadata["train"] = {**config.get("train", {}), "out": f"user/{name}"}  # not the temporary folder
        probes = Path(run_dir) / "probes.json"
        extra = {"probes.json": probes.read_bytes()} if probes.is_file() else {}
        save_checkpoint(
            destination, translator.model, translator.source_tokenizer, translator.target_tokenizer, metadata,
            extra_files=extra,
        )  # fmt: skip
        train_settings = config.get("train", {})
        metric = task_metric(config.get("task", ""))
        value = config.get("metrics", {}).get("valid", {}).get(metric)
        entry = ModelEntry(
            name=f"user/{name}",
            path=name,
            task=config.get("task", ""),
            scorer=translator.config.scorer,
            cell=translator.config.cell,
            parameters=translator.model.num_parameters(),
            metric=Headline(metric, round(value, 4) if value is not None else None, "valid"),
            source="train page",
            saved=time.strftime("%Y-%m-%d %H:%M:%S"),
            settings={k: train_settings.get(k) for k in ("hidden_size", "embedding_size", "lr", "batch_size")},
            epochs_run=config.get("epochs_run"),
            training_seconds=config.get("training_seconds"),
        )
        register(entry, root)
    return entry


def check_race_name(name: str) -> str:
    """`name` if a race's models can be saved under it (user/<name>-<scorer>), else SaveError with the rule."""
    if not isinstance(name, str) or not RACE_NAME_RE.fullmatch(name):
        raise SaveError(N_("That cannot be a race's name. {rule}"), rule=Message(RACE_NAME_RULE, most=RACE_NAME_CHARS))
    return name


def save_race(run_dir: Path, name: str, first: str | None = None, root: Path | None = None):
    """Save every scorer of a finished race as user/<name>-<scorer> and the set "race/<name>"; the set.

    `run_dir` holds a folder per scorer (seq2seq.race). Every name is checked and must be free before
    any model is saved, so that a refused name leaves nothing behind.
    """
    from seq2seq.config import SCORERS
    from seq2seq.registry import (
        CheckpointError,
        ModelSet,
        check_user_root,
        model_sets,
        register_set,
        registry,
        user_root,
    )

    check_race_name(name)
    run_dir = Path(run_dir)
    scorers = [s for s in SCORERS if (run_dir / s / "config.json").is_file()]  # SCORERS: never a path from a user
    if not scorers:
        raise SaveError(N_("There is no trained model to save yet: the first epoch has not finished."))
    try:
        root = check_user_root(root) if root is not None else user_root()
        known = {e.name for e in registry(root)}
    except CheckpointError as error:
        raise SaveError(N_("Models cannot be saved: {error}."), error=error) from None
    names = {scorer: f"{name}-{scorer}" for scorer in scorers}
    taken = [n for n in names.values() if f"user/{n}" in known or os.path.lexists(root / n)]
    if taken or any(s.name == f"race/{name}" for s in model_sets(root)):
        raise SaveError(N_("A model named {name} exists already: choose another name."),
                        name=f"user/{taken[0]}" if taken else f"race/{name}")  # fmt: skip
    entries = {scorer: save_model(run_dir / scorer, model, root) for scorer, model in names.items()}
    model_set = ModelSet(f"race/{name}", entries[scorers[0]].task, {s: e.name for s, e in entries.items()}, first)
    register_set(model_set, root)
    return model_set
