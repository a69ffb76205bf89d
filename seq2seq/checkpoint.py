"""Checkpoints (folders of safetensors + JSON) and the registry of shipped models.

A checkpoint folder holds:
    config.json          model settings, tokenizer entries, task and metrics (plain JSON)
    model.safetensors    weights only: nothing here is ever unpickled
    <name>.model         SentencePiece files, when the model uses subwords
    probes.json          optional: probe outputs per training epoch (the timelapse)

`load_model("dates/general")` looks the name up in `pretrained/manifest.json`; a name from a
URL or a widget is only ever compared against the manifest, never joined into a path.
"""

from __future__ import annotations

import json
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
def user_root() -> Path:
    """The folder of models saved from the app's Train page ($ATTENTION_EXPLORER_USER_MODELS)."""
    env = os.environ.get("ATTENTION_EXPLORER_USER_MODELS")
    return Path(env) if env else Path(__file__).resolve().parent.parent / "user_models"


def _manifest(root: Path) -> list[dict]:
    path = root / MANIFEST_FILE
    if not path.is_file():
        return []
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CheckpointError(f"{path}: not valid JSON ({error})") from None
    models = manifest.get("models") if isinstance(manifest, dict) else None
    if not isinstance(models, list) or not all(
        isinstance(e, dict) and isinstance(e.get("name"), str) and isinstance(e.get("path"), str) for e in models
    ):
        raise CheckpointError(f'{path}: expected {{"models": [{{"name": ..., "path": ...}}, ...]}}')
    return models


def _roots(root: str | Path | None) -> list[Path]:
    return [Path(root)] if root is not None else [default_root(), user_root()]


def registry(root: str | Path | None = None) -> list[dict]:
    """Registered models: the shipped ones (pretrained/) then the user's; or those of `root` only."""
    return [entry for r in _roots(root) for entry in _manifest(r)]


def resolve(name: str, root: str | Path | None = None) -> Path:
    """The folder of registered model `name`; only manifest names resolve, only inside their root."""
    for base in _roots(root):
        base = base.resolve()
        for entry in _manifest(base):
            if entry.get("name") == name:
                folder = (base / entry["path"]).resolve()
                if not folder.is_relative_to(base):
                    raise CheckpointError(f"{base / MANIFEST_FILE}: entry {name!r} points outside {base}")
                return folder
    known = ", ".join(e["name"] for e in registry(root)) or "none are registered"
    raise CheckpointError(f"unknown model {name!r} (known models: {known})")


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
    if isinstance(name, Path) or (allow_path and Path(name).is_dir() and (Path(name) / CONFIG_FILE).exists()):
        return load_checkpoint(Path(name), device=device, name=str(name))
    return load_checkpoint(resolve(str(name), root), device=device, name=str(name))
