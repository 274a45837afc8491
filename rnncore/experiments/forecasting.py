"""Time-series forecasting: RNN, LSTM and GRU trained on windows, scored on a held-out tail against baselines.

Protocol (every reported figure is on the held-out tail):
  - chronological split: the first (1 - test_frac) of the series trains, the rest is the test tail;
  - scaling z = (y - mean) / std with mean and std of the training part only;
  - the models read windows of ``window`` scaled values and predict the next value at every step (many-to-many MSE),
    with full or truncated BPTT; "full" trains every weight, "readout" only W_y and b_y (what the article's code
    does: its update touches nothing but the output weights);
  - one-step forecast of y[t]: the model reads the true y[t-window:t]; baselines see the true past too;
  - free-running forecast from an origin o: y[o], y[o+1], ... with the model's own predictions fed back as inputs;
  - error against horizon: free-running paths from rolling origins in the test tail, |error| averaged per horizon h.

    python -m rnncore.experiments.forecasting     # rewrites the shipped results of the default view (about 30 s)
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, NamedTuple

import numpy as np
import pandas as pd

import rnncore as rc
from rnncore.reference import baselines as bl
from rnncore.data import series as rdata
from rnncore.data import uploads
from rnncore.data import shipped
from rnncore.data.shipped import arrays_from_json, arrays_to_json
from rnncore.experiments import effort
from rnncore.optim import only_readout

CELLS = rc.CELLS  # the recurrent cells a forecaster can use
validate_series_csv = uploads.validate_series_csv  # the page's door to upload validation

SINE = "sine"
UPLOAD = "upload"
SOURCES = (SINE, *rdata.SERIES_NAMES)
MODES = ("full", "readout")  # train every weight (BPTT) / only the readout, as the article's code does
SHIPPED = "forecasting_pretrained"  # its file in rnncore/data/shipped_results/ (see rnncore.data.shipped)
COMMAND = "python -m rnncore.experiments make forecasting"
BASELINES = ("persistence", "seasonal naive", "AR")
#: The article's printed "First 5 true values" and "First 5 predicted values", as it prints them.
ARTICLE_TRUE = (0.04924765, -0.04188601, -0.13379955, -0.22311603, -0.30653565)
ARTICLE_PREDICTED = (0.05072834, -0.03972223, -0.13095724, -0.21960071, -0.30248789)


def article_gap() -> float:
    """The largest |predicted - true| among the article's first five printed predictions."""
    return float(np.max(np.abs(np.subtract(ARTICLE_PREDICTED, ARTICLE_TRUE))))


@dataclass(frozen=True)
class SeriesConfig:
    """Which series; the sine fields apply to the article's noisy sine only."""

    name: str = SINE         # SINE or a name in rnncore.data.series.SERIES_NAMES (uploads come through series_from_upload)
    frequency: float = 0.1   # sine: sin(2 pi f x) for x in [0, 10]; the article's 0.1 is a single period
    noise: float = 0.1       # sine: standard deviation of the Gaussian noise (the article's 0.1)
    samples: int = 1000      # sine: number of values (the article's 1000)


@dataclass(frozen=True)
class Config:
    """Models, split and scoring; every field has a quick default."""

    window: int = 24          # values the model reads before each forecast
    hidden_size: int = 16     # H, hidden units
    steps: int = 400          # Adam updates per model
    batch: int = 32           # windows per update
    lr: float = 0.01          # Adam learning rate
    clip: float = 1.0         # gradient clipping by global norm
    truncate: int = 0         # 0: full BPTT through the window; k: truncated BPTT through k steps
    test_frac: float = 0.2    # share of the series held out at its end
    ar_order: int = 8         # p of the AR(p) baseline
    season: int = 0           # steps per season for seasonal naive; 0 uses the series' own season
    horizon: int = 24         # longest horizon scored in the error-against-horizon view


class Series(NamedTuple):
    """One series. values (T,) float64; dates (T,) datetime64[s], or None for a plain step index."""

    name: str
    title: str
    values: np.ndarray
    dates: np.ndarray | None
    season: int      # natural season in steps (a period of the sine, a day of hourly data...)
    units: str
    source: str


