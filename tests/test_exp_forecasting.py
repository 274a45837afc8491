"""Tests for rnncore.experiments.forecasting and its charts: split, scaling, forecasts, scores, the shipped models."""
import dataclasses

import numpy as np
import pandas as pd
import pytest

import rnncore as rc
from helpers import assert_valid_chart
from rnncore.reference import baselines as bl
from rnncore.charts import forecasting as charts
from rnncore.data.uploads import validate_series_csv
from rnncore.experiments import forecasting as fx

QUICK = fx.Config(steps=30, hidden_size=8, window=12, horizon=6)


@pytest.fixture(scope="module")
def sine():
    series = fx.load_series(fx.SeriesConfig(frequency=0.5), seed=0)  # 5 periods of 200 steps
    return series, fx.prepare(series, QUICK)


@pytest.fixture(scope="module")
def runs(sine):
    _, prep = sine
    return [fx.train_model(QUICK, prep, cell="gru", mode="full", seed=0),
            fx.train_model(QUICK, prep, cell="rnn", mode="readout", seed=0)]


def test_the_article_sine_and_the_split(sine):
    series, prep = sine
    article = fx.load_series(fx.SeriesConfig(), seed=0)
    assert len(article.values) == 1000 and article.season == 999  # the article's series holds a single period
    assert series.season == 200 and prep.n_train == 800 and prep.season == 200
    assert np.array_equal(article.values, fx.load_series(fx.SeriesConfig(), seed=0).values)
    assert not np.array_equal(article.values, fx.load_series(fx.SeriesConfig(), seed=1).values)


def test_scaling_is_fit_on_the_training_part_only(sine):
    series, prep = sine
    assert prep.z[:prep.n_train].mean() == pytest.approx(0, abs=1e-12)
    assert prep.z[:prep.n_train].std() == pytest.approx(1)
    changed = series._replace(values=np.concatenate([series.values[:prep.n_train], series.values[prep.n_train:] + 50]))
    other = fx.prepare(changed, QUICK)
    assert (other.mean, other.std) == (prep.mean, prep.std)  # the tail never leaks into the scaling


def test_one_step_forecast_reads_the_true_window(sine, runs):
    _, prep = sine
    run = runs[0]
    got = fx.rnn_one_step(QUICK, run, prep)
    assert got.shape == (len(prep.y) - prep.n_train,)
    spec = fx.spec_of(QUICK, run.cell)
    for t in (prep.n_train, prep.n_train + 17, len(prep.y) - 1):
        pred, _ = rc.forward(spec, run.params, prep.z[t - QUICK.window:t][None, :, None])
        assert got[t - prep.n_train] == pytest.approx(pred[0, -1, 0] * prep.std + prep.mean)


def test_free_running_feeds_its_own_predictions_back(sine, runs):
    _, prep = sine
    run = runs[0]
    spec = fx.spec_of(QUICK, run.cell)
    got = fx.rnn_paths(QUICK, run, prep, np.array([prep.n_train, prep.n_train + 40]), 5)
    window = list(prep.z[prep.n_train + 40 - QUICK.window:prep.n_train + 40])
    for h in range(5):  # by hand, for the second origin
        pred, _ = rc.forward(spec, run.params, np.array(window)[None, :, None])
        assert got[1, h] == pytest.approx(pred[0, -1, 0] * prep.std + prep.mean)
        window = window[1:] + [pred[0, -1, 0]]


def test_readout_only_training_leaves_the_recurrent_weights(sine, runs):
    _, prep = sine
    start = rc.init_model(fx.spec_of(QUICK, "rnn"), rng=np.random.default_rng(
        np.random.SeedSequence([0, rc.CELLS.index("rnn"), fx.MODES.index("readout")])))
    readout = runs[1]
    assert all(np.array_equal(readout.params[k], start[k]) for k in ("W_x", "W_h", "b"))
    assert not np.array_equal(readout.params["W_y"], start["W_y"])
    full = fx.train_model(QUICK, prep, cell="rnn", mode="full", seed=0)
    assert not np.array_equal(full.params["W_h"], readout.params["W_h"])


