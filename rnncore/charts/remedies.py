"""Charts of the remedy pages: gradient flow through time, clipping on and off, Pascanu's cliff, and the
initializations compared. Pure functions: tidy DataFrame in, ``alt.Chart`` out.
"""
from __future__ import annotations

import altair as alt
import pandas as pd

from rnncore.charts import common

FLOW_TITLE = "‖dL/dh_t‖, from 1 at step T"
#: The clipping runs, in the order they take the category colours on every chart of the clipping page.
RUNS = ["no clipping", "clip by global norm", "clip by value"]
#: The initializations (by label), in the order they take the category colours.
INITS = ["small random (article)", "Xavier", "orthogonal", "identity + ReLU (IRNN)", "Xavier at radius ρ",
         "IRNN trained as Le et al. (SGD, clipped)"]


def run_color() -> alt.Color:
    """The colour encoding of the clipping runs (categories, not model families)."""
    return common.category_color("run:N", title="Run", order=RUNS)


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
