"""The parallelization page's pieces: the article's two loops, paired ratios, the measurement frames, the charts."""

import math

import numpy as np
import pandas as pd
import pytest
from helpers import assert_valid_chart

import rnncore as rc
from rnncore.charts import parallelism as charts
from rnncore.experiments import parallelism as par
from rnncore.experiments import reference_timings, timing
from rnncore.reference import article_code

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


def test_interleaved_takes_at_least_min_rounds_and_at_most_max_rounds():
    calls = {"a": 0, "b": 0}

    def count(name):
        def fn():
            calls[name] += 1
        return fn

    few = timing.interleaved({"a": count("a"), "b": count("b")}, budget=1e-6)
    assert all(t.repeats == timing.MIN_ROUNDS for t in few.values())
    many = timing.interleaved({"a": count("a")}, budget=10.0, target_spread=-1.0)  # never steady enough
    assert many["a"].repeats == timing.MAX_ROUNDS


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
    assert tiny.verdict.trustworthy == (not tiny.verdict.reasons) and tiny.verdict.spread >= 0


def test_batched_time_is_per_sequence(monkeypatch):
    """The batched call processes B sequences, so its row is the call's time divided by B."""
    fake = timing.Timing.from_samples([6.0, 6.0, 6.0])
    monkeypatch.setattr(timing, "interleaved", lambda fns, budget, **kw: {name: fake for name in fns})
    monkeypatch.setattr(par, "article_check", lambda **kw: {"sequential": fake, "batch": fake})
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


# ---- the verdict and the sentences, on a fake clock ------------------------------------------------------------------

class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


#: Seconds per call of each method at length T on a made-up machine (the batched call runs B = 3 sequences).
MODEL = {"loop": lambda T: 4e-6 * T, "precomputed": lambda T: 3e-6 * T, "batched": lambda T: 3e-6 * T,
         "linear_loop": lambda T: 1e-6 * T, "hillis_steele": lambda T: 5e-7 * T * math.log2(T),
         "blelloch": lambda T: 8e-7 * T, "attention": lambda T: 1e-6 * T + 2e-8 * T * T}
SCAN_MODEL = {"linear_loop": lambda W: 1e-3, "hillis_steele": lambda W: 2e-4 * W, "blelloch": lambda W: 1e-4 * W}
FAKE = par.Config(hidden_size=8, input_size=4, batch=3, lengths=(64, 256, 1024), budget=5.0, scan_T=64,
                  scan_widths=(1, 32), scan_budget=2.0, article_rounds=5)


def _fake_run(monkeypatch, noise):
    clock = FakeClock()

    def advance(seconds):
        return lambda: setattr(clock, "now", clock.now + seconds * noise())

    monkeypatch.setattr(par, "_callables", lambda T, cfg, rng: (
        {m: advance(f(T)) for m, f in MODEL.items()}, {m: 3 if m == "batched" else 1 for m in MODEL}))
    monkeypatch.setattr(par, "_scan_callables", lambda T, W, rng: {m: advance(f(W)) for m, f in SCAN_MODEL.items()})
    monkeypatch.setattr(par, "article_check", lambda **kw: timing.compare_alternating(
        {"sequential": advance(10e-3), "batch": advance(10.5e-3)}, repeats=5, min_time=0, clock=clock))
    return par.run(FAKE, seed=0, clock=clock, min_time=0)


def test_a_quiet_clock_gives_speedups_and_sentences_made_of_them(monkeypatch):
    rng = np.random.default_rng(0)
    result = _fake_run(monkeypatch, lambda: 1.0 + 0.01 * rng.random())
    assert result.verdict.trustworthy, result.verdict.reasons
    top = result.speedups[result.speedups["T"] == 1024].set_index("method")["speedup"]
    assert top["precomputed"] == pytest.approx(4 / 3, rel=0.02) and top["batched"] == pytest.approx(4, rel=0.02)
    remedy = par.remedy_sentence(result.speedups)
    assert remedy.startswith("At T = 1024") and f"{top['precomputed']:.2f}×" in remedy
    assert f"B sequences batched (per sequence) {top['batched']:.2f}×" in remedy
    exps = par.growth_exponents(result.timings)
    assert exps["loop"] == pytest.approx(1.0, abs=0.02) and exps["attention"] > 1.3
    growth = par.growth_sentence(result.timings)
    assert f"as T to the power {exps['attention']:.2f}: it compares every step" in growth
    scan_text = par.scan_sentence(result.scan)
    assert "at width 1, Hillis-Steele scan 5×, Blelloch scan 10×" in scan_text
    assert "the loop catches up and overtakes the scans" in scan_text
    article = par.article_sentence(result.article)
    assert f"their ratio {result.article.ratio:.2f}×" in article and "Slower by 5%" in article
    attention = par.attention_sentence(result.timings)
    at = result.timings[result.timings["T"] == 1024].set_index("method")
    slower = at.loc["attention", "median_s"] / at.loc["precomputed", "median_s"]
    assert f"takes **{slower:.2g}×** its time" in attention


