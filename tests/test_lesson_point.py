"""A lesson step's pointed control (explorer.ui.lessons.dock._point, point.js): outlined, and brought into view
but on a projector, whose frame never scrolls (issue 62: lesson 5 step 1's "Current step" scrolled the projected
heatmap 491-955 px out of the frame)."""

from __future__ import annotations

import pytest

from explorer.lessons import catalog
from explorer.ui.lessons import dock


@pytest.mark.parametrize(("projecting", "scroll"), [(False, True), (True, False)])
def test_the_pointed_control_is_brought_into_view_but_on_a_projector(monkeypatch, projecting, scroll):
    drawn = []
    monkeypatch.setattr(dock, "_pointer", lambda: lambda data, key: drawn.append(data))
    step = catalog()[0]["5-decoding-strategies"].steps[0]
    assert step.point == "Current step"
    dock._point(step, projecting)
    assert drawn == [{"label": "Current step", "scroll": scroll}]


def test_point_js_scrolls_only_when_told():
    script = dock.source("lessons/point.js")
    assert "data.scroll !== false" in script and "&& scroll)" in script
