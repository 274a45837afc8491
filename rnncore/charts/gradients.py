"""Charts of the vanishing and exploding gradients page.

Pure functions from the frames of :mod:`rnncore.experiments.gradients` to Altair charts. Vega-Lite cannot draw
inf, nan or (on a log scale) 0: line charts drop those rows (the page says how many), and the heatmap draws them
as their own grey or black cells with a status legend.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from rnncore.charts import common

NORM = "‖dL/dh_t‖"
MAX_LINES = len(common.CATEGORY_COLORS)  # radii drawn as lines: one palette colour each
STATUS_COLORS = {k: common.STATUS_COLORS[k] for k in ("overflow", "underflow")}
#: log10 of the smallest positive normal float64: below it a number reads as 0.
FLOAT64_FLOOR = float(np.log10(np.finfo(np.float64).tiny))


def norms_by_t(norms: pd.DataFrame) -> alt.Chart:
    """Log-scale ‖dL/dh_t‖ against t, one line per radius in ``in_lines`` (norms: radius, t, grad_norm, in_lines).

    The radius is nominal (one distinct colour each): ordinal shades of one hue are hard to tell apart.
    """
    lines = common.drawable(norms.loc[norms["in_lines"], ["radius", "t", "grad_norm"]], ["grad_norm"],
                            positive=True).frame
    radii = sorted(norms.loc[norms["in_lines"], "radius"].unique())
    return common.line_chart(lines, x="t:Q", y="grad_norm:Q", color="radius:N", color_title="Spectral radius",
                             order=radii, log_y=True,
                             title=f"{NORM} against t, loss at the last step (‖dL/dh_T‖ = 1)",
                             x_title="Time step t", y_title=f"{NORM} (log scale)")


def norms_heatmap(norms: pd.DataFrame) -> alt.LayerChart:
    """log10 ‖dL/dh_t‖ over (radius, t) on a diverging scale centred at 0 (gain 1); non-finite cells by status."""
    T = int(norms["t"].max())
    step = max(1, int(round(T / 10, -1)))  # about ten labels, at round steps: ordinal axes label every band
    ticks = sorted({1, *range(step, T + 1, step)})
    x = alt.X("t:O", title="Time step t", axis=alt.Axis(values=ticks, labelAngle=0))
    y = alt.Y("radius:O", title="Spectral radius of W_h", sort="descending")
    frame = norms[["radius", "t", "log10_norm", "status"]]
    finite = frame[frame["status"] == "finite"]
    bad = frame[frame["status"] != "finite"]
    base = alt.Chart(finite, title=f"log10 {NORM} over (radius, t): blue vanishes, red explodes", height=360)
    cells = base.mark_rect().encode(
        x=x, y=y, color=alt.Color("log10_norm:Q", title=f"log10 {NORM}", scale=common.diverging()),
        tooltip=common.tooltips(("radius:O", "Spectral radius"), ("t:O", "Time step t"),
                                ("log10_norm:Q", f"log10 {NORM}")))
    marks = alt.Chart(bad).mark_rect().encode(
        x=x, y=y, color=alt.Color("status:N", title="Not a number", scale=alt.Scale(
            domain=list(STATUS_COLORS), range=list(STATUS_COLORS.values()))),
        tooltip=common.tooltips(("radius:O", "Spectral radius"), ("t:O", "Time step t"), ("status:N", "Status")))
    return (cells + marks).resolve_scale(color="independent")


def against_bound(focus: pd.DataFrame, radius: float, sigma_max: float) -> alt.Chart:
    """At one radius: the measured norm, the worst-direction Jacobian product and Pascanu's bound (log scale)."""
    lines = common.drawable(focus, ["value"], positive=True).frame
    return common.line_chart(lines, x="t:Q", y="value:Q", color="series:N", color_title="Series", log_y=True,
                             order=list(dict.fromkeys(focus["series"])),
                             title=f"Against the bound: radius {radius:g}, σ_max {sigma_max:.3g}",
                             x_title="Time step t", y_title="Gain from T back to t (log)", height=340)


