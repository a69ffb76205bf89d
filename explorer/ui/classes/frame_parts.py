"""What a live class adds to every page's frame (explorer.ui.parts): a follower taken to the teacher's page before the
frame draws, the tab's kept class read back, "Start a class" in the sidebar, and under the title the teacher's bar or
a student's banner (which takes a follower to the teacher's view before the page reads its URL)."""

from __future__ import annotations

from explorer.ui.classes import memory, student, teacher
from explorer.ui.parts import Part

PARTS = (
    # A follower whose teacher is on another page goes there before this page draws anything (issue 62: a phone
    # drew the list of lessons again before following the teacher's start to its step's page).
    Part("first", 20, lambda where: student.to_teachers_page(where.view)),
    # After a lesson's pending move (explorer.ui.lessons.frame_parts): the tab's answer reruns the page.
    Part("open", 20, lambda where: memory.remember()),  # a reloaded tab is the teacher or the student it was
    Part("sidebar", 10, lambda where: teacher.sidebar(where.view)),
    Part("under_title", 10, lambda where: teacher.bar(where.view, where.projecting)),  # inside a projector's frame
    Part("under_title", 20, lambda where: student.follow_page(where.view)),
)
