"""The cost of a step against T: the verdict on sane and on noisy timings, and sentences made from the numbers.

Every timing here comes from a fake clock or from made-up samples: nothing asserts on real wall time.
"""

import json

import numpy as np
import pytest

from rnncore.experiments import reference_timings, timing
from rnncore.experiments import step_cost as cost
from rnncore.experiments.slow_training import Setup

PARTS = ("batch", "forward", "backward", "gradient norm", "optimizer update")
PART_SECONDS = {"batch": 1e-4, "forward": 2e-3, "backward": 4e-3, "gradient norm": 2e-5, "optimizer update": 3e-4}
CFG = cost.CostConfig(setup=Setup(task="first_element", T=6, cell="rnn", hidden_size=6, batch=8),
                      lengths=(10, 20, 40, 80), budget=2.0, breakdown_T=40)


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def fake_parts(clock, noise, fixed=2e-3, per_step=1e-4):
    """A stand-in for step_cost._parts whose calls only move the fake clock: fixed + per_step * T, times noise()."""
    def factory(setup, T, optimizer, rng):
        def advance(seconds):
            return lambda: setattr(clock, "now", clock.now + seconds * noise())

        return cost.StepParts({name: advance(PART_SECONDS[name]) for name in PARTS}, advance(fixed + per_step * T))

    return factory


def quiet_noise(rng):
    return lambda: 1.0 + 0.01 * rng.random()


def busy_noise(rng):
    """Another program takes the CPU during about a third of the calls, for up to 40 times their length."""
    return lambda: 1.0 + (rng.random() < 0.35) * 40.0 * rng.random()


def _measure(monkeypatch, noise, **line):
    clock = FakeClock()
    monkeypatch.setattr(cost, "_parts", fake_parts(clock, noise, **line))
    return cost.step_cost(CFG, seed=0, clock=clock, min_time=0)


def test_a_quiet_clock_gives_the_line_its_numbers_and_sentences(monkeypatch):
    result = _measure(monkeypatch, quiet_noise(np.random.default_rng(0)))
    assert result.verdict.trustworthy, result.verdict.reasons
    fit = result.fit
    assert fit.slope == pytest.approx(1e-4, rel=0.02) and fit.intercept == pytest.approx(2e-3, rel=0.05)
    assert fit.r2 > 0.99 and fit.slope_low > 0
    assert (result.per_T["repeats"] == timing.MIN_ROUNDS).all()  # steady at once: no round past the floor
    figures = cost.figures(result)
    assert figures["Cost of one more time step"] == timing.format_seconds(fit.slope)
    assert figures["Fixed cost of a step"] == timing.format_seconds(fit.intercept)
    text = cost.cost_sentence(result)
    assert f"Each extra time step adds **{timing.format_seconds(fit.slope)}**" in text
    assert f"(R² = {fit.r2:.3f})" in text and "from T = 10 to 80" in text
    ratio = result.backward_ratio[0]
    assert ratio == pytest.approx(2.0, rel=0.03)
    assert f"took **{ratio:.2g}×** as long as the forward pass" in cost.breakdown_sentence(result)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_busy_clock_gives_the_too_busy_verdict_never_a_number(monkeypatch, seed):
    result = _measure(monkeypatch, busy_noise(np.random.default_rng(seed)))
    v = result.verdict
    assert not v.trustworthy and v.reasons
    assert v.spread > timing.MAX_SPREAD
    text = timing.too_busy_sentence(v)
    assert text.startswith("This machine was too busy to measure this")
    assert f"was {timing.percent(v.spread)} of their median" in text


def _timings(medians, spread=0.02, n=9, seed=0):
    rng = np.random.default_rng(seed)
    return {T: timing.Timing.from_samples(m * (1 + spread * rng.uniform(-1, 1, n))) for T, m in medians.items()}


def _parts(forward=2e-3, backward=4e-3, spread=0.02):
    seconds = {**PART_SECONDS, "forward": forward, "backward": backward}
    return _timings(seconds, spread)


def test_the_issues_contradiction_is_caught_negative_cost_low_r2_and_falling_times():
    # Times that fall as T grows, as measured on a loaded machine: -0.27 ms per step.
    steps = _timings({10: 6e-3, 20: 2e-3, 40: 5e-3, 80: 1e-3}, spread=0.3)
    result = cost.analyse(steps, _parts(), breakdown_T=40)
    reasons = " ".join(result.verdict.reasons)
    assert not result.verdict.trustworthy
    assert "a longer sequence came out cheaper" in reasons
    assert "a straight line explains only" in reasons
    assert "took less time at T = 20" in reasons and "took less time at T = 80" in reasons


