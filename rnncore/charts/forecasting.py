"""Charts of the forecasting page: pure functions from the frames of ``rnncore.experiments.forecasting`` to Altair.

The truth is black and named in the legend; baselines and RNN, LSTM and GRU keep their colours of every page
(``common.FAMILY_COLORS``), and the readout-only variants are a light tint of their family's colour, dashed.
``temporal`` says whether ``time`` holds dates.
"""
from __future__ import annotations

import altair as alt
import pandas as pd

from rnncore.charts import common
from rnncore.charts.common import tooltips

BASELINES = ("persistence", "seasonal naive", "AR")
TRUTH = "truth"
TRUTH_COLOR = common.STATUS_COLORS["overflow"]  # black


def _model_color(models, *, truth: bool = False) -> alt.Color:
    """Every model in its family's colour; with ``truth``, the true series is a legend entry too (black)."""
    present = list(dict.fromkeys(models))
    domain = sorted(present, key=lambda m: (m not in BASELINES, m))
    colors = [common.family_hex(m) for m in domain]
    if truth:
        domain, colors = [TRUTH, *domain], [TRUTH_COLOR, *colors]
    return alt.Color("model:N", title="Series" if truth else "Model", scale=alt.Scale(domain=domain, range=colors))


def _dash(df: pd.DataFrame) -> pd.DataFrame:
    return df.assign(training=df["model"].map(lambda m: "readout only" if m.endswith("readout-only") else
                                              ("baseline" if m in BASELINES else "full BPTT")))


# Readout-only variants are dashed; the colour legend names them already ("RNN readout-only"), so no second legend.
_DASHES = alt.StrokeDash("training:N", title="Training", legend=None, scale=alt.Scale(
    domain=["truth", "baseline", "full BPTT", "readout only"], range=[[1, 0], [1, 0], [1, 0], [6, 3]]))


def _time(temporal: bool) -> alt.X:
    return alt.X("time:T", title="Date") if temporal else common.qx("time:Q", "Step")


def _time_tip(temporal: bool) -> tuple[str, str]:
    return ("time:T", "Date") if temporal else ("time:Q", "Step")


def series_overview(df: pd.DataFrame, *, temporal: bool, title: str, units: str = "") -> alt.Chart:
    """The whole series, the training part and the held-out test tail in two colours.

    Args:
        df: time, value, part (``Forecasts.series``).
    """
    y_title = f"Value ({units})" if units else "Value"
    return alt.Chart(df, title=title, height=common.MIN_HEIGHT).mark_line(strokeWidth=1).encode(
        x=_time(temporal),
        y=common.qy("value:Q", y_title),
        color=common.category_color("part:N", title="Part", order=["train", "test"]),
        tooltip=tooltips(_time_tip(temporal), ("value:Q", y_title), ("part:N", "Part")),
    )


def forecast_vs_truth(df: pd.DataFrame, *, temporal: bool, title: str, units: str = "") -> alt.LayerChart:
    """Forecasts of every model over the test tail (coloured), against the truth (black).

    Args:
        df: time, model, truth, forecast (``Forecasts.one_step`` or ``Forecasts.free_run``).
    """
    y_title = f"Value ({units})" if units else "Value"
    truth = df.drop_duplicates("time")[["time", "truth"]].assign(model=TRUTH, training="truth")
    colour = _model_color(df["model"], truth=True)
    truth_line = alt.Chart(truth).mark_line(strokeWidth=1.4, opacity=0.7).encode(
        x=_time(temporal), y=common.qy("truth:Q", y_title), color=colour,
        tooltip=tooltips(_time_tip(temporal), ("truth:Q", "Truth")))
    lines = alt.Chart(_dash(df), title=title, height=340).mark_line(strokeWidth=1.5).encode(
        x=_time(temporal),
        y=common.qy("forecast:Q", y_title),
        color=colour,
        strokeDash=_DASHES,
        tooltip=tooltips(_time_tip(temporal), ("model:N", "Model"), ("forecast:Q", "Forecast"), ("truth:Q", "Truth")),
    )
    return truth_line + lines


