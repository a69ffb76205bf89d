"""The registry of models: manifests of names, and the folder each name resolves to. No torch here.

Two roots hold models, each with a `manifest.json` ({"models": [entry, ...]}):
    pretrained/        the shipped models ($ATTENTION_EXPLORER_PRETRAINED), written by scripts/release.py
    user_models/       models saved from the app's Train page ($ATTENTION_EXPLORER_USER_MODELS), "user/<name>"

A manifest entry is a `ModelEntry`, read (`from_dict`) and written (`to_dict`) only here. A name from
a URL or a widget is only ever compared against the manifests' names, never joined into a path:
`resolve(name)` finds the entry and returns its folder, inside its root, none of whose files links
out of it. A user models folder that cannot be used (its manifest is broken, or it overlaps
pretrained/) leaves only the user models out, and `registry_notes()` says why.

Loading the weights a name resolves to is seq2seq/checkpoint.py's (`load_model`), which imports torch;
listing names (the CLI's `models`, the app's catalog) does not.
"""

from __future__ import annotations

import functools
import json
import logging
import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .messages import N_, Message, Translatable
from .paths import project_root, user_data_dir

MANIFEST_FILE = "manifest.json"
PRETRAINED_ENV = "ATTENTION_EXPLORER_PRETRAINED"
USER_MODELS_ENV = "ATTENTION_EXPLORER_USER_MODELS"
USER_PREFIX = "user/"  # registry names of the models saved from the Train page

_log = logging.getLogger(__name__)
_noted: set[str] = set()  # registry problems already logged by this process


class CheckpointError(Translatable, RuntimeError):
    """A checkpoint or registry entry that cannot be used; the message names the file and the problem.

    Raised with a marked template and its values (seq2seq.messages), so the app can say it in its language.
    """


class UserRootError(CheckpointError):
    """The user models folder would mix saved models with the shipped ones."""


# -- the entry ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Headline:
    """A model's headline metric: what the model tables lead with."""

    name: str  # "exact_match", "bleu"
    value: float | None  # None: not measured (a model saved before its first validation)
    split: str = ""  # "test" (shipped models), "valid" (saved from the Train page)

    def to_dict(self) -> dict:
        return {"name": self.name, "value": self.value} | ({"split": self.split} if self.split else {})


@dataclass(frozen=True)
class ModelEntry:
    """One model of a manifest. Only `name` and `path` are required; a field the manifest lacks (or
    gives with the wrong type) takes its default, and keys this record does not know are kept in `extra`."""

    name: str  # the registry name, e.g. "dates/general" or "user/my-dates"
    path: str  # its folder, relative to the manifest's root
    task: str = ""
    scorer: str = ""
    cell: str = "gru"
    parameters: int = 0
    metric: Headline | None = None
    test: Mapping[str, object] = field(default_factory=dict)  # test-split metrics (shipped models)
    training_seconds: float | None = None
    best_epoch: int | None = None
    source: str = ""  # "train page" for a model saved from the app
    saved: str = ""  # when it was saved ("%Y-%m-%d %H:%M:%S")
    settings: Mapping[str, object] = field(default_factory=dict)  # a saved model's main training settings
    epochs_run: int | None = None
    extra: Mapping[str, object] = field(default_factory=dict)

    @property
    def is_user(self) -> bool:
        """Saved from the Train page (the user models folder), not shipped."""
        return self.name.startswith(USER_PREFIX)

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> ModelEntry:
        """The entry a manifest's JSON object describes; ValueError unless it has a string name and path."""
        if (
            not isinstance(data, Mapping)
            or not isinstance(data.get("name"), str)
            or not isinstance(data.get("path"), str)
        ):
            raise ValueError("a manifest entry needs a string name and path")
        metric = data.get("metric")
        headline = None
        if isinstance(metric, Mapping) and isinstance(metric.get("name"), str):
            value = metric.get("value")
            number = isinstance(value, int | float) and not isinstance(value, bool)
            headline = Headline(metric["name"], float(value) if number else None, _text(metric.get("split")))
        return cls(
            name=data["name"],
            path=data["path"],
            task=_text(data.get("task")),
            scorer=_text(data.get("scorer")),
            cell=_text(data.get("cell")) or "gru",
            parameters=_whole(data.get("parameters")) or 0,
            metric=headline,
            test=dict(data["test"]) if isinstance(data.get("test"), Mapping) else {},
            training_seconds=_number(data.get("training_seconds")),
            best_epoch=_whole(data.get("best_epoch")),
            source=_text(data.get("source")),
            saved=_text(data.get("saved")),
            settings=dict(data["settings"]) if isinstance(data.get("settings"), Mapping) else {},
            epochs_run=_whole(data.get("epochs_run")),
            extra={k: v for k, v in data.items() if k not in _FIELDS},
        )

    def to_dict(self) -> dict:
        """The manifest's JSON object: the shipped models' keys first, in the order release writes them,
        then whatever is set of the rest."""
        out: dict = {"name": self.name, "path": self.path, "task": self.task, "scorer": self.scorer, "cell": self.cell}
        out["parameters"] = self.parameters
        optional = {
            "metric": self.metric.to_dict() if self.metric else None,
            "test": dict(self.test) if self.test else None,
            "training_seconds": self.training_seconds,
            "best_epoch": self.best_epoch,
            "source": self.source or None,
            "saved": self.saved or None,
            "settings": dict(self.settings) if self.settings else None,
            "epochs_run": self.epochs_run,
        }
        return out | {k: v for k, v in optional.items() if v is not None} | dict(self.extra)


