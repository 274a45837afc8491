"""Charts of the attention page: loss and accuracy against lag, attention maps, learning curves, and cost against T.

Pure functions from the frames of ``rnncore.experiments.attention`` to Altair charts; each selects the rows it
draws (one task, one lag) so the page passes whole frames.
"""
from __future__ import annotations

import altair as alt
import pandas as pd

from rnncore.charts import common
from rnncore.charts.common import REFERENCE_COLOR, drawable, tooltips

MODEL_TITLE = "Model"
TASK_TITLES = {"first_element": "First-element recall", "adding": "Adding problem"}
_TASK_LABEL_EXPR = " : ".join(f"datum.value == '{k}' ? '{v}'" for k, v in TASK_TITLES.items()) + " : datum.value"
_METRICS = {"loss": ("Held-out loss (MSE)", "baseline", "baseline (memoryless)"),
            "accuracy": ("Held-out accuracy", "baseline_accuracy", "best memoryless guess")}


def _model_color(models) -> alt.Color:
    """Each model in its family's colour, as on every page (rnn+attention: attention; self-attention: transformer)."""
    return common.family_color("model:N", title=MODEL_TITLE, present=models)


def lag_chart(summary: pd.DataFrame, metric: str) -> alt.FacetChart:
    """``metric`` ("loss" on a log scale, or "accuracy") against the lag T, one panel per task, baseline dashed.

    The baseline is drawn from the frame's own column (``baseline`` or ``baseline_accuracy``), so each panel gets
    its task's value; one layered facet keeps the page's Altair work small.
    """
    y_title, base_col, base_label = _METRICS[metric]
    log_y = metric == "loss"
    rows = drawable(summary, [metric, base_col], positive=log_y).frame
    def y(name: str) -> alt.Y:
        return common.qy(f"{name}:Q", y_title, log=log_y, domain=None if log_y else [0, 1])

    base = alt.Chart(rows)
    lines = base.mark_line(point=True).encode(
        x=common.qx("T:Q", "Lag T (sequence length)", log=True, ticks=sorted(rows["T"].unique())), y=y(metric), color=_model_color(rows["model"]),
        tooltip=tooltips(("model:N", MODEL_TITLE), ("T:Q", "Lag T"), (f"{metric}:Q", y_title),
                         ("seconds:Q", "Training time (s)")))
    rule = base.mark_rule(color=REFERENCE_COLOR, size=1.5).encode(
        y=y(base_col), strokeDash=alt.StrokeDash("reference:N", title="Reference lines",
                                                 scale=alt.Scale(range=[[6, 4]])),
        tooltip=tooltips((f"{base_col}:Q", base_label.capitalize()))).transform_calculate(reference=f"'{base_label}'")
    return alt.layer(lines, rule, height=240, width=300).facet(
        column=alt.Column("task:N", title=None, sort=list(TASK_TITLES),
                          header=alt.Header(labelExpr=_TASK_LABEL_EXPR, labelFontWeight="bold")),
        title=f"{y_title} against lag, same budget for every model")


def _axis_step(T: int) -> int:
    return 1 if T <= 20 else 5 if T <= 50 else 10


def readout_map(readout: pd.DataFrame, task: str, T: int, model: str) -> alt.Chart:
    """Readout attention weight over time steps (x) for a few held-out sequences (y); marked positions outlined."""
    rows = readout[(readout["task"] == task) & (readout["T"] == T) & (readout["model"] == model)]
    axis = alt.Axis(values=list(range(0, T, _axis_step(T))), labelAngle=0)
    # Streamlit sizes a plain chart with autosize "fit": the height includes the title and the axis
    return (alt.Chart(rows, title=f"{model}: readout weight over time ({TASK_TITLES.get(task, task)}, T = {T})",
                      height=max(common.MIN_HEIGHT, 90 + 26 * rows["example"].nunique()))
            .mark_rect(strokeWidth=2)
            .encode(x=alt.X("t:O", title="Time step t", axis=axis), y=alt.Y("example:O", title="Held-out sequence"),
                    color=alt.Color("weight:Q", title="Attention weight", scale=alt.Scale(scheme=common.SEQUENTIAL)),
                    stroke=alt.condition(alt.datum.marked, alt.value(common.ON_HEATMAP_COLORS[0]), alt.value(None)),
                    tooltip=tooltips(("example:O", "Sequence"), ("t:O", "Time step"), ("weight:Q", "Attention weight"),
                                     ("x:Q", "Input value"), ("marked:N", "Marked position"))))


