"""The classroom load test, quick mode (bench/load_test.py --quick): 5 sessions stepping for 20 s.

Runs in-process against a server started like the other browser tests (loopback, headless),
over small untrained models so that the server's work per step is small and the test is about
the app holding up: no errors, every session keeps getting answers, each model loaded once,
memory under 2 GB. The full 30-session run is `python -m bench.load_test` (not a test).
"""

from __future__ import annotations

import shutil

import pytest

from bench import load_test
from bench.app_speed import Server
from tests.hostile import small_registry


def test_five_sessions_keep_getting_answers(tmp_path) -> None:
    if shutil.which("chromium") is None:
        pytest.skip("system Chromium not found (run scripts/install_chromium.sh)")
    env = {"ATTENTION_EXPLORER_PRETRAINED": str(small_registry()), "ATTENTION_EXPLORER_USER_MODELS": str(tmp_path)}
    with Server(env, log_dir=tmp_path) as server, pytest.MonkeyPatch.context() as patch:
        patch.setenv("ATTENTION_EXPLORER_PRETRAINED", env["ATTENTION_EXPLORER_PRETRAINED"])
        result = load_test.run(sessions=5, duration=20.0, server=server, step_timeout=30.0)
        if result["errors"] and all(_frontend_race(m) for m in result["error_messages"]):
            # A known, open glitch (docs/performance.md, "Known problems"): in about one quick run in
            # four, Streamlit's frontend drops a Reset that arrives while the Step before it is still
            # streaming its fragment ("Bad delta path index"). One more run must be clean.
            load_test.print_report(result)
            result = load_test.run(sessions=5, duration=20.0, server=server, step_timeout=30.0)
    load_test.print_report(result)
    assert result["errors"] == 0, result["error_messages"]
    assert result["fewest_answers_last_half"] >= 1, result["per_session"]
    assert result["peak_rss_mb"] <= load_test.RSS_MB
    loads = result["model_loads"]["log"]
    assert loads and all(count == 1 for count in loads.values()), loads
    # The server loads every registered model before it answers (explorer.ui.serve), each once.
    assert {f"dates/{p['scorer']}" for p in result["per_session"]} <= set(loads)
    assert result["model_loads"]["cache_resource"]["computed"] == len(loads)  # misses may wait on one load


def _frontend_race(message: str) -> bool:
    """Whether a session's error is the frontend dropping a Reset mid-fragment (see above)."""
    return "Bad delta path index" in message or "Reset was not answered" in message
