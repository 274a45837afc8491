"""Charts of the Gradient clipping page: the same run with and without clipping (loss and gradient norm, clip
events marked), and Pascanu's cliff with the descents across it; its lag charts come from the Long-term page.
"""
from __future__ import annotations

import altair as alt
import pandas as pd

from rnncore.charts import common
from rnncore.charts.long_term import ratio_vs_lag, success_vs_lag  # noqa: F401 - the page's lag charts

#: The clipping runs, in the order they take the category colours on every chart of the clipping page.
RUNS = ["no clipping", "clip by global norm", "clip by value"]


def run_color() -> alt.Color:
    """The colour encoding of the clipping runs (categories, not model families)."""
    return common.category_color("run:N", title="Run", order=RUNS)


def clip_loss_chart(curves: pd.DataFrame, *, baseline: float) -> alt.LayerChart:
    """Training loss of each clipping mode (log scale), with the baseline."""
    data = common.drawable(curves[["step", "loss", "run"]], ["loss"], positive=True).frame
    lines = common.line_chart(data, x="step:Q", y="loss:Q", color="run:N", color_title="Run", log_y=True,
                              title="Training loss, same seed", x_title="Training step",
                              y_title="Loss (training batch)").encode(color=run_color())
    return lines + common.hrule(baseline, label=f"baseline {baseline:.4g} (best constant answer)",
                                y_title="Loss (training batch)", log_y=True)


def clip_norm_chart(curves: pd.DataFrame, *, threshold: float) -> alt.LayerChart:
    """The global gradient norm *before* clipping at every step (log scale), clip events as points, and the
    threshold as a line (it bounds the global norm only in the "clip by global norm" run)."""
    y_title = "Gradient norm before clipping"
    data = common.drawable(curves[["step", "grad_norm", "clipped", "run"]], ["grad_norm"], positive=True).frame
    lines = common.line_chart(data, x="step:Q", y="grad_norm:Q", color="run:N", color_title="Run", log_y=True,
                              title="Gradient norm before clipping; dots mark clipped steps",
                              x_title="Training step", y_title=y_title).encode(color=run_color())
    events = alt.Chart(data[data["clipped"]]).mark_point(filled=True, size=22).encode(
        x=common.qx("step:Q", "Training step"), y=common.qy("grad_norm:Q", y_title, log=True),
        color=run_color(),
        tooltip=common.tooltips(("step:Q", "Step"), ("grad_norm:Q", "Norm before clipping"), ("run:N", "Run")))
    return lines + events + common.hrule(threshold, label=f"clipping threshold {threshold:g}", y_title=y_title,
                                         log_y=True)


def cliff_chart(surface: pd.DataFrame, paths: pd.DataFrame) -> alt.LayerChart:
    """The loss surface E(w, b) as a heatmap, with the descent paths drawn over it (only their points on the map).

    Args:
        surface: w_lo, w_hi, b_lo, b_hi, w, b, loss, grad_norm (see ``clipping.cliff``).
        paths: run, k, w, b, loss, grad_norm, clipped, on_map.
    """
    x, y = common.qx("w_lo:Q", "Recurrent weight w"), common.qy("b_lo:Q", "Bias b")
    heat = alt.Chart(surface, title="Pascanu's cliff: E(w, b) after 50 steps, and gradient descent on it",
                     height=420).mark_rect().encode(
        x=x, x2=alt.X2("w_hi:Q", title="Recurrent weight w"), y=y, y2=alt.Y2("b_hi:Q", title="Bias b"),
        color=alt.Color("loss:Q", title="Loss E", scale=alt.Scale(scheme=common.SEQUENTIAL)),
        tooltip=common.tooltips(("w:Q", "w"), ("b:Q", "b"), ("loss:Q", "E"), ("grad_norm:Q", "‖∇E‖")))
    on_map = paths[paths["on_map"]]
    px, py = common.qx("w:Q", "Recurrent weight w"), common.qy("b:Q", "Bias b")
    runs = list(dict.fromkeys(on_map["run"]))
    colour = alt.Color("run:N", title="Descent", scale=alt.Scale(
        domain=runs, range=list(common.ON_HEATMAP_COLORS[:len(runs)])))
    path_tips = common.tooltips(("run:N", "Descent"), ("k:Q", "Step"), ("w:Q", "w"), ("b:Q", "b"), ("loss:Q", "E"),
                                ("grad_norm:Q", "‖∇E‖ before clipping"))
    line = alt.Chart(on_map).mark_line(strokeWidth=2).encode(x=px, y=py, color=colour, order="k:Q",
                                                             tooltip=path_tips)
    dots = alt.Chart(on_map).mark_point(size=18, filled=True).encode(x=px, y=py, color=colour, tooltip=path_tips)
    start = alt.Chart(paths[paths["k"] == 0].head(1)).mark_point(shape="diamond", size=160, filled=True,
                                                                  color=common.ON_HEATMAP_COLORS[-1]).encode(
        x=px, y=py, tooltip=common.tooltips(("w:Q", "Start w"), ("b:Q", "Start b")))
    return alt.layer(heat, line + dots + start).resolve_scale(color="independent")
