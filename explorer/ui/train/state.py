"""The Train feature's one state object in the session: this browser tab's trainings (the Train and Timelapse
pages), instead of loose session keys.

`tab(session)` is the tab's `TrainTab`, made on first use: its id (the job manager's name for the tab's trainings,
explorer.training.jobs), whether the Train page's last run showed a training running (a run that finds it
otherwise reruns the page: its buttons and save form change, explorer.ui.train.trainings.current_view), and the
registry name the last finished training was saved under (the page says so until the next start).
"""

from __future__ import annotations

import uuid
from collections.abc import MutableMapping
from dataclasses import dataclass, field

from explorer.state.feature_state import held

KEY = "_train_tab"


@dataclass
class TrainTab:
    """This tab's trainings: `id` names them to the job manager; `active`: one was running on the Train page's
    last run; `saved`: the name the last finished one was saved under (None: not saved, or a new one started)."""

    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    active: bool = False
    saved: str | None = None


def tab(session: MutableMapping) -> TrainTab:
    """The tab's `TrainTab` (made on first use; a value of another type there is replaced)."""
    return held(session, KEY, TrainTab)
