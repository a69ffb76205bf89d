"""Checkpoints (folders of safetensors + JSON) and the registry of shipped models.

A checkpoint folder holds:
    config.json          model settings, tokenizer entries, task and metrics (plain JSON)
    model.safetensors    weights only: nothing here is ever unpickled
    <name>.model         SentencePiece files, when the model uses subwords
    probes.json          optional: probe outputs per training epoch (the timelapse)

Saving is crash-safe. A saved folder `NAME` is a symbolic link to a sibling generation folder
`.NAME.gen-<n>`; `save_checkpoint` writes the next generation beside it, fsyncs every file and the
generation folder, then switches with ONE atomic `os.replace` of a fresh link onto `NAME`, fsyncs
the parent folder and only then removes the previous generation. Whenever the saving process is
killed (or the machine loses power, once the file system honours fsync), `NAME` is the old
checkpoint or the new one, each complete, never a mix and never missing. What a killed save leaves
behind (a generation never switched to, a temporary link) is removed by the next save of `NAME`.
A real folder at `NAME` (saved by an older version) is swapped for the link in one step with
renameat2(RENAME_EXCHANGE) on Linux; where the file system lacks it, with two renames (only that
first save has a moment without `NAME`). Saves of one parent folder take turns (flock on it).
A load follows the link once and reads every file from that one generation, so a save beside it
cannot mix two generations; a file in a checkpoint that is a symbolic link leading out of the
folder is refused, and config.json's sizes are checked against the weights file's header before
any model is built, so a hostile config cannot make the loader allocate what the weights lack.

`load_model("dates/general")` looks the name up in `pretrained/manifest.json`, then in the user
models folder's manifest (models saved from the app, "user/<name>"); a name from a URL or a widget
is only ever compared against the manifests, never joined into a path. A user models folder that
cannot be used (its manifest is broken, or it overlaps pretrained/) leaves only the user models out.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import json
import logging
import os
import re
import shutil
from collections.abc import Iterator
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
MAX_CONFIG_BYTES = 16 * 2**20  # config.json holds settings and a character list: megabytes would be hostile

# Bounds on config.json's model sizes, checked before anything is built: far above every shipped
# model (hidden 512, vocabulary 8000, 64 positions), far below what would exhaust a machine.
SIZE_LIMITS = {
    "src_vocab_size": (1, 1_000_000),
    "tgt_vocab_size": (1, 1_000_000),
    "embedding_size": (1, 8192),
    "hidden_size": (1, 8192),
    "num_layers": (1, 2),
    "max_source_len": (1, 100_000),
    "max_target_len": (1, 100_000),
    "trained_source_len": (0, 100_000),
    "pad_id": (0, 999_999),
    "bos_id": (0, 999_999),
    "eos_id": (0, 999_999),
}


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
    """Write a complete checkpoint folder crash-safely: a new generation, fsynced, switched in atomically.

    `folder` becomes (or stays) a link to `.NAME.gen-<n>`; see the module docstring for the guarantee.
    `half` stores weights as float16 (they are read back as float32). `extra_files` maps a file name
    to its bytes (probes.json, the trainer's resume state).
    """
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    with _locked(folder.parent):
        current = _our_generation(folder)
        _remove_leftovers(folder, keep=current)
        number = int(current.rsplit("-", 1)[1]) + 1 if current else 1
        staging = folder.with_name(f".{folder.name}.gen-{number}")
        staging.mkdir()
        try:
            _write_files(staging, model, source_tokenizer, target_tokenizer, metadata, half, extra_files)
            for file in staging.iterdir():
                _fsync(file)
            _fsync(staging)
            previous = _swap_in(staging, folder)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        _fsync(folder.parent)  # the switch itself is durable before the old generation goes
        if previous is not None:
            _remove(previous)
    return folder


def _write_files(
    staging: Path,
    model: Seq2Seq,
    source_tokenizer: Tokenizer,
    target_tokenizer: Tokenizer,
    metadata: dict | None,
    half: bool,
    extra_files: dict[str, bytes] | None,
) -> None:
    """Every file of the checkpoint into `staging`, readable by all (0o755 folder, 0o644 files)."""
    from safetensors.torch import save_file

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
    staging.chmod(0o755)  # whatever the umask: a checkpoint is an ordinary, readable folder
    for file in staging.iterdir():
        file.chmod(0o644)


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """Hold an exclusive flock on `directory` itself: saves beside each other take turns, so one
    never removes another's generation in progress. A killed holder's lock goes with its process."""
    import fcntl

    fd = os.open(directory, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _leftover_pattern(folder: Path) -> re.Pattern:
    """Names a save of `folder` leaves beside it: generations, the temporary link, and the staging
    (`.tmp-XXXXXXXX`) and old (`.old-<pid>`) folders of earlier versions of this module."""
    return re.compile(rf"\.{re.escape(folder.name)}\.(gen-\d+|link-tmp|tmp-[a-z0-9_]{{8}}|old-\d+)")


def _our_generation(folder: Path) -> str | None:
    """The generation name `folder` links to, when it is one of ours; None otherwise."""
    if not folder.is_symlink():
        return None
    target = os.readlink(folder)
    match = _leftover_pattern(folder).fullmatch(target)
    return target if match and target.startswith(f".{folder.name}.gen-") else None


def _remove_leftovers(folder: Path, keep: str | None) -> None:
    """Remove what killed saves of `folder` left beside it (never the generation `keep`)."""
    pattern = _leftover_pattern(folder)
    for entry in os.scandir(folder.parent):
        if entry.name != keep and pattern.fullmatch(entry.name):
            _remove(folder.with_name(entry.name))


def _remove(path: Path) -> None:
    """Remove a link or file, or a real folder with everything in it."""
    if path.is_symlink() or not path.is_dir():
        path.unlink(missing_ok=True)
    else:
        shutil.rmtree(path, ignore_errors=True)


def _swap_in(staging: Path, folder: Path) -> Path | None:
    """Make `folder` link to `staging` in one atomic step; return what it replaced, to remove (or None).

    A link or a file at `folder` is replaced by os.replace of a fresh link (rename(2) is atomic).
    A real folder (an older version's checkpoint) cannot be renamed over, so it is exchanged.
    """
    link = folder.with_name(f".{folder.name}.link-tmp")
    _remove(link)
    os.symlink(staging.name, link)  # relative: the parent folder can be moved or copied whole
    if folder.is_dir() and not folder.is_symlink():
        if _exchange(link, folder):
            return link  # now the old real folder
        old = folder.with_name(f".{folder.name}.old-{os.getpid()}")
        os.replace(folder, old)  # no RENAME_EXCHANGE here: the one moment without `folder`
        os.replace(link, folder)
        return old
    previous = _our_generation(folder)
    os.replace(link, folder)
    return folder.with_name(previous) if previous else None


def _exchange(a: Path, b: Path) -> bool:
    """Swap the names `a` and `b` atomically (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def _fsync(path: Path) -> None:
    """Flush a file's or a folder's contents (for a folder: its entries) to the disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# -- loading ------------------------------------------------------------------------------------
def _real_folder(folder: Path) -> Path:
    """The folder `folder` names now, links followed: a load reads every file from this one
    generation, so a save switching the link meanwhile cannot mix two checkpoints."""
    if not folder.is_dir():
        raise CheckpointError(f"{folder}: no such checkpoint folder")
    return folder.resolve()


def _refuse_outside_links(real: Path, shown: Path) -> None:
    """CheckpointError naming the file when an entry of the folder `real` (shown to the user as
    `shown`) is a symbolic link leading out of it: a checkpoint reads only its own files."""
    try:
        entries = list(os.scandir(real))
    except OSError as error:
        raise CheckpointError(f"{shown}: cannot be read ({error.strerror or error})") from None
    for entry in entries:
        if entry.is_symlink():
            target = (real / entry.name).resolve()
            if not target.is_relative_to(real):
                raise CheckpointError(
                    f"{shown / entry.name}: a symbolic link leading outside the checkpoint folder (to {target}); "
                    "refused"
                )


def _read_config(real: Path, shown: Path) -> dict:
    """config.json of the resolved folder `real`; errors name `shown`, the path the caller gave."""
    _refuse_outside_links(real, shown)
    path, name = real / CONFIG_FILE, shown / CONFIG_FILE
    if not path.is_file():
        raise CheckpointError(f"{name}: missing file (a checkpoint needs config.json and {WEIGHTS_FILE})")
    if path.stat().st_size > MAX_CONFIG_BYTES:
        raise CheckpointError(f"{name}: {path.stat().st_size} bytes, more than a config can be ({MAX_CONFIG_BYTES})")
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CheckpointError(f"{name}: not valid JSON ({error})") from None
    except OSError as error:
        raise CheckpointError(f"{name}: cannot be read ({error.strerror or error})") from None
    if not isinstance(config, dict) or "model" not in config:
        raise CheckpointError(f"{name}: not an Attention Explorer config (no 'model' section)")
    return config


def read_config(folder: str | Path) -> dict:
    """config.json of a checkpoint folder, with clear errors for a missing or broken file."""
    folder = Path(folder)
    return _read_config(_real_folder(folder), folder)


def check_model_settings(settings: object, where: str) -> ModelConfig:
    """config.json's "model" section as a ModelConfig, every size an integer within SIZE_LIMITS
    (checked before anything is built); CheckpointError naming `where` otherwise."""
    if not isinstance(settings, dict):
        raise CheckpointError(f"{where}: bad model settings (expected an object, got {type(settings).__name__})")
    for key, (low, high) in SIZE_LIMITS.items():
        value = settings.get(key)
        if key not in settings:
            continue  # a missing setting takes its default, or from_dict names it
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise CheckpointError(f"{where}: bad model settings ({key} = {value!r}; expected an integer {low}..{high})")
    try:
        return ModelConfig.from_dict(settings)
    except (TypeError, ValueError) as error:
        raise CheckpointError(f"{where}: bad model settings ({error})") from None


class _ShapesOnly(torch.overrides.TorchFunctionMode):
    """Skips in-place fills (weight initialisation) of meta tensors: they have no values to fill, and
    torch's meta normal_ would import torch._dynamo (seconds) on a process's first load."""

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        name = getattr(func, "__name__", "")
        first = args[0] if args else kwargs.get("tensor")  # nn.init functions pass the tensor by keyword
        if name.endswith("_") and not name.endswith("__") and isinstance(first, torch.Tensor) and first.is_meta:
            return first
        return func(*args, **kwargs)


def _expected_shapes(config: ModelConfig) -> dict[str, tuple[int, ...]]:
    """Every tensor name and shape the model of `config` has, found without allocating a weight
    (the model is built on the meta device, which keeps shapes only; modes are per thread)."""
    with torch.device("meta"), _ShapesOnly():
        model = Seq2Seq(config)
    return {key: tuple(value.shape) for key, value in model.state_dict().items()}


def _check_weights_header(path: Path, shown: Path, config: ModelConfig) -> None:
    """Compare the safetensors header's names and shapes with those `config` implies, before
    reading a tensor or building the model: CheckpointError naming the first difference."""
    from safetensors import SafetensorError, safe_open

    try:
        with safe_open(str(path), framework="pt") as weights:
            found = {key: tuple(weights.get_slice(key).get_shape()) for key in weights.keys()}
    except (SafetensorError, OSError, ValueError, RuntimeError) as error:
        raise CheckpointError(f"{shown}: not a valid safetensors file ({error})") from None
    expected = _expected_shapes(config)
    missing = sorted(set(expected) - set(found))
    unexpected = sorted(set(found) - set(expected))
    if missing or unexpected:
        parts = []
        if missing:
            parts.append(f"missing tensors {', '.join(missing[:5])}")
        if unexpected:
            parts.append(f"unexpected tensors {', '.join(unexpected[:5])}")
        raise CheckpointError(f"{shown}: does not match config.json ({'; '.join(parts)})")
    for key, shape in found.items():
        if shape != expected[key]:
            raise CheckpointError(f"{shown}: tensor {key!r} has shape {shape}, config.json expects {expected[key]}")


def load_checkpoint(folder: str | Path, device: str = "cpu", name: str | None = None) -> Translator:
    """Rebuild the model in `folder` and wrap it in a Translator. Never unpickles anything.

    Every file is read from the generation the folder links to when the load starts; if a save
    switched it and removed that generation meanwhile, the load starts again on the new one.
    """
    folder = Path(folder)
    for attempt in range(3):
        real = _real_folder(folder)
        try:
            return _load(real, folder, device, name)
        except (CheckpointError, OSError) as error:
            if attempt == 2 or _real_folder(folder) == real:
                if isinstance(error, CheckpointError):
                    raise
                raise CheckpointError(f"{folder}: cannot be read ({error.strerror or error})") from None
    raise AssertionError("unreachable")


def _load(real: Path, shown: Path, device: str, name: str | None) -> Translator:
    """load_checkpoint for the resolved folder `real`; errors name files under `shown`."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    config = _read_config(real, shown)
    config_path = shown / CONFIG_FILE
    model_config = check_model_settings(config["model"], str(config_path))
    try:
        source_tokenizer = tokenizer_from_config(config["source_tokenizer"], real)
        target_tokenizer = tokenizer_from_config(config["target_tokenizer"], real)
    except (KeyError, OSError, ValueError, RuntimeError, TypeError, AttributeError) as error:
        raise CheckpointError(f"{config_path}: cannot rebuild the tokenizers ({error})") from None
    for side, tokenizer, size in (
        ("source", source_tokenizer, model_config.src_vocab_size),
        ("target", target_tokenizer, model_config.tgt_vocab_size),
    ):
        if tokenizer.vocab_size != size:
            raise CheckpointError(
                f"{config_path}: the {side} tokenizer has {tokenizer.vocab_size} tokens, the model expects {size}"
            )

    weights_path, weights_shown = real / WEIGHTS_FILE, shown / WEIGHTS_FILE
    if not weights_path.is_file():
        raise CheckpointError(f"{weights_shown}: missing file")
    _check_weights_header(weights_path, weights_shown, model_config)
    try:
        tensors = load_file(str(weights_path), device="cpu")
    except (SafetensorError, OSError, ValueError, RuntimeError) as error:
        raise CheckpointError(f"{weights_shown}: not a valid safetensors file ({error})") from None

    model = Seq2Seq(model_config)
    expected = model.state_dict()
    model.load_state_dict({k: v.to(expected[k].dtype) for k, v in tensors.items()})
    model.use_decoding_layout()  # a loaded model decodes; training builds its own (seq2seq/train.py)
    if device == "cuda" and not torch.cuda.is_available():
        raise CheckpointError("CUDA was asked for but no CUDA device is available")
    metadata = {k: v for k, v in config.items() if k not in ("model", "source_tokenizer", "target_tokenizer")}
    return Translator(
        model, source_tokenizer, target_tokenizer, name=name or shown.name, device=device, metadata=metadata
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
    """The folder of registered model `name`, links followed; only manifest names resolve, only
    inside their root, and only to a folder none of whose files links out of it."""
    found, problem = _listed(root)
    for base, entries in found:
        base = base.resolve()
        for entry in entries:
            if entry.get("name") == name:
                folder = (base / entry["path"]).resolve()
                if not folder.is_relative_to(base):
                    raise CheckpointError(f"{base / MANIFEST_FILE}: entry {name!r} points outside {base}")
                if folder.is_dir():  # callers read probes.json or the card from it: no link out of it
                    _refuse_outside_links(folder, base / entry["path"])
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
