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


def test_a_next_between_two_steps_on_one_page_is_not_read_back_as_a_link_to_the_step_before():
    """Issue 62 (the full lecture walk, lesson 6 in Chinese on a busy machine): Next from Timelapse step 2 to step 3;
    step 3's first run is cut short by a rerun the browser asked for with step 2's URL, before it heard of the
    switch. That URL is not a link back to step 2, and the switch is made again."""
    lesson = SHIPPED["6-watching-attention-learn"]
    assert lesson.steps[1].page == lesson.steps[2].page == "timelapse"
    session: dict = {}
    step2, step3 = {"lesson": lesson.id, "at": "2"}, {"lesson": lesson.id, "at": "3"}
    player.go(session, lesson.id, 1)
    player.move(session, lesson.id, 2)  # Next
    assert player.pending(session, "timelapse", "timelapse", step2)  # the switch, asked from step 2's URL
    assert not player.pending(session, "timelapse", "timelapse", step3)  # step 3's first run
    assert player.follow_link(session, step2, SHIPPED, "timelapse") == ()  # the rerun with step 2's URL: no link
    assert player.where(session).index == 2
    assert player.pending(session, "timelapse", "timelapse", step2)  # it switches again
    assert not player.pending(session, "timelapse", "timelapse", step3)
    assert not player.pending(session, "timelapse", "timelapse", step3)  # a second run there: the browser is there
    assert player.tab(session).go is None
    player.follow_link(session, step2, SHIPPED, "timelapse")  # step 2's URL now is a link (the browser's Back)
    assert player.where(session).index == 1
