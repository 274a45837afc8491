"""Charts of the forecasting page: pure functions from the frames of ``rnncore.experiments.forecasting`` to Altair.

The truth is black; baselines are muted colours; RNN, LSTM and GRU keep the Lab's cell colours, and their
readout-only variants are drawn dashed in the same colour. ``temporal`` says whether ``time`` holds dates.
"""
from __future__ import annotations

import altair as alt
import pandas as pd

from rnncore.charts.common import CELL_COLORS, tooltips

BASELINE_COLORS = {"persistence": "#8c8c8c", "seasonal naive": "#c08a2e", "AR": "#8b5cf6"}
TRUTH_COLOR = "#111111"


def _model_color(models) -> alt.Color:
    present = list(dict.fromkeys(models))
    colors = {**BASELINE_COLORS}
    for m in present:
        if m not in colors:
            colors[m] = CELL_COLORS.get(m.split(" ")[0].lower(), "#444444")
    domain = [m for m in BASELINE_COLORS if m in present] + [m for m in present if m not in BASELINE_COLORS]
    return alt.Color("model:N", title="Model", scale=alt.Scale(domain=domain, range=[colors[m] for m in domain]))


def _dash(df: pd.DataFrame) -> pd.DataFrame:
    return df.assign(training=df["model"].map(lambda m: "readout only" if m.endswith("readout-only") else
                                              ("baseline" if m in BASELINE_COLORS else "full BPTT")))


_DASHES = alt.StrokeDash("training:N", title="Training", scale=alt.Scale(
    domain=["baseline", "full BPTT", "readout only"], range=[[1, 0], [1, 0], [6, 3]]))


def _time(temporal: bool) -> alt.X:
    return alt.X("time:T", title="Date") if temporal else alt.X("time:Q", title="Step")


def _time_tip(temporal: bool) -> tuple[str, str]:
    return ("time:T", "Date") if temporal else ("time:Q", "Step")


def series_overview(df: pd.DataFrame, *, temporal: bool, title: str, units: str = "") -> alt.Chart:
    """The whole series, the training part and the held-out test tail in two colours.

    Args:
        df: time, value, part (``Forecasts.series``).
    """
    y_title = f"Value ({units})" if units else "Value"
    return alt.Chart(df, title=title, height=220).mark_line(strokeWidth=1).encode(
        x=_time(temporal),
        y=alt.Y("value:Q", title=y_title, scale=alt.Scale(zero=False)),
        color=alt.Color("part:N", title="Part", scale=alt.Scale(domain=["train", "test"],
                                                                 range=["#9ca3af", TRUTH_COLOR])),
        tooltip=tooltips(_time_tip(temporal), ("value:Q", y_title), ("part:N", "Part")),
    )


def forecast_vs_truth(df: pd.DataFrame, *, temporal: bool, title: str, units: str = "") -> alt.LayerChart:
    """Forecasts of every model over the test tail (coloured), against the truth (black).

    Args:
        df: time, model, truth, forecast (``Forecasts.one_step`` or ``Forecasts.free_run``).
    """
    y_title = f"Value ({units})" if units else "Value"
    truth = df.drop_duplicates("time")[["time", "truth"]]
    truth_line = alt.Chart(truth).mark_line(color=TRUTH_COLOR, strokeWidth=1.2, opacity=0.6).encode(
        x=_time(temporal), y=alt.Y("truth:Q", title=y_title, scale=alt.Scale(zero=False)),
        tooltip=tooltips(_time_tip(temporal), ("truth:Q", "Truth")))
    lines = alt.Chart(_dash(df), title=title, height=320).mark_line(strokeWidth=1.5).encode(
        x=_time(temporal),
        y=alt.Y("forecast:Q", title=y_title, scale=alt.Scale(zero=False)),
        color=_model_color(df["model"]),
        strokeDash=_DASHES,
        tooltip=tooltips(_time_tip(temporal), ("model:N", "Model"), ("forecast:Q", "Forecast"), ("truth:Q", "Truth")),
    )
    return lines + truth_line


def horizon_chart(df: pd.DataFrame, *, units: str = "") -> alt.Chart:
    """Free-running MAE against the number of steps ahead, averaged over rolling origins in the test tail.

    Args:
        df: h, model, mae, rmse, origins (``Forecasts.horizon``).
    """
    y_title = f"MAE ({units})" if units else "MAE"
    n = int(df["origins"].max()) if len(df) else 0
    return alt.Chart(_dash(df), title=f"Free-running error against horizon ({n} origins in the test tail)",
                     height=300).mark_line(point=True).encode(
        x=alt.X("h:Q", title="Steps ahead"),
        y=alt.Y("mae:Q", title=y_title, scale=alt.Scale(zero=True)),
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
    return alt.Chart(df, title="One-step residuals on the test tail", height=40 + 30 * len(models)).mark_boxplot(
        extent=1.5).encode(
        y=alt.Y("model:N", title="Model", sort=models),
        x=alt.X("residual:Q", title=x_title),
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
        y=alt.Y("residual:Q", title=y_title),
        color=_model_color(df["model"]),
        strokeDash=_DASHES,
        tooltip=tooltips(_time_tip(temporal), ("model:N", "Model"), ("residual:Q", y_title)),
    )


def loss_curves(df: pd.DataFrame) -> alt.Chart:
    """Training MSE (scaled values, rolling mean of 10 updates) against the update step, log scale.

    Args:
        df: model, step, loss, smoothed (``Forecasts.curves``), with smoothed > 0.
    """
    return alt.Chart(_dash(df), title="Training loss (rolling mean of 10 updates): full BPTT against readout only",
                     height=300).mark_line().encode(
        x=alt.X("step:Q", title="Update step"),
        y=alt.Y("smoothed:Q", title="Training MSE (scaled)", scale=alt.Scale(type="log")),
        color=_model_color(df["model"]),
        strokeDash=_DASHES,
        tooltip=tooltips(("model:N", "Model"), ("step:Q", "Update step"),
                         ("smoothed:Q", "Training MSE (scaled), rolling mean"), ("loss:Q", "MSE of this batch")),
    )
