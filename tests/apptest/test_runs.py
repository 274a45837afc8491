"""app.runs, the one behaviour of every training button, on a tiny script: estimate before the click, shipped or
train, remembered, stopped runs that never restart by themselves, the confirm step over the budget."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from apptest.conftest import TIMEOUT


def script():
    import streamlit as st
    from streamlit.runtime.scriptrunner_utils.script_run_context import (
        get_script_run_ctx,
    )

    from app import runs
    from rnncore.experiments import effort

    calls = st.session_state.setdefault("calls", [])
    settings = st.session_state.get("settings", 1)

    def job(report):
        calls.append(settings)
        for k in range(1, 11):
            if k == 4 and st.session_state.get("gone"):  # the tab closes: Streamlit asks the script run to stop
                get_script_run_ctx().script_requests.request_stop()
            report(10 * k, 100, {"loss": 1.0 / k})
        return f"result of settings {settings}"

    unit = effort.Piece("tick", st.session_state.get("units", 100), lambda: (lambda: None))
    res = runs.one("demo", "train", runs.Part(("settings", settings), job, lambda: [unit], 100), label="Train",
                   what="Ticking", shipped=st.session_state.get("shipped", False),
                   budget=st.session_state.get("budget", 60.0))
    st.text(f"result: {res}")
    st.text(f"calls: {len(calls)}")


def _at(**state) -> AppTest:
    at = AppTest.from_function(script, default_timeout=TIMEOUT)
    for key, value in state.items():
        at.session_state[key] = value
    return at.run()


def _text(at) -> str:
    return " ".join(t.value for t in at.text)


def _captions(at) -> str:
    return " ".join(c.value for c in at.caption)


def test_the_estimate_shows_before_the_click_and_a_click_trains_once_then_the_result_is_remembered():
    at = _at()
    assert not at.exception
    assert "on this machine now" in _captions(at) and "result: None" in _text(at)
    at.button(key="train").click().run()
    assert not at.exception
    assert "result: result of settings 1" in _text(at) and "calls: 1" in _text(at)
    assert "Shown: your live run of these settings" in _captions(at)
    at.run()  # a rerun shows it again, without training
    assert "calls: 1" in _text(at) and "result: result of settings 1" in _text(at)
    at.session_state["settings"] = 2
    at.run()
    assert "result: None" in _text(at) and "calls: 1" in _text(at)  # new settings: a button, no training


def test_a_run_whose_session_goes_stops_at_its_next_chunk_and_a_rerun_does_not_restart_it():
    at = _at(gone=True)
    at.button(key="train").click().run()
    assert "calls: 1" in _text(at) or not at.text  # the stopped script run drew nothing after the bar
    at.session_state["gone"] = False
    at.run()  # the visitor comes back: the run is stopped, not restarted
    assert not at.exception
    assert "calls: 1" in _text(at) and "result: None" in _text(at)
    assert [w.value for w in at.warning] == ["Stopped at step 40 of 100; press **Train** to start again."]
    at.run()
    assert "calls: 1" in _text(at)
    at.button(key="train").click().run()  # a click starts it again
    assert "calls: 2" in _text(at) and "result: result of settings 1" in _text(at)


def test_at_the_shipped_settings_the_button_says_so_and_recomputes_live():
    at = _at(shipped=True)
    assert "Shown: the shipped run for these settings." in _captions(at)
    assert at.button(key="train").label == "Recompute live"
    at.button(key="train").click().run()
    assert "result: result of settings 1" in _text(at) and "Shown: your live run" in _captions(at)


def test_a_run_over_the_budget_asks_first_and_cancel_starts_nothing():
    at = _at(units=10**9, budget=1.0)  # a billion units of a tiny probe: over a budget of 1 s
    assert "over the page's budget of 1 s: it asks first." in _captions(at)
    at.button(key="train").click().run()
    assert "calls: 0" in _text(at) and any("Start it?" in w.value for w in at.warning)
    at.button(key="train-cancel").click().run()
    assert "calls: 0" in _text(at) and not at.warning and at.button(key="train").label == "Train"
    at.button(key="train").click().run()
    at.button(key="train-start").click().run()
    assert "calls: 1" in _text(at) and "result: result of settings 1" in _text(at)


def older_thread_script():
    """A run of these settings is still going in an older script thread of this session (the visitor clicked
    elsewhere): it reaches its next chunk 0.3 s later. The new run waits for it, and shows it stopped."""
    import threading
    import time

    import streamlit as st

    from app import runs
    from rnncore.experiments import effort

    key = ("settings", 1)
    if "older" not in st.session_state:
        entry = runs._Entry("running", done=30, total=100)
        runs._ledger("demo")[("train", key)] = entry
        event = threading.Event()
        runs._ACTIVE[runs._ident("demo", "train", key)] = event

        def older():
            time.sleep(0.3)
            entry.status = "stopped"
            event.set()

        st.session_state["older"] = threading.Thread(target=older)
        st.session_state["older"].start()
    unit = effort.Piece("tick", 100, lambda: (lambda: None))
    calls = st.session_state.setdefault("calls", [])
    res = runs.one("demo", "train", runs.Part(key, lambda report: calls.append(1) or "fresh", lambda: [unit], 100),
                   label="Train", what="Ticking")
    st.text(f"result: {res}; calls: {len(calls)}")


def test_a_run_still_stopping_in_an_older_thread_is_waited_for_and_shown_stopped_not_run_twice():
    at = AppTest.from_function(older_thread_script, default_timeout=TIMEOUT).run()
    assert not at.exception
    assert [w.value for w in at.warning] == ["Stopped at step 30 of 100; press **Train** to start again."]
    assert "calls: 0" in _text(at)
    at.button(key="train").click().run()
    assert "result: fresh; calls: 1" in _text(at)


def shipped_or_live_script():
    import streamlit as st

    from app import runs
    from rnncore.experiments import effort

    shipped = st.session_state.get("shipped")  # the shipped result for these settings, or None
    unit = effort.Piece("tick", 10, lambda: (lambda: None))
    shown, origin = runs.shipped_or_live("demo", "train", runs.Part(("settings", 1), lambda report: "live frames",
                                                                    lambda: [unit], 0),
                                         shipped=shipped, made_by="make demo", label="Train", what="Ticking")
    st.text(f"shown: {shown}; from: {origin}")


def test_shipped_or_live_shows_the_shipped_result_until_a_live_one_is_made():
    at = AppTest.from_function(shipped_or_live_script, default_timeout=TIMEOUT)
    at.session_state["shipped"] = "shipped frames"
    at.run()
    assert "shown: shipped frames; from: shipped run, made by `make demo`" in _text(at)
    assert at.button(key="train").label == "Recompute live"
    at.button(key="train").click().run()
    assert not at.exception and "shown: live frames; from: live run" in _text(at)
    other = AppTest.from_function(shipped_or_live_script, default_timeout=TIMEOUT).run()  # nothing shipped
    assert "shown: None" in _text(other) and other.button(key="train").label == "Train"