_FIELDS = {
    "name", "path", "task", "scorer", "cell", "parameters", "metric", "test", "training_seconds", "best_epoch",
    "source", "saved", "settings", "epochs_run",
}  # fmt: skip


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _whole(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return value


# -- the roots ----------------------------------------------------------------------------------------
def default_root() -> Path:
    """The folder of shipped models (`pretrained/`), or $ATTENTION_EXPLORER_PRETRAINED."""
    env = os.environ.get(PRETRAINED_ENV)
    return Path(env) if env else project_root() / "pretrained"


def check_user_root(root: str | Path, shipped: str | Path | None = None) -> Path:
    """`root` as a folder for saved models; UserRootError when it is, is inside or contains the
    shipped models folder (saves would then register among the shipped models)."""
    root = Path(root)
    shipped = Path(shipped) if shipped is not None else default_root()
    mine, theirs = root.resolve(), shipped.resolve()
    if mine == theirs:
        template = N_(
            "the user models folder {root} is the shipped models folder {shipped}: models saved there "
            "would be registered among the shipped ones; set {variable} to a folder of its own"
        )
    elif mine.is_relative_to(theirs):
        template = N_(
            "the user models folder {root} is inside the shipped models folder {shipped}: models saved there "
            "would be registered among the shipped ones; set {variable} to a folder of its own"
        )
    elif theirs.is_relative_to(mine):
        template = N_(
            "the user models folder {root} contains the shipped models folder {shipped}: models saved there "
            "would be registered among the shipped ones; set {variable} to a folder of its own"
        )
    else:
        return root
    raise UserRootError(template, root=root, shipped=shipped, variable=USER_MODELS_ENV)


def user_root() -> Path:
    """The folder of models saved from the app's Train page: $ATTENTION_EXPLORER_USER_MODELS, else
    user_models/ in the checkout's root (beside pretrained/), or in the user's data folder when the
    package is installed (seq2seq.paths). UserRootError when it is, is inside or contains the shipped
    models folder."""
    env = os.environ.get(USER_MODELS_ENV)
    return check_user_root(Path(env) if env else user_data_dir() / "user_models")


def refuse_outside_links(real: Path, shown: Path) -> None:
    """CheckpointError naming the file when an entry of the folder `real` (shown to the user as
    `shown`) is a symbolic link leading out of it: a checkpoint reads only its own files."""
    try:
        entries = list(os.scandir(real))
    except OSError as error:
        raise CheckpointError(
            N_("{path}: cannot be read ({reason})"), path=shown, reason=error.strerror or error
        ) from None
    for entry in entries:
        if entry.is_symlink():
            target = (real / entry.name).resolve()
            if not target.is_relative_to(real):
                raise CheckpointError(
                    N_("{path}: a symbolic link leading outside the checkpoint folder (to {target}); refused"),
                    path=shown / entry.name,
                    target=target,
                )


# -- reading ------------------------------------------------------------------------------------------
def read_json(path: Path, shown: Path | None = None):
    """The JSON document in `path`; CheckpointError naming `shown` (default `path`) when it cannot be read."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CheckpointError(N_("{path}: not valid JSON ({error})"), path=shown or path, error=error) from None
    except OSError as error:
        raise CheckpointError(
            N_("{path}: cannot be read ({reason})"), path=shown or path, reason=error.strerror or error
        ) from None


def _manifest(root: Path) -> list[ModelEntry]:
    path = root / MANIFEST_FILE
    if not path.is_file():
        return []
    try:
        built = _built(path.read_bytes())
    except OSError:
        built = None  # said below, as read_json says it
    if built is not None:
        return list(built)
    manifest = read_json(path)
    models = manifest.get("models") if isinstance(manifest, dict) else None
    try:
        if not isinstance(models, list):
            raise ValueError
        return [ModelEntry.from_dict(entry) for entry in models]
    except ValueError:
        raise CheckpointError(
            N_('{path}: expected {{"models": [{{"name": ..., "path": ...}}, ...]}}'), path=path
        ) from None


@functools.lru_cache(maxsize=16)
def _built(data: bytes) -> tuple[ModelEntry, ...] | None:
    """The entries of a manifest file's bytes; None when they are not a manifest (`_manifest` then says why).

    Every page's run asks the registry (explorer.state.catalog) several times: building the shipped manifest's
    entries each time was 14% of a lesson page's run (py-spy on tests/test_lesson_player.py). Keyed by the
    bytes, not the file's time, so a manifest rewritten within one clock tick is read anew; the entries are
    shared between callers, who never change them."""
    try:
        manifest = json.loads(data.decode("utf-8"))
        models = manifest.get("models") if isinstance(manifest, dict) else None
        return tuple(ModelEntry.from_dict(entry) for entry in models) if isinstance(models, list) else None
    except (UnicodeDecodeError, json.JSONDecodeError, ValueError):
        return None


def _user_models() -> tuple[Path | None, list[ModelEntry], Message | None]:
    """(root, entries, problem) of the user models: a folder or manifest that cannot be used gives
    no entries and the problem in words (a `Message`: the app translates it), so that the shipped
    models still list and load."""
    try:
        root = user_root()
        return root, _manifest(root), None
    except CheckpointError as error:
        return None, [], Message.of(error)


def registry_notes() -> list[str]:
    """Why the saved (user) models are left out of `registry()`, one line each naming the file or
    folder and the problem; [] when they are not left out. Each is a `seq2seq.messages.Message`."""
    problem = _user_models()[2]
    return [problem] if problem else []


def _listed(root: str | Path | None) -> tuple[list[tuple[Path, list[ModelEntry]]], Message | None]:
    """(root, entries) per registry root, and the user models' problem (None: they are fine)."""
    if root is not None:
        return [(Path(root), _manifest(Path(root)))], None
    shipped = default_root()
    found = [(shipped, _manifest(shipped))]  # a broken shipped manifest is an error: raised
    user, entries, problem = _user_models()
    if user is not None:
        found.append((user, entries))
    return found, problem


def registry(root: str | Path | None = None) -> list[ModelEntry]:
    """Registered models: the shipped ones (pretrained/) then the user's; or those of `root` only.

    A broken shipped manifest raises CheckpointError. A user models folder or manifest that cannot
    be used leaves the user models out: `registry_notes()` says why, and the first time a process
    meets a problem it is logged as a warning (`python -m seq2seq models` prints it on stderr).
    """
    return registry_and_notes(root)[0]


def registry_and_notes(root: str | Path | None = None) -> tuple[list[ModelEntry], list[str]]:
    """`registry(root)` and `registry_notes()` from one reading of the manifests."""
    found, problem = _listed(root)
    if problem and problem not in _noted:
        _noted.add(problem)
        _log.warning("warning: user models left out: %s", problem)
    return [entry for _, entries in found for entry in entries], [problem] if problem else []


def is_registered(name: str, root: str | Path | None = None) -> bool:
    """Whether a manifest lists `name` (a manifest that cannot be read lists nothing; no warning)."""
    try:
        found = _listed(root)[0]
    except CheckpointError:
        return False
    return any(entry.name == name for _, entries in found for entry in entries)


def resolve(name: str, root: str | Path | None = None) -> Path:
    """The folder of registered model `name`, links followed; only manifest names resolve, only
    inside their root, and only to a folder none of whose files links out of it."""
    found, problem = _listed(root)
    for base, entries in found:
        base = base.resolve()
        for entry in entries:
            if entry.name == name:
                folder = (base / entry.path).resolve()
                if not folder.is_relative_to(base):
                    raise CheckpointError(
                        N_("{path}: entry {name!r} points outside {base}"),
                        path=base / MANIFEST_FILE,
                        name=name,
                        base=base,
                    )
                if folder.is_dir():  # callers read probes.json or the card from it: no link out of it
                    refuse_outside_links(folder, base / entry.path)
                return folder
    known = ", ".join(e.name for _, entries in found for e in entries)
    if known and problem:
        template = N_("unknown model {name!r} (known models: {known}); user models left out: {problem}")
    elif known:
        template = N_("unknown model {name!r} (known models: {known})")
    elif problem:
        template = N_("unknown model {name!r} (known models: none are registered); user models left out: {problem}")
    else:
        template = N_("unknown model {name!r} (known models: none are registered)")
    raise CheckpointError(template, name=name, known=known, problem=problem)  # str.format skips unused values


# -- writing ------------------------------------------------------------------------------------------
def _entry(entry: ModelEntry | Mapping[str, object]) -> ModelEntry:
    return entry if isinstance(entry, ModelEntry) else ModelEntry.from_dict(entry)


def write_manifest(entries: Iterable[ModelEntry | Mapping[str, object]], root: str | Path | None = None) -> Path:
    """Write the manifest atomically (the release script; tests). A plain mapping is read as an entry first."""
    root = Path(root) if root is not None else default_root()
    root.mkdir(parents=True, exist_ok=True)
    path = root / MANIFEST_FILE
    models = [_entry(entry).to_dict() for entry in entries]
    tmp = path.with_suffix(f".json.tmp-{os.getpid()}")
    tmp.write_text(json.dumps({"models": models}, indent=2, ensure_ascii=False) + "\n")
    os.replace(tmp, path)
    return path


def register(entry: ModelEntry | Mapping[str, object], root: str | Path) -> Path:
    """Add or replace one manifest entry (by name) under a lock: several sessions may save at once."""
    import fcntl

    entry = _entry(entry)
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".manifest.lock", "a") as lock:  # "a": never empties a file
        fcntl.flock(lock, fcntl.LOCK_EX)
        entries = [e for e in _manifest(root) if e.name != entry.name]
        return write_manifest([*entries, entry], root)