def test_truncated_bptt_changes_the_updates_not_the_first_loss(sine):
    _, prep = sine
    cfg = dataclasses.replace(QUICK, steps=5)
    full = fx.train_model(cfg, prep, cell="lstm", mode="full", seed=3)
    cut = fx.train_model(dataclasses.replace(cfg, truncate=2), prep, cell="lstm", mode="full", seed=3)
    assert full.losses[0] == cut.losses[0] and not np.array_equal(full.losses, cut.losses)


def test_table_baselines_match_direct_computation(sine, runs):
    series, prep = sine
    fc = fx.evaluate(QUICK, series, prep, runs)
    table = fc.table.set_index("model")
    y, n = prep.y, prep.n_train
    assert table.loc["persistence", "one_step_mae"] == pytest.approx(np.mean(np.abs(y[n:] - y[n - 1:-1])))
    seasonal = np.sqrt(np.mean((y[n:] - y[n - 200:-200]) ** 2))  # the season is one period: 200 steps
    assert table.loc["seasonal naive", "one_step_rmse"] == pytest.approx(seasonal)
    ar = bl.fit_ar(y[:n], QUICK.ar_order)
    assert table.loc["AR", "one_step_rmse"] == pytest.approx(bl.rmse(y[n:], bl.ar_one_step(ar, y, start=n)))
    assert list(table.index) == ["persistence", "seasonal naive", "AR", "GRU", "RNN readout-only"]
    h1 = fc.horizon[(fc.horizon.model == "persistence") & (fc.horizon.h == 1)].mae.iloc[0]
    origins = fc.horizon.origins.iloc[0]
    assert 1 <= origins <= 20 and h1 > 0
    free = fc.free_run[fc.free_run.model == "persistence"]
    assert (free.forecast == y[n - 1]).all() and len(free) == 100 and free.h.tolist() == list(range(1, 101))
    assert np.allclose(fc.one_step.residual, fc.one_step.truth - fc.one_step.forecast)


def test_seasonal_naive_is_missing_with_a_reason_when_the_season_is_too_long():
    series = fx.load_series(fx.SeriesConfig(), seed=0)  # the article's: one period of 999 steps
    fc = fx.evaluate(QUICK, series, fx.prepare(series, QUICK), [])
    assert "seasonal naive" not in set(fc.table.model) and "longer than the training part" in fc.notes[0]
    fc = fx.evaluate(dataclasses.replace(QUICK, season=50), series, fx.prepare(series, dataclasses.replace(
        QUICK, season=50)), [])
    assert "seasonal naive" in set(fc.table.model) and not fc.notes


def test_a_diverged_model_is_a_gap_not_a_crash(sine, runs):
    series, prep = sine
    broken = runs[0]._replace(params={**runs[0].params, "W_y": np.full_like(runs[0].params["W_y"], np.inf)})
    fc = fx.evaluate(QUICK, series, prep, [broken])
    assert np.isnan(fc.table.set_index("model").loc["GRU", "one_step_rmse"])
    for frame in (fc.one_step, fc.free_run):
        assert np.isfinite(frame.forecast).all() and "GRU" not in set(frame.model)


def test_summary_claims_only_what_the_table_shows():
    table = pd.DataFrame({"model": ["persistence", "AR", "LSTM", "GRU"],
                          "kind": ["baseline", "baseline", "lstm", "gru"],
                          "one_step_mae": [1, 1, 1, 1], "one_step_rmse": [0.30, 0.20, 0.25, 0.10],
                          "free_mae": [1, 1, 1, 1], "free_rmse": [0.5, 0.6, 0.4, np.nan]})
    lines = fx.summary(table)
    assert "Lowest RMSE one step ahead: GRU (0.1)." in lines
    assert "AR (0.2) beats LSTM (0.25) one step ahead." in lines
    assert any(line.startswith("GRU beats every baseline one step ahead") for line in lines)
    assert any(line.startswith("LSTM beats every baseline free-running") for line in lines)
    assert not any("GRU" in line and "free-running" in line for line in lines)  # no number, no claim