def load_series(sc: SeriesConfig, *, seed: int) -> Series:
    """The article's noisy sine (noise drawn from ``seed``), or a real series bundled offline."""
    if sc.name == SINE:
        if not (int(sc.samples) >= 100 and sc.frequency > 0 and sc.noise >= 0):
            raise ValueError(f"The sine needs samples >= 100, frequency > 0 and noise >= 0; got {sc}.")
        x = np.linspace(0.0, 10.0, int(sc.samples))
        rng = np.random.default_rng(np.random.SeedSequence([int(seed), 7]))
        y = np.sin(2 * np.pi * sc.frequency * x) + rng.normal(0.0, sc.noise, len(x))
        period = int(round(1.0 / (sc.frequency * (x[1] - x[0]))))
        return Series(SINE, f"Noisy sine: sin(2π·{sc.frequency:g}·x) + N(0, {sc.noise:g}²), {len(x)} samples",
                      y, None, period, "", "Generated as in the article (x = linspace(0, 10, samples)).")
    s = rdata.load_series(sc.name)
    return Series(s.name, s.title, s.values, s.dates, s.season_length, s.units, s.source)


def series_from_upload(v: uploads.ValidatedSeries, *, name: str = "uploaded CSV") -> Series:
    """An uploaded, validated CSV as a Series; its season is guessed from the spacing of its dates."""
    step = np.median(np.diff(v.dates).astype(np.int64)) if len(v.dates) > 1 else 86400
    season = {3600: 24, 86400: 7}.get(int(step), 12 if 28 * 86400 <= step <= 31 * 86400 else 1)
    why = {24: "hourly values: a day", 7: "daily values: a week", 12: "monthly values: a year"}.get(
        season, "no regular spacing recognised")
    return Series(UPLOAD, f"{name}: {v.value_column}", v.values, v.dates, season, "",
                  f"Uploaded file, columns {v.date_column!r} (dates) and {v.value_column!r} (values). Seasonal "
                  f"naive uses a season of {season} step{'s' if season != 1 else ''} ({why}), guessed from the "
                  "spacing of the dates; set Season in steps to change it.")


class Prepared(NamedTuple):
    """The split and the scaling. y (T,) raw; z (T,) scaled with the training part's mean and std."""

    y: np.ndarray
    z: np.ndarray
    n_train: int
    mean: float
    std: float
    season: int


def prepare(series: Series, cfg: Config) -> Prepared:
    """Split chronologically and scale on the training part; raises ValueError when the series is too short."""
    y = np.asarray(series.values, dtype=np.float64)
    n_train = int(round(len(y) * (1.0 - cfg.test_frac)))
    need = max(cfg.window, 2 * cfg.ar_order + 1) + cfg.batch // 4 + 1
    if n_train < need or len(y) - n_train < 2:
        raise ValueError(f"The series has {len(y)} values: too short for a window of {cfg.window}, AR({cfg.ar_order}) "
                         f"and a test tail of {cfg.test_frac:.0%}. Shorten the window or the AR order, or use a longer "
                         "series.")
    mean, std = float(y[:n_train].mean()), float(y[:n_train].std())
    std = std if std > 0 else 1.0  # a constant training part: nothing to scale
    season = int(cfg.season) if cfg.season > 0 else int(series.season)
    return Prepared(y, (y - mean) / std, n_train, mean, std, season)


# ---- the recurrent forecasters ---------------------------------------------------------------------------------------

class ModelRun(NamedTuple):
    """One trained forecaster. losses: (steps,) training MSE on scaled values, per update."""

    cell: str
    mode: str
    params: dict
    losses: np.ndarray
    stopped_at: int | None
    reason: str | None


def model_name(cell: str, mode: str) -> str:
    """The row name of a model in every table and legend, e.g. "LSTM" or "RNN readout-only"."""
    return cell.upper() + (" readout-only" if mode == "readout" else "")


def spec_of(cfg: Config, cell: str) -> rc.ModelSpec:
    """Many-to-many: one scaled value in, the next value out, at every step."""
    return rc.ModelSpec(cell, input_size=1, hidden_size=cfg.hidden_size, output_size=1, loss="mse", output="all")


