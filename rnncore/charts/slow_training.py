"""Charts of the slow-training page: loss races, the cost of a step against T, its breakdown, gradient spikes.

Pure functions from the frames of ``rnncore.experiments.slow_training`` to Altair charts. Times are stored in
seconds and drawn in milliseconds; losses and norms are drawn on log scales (rows that cannot be drawn there, zero
or below, are left out by the callers through ``common.drawable``). An interval's second channel (y2, x2) carries
its axis's title, so that Vega-Lite does not join two titles into one long one that squeezes the plot.
"""
from __future__ import annotations

import altair as alt
import pandas as pd

from rnncore.charts import common

#: The optimizers, in the order they take the category colours.
OPTIMIZERS = ["sgd", "momentum", "rmsprop", "adam"]
SPIKE_COLOR = common.STATUS_COLORS["FAIL"]
LINE_COLOR = common.CATEGORY_COLORS[3]


def _ms(df: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """Copies of the seconds columns in milliseconds, named ``<column>_ms`` (e.g. median_s -> median_ms)."""
    return df.assign(**{c.removesuffix("_s") + "_ms": df[c] * 1e3 for c in columns})


def loss_race(curves: pd.DataFrame, *, x: str, baseline: float, threshold: float, height: int = 300) -> alt.LayerChart:
    """Smoothed training loss of every run against step or wall time, with the baseline and the threshold.

    Args:
        curves: ``RaceResult.curves``; rows that cannot sit on the log axis (non-finite or not positive) are left out.
        x: "step" or "seconds".
        baseline, threshold: the task's constant-predictor loss and the target loss (horizontal rules).
    """
    if x not in ("step", "seconds"):
        raise ValueError(f"x must be 'step' or 'seconds', got {x!r}")
    x_title = "Training step" if x == "step" else "Wall time (s)"
    y_title = "Loss (mean of the last steps)"
    curves = common.drawable(curves, ["smoothed", "seconds"], positive=True).frame
    top = 10.0 * max(float(curves["loss"].iloc[0]) if len(curves) else 1.0, baseline)
    low = min(float(curves["smoothed"].min()) if len(curves) else 1.0, threshold) / 1.5
    lines = alt.Chart(curves, title=f"Loss against {'steps' if x == 'step' else 'measured wall time'}",
                      height=height).mark_line(clip=True).encode(
        x=common.qx(f"{x}:Q", x_title),
        y=common.qy("smoothed:Q", y_title, log=True, domain=[low, top]),
        color=common.category_color("optimizer:N", title="Optimizer", order=OPTIMIZERS),
        strokeDash=alt.StrokeDash("lr:O", title="Learning rate"),
        tooltip=common.tooltips(("run:N", "Run"), ("step:Q", "Step"), ("seconds:Q", "Wall time (s)"),
                                ("loss:Q", "Loss of this step"), ("smoothed:Q", y_title)),
    )
    rules = common.ref_lines({"constant predictor": baseline, "threshold": threshold}, title=y_title, log=True)
    return common.layer(lines, rules)


def step_cost(per_T: pd.DataFrame, *, slope_ms: float) -> alt.LayerChart:
    """Median time of one training step against T, its interquartile range, and the fitted line.

    Args:
        per_T: ``CostResult.per_T``.
        slope_ms: the fitted slope in ms per time step, for the title.
    """
    df = _ms(per_T, "median_s", "q25_s", "q75_s", "fit_s")
    y_title = "Time per training step (ms)"
    measured = common.median_iqr(
        df, x="T:Q", x_title="Sequence length T", median="median_ms", q25="q25_ms", q75="q75_ms",
        value_title=y_title, title=f"One training step against T: {slope_ms:.3g} ms per extra time step",
        mark="point", height=340, whisker_color=LINE_COLOR,
        tooltip=common.tooltips(("T:Q", "T"), ("median_ms:Q", "Median (ms)"), ("q25_ms:Q", "25th percentile (ms)"),
                                ("q75_ms:Q", "75th percentile (ms)"), ("repeats:Q", "Repeats"),
                                ("fit_ms:Q", "Fitted line (ms)")))
    fit = alt.Chart(df.assign(line="straight-line fit")).mark_line(color=common.REFERENCE_COLOR).encode(
        x=common.qx("T:Q", "Sequence length T"), y=common.qy("fit_ms:Q", y_title),
        strokeDash=alt.StrokeDash("line:N", title="Reference lines", scale=alt.Scale(range=[[6, 4]])))
    return (fit + measured).properties(title=f"One training step against T: {slope_ms:.3g} ms per extra time step")


def breakdown(parts: pd.DataFrame, *, T: int) -> alt.LayerChart:
    """Where one training step's time goes: median per part with its interquartile range."""
    df = _ms(parts, "median_s", "q25_s", "q75_s")
    return common.median_iqr(
        df, x="part:N", x_title="Part of the step", median="median_ms", q25="q25_ms", q75="q75_ms",
        value_title="Time (ms)", title=f"One training step taken apart (T = {T})", mark="bar", horizontal=True,
        whisker_color="black", height=300,
        tooltip=common.tooltips(("part:N", "Part"), ("median_ms:Q", "Median (ms)"), ("q25_ms:Q", "25th pct (ms)"),
                                ("q75_ms:Q", "75th pct (ms)"), ("share:Q", "Share of the step"),
                                ("repeats:Q", "Repeats")))


def grad_norms(frame: pd.DataFrame, *, stopped_at: int | None = None) -> alt.LayerChart:
    """Global gradient norm over training (log scale), spikes marked, and the step where the run blew up."""
    y_title = "Gradient norm (before clipping)"
    base = alt.Chart(frame, title="Gradient norm over training", height=300)
    tips = common.tooltips(("step:Q", "Step"), ("grad_norm:Q", "Gradient norm"), ("loss:Q", "Loss"),
                           ("recent_median:Q", "Median of the steps before"), ("spike:N", "Spike"))
    x, y = common.qx("step:Q", "Training step"), common.qy("grad_norm:Q", y_title, log=True)
    line = base.mark_line(color=LINE_COLOR).encode(x=x, y=y, tooltip=tips)
    marks = base.transform_filter(alt.datum.spike).mark_point(filled=True, size=70).encode(
        x=x, y=y, tooltip=tips, color=alt.Color("marked:N", title="Marked", scale=alt.Scale(
            domain=["spike"], range=[SPIKE_COLOR]))).transform_calculate(marked="'spike'")
    chart = line + marks
    if stopped_at is not None:
        chart = chart + common.vrule(stopped_at, label="the step where it blew up", x_title="Training step")
    return chart


def loss_line(frame: pd.DataFrame, *, title: str, y: str = "loss", y_title: str = "Training loss",
              reference: float | None = None, reference_label: str = "") -> alt.Chart | alt.LayerChart:
    """A loss against step (log scale), with an optional reference line."""
    chart = common.line_chart(frame, x="step:Q", y=f"{y}:Q", title=title, x_title="Training step", y_title=y_title,
                              log_y=True, extra_tooltips=(("seconds:Q", "Wall time (s)"),), height=260)
    if reference is not None:
        chart = chart + common.hrule(reference, label=reference_label, y_title=y_title, log_y=True)
    return chart


def cosine_histogram(cosines: pd.DataFrame) -> alt.Chart:
    """How well the article's W_hy update points along the true descent direction, one cosine per sequence."""
    return alt.Chart(cosines, title="The article's update against the real gradient step, per sequence",
                     height=common.MIN_HEIGHT).mark_bar(color=LINE_COLOR).encode(
        x=alt.X("cosine:Q", bin=alt.Bin(extent=[-1, 1], step=0.1), title="Cosine with the real descent direction"),
        y=alt.Y("count():Q", title="Sequences", axis=alt.Axis(format=common.LINEAR_FORMAT)),
        tooltip=[alt.Tooltip("cosine:Q", bin=alt.Bin(extent=[-1, 1], step=0.1), title="Cosine"),
                 alt.Tooltip("count():Q", title="Sequences")])
