"""Charts of the long-term dependencies page: training against the baseline, the gradient reaching the first step,
score against lag, and the article's loop. Pure functions: tidy DataFrame in, ``alt.Chart`` out.
"""
from __future__ import annotations

import altair as alt
import pandas as pd

from rnncore.charts import common

LOSS_TITLE = "Loss (training batch)"


def loss_curve(frame: pd.DataFrame, *, baseline: float, title: str = "Training loss against the task's baseline",
               color: str | None = None, color_title: str | None = None, cells: bool = False) -> alt.LayerChart:
    """The per-step training loss (log scale) with the baseline as a dashed line.

    Args:
        frame: step, loss (and the colour field, if any); non-finite or non-positive rows are left out.
        baseline: the loss of the best constant predictor.
        color, color_title, cells: one line per run, as in ``common.line_chart``.
    """
    cols = ["step", "loss"] + ([common.field(color)[0]] if color else [])
    data = common.drawable(frame[cols], ["loss"], positive=True).frame
    lines = common.line_chart(data, x="step:Q", y="loss:Q", title=title, x_title="Training step",
                              y_title=LOSS_TITLE, color=color, color_title=color_title, cells=cells, log_y=True)
    return lines + common.hrule(baseline, label=f"baseline {baseline:.4g} (best constant answer)", y_title=LOSS_TITLE,
                                log_y=True)


def dh0_curve(frame: pd.DataFrame, *, color: str | None = None, color_title: str | None = None,
              cells: bool = False) -> alt.Chart:
    """||dL/dh_0||, the gradient that reaches the start of the sequence, at every training step (log scale)."""
    cols = ["step", "dh0_norm"] + ([common.field(color)[0]] if color else [])
    data = common.drawable(frame[cols], ["dh0_norm"], positive=True).frame
    return common.line_chart(data, x="step:Q", y="dh0_norm:Q", log_y=True, color=color, color_title=color_title,
                             cells=cells, title="The gradient that reaches the first time step",
                             x_title="Training step", y_title="‖dL/dh₀‖")


def _second_dashed(frame: pd.DataFrame, name: str) -> tuple[alt.StrokeDash, list[str]]:
    """A colour that holds two models (the LSTM's two forget-gate biases): the second model of each colour dashed,
    the first solid; with no legend (Vega-Lite draws no dash in a legend of lines with points or beside reference
    lines), so the chart's title names the dashed ones. Returns (the channel, the dashed models)."""
    models = list(dict.fromkeys(frame["model"]))
    colour_of = dict(zip(frame["model"], frame[name]))
    first_of: dict = {}
    for m in models:
        first_of.setdefault(colour_of[m], m)
    dashes = [[1, 0] if first_of[colour_of[m]] == m else [5, 3] for m in models]
    return (alt.StrokeDash("model:N", title="Model", scale=alt.Scale(domain=models, range=dashes), legend=None),
            [m for m, d in zip(models, dashes) if d != [1, 0]])


def ratio_vs_lag(frame: pd.DataFrame, *, color: str = "cell:N", color_title: str = "Cell", cells: bool = True,
                 title: str = "Held-out loss against lag (1 = the baseline)",
                 order: list[str] | None = None) -> alt.LayerChart:
    """Every seed's held-out loss / baseline against the lag (points), their median (line), and the two lines
    that score it: the baseline (1) and the success threshold (0.1).

    Args:
        frame: one row per run with T, seed, ratio and the colour field.
        order: for a colour field other than the cell type, every category in colour order.
    """
    name = common.field(color)[0]
    split = "model" in frame and name != "model" and frame["model"].nunique() > frame[name].nunique()
    cols = ["T", "seed", "ratio", name] + (["model"] if split else [])
    data = common.drawable(frame[cols], ["ratio"], positive=True).frame
    median = data.groupby(["T", name] + (["model"] if split else []), as_index=False)["ratio"].median()
    x = common.qx("T:Q", "Lag T (steps)", log=True, ticks=sorted(data["T"].unique()))
    y = common.qy("ratio:Q", "Held-out loss / baseline", log=True)
    colour = common.color_for(color, color_title, list(dict.fromkeys(data[name])), families=cells, order=order)
    points = alt.Chart(data, title=title, height=320).mark_point(filled=True, opacity=0.55).encode(
        x=x, y=y, color=colour,
        tooltip=common.tooltips(("T:Q", "Lag T"), ("seed:O", "Seed"), ("ratio:Q", "Loss / baseline"),
                                (color, color_title)))
    line = alt.Chart(median).mark_line().encode(
        x=x, y=y, color=colour, tooltip=common.tooltips(("T:Q", "Lag T"), ("ratio:Q", "Median loss / baseline"),
                                                         (color, color_title)))
    if split:  # two models of one colour (the LSTM with two forget-gate biases): the second one dashed
        dashed, names = _second_dashed(median, name)
        line = line.encode(strokeDash=dashed, detail="model:N")
        points = points.properties(title=f"{title}; dashed: {', '.join(names)}")
    rules = common.ref_lines({"baseline": 1.0, "success: below 10% of the baseline": 0.1},
                             title="Held-out loss / baseline", log=True)
    return (points + line + rules).resolve_scale(strokeDash="independent")