# -- sets of models (a race's) --------------------------------------------------------------------------
SETS_FILE = "sets.json"  # in the user models folder: {"sets": [{"name", "task", "models": {scorer: name}}, ...]}


@dataclass(frozen=True)
class ModelSet:
    """Models saved together (a scorer race of the Train page): one registered model per scorer."""

    name: str  # "race/<name>": how pickers list it
    task: str
    models: dict[str, str]  # scorer -> registered model name ("user/<name>-<scorer>")
    first: str | None = None  # the scorer that passed the race's bar first (None: none did)

    def to_dict(self) -> dict:
        return {"name": self.name, "task": self.task, "models": dict(self.models), "first": self.first}


def model_sets(root: str | Path | None = None) -> list[ModelSet]:
    """The sets of the user models folder (`root`, default `user_root()`), each keeping only the models
    the registry lists (a set none of whose models is left is left out); [] when there is no file or it
    cannot be read. A set is only ever a list of registered names: nothing in it is joined into a path."""
    try:
        root = Path(root) if root is not None else user_root()
        path = root / SETS_FILE
        document = read_json(path) if path.is_file() else {}
        known = {e.name for e in registry()}
    except CheckpointError:
        return []
    found = []
    for item in document.get("sets", []) if isinstance(document, dict) else []:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not isinstance(item.get("task"), str):
            continue
        models = item.get("models") if isinstance(item.get("models"), dict) else {}
        models = {s: n for s, n in models.items() if isinstance(s, str) and isinstance(n, str) and n in known}
        first = item.get("first") if isinstance(item.get("first"), str) else None
        if models:
            found.append(ModelSet(item["name"], item["task"], models, first))
    return found


def register_set(model_set: ModelSet, root: str | Path) -> Path:
    """Add or replace one set (by name) in the user models folder's sets.json, under the manifest's lock."""
    import fcntl

    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    path = root / SETS_FILE
    with open(root / ".manifest.lock", "a") as lock:  # "a": never empties a file
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            document = read_json(path) if path.is_file() else {}
        except CheckpointError:
            document = {}
        sets = document.get("sets", []) if isinstance(document, dict) else []
        sets = [s for s in sets if isinstance(s, dict) and s.get("name") != model_set.name] + [model_set.to_dict()]
        tmp = path.with_suffix(f".json.tmp-{os.getpid()}")
        tmp.write_text(json.dumps({"sets": sets}, indent=2, ensure_ascii=False) + "\n")
        os.replace(tmp, path)
    return path
