"""Attention Explorer's entry point (`streamlit run app.py`): it declares the app's pages to Streamlit
and runs the one the address asks for. The pages, their scripts in app_pages/ and their addresses are
declared once, in explorer/state/pages.py; the home page is app_pages/0_Home.py."""

from explorer.ui import navigation

navigation.run()
