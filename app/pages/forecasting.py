"""Time-series prediction: RNN, LSTM and GRU forecasts of a sine and real series, against honest baselines."""

from __future__ import annotations

import streamlit as st

from app import runs, ui
from app.upload import csv_upload
from rnncore.charts import forecasting as charts
from rnncore.experiments import forecasting as exp

PAGE = "forecasting"
LABELS = {
    exp.SINE: "Noisy sine (the article's)",
    "seattle_temp_max": "Seattle, daily maximum temperature",
    "seattle_temp_hourly": "Seattle, hourly temperature",
    "seattle_temp_daily": "Seattle, daily mean temperature",
    "sf_temp_hourly": "San Francisco, hourly temperature",
    "sf_temp_daily": "San Francisco, daily mean temperature",
    **{f"stock_{t}": f"{t.upper()}, monthly stock price" for t in ("msft", "aapl", "amzn", "ibm", "goog")},
    exp.UPLOAD: "Upload a CSV",
}
MODELS = [f"{cell}:{mode}" for mode in exp.MODES for cell in exp.CELLS]  # "lstm:full", "rnn:readout", ...
DEFAULT_MODELS = ["rnn:full", "lstm:full", "gru:full", "rnn:readout"]


def model_label(key: str) -> str:
    """"rnn:readout" -> "RNN readout-only", the name in every table and legend."""
    return exp.model_name(*key.split(":"))


@ui.cached(max_entries=8, spinner="Loading the series...")
def load(sc: exp.SeriesConfig, seed: int) -> exp.Series:
    return exp.load_series(sc, seed=seed)


@ui.cached(max_entries=4, spinner="Checking the file...")
def read_upload(digest: str, date_column: str, value_column: str, *, _raw: bytes) -> tuple:
    v = exp.validate_series_csv(_raw, date_column=date_column or None, value_column=value_column or None)
    return exp.series_from_upload(v), list(v.warnings)


@ui.cached(max_entries=8, spinner=False)
def shipped(cfg: exp.Config, sc: exp.SeriesConfig, model: str, seed: int):
    cell, mode = model.split(":")
    return exp.load_shipped(cfg, sc, cell=cell, mode=mode, seed=seed)


@ui.cached(max_entries=16, spinner="Scoring the forecasts...")
def evaluate(cfg: exp.Config, data_key: str, seed: int, models: tuple, live: tuple, *, _series, _prep,
             _runs) -> tuple:
    """The forecasts and errors, and the sentences that say what the table shows."""
    fc = exp.evaluate(cfg, _series, _prep, _runs)
    return fc, exp.summary(fc.table)


st.title("Time-series prediction")
st.markdown(
    "Can a recurrent network forecast a series better than the simplest rules? Here RNN, LSTM and GRU read a window "
    "of past values and predict the next one, on the article's noisy sine or on real weather and stock data. Three "
    "baselines set the bar: **persistence** (tomorrow equals today), **seasonal naive** (the same time last season) "
    "and a linear **AR(p)** fitted by least squares. Every error is measured on the held-out end of the series, "
    "one step ahead and free-running, where the model feeds on its own predictions."
)
article = st.container()

left, right = st.columns([1, 2])
with left:
    source = ui.select("Series", [*exp.SOURCES, exp.UPLOAD], key="series", value=exp.SINE,
                       format_func=lambda name: LABELS.get(name, name))
with right:
    models = ui.multiselect("Recurrent models", MODELS, key="models", value=DEFAULT_MODELS, format_func=model_label,
                            help="Readout-only: the recurrent weights stay at their random start and only the output "
                                 "layer learns, as in the article's code.")
sine = exp.SeriesConfig()
if source == exp.SINE:
    a, b = st.columns(2)
    with a:
        frequency = ui.select_slider("Sine frequency (the article's: 0.1, one period)", [0.1, 0.2, 0.5, 1.0],
                                     key="frequency", value=0.1)
    with b:
        noise = ui.select_slider("Noise (standard deviation)", [0.0, 0.05, 0.1, 0.2, 0.5], key="noise", value=0.1)
    sine = exp.SeriesConfig(exp.SINE, frequency=frequency, noise=noise)
