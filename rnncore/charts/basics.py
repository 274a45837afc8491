"""Charts of the RNN basics page: the input at step t, the hidden state over time with t marked, the outputs.

Pure functions from the frames of :mod:`rnncore.experiments.basics` to Altair charts.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from rnncore.charts import common


def input_at(inputs: pd.DataFrame, t: int) -> alt.Chart:
    """Bars of x_t, one per input channel, at step ``t`` (inputs: t, channel, x)."""
    now = inputs[inputs["t"] == t]
    return (alt.Chart(now, title=f"The input at t = {t}: x_t", height=common.MIN_HEIGHT)
            .mark_bar(color=common.CATEGORY_COLORS[3])
            .encode(x=alt.X("channel:O", title="Input channel d", axis=alt.Axis(labelAngle=0)),
                    y=common.qy("x:Q", "x_t[d]", zero=True),
                    tooltip=common.tooltips(("channel:O", "Input channel d"), ("x:Q", "x_t[d]"))))


def state_heatmap(hidden: pd.DataFrame, t: int) -> alt.LayerChart:
    """The hidden state over time, unit x t, on a diverging scale centred at 0, with the column of step ``t`` boxed.

    Args:
        hidden: t, unit, h.
        t: the current step (1..T).
    """
    x = alt.X("t:O", title="Time step t")
    y = alt.Y("unit:O", title="Hidden unit")
    tips = common.tooltips(("t:O", "Time step t"), ("unit:O", "Hidden unit"), ("h:Q", "h_t[unit]"))
    cells = (alt.Chart(hidden, title=f"Hidden state over time (H × T), step t = {t} boxed", height=320)
             .mark_rect()
             .encode(x=x, y=y, tooltip=tips,
                     color=alt.Color("h:Q", title="h_t[unit]", scale=common.diverging((-1, 1)))))
    box = (alt.Chart(hidden[hidden["t"] == t])
           .mark_rect(filled=False, stroke="black", strokeWidth=2)
           .encode(x=x, y=y, tooltip=tips))
    return cells + box


def outputs_over_time(outputs: pd.DataFrame, t: int) -> alt.LayerChart:
    """The readout y_t over time, one line per output, with the current step marked (outputs: t, output, y)."""
    lines = common.line_chart(outputs, x="t:Q", y="y:Q", color="output:N", color_title="Output", points=True,
                              title="Outputs over time: y_t = h_t W_y + b_y", x_title="Time step t",
                              y_title="y_t[output]", height=280)
    return lines + common.vrule(t, label=f"the step shown, t = {t}", x_title="Time step t")
