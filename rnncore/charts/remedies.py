"""Charts of the remedy pages: gradient flow through time, clipping on and off, Pascanu's cliff, and the
initializations compared. Pure functions: tidy DataFrame in, ``alt.Chart`` out.
"""
from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from rnncore.charts import common

FLOW_TITLE = "‖dL/dh_t‖ (unit gradient at the last step)"
#: One colour per clipping run, on every chart of the clipping page.
RUN_COLORS = {"no clipping": "#d94a57", "clip by global norm": "#3b82f6", "clip by value": "#079464"}


#: One colour per initialization (by its label), on every chart of the initialization page.
INIT_COLORS = {"small random (article)": "#f28e2b", "Xavier": "#3b82f6", "orthogonal": "#079464",
               "identity + ReLU (IRNN)": "#d94a57", "Xavier at radius ρ": "#8b5cf6"}


def _palette_color(shorthand: str, title: str, palette: dict[str, str], present) -> alt.Color:
    domain = [v for v in palette if v in set(present)]
    return alt.Color(shorthand, title=title, scale=alt.Scale(domain=domain, range=[palette[v] for v in domain]))


def run_color(runs) -> alt.Color:
    """The colour encoding of the clipping runs present in the data."""
    return _palette_color("run:N", "Run", RUN_COLORS, runs)


def flow_chart(flow: pd.DataFrame, *, color: str = "cell:N", color_title: str = "Cell", cells: bool = True,
               title: str = "How much of the last step's gradient reaches step t",
               palette: dict[str, str] | None = None) -> alt.Chart:
    """||dL/dh_t|| against t (log scale), one line per colour value; a dashed line for the stage
    "at initialization" when the frame also holds "after training".

    Args:
        flow: t, norm, lo, hi, stage and the colour field (see ``remedies.flow_frame``); values that cannot be
            drawn on a log scale (0, inf, nan) are left out.
        palette: {value: colour} for a colour field other than the cell type.
    """
    name = common.field(color)[0]
    data = common.drawable(flow, ["norm"], positive=True).frame
    present = [str(v) for v in data[name].unique()]
    if cells:
        colour = common.cell_color(color, title=color_title, present=present)
    elif palette:
        colour = _palette_color(color, color_title, palette, present)
    else:
        colour = alt.Color(color, title=color_title)
    encoding = {
        "x": alt.X("t:Q", title="Time step t"),
        "y": alt.Y("norm:Q", title=FLOW_TITLE, scale=alt.Scale(type="log")),
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
                              y_title="Loss (training batch)").encode(color=run_color(data["run"]))
    return lines + common.hrule(baseline, label=f"baseline {baseline:.4g}", y_title="Loss (training batch)",
                                log_y=True)


def clip_norm_chart(curves: pd.DataFrame, *, threshold: float) -> alt.LayerChart:
    """The global gradient norm *before* clipping at every step (log scale), clip events as points, and the
    threshold as a line (it bounds the global norm only in the "clip by global norm" run)."""
    y_title = "Global gradient norm before clipping"
    data = common.drawable(curves[["step", "grad_norm", "clipped", "run"]], ["grad_norm"], positive=True).frame
    lines = common.line_chart(data, x="step:Q", y="grad_norm:Q", color="run:N", color_title="Run", log_y=True,
                              title="Gradient norm before clipping; dots mark clipped steps",
                              x_title="Training step", y_title=y_title).encode(color=run_color(data["run"]))
    events = alt.Chart(data[data["clipped"]]).mark_point(filled=True, size=22).encode(
        x=alt.X("step:Q", title="Training step"),
        y=alt.Y("grad_norm:Q", title=y_title, scale=alt.Scale(type="log")),
        color=run_color(data["run"]),
        tooltip=common.tooltips(("step:Q", "Step"), ("grad_norm:Q", "Norm before clipping"), ("run:N", "Run")))
    return lines + events + common.hrule(threshold, label=f"threshold {threshold:g}", y_title=y_title, log_y=True)


