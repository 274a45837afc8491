"""The attention page's experiments (sweep, cost, shipped file) and its chart specs."""
import dataclasses
import itertools

import json

import numpy as np
import pandas as pd
import pytest
from helpers import assert_valid_chart

import rnncore as rc
import rnncore.charts.attention as charts
import rnncore.experiments.attention as ex

TINY = ex.Config(lags=(4, 6), steps=5, batch=4, hidden_size=4, eval_n=6, n_maps=6)


@pytest.fixture(scope="module")
def tiny():
    return ex.run(TINY, seed=0)


def test_accuracy_baselines_are_the_best_memoryless_guess():
    """Brute force: the best constant's hit rate over many draws matches the stated baseline."""
    rng = np.random.default_rng(0)
    adding = rc.make_task("adding", rng=rng, n=200_000, T=4)
    hits = [ex.accuracy("adding", np.full_like(adding.ys, c), adding.ys) for c in (0.9, 0.96, 1.0, 1.04, 1.1)]
    assert np.argmax(hits) == 2  # the mode of u1 + u2
    assert hits[2] == pytest.approx(ex.ACCURACY_BASELINE["adding"], abs=0.003)
    first = rc.make_task("first_element", rng=rng, n=200_000, T=3)
    best = max(ex.accuracy("first_element", np.full_like(first.ys, c), first.ys) for c in (0.0, 0.25, 0.5, 1.0))
    assert best == pytest.approx(ex.ACCURACY_BASELINE["first_element"], abs=0.005)


def test_accuracy_counts_predictions_within_the_tolerance():
    ys = np.array([[0.0], [1.0], [1.0], [0.0]])
    assert ex.accuracy("first_element", np.array([[0.49], [0.51], [0.2], [0.6]]), ys) == 0.5
    assert ex.accuracy("adding", np.array([[0.05], [1.05], [0.97], [0.0]]), ys) == 0.5


def test_marked_positions_are_the_first_step_or_the_two_markers():
    rng = np.random.default_rng(1)
    adding = rc.make_task("adding", rng=rng, n=5, T=9)
    marked = ex.marked_positions("adding", adding.xs)
    assert (marked.sum(axis=1) == 2).all()
    np.testing.assert_allclose(adding.ys[:, 0], (adding.xs[:, :, 0] * marked).sum(axis=1))
    first = ex.marked_positions("first_element", rc.make_task("first_element", rng=rng, n=3, T=5).xs)
    assert first[:, 0].all() and not first[:, 1:].any()


def test_sweep_frames_have_one_row_per_run_and_valid_maps(tiny):
    s = tiny.summary
    assert len(s) == len(TINY.tasks) * len(TINY.lags) * len(ex.MODELS)
    assert s["stopped_at"].isna().all()
    assert set(s.loc[s["task"] == "adding", "baseline"]) == {1 / 6}
    np.testing.assert_allclose(s["uniform_focus"], np.where(s["task"] == "adding", 2, 1) / s["T"])
    assert s.loc[s["model"] == "rnn", "focus"].isna().all() and s.loc[s["model"] != "rnn", "focus"].notna().all()
    sums = tiny.readout.groupby(["task", "T", "model", "example"])["weight"].sum()
    np.testing.assert_allclose(sums, 1.0)
    assert set(tiny.readout["model"]) == {"rnn+attention", "transformer"}
    rows = tiny.self_attention.groupby(["task", "T", "head", "query"])["weight"].sum()
    np.testing.assert_allclose(rows, 1.0)
    assert len(tiny.self_attention) == sum(len(TINY.tasks) * TINY.heads * T * T for T in TINY.lags)
    assert tiny.curves.groupby(["task", "T", "model"])["step"].max().eq(TINY.steps).all()


def test_focus_is_the_readout_weight_on_the_marked_positions(tiny):
    """With eval_n == n_maps the stored maps are the whole held-out set, so focus can be recomputed from them."""
    r = tiny.readout
    recomputed = (r.assign(on=r["weight"] * r["marked"]).groupby(["task", "T", "model", "example"])["on"].sum()
                  .groupby(["task", "T", "model"]).mean())
    focus = tiny.summary.dropna(subset=["focus"]).set_index(["task", "T", "model"])["focus"]
    np.testing.assert_allclose(focus.loc[recomputed.index], recomputed, rtol=1e-12)


def test_same_seed_same_frames_and_each_lag_stands_alone(tiny):
    again = ex.run(TINY, seed=0)
    for a, b in zip(tiny, again):
        pd.testing.assert_frame_equal(a, b.assign(seconds=a["seconds"]) if "seconds" in b else b)
    other = ex.run(TINY, seed=1)
    assert not np.allclose(other.summary["loss"], tiny.summary["loss"])
    # the streams of one (task, T) do not depend on the other lags: what lets a test check one row of the file
    alone = ex.run(dataclasses.replace(TINY, lags=(6,), tasks=("adding",)), seed=0).summary
    both = tiny.summary[(tiny.summary["T"] == 6) & (tiny.summary["task"] == "adding")].reset_index(drop=True)
    np.testing.assert_array_equal(alone["loss"], both["loss"])


