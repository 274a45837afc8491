"""Charts are cached by what they draw (app.ui.chart): two different frames never share a spec, the same content
always does, and nothing without content (a closure, an object known only by its address) can be part of a key."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from app import ui
from rnncore.charts import basics as basics_charts
from rnncore.charts import gradients as gradient_charts


def _norms(scale: float = 1.0) -> pd.DataFrame:
    t = np.arange(1, 6)
    return pd.DataFrame({"radius": np.repeat([0.9, 1.1], 5), "t": np.tile(t, 2),
                         "grad_norm": np.concatenate([0.9 ** t, 1.1 ** t]) * scale, "in_lines": True})


def test_the_key_follows_the_content_not_the_object():
    frame = _norms()
    assert ui.chart_key(gradient_charts.norms_by_t, frame) == ui.chart_key(gradient_charts.norms_by_t, frame.copy())
    changed = frame.copy()
    changed.loc[3, "grad_norm"] *= 1 + 1e-12  # one cell, in its last bits
    assert ui.chart_key(gradient_charts.norms_by_t, changed) != ui.chart_key(gradient_charts.norms_by_t, frame)


@pytest.mark.parametrize("change", [
    lambda f: f.rename(columns={"grad_norm": "norm"}),        # same cells, another column name
    lambda f: f.astype({"radius": "float32"}),                # same values, another dtype
    lambda f: f.iloc[::-1],                                   # same rows, another order
    lambda f: f.iloc[:-1],                                    # one row fewer
    lambda f: f.set_axis(range(10, 20)),                      # another index
])
def test_frames_that_differ_in_any_way_get_different_keys(change):
    frame = _norms()
    assert ui.chart_key(gradient_charts.norms_by_t, change(frame)) != ui.chart_key(gradient_charts.norms_by_t, frame)


def test_the_builder_and_every_argument_are_in_the_key():
    hidden = pd.DataFrame({"t": [1, 1, 2, 2], "unit": [0, 1, 0, 1], "h": [0.1, -0.2, 0.3, 0.4]})
    keys = {ui.chart_key(basics_charts.state_heatmap, hidden, 1), ui.chart_key(basics_charts.state_heatmap, hidden, 2),
            ui.chart_key(basics_charts.input_at, hidden.rename(columns={"unit": "channel", "h": "x"}), 1),
            ui.chart_key(basics_charts.state_heatmap, hidden, t=1)}
    assert len(keys) == 4
    cfg = dataclasses.make_dataclass("Cfg", [("lr", float)], frozen=True)
    assert ui.chart_key(basics_charts.state_heatmap, cfg(0.1)) != ui.chart_key(basics_charts.state_heatmap, cfg(0.2))


def test_closures_and_contentless_arguments_are_refused():
    frame = _norms()
    with pytest.raises(ValueError, match="module-level"):
        ui.chart_key(lambda df: gradient_charts.norms_by_t(df), frame)
    with pytest.raises(TypeError, match="no content"):
        ui.chart_key(gradient_charts.norms_by_t, frame, object())
    with pytest.raises(TypeError, match="no content"):
        ui.chart_key(gradient_charts.norms_by_t, frame, len)


def test_two_frames_drawn_in_one_run_draw_their_own_data_and_both_have_captions():
    def script():
        import numpy as np
        import pandas as pd

        from app import ui
        from rnncore.charts import basics

        outputs = pd.DataFrame({"t": [1, 2, 3], "output": ["0"] * 3, "y": [0.5, 0.25, 0.125]})
        ui.chart(basics.outputs_over_time, outputs, 1, caption="first")
        ui.chart(basics.outputs_over_time, outputs.assign(y=-outputs["y"]), 1, caption="second")
        ui.chart(basics.outputs_over_time, outputs, 1, caption="first again")
        try:
            ui.chart(basics.outputs_over_time, outputs, 1, caption=" ")
        except ValueError as err:
            import streamlit as st
            st.write(f"refused: {err}")
        del np

    from apptest.conftest import chart_data, charts

    at = AppTest.from_function(script, default_timeout=60).run()
    assert not at.exception
    drawn = [chart_data(c)[0]["y"].tolist() for c in charts(at)]
    assert drawn == [[0.5, 0.25, 0.125], [-0.5, -0.25, -0.125], [0.5, 0.25, 0.125]]
    assert [c.value for c in at.caption] == ["first", "second", "first again"]
    assert any("needs a caption" in m.value for m in at.markdown)
