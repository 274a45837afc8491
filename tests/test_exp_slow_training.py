"""The slow-training page's pieces: smoothing, blow-up and spike detection, the line fit, the races, the article."""

import math

import numpy as np
import pandas as pd
import pytest

import rnncore as rc
from helpers import assert_valid_chart
from rnncore.reference import article_code
from rnncore.charts import common
from rnncore.charts import slow_training as charts
from rnncore.experiments import slow_article
from rnncore.experiments import slow_training as slow
from rnncore.experiments import step_cost as cost
from rnncore.experiments import timing

SETUP = slow.Setup(task="first_element", T=6, cell="rnn", hidden_size=6, batch=8)


def test_smoothed_is_the_trailing_mean():
    loss = np.array([4.0, 2.0, 6.0, 1.0, 3.0])
    want = [np.mean(loss[max(0, k - 2):k + 1]) for k in range(len(loss))]
    np.testing.assert_allclose(slow.smoothed(loss, 3), want)


def test_blowup_step_is_the_first_loss_past_the_factor():
    assert slow.blowup_step(np.array([1.0, 5.0, 999.0, 1001.0, 2e6])) == 4
    assert slow.blowup_step(np.array([1.0, 0.5])) is None
    assert slow.blowup_step(np.array([])) is None


def test_spikes_compare_each_norm_with_the_median_before_it():
    norms = np.array([1.0] * 8 + [20.0] + [1.0] * 3 + [9.0])
    mask, med = slow.mark_spikes(norms, factor=10, window=4)
    assert np.flatnonzero(mask).tolist() == [8]  # 9.0 at the end is under 10x its recent median
    assert med[8] == 1.0 and np.isnan(med[:5]).all()


def test_fit_line_recovers_a_line_and_ignores_one_outlier():
    T = np.array([10, 20, 40, 80, 160.0])
    fit = cost.fit_line(T, 0.2 + 0.01 * T)
    assert fit.slope == pytest.approx(0.01) and fit.intercept == pytest.approx(0.2) and fit.r2 == pytest.approx(1)
    assert fit.slope_low == pytest.approx(0.01) and fit.slope_high == pytest.approx(0.01)
    burst = 0.2 + 0.01 * T
    burst[-1] *= 5  # the longest length timed during someone else's work
    assert cost.fit_line(T, burst).slope == pytest.approx(0.01)
    with pytest.raises(ValueError, match="two different lengths"):
        cost.fit_line([10, 10], [1, 2])


@pytest.fixture(scope="module")
def race():
    cfg = slow.RaceConfig(setup=SETUP, optimizers=("sgd", "adam"), lrs=(0.05, 3.0), steps=25, threshold=0.5)
    return cfg, slow.race(cfg, seed=5)


def test_race_runs_every_pair_from_the_same_start_on_the_same_batches(race):
    cfg, result = race
    assert len(result.table) == 4
    first = result.curves[result.curves["step"] == 1]
    assert first["loss"].nunique() == 1  # same weights, same first batch: the same first loss in every run
    assert result.baseline == 0.25 and result.threshold == pytest.approx(0.125)


def test_race_threshold_table_agrees_with_the_curves(race):
    _, result = race
    for row in result.table.itertuples():
        run = result.curves[result.curves["run"] == row.run]
        hit = run[run["smoothed"] <= result.threshold]
        if hit.empty:
            assert pd.isna(row.steps_to_threshold)
        else:
            assert row.steps_to_threshold == hit["step"].iloc[0]
            assert row.seconds_to_threshold == hit["seconds"].iloc[0]


def test_race_cuts_a_run_that_blows_up(race):
    _, result = race
    blown = result.table.set_index("run").loc["sgd, lr 3"]
    assert not pd.isna(blown.stopped_at) and blown.problem
    run = result.curves[result.curves["run"] == "sgd, lr 3"]
    assert run["step"].max() == blown.stopped_at == blown.steps_run


def test_race_is_deterministic_apart_from_wall_time(race):
    cfg, result = race
    again = slow.race(cfg, seed=5)
    cols = ["run", "step", "loss", "smoothed", "grad_norm"]
    assert again.curves[cols].equals(result.curves[cols])


def test_step_cost_times_every_length_and_every_part():
    cfg = cost.CostConfig(setup=SETUP, lengths=(4, 8, 16), budget=0.02, breakdown_T=8)
    result = cost.step_cost(cfg, seed=0)
    assert result.per_T["T"].tolist() == [4, 8, 16]
    assert (result.per_T["repeats"] >= timing.MIN_ROUNDS).all()
    np.testing.assert_allclose(result.per_T["fit_s"], result.fit.intercept + result.fit.slope * result.per_T["T"])
    assert result.breakdown["part"].tolist() == ["batch", "forward", "backward", "gradient norm", "optimizer update"]
    assert result.breakdown["share"].sum() == pytest.approx(1.0)
    assert result.verdict.trustworthy == (not result.verdict.reasons)


