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

SPIKE_COLOR = "#d94a57"
#: One colour per optimizer, far apart so that four runs stay readable.
OPTIMIZER_COLORS: dict[str, str] = {"sgd": "#6b6b6b", "momentum": "#f28e2b", "rmsprop": "#9467bd", "adam": "#3b82f6"}


def _ms(df: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """Copies of the seconds columns in milliseconds, named ``<column>_ms`` (e.g. median_s -> median_ms)."""
    return df.assign(**{c.removesuffix("_s") + "_ms": df[c] * 1e3 for c in columns})


def loss_race(curves: pd.DataFrame, *, x: str, baseline: float, threshold: float, height: int = 300) -> alt.LayerChart:
    """Smoothed training loss of every run against step or wall time, with the baseline and the threshold.

    Args:
        curves: ``RaceResult.curves`` (positive losses only).
        x: "step" or "seconds".
        baseline, threshold: the task's constant-predictor loss and the target loss (horizontal rules).
    """
    if x not in ("step", "seconds"):
        raise ValueError(f"x must be 'step' or 'seconds', got {x!r}")
    x_title = "Training step" if x == "step" else "Wall time (s)"
    y_title = "Loss (mean of the last steps)"
    top = 10.0 * max(float(curves["loss"].iloc[0]) if len(curves) else 1.0, baseline)
    lines = alt.Chart(curves, title=f"Loss against {'steps' if x == 'step' else 'measured wall time'}",
                      height=height).mark_line(clip=True).encode(
        x=alt.X(f"{x}:Q", title=x_title),
        y=alt.Y("smoothed:Q", title=y_title, scale=alt.Scale(type="log", domainMax=top)),
        color=alt.Color("optimizer:N", title="Optimizer", sort=list(OPTIMIZER_COLORS),
                        scale=alt.Scale(domain=list(OPTIMIZER_COLORS), range=list(OPTIMIZER_COLORS.values()))),
        strokeDash=alt.StrokeDash("lr:O", title="Learning rate"),
        tooltip=common.tooltips(("run:N", "Run"), ("step:Q", "Step"), ("seconds:Q", "Wall time (s)"),
                                ("loss:Q", "Loss of this step"), ("smoothed:Q", y_title)),
    )
    rules = (common.hrule(baseline, label="constant predictor", y_title=y_title, log_y=True)
             + common.hrule(threshold, label="threshold", y_title=y_title, log_y=True, color="#079464"))
    return lines + rules


def step_cost(per_T: pd.DataFrame, *, slope_ms: float) -> alt.LayerChart:
    """Median time of one training step against T, its interquartile range, and the fitted line.

    Args:
        per_T: ``CostResult.per_T``.
        slope_ms: the fitted slope in ms per time step, for the title.
    """
    df = _ms(per_T, "median_s", "q25_s", "q75_s", "fit_s")
    base = alt.Chart(df, title=f"One training step against T: {slope_ms:.3g} ms per extra time step", height=340)
    x = alt.X("T:Q", title="Sequence length T")
    y_title = "Time per training step (ms)"
    points = base.mark_point(filled=True, size=60).encode(
        x=x, y=alt.Y("median_ms:Q", title=y_title),
        tooltip=common.tooltips(("T:Q", "T"), ("median_ms:Q", "Median (ms)"), ("q25_ms:Q", "25th percentile (ms)"),
                                ("q75_ms:Q", "75th percentile (ms)"), ("repeats:Q", "Repeats"),
                                ("fit_ms:Q", "Fitted line (ms)")))
    bars = base.mark_rule().encode(x=x, y=alt.Y("q25_ms:Q", title=y_title),
                                   y2=alt.Y2("q75_ms:Q", title=y_title))
    line = base.mark_line(strokeDash=[6, 4], color=common.REFERENCE_COLOR).encode(
        x=x, y=alt.Y("fit_ms:Q", title=y_title))
    return line + bars + points


def breakdown(parts: pd.DataFrame, *, T: int) -> alt.LayerChart:
    """Where one training step's time goes: median per part with its interquartile range."""
    df = _ms(parts, "median_s", "q25_s", "q75_s")
    base = alt.Chart(df, title=f"One training step taken apart (T = {T})", height=300)
    y = alt.Y("part:N", title="Part of the step", sort=list(df["part"]))
    x_title = "Time (ms)"
    bars = base.mark_bar().encode(
        x=alt.X("median_ms:Q", title=x_title), y=y,
        tooltip=common.tooltips(("part:N", "Part"), ("median_ms:Q", "Median (ms)"), ("q25_ms:Q", "25th pct (ms)"),
                                ("q75_ms:Q", "75th pct (ms)"), ("share:Q", "Share of the step"),
                                ("repeats:Q", "Repeats")))
    whiskers = base.mark_rule(color="black").encode(x=alt.X("q25_ms:Q", title=x_title),
                                                    x2=alt.X2("q75_ms:Q", title=x_title), y=y)
    return bars + whiskers


def grad_norms(frame: pd.DataFrame, *, stopped_at: int | None = None) -> alt.LayerChart:
    """Global gradient norm over training (log scale), spikes marked, and the step where the run blew up."""
    y_title = "Gradient norm (before any clipping)"
    base = alt.Chart(frame, title="Gradient norm over training", height=300)
    tips = common.tooltips(("step:Q", "Step"), ("grad_norm:Q", "Gradient norm"), ("loss:Q", "Loss"),
                           ("recent_median:Q", "Median of the steps before"), ("spike:N", "Spike"))
    line = base.mark_line(color="#3b82f6").encode(
        x=alt.X("step:Q", title="Training step"), y=alt.Y("grad_norm:Q", title=y_title, scale=alt.Scale(type="log")),
        tooltip=tips)
    marks = base.transform_filter(alt.datum.spike).mark_point(color=SPIKE_COLOR, filled=True, size=70).encode(
        x=alt.X("step:Q", title="Training step"), y=alt.Y("grad_norm:Q", title=y_title, scale=alt.Scale(type="log")),
        tooltip=tips)
    chart = line + marks
    if stopped_at is not None:
        chart = chart + common.vrule(stopped_at, label="blew up", x_title="Training step")
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
                     height=220).mark_bar().encode(
        x=alt.X("cosine:Q", bin=alt.Bin(extent=[-1, 1], step=0.1), title="Cosine with the real descent direction"),
        y=alt.Y("count():Q", title="Sequences"),
        tooltip=[alt.Tooltip("cosine:Q", bin=alt.Bin(extent=[-1, 1], step=0.1), title="Cosine"),
                 alt.Tooltip("count():Q", title="Sequences")])
