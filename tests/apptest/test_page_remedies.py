"""The remedy pages (LSTM & GRU, gradient clipping, initialization): default views from the shipped files, every
control, the training buttons with a tiny budget and bad links. Their snippets are checked against the screen in
test_snippets.py."""

from __future__ import annotations

import pytest

from apptest.conftest import assert_ran, charts, keys, open_page

GATES, CLIPPING, INIT = "app/pages/gated_cells.py", "app/pages/clipping.py", "app/pages/initialization.py"
KEYS = {page: keys(page) for page in (GATES, CLIPPING, INIT)}  # widget keys of each page, by control name


def _ok(at):
    assert_ran(at, errors_allowed=False)


def _text(at) -> str:
    return " ".join(m.value for m in at.markdown)


# ---- LSTM & GRU ---------------------------------------------------------------------------------------------------

def test_gates_default_view_shows_the_shipped_flow_before_and_after_training():
    at = open_page(GATES)
    _ok(at)
    assert len(charts(at)) == 4  # flow, training curves, loss against lag, success against lag
    assert len(at.metric) == 3
    assert any("shipped run" in c.value for c in at.caption)


def test_gates_controls_rerun_and_the_button_trains_with_a_tiny_budget():
    at = open_page(GATES, query={"steps": "10", "hidden": "8", "T": "20"})
    _ok(at)
    assert any("At initialization only" in i.value for i in at.info)
    assert len(charts(at)) == 3
    for kind, key, value in [("selectbox", "task", "temporal_order"), ("selectbox", "task", "copy_memory"),
                             ("selectbox", "task", "first_element"), ("select_slider", "T", 25),
                             ("select_slider", "hidden", 16), ("radio", "sweep_task", "first_element")]:
        getattr(at, kind)(key=KEYS[GATES](key)).set_value(value).run()
        _ok(at)
        assert getattr(at, kind)(key=KEYS[GATES](key)).value == value, key
    at.select_slider(key=KEYS[GATES]("hidden")).set_value(8).run()
    at.button(key=KEYS[GATES]("train")).click().run()
    _ok(at)
    assert len(charts(at)) == 4 and len(at.metric) == 3
    assert any("live run" in c.value for c in at.caption)


# ---- gradient clipping --------------------------------------------------------------------------------------------

def test_clipping_default_view_shows_the_three_runs_the_sweep_and_the_cliff():
    at = open_page(CLIPPING)
    _ok(at)
    assert len(charts(at)) == 5  # loss, gradient norm, loss and success against lag, the cliff
    assert len(at.metric) == 3
    text = _text(at)
    assert "Does clipping help more as T grows?" in text
    assert "Plain gradient descent" in text and "Clipped gradient descent" in text


def test_clipping_controls_and_the_button_with_a_tiny_budget():
    at = open_page(CLIPPING, query={"steps": "10", "T": "10"})
    _ok(at)
    assert any("on this machine now" in c.value for c in at.caption)  # the estimate, before the click
    at.button(key=KEYS[CLIPPING]("train")).click().run()
    _ok(at)
    assert len(charts(at)) == 5 and any("live run" in c.value for c in at.caption)
    for kind, key, value in [("select_slider", "lr", 0.1), ("select_slider", "threshold", 0.1),
                             ("slider", "w0", 6.0), ("slider", "b0", -3.5), ("select_slider", "cliff_lr", 1.0),
                             ("select_slider", "cliff_clip", 1.0), ("select_slider", "cliff_steps", 20)]:
        getattr(at, kind)(key=KEYS[CLIPPING](key)).set_value(value).run()
        _ok(at)
        assert getattr(at, kind)(key=KEYS[CLIPPING](key)).value == value, key
    at.button(key=KEYS[CLIPPING]("train")).click().run()  # a large learning rate: whatever happens is shown, not raised
    _ok(at)


# ---- initialization -----------------------------------------------------------------------------------------------

def test_init_default_view_shows_the_flow_and_the_shipped_success():
    at = open_page(INIT)
    _ok(at)
    assert len(charts(at)) == 4  # flow at init, success at the lag, loss and success against lag
    assert any("Shipped sweep, seed 0" in c.value for c in at.caption)


def test_init_controls_and_the_button_with_a_tiny_budget():
    at = open_page(INIT, query={"steps": "10", "T": "10", "hidden": "8"})
    _ok(at)
    assert len(charts(at)) == 3
    for kind, key, value in [("slider", "radius", 1.4), ("select_slider", "T", 25), ("select_slider", "hidden", 16)]:
        getattr(at, kind)(key=KEYS[INIT](key)).set_value(value).run()
        _ok(at)
    at.select_slider(key=KEYS[INIT]("T")).set_value(10).run()
    at.button(key=KEYS[INIT]("train")).click().run()
    _ok(at)
    assert len(charts(at)) == 4 and any("Live run" in c.value for c in at.caption)


@pytest.mark.parametrize("page, query, key, kind, expected", [
    (GATES, {"T": "7"}, "T", "select_slider", 50),
    (CLIPPING, {"w0": "99"}, "w0", "slider", 10.0),
    (INIT, {"radius": "-2"}, "radius", "slider", 0.5),
])
def test_bad_link_values_are_clamped_or_ignored_with_a_note(page, query, key, kind, expected):
    at = open_page(page, query=query)
    _ok(at)
    assert getattr(at, kind)(key=KEYS[page](key)).value == expected
    assert any(("link" in w.value) for w in at.warning)