@pytest.mark.parametrize("seed", [0, 1])
def test_a_busy_clock_gives_the_too_busy_verdict(monkeypatch, seed):
    rng = np.random.default_rng(seed)
    result = _fake_run(monkeypatch, lambda: 1.0 + (rng.random() < 0.4) * 30.0 * rng.random())
    assert not result.verdict.trustworthy and result.verdict.spread > timing.MAX_SPREAD
    assert timing.too_busy_sentence(result.verdict).startswith("This machine was too busy to measure this")


def _summary(median, spread=0.02, n=7):
    return timing.Timing.from_samples(median * (1 + spread * np.linspace(-1, 1, n)))


def test_an_improvement_slower_than_its_loop_and_times_falling_with_T_are_caught():
    per_item = {"loop": {32: _summary(1e-3), 128: _summary(4e-3)},
                "precomputed": {32: _summary(0.6e-3), 128: _summary(0.5e-3)}}
    speedups = pd.DataFrame([{"T": 128, "method": "precomputed", "label": par.METHODS["precomputed"],
                              "speedup": 0.42, "speedup_q25": 0.40, "speedup_q75": 0.45},
                             {"T": 32, "method": "batched", "label": par.METHODS["batched"],
                              "speedup": 1.1, "speedup_q25": 0.7, "speedup_q75": 1.6}])
    v = par.check(per_item, speedups)
    text = " ".join(v.reasons)
    assert not v.trustworthy
    assert "input projection precomputed measured 0.42× the speed of the loop at T = 128" in text
    assert "the speedup of B sequences batched (per sequence) at T = 32 (1.10×) lies inside its own spread" in text
    assert "Input projection precomputed took less time at T = 128" in text


def test_the_article_sentence_says_when_the_ratio_cannot_be_told_from_one():
    seq = timing.Timing.from_samples([1.0, 1.1, 0.9, 1.0, 1.05])
    bat = timing.Timing.from_samples([1.0, 1.0, 1.0, 1.0, 1.0])
    med, q25, q75 = par.paired_ratio(seq, bat)
    text = par.article_sentence(par.ArticleCheck(seq, bat, med, q25, q75, par.ARTICLE_CLAIM))
    assert "It cannot be told from 1×" in text and f"{q25:.2f}–{q75:.2f}×" in text


def test_shipped_references_round_trip_and_the_shipped_file_is_trustworthy(monkeypatch, tmp_path):
    rng = np.random.default_rng(0)
    result = _fake_run(monkeypatch, lambda: 1.0 + 0.01 * rng.random())
    path = tmp_path / "p.json"
    par.save_shipped([reference_timings.Reference(FAKE, 0, result, result.machine, "2026-12-01")], path)
    (back,) = par.load_shipped(path)
    assert back.config == FAKE and back.result.verdict == result.verdict
    pd.testing.assert_frame_equal(back.result.speedups, result.speedups)
    pd.testing.assert_frame_equal(back.result.timings, result.timings)
    if not par.SHIPPED.exists():
        pytest.fail(f"{par.SHIPPED.name} is missing: make it with `{par.COMMAND}` on a quiet machine")
    refs = par.load_shipped()
    assert refs[0].config == par.Config()
    for ref in refs:
        assert ref.result.verdict.trustworthy, ref.result.verdict.reasons
        assert ref.date in reference_timings.reference_label(ref)


def test_reference_view_names_the_settings_when_they_are_not_the_viewers():
    result, where = par.reference_view(par.Config())
    assert result is not None and par.COMMAND in where and "not your settings" not in where
    other = par.Config(hidden_size=par.Config().hidden_size * 2)
    _, where_other = par.reference_view(other)
    assert "not your settings" in where_other
