"""The language switch: a sidebar control on every page, the choice kept in the session and the URL.

Which language a run speaks, first that applies:
1. a link's ``lang=zh`` / ``lang=en`` (a shared link opens in the sender's language);
2. the user's choice on the switch, kept for the whole browser session and written into the URL;
3. the browser's preferred language (``st.context.locale``), English when it is none of ours.

An invalid ``lang`` falls back to the browser's language with a note. The switch changes only the
language: the page's view (task, scorer, sentence, step) stays, because the URL keeps it.
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from explorer import i18n
from explorer.i18n import _
from explorer.state import keys

# Both languages' names, so that a reader of either finds the switch.
LABEL = "English / 中文"


def _session_language() -> str | None:
    """The current session's language, or None outside a script run (a server thread, a test)."""
    if get_script_run_ctx(suppress_warning=True) is None:
        return None
    try:
        return st.session_state.get(keys.LANGUAGE)
    except Exception:  # no session behind this context (AppTest teardown): English  # noqa: BLE001
        return None


# Every translation asks the session it runs for, fragments and callbacks included.
i18n.set_language_source(_session_language)


def _switched() -> None:
    """The switch moved: that language is now the user's choice, in the session and in the URL."""
    chosen = st.session_state.get(keys.LANGUAGE_SWITCH)
    if chosen in i18n.LANGUAGES:
        st.session_state[keys.LANGUAGE_CHOICE] = chosen
        st.session_state[keys.LANGUAGE] = chosen
        st.query_params[keys.LANG_PARAM] = chosen


def browser_language() -> str:
    """The interface language the browser prefers (English when it prefers none of ours)."""
    try:
        return i18n.from_browser(st.context.locale)
    except Exception:  # no browser behind this run (AppTest): English  # noqa: BLE001
        return i18n.SOURCE


def choose() -> str | None:
    """Settle this run's language and draw the switch. Returns a note to show, for an invalid ``lang``."""
    state = st.session_state
    note = None
    raw = st.query_params.get(keys.LANG_PARAM)
    if raw is not None:
        parsed = i18n.parse_language(raw)
        if parsed is None:
            state[keys.LANGUAGE_CHOICE] = ""
            del st.query_params[keys.LANG_PARAM]
            note = raw
        else:
            state[keys.LANGUAGE_CHOICE] = parsed
    lang = state.get(keys.LANGUAGE_CHOICE) or browser_language()
    state[keys.LANGUAGE] = lang
    if state.get(keys.LANGUAGE_CHOICE) and raw != lang:  # pages that publish no view keep it in the URL too
        st.query_params[keys.LANG_PARAM] = lang
    state[keys.LANGUAGE_SWITCH] = lang  # the switch shows the language in force, on every page
    st.sidebar.segmented_control(
        LABEL,
        options=list(i18n.LANGUAGES),
        format_func=i18n.LANGUAGES.__getitem__,
        key=keys.LANGUAGE_SWITCH,
        on_change=_switched,
        help=_("The interface language. Model names, tokens and formulas stay as they are."),
    )
    if note is None:
        return None
    return _("The link's language {value!r} is not one of the app's; showing {language}.").format(
        value=note[:20], language=i18n.LANGUAGES[lang]
    )
