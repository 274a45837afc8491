"""Charts of the engine check page: the relative error of every gradient check, and the PyTorch parity figures.

Pure functions from the frames of :mod:`rnncore.experiments.engine_check` to Altair charts. Both use a log x axis;
an error of exactly 0 (bit-identical) is drawn at :data:`FLOOR`, and its tooltip still shows 0.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from rnncore.charts import common

#: Where an exact 0 is drawn on a log axis: below float64's resolution of 1.1e-16.
FLOOR = 1e-18


def check_errors(table: pd.DataFrame, tolerance: float) -> alt.LayerChart:
    """One point per checked array: relative error (log x) by kind of check, coloured pass/fail, tolerance drawn.

    Args:
        table: kind, case, array, rel_error, passed.
        tolerance: the pass threshold (``gradcheck.TOLERANCE``).
    """
    frame = table[["kind", "case", "array", "rel_error", "passed"]].assign(
        shown=table["rel_error"].clip(lower=FLOOR), result=table["passed"].map({True: "pass", False: "FAIL"}))
    x_title = "Relative error against finite differences (log scale)"
    height = max(common.MIN_HEIGHT, 56 * frame["kind"].nunique())  # room for every label of the band axis
    points = (alt.Chart(frame, title="Every gradient against centered finite differences", height=height)
              .mark_point(filled=True, size=50, opacity=0.7)
              .encode(x=common.qx("shown:Q", x_title, log=True),
                      y=alt.Y("kind:N", title="Check", axis=alt.Axis(labelLimit=260)),
                      yOffset=alt.YOffset("case:N", title="Case"),
                      color=alt.Color("result:N", title="Result", legend=alt.Legend(orient="bottom"),
                                      scale=alt.Scale(domain=["pass", "FAIL"], range=[
                                          common.STATUS_COLORS["pass"], common.STATUS_COLORS["FAIL"]])),
                      tooltip=common.tooltips(("kind:N", "Check"), ("case:N", "Case"), ("array:N", "Array"),
                                              ("rel_error:Q", "Relative error"), ("result:N", "Result"))))
    return points + common.vrule(tolerance, label=f"tolerance {tolerance:g}", x_title=x_title)


def parity(frame: pd.DataFrame) -> alt.Chart:
    """Relative difference to torch.nn per case and quantity, log x (frame: case, quantity, rel_diff)."""
    shown = frame.assign(shown=frame["rel_diff"].clip(lower=FLOOR))
    x_title = "Relative difference to PyTorch (log scale)"
    height = max(common.MIN_HEIGHT, 30 * shown["quantity"].nunique())
    return (alt.Chart(shown, title="rnncore against torch.nn.RNN / LSTM / GRU, float64", height=height)
            .mark_point(filled=True, size=60)
            .encode(x=common.qx("shown:Q", x_title, log=True),
                    y=alt.Y("quantity:N", title="Quantity"),
                    color=common.category_color("case:N", title="Case", order=list(dict.fromkeys(shown["case"]))),
                    tooltip=common.tooltips(("case:N", "Case"), ("quantity:N", "Quantity"),
                                            ("rel_diff:Q", "Relative difference"))))
