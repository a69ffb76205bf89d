"""The Streamlit-only layer: the server, cached loaders and computations, the page frame, widgets, components."""