def success_vs_lag(rates: pd.DataFrame, *, color: str = "cell:N", color_title: str = "Cell", cells: bool = True,
                   order: list[str] | None = None) -> alt.LayerChart:
    """The share of seeds that succeeded (held-out loss < 10% of the baseline) at each lag, with its Wilson 95%
    interval as an error bar (the bars of the settings at one lag are spread a little apart).

    Args:
        rates: one row per lag and setting, as ``rnncore.experiments.stats.rates`` makes it: T, the colour field,
            k, n, share, lo, hi; with a ``model`` column that splits a colour (the LSTM with two forget-gate
            biases), one dashed line per model.
        order: for a colour field other than the cell type, every category in colour order.
    """
    name = common.field(color)[0]
    keys = ["T", name] + (["model"] if "model" in rates and name != "model" else [])
    share = rates.rename(columns={"share": "success", "n": "seeds"})
    groups = list(dict.fromkeys(map(tuple, share[keys[1:]].astype(str).to_numpy())))
    spread = {g: 1.09 ** (i - (len(groups) - 1) / 2) for i, g in enumerate(groups)}  # apart, within a lag's space
    share["T_bar"] = [t * spread[tuple(g)] for t, g in zip(share["T"], share[keys[1:]].astype(str).to_numpy())]
    ticks = sorted(share["T"].unique())
    dashed, names = None, []
    if "model" in keys and share["model"].nunique() > share[name].nunique():
        dashed, names = _second_dashed(share, name)
    title = "Share of seeds that succeed (bars: 95% Wilson interval" + (
        f"; dashed: {', '.join(names)})" if dashed is not None else ")")
    lines = common.line_chart(share, x="T:Q", y="success:Q", color=color, color_title=color_title, cells=cells,
                              order=order, points=True, title=title,
                              x_title="Lag T (steps)", y_title="Share of seeds",
                              extra_tooltips=(("k:Q", "Succeeded"), ("seeds:Q", "Seeds"), ("lo:Q", "95% low"),
                                              ("hi:Q", "95% high")), height=260,
                              log_x=True, x_ticks=ticks, y_domain=[0, 1], y_format=common.PERCENT_FORMAT)
    if dashed is not None:
        lines = lines.encode(strokeDash=dashed, detail="model:N")
    colour = common.color_for(color, color_title, list(dict.fromkeys(share[name])), families=cells, order=order)
    # the bars share the lines' y axis: y2 repeats its title (Vega-Lite joins differing titles into one)
    bars = alt.Chart(share).mark_rule(opacity=0.7, strokeWidth=2.5).encode(
        x=common.qx("T_bar:Q", "Lag T (steps)", log=True, ticks=ticks),
        y=common.qy("lo:Q", "Share of seeds", domain=[0, 1], format=common.PERCENT_FORMAT),
        y2=alt.Y2("hi:Q", title="Share of seeds"), color=colour,
        tooltip=common.tooltips(("T:Q", "Lag T"), *((f"{k}:N", k.capitalize()) for k in keys[1:]),
                                ("k:Q", "Succeeded"), ("seeds:Q", "Seeds"), ("lo:Q", "95% low"),
                                ("hi:Q", "95% high")))
    return lines + bars


def article_chart(frame: pd.DataFrame, *, baseline: float) -> alt.LayerChart:
    """Per-epoch losses of the article's loop and of real training (points), their running means (lines), and
    the baseline 0.25 of first-element recall."""
    y_title = "Squared error of the epoch's sequence"
    runs = list(dict.fromkeys(frame["run"]))
    colour = common.category_color("run:N", title="Run", order=runs)
    points = alt.Chart(frame, title="The article's loop against real training, one sequence per epoch",
                       height=420).mark_circle(size=12, opacity=0.35).encode(
        x=common.qx("epoch:Q", "Epoch"), y=common.qy("loss:Q", y_title, zero=True), color=colour,
        tooltip=common.tooltips(("epoch:Q", "Epoch"), ("loss:Q", "Loss"), ("run:N", "Run")))
    means = alt.Chart(frame).mark_line(size=2.5).encode(
        x=common.qx("epoch:Q", "Epoch"), y=common.qy("mean:Q", y_title, zero=True), color=colour,
        tooltip=common.tooltips(("epoch:Q", "Epoch"), ("mean:Q", "Running mean"), ("run:N", "Run")))
    return points + means + common.hrule(baseline, label=f"baseline {baseline:g} (always answer 0.5)",
                                         y_title=y_title)


def dh0_vs_lag(frame: pd.DataFrame) -> alt.Chart:
    """The gradient that reaches the first step at the end of training (mean ||dL/dh_0|| over the last 100 steps,
    median of seeds) against the lag, one line per cell (log-log)."""
    data = common.drawable(frame[["T", "cell", "dh0_end"]], ["dh0_end"], positive=True).frame
    median = data.groupby(["T", "cell"], as_index=False)["dh0_end"].median()
    return common.line_chart(median, x="T:Q", y="dh0_end:Q", color="cell:N", color_title="Cell", cells=True,
                             log_y=True, log_x=True, x_ticks=sorted(median["T"].unique()), points=True, height=260,
                             x_title="Lag T (steps)",
                             y_title="‖dL/dh₀‖, end of training", title="‖dL/dh₀‖ after training")
