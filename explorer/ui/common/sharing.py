"""Publishing a page's view: into the address bar (a share link) and, for a class's teacher, to the room.

Every page calls `publish` once its view is drawn; that is the one way a view leaves the page, so reading a
page from the top down shows where its view goes (no listener registered anywhere).
"""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st

from explorer.state import link
from explorer.ui.classes import teacher as class_teacher


def publish(page: str, params: Mapping[str, str]) -> None:
    """`page`'s view as its link's parameters (explorer.state.view.link_params): into the URL when it changed
    (explorer.state.link.publish), then to the class when this session teaches one, or, for a follower, the
    note that it now explores on its own (explorer.ui.classes.teacher.send_view)."""
    link.publish(st.session_state, st.query_params, page, params)
    class_teacher.send_view(st.session_state, page, dict(params))