def test_progress_counts_every_step_of_the_sweep():
    seen = []
    ex.run(dataclasses.replace(TINY, lags=(4,), tasks=("first_element",)), seed=0,
           callback=lambda done, total, info: seen.append((done, total)))
    assert seen[-1] == (3 * TINY.steps, 3 * TINY.steps) and seen == sorted(seen)


@pytest.mark.parametrize("changes", [dict(tasks=("copy_memory",)), dict(lags=()), dict(lags=(1,)),
                                     dict(hidden_size=5), dict(steps=0)])
def test_bad_configs_raise(changes):
    with pytest.raises(ValueError, match="Config"):
        dataclasses.replace(ex.Config(), **changes)


def fake_clock(tick=1e-4):
    counter = itertools.count()
    return lambda: next(counter) * tick


def test_cost_with_a_fake_clock_reports_time_depth_and_the_memory_of_each_design():
    cfg = ex.CostConfig(lengths=(8, 4), batch=3, width=4, heads=2, budget=1.0)
    cost = ex.measure_cost(cfg, seed=0, clock=fake_clock(), min_time=0)
    assert list(cost["T"]) == [4, 4, 8, 8] and list(cost["model"]) == list(ex.COST_MODELS) * 2
    np.testing.assert_allclose(cost["per_step"], cost["seconds"] / cost["T"])
    B, D, h = cfg.batch, cfg.width, cfg.heads
    rnn, attn = cost[cost["model"] == "rnn"], cost[cost["model"] == "self-attention"]
    np.testing.assert_array_equal(rnn["depth"], rnn["T"])
    assert (attn["depth"] == 1).all()
    np.testing.assert_array_equal(rnn["memory_bytes"], (rnn["T"] + 1) * B * D * 8)  # h_0..h_T
    np.testing.assert_array_equal(attn["memory_bytes"], (4 * B * attn["T"] * D + h * B * attn["T"] ** 2) * 8)
    pd.testing.assert_frame_equal(cost, ex.measure_cost(cfg, seed=0, clock=fake_clock(), min_time=0))


def test_cost_verdict_reads_the_longest_T_and_where_attention_won():
    cost = pd.DataFrame({"T": [16, 16, 32, 32], "model": ["rnn", "self-attention"] * 2,
                         "per_step": [2.0, 1.0, 2.0, 3.0], "memory_bytes": [10, 20, 30, 80]})
    v = ex.cost_verdict(cost)
    assert v.T == 32 and v.per_step == {"rnn": 2.0, "self-attention": 3.0}
    assert v.memory_bytes["self-attention"] == 80 and v.attention_faster_at == (16,)


def test_shipped_file_round_trips(tiny, tmp_path):
    cost = ex.measure_cost(ex.CostConfig(lengths=(4,), budget=0.1), seed=0, clock=fake_clock(), min_time=0)
    ex.save_shipped(ex.Shipped(3, TINY, ex.CostConfig(), tiny, cost, {"cpus_usable": 2}), tmp_path)
    assert json.loads((tmp_path / "attention.json").read_text())["command"] == ex.COMMAND  # provenance recorded
    back = ex.load_shipped(tmp_path)
    assert (back.seed, back.config, back.machine) == (3, TINY, {"cpus_usable": 2})
    pd.testing.assert_frame_equal(back.sweep.summary, tiny.summary)
    pd.testing.assert_frame_equal(back.sweep.curves, tiny.curves)
    pd.testing.assert_frame_equal(back.sweep.readout, tiny.readout, atol=1e-4)
    pd.testing.assert_frame_equal(back.sweep.self_attention, tiny.self_attention, atol=1e-3)
    pd.testing.assert_frame_equal(back.cost, cost)


def test_the_shipped_file_is_what_its_command_makes():
    """Recompute one (task, lag) of the shipped default run: it must match the file (about 2 s)."""
    shipped = ex.load_shipped()
    assert (shipped.seed, shipped.config, shipped.cost_config) == (0, ex.Config(), ex.CostConfig())
    task, T = "first_element", min(shipped.config.lags)
    fresh = ex.run(dataclasses.replace(shipped.config, tasks=(task,), lags=(T,)), seed=shipped.seed).summary
    stored = shipped.sweep.summary
    stored = stored[(stored["task"] == task) & (stored["T"] == T)].reset_index(drop=True)
    np.testing.assert_allclose(fresh["loss"], stored["loss"], rtol=1e-6)
    np.testing.assert_array_equal(fresh["accuracy"], stored["accuracy"])
    assert set(shipped.cost["T"]) == set(shipped.cost_config.lengths)


