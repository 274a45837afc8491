"""The shared chart builders give valid Vega-Lite with titled, typed encodings; assert_valid_chart catches misses."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd
import pytest

from helpers import assert_valid_chart
from rnncore.charts import common


@pytest.fixture
def norms() -> pd.DataFrame:
    t = np.arange(6)
    return pd.DataFrame({"t": np.tile(t, 2), "norm": np.concatenate([0.5**t, 1.5**t]),
                         "cell": ["rnn"] * 6 + ["gru"] * 6})


def test_line_chart_is_valid_with_log_y_cell_colours_and_a_rule(norms):
    chart = common.line_chart(norms, x="t:Q", y="norm:Q", title="Gradient norm", x_title="Step t",
                              y_title="‖dL/dh_t‖", color="cell:N", color_title="Cell", cells=True, log_y=True)
    spec = assert_valid_chart(chart + common.hrule(1.0, label="no change", y_title="‖dL/dh_t‖", log_y=True))
    line = spec["layer"][0]
    assert line["encoding"]["y"]["scale"]["type"] == "log"
    scale = line["encoding"]["color"]["scale"]
    assert scale["domain"] == ["rnn", "gru"]  # only the cells present, in the fixed order
    assert scale["range"] == [common.CELL_COLORS["rnn"], common.CELL_COLORS["gru"]]
    assert [tip["title"] for tip in line["encoding"]["tooltip"]] == ["Step t", "‖dL/dh_t‖", "Cell"]


def test_heatmap_and_vertical_rule_on_an_ordinal_axis_are_valid(norms):
    chart = common.heatmap(norms, x="t:O", y="cell:N", value="norm:Q", title="Norms", x_title="Step t",
                           y_title="Cell", value_title="‖dL/dh_t‖", log_color=True)
    spec = assert_valid_chart(chart + common.vrule(3, label="now", x_title="Step t", kind="O"))
    assert spec["layer"][0]["mark"]["type"] == "rect"
    assert spec["layer"][0]["encoding"]["color"]["scale"]["type"] == "log"


def test_untyped_fields_and_untitled_colours_are_refused(norms):
    with pytest.raises(ValueError, match="explicit type"):
        common.line_chart(norms, x="t", y="norm:Q", title="x", x_title="t", y_title="n")
    with pytest.raises(ValueError, match="explicit type"):
        common.vrule(1, label="x", x_title="t", kind="X")
    with pytest.raises(ValueError, match="color_title"):
        common.line_chart(norms, x="t:Q", y="norm:Q", title="x", x_title="t", y_title="n", color="cell:N")


def test_assert_valid_chart_catches_an_untitled_field_and_an_invalid_spec(norms):
    untitled = alt.Chart(norms).mark_line().encode(x=alt.X("t:Q", title="Step"), y="norm:Q")
    with pytest.raises(AssertionError, match="encoding.y"):
        assert_valid_chart(untitled)
    invalid = alt.Chart(norms).mark_line().encode(x=alt.X("t:Q", title="Step"), y=alt.Y("norm:Q", title="n"))
    invalid.height = "tall"  # attributes set after construction are checked only by to_dict()
    with pytest.raises(alt.utils.schemapi.SchemaValidationError):
        assert_valid_chart(invalid)


def test_drawable_drops_and_counts_what_a_chart_cannot_show():
    frame = pd.DataFrame({"t": [0, 1, 2, 3, 4], "norm": [1.0, np.inf, np.nan, 0.0, 2.0]})
    kept = common.drawable(frame, ["norm"])
    assert kept.dropped == 2 and kept.frame["t"].tolist() == [0, 3, 4]
    positive = common.drawable(frame, ["norm"], positive=True)
    assert positive.dropped == 3 and positive.frame["t"].tolist() == [0, 4]
