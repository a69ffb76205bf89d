"""Checkpoints (folders of safetensors + JSON) and the registry of shipped models.

A checkpoint folder holds:
    config.json          model settings, tokenizer entries, task and metrics (plain JSON)
    model.safetensors    weights only: nothing here is ever unpickled
    <name>.model         SentencePiece files, when the model uses subwords
    probes.json          optional: probe outputs per training epoch (the timelapse)

`load_model("dates/general")` looks the name up in `pretrained/manifest.json`, then in the user
models folder's manifest (models saved from the app, "user/<name>"); a name from a URL or a widget
is only ever compared against the manifests, never joined into a path. A user models folder that
cannot be used (its manifest is broken, or it overlaps pretrained/) leaves only the user models out.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from pathlib import Path

import torch

from .config import ModelConfig
from .decoding import Translator
from .model import Seq2Seq
from .tokenizers import Tokenizer, tokenizer_from_config

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.safetensors"
MANIFEST_FILE = "manifest.json"
FORMAT_VERSION = 1


class CheckpointError(RuntimeError):
    """A checkpoint that cannot be loaded; the message names the file and the problem."""


def default_root() -> Path:
    """The folder of shipped models (`pretrained/`), or $ATTENTION_EXPLORER_PRETRAINED."""
    env = os.environ.get("ATTENTION_EXPLORER_PRETRAINED")
    return Path(env) if env else Path(__file__).resolve().parent.parent / "pretrained"


# -- saving ------------------------------------------------------------------------------------
def save_checkpoint(
    folder: str | Path,
    model: Seq2Seq,
    source_tokenizer: Tokenizer,
    target_tokenizer: Tokenizer,
    metadata: dict | None = None,
    half: bool = False,
    extra_files: dict[str, bytes] | None = None,
) -> Path:
    """Write a complete checkpoint folder atomically: built beside it, then swapped in.

    `half` stores weights as float16 (they are read back as float32). `extra_files` maps a
    file name to its bytes (probes.json, the trainer's resume state).
    """
    from safetensors.torch import save_file

    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.tmp-", dir=folder.parent))
    try:
        tensors = {}
        for key, value in model.state_dict().items():
            value = value.detach().to("cpu").contiguous()
            tensors[key] = value.half() if half and value.is_floating_point() else value
        save_file(tensors, str(staging / WEIGHTS_FILE), metadata={"format": "attention-explorer"})
        config = {
            "format_version": FORMAT_VERSION,
            "model": model.config.to_dict(),
            "source_tokenizer": source_tokenizer.save(staging, "source"),
            "target_tokenizer": target_tokenizer.save(staging, "target"),
            "weights_dtype": "float16" if half else "float32",
            **(metadata or {}),
        }
        (staging / CONFIG_FILE).write_text(json.dumps(config, indent=2, ensure_ascii=False))
        for name, data in (extra_files or {}).items():
            (staging / Path(name).name).write_bytes(data)
        # mkdtemp makes a private folder; a checkpoint is an ordinary, readable one.
        staging.chmod(0o755)
        for file in staging.iterdir():
            file.chmod(0o644)
        _swap_in(staging, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return folder


def _swap_in(staging: Path, folder: Path) -> None:
    """Replace `folder` by `staging` with renames, so a reader sees the old or the new, whole."""
    if folder.exists():
        old = folder.with_name(f".{folder.name}.old-{os.getpid()}")
        os.replace(folder, old)
        os.replace(staging, folder)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(staging, folder)


# -- loading ------------------------------------------------------------------------------------
def read_config(folder: str | Path) -> dict:
    """config.json of a checkpoint folder, with clear errors for a missing or broken file."""
    path = Path(folder) / CONFIG_FILE
    if not Path(folder).is_dir():
        raise CheckpointError(f"{folder}: no such checkpoint folder")
    if not path.is_file():
        raise CheckpointError(f"{path}: missing file (a checkpoint needs config.json and {WEIGHTS_FILE})")
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CheckpointError(f"{path}: not valid JSON ({error})") from None
    if not isinstance(config, dict) or "model" not in config:
        raise CheckpointError(f"{path}: not an Attention Explorer config (no 'model' section)")
    return config


def load_checkpoint(folder: str | Path, device: str = "cpu", name: str | None = None) -> Translator:
    """Rebuild the model in `folder` and wrap it in a Translator. Never unpickles anything."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    folder = Path(folder)
    config = read_config(folder)
    config_path = folder / CONFIG_FILE
    try:
        model_config = ModelConfig.from_dict(config["model"])
    except (TypeError, ValueError) as error:
        raise CheckpointError(f"{config_path}: bad model settings ({error})") from None
    try:
        source_tokenizer = tokenizer_from_config(config["source_tokenizer"], folder)
        target_tokenizer = tokenizer_from_config(config["target_tokenizer"], folder)
    except (KeyError, OSError, ValueError, RuntimeError) as error:
        raise CheckpointError(f"{config_path}: cannot rebuild the tokenizers ({error})") from None
    for side, tokenizer, size in (
        ("source", source_tokenizer, model_config.src_vocab_size),
        ("target", target_tokenizer, model_config.tgt_vocab_size),
    ):
        if tokenizer.vocab_size != size:
            raise CheckpointError(
                f"{config_path}: the {side} tokenizer has {tokenizer.vocab_size} tokens, the model expects {size}"
            )

    weights_path = folder / WEIGHTS_FILE
    if not weights_path.is_file():
        raise CheckpointError(f"{weights_path}: missing file")
    try:
        tensors = load_file(str(weights_path), device="cpu")
    except (SafetensorError, OSError, ValueError, RuntimeError) as error:
        raise CheckpointError(f"{weights_path}: not a valid safetensors file ({error})") from None

    model = Seq2Seq(model_config)
    expected = model.state_dict()
    missing = sorted(set(expected) - set(tensors))
    unexpected = sorted(set(tensors) - set(expected))
    if missing or unexpected:
        parts = []
        if missing:
            parts.append(f"missing tensors {', '.join(missing[:5])}")
        if unexpected:
            parts.append(f"unexpected tensors {', '.join(unexpected[:5])}")
        raise CheckpointError(f"{weights_path}: does not match config.json ({'; '.join(parts)})")
    for key, value in tensors.items():
        if value.shape != expected[key].shape:
            raise CheckpointError(
                f"{weights_path}: tensor {key!r} has shape {tuple(value.shape)}, "
                f"config.json expects {tuple(expected[key].shape)}"
            )
    model.load_state_dict({k: v.to(expected[k].dtype) for k, v in tensors.items()})
    model.use_decoding_layout()  # a loaded model decodes; training builds its own (seq2seq/train.py)
    if device == "cuda" and not torch.cuda.is_available():
        raise CheckpointError("CUDA was asked for but no CUDA device is available")
    metadata = {k: v for k, v in config.items() if k not in ("model", "source_tokenizer", "target_tokenizer")}
    return Translator(
        model, source_tokenizer, target_tokenizer, name=name or folder.name, device=device, metadata=metadata
    )


# -- the registry ---------------------------------------------------------------------------------
USER_MODELS_ENV = "ATTENTION_EXPLORER_USER_MODELS"
_log = logging.getLogger(__name__)
_noted: set[str] = set()  # registry problems already logged by this process


class UserRootError(CheckpointError):
    """The user models folder would mix saved models with the shipped ones."""


def check_user_root(root: str | Path, shipped: str | Path | None = None) -> Path:
    """`root` as a folder for saved models; UserRootError when it is, is inside or contains the
    shipped models folder (saves would then register among the shipped models)."""
    root = Path(root)
    shipped = Path(shipped) if shipped is not None else default_root()
    mine, theirs = root.resolve(), shipped.resolve()
    if mine == theirs:
        relation = "is"
    elif mine.is_relative_to(theirs):
        relation = "is inside"
    elif theirs.is_relative_to(mine):
        relation = "contains"
    else:
        return root
    raise UserRootError(
        f"the user models folder {root} {relation} the shipped models folder {shipped}: models saved there "
        f"would be registered among the shipped ones; set {USER_MODELS_ENV} to a folder of its own"
    )


def user_root() -> Path:
    """The folder of models saved from the app's Train page: $ATTENTION_EXPLORER_USER_MODELS, else
    user_models/ beside pretrained/. UserRootError when it is, is inside or contains the shipped
    models folder."""
    env = os.environ.get(USER_MODELS_ENV)
    return check_user_root(Path(env) if env else Path(__file__).resolve().parent.parent / "user_models")


def _manifest(root: Path) -> list[dict]:
    path = root / MANIFEST_FILE
    if not path.is_file():
        return []
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CheckpointError(f"{path}: not valid JSON ({error})") from None
    except OSError as error:
        raise CheckpointError(f"{path}: cannot be read ({error.strerror or error})") from None
    models = manifest.get("models") if isinstance(manifest, dict) else None
    if not isinstance(models, list) or not all(
        isinstance(e, dict) and isinstance(e.get("name"), str) and isinstance(e.get("path"), str) for e in models
    ):
        raise CheckpointError(f'{path}: expected {{"models": [{{"name": ..., "path": ...}}, ...]}}')
    return models


def _user_models() -> tuple[Path | None, list[dict], str | None]:
    """(root, entries, problem) of the user models: a folder or manifest that cannot be used gives
    no entries and the problem in words, so that the shipped models still list and load."""
    try:
        root = user_root()
        return root, _manifest(root), None
    except CheckpointError as error:
        return None, [], str(error)


def registry_notes() -> list[str]:
    """Why the saved (user) models are left out of `registry()`, one line each naming the file or
    folder and the problem; [] when they are not left out."""
    problem = _user_models()[2]
    return [problem] if problem else []


def _listed(root: str | Path | None) -> tuple[list[tuple[Path, list[dict]]], str | None]:
    """(root, entries) per registry root, and the user models' problem (None: they are fine)."""
    if root is not None:
        return [(Path(root), _manifest(Path(root)))], None
    shipped = default_root()
    found = [(shipped, _manifest(shipped))]  # a broken shipped manifest is an error: raised
    user, entries, problem = _user_models()
    if user is not None:
        found.append((user, entries))
    return found, problem


def registry(root: str | Path | None = None) -> list[dict]:
    """Registered models: the shipped ones (pretrained/) then the user's; or those of `root` only.

    A broken shipped manifest raises CheckpointError. A user models folder or manifest that cannot
    be used leaves the user models out: `registry_notes()` says why, and the first time a process
    meets a problem it is logged as a warning (`python -m seq2seq models` prints it on stderr).
    """
    return registry_and_notes(root)[0]


def registry_and_notes(root: str | Path | None = None) -> tuple[list[dict], list[str]]:
    """`registry(root)` and `registry_notes()` from one reading of the manifests."""
    found, problem = _listed(root)
    if problem and problem not in _noted:
        _noted.add(problem)
        _log.warning("warning: user models left out: %s", problem)
    return [entry for _, entries in found for entry in entries], [problem] if problem else []


def resolve(name: str, root: str | Path | None = None) -> Path:
    """The folder of registered model `name`; only manifest names resolve, only inside their root."""
    found, problem = _listed(root)
    for base, entries in found:
        base = base.resolve()
        for entry in entries:
            if entry.get("name") == name:
                folder = (base / entry["path"]).resolve()
                if not folder.is_relative_to(base):
                    raise CheckpointError(f"{base / MANIFEST_FILE}: entry {name!r} points outside {base}")
                return folder
    known = ", ".join(e["name"] for _, entries in found for e in entries) or "none are registered"
    left_out = f"; user models left out: {problem}" if problem else ""
    raise CheckpointError(f"unknown model {name!r} (known models: {known}){left_out}")


def write_manifest(entries: list[dict], root: str | Path | None = None) -> Path:
    """Write the manifest atomically (used by the training and release scripts)."""
    root = Path(root) if root is not None else default_root()
    root.mkdir(parents=True, exist_ok=True)
    path = root / MANIFEST_FILE
    tmp = path.with_suffix(f".json.tmp-{os.getpid()}")
    tmp.write_text(json.dumps({"models": entries}, indent=2, ensure_ascii=False) + "\n")
    os.replace(tmp, path)
    return path


def register(entry: dict, root: str | Path) -> Path:
    """Add or replace one manifest entry (by name) under a lock: several sessions may save at once."""
    import fcntl

    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".manifest.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        entries = [e for e in _manifest(root) if e.get("name") != entry["name"]]
        return write_manifest([*entries, entry], root)


def load_model(
    name: str | Path, device: str = "cpu", root: str | Path | None = None, allow_path: bool = False
) -> Translator:
    """Load a registered model by name, or (a Path, or allow_path=True) an explicit folder."""
    if isinstance(name, Path) or (allow_path and _is_folder_not_name(str(name), root)):
        return load_checkpoint(Path(name), device=device, name=str(name))
    return load_checkpoint(resolve(str(name), root), device=device, name=str(name))


def _is_folder_not_name(name: str, root: str | Path | None) -> bool:
    """Whether `name` means a checkpoint folder: an existing folder with config.json, or without it
    when no registered model has that name (then loading it names the missing file)."""
    folder = Path(name)
    if not folder.is_dir():
        return False
    if (folder / CONFIG_FILE).exists():
        return True
    try:
        found = _listed(root)[0]  # not registry(): an error here is one line, with no warning before it
    except CheckpointError:
        return True
    return all(entry.get("name") != name for _, entries in found for entry in entries)
