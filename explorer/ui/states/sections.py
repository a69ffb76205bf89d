"""The Hidden states page's sections below its figure: the basis line and the nearest-neighbours table."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from explorer import i18n
from explorer.i18n import _
from explorer.ui.shell import layout
from explorer.views import hidden_states as states_view
from seq2seq.projection import METRICS


def basis_caption(space, current: int | None) -> None:
    """What the projection's basis is: how many reference states and sentences, and the variance share
    each component explains; at step 0 also why no state is highlighted."""
    basis = {
        "states": len(space.sample),
        "sentences": len(space.sample.sentences),
        # Translators: what separates the items of a list ("46%, 21%, 9%").
        "shares": _(", ").join(i18n.percent(r, 0) for r in space.basis.explained_ratio),
    }
    if current is not None:
        line = _(
            "Basis: {states} states of {sentences} reference sentences; components explain {shares} of their variance."
        )
    else:
        line = _(
            "Basis: {states} states of {sentences} reference sentences; components explain {shares} of their"
            " variance. Step 0: nothing decoded yet, so no state is highlighted."
        )
    st.caption(line.format(**basis))


def neighbours(states, space, name: str, step: int, current: int | None) -> None:
    """The chosen state's nearest neighbours in the reference sample, by the chosen distance."""
    st.header(_("Nearest neighbours in the reference sample"))
    choices = states_view.state_choices(states)
    default = choices.index(("decoder", current)) if current is not None else 0
    left, middle, right = st.columns([2, 1, 1])
    choice = left.selectbox(
        _("State"),
        choices,
        index=default,
        format_func=i18n.in_current_language(lambda ch: states_view.choice_label(states, ch)),
        key=f"hs_state_{name}_{step}",
    )
    metric = middle.radio(
        _("Distance"),
        METRICS,
        horizontal=True,
        key="hs_metric",
        format_func=i18n.in_current_language(lambda metric: _(states_view.METRIC_LABELS.get(metric, metric))),
        help=_("cosine: 1 − cos(x, y), direction only; euclidean: ‖x − y‖."),
    )
    k = right.number_input(_("How many"), 1, 50, 8, key="hs_k")
    rows = states_view.neighbour_rows(space, states_view.vector(states, choice), k=int(k), metric=metric)
    st.dataframe(pd.DataFrame(rows), hide_index=True, placeholder=layout.MISSING)