with st.expander("Baselines, split and training", icon=":material/tune:"):
    a, b, c, d = st.columns(4)
    with a:
        ar_order = ui.select_slider("AR order p", [1, 2, 4, 8, 16, 24, 48], key="ar", value=8)
        season = ui.number("Season in steps (0: the series' own)", key="season", min_value=0, max_value=2000,
                           value=0, step=1)
        test_frac = ui.select_slider("Held-out tail", [0.1, 0.2, 0.3], key="test", value=0.2,
                                     format_func=lambda v: f"{v:.0%}")
    with b:
        window = ui.select_slider("Window (values read)", [8, 16, 24, 48], key="window", value=24)
        hidden_size = ui.select_slider("Hidden units", [8, 16, 32, 64], key="hidden", value=16)
        horizon = ui.select_slider("Longest horizon scored", [6, 12, 24, 48], key="horizon", value=24)
    with c:
        steps = ui.select_slider("Updates per model", [100, 200, 400, 800, 1600], key="steps", value=400)
        lr = ui.select_slider("Learning rate (Adam)", [0.001, 0.003, 0.01, 0.03, 0.1], key="lr", value=0.01)
        batch = ui.select_slider("Batch size (windows)", [16, 32, 64], key="batch", value=32)
    with d:
        clip = ui.select_slider("Clip gradient norm at", [0.1, 1.0, 10.0], key="clip", value=1.0)
        truncate = ui.select_slider("Backpropagate through", [0, 4, 8, 16], key="truncate", value=0,
                                    format_func=lambda k: "the whole window" if k == 0 else f"{k} steps (truncated)")
cfg = exp.Config(window=window, hidden_size=hidden_size, steps=steps, batch=batch, lr=lr, clip=clip, truncate=truncate,
                test_frac=test_frac, ar_order=ar_order, season=season, horizon=horizon)
seed = ui.global_seed()

series, sc, data_key, upload_name = None, sine, "", None
if source == exp.UPLOAD:
    upload = csv_upload("CSV with a date column and a value column, at most 5 MB",
                        (("Date column (blank: detect it)", "date_column"),
                         ("Value column (blank: detect it)", "value_column")), read_upload,
                        waiting="Upload a file to forecast your own series. Until then the page shows the "
                                "article's sine.",
                        fallback="the article's sine")
    if upload.value is not None:
        series, upload_name, data_key = upload.value, upload.name, f"upload-{upload.digest[:16]}"
elif source != exp.SINE:
    sc = exp.SeriesConfig(source)
if series is None:
    series = load(sc, seed if sc.name == exp.SINE else 0)
    data_key = f"{sc}|{seed}" if sc.name == exp.SINE else sc.name
try:
    prep = exp.prepare(series, cfg)
except ValueError as err:
    st.error(ui.plain(err), icon=":material/error:")
    st.stop()

train_cfg = exp.for_training(cfg)
keys = {model: (train_cfg, data_key, model, seed) for model in models}
live = {m: r for m, k in keys.items() if (r := runs.result(PAGE, "train", k)) is not None}
stored = {m: r for m in models if not upload_name and (r := shipped(cfg, sc, m, seed)) is not None}
trained = {m: live.get(m, stored.get(m)) for m in models}
trained = {m: r for m, r in trained.items() if r is not None}

st.header("Forecasts on the held-out tail")
st.caption(f"{ui.plain(series.title)}" + (f" (file {ui.literal(upload_name)})" if upload_name else "") +
           f". {len(prep.y):,} values: the first {prep.n_train:,} train (and set the scaling), the last "
           f"{len(prep.y) - prep.n_train:,} are held out. Source: {ui.plain(series.source)}")
runs.each(PAGE, "train", {
    m: runs.Part(keys[m], lambda report, m=m: exp.train_model(train_cfg, prep, cell=m.split(":")[0],
                                                              mode=m.split(":")[1], seed=seed, callback=report),
                 lambda m=m: exp.work(train_cfg, prep, cell=m.split(":")[0], mode=m.split(":")[1]), train_cfg.steps)
    for m in models}, shipped=[m for m in stored if m not in live],
    label=lambda todo: "Train " + ", ".join(map(model_label, todo)), what=lambda m: f"Training the {model_label(m)}",
    unit="update")
trained = {m: trained[m] for m in models if m in trained}
if trained and not live and len(stored) == len(trained):
    st.caption("Trained models: shipped results for exactly these settings and this seed, made by "
               "`python -m rnncore.experiments make forecasting`; the forecasts and errors are computed now.")
for model, run in trained.items():
    ui.show_run_problem(step=run.stopped_at, reason=run.reason, total=cfg.steps, what=f"Training the "
                        f"{model_label(model)}", hint="Lower the learning rate or the clipping threshold.")

fc, claims = evaluate(cfg, data_key, seed, tuple(trained), tuple(sorted(live)), _series=series, _prep=prep,
                      _runs=list(trained.values()))
temporal = series.dates is not None

table = fc.table.rename(columns={"one_step_mae": "MAE, one step", "one_step_rmse": "RMSE, one step",
                                 "free_mae": f"MAE, free-running 1-{min(cfg.horizon, len(prep.y) - prep.n_train)}",
                                 "free_rmse": f"RMSE, free-running 1-{min(cfg.horizon, len(prep.y) - prep.n_train)}"})