def test_a_negative_fixed_cost_beyond_its_interval_is_caught():
    steps = _timings({10: 0.5e-3, 20: 1.5e-3, 40: 3.5e-3, 80: 7.5e-3}, spread=0.01)  # -0.5 ms + 0.1 ms * T
    result = cost.analyse(steps, _parts(), breakdown_T=40)
    assert result.fit.intercept_high < 0
    assert any("fixed cost of a step came out negative" in r for r in result.verdict.reasons)


def test_a_spread_wider_than_the_growth_is_caught():
    steps = _timings({10: 10e-3, 20: 10.1e-3, 40: 10.2e-3, 80: 10.4e-3}, spread=0.2)
    reasons = " ".join(cost.analyse(steps, _parts(), breakdown_T=40).verdict.reasons)
    assert "is wider than the whole growth the line gives" in reasons or "cannot be told from zero" in reasons


@pytest.mark.parametrize("forward, backward, words", [
    (2e-3, 4e-3, "as long as the forward pass"),
    (4e-3, 2e-3, "here it was the cheaper one"),
    (3e-3, 3e-3, "took about as long as the forward pass"),
])
def test_the_breakdown_sentence_follows_the_paired_ratio(forward, backward, words):
    parts = _parts(forward, backward, spread=0.3 if forward == backward else 0.02)
    result = cost.analyse(_timings({10: 3e-3, 20: 4e-3, 40: 6e-3, 80: 10e-3}), parts, breakdown_T=40)
    ratio, q25, q75 = result.backward_ratio
    text = cost.breakdown_sentence(result)
    assert words in text and f"{ratio:.2g}×" in text and f"{q25:.2f}–{q75:.2f}×" in text
    share = result.breakdown.set_index("part")["share"]["optimizer update"]
    assert f"took {timing.percent(share)} of the step" in text


def test_two_different_lines_give_two_different_sentences():
    texts = []
    for slope in (1e-4, 3e-4):
        steps = _timings({T: 2e-3 + slope * T for T in (10, 20, 40, 80)})
        result = cost.analyse(steps, _parts(), breakdown_T=40)
        assert result.verdict.trustworthy
        texts.append(cost.cost_sentence(result))
        assert timing.format_seconds(result.fit.slope) in texts[-1]
    assert texts[0] != texts[1]


def test_a_fixed_cost_that_cannot_be_told_from_zero_is_not_quoted_as_a_number():
    steps = _timings({10: 1e-3, 20: 2e-3, 40: 4e-3, 80: 8e-3}, spread=0.05)  # 0 + 0.1 ms * T
    result = cost.analyse(steps, _parts(), breakdown_T=40)
    if result.fit.intercept_low < 0 < result.fit.intercept_high:
        assert "too small to tell from zero" in cost.cost_sentence(result)
        assert cost.figures(result)["Fixed cost of a step"].startswith("≈ 0")


def test_shipped_references_round_trip_through_their_samples(tmp_path):
    result = cost.analyse(_timings({10: 3e-3, 20: 4e-3, 40: 6e-3}), _parts(), breakdown_T=40, load=0.2)
    ref = reference_timings.Reference(CFG, 0, result, {"cpus_usable": 2, "numpy": "2", "load_1min": 0.2}, "2026-12-01")
    path = tmp_path / "t.json"
    cost.save_shipped([ref], path)
    (back,) = cost.load_shipped(path)
    assert back.config == CFG and back.date == "2026-12-01" and back.machine == ref.machine
    assert back.result.fit == result.fit and back.result.verdict == result.verdict
    assert back.result.per_T.equals(result.per_T)
    assert json.loads(path.read_text())["command"] == cost.COMMAND


def test_the_shipped_reference_is_trustworthy_and_names_its_machine_and_date():
    if not cost.SHIPPED.exists():
        pytest.fail(f"{cost.SHIPPED.name} is missing: make it with `{cost.COMMAND}` on a quiet machine")
    refs = cost.load_shipped()
    assert refs[0].config == cost.CostConfig()
    for ref in refs:
        assert ref.result.verdict.trustworthy, ref.result.verdict.reasons
        assert ref.machine["numpy"] and ref.date[:2] == "20"
        assert ref.machine["blas_threads_in_use"] in (1, None)
        label = reference_timings.reference_label(ref)
        assert ref.date in label and f"NumPy {ref.machine['numpy']}" in label