def test_charts_are_valid_and_draw_the_requested_rows(tiny):
    spec = assert_valid_chart(charts.lag_chart(tiny.summary, "loss"))
    assert spec["facet"]["column"]["field"] == "task"
    assert_valid_chart(charts.lag_chart(tiny.summary, "accuracy"))
    spec = assert_valid_chart(charts.readout_map(tiny.readout, "adding", 6, "rnn+attention"))
    assert len(next(iter(spec["datasets"].values()))) == TINY.n_maps * 6
    spec = assert_valid_chart(charts.self_attention_map(tiny.self_attention, "adding", 4))
    assert len(next(iter(spec["datasets"].values()))) == TINY.heads * 4 * 4
    assert_valid_chart(charts.curves_chart(tiny.curves, tiny.summary, "first_element", 4))
    cost = ex.measure_cost(ex.CostConfig(lengths=(4, 8), budget=0.1), seed=0, clock=fake_clock(), min_time=0)
    spec = assert_valid_chart(charts.cost_chart(cost))
    assert len(next(iter(spec["datasets"].values()))) == 2 * len(cost)  # time and memory panels


def test_charts_drop_values_a_log_scale_cannot_draw(tiny):
    summary = tiny.summary.copy()
    summary.loc[0, "loss"] = np.inf
    summary.loc[1, "loss"] = 0.0
    spec = assert_valid_chart(charts.lag_chart(summary, "loss"))
    assert len(next(iter(spec["datasets"].values()))) == len(summary) - 2


def _cost_frame(rnn_seconds, attention_seconds, spread=0.02):
    rows = []
    for T, r, a in zip((16, 32, 64), rnn_seconds, attention_seconds):
        for model, s in (("rnn", r), ("self-attention", a)):
            rows.append({"T": T, "model": model, "seconds": s, "q25": s * (1 - spread), "q75": s * (1 + spread),
                         "per_step": s / T, "memory_bytes": 8 * T * (T if model == "self-attention" else 1),
                         "repeats": 7})
    return pd.DataFrame(rows)


def test_cost_check_trusts_growing_times_and_catches_falling_or_noisy_ones():
    assert ex.cost_check(_cost_frame((1e-3, 2e-3, 4e-3), (1e-4, 3e-4, 1e-3))).trustworthy
    falling = ex.cost_check(_cost_frame((4e-3, 2e-3, 4.1e-3), (1e-4, 3e-4, 1e-3)))
    assert not falling.trustworthy
    assert falling.reasons[0].startswith("the rnn forward pass took less time at T = 32 (2 ms) than at T = 16 (4 ms)")
    noisy = ex.cost_check(_cost_frame((1e-3, 2e-3, 4e-3), (1e-4, 3e-4, 1e-3), spread=0.4))
    assert not noisy.trustworthy and noisy.spread == pytest.approx(0.8)


def test_the_parallel_sentence_is_made_of_the_cost_numbers():
    cost = _cost_frame((1e-3, 2e-3, 4e-3), (1e-4, 3e-4, 1e-2))
    v = ex.cost_verdict(cost)
    text = ex.parallel_sentence(v)
    assert f"at T = 64 self-attention took {v.per_step['self-attention'] * 1e6:.3g} µs per step" in text
    assert f"against the RNN loop's {v.per_step['rnn'] * 1e6:.3g} µs" in text
    assert "In time, not here" in text and "faster per step only at T = 16, 32" in text
    quick = ex.parallel_sentence(ex.cost_verdict(_cost_frame((1e-3, 2e-3, 4e-3), (1e-4, 3e-4, 1e-3))))
    assert "In time, here too" in quick


def test_answers_read_the_longest_lag_and_say_which_models_solved_it(tiny):
    a = ex.answers(tiny.summary, TINY)
    by = tiny.summary.set_index(["task", "T", "model"])
    assert a.T == 6 and set(a.loss) == {(t, m) for t in TINY.tasks for m in ex.MODELS}
    assert a.loss[("adding", "transformer")] == by.loc[("adding", 6, "transformer"), "loss"]
    assert a.seconds["rnn"] == by.loc[(TINY.tasks[0], 6, "rnn"), "seconds"]
    made = tiny.summary.copy()  # the attention RNN far below half the baseline everywhere, the others at it
    made["loss"] = np.where(made["model"] == "rnn+attention", 0.1 * made["baseline"], made["baseline"])
    a = ex.answers(made, TINY)
    assert a.solved == ("rnn+attention",)
    assert a.solved_sentence == ("in this run (one seed), rnn+attention got below half the baseline loss on every "
                                 "task; the plain RNN did not")
