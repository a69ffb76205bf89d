"""Where a shipped model's siblings of other seeds are: the models `seq2seq.lab.seed_variance` compares it with.

A shipped model (say reverse/general) was trained with the shipped recipe and its default seed. Its seed
siblings are the same recipe with only `--seed k` changed (k = 1, 2, ...), trained by scripts/train_shipped.py.
They are found in two places, the released one first:

    <registry root>/seeds/<task>/<variant>-seed<k>/     released beside the shipped models (pretrained/)
    <runs>/s<k>/<task>/<variant>/                       still training (runs/seeds/, given explicitly)

where <variant> is the part of the model's registry name after "<task>/" ("general", "lstm-general").
Every folder name is built from the constants here and the task and variant of a *registered* model
(`seq2seq.registry`), never from text a user typed, so no name can lead outside those two places. A
folder counts only when it holds a checkpoint (config.json and model.safetensors).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

SEEDS_FOLDER = "seeds"  # inside the registry's root
SEEDS = tuple(range(1, 10))  # the seeds looked for: 1 .. 9 (the shipped recipe's siblings so far: 1 and 2)


@dataclass(frozen=True)
class SeedModel:
    """One seed sibling of a shipped model: its seed, its folder, and where it was found."""

    task: str
    variant: str  # the shipped model's name after "<task>/"
    seed: int
    folder: Path
    released: bool  # in the registry's seeds/ folder (False: under the explicit runs folder)

    @property
    def name(self) -> str:
        """The name results show: "<task>/<variant>-seed<k>" (the released folder's own name)."""
        return f"{self.task}/{self.variant}-seed{self.seed}"


def _registered(name: str, root: str | os.PathLike[str] | None) -> tuple[str, str] | None:
    """(task, variant) of the registered shipped model `name`; None when no shipped model has that name."""
    from seq2seq.registry import registry
    from seq2seq.tasks import TASKS

    for entry in registry(root):
        if entry.name == name and not entry.is_user and entry.task in TASKS:
            prefix = f"{entry.task}/"
            if entry.name.startswith(prefix) and "/" not in entry.name[len(prefix) :]:
                return entry.task, entry.name[len(prefix) :]
    return None


def _holds_model(folder: Path) -> bool:
    """Whether `folder` holds a model's two files (a run that has not saved yet holds only its log)."""
    from seq2seq.checkpoint import CONFIG_FILE, WEIGHTS_FILE

    return folder.is_dir() and (folder / CONFIG_FILE).is_file() and (folder / WEIGHTS_FILE).is_file()


def seed_folders(
    name: str,
    runs: str | os.PathLike[str] | None = None,
    root: str | os.PathLike[str] | None = None,
    seeds: tuple[int, ...] = SEEDS,
) -> list[SeedModel]:
    """The seed siblings of the shipped model `name` that hold a checkpoint, by seed (module docstring).

    `root`: the registry root (None: `seq2seq.registry.default_root()`); `runs`: a folder of unreleased
    seed models laid out as runs/seeds/ is (None: only the released ones). A seed found in both places is
    taken from the released one. [] for a name that is not a registered shipped model.
    """
    from seq2seq.registry import default_root

    found = _registered(name, root)
    if found is None:
        return []
    task, variant = found
    released = (Path(root) if root is not None else default_root()) / SEEDS_FOLDER / task
    models = []
    for seed in seeds:
        candidates = [(released / f"{variant}-seed{int(seed)}", True)]
        if runs is not None:
            candidates.append((Path(runs) / f"s{int(seed)}" / task / variant, False))
        for folder, is_released in candidates:
            if _holds_model(folder):
                models.append(SeedModel(task, variant, int(seed), folder, is_released))
                break
    return models


def load_seed_models(models: list[SeedModel], device: str = "cpu") -> tuple[list[tuple[SeedModel, object]], list[str]]:
    """([(seed model, its Translator)], notes): each of `models` loaded; one that cannot be (a checkpoint half
    written while it trains, a broken file) is left out with a note saying why."""
    from seq2seq.checkpoint import CheckpointError, load_checkpoint

    loaded, notes = [], []
    for model in models:
        try:
            loaded.append((model, load_checkpoint(model.folder, device=device, name=model.name)))
        except (CheckpointError, OSError, ValueError) as error:
            notes.append(f"{model.folder}: not loaded ({error})")
    return loaded, notes
