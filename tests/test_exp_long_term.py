"""rnncore.experiments.long_term: one training run scored against the baseline, the article's loop, and the charts."""
from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from helpers import assert_valid_chart

import rnncore as rc
from rnncore.charts import long_term as charts
from rnncore.experiments import long_term as lt
from rnncore.experiments import scored_run, stats

TINY = scored_run.Config(task="adding", cell="gru", T=8, hidden_size=6, steps=12, batch=8, test_size=50)


@pytest.mark.parametrize("task", list(scored_run.TASK_SIZES))
def test_the_model_fits_each_task(task):
    cfg = dataclasses.replace(TINY, task=task, T=max(scored_run.MIN_T[task], 8))
    batch = rc.make_task(task, rng=np.random.default_rng(0), n=3, T=cfg.T)
    spec = cfg.spec()
    assert batch.xs.shape[-1] == spec.input_size
    assert (batch.loss, batch.output) == (spec.loss, spec.output)
    params = scored_run.init_params(cfg, rng=np.random.default_rng(1))
    pred, _ = rc.forward(spec, params, batch.xs)
    rc.get_loss(spec.loss)(pred, batch.ys)  # shapes agree with the targets, or this raises


def test_a_run_is_scored_on_its_own_held_out_batch_and_starts_from_its_own_streams():
    res = scored_run.run(TINY, 3)
    init_rng, data_rng, test_rng = scored_run.streams(3)
    spec = TINY.spec()
    test = rc.tasks.adding(rng=test_rng, n=TINY.test_size, T=TINY.T)
    assert res.test_loss == rc.evaluate(spec, res.params, test)
    assert res.baseline == 1 / 6 and res.ratio == res.test_loss / res.baseline
    first = rc.loss_and_grads(spec, scored_run.init_params(TINY, rng=init_rng),
                              *rc.tasks.adding(rng=data_rng, n=8, T=8)[:2])
    assert res.frame["loss"].iloc[0] == first.loss       # step 1 sees the initial weights and the first batch
    assert list(res.frame["step"]) == list(range(1, TINY.steps + 1))
    assert np.allclose(res.frame["ratio"], res.frame["loss"] / res.baseline)


def test_same_seed_same_bits_other_seed_other_numbers():
    a, b, c = scored_run.run(TINY, 5), scored_run.run(TINY, 5), scored_run.run(TINY, 6)
    pd.testing.assert_frame_equal(a.frame.drop(columns="seconds"), b.frame.drop(columns="seconds"))
    assert a.test_loss == b.test_loss
    assert a.test_loss != c.test_loss


def test_cells_of_one_seed_see_the_same_batches(monkeypatch):
    """The data and test streams do not depend on the cell: the RNN and the LSTM of a seed see the same sequences."""
    seen = {}
    make = scored_run.data_fn

    def recording(cfg, n):
        draw = make(cfg, n)

        def data(r):
            batch = draw(r)
            seen.setdefault(cfg.cell, []).append(batch.xs)
            return batch
        return data

    monkeypatch.setattr(scored_run, "data_fn", recording)
    for cell in ("rnn", "lstm"):
        scored_run.run(dataclasses.replace(TINY, cell=cell, steps=3), 2)
    assert len(seen["rnn"]) == len(seen["lstm"]) == 4  # the held-out batch, then 3 training batches
    for a, b in zip(seen["rnn"], seen["lstm"]):
        np.testing.assert_array_equal(a, b)


def test_a_run_that_diverges_is_reported_not_raised():
    cfg = scored_run.Config(task="adding", cell="rnn", T=60, hidden_size=16, steps=40, batch=16, clip=None,
                            optimizer="sgd", lr=2.0, nonlinearity="relu", init="orthogonal", spectral_radius=1.5,
                            test_size=20)
    res = scored_run.run(cfg, 0)
    assert res.stopped_at is not None and "step" in res.reason
    assert len(res.frame) == res.stopped_at - 1
    assert res.verdict == "worse than the baseline" or res.ratio > scored_run.STUCK