def gain_vs_sigma(spectra: pd.DataFrame, threshold: float, nonlinearity: str) -> alt.LayerChart:
    """Measured per-step gain and the bound's η = γ σ_max against σ_max; dashed: the 1/γ threshold and gain 1.

    Args:
        spectra: radius, spectral_radius, sigma_max, eta, gain.
        threshold: 1/γ, where the bound stops proving vanishing.
    """
    long = spectra.melt(id_vars=["radius", "spectral_radius", "sigma_max"], value_vars=["gain", "eta"],
                        var_name="series", value_name="value")
    long["series"] = long["series"].map({"gain": "measured", "eta": "bound η = γ σ_max"})
    long = common.drawable(long, ["value"]).frame
    x_title, y_title = "σ_max of W_h (largest singular value)", "Gain per step"
    chart = (alt.Chart(long, title=f"Per-step gain against σ_max ({nonlinearity}, 1/γ = {threshold:g})", height=320)
             .mark_line(point=True)
             .encode(x=common.qx("sigma_max:Q", x_title), y=common.qy("value:Q", y_title),
                     color=common.category_color("series:N", title="Series",
                                                 order=["measured", "bound η = γ σ_max"]),
                     tooltip=common.tooltips(("radius:Q", "Spectral radius"), ("sigma_max:Q", "σ_max"),
                                             ("series:N", "Series"), ("value:Q", y_title))))
    return (chart + common.vrule(threshold, label=f"threshold 1/γ = {threshold:g}", x_title=x_title)
            + common.hrule(1.0, label="gain 1: neither vanishing nor exploding", y_title=y_title))


def scalar_sweep(sweep: pd.DataFrame, article: pd.DataFrame) -> alt.LayerChart:
    """The scalar demo: log10 |dL/dh_0| of the correct recursion against the weight, its bound, the article's prints.

    Args:
        sweep: weight, log10_grad, log10_bound.
        article: weight, log10_grad: the two norms the article prints.
    """
    long = sweep.melt(id_vars=["weight"], value_vars=["log10_grad", "log10_bound"], var_name="series",
                      value_name="log10")
    long["series"] = long["series"].map({"log10_grad": "measured", "log10_bound": "bound T·log10(|w|/4)"})
    long = common.drawable(long, ["log10"]).frame
    x_title, y_title = "Recurrent weight w", "log10 |dL/dh_0|"
    lines = (alt.Chart(long, title="Scalar demo, T = 100: the gradient against w", height=320)
             .mark_line(point=True)
             .encode(x=common.qx("weight:Q", x_title), y=common.qy("log10:Q", y_title),
                     color=common.category_color("series:N", title="Series",
                                                 order=["measured", "bound T·log10(|w|/4)", "the article prints"]),
                     tooltip=common.tooltips(("weight:Q", x_title), ("series:N", "Series"), ("log10:Q", y_title))))
    points = (alt.Chart(article.assign(series="the article prints"))
              .mark_point(shape="diamond", size=140, filled=True)
              .encode(x=common.qx("weight:Q", x_title), y=common.qy("log10_grad:Q", y_title),
                      color=common.category_color("series:N", title="Series", order=[
                          "measured", "bound T·log10(|w|/4)", "the article prints"]),
                      tooltip=common.tooltips(("weight:Q", x_title), ("series:N", "Series"),
                                              ("log10_grad:Q", y_title))))
    return lines + points + common.hrule(FLOAT64_FLOOR, label="float64 underflows to 0.0 below here", y_title=y_title)


def scalar_trace(trace: pd.DataFrame) -> alt.LayerChart:
    """log10 |dL/dh_t| against t for the traced weights (trace: weight, t, log10_grad)."""
    frame = common.drawable(trace, ["log10_grad"]).frame
    y_title = "log10 |dL/dh_t|"
    weights = [str(w) for w in sorted(trace["weight"].unique())]
    lines = common.line_chart(frame.assign(weight=frame["weight"].astype(str)), x="t:Q", y="log10_grad:Q",
                              color="weight:N", color_title="Weight w", order=weights,
                              title="Step by step back from t = 100", x_title="Time step t", y_title=y_title)
    return lines + common.hrule(FLOAT64_FLOOR, label="float64 underflows to 0.0 below here", y_title=y_title)
