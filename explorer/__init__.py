"""The app's code in layers: ui (Streamlit only) on views (per-page logic), figures and training, on state.

Imports point one way (tests/test_import_graph.py): a module imports from its own layer and the
layers below it, never above; only ui/ imports streamlit. Everything below ui/ is plain Python,
tested without a browser; app_pages/ only wire it to widgets.
"""