@pytest.mark.parametrize("ratio, verdict", [(0.05, "solved"), (0.5, "learning"), (0.95, "stuck at the baseline"),
                                            (1.2, "stuck at the baseline"), (3.0, "worse than the baseline"),
                                            (float("inf"), "worse than the baseline")])
def test_verdicts(ratio, verdict):
    assert scored_run.verdict(ratio) == verdict


@pytest.mark.parametrize("changes, match", [
    ({"task": "noisy_sine"}, "unknown task"), ({"T": 5, "task": "temporal_order"}, "T >= 20"), ({"lr": 0.0}, "lr"),
    ({"optimizer": "lbfgs"}, "optimizer"), ({"cell": "tcn"}, "cell"), ({"steps": 0}, "steps"), ({"init": "he"}, "init"),
])
def test_bad_configs_raise(changes, match):
    with pytest.raises(ValueError, match=match):
        dataclasses.replace(TINY, **changes)
    with pytest.raises(ValueError, match="seed"):
        scored_run.streams(-1)


def test_the_articles_loop_scores_a_frozen_model_and_real_training_starts_from_it():
    cfg = lt.ArticleConfig(epochs=120, window=40)
    res = lt.article_experiment(cfg, 4)
    frozen = res.frame[res.frame["run"] == lt.ARTICLE_RUNS[0]]["loss"].to_numpy()
    trained = res.frame[res.frame["run"] == lt.ARTICLE_RUNS[1]]["loss"].to_numpy()
    # brute force: the same initial weights, each sequence on its own, the weights never touched
    init_rng, data_rng, _ = scored_run.streams(4)
    spec = rc.ModelSpec(cell="rnn", input_size=1, hidden_size=10, output_size=1)
    params = lt._article_params(spec, rng=init_rng)
    for epoch in range(cfg.epochs):
        batch = rc.tasks.first_element(rng=data_rng, n=1, T=cfg.T)
        assert frozen[epoch] == pytest.approx(rc.evaluate(spec, params, batch), rel=1e-12, abs=1e-15)
        assert abs(frozen[epoch] - batch.ys[0, 0] ** 2) < 0.01   # output ~ 0: the loss is the target bit squared
    assert trained[0] == frozen[0]                                 # same weights, same first sequence
    summary = res.summary.set_index("run")
    assert summary.loc[lt.ARTICLE_RUNS[0], "near_0"] + summary.loc[lt.ARTICLE_RUNS[0], "near_1"] == 1.0
    assert summary.loc[lt.ARTICLE_RUNS[0], "mean_last"] == pytest.approx(frozen[-40:].mean())


def test_charts_are_valid_and_leave_out_what_cannot_be_drawn():
    res = scored_run.run(TINY, 0)
    frame = res.frame.copy()
    frame.loc[3, "loss"] = np.inf
    frame.loc[4, "dh0_norm"] = 0.0
    spec = assert_valid_chart(charts.loss_curve(frame, baseline=res.baseline))
    assert len(next(iter(spec["datasets"].values()))) == len(frame) - 1
    assert_valid_chart(charts.dh0_curve(frame))
    sweep = pd.DataFrame({"T": [10, 10, 50, 50, 10, 50], "seed": [0, 1, 0, 1, 0, 0], "cell": ["rnn"] * 4 + ["lstm"] * 2,
                          "ratio": [0.9, 1.0, 1.1, np.inf, 0.01, 0.05], "success": [False, False, False, False, True,
                                                                                   True]})
    assert_valid_chart(charts.ratio_vs_lag(sweep))
    spec = assert_valid_chart(charts.success_vs_lag(stats.rates(sweep, ["T", "cell"])))
    bars = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "rule")
    assert bars["encoding"]["y"]["field"] == "lo" and bars["encoding"]["y2"]["field"] == "hi"  # Wilson 95% bars
    art = lt.article_experiment(lt.ArticleConfig(epochs=30, window=10), 0)
    assert_valid_chart(charts.article_chart(art.frame, baseline=0.25))


def test_the_gradient_against_lag_chart_takes_the_median_of_seeds():
    sweep = pd.DataFrame({"T": [10, 10, 10, 50], "cell": ["rnn"] * 4, "dh0_end": [1e-3, 3e-3, 2e-3, 0.0]})
    spec = assert_valid_chart(charts.dh0_vs_lag(sweep))
    (rows,) = spec["datasets"].values()
    assert rows == [{"T": 10, "cell": "rnn", "dh0_end": 2e-3}]  # the median; 0 cannot be drawn on a log scale


