"""The parallelization page's pieces: the article's two loops, paired ratios, the measurement frames, the charts."""

import math

import numpy as np
import pandas as pd
import pytest

import rnncore as rc
from helpers import assert_valid_chart
from rnncore.experiments import timing
from rnncore.reference import article_code
from rnncore.charts import parallelism as charts
from rnncore.experiments import parallelism as par

TINY = par.Config(hidden_size=8, input_size=4, batch=3, lengths=(8, 16), budget=0.02, scan_T=16, scan_widths=(1, 4),
                  scan_budget=0.01, article_rounds=3)


@pytest.fixture(scope="module")
def tiny():
    return par.run(TINY, seed=3)


def _article_weights(rng, T=13, D=5, H=7):
    xs = rng.standard_normal((T, D))
    return xs, rng.standard_normal((H, D)) * 0.5, rng.standard_normal((H, H)) * 0.5, rng.standard_normal((H, 1))


def test_the_articles_two_loops_compute_the_same_rnn_as_the_engine():
    rng = np.random.default_rng(0)
    xs, W_xh, W_hh, b_h = _article_weights(rng)
    seq = np.hstack(article_code.column_loop(xs, W_xh, W_hh, b_h))   # (H, T)
    batch = article_code.column_loop_into_matrix(xs, W_xh, W_hh, b_h)  # (H, T)
    params = {"W_x": W_xh.T.copy(), "W_h": W_hh.T.copy(), "b": b_h.ravel().copy()}
    hs, _ = rc.unroll(rc.get_cell("rnn"), params, xs[None])            # (1, T, H)
    np.testing.assert_allclose(seq, batch, rtol=0, atol=1e-13)
    np.testing.assert_allclose(seq.T, hs[0], rtol=0, atol=1e-13)


def test_paired_ratio_divides_round_by_round_and_per_item():
    num = timing.Timing.from_samples([2.0, 4.0, 6.0, 8.0])
    den = timing.Timing.from_samples([4.0, 4.0, 4.0, 4.0])
    med, q25, q75 = par.paired_ratio(num, den, den_items=2)  # den per item is 2 -> ratios 1, 2, 3, 4
    assert (med, q25, q75) == pytest.approx((2.5, 1.75, 3.25))


def test_interleaved_takes_at_least_three_rounds_and_at_most_the_cap():
    calls = {"a": 0, "b": 0}

    def count(name):
        def fn():
            calls[name] += 1
        return fn

    few = par.interleaved({"a": count("a"), "b": count("b")}, budget=1e-6)
    assert all(t.repeats == 3 for t in few.values())
    many = par.interleaved({"a": count("a")}, budget=10.0)
    assert many["a"].repeats == par.MAX_REPEATS


def test_depth_is_T_for_the_loop_and_ceil_log2_for_the_scans():
    frame = par.depth_frame([1000, 1024, 4096]).set_index(["T", "method"])["depth"]
    for T in (1000, 1024, 4096):
        levels = math.ceil(math.log2(T))
        assert frame[(T, "linear_loop")] == T
        assert frame[(T, "hillis_steele")] == levels
        assert frame[(T, "blelloch")] == 2 * levels


def test_multiply_adds_count_the_products():
    assert par.multiply_adds("loop", 10, 3, 4) == 10 * (3 * 4 + 4 * 4)
    assert par.multiply_adds("attention", 10, 3, 4) == 4 * 10 * 16 + 2 * 100 * 4
    assert math.isnan(par.multiply_adds("blelloch", 10, 3, 4))


def test_run_measures_every_method_at_every_length_with_spread_and_repeats(tiny):
    t = tiny.timings
    assert len(t) == len(TINY.lengths) * len(par.METHODS)
    assert set(t["method"]) == set(par.METHODS)
    assert (t["median_s"] > 0).all()
    assert ((t["q25_s"] <= t["median_s"]) & (t["median_s"] <= t["q75_s"])).all()
    assert (t["repeats"] >= 3).all()
    s = tiny.speedups
    assert len(s) == len(TINY.lengths) * (len(par.METHODS) - 1)
    assert ((s["speedup_q25"] <= s["speedup"]) & (s["speedup"] <= s["speedup_q75"])).all()
    scans = s[s["method"].isin(["hillis_steele", "blelloch"])]
    assert set(scans["against"]) == {par.METHODS["linear_loop"]}
    assert set(tiny.scan["width"]) == set(TINY.scan_widths)
    assert np.allclose(tiny.scan.loc[tiny.scan["method"] == "linear_loop", "speedup"], 1.0)
    a = tiny.article
    assert a.claim == 6.29 and a.ratio > 0 and a.ratio_q25 <= a.ratio <= a.ratio_q75
    assert a.sequential.repeats == TINY.article_rounds
    assert tiny.machine["cpu_count"] >= 1


def test_batched_time_is_per_sequence(monkeypatch):
    """The batched call processes B sequences, so its row is the call's time divided by B."""
    fake = timing.Timing.from_samples([6.0, 6.0, 6.0])
    monkeypatch.setattr(par, "interleaved", lambda fns, budget: {name: fake for name in fns})
    monkeypatch.setattr(par, "article_check", lambda **kw: None)
    result = par.run(par.Config(batch=3, lengths=(8,), scan_widths=(1,)), seed=0)
    rows = result.timings.set_index("method")["median_s"]
    assert rows["batched"] == pytest.approx(2.0) and rows["loop"] == pytest.approx(6.0)
    assert result.speedups.set_index("method").loc["batched", "speedup"] == pytest.approx(3.0)


def test_the_same_seed_gives_the_same_frames_apart_from_the_times(tiny):
    again = par.run(TINY, seed=3)
    keys = ["T", "method", "label", "multiply_adds"]
    assert again.timings[keys].equals(tiny.timings[keys])
    assert again.depth.equals(tiny.depth)


@pytest.mark.parametrize("bad", [dict(hidden_size=0), dict(lengths=()), dict(scan_widths=(0,)), dict(budget=0)])
def test_config_rejects_bad_values(bad):
    with pytest.raises(ValueError):
        par.Config(**bad)


def test_thorough_measures_longer_and_wider():
    cfg = par.thorough(par.Config(lengths=(32, 4096)))
    assert cfg.scan_T == 4096 and cfg.budget > par.Config().budget and max(cfg.scan_widths) >= 512


def test_charts_are_valid(tiny):
    for chart in (charts.time_vs_T(tiny.timings), charts.speedups(tiny.speedups), charts.depth(tiny.depth),
                  charts.scan_width(tiny.scan)):
        assert_valid_chart(chart)
    claim = pd.DataFrame({"source": ["The article prints", "Its logic, run here"], "speedup": [6.29, 0.9],
                          "low": [6.29, 0.8], "high": [6.29, 1.0]})
    assert_valid_chart(charts.article_claim(claim))
    assert set(par.machine_frame(tiny.machine)["what"]) >= {"cpu_count", "blas_name", "numpy"}