def test_shipped_models_are_what_this_code_makes():
    cfg, sc = fx.Config(), fx.SeriesConfig()
    run = fx.load_shipped(cfg, sc, cell="rnn", mode="full", seed=0)
    assert run is not None, "run: python -m rnncore.experiments.forecasting"
    fresh = fx.train_model(dataclasses.replace(cfg, steps=50), fx.prepare(fx.load_series(sc, seed=0), cfg),
                           cell="rnn", mode="full", seed=0)
    assert fresh.losses == pytest.approx(run.losses[:50], rel=1e-9)
    assert fx.load_shipped(dataclasses.replace(cfg, ar_order=2, horizon=6), sc, cell="rnn", mode="full", seed=0)
    assert fx.load_shipped(dataclasses.replace(cfg, hidden_size=8), sc, cell="rnn", mode="full", seed=0) is None
    assert fx.load_shipped(cfg, fx.SeriesConfig(noise=0.2), cell="rnn", mode="full", seed=0) is None


def test_real_and_uploaded_series():
    real = fx.load_series(fx.SeriesConfig("seattle_temp_max"), seed=0)
    assert real.dates is not None and real.season == 365 and len(real.values) == len(real.dates)
    days = np.arange("2020-01-01", "2020-03-01", dtype="datetime64[D]")
    csv = "date,value\n" + "\n".join(f"{d},{i % 7}" for i, d in enumerate(days))
    up = fx.series_from_upload(validate_series_csv(csv.encode()))
    assert up.season == 7 and up.values[:3].tolist() == [0.0, 1.0, 2.0]
    assert "season of 7 steps (daily values: a week), guessed from the spacing of the dates" in up.source
    hours = np.arange("2020-01-01T00", "2020-01-04T00", dtype="datetime64[h]")
    hourly = fx.series_from_upload(validate_series_csv(
        ("date,value\n" + "\n".join(f"{h},{i % 24}" for i, h in enumerate(hours))).encode()))
    assert hourly.season == 24 and "season of 24 steps (hourly values: a day)" in hourly.source
    with pytest.raises(ValueError, match="too short"):
        fx.prepare(up._replace(values=up.values[:20], dates=up.dates[:20]), fx.Config())


def test_the_article_update_of_why_fails():
    shapes, error = fx.article_mechanism(seed=0)
    assert shapes.set_index("array").loc["hidden h after one step", "shape"] == "(10, 10)"
    assert error.startswith("ValueError") and "(1,10)" in error


def test_charts_are_valid(sine, runs):
    series, prep = sine
    fc = fx.evaluate(QUICK, series, prep, runs)
    real = fx.load_series(fx.SeriesConfig("stock_ibm"), seed=0)
    rfc = fx.evaluate(QUICK, real, fx.prepare(real, QUICK), runs[:1])
    for f, temporal in ((fc, False), (rfc, True)):
        assert_valid_chart(charts.series_overview(f.series, temporal=temporal, title="t"))
        assert_valid_chart(charts.forecast_vs_truth(f.one_step, temporal=temporal, title="t", units="°C"))
        assert_valid_chart(charts.forecast_vs_truth(f.free_run, temporal=temporal, title="t"))
        assert_valid_chart(charts.horizon_chart(f.horizon))
        assert_valid_chart(charts.residual_boxes(f.one_step))
        assert_valid_chart(charts.residual_lines(f.one_step, temporal=temporal))
        assert_valid_chart(charts.loss_curves(f.curves))


def test_measured_sentence_lists_rmse_best_first_with_the_noise_floor_only_for_the_sine():
    table = pd.DataFrame({"model": ["persistence", "LSTM", "AR(8)"], "one_step_rmse": [0.31, 0.12, np.nan]})
    text = fx.measured_sentence(table, ["first claim.", "second claim.", "third claim."], noise=0.1)
    assert text.startswith("Held-out one-step RMSE: LSTM 0.12, persistence 0.31.")
    assert "standard deviation 0.1" in text and "MSE of 0.01" in text
    assert text.endswith("first claim. second claim.")
    real = fx.measured_sentence(table, ["a."], noise=None)
    assert "noise" not in real and "AR(8)" not in real
