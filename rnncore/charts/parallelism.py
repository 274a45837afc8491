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

#: One colour per method, the same on every chart of the page.
METHOD_COLORS: dict[str, str] = {
    "loop": "#d94a57", "precomputed": "#f28e2b", "batched": "#079464", "linear_loop": "#6b6b6b",
    "hillis_steele": "#9467bd", "blelloch": "#3b82f6", "attention": "#b07aa1",
}


def _color(df: pd.DataFrame) -> alt.Color:
    methods = [m for m in METHOD_COLORS if m in set(df["method"])]
    labels = [df.loc[df["method"] == m, "label"].iloc[0] for m in methods]
    return alt.Color("label:N", title="Method", sort=labels,
                     scale=alt.Scale(domain=labels, range=[METHOD_COLORS[m] for m in methods]),
                     legend=alt.Legend(labelLimit=260))


def _ms(df: pd.DataFrame) -> pd.DataFrame:
    return df.assign(median_ms=df["median_s"] * 1e3, q25_ms=df["q25_s"] * 1e3, q75_ms=df["q75_s"] * 1e3)


def time_vs_T(timings: pd.DataFrame) -> alt.LayerChart:
    """Median time per sequence against T, log-log, with interquartile bars."""
    df = _ms(timings)
    y_title = "Time per sequence (ms, log)"
    x = alt.X("T:Q", title="Sequence length T (log)", scale=alt.Scale(type="log", base=2))
    base = alt.Chart(df, title="Time to run one sequence, against its length", height=420)
    tips = common.tooltips(("label:N", "Method"), ("T:Q", "T"), ("median_ms:Q", "Median (ms)"),
                           ("q25_ms:Q", "25th percentile (ms)"), ("q75_ms:Q", "75th percentile (ms)"),
                           ("repeats:Q", "Repeats"), ("calls_per_repeat:Q", "Calls per repeat"))
    y = alt.Y("median_ms:Q", title=y_title, scale=alt.Scale(type="log"))
    lines = base.mark_line(point=True).encode(x=x, y=y, color=_color(df), tooltip=tips)
    bars = base.mark_rule().encode(x=x, y=alt.Y("q25_ms:Q", title=y_title, scale=alt.Scale(type="log")),
                                   y2=alt.Y2("q75_ms:Q", title=y_title), color=_color(df))
    return lines + bars


def speedups(frame: pd.DataFrame) -> alt.LayerChart:
    """Speedup of each method over its step loop against T (log), paired interquartile bars, and the line 1x."""
    y_title = "Speedup over the step loop (x, log)"
    x = alt.X("T:Q", title="Sequence length T (log)", scale=alt.Scale(type="log", base=2))
    y = alt.Y("speedup:Q", title=y_title, scale=alt.Scale(type="log"))
    base = alt.Chart(frame, title="Speedup over the step loop (above 1: faster)", height=400)
    tips = common.tooltips(("label:N", "Method"), ("against:N", "Compared with"), ("T:Q", "T"),
                           ("speedup:Q", "Speedup (median)"), ("speedup_q25:Q", "25th percentile"),
                           ("speedup_q75:Q", "75th percentile"), ("repeats:Q", "Paired rounds"))
    lines = base.mark_line(point=True).encode(x=x, y=y, color=_color(frame), tooltip=tips)
    bars = base.mark_rule().encode(x=x, y=alt.Y("speedup_q25:Q", title=y_title, scale=alt.Scale(type="log")),
                                   y2=alt.Y2("speedup_q75:Q", title=y_title), color=_color(frame))
    return lines + bars + common.hrule(1.0, label="as fast as the loop", y_title=y_title, log_y=True)


def depth(frame: pd.DataFrame) -> alt.Chart:
    """Sequential levels against T: T for any step loop, about log2 T for the scans."""
    return alt.Chart(frame, title="Sequential depth: steps that must wait for the one before", height=340).mark_line(
        point=True).encode(
        x=alt.X("T:Q", title="Sequence length T (log)", scale=alt.Scale(type="log", base=2)),
        y=alt.Y("depth:Q", title="Dependent steps (log)", scale=alt.Scale(type="log", base=2)),
        color=_color(frame),
        tooltip=common.tooltips(("label:N", "Method"), ("T:Q", "T"), ("depth:Q", "Dependent steps")))


def scan_width(frame: pd.DataFrame) -> alt.LayerChart:
    """Speedup of the scans over the step loop of the linear recurrence, against the state width B*H."""
    df = frame[frame["method"] != "linear_loop"]
    T = int(frame["T"].iloc[0]) if len(frame) else 0
    y_title = "Speedup over the step loop (x, log)"
    x = alt.X("width:Q", title="State width B x H (log)", scale=alt.Scale(type="log", base=2))
    y = alt.Y("speedup:Q", title=y_title, scale=alt.Scale(type="log"))
    base = alt.Chart(df, title=f"The parallel scan against the state width (T = {T})", height=340)
    tips = common.tooltips(("label:N", "Method"), ("width:Q", "Width B x H"), ("speedup:Q", "Speedup (median)"),
                           ("speedup_q25:Q", "25th percentile"), ("speedup_q75:Q", "75th percentile"),
                           ("repeats:Q", "Paired rounds"))
    lines = base.mark_line(point=True).encode(x=x, y=y, color=_color(df), tooltip=tips)
    bars = base.mark_rule().encode(x=x, y=alt.Y("speedup_q25:Q", title=y_title, scale=alt.Scale(type="log")),
                                   y2=alt.Y2("speedup_q75:Q", title=y_title), color=_color(df))
    return lines + bars + common.hrule(1.0, label="as fast as the loop", y_title=y_title, log_y=True)


def article_claim(frame: pd.DataFrame) -> alt.LayerChart:
    """The article's printed speedup beside the ratio its logic gives here (with the paired IQR).

    Args:
        frame: columns source ("The article prints", "Its logic, run here"), speedup, low, high.
    """
    base = alt.Chart(frame, title="The article's \"batch\" speedup: printed and measured", height=200)
    y = alt.Y("source:N", title="Source", sort=list(frame["source"]))
    x_title = "Speedup of its \"batch\" version (x)"
    bars = base.mark_bar().encode(
        x=alt.X("speedup:Q", title=x_title), y=y,
        color=alt.Color("source:N", title="Source", legend=None,
                        scale=alt.Scale(range=[common.REFERENCE_COLOR, "#d94a57"])),
        tooltip=common.tooltips(("source:N", "Source"), ("speedup:Q", "Speedup"), ("low:Q", "25th percentile"),
                                ("high:Q", "75th percentile")))
    whiskers = base.mark_rule(color="black").encode(x=alt.X("low:Q", title=x_title),
                                                    x2=alt.X2("high:Q", title=x_title), y=y)
    return bars + whiskers
