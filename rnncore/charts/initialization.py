"""Charts of the Initialization page: each initialization's held-out loss against the baseline; the gradient flow
and lag charts it shares with the LSTM & GRU and Long-term pages are re-exported here.
"""
from __future__ import annotations

import altair as alt
import pandas as pd

from rnncore.charts import common
from rnncore.charts.gated_cells import flow_chart  # noqa: F401 - the page's flow chart
from rnncore.charts.long_term import ratio_vs_lag, success_vs_lag  # noqa: F401 - the page's lag charts

#: The initializations (by label), in the order they take the category colours.
INITS = ["small random (article)", "Xavier", "orthogonal", "identity + ReLU (IRNN)", "Xavier at radius ρ",
         "IRNN trained as Le et al. (SGD, clipped)"]


def ratio_by_choice(runs: pd.DataFrame, *, title: str) -> alt.LayerChart:
    """Held-out loss / baseline per initialization, as points on a log scale (a ratio has no zero to start a bar
    from), with the baseline and the success line named in the legend."""
    data = common.drawable(runs[["label", "ratio", "verdict"]], ["ratio"], positive=True).frame
    y_title = "Held-out loss / baseline"
    points = alt.Chart(data, title=title, height=300).mark_point(filled=True, size=160).encode(
        x=alt.X("label:N", title="Initialization", sort=INITS, axis=alt.Axis(labelAngle=-15, labelLimit=220)),
        y=common.qy("ratio:Q", y_title, log=True),
        color=common.category_color("label:N", title="Initialization", order=INITS).legend(None),
        tooltip=common.tooltips(("label:N", "Initialization"), ("ratio:Q", "Loss / baseline"),
                                ("verdict:N", "Verdict")))
    return points + common.ref_lines({"baseline": 1.0, "success: below 10% of the baseline": 0.1}, title=y_title,
                                     log=True)
