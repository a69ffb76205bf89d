"""A stand-in for the Train page's running race, for tests/e2e/test_dense_labels_browser.py: the race's grid
of probe heatmaps (explorer.ui.train.race.probe_grid) with each shipped model's untrained epoch 0, the
longest outputs a race shows, beside a sidebar as wide as the app's."""

import streamlit as st

from explorer.state.catalog import default_sentence
from explorer.ui.train import race as race_sections
from explorer.views import timelapse as timelapse_view

st.set_page_config(layout="wide")
st.sidebar.write("Attention Explorer")  # the app's sidebar takes its share of the width
task = st.query_params.get("task", "reverse")
source = default_sentence(task)
race_sections.probe_grid(
    {s: timelapse_view.probe_for(h[0], source) for s, h in timelapse_view.shipped_histories(task).items()}, {}
)