def test_only_the_lstm_carries_a_forget_bias_and_the_standard_one_is_1():
    assert scored_run.Config(cell="lstm").forget_bias == 1.0
    assert scored_run.Config(cell="rnn", forget_bias=1.0) == scored_run.Config(cell="rnn", forget_bias=0.0)
    assert scored_run.Config(cell="gru").forget_bias == 0.0
    assert lt.model_of("lstm", 1.0) == "LSTM" and lt.model_of("lstm", 0.0) == "LSTM (forget bias 0)"
    assert lt.model_of("gru", 0.0) == "GRU"


def test_when_no_gated_cell_is_ahead_the_findings_say_so_with_the_budget_and_the_rnn_lead_is_tested():
    rows = [{"task": "first_element", "T": T, "cell": cell, "forget_bias": 1.0 if cell == "lstm" else 0.0, "seed": s,
             "success": s < k, "ratio": 0.01 if s < k else 1.0, "steps": 1500, "batch": 64}
            for T, wins in ((10, {"rnn": 10, "lstm": 10}), (50, {"rnn": 6, "lstm": 0})) for cell, k in wins.items()
            for s in range(10)]
    found = lt.lag_findings(pd.DataFrame(rows))
    assert found.sentences[0] == ("At this budget (1,500 Adam steps of 64 sequences: 96,000 sequences a run), no "
                                  "gated cell succeeds more often than the tanh RNN at any lag beyond seed noise at "
                                  "10 seeds.")
    (T, c), = found.rnn_vs_gated.items()
    assert T == 50 and c.significant and "(6/10 vs 0/10" in c.sentence and c.sentence in found.sentences


def test_lag_findings_tell_the_two_lstms_apart_and_claim_only_significant_differences():
    rows = []
    for T, wins in ((10, {"rnn": 10, "lstm1": 10, "lstm0": 10, "gru": 10}), (50, {"rnn": 0, "lstm1": 9, "lstm0": 2,
                                                                                    "gru": 3})):
        for model, k in wins.items():
            cell, bias = {"lstm1": ("lstm", 1.0), "lstm0": ("lstm", 0.0)}.get(model, (model, 0.0))
            rows += [{"task": "adding", "T": T, "cell": cell, "forget_bias": bias, "seed": s, "success": s < k,
                      "ratio": 0.01 if s < k else 1.0} for s in range(10)]
    found = lt.lag_findings(pd.DataFrame(rows))
    assert found.gated == ("LSTM", "LSTM (forget bias 0)", "GRU") and found.seeds == 10
    T, lstm = found.gated_vs_rnn["LSTM"]
    assert T == 50 and lstm.significant and "(9/10 vs 0/10, p < 0.001, corrected for 2 lags)" in lstm.sentence
    T, bias = found.bias
    assert T == 50 and bias.significant and bias.sentence.startswith("Forget-gate bias 1 makes the LSTM succeed")
    assert not found.gated_vs_rnn["LSTM (forget bias 0)"][1].significant  # 2/10 vs 0/10
    assert found.rnn_vs_gated == {}
    assert not any(s.startswith("At this budget") for s in found.sentences)
    assert found.loss100 == {} and found.dh0_end == {}  # columns this frame does not have: nothing made up
    rows = pd.DataFrame(rows).assign(test_loss=lambda f: f["ratio"] / 6, dh0_end=lambda f: f["seed"] * 1e-3)
    found = lt.lag_findings(rows)
    assert found.dh0_end == pytest.approx({"rnn": 4.5e-3, "lstm": 4.5e-3, "gru": 4.5e-3})  # median of seeds 0..9, at T = 50
    assert found.loss100 == {}  # no T = 100 in this frame
    spec = assert_valid_chart(charts.success_vs_lag(found.rates))
    line = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "line")
    assert line["encoding"]["strokeDash"]["field"] == "model"  # the two LSTMs share a colour, not a line
