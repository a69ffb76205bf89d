"""Attention Explorer's entry point (`streamlit run app.py`): it declares the app's pages to Streamlit
and runs the one the address asks for. The pages, their scripts in app_pages/ and their addresses are
declared once, in explorer/state/pages.py; the home page is app_pages/0_Home.py.

`streamlit run` imports this file as a module (`app`) and serves `app`, an st.App: Streamlit's own server
plus the live classes' event stream (explorer.ui.classes.stream), the security headers on every answer
(explorer.ui.server.headers), the member id cookie (explorer.classrooms.member_ids) and the per-session and
per-address rate limits (explorer.classrooms.flood). Every page run executes it
as ``__main__``, which runs the page in its turn (explorer.classrooms.runs: a teacher's first)."""

import streamlit as st

if __name__ == "__main__":  # a page run, in its turn (a teacher's first: explorer.ui.classes.turns)
    from explorer.ui.classes.turns import turn
    from explorer.ui.shell import navigation

    with turn():
        navigation.run()
else:  # imported by `streamlit run` (uvicorn): the server
    from starlette.middleware import Middleware

    from explorer.classrooms.flood import SessionRateLimit
    from explorer.classrooms.member_ids import MemberCookie
    from explorer.ui.classes.state import ids
    from explorer.ui.classes.stream import routes
    from explorer.ui.server.headers import SecurityHeaders

    middleware = [Middleware(SecurityHeaders), Middleware(MemberCookie, ids=ids), Middleware(SessionRateLimit)]
    app = st.App(__file__, routes=routes(), middleware=middleware)
