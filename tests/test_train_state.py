"""The Train feature's one state object (explorer.ui.train.state): one TrainTab per browser tab's session."""

from __future__ import annotations

from explorer.ui.train import state


def test_a_tab_keeps_one_train_state_and_a_stray_value_is_replaced():
    session = {}
    mine = state.tab(session)
    assert session[state.KEY] is mine and len(mine.id) == 32 and not mine.active and mine.saved is None
    mine.saved, mine.active = "reverse/mine", True
    assert state.tab(session) is mine and state.tab(session).saved == "reverse/mine"
    assert state.tab({}).id != mine.id  # another tab, other trainings
    session[state.KEY] = "an id an older version kept"  # not a TrainTab: a new one, never a crash
    assert isinstance(state.tab(session), state.TrainTab) and state.tab(session).id != mine.id
