"""A class's follower runs the teacher's lesson at the teacher's step (explorer.lessons.player.follow_class),
and the teacher's lesson rides beside the view in every URL (explorer.state.link.beside_view)."""

from __future__ import annotations

from explorer import lessons
from explorer.lessons import player
from explorer.state import link

SHIPPED, _ = lessons.catalog([lessons.SHIPPED_DIR])
FIRST = SHIPPED["1-why-attention"]


def test_a_follower_runs_the_teachers_lesson_and_step_checked_like_a_link():
    session: dict = {}
    player.follow_class(session, {"lesson": FIRST.id, "at": "3"}, SHIPPED)
    assert player.where(session) == player.Position(FIRST.id, 2)
    assert link.beside_view(session) == {"lesson": FIRST.id, "at": "3"}
    player.follow_class(session, {"lesson": FIRST.id, "at": "99"}, SHIPPED)  # past the end: the last step
    assert player.where(session) == player.Position(FIRST.id, len(FIRST.steps) - 1)
    player.follow_class(session, {"lesson": "../../etc/passwd", "at": "1"}, SHIPPED)  # no such lesson: none
    assert player.where(session) == player.Position()
    player.follow_class(session, {"lesson": FIRST.id, "at": "1"}, SHIPPED)
    player.follow_class(session, {}, SHIPPED)  # the teacher runs no lesson now
    assert player.where(session) == player.Position() and link.beside_view(session) == {}


def test_a_move_waits_for_the_next_run_and_a_link_opened_elsewhere_moves_the_lesson():
    session: dict = {}
    player.move(session, FIRST.id, 1)
    there, wanted = FIRST.steps[1].page, {"lesson": FIRST.id, "at": "2"}
    assert player.pending(session, "lessons", there, {}) and not player.pending(session, there, there, wanted)
    assert player.running(session, SHIPPED) == (FIRST, 1)
    assert player.follow_link(session, wanted, SHIPPED, "decode") == ()  # the URL it wrote
    assert not player.pending(session, "decode", "decode", wanted)
    player.follow_link(session, {"lesson": FIRST.id, "at": "5"}, SHIPPED, "decode")  # the browser's Back, a link
    assert player.where(session).index == 4 and player.pending(session, "decode", "compare", {})  # step 5: Compare
    assert not player.pending(session, "compare", "compare", {"lesson": FIRST.id, "at": "5"})
    notes = player.follow_link(session, {"lesson": FIRST.id, "at": "x"}, SHIPPED, "compare")
    assert player.where(session).index == 0 and notes  # a bad step: the first, with a note
