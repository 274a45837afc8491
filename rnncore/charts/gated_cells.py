"""Charts of the LSTM & GRU page: how much of the last step's gradient reaches each step, per cell. The lag charts
it shares with the Long-term page are re-exported here, so the page imports its own chart module only.
"""
from __future__ import annotations

import altair as alt
import pandas as pd

from rnncore.charts import common
from rnncore.charts.long_term import loss_curve, ratio_vs_lag, success_vs_lag  # noqa: F401 - the page's lag charts

FLOW_TITLE = "‖dL/dh_t‖, from 1 at step T"


def flow_chart(flow: pd.DataFrame, *, color: str = "cell:N", color_title: str = "Cell", cells: bool = True,
               title: str = "How much of the last step's gradient reaches step t",
               order: list[str] | None = None) -> alt.Chart:
    """||dL/dh_t|| against t (log scale), one line per colour value; a dashed line for the stage
    "at initialization" when the frame also holds "after training".

    Args:
        flow: t, norm, lo, hi, stage and the colour field (see ``remedies.flow_frame``); values that cannot be
            drawn on a log scale (0, inf, nan) are left out.
        order: for a colour field other than the cell type, every category in colour order.
    """
    name = common.field(color)[0]
    data = common.drawable(flow, ["norm"], positive=True).frame
    colour = common.color_for(color, color_title, list(dict.fromkeys(data[name])), families=cells, order=order)
    encoding = {
        "x": common.qx("t:Q", "Time step t"),
        "y": common.qy("norm:Q", FLOW_TITLE, log=True),
        "color": colour,
        "tooltip": common.tooltips(("t:Q", "Time step"), ("norm:Q", "Mean ‖dL/dh_t‖"), ("lo:Q", "10% quantile"),
                                   ("hi:Q", "90% quantile"), (color, color_title), ("stage:N", "Stage")),
    }
    if "stage" in data and data["stage"].nunique() > 1:  # dashed before training, solid after
        encoding["strokeDash"] = alt.StrokeDash("stage:N", title="Stage", scale=alt.Scale(
            domain=["at initialization", "after training"], range=[[5, 3], [1, 0]]))
    return alt.Chart(data, title=title, height=320).mark_line(clip=True).encode(**encoding)
