"""Streamlit glue for Attention Explorer: cached loaders, URL state, and plotly figure builders.

Figures are pure functions (plain data in, go.Figure out) and state parsing is plain Python, so
both are tested without a browser; pages only wire them to widgets.
"""
