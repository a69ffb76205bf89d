"""What a running lesson adds to every page's frame (explorer.ui.parts): its pending move opens its step's page
first, and its panel is docked under the title and the class's bars."""

from __future__ import annotations

from explorer.ui.lessons import dock
from explorer.ui.parts import Part

PARTS = (
    # Before the frame draws (and the tab's memory is asked, explorer.ui.classes.frame_parts: its answer reruns this
    # page): a lesson's start or Next costs the page it leaves no drawing (issue 62: a phone within 2 s of a start).
    Part("first", 10, lambda where: dock.open_pending(where.page)),
    Part("under_title", 30, lambda where: dock.dock(where.page, where.projecting)),
)