def batches(cfg: Config, prep: Prepared) -> Callable[[np.random.Generator], rc.Batch]:
    """The training batches: ``batch`` random windows of the training part (scaled), each target the next value."""
    z = prep.z[:prep.n_train]
    windows = np.lib.stride_tricks.sliding_window_view(z, cfg.window + 1)  # (n_windows, window + 1), a view

    def batch(r: np.random.Generator) -> rc.Batch:
        rows = windows[r.integers(0, len(windows), size=cfg.batch)]
        return rc.Batch(rows[:, :-1, None].copy(), rows[:, 1:, None].copy(), "mse", 1.0, "all")

    return batch


def train_model(cfg: Config, prep: Prepared, *, cell: str, mode: str, seed: int,
                callback: Callable[[int, int, dict], None] | None = None) -> ModelRun:
    """Train one forecaster on random windows of the training part (scaled); the same seed gives the same bits."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}.")
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), rc.CELLS.index(cell), MODES.index(mode)]))
    spec = spec_of(cfg, cell)
    params = rc.init_model(spec, rng=rng, forget_bias=1.0 if cell == "lstm" else 0.0)
    optimizer = rc.adam(cfg.lr) if mode == "full" else only_readout(rc.adam(cfg.lr))
    out = rc.train(spec, params, batches(cfg, prep), rng=rng, steps=cfg.steps, optimizer=optimizer, clip=cfg.clip,
                   truncate=cfg.truncate or None, callback=callback, callback_every=1)
    return ModelRun(cell, mode, out.params, out.history.loss, out.stopped_at, out.reason)


def work(cfg: Config, prep: Prepared, *, cell: str, mode: str) -> list[effort.Piece]:
    """What :func:`train_model` does, for the estimate a button shows: ``steps`` updates on batches of windows."""
    spec = spec_of(cfg, cell)

    def setup():
        rng = np.random.default_rng(0)
        params = rc.init_model(spec, rng=rng)
        optimizer = rc.adam(cfg.lr) if mode == "full" else only_readout(rc.adam(cfg.lr))
        return lambda: rc.train(spec, params, batches(cfg, prep), rng=rng, steps=1, optimizer=optimizer,
                                clip=cfg.clip, truncate=cfg.truncate or None)

    key = ("forecast step", cell, mode, cfg.window, cfg.hidden_size, cfg.batch, cfg.truncate)
    return [effort.Piece(f"{cell.upper()} update ({mode})", cfg.steps, setup, key)]


def rnn_one_step(cfg: Config, run: ModelRun, prep: Prepared) -> np.ndarray:
    """One-step forecasts of the test tail (raw units): each reads the true previous ``window`` values."""
    views = np.lib.stride_tricks.sliding_window_view(prep.z, cfg.window)  # row i = z[i:i+window]
    xs = views[prep.n_train - cfg.window:len(prep.z) - cfg.window]  # (n_test, window), row k ends at t-1
    with np.errstate(over="ignore", invalid="ignore"):  # a diverged model's inf shows as a gap, not a crash
        pred, _ = rc.forward(spec_of(cfg, run.cell), run.params, xs[..., None])
        return pred[:, -1, 0] * prep.std + prep.mean


def rnn_paths(cfg: Config, run: ModelRun, prep: Prepared, origins: np.ndarray, horizon: int) -> np.ndarray:
    """Free-running forecasts (raw units), (len(origins), horizon): each prediction joins the window it slides."""
    spec = spec_of(cfg, run.cell)
    window = np.stack([prep.z[o - cfg.window:o] for o in origins])  # (n_origins, window)
    out = np.empty((len(origins), horizon))
    with np.errstate(over="ignore", invalid="ignore"):  # a diverged model's inf shows as a gap, not a crash
        for h in range(horizon):
            pred, _ = rc.forward(spec, run.params, window[..., None])
            out[:, h] = pred[:, -1, 0]
            window = np.concatenate([window[:, 1:], pred[:, -1, :]], axis=1)
        return out * prep.std + prep.mean


def for_training(cfg: Config) -> Config:
    """``cfg`` with the fields that only score (AR order, season, horizon) at their defaults: the key of a trained
    model, so that changing a baseline or the horizon never retrains."""
    return dataclasses.replace(cfg, ar_order=Config.ar_order, season=Config.season, horizon=Config.horizon)


def article_mechanism(*, seed: int = 0) -> tuple[pd.DataFrame, str]:
    """The article's training step with its shapes (inputs of shape (1,), hidden (10, 1)), in our own code.

    Returns:
        (frame: what, shape, for the arrays of the first step; the error its update of the output weights raises).
    """
    rng = np.random.default_rng(seed)
    W_xh, W_hh, W_hy = (rng.standard_normal(s) * 0.01 for s in ((10, 1), (10, 10), (1, 10)))
    x, target, h = np.array([0.05]), np.array([-0.04]), np.zeros((10, 1))  # X[t], y[t]: rows of a (n, 1) array
    h = np.tanh(W_xh @ x + W_hh @ h + np.zeros((10, 1)))  # (10,) + (10, 1) broadcasts to (10, 10)
    y_pred = W_hy @ h + np.zeros((1, 1))
    d_W_hy = 2 * (y_pred - target) * h.T
    rows = [("input x = X[t]", x.shape), ("hidden h after one step", h.shape), ("prediction", y_pred.shape),
            ("gradient of W_hy", d_W_hy.shape), ("W_hy itself", W_hy.shape)]
    try:
        W_hy -= 0.01 * d_W_hy  # the article's in-place update: a (10, 10) step for a (1, 10) matrix
        error = ""
    except ValueError as err:
        error = f"ValueError: {err}"
    return pd.DataFrame(rows, columns=["array", "shape"]).astype({"shape": str}), error


# ---- shipped results ---------------------------------------------------------------------------------------------

def _shipped_key(cfg: Config, sc: SeriesConfig, seed: int) -> dict:
    return {"config": dataclasses.asdict(for_training(cfg)), "series": dataclasses.asdict(sc), "seed": int(seed)}


def load_shipped(cfg: Config, sc: SeriesConfig, *, cell: str, mode: str, seed: int,
                 root: Path = shipped.ROOT) -> ModelRun | None:
    """The shipped model (cell, mode) if it was trained with exactly these settings, series and seed, else None."""
    blob = shipped.read(SHIPPED, root)
    if not shipped.made_with(blob, **_shipped_key(cfg, sc, seed)):
        return None
    run = blob.get("runs", {}).get(f"{cell}:{mode}")
    if run is None:
        return None
    curves = arrays_from_json(run["curves"])
    return ModelRun(cell, mode, arrays_from_json(run["params"]), curves["losses"], run["stopped_at"], run["reason"])


def write_shipped(root: Path = shipped.ROOT, *, seed: int = 0, log=print) -> None:
    """Train every (cell, mode) with the defaults on the default series, and write the shipped results."""
    cfg, sc = Config(), SeriesConfig()
    prep, runs = prepare(load_series(sc, seed=seed), cfg), {}
    for cell in rc.CELLS:
        for mode in MODES:
            r = train_model(cfg, prep, cell=cell, mode=mode, seed=seed)
            runs[f"{cell}:{mode}"] = {"params": arrays_to_json(r.params),
                                      "curves": arrays_to_json({"losses": r.losses}),
                                      "stopped_at": r.stopped_at, "reason": r.reason}
            log(f"{model_name(cell, mode)}: trained")
    shipped.write(SHIPPED, {**_shipped_key(cfg, sc, seed), "runs": runs},
                  what="Forecasting page, default view: trained parameters and training losses.", command=COMMAND,
                  root=root, log=log)


# ---- scoring on the held-out tail --------------------------------------------------------------------------------

class Forecasts(NamedTuple):
    """Tidy frames for the page; ``time`` is a date when the series has dates, else the step index."""

    table: pd.DataFrame     # model, kind, one_step_mae, one_step_rmse, free_mae, free_rmse (NaN: not available)
    one_step: pd.DataFrame  # time, model, truth, forecast, residual: one-step forecasts of the test tail
    free_run: pd.DataFrame  # time, h, model, truth, forecast: free-running from the start of the test tail
    horizon: pd.DataFrame   # h, model, mae, rmse, origins: free-running error against the horizon
    series: pd.DataFrame    # time, value, part ("train" / "test")
    curves: pd.DataFrame    # model, step, loss, smoothed: training MSE on scaled values
    notes: list             # why a baseline is missing, and the like (plain text)


def _time(series: Series, idx: np.ndarray):
    return series.dates[idx] if series.dates is not None else idx


def _baseline_one_step(prep: Prepared, ar: bl.ARModel) -> dict:
    y, n = prep.y, prep.n_train
    out = {"persistence": bl.persistence(y, start=n), "AR": bl.ar_one_step(ar, y, start=n)}
    if prep.season <= n:
        out["seasonal naive"] = bl.seasonal_naive(y, start=n, season=prep.season)
    return out


def _baseline_paths(prep: Prepared, ar: bl.ARModel, origins: np.ndarray, horizon: int) -> dict:
    y = prep.y
    out = {"persistence": np.stack([bl.persistence_path(y[:o], horizon) for o in origins]),
           "AR": np.stack([bl.ar_path(ar, y[:o], horizon) for o in origins])}
    if prep.season <= min(origins):
        out["seasonal naive"] = np.stack([bl.seasonal_naive_path(y[:o], horizon, prep.season) for o in origins])
    return out


def evaluate(cfg: Config, series: Series, prep: Prepared, runs: list) -> Forecasts:
    """Score the baselines and the trained ``runs`` (ModelRun) on the test tail; pure, fast (forward passes only)."""
    y, n, T = prep.y, prep.n_train, len(prep.y)
    ar = bl.fit_ar(y[:n], cfg.ar_order)
    notes = [] if prep.season <= n else [
        f"Seasonal naive is not available: its season ({prep.season} steps) is longer than the training part "
        f"({n} steps), so no earlier season exists to copy. Choose a shorter season."]
    kinds = {name: "baseline" for name in BASELINES}
    one = _baseline_one_step(prep, ar)
    for run in runs:
        one[model_name(run.cell, run.mode)] = rnn_one_step(cfg, run, prep)
        kinds[model_name(run.cell, run.mode)] = run.cell
    H = int(min(cfg.horizon, T - n))
    starts = np.arange(n, T - H + 1)
    origins = starts[::max(1, len(starts) // 20)][:20]  # at most 20 rolling origins; the first is the tail's start
    L = int(min(T - n, max(100, H)))  # the free-running view: from the start of the tail, at least 100 steps
    # One batched run of max(L, H) steps serves both views: row 0 starts at the tail, every row is scored to H.
    paths = _baseline_paths(prep, ar, origins, max(L, H))
    for run in runs:
        paths[model_name(run.cell, run.mode)] = rnn_paths(cfg, run, prep, origins, max(L, H))
    free = {key: p[:1, :L] for key, p in paths.items()}
    paths = {key: p[:, :H] for key, p in paths.items()}
    truth_paths = np.stack([y[o:o + H] for o in origins])
    test_idx, free_idx = np.arange(n, T), np.arange(n, n + L)
    rows, one_frames, free_frames, horizon_frames = [], [], [], []
    for model in [m for m in (*BASELINES, *(model_name(r.cell, r.mode) for r in runs)) if m in one]:
        err = truth_paths - paths[model]
        finite = np.all(np.isfinite(one[model])) and np.all(np.isfinite(err))
        rows.append({"model": model, "kind": kinds[model],
                     "one_step_mae": bl.mae(y[n:], one[model]) if finite else np.nan,
                     "one_step_rmse": bl.rmse(y[n:], one[model]) if finite else np.nan,
                     "free_mae": float(np.mean(np.abs(err))) if finite else np.nan,
                     "free_rmse": float(np.sqrt(np.mean(err ** 2))) if finite else np.nan})
        one_frames.append(pd.DataFrame({"time": _time(series, test_idx), "model": model, "truth": y[n:],
                                        "forecast": one[model], "residual": y[n:] - one[model]}))
        free_frames.append(pd.DataFrame({"time": _time(series, free_idx), "h": np.arange(1, L + 1), "model": model,
                                         "truth": y[free_idx], "forecast": free[model][0]}))
        with np.errstate(over="ignore", invalid="ignore"):
            horizon_frames.append(pd.DataFrame({"h": np.arange(1, H + 1), "model": model,
                                                "mae": np.mean(np.abs(err), axis=0),
                                                "rmse": np.sqrt(np.mean(err ** 2, axis=0)), "origins": len(origins)}))
    curves = pd.concat([pd.DataFrame({"model": model_name(r.cell, r.mode), "step": np.arange(1, len(r.losses) + 1),
                                      "loss": r.losses,
                                      "smoothed": pd.Series(r.losses).rolling(10, min_periods=1).mean().to_numpy()})
                        for r in runs] or [pd.DataFrame(columns=["model", "step", "loss", "smoothed"])],
                       ignore_index=True)
    whole = pd.DataFrame({"time": _time(series, np.arange(T)), "value": y,
                          "part": np.where(np.arange(T) < n, "train", "test")})
    return Forecasts(pd.DataFrame(rows), _finite(one_frames, ["forecast"]), _finite(free_frames, ["forecast"]),
                     _finite(horizon_frames, ["mae", "rmse"]), whole, curves, notes)


def _finite(frames: list, columns: list) -> pd.DataFrame:
    """Concatenate, dropping rows that Vega-Lite cannot draw (a diverged model's inf or NaN)."""
    df = pd.concat(frames, ignore_index=True)
    keep = np.isfinite(df[columns].to_numpy(dtype=np.float64)).all(axis=1)
    return df.loc[keep].reset_index(drop=True)


def summary(table: pd.DataFrame) -> list:
    """Plain sentences that claim only what ``table`` shows: the best model of each view, then, for every recurrent
    model, the baselines that beat it (so "AR beats the LSTM" is said whenever the table shows it)."""
    out = []
    for col, view in (("one_step_rmse", "one step ahead"), ("free_rmse", "free-running")):
        scored = table.dropna(subset=[col])
        if scored.empty:
            continue
        best = scored.loc[scored[col].idxmin()]
        out.append(f"Lowest RMSE {view}: {best.model} ({best[col]:.4g}).")
        base = scored[scored.kind == "baseline"].sort_values(col)
        for row in scored[scored.kind != "baseline"].itertuples():
            mine = getattr(row, col)
            better = base[base[col] < mine]
            if base.empty:
                continue
            if better.empty:
                out.append(f"{row.model} beats every baseline {view}: RMSE {mine:.4g}, best baseline "
                           f"{base.iloc[0].model} {base.iloc[0][col]:.4g}.")
            else:
                who = ", ".join(f"{b.model} ({b[col]:.4g})" for _, b in better.iterrows())
                out.append(f"{who} {'beats' if len(better) == 1 else 'beat'} {row.model} ({mine:.4g}) {view}.")
    return out


def measured_sentence(table: pd.DataFrame, claims: list[str], *, noise: float | None) -> str:
    """The page's "measured here": every forecaster's held-out one-step RMSE, best first, the noise floor of the
    sine (``noise``, None for a real series) and the first two of the page's claims.

    Args:
        table: model, one_step_rmse, ... (the forecast table the page shows).
        claims: the page's generated claims (the list under the table).
        noise: the standard deviation of the sine's fresh noise, or None.
    """
    rows = table.dropna(subset=["one_step_rmse"]).sort_values("one_step_rmse")
    listed = ", ".join(f"{r.model} {r.one_step_rmse:.3g}" for r in rows.itertuples())
    floor = (f" Every new value carries fresh noise of standard deviation {noise:g}, so no forecaster can beat "
             f"an RMSE of about {noise:g} (an MSE of {noise ** 2:g}) one step ahead: the article's 2.1e-4 "
             "is below that floor." if noise else "")
    return f"Held-out one-step RMSE: {listed}.{floor} " + " ".join(claims[:2])