def test_spikes_stop_where_the_loss_blows_up():
    calm = slow.spikes(slow.SpikeConfig(setup=SETUP, lr=0.01, steps=30), seed=0)
    assert calm.stopped_at is None and len(calm.frame) == 30
    wild = slow.spikes(slow.SpikeConfig(setup=SETUP, lr=5.0, steps=60), seed=0)
    assert wild.stopped_at is not None and len(wild.frame) == wild.stopped_at
    assert np.isfinite(wild.frame["grad_norm"]).all()


# ---- the article's sample ----------------------------------------------------------------------------------------

def test_its_loss_raises_type_error_on_boolean_targets_and_runs_on_floats():
    out = np.array([[0.3]])
    with pytest.raises(TypeError, match="boolean negative"):
        article_code.loss_as_printed(np.array([True]), out)
    assert article_code.loss_as_printed(np.array([1.0]), out)[0, 0] == pytest.approx(-math.log(0.3))


def test_true_grad_matches_finite_differences_and_its_step_does_not():
    rng = np.random.default_rng(1)
    w = article_code.init_weights(rng=rng, hidden_size=5, scale=0.5)
    x, y = rng.standard_normal((7, 1)), 1.0
    grad = article_code.true_grad_W_hy(w, x, y)

    def loss(W):
        out, _ = article_code.forward(w._replace(W_hy=W), x)
        return float(article_code.loss_as_printed(np.array([y]), out)[0, 0])

    eps, numeric = 1e-6, np.zeros_like(w.W_hy)
    for j in range(w.W_hy.shape[1]):
        e = np.zeros_like(w.W_hy)
        e[0, j] = eps
        numeric[0, j] = (loss(w.W_hy + e) - loss(w.W_hy - e)) / (2 * eps)
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-9)
    step = article_code.article_update_direction(w, x, y)
    assert np.ptp(step) <= 1e-12 * np.abs(step).max()  # one number for every entry of W_hy
    cos = (step.ravel() @ grad.ravel()) / (np.linalg.norm(step) * np.linalg.norm(grad))
    assert cos < 0.99


def test_its_weights_in_our_layout_give_the_same_output():
    rng = np.random.default_rng(2)
    w = article_code.init_weights(rng=rng, hidden_size=6, scale=0.5)
    X = rng.standard_normal((4, 9, 1))
    spec = rc.ModelSpec(cell="rnn", input_size=1, hidden_size=6, output_size=1, loss="bce")
    logits, _ = rc.forward(spec, article_code.as_rnncore_params(w), X)
    theirs = [article_code.forward(w, x)[0][0, 0] for x in X]
    np.testing.assert_allclose(1 / (1 + np.exp(-logits[:, 0])), theirs, rtol=1e-12)


def test_article_its_loop_stays_at_ln2_and_real_training_learns():
    cfg = slow_article.ArticleConfig(n=200, T=20, steps=60, batch=50, lr=0.01, article_samples=20, article_epochs=1,
                                     n_test=200)
    result = slow_article.article(cfg, seed=0)
    assert result.type_error.startswith("TypeError")
    assert abs(result.article_loss[-1] - math.log(2)) < 1e-3
    assert result.article_moved["W_hy"] > 0
    assert all(result.article_moved[k] == 0 for k in ("W_xh", "W_hh", "b_h", "b_y"))
    assert np.all(np.abs(result.cosine) <= 1 + 1e-12)
    assert slow_article.uphill_share(result) == np.count_nonzero(result.cosine < 0) / len(result.cosine)
    assert slow_article.uphill_share(result._replace(cosine=np.array([-0.5, 0.1, -0.2, 0.9]))) == 0.5
    assert result.curves["smoothed"].iloc[-1] < 0.6 < math.log(2)
    assert result.accuracy > 0.7 > result.article_accuracy


def test_charts_are_valid(race):
    _, result = race
    shown = common.drawable(result.curves, ["smoothed", "seconds"], positive=True).frame
    for x in ("step", "seconds"):
        assert_valid_chart(charts.loss_race(shown, x=x, baseline=result.baseline, threshold=result.threshold))
    timed = cost.step_cost(cost.CostConfig(setup=SETUP, lengths=(4, 8), budget=0.01, breakdown_T=4), seed=0)
    assert_valid_chart(charts.step_cost(timed.per_T, slope_ms=1.0))
    assert_valid_chart(charts.breakdown(timed.breakdown, T=4))
    spikes = slow.spikes(slow.SpikeConfig(setup=SETUP, lr=5.0, steps=30), seed=0)
    assert_valid_chart(charts.grad_norms(spikes.frame, stopped_at=spikes.stopped_at))
    assert_valid_chart(charts.loss_line(spikes.frame, title="t", reference=0.7, reference_label="ln 2"))
    assert_valid_chart(charts.cosine_histogram(pd.DataFrame({"cosine": [-0.5, 0.1, 0.9]})))
    with pytest.raises(ValueError):
        charts.loss_race(shown, x="epoch", baseline=1, threshold=1)
