"""Checkpoints: folders of safetensors + JSON, saved crash-safely and loaded without unpickling anything.

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

A save deletes nothing it did not write. `NAME` may be replaced only when it is missing, an empty
folder, or this tool's own checkpoint (`replace_refusal`): a link to its `.NAME.gen-<n>`, or a real
folder an older version saved, either holding config.json, the weights and only the files a
checkpoint holds (`OWN_FILES`). Anything else (a user's folder, a file, a link the user made, a
run folder the user added a file to) is refused with ForeignPathError before anything is written.
Old generations and debris are removed file by file, only names in `OWN_FILES`, then the emptied
folder with rmdir: a file that appeared in one meanwhile keeps its folder.
A load follows the link once and reads every file from that one generation, so a save beside it
cannot mix two generations; a file in a checkpoint that is a symbolic link leading out of the
folder is refused, and config.json's sizes are checked against the weights file's header before
any model is built, so a hostile config cannot make the loader allocate what the weights lack.

`load_model("dates/general")` asks the registry (seq2seq/registry.py: the manifests of pretrained/
and of the user models folder, no torch) for the folder of that name, then loads it; a name from a
URL or a widget is only ever compared against the manifests, never joined into a path.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import torch

from .config import ModelConfig
from .decoding import Translator
from .messages import N_, Message
from .model import Seq2Seq
from .registry import CheckpointError, is_registered, read_json, refuse_outside_links, resolve
from .tokenizers import Tokenizer, tokenizer_from_config

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.safetensors"
FORMAT_VERSION = 1
MAX_CONFIG_BYTES = 16 * 2**20  # config.json holds settings and a character list: megabytes would be hostile

# Bounds on config.json's model sizes, checked before anything is built: ModelConfig's fields' own
# (far above every shipped model, far below what would exhaust a machine).
SIZE_LIMITS = ModelConfig.size_limits()


# What a checkpoint folder of this tool holds: save_checkpoint's files (config.json, the weights,
# SentencePiece models, the trainer's state, probes.json) and the model cards scripts/release.py adds.
OWN_FILES = re.compile(
    r"config\.json|model\.safetensors|probes\.json|trainer_state\.(json|safetensors)"
    r"|(source|target)\.model|README(\.[A-Za-z_-]+)?\.md"
)


class ForeignPathError(CheckpointError):
    """A save would replace a path this tool did not write: refused before anything is written."""


# -- what a save may replace --------------------------------------------------------------------
def replace_refusal(folder: str | Path) -> Message | None:
    """Why a save must not replace `folder` (None: it may): see the module docstring.

    A link is ours only in the shape save_checkpoint makes (`.NAME.gen-<n>`, relative); the folder
    it leads to, or a real folder, must be a whole checkpoint of nothing but `OWN_FILES`. A link to
    a generation that is gone loses nothing when replaced.
    """
    folder = Path(folder)
    if folder.is_symlink():
        generation = _our_generation(folder)
        if generation is None:
            return Message(N_("it is a link this tool did not make"))
        real = folder.with_name(generation)
        return _foreign_contents(real) if os.path.lexists(real) else None
    if not folder.exists():
        return None
    if not folder.is_dir():
        return Message(N_("it is a file, not a folder"))
    return _foreign_contents(folder, empty_ok=True)


def _foreign_contents(folder: Path, empty_ok: bool = False) -> Message | None:
    """Why the real folder `folder` is not a checkpoint of this tool (None: it is, or empty and `empty_ok`)."""
    if folder.is_symlink() or not folder.is_dir():
        return Message(N_("it is not a folder"))
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError as error:
        return Message(N_("it cannot be read ({reason})"), reason=error.strerror or error)
    if not entries and empty_ok:
        return None
    for entry in entries:
        if not OWN_FILES.fullmatch(entry.name) or not entry.is_file(follow_symlinks=False):
            return Message(N_("it holds {name}, which a checkpoint of this tool does not"), name=entry.name)
    names = {entry.name for entry in entries}
    if not {CONFIG_FILE, WEIGHTS_FILE} <= names:
        return Message(N_("it holds no {config} and {weights}"), config=CONFIG_FILE, weights=WEIGHTS_FILE)
    if not _our_config(folder / CONFIG_FILE):
        return Message(N_("its {config} was not written by this tool"), config=CONFIG_FILE)
    return None


def _our_config(path: Path) -> bool:
    """Whether config.json at `path` is one save_checkpoint wrote: a JSON object with its format
    version and model settings (another program's config.json of the same name is not)."""
    try:
        if path.stat().st_size > MAX_CONFIG_BYTES:
            return False
        config = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        return False
    return isinstance(config, dict) and "format_version" in config and isinstance(config.get("model"), dict)


def holds_checkpoint(folder: str | Path) -> bool:
    """Whether `folder` is this tool's own checkpoint (not missing, not an empty folder)."""
    folder = Path(folder)
    if replace_refusal(folder) is not None:
        return False
    return folder.is_symlink() or (folder.is_dir() and any(folder.iterdir()))


def check_replaceable(folder: str | Path) -> None:
    """ForeignPathError naming `folder` and why, unless a save may replace it (`replace_refusal`)."""
    why = replace_refusal(folder)
    if why is not None:
        raise ForeignPathError(
            N_("{path} exists and is not a checkpoint folder of this tool ({why}); nothing was changed"),
            path=folder,
            why=why,
        )


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
    in `OWN_FILES` to its bytes (probes.json, the trainer's resume state).

    ForeignPathError, with nothing written, when `folder` is something this tool did not save.
    """
    folder = Path(folder)
    strange = [name for name in extra_files or {} if not OWN_FILES.fullmatch(name)]
    if strange:  # a later save would take the folder for the user's and refuse it
        raise ValueError(f"extra_files: {strange[0]!r} is not a checkpoint file name ({OWN_FILES.pattern})")
    folder.parent.mkdir(parents=True, exist_ok=True)
    with _locked(folder.parent):
        check_replaceable(folder)
        current = _our_generation(folder)
        _remove_leftovers(folder, keep=current)
        number = _next_generation(folder, current)
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
    from safetensors.torch import save

    tensors = {}
    for key, value in model.state_dict().items():
        value = value.detach().to("cpu").contiguous()
        tensors[key] = value.half() if half and value.is_floating_point() else value
    # As bytes, written under its own name: save_file's temporary file (.tmpXXXXXX) would be left in
    # the generation by a killed save, a name the careful removal (`_remove`) does not take for ours.
    (staging / WEIGHTS_FILE).write_bytes(save(tensors, metadata={"format": "attention-explorer"}))
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


def _next_generation(folder: Path, current: str | None) -> int:
    """The number of the next generation: past the current one and any that could not be removed."""
    numbers = [int(current.rsplit("-", 1)[1])] if current else []
    generation = re.compile(rf"\.{re.escape(folder.name)}\.gen-(\d+)")
    for entry in os.scandir(folder.parent):
        match = generation.fullmatch(entry.name)
        if match:
            numbers.append(int(match.group(1)))
    return max(numbers, default=0) + 1


def _remove(path: Path) -> None:
    """Remove a link or file; of a real folder, only the files a checkpoint holds (`OWN_FILES`),
    then the folder if that emptied it. What the user put there stays, and so does its folder."""
    if path.is_symlink() or not path.is_dir():
        path.unlink(missing_ok=True)
        return
    for entry in os.scandir(path):
        if OWN_FILES.fullmatch(entry.name) and entry.is_file(follow_symlinks=False):
            os.unlink(entry.path)
    with contextlib.suppress(OSError):  # not empty: it holds something this tool did not write
        os.rmdir(path)


def _swap_in(staging: Path, folder: Path) -> Path | None:
    """Make `folder` link to `staging` in one atomic step; return what it replaced, to remove (or None).

    Our link at `folder` is replaced by os.replace of a fresh link (rename(2) is atomic). A real
    folder (an older version's checkpoint, or an empty one) cannot be renamed over, so it is
    exchanged. The caller has checked that `folder` is ours (`check_replaceable`).
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
        if folder.is_symlink():  # a run folder is a link to its generation folder, which was not moved with it
            raise CheckpointError(
                N_("{path}: it links to {target}, which is missing (was the link moved without it?)"),
                path=folder,
                target=os.readlink(folder),
            )
        raise CheckpointError(N_("{path}: no such checkpoint folder"), path=folder)
    return folder.resolve()


def _read_config(real: Path, shown: Path) -> dict:
    """config.json of the resolved folder `real`; errors name `shown`, the path the caller gave."""
    refuse_outside_links(real, shown)
    path, name = real / CONFIG_FILE, shown / CONFIG_FILE
    if not path.is_file():
        raise CheckpointError(
            N_("{path}: missing file (a checkpoint needs config.json and {weights})"), path=name, weights=WEIGHTS_FILE
        )
    if path.stat().st_size > MAX_CONFIG_BYTES:
        raise CheckpointError(
            N_("{path}: {size} bytes, more than a config can be ({limit})"),
            path=name,
            size=path.stat().st_size,
            limit=MAX_CONFIG_BYTES,
        )
    config = read_json(path, name)
    if not isinstance(config, dict) or "model" not in config:
        raise CheckpointError(N_("{path}: not an Attention Explorer config (no 'model' section)"), path=name)
    return config


def read_config(folder: str | Path) -> dict:
    """config.json of a checkpoint folder, with clear errors for a missing or broken file."""
    folder = Path(folder)
    return _read_config(_real_folder(folder), folder)


def check_model_settings(settings: object, where: str) -> ModelConfig:
    """config.json's "model" section as a ModelConfig, every size an integer within SIZE_LIMITS
    (checked before anything is built); CheckpointError naming `where` otherwise."""
    if not isinstance(settings, dict):
        raise CheckpointError(
            N_("{path}: bad model settings (expected an object, got {kind})"), path=where, kind=type(settings).__name__
        )
    for key, (low, high) in SIZE_LIMITS.items():
        value = settings.get(key)
        if key not in settings:
            continue  # a missing setting takes its default, or from_dict names it
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise CheckpointError(
                N_("{path}: bad model settings ({key} = {value!r}; expected an integer {low}..{high})"),
                path=where,
                key=key,
                value=value,
                low=low,
                high=high,
            )
    try:
        return ModelConfig.from_dict(settings)
    except (TypeError, ValueError) as error:
        raise CheckpointError(N_("{path}: bad model settings ({error})"), path=where, error=error) from None


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
        raise CheckpointError(N_("{path}: not a valid safetensors file ({error})"), path=shown, error=error) from None
    expected = _expected_shapes(config)
    missing = sorted(set(expected) - set(found))
    unexpected = sorted(set(found) - set(expected))
    if missing or unexpected:
        if missing and unexpected:
            template = N_(
                "{path}: does not match config.json (missing tensors {missing}; unexpected tensors {unexpected})"
            )
        elif missing:
            template = N_("{path}: does not match config.json (missing tensors {missing})")
        else:
            template = N_("{path}: does not match config.json (unexpected tensors {unexpected})")
        raise CheckpointError(
            template, path=shown, missing=", ".join(missing[:5]), unexpected=", ".join(unexpected[:5])
        )
    for key, shape in found.items():
        if shape != expected[key]:
            raise CheckpointError(
                N_("{path}: tensor {key!r} has shape {shape}, config.json expects {expected}"),
                path=shown,
                key=key,
                shape=shape,
                expected=expected[key],
            )


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
                raise CheckpointError(
                    N_("{path}: cannot be read ({reason})"), path=folder, reason=error.strerror or error
                ) from None
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
        raise CheckpointError(
            N_("{path}: cannot rebuild the tokenizers ({error})"), path=config_path, error=error
        ) from None
    source_mismatch = N_("{path}: the source tokenizer has {count} tokens, the model expects {size}")
    target_mismatch = N_("{path}: the target tokenizer has {count} tokens, the model expects {size}")
    for template, tokenizer, size in (
        (source_mismatch, source_tokenizer, model_config.src_vocab_size),
        (target_mismatch, target_tokenizer, model_config.tgt_vocab_size),
    ):
        if tokenizer.vocab_size != size:
            raise CheckpointError(template, path=config_path, count=tokenizer.vocab_size, size=size)

    weights_path, weights_shown = real / WEIGHTS_FILE, shown / WEIGHTS_FILE
    if not weights_path.is_file():
        raise CheckpointError(N_("{path}: missing file"), path=weights_shown)
    _check_weights_header(weights_path, weights_shown, model_config)
    try:
        tensors = load_file(str(weights_path), device="cpu")
    except (SafetensorError, OSError, ValueError, RuntimeError) as error:
        raise CheckpointError(
            N_("{path}: not a valid safetensors file ({error})"), path=weights_shown, error=error
        ) from None

    model = Seq2Seq(model_config)
    expected = model.state_dict()
    model.load_state_dict({k: v.to(expected[k].dtype) for k, v in tensors.items()})
    model.use_decoding_layout()  # a loaded model decodes; training builds its own (seq2seq/train.py)
    if device == "cuda" and not torch.cuda.is_available():
        raise CheckpointError(N_("CUDA was asked for but no CUDA device is available"))
    metadata = {k: v for k, v in config.items() if k not in ("model", "source_tokenizer", "target_tokenizer")}
    return Translator(
        model, source_tokenizer, target_tokenizer, name=name or shown.name, device=device, metadata=metadata
    )


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
    return not is_registered(name, root)  # not registry(): no warning about the user models before it