st.dataframe(table.drop(columns="kind"), hide_index=True, width="stretch",
             column_config={c: st.column_config.NumberColumn(c, format="%.4f") for c in table.columns[2:]})
for note in fc.notes:  # under the table it explains: a missing baseline is not the first thing the page says
    st.caption(f":material/info: {note}")
ui.download_csv(fc.table, "forecast-errors")
st.markdown("\n".join(f"- {line}" for line in claims))

ui.chart(charts.forecast_vs_truth, fc.one_step, temporal=temporal, units=series.units,
         title="One step ahead: each forecast reads the true past",
         caption="Each forecast sees the true past: the closer a line follows the truth, the better.")
ui.download_csv(fc.one_step, "forecast-one-step")
ui.chart(charts.forecast_vs_truth, fc.free_run, temporal=temporal, units=series.units,
         title="Free-running from the start of the tail: each forecast feeds the next",
         caption="Each forecast feeds the next: errors pile up, and a model that drifts off the truth shows it here.")
ui.download_csv(fc.free_run, "forecast-free-running")
ui.chart(charts.horizon_chart, fc.horizon, units=series.units,
         caption="How the error grows with the steps ahead; lower is better at every horizon.")
ui.download_csv(fc.horizon, "forecast-error-by-horizon")
ui.chart(charts.residual_boxes, fc.one_step, units=series.units,
         caption="A narrow box centred on 0 is an unbiased, precise forecaster.")
ui.download_csv(fc.one_step[["time", "model", "residual"]], "forecast-residuals")
ui.chart(charts.series_overview, fc.series, temporal=temporal, units=series.units,
         title="The whole series: training part and held-out tail",
         caption="The models train on the first part and are scored on the held-out tail only.")
ui.download_csv(fc.series, "forecast-series")

st.header("The article's forecaster: only the readout learns")
shapes, error = exp.article_mechanism(seed=seed)
st.markdown(
    "The article's training loop updates one matrix, the output weights `Why`; the input and recurrent weights stay "
    "at their random start, so nothing is backpropagated through time. It never gets that far: each input `X[t]` "
    "has shape (1,), and adding it to the (10, 1) hidden state broadcasts the state to (10, 10). Our own code with "
    "its shapes:")
one, two = st.columns([1, 2])
one.dataframe(shapes, hide_index=True)
two.code(error or "no error", language="text", wrap_lines=True)
two.caption("Select a readout-only model above to train it properly (same data, same steps) and compare it with "
            "full backpropagation through time, in the table and below.")
if len(fc.curves):
    curves = fc.curves[fc.curves["smoothed"] > 0]
    ui.chart(charts.loss_curves, curves,
             caption="Full BPTT against training the readout alone: the lower the line, the better it fits.")
    ui.download_csv(fc.curves, "forecast-training-loss")


with article:
    ui.article_box(
        said="A NumPy `SimpleRNN` trained on a noisy sine: the loss falls from **0.255** to **2.1e-4** over 1,000 "
             f"epochs, and its first five predictions match the truth to within {exp.article_gap():.5f}.",
        code_does="Raises `ValueError` at its first update of the output weights: 1-D inputs broadcast the hidden "
                  "state to (10, 10). And that update is its only training: no gradient reaches the recurrent "
                  "weights.",
        measured=exp.measured_sentence(fc.table, claims, noise=sine.noise if source == exp.SINE else None),
    )

if sc.name == exp.SINE and not upload_name:
    data_lines = f"series = fx.load_series(fx.{sc!r}, seed={seed})"
elif not upload_name:
    data_lines = f"series = fx.load_series(fx.{sc!r}, seed=0)"
else:
    data_lines = (f"v = validate_series_csv(open({upload_name!r}, 'rb').read())  # your file\n"
                  "    series = fx.series_from_upload(v)")
ui.reproduce(f"""
    import rnncore.experiments.forecasting as fx
    from rnncore.data.uploads import validate_series_csv

    cfg = fx.{cfg!r}
    {data_lines}
    prep = fx.prepare(series, cfg)
    runs = [fx.train_model(cfg, prep, cell=cell, mode=mode, seed={seed})
            for cell, mode in {tuple(tuple(m.split(":")) for m in models)!r}]
    result = fx.evaluate(cfg, series, prep, runs)
    print(result.table.round(4).to_string(index=False))
    print("\\n".join(fx.summary(result.table)))
    if runs:   # the first model's one-step MAE, as in the table
        print("headline:", result.table.set_index("model").one_step_mae[fx.model_name(runs[0].cell, runs[0].mode)])
""")