def self_attention_map(self_attention: pd.DataFrame, task: str, T: int) -> alt.FacetChart:
    """The transformer's self-attention, query (y) against key (x), one panel per head."""
    rows = self_attention[(self_attention["task"] == task) & (self_attention["T"] == T)]
    axis = alt.Axis(values=list(range(0, T, _axis_step(T))), labelAngle=0)
    side = 260 if T > 30 else 200
    heat = alt.Chart(rows, width=side, height=side).mark_rect().encode(
        x=alt.X("key:O", title="Key position (attended)", axis=axis),
        y=alt.Y("query:O", title="Query position (attending)", axis=axis),
        color=alt.Color("weight:Q", title="Attention weight", scale=alt.Scale(scheme=common.SEQUENTIAL)),
        tooltip=tooltips(("head:N", "Head"), ("query:O", "Query"), ("key:O", "Key"), ("weight:Q", "Weight")))
    return heat.facet(column=alt.Column("head:N", title="Head"),
                      title=f"Transformer self-attention, query × key ({TASK_TITLES.get(task, task)}, T = {T})")


def curves_chart(curves: pd.DataFrame, summary: pd.DataFrame, task: str, T: int) -> alt.LayerChart:
    """Training loss against step for each model at one (task, T), the task's baseline dashed."""
    rows = drawable(curves[(curves["task"] == task) & (curves["T"] == T)], ["loss"], positive=True).frame
    baseline = float(summary.loc[summary["task"] == task, "baseline"].iloc[0])
    y_title = "Training loss (MSE, window mean)"
    # height includes title and axes under Streamlit's autosize "fit"; much less and Vega clips the title
    lines = alt.Chart(rows, title=f"Training loss against step ({TASK_TITLES.get(task, task)}, T = {T})",
                      height=340).mark_line().encode(
        x=common.qx("step:Q", "Update step"), y=common.qy("loss:Q", y_title, log=True),
        color=_model_color(rows["model"]),
        tooltip=tooltips(("model:N", MODEL_TITLE), ("step:Q", "Step"), ("loss:Q", y_title)))
    return lines + common.hrule(baseline, label=f"baseline {baseline:.3g} (memoryless)", y_title=y_title, log_y=True)


_COST = {"per_step": ("Time per step (µs, median)", 1e6), "memory_bytes": ("Memory kept for backward (MiB)", 2.0 ** -20)}


def cost_chart(cost: pd.DataFrame) -> alt.FacetChart:
    """Forward-pass time per step (µs) and kept memory (MiB) against T, log-log, one panel each."""
    frame = pd.concat([cost.assign(measure=title, value=cost[col] * factor) for col, (title, factor) in _COST.items()],
                      ignore_index=True)
    frame = drawable(frame, ["value"], positive=True).frame
    return (alt.Chart(frame, height=240, width=300)
            .mark_line(point=True)
            .encode(x=common.qx("T:Q", "Sequence length T", log=True, base=2),
                    y=common.qy("value:Q", "Time per step (µs) / memory (MiB)", log=True),
                    color=_model_color(frame["model"]),
                    tooltip=tooltips(("model:N", MODEL_TITLE), ("T:Q", "T"), ("measure:N", "Measure"),
                                     ("value:Q", "Value"), ("depth:Q", "Sequential steps (depth)"),
                                     ("repeats:Q", "Measurements")))
            .facet(column=alt.Column("measure:N", title=None, sort=[t for t, _ in _COST.values()]),
                   title="Cost against T: the RNN loop against self-attention")
            .resolve_scale(y="independent"))