def horizon_chart(df: pd.DataFrame, *, units: str = "") -> alt.Chart:
    """Free-running MAE against the number of steps ahead, averaged over rolling origins in the test tail.

    Args:
        df: h, model, mae, rmse, origins (``Forecasts.horizon``).
    """
    y_title = f"MAE ({units})" if units else "MAE"
    n = int(df["origins"].max()) if len(df) else 0
    return alt.Chart(_dash(df), title=f"Free-running error against horizon ({n} origins in the test tail)",
                     height=300).mark_line(point=True).encode(
        x=common.qx("h:Q", "Steps ahead"),
        y=common.qy("mae:Q", y_title, zero=True),
        color=_model_color(df["model"]),
        strokeDash=_DASHES,
        tooltip=tooltips(("model:N", "Model"), ("h:Q", "Steps ahead"), ("mae:Q", y_title), ("rmse:Q", "RMSE"),
                         ("origins:Q", "Origins averaged")),
    )


def residual_boxes(df: pd.DataFrame, *, units: str = "") -> alt.Chart:
    """The distribution of one-step residuals (truth - forecast) on the test tail, one box per model.

    Args:
        df: time, model, truth, forecast, residual (``Forecasts.one_step``).
    """
    x_title = f"Residual, truth - forecast ({units})" if units else "Residual, truth - forecast"
    models = list(dict.fromkeys(df["model"]))
    # room for every box's label: a band axis drops labels that would touch
    return alt.Chart(df, title="One-step residuals on the test tail",
                     height=max(common.MIN_HEIGHT, 80 + 36 * len(models))).mark_boxplot(extent=1.5).encode(
        y=alt.Y("model:N", title="Model", sort=models, axis=alt.Axis(labelOverlap=False, labelLimit=220)),
        x=common.qx("residual:Q", x_title),
        color=_model_color(df["model"]),
        tooltip=tooltips(("model:N", "Model"), ("residual:Q", x_title)),
    )


def residual_lines(df: pd.DataFrame, *, temporal: bool, units: str = "") -> alt.Chart:
    """One-step residuals over time, to show bias and structure left in them.

    Args:
        df: time, model, residual (``Forecasts.one_step``), usually two or three models.
    """
    y_title = f"Residual ({units})" if units else "Residual"
    return alt.Chart(_dash(df), title="One-step residuals over time", height=260).mark_line(strokeWidth=1).encode(
        x=_time(temporal),
        y=common.qy("residual:Q", y_title),
        color=_model_color(df["model"]),
        strokeDash=_DASHES,
        tooltip=tooltips(_time_tip(temporal), ("model:N", "Model"), ("residual:Q", y_title)),
    )


def loss_curves(df: pd.DataFrame) -> alt.LayerChart:
    """Training MSE (scaled values, rolling mean of 10 updates) against the update step, log scale, with the MSE of a
    constant forecast of the training mean: exactly 1 on values scaled by the training part's mean and std.

    Args:
        df: model, step, loss, smoothed (``Forecasts.curves``), with smoothed > 0.
    """
    y_title = "Training MSE (scaled)"
    lines = alt.Chart(_dash(df), title="Training loss (rolling mean of 10 updates): full BPTT against readout only",
                      height=300).mark_line().encode(
        x=common.qx("step:Q", "Update step"),
        y=common.qy("smoothed:Q", y_title, log=True),
        color=_model_color(df["model"]),
        strokeDash=_DASHES,
        tooltip=tooltips(("model:N", "Model"), ("step:Q", "Update step"),
                         ("smoothed:Q", "Training MSE (scaled), rolling mean"), ("loss:Q", "MSE of this batch")),
    )
    return common.layer(lines, common.hrule(1.0, label="constant forecast (the training mean)", y_title=y_title,
                                            log_y=True))