def cliff_chart(surface: pd.DataFrame, paths: pd.DataFrame) -> alt.LayerChart:
    """The loss surface E(w, b) as a heatmap, with the descent paths drawn over it (only their points on the map).

    Args:
        surface: w_lo, w_hi, b_lo, b_hi, w, b, loss, grad_norm (see ``clipping.cliff``).
        paths: run, k, w, b, loss, grad_norm, clipped, on_map.
    """
    x, y = alt.X("w_lo:Q", title="Recurrent weight w"), alt.Y("b_lo:Q", title="Bias b")
    heat = alt.Chart(surface, title="Pascanu's cliff: E(w, b) after 50 steps, and gradient descent on it",
                     height=420).mark_rect().encode(
        x=x, x2=alt.X2("w_hi:Q", title="Recurrent weight w"), y=y, y2=alt.Y2("b_hi:Q", title="Bias b"),
        color=alt.Color("loss:Q", title="Loss E", scale=alt.Scale(scheme="viridis")),
        tooltip=common.tooltips(("w:Q", "w"), ("b:Q", "b"), ("loss:Q", "E"), ("grad_norm:Q", "‖∇E‖")))
    on_map = paths[paths["on_map"]]
    px, py = alt.X("w:Q", title="Recurrent weight w"), alt.Y("b:Q", title="Bias b")
    colour = alt.Color("run:N", title="Descent", scale=alt.Scale(range=["#ff2d95", "#00d0ff"]))  # both show on viridis
    path_tips = common.tooltips(("run:N", "Descent"), ("k:Q", "Step"), ("w:Q", "w"), ("b:Q", "b"), ("loss:Q", "E"),
                                ("grad_norm:Q", "‖∇E‖ before clipping"))
    line = alt.Chart(on_map).mark_line(strokeWidth=2).encode(x=px, y=py, color=colour, order="k:Q",
                                                             tooltip=path_tips)
    dots = alt.Chart(on_map).mark_point(size=18, filled=True).encode(x=px, y=py, color=colour, tooltip=path_tips)
    start = alt.Chart(paths[paths["k"] == 0].head(1)).mark_point(shape="diamond", size=160, filled=True,
                                                                  color="#ffbd45").encode(
        x=px, y=py, tooltip=common.tooltips(("w:Q", "Start w"), ("b:Q", "Start b")))
    return alt.layer(heat, line + dots + start).resolve_scale(color="independent")


def bars_by_choice(runs: pd.DataFrame, *, title: str) -> alt.LayerChart:
    """Held-out loss / baseline per initialization (log scale), with the baseline and the success line.

    The bars rise from a floor below the smallest value: a log axis has no zero to start them from.
    """
    data = common.drawable(runs[["label", "ratio", "verdict"]], ["ratio"], positive=True).frame
    y_title = "Held-out loss / baseline"
    low = float(data["ratio"].min()) if len(data) else 1.0
    floor = 10.0 ** np.floor(np.log10(min(low, 0.05)))
    top = max(2.0, float(data["ratio"].max()) * 1.5) if len(data) else 2.0
    y = alt.Y("ratio:Q", title=y_title, scale=alt.Scale(type="log", domain=[floor, top]))
    bars = alt.Chart(data, title=title, height=280).mark_bar().encode(
        x=alt.X("label:N", title="Initialization", sort=None, axis=alt.Axis(labelAngle=-15, labelLimit=220)),
        y=y, y2=alt.datum(floor),
        color=_palette_color("label:N", "Initialization", INIT_COLORS, data["label"]).legend(None),
        tooltip=common.tooltips(("label:N", "Initialization"), ("ratio:Q", "Loss / baseline"),
                                ("verdict:N", "Verdict")))
    return (bars + common.hrule(1.0, label="baseline", y_title=y_title, log_y=True)
            + common.hrule(0.1, label="success", y_title=y_title, log_y=True))
