"""What a feature adds to the frame of every page, declared by the feature and taken by explorer.ui.frame.

A feature folder of explorer/ui (classes/, lessons/, …) that adds to every page has a `frame_parts` module
with a `PARTS` tuple of `Part`s. The frame finds those modules itself (`discover`), so it imports no feature, and
a new feature plugs in by its folder alone. Each part is called with the page it is drawn on (`Where`), at its
place in the frame, in the order of its `order` among the parts of that place:

- "first": before the frame draws anything, for a part that may leave the page for another (a lesson's pending
  move, a follower's teacher on another page): the page it leaves costs that run nothing more, and nothing drawn
  on it can ask for a run of its own first. `Where.projecting` is None there (the frame has not read it yet);
- "open": before anything else of the feature draws: the tab's kept class;
- "sidebar": a section in the sidebar, below the frame's own controls;
- "under_title": under the page's title, inside a projector's frame (a class's bar, a lesson's panel).
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

Place = Literal["first", "open", "sidebar", "under_title"]
PLACES: tuple[Place, ...] = ("first", "open", "sidebar", "under_title")


@dataclass(frozen=True)
class Where:
    """The page a part is drawn on. `view`: its name for a live class (explorer.classrooms.store.PAGES), None
    where no class shows it; `page`: its name in explorer.state.pages (a lesson step opens it); `projecting`:
    presentation mode is on (None in the place "first": not read yet)."""

    view: str | None
    page: str | None
    projecting: bool | None


@dataclass(frozen=True)
class Part:
    """One thing a feature draws on every page: `draw(where)` at `place`, `order` among that place's parts."""

    place: Place
    order: int
    draw: Callable[[Where], None]


@functools.cache
def discover(package: str = "explorer.ui") -> dict[Place, tuple[Part, ...]]:
    """Every feature's parts under `package`, by place, each place's in `order` (once per process)."""
    root = importlib.import_module(package)
    found: list[Part] = []
    for info in sorted(pkgutil.iter_modules(root.__path__), key=lambda info: info.name):
        if not info.ispkg:
            continue
        name = f"{package}.{info.name}.frame_parts"
        if importlib.util.find_spec(name) is None:
            continue
        found.extend(importlib.import_module(name).PARTS)
    return {place: tuple(sorted((p for p in found if p.place == place), key=lambda p: p.order)) for place in PLACES}
