"""The frame every page opens with: browser title, the sidebar's page links, presentation mode, the heatmaps'
colour scale, the page title."""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from explorer.i18n import N_, _
from explorer.i18n.errors import message_of
from explorer.state import catalog, keys, owner
from explorer.ui.common.loaders import require_registry
from explorer.ui.common.markdown import escape_markdown
from explorer.ui.parts import PLACES, Where, discover
from explorer.ui.shell import chrome, colors, focus, language, layout, navigation, pieces, presentation
from seq2seq.registry import CheckpointError

APP_NAME = N_("Attention Explorer")


def page(
    title: str,
    tab_title: str | None = None,
    needs_registry: bool = True,
    icon: str | None = None,
    view: str | None = None,
    page_name: str | None = None,
) -> bool:
    """Open a page: its browser tab reads "<tab_title> · Attention Explorer", then the sidebar (the
    language switch first), then `title`. `title` and `tab_title` are English, marked with N_: they are
    translated here, once the run's language is settled. Stops the page with a clear message when it
    needs the model registry and that cannot be read. Returns whether presentation mode is on (its
    toggle is in the sidebar of every page, with the heatmaps' colour scale below it).

    `view`: the page's name for a live class (explorer.classrooms.store.PAGES): its sidebar offers "Start a
    class"; a student following a teacher is taken to the teacher's page and view before the page reads
    its URL (explorer.ui.classes.student).

    `page_name`: the page's name in explorer.state.pages where it is not `view` (a page no class shows): a running
    lesson's panel is docked on every page, under the title and the class's bars (explorer.ui.lessons.dock),
    and a lesson's move opens its step's page from here, before the page reads its URL.

    What a feature adds to every page (a class's bar, a lesson's panel) is the feature's own `frame_parts`,
    which the frame takes without importing the feature (explorer.ui.parts)."""
    _mark_run()
    note = language.choose()
    name = _(APP_NAME)
    st.set_page_config(page_title=f"{_(tab_title)} · {name}" if tab_title else name, page_icon=icon, layout="wide")
    for part in discover()["first"]:  # a part that leaves for another page does it before anything is drawn here
        part.draw(Where(view, page_name or view, None))
    with st.container(key=layout.HEAD_KEY):  # the page's first element, whatever the frame draws in it
        projecting = _frame(title, needs_registry, view, page_name, note)
    return projecting


def _frame(title: str, needs_registry: bool, view: str | None, page_name: str | None, note: str | None) -> bool:
    """What `page` draws, inside its one container: everything after it has the same place in every run."""
    focus.show()  # a visible focus ring for keyboard users, on every page
    navigation.sidebar()
    projecting = presentation.toggle()
    # A second call changes only the sidebar: collapsed on a projector (the frontend acts when the
    # value changes, so a sidebar the teacher opens again stays open until the mode is switched).
    st.set_page_config(initial_sidebar_state=presentation.SIDEBAR if projecting else "auto")
    colors_note = colors.choose()
    pieces.toggle()
    layout.compact_top(projecting)  # one header height on every page
    chrome.mount()  # <html lang>, and Streamlit's and plotly's own words in the page's language
    if needs_registry:
        require_registry()
    announce_registry_notes()
    st.title(_(title))
    if note:
        st.warning(note)
    if colors_note:  # the link's value, escaped
        st.warning(escape_markdown(message_of(colors_note)))
    where, parts = Where(view, page_name or view, projecting), discover()
    for place in PLACES[1:]:  # what the features add (explorer.ui.parts): a lesson's move, a class's bar, …
        for part in parts[place]:
            part.draw(where)
    return projecting


def announce_registry_notes() -> None:
    """Say once per browser session, in a toast that stays until it is closed, why saved models are
    missing from the model lists (a broken user manifest, a user models folder inside pretrained/)."""
    try:
        messages = catalog.notes()
    except CheckpointError:  # the shipped registry itself is broken: the page says so
        return
    shown = st.session_state.setdefault(keys.REGISTRY_NOTES_SHOWN, [])
    for message in messages:
        if message not in shown:
            shown.append(message)
            reason = _note(message)
            st.toast(_("Saved models are left out: {reason}").format(reason=reason), icon="⚠️", duration="infinite")


def _note(message: object) -> str:
    """A registry note in the current language: a marked template with its values (the library's
    errors' convention, explorer.i18n.errors), else the note itself, translated if it is a marked message."""
    if isinstance(getattr(message, "template", None), str) and isinstance(getattr(message, "params", None), dict):
        return message_of(message)
    text = str(message)
    return _(text) if text else text


def _mark_run() -> None:
    """A run that arrives at the page (the session's first here, another page's before, the browser's Back or
    Forward) reads the page's URL as a link (explorer.state.owner.reopen); every other run leaves it unread."""
    ss, ctx = st.session_state, get_script_run_ctx(suppress_warning=True)
    here = ctx.page_script_hash if ctx is not None else None
    if ss.get(keys.RUN_PAGE) != here or (ctx is not None and ctx.is_history_navigation):
        owner.reopen(ss)
        ss[keys.RUN_PAGE] = here
