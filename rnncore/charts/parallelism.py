"""Charts of the parallelization page: time against T, speedups, sequential depth, the scan against state width.

Pure functions from the frames of ``rnncore.experiments.parallelism`` to Altair charts. Times are stored in
seconds and drawn in milliseconds; every time carries its interquartile range and its number of repeats.

The second channel of an interval (y2, x2) carries the same title as its axis: Vega-Lite joins different titles into
one long axis title, and Streamlit's fitted layout then squeezes the plot to make room for it.
"""
from __future__ import annotations

import altair as alt
import pandas as pd

from rnncore.charts import common

#: The methods, in the order they take the category colours (the same colour on every chart of the page); self-
#: attention is the transformer family's.
METHODS = ["loop", "precomputed", "batched", "linear_loop", "hillis_steele", "blelloch", "attention"]


def _color(df: pd.DataFrame) -> alt.Color:
    methods = [m for m in METHODS if m in set(df["method"])]
    labels = [df.loc[df["method"] == m, "label"].iloc[0] for m in methods]
    colors = {m: (common.family_hex("transformer") if m == "attention" else common.CATEGORY_COLORS[i])
              for i, m in enumerate(METHODS)}
    return alt.Color("label:N", title="Method", sort=labels,
                     scale=alt.Scale(domain=labels, range=[colors[m] for m in methods]))


def _ms(df: pd.DataFrame) -> pd.DataFrame:
    return df.assign(median_ms=df["median_s"] * 1e3, q25_ms=df["q25_s"] * 1e3, q75_ms=df["q75_s"] * 1e3)


def time_vs_T(timings: pd.DataFrame) -> alt.LayerChart:
    """Median time per sequence against T, log-log, with interquartile bars."""
    df = _ms(timings)
    return common.median_iqr(
        df, x="T:Q", x_title="Sequence length T (log)", median="median_ms", q25="q25_ms", q75="q75_ms",
        value_title="Time per sequence (ms)", title="Time to run one sequence, against its length",
        color=_color(df), log=True, log_x=True, x_base=2, height=420,
        tooltip=common.tooltips(("label:N", "Method"), ("T:Q", "T"), ("median_ms:Q", "Median (ms)"),
                                ("q25_ms:Q", "25th percentile (ms)"), ("q75_ms:Q", "75th percentile (ms)"),
                                ("repeats:Q", "Repeats"), ("calls_per_repeat:Q", "Calls per repeat")))


def _speedup_chart(frame: pd.DataFrame, *, x: str, x_title: str, title: str, tips: list, height: int):
    y_title = "Speedup over the loop (×)"
    chart = common.median_iqr(frame, x=x, x_title=x_title, median="speedup", q25="speedup_q25", q75="speedup_q75",
                              value_title=y_title, title=title, color=_color(frame), log=True, log_x=True, x_base=2,
                              height=height, tooltip=tips)
    return chart + common.hrule(1.0, label="1x: as fast as the loop", y_title=y_title, log_y=True)


def speedups(frame: pd.DataFrame) -> alt.LayerChart:
    """Speedup of each method over its step loop against T (log), paired interquartile bars, and the line 1x."""
    tips = common.tooltips(("label:N", "Method"), ("against:N", "Compared with"), ("T:Q", "T"),
                           ("speedup:Q", "Speedup (median)"), ("speedup_q25:Q", "25th percentile"),
                           ("speedup_q75:Q", "75th percentile"), ("repeats:Q", "Paired rounds"))
    return _speedup_chart(frame, x="T:Q", x_title="Sequence length T (log)", tips=tips, height=400,
                          title="Speedup over the step loop (above 1: faster)")


def depth(frame: pd.DataFrame) -> alt.Chart:
    """Sequential levels against T: T for any step loop, about log2 T for the scans."""
    return alt.Chart(frame, title="Sequential depth: steps that must wait for the one before", height=340).mark_line(
        point=True).encode(
        x=common.qx("T:Q", "Sequence length T (log)", log=True, base=2),
        y=common.qy("depth:Q", "Dependent steps (log)", log=True, base=2),
        color=_color(frame),
        tooltip=common.tooltips(("label:N", "Method"), ("T:Q", "T"), ("depth:Q", "Dependent steps")))


def scan_width(frame: pd.DataFrame) -> alt.LayerChart:
    """Speedup of the scans over the step loop of the linear recurrence, against the state width B*H."""
    df = frame[frame["method"] != "linear_loop"]
    T = int(frame["T"].iloc[0]) if len(frame) else 0
    tips = common.tooltips(("label:N", "Method"), ("width:Q", "Width B x H"), ("speedup:Q", "Speedup (median)"),
                           ("speedup_q25:Q", "25th percentile"), ("speedup_q75:Q", "75th percentile"),
                           ("repeats:Q", "Paired rounds"))
    return _speedup_chart(df, x="width:Q", x_title="State width B x H (log)", tips=tips, height=340,
                          title=f"The parallel scan against the state width (T = {T})")


def article_claim(frame: pd.DataFrame) -> alt.LayerChart:
    """The article's printed speedup beside the ratio its logic gives here (with the paired IQR).

    Args:
        frame: columns source ("The article prints", "Its logic, run here"), speedup, low, high.
    """
    colors = [common.REFERENCE_COLOR, common.CATEGORY_COLORS[0]]
    return common.median_iqr(
        frame, x="source:N", x_title="Source", median="speedup", q25="low", q75="high",
        value_title='Speedup of its "batch" version (x)', title='The article\'s "batch" speedup: printed and measured',
        mark="bar", horizontal=True, whisker_color="black", height=common.MIN_HEIGHT,
        color=alt.Color("source:N", title="Source", legend=None,
                        scale=alt.Scale(domain=list(frame["source"]), range=colors[:len(frame)])),
        tooltip=common.tooltips(("source:N", "Source"), ("speedup:Q", "Speedup"), ("low:Q", "25th percentile"),
                                ("high:Q", "75th percentile")))
