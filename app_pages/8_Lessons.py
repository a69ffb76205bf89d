"""Lessons: guided tours of the app. The list of lessons, then the player: a step's text,
its view (embedded, or a link that opens it on its page), its question, Back / Next.

Wiring only: the logic is in explorer.lessons.player (plain Python, tested without a browser), the
sections in explorer.ui.lesson_player. The URL keeps the lesson and the step: ?lesson=<id>&at=<step>.
"""

import streamlit as st

from explorer.i18n import N_
from explorer.lessons import player
from explorer.lessons.listing import catalog
from explorer.ui import frame, lesson_player, sharing

projecting = frame.page(N_("Lessons"), N_("Lessons"), view="lessons")
teacher = lesson_player.teacher_toggle()

lessons, problems = catalog()  # read on every run: a teacher's new file appears at once
lesson, index, notes = player.opened(st.session_state, st.query_params.to_dict(), lessons)
sharing.publish(player.PAGE, player.position_link(lesson, index))
lesson_player.link_notes(notes)

if lesson is None:
    lesson_player.lesson_list(lessons, problems)
else:
    lesson_player.player_view(lesson, index, projecting, teacher)
