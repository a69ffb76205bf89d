"""Streamlit's side of training from the app: which tab asks, whether it is still open, the one job manager."""

from __future__ import annotations

import atexit

import streamlit as st

from explorer.training.manager import JobManager, JobView
from explorer.ui.train import state as train_state


def browser_session_id() -> str | None:
    """The Streamlit session id of the script run calling this (one per browser tab); None outside one."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx(suppress_warning=True)
    return getattr(ctx, "session_id", None) if ctx is not None else None


def streamlit_session_alive(session_id: str) -> bool | None:
    """Whether Streamlit's runtime has `session_id` connected (its tab is open, on any page of the app).

    False from the moment the tab's websocket closes (a closed tab, a reload, a lost network: a
    reconnecting tab comes back under the same id within seconds). None where no runtime serves
    the app (AppTest runs scripts against a stand-in that cannot tell, a plain script has none).
    Safe from any thread (`Runtime.is_active_session`).
    """
    from streamlit.runtime import Runtime

    if not Runtime.exists():
        return None
    try:
        alive = Runtime.instance().is_active_session(session_id)
    except Exception:  # a runtime stopping, or one without sessions
        return None
    return alive if isinstance(alive, bool) else None  # AppTest's stand-in answers with a mock


def shared_manager() -> JobManager:
    """The server's one JobManager, shared by every session (st.cache_resource)."""
    return _training_job_manager()


@st.cache_resource(show_spinner=False)
def _training_job_manager() -> JobManager:
    manager = JobManager(session_alive=streamlit_session_alive)
    atexit.register(manager.shutdown)  # the server stops: end the workers, remove their folders
    return manager


def current_view(manager: JobManager, session: str) -> JobView | None:
    """The browser tab's training (or race) as it is now, None without one: kept alive (its heartbeat),
    its new events read, and the page rerun when it started or ended since the last run (its buttons
    and save form change)."""
    job = manager.job(session)
    if job is None:
        return None
    job.heartbeat()
    job.poll()
    view = job.view()
    if view.active != train_state.tab(st.session_state).active:
        st.rerun()
    return view
