"""Lessons: guided tours of the app. The list of lessons; Start runs one on the real pages, each step on its
own page with the lesson's panel docked there (explorer.ui.lessons.dock).

Wiring only: the logic is in explorer.lessons.player (plain Python, tested without a browser), the
sections in explorer.ui.lessons.player. A link ?lesson=<id>&at=<step> opens that step on its page.
"""

import streamlit as st

from explorer.i18n import N_
from explorer.lessons import player
from explorer.lessons.listing import catalog
from explorer.ui import frame
from explorer.ui.common import sharing
from explorer.ui.lessons import player as lesson_player

frame.page(N_("Lessons"), N_("Lessons"), view="lessons")  # a lesson link opens its step's page from here

lessons, problems = catalog()  # read on every run: a teacher's new file appears at once
sharing.publish(player.PAGE, {})
lesson_player.link_notes(player.link_notes(st.session_state))
lesson_player.lesson_list(lessons, problems)
