"""The estimate a button shows before its click: probe a unit of the job's own work, extrapolate by its size."""

from __future__ import annotations

import dataclasses
import math

import pytest

from rnncore.experiments import effort, scored_run


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def unit_taking(clock: FakeClock, durations):
    """A probe whose successive calls take the given durations (then the last one forever)."""
    durations = list(durations)

    def setup():
        def unit():
            clock.now += durations.pop(0) if len(durations) > 1 else durations[0]
        return unit
    return setup


def test_probe_drops_the_warm_up_call_and_takes_the_mean():
    clock = FakeClock()
    piece = effort.Piece("step", 100, unit_taking(clock, [0.05, 0.01, 0.014, 0.012]))
    rate = effort.probe(piece, budget=0.08, max_calls=4, clock=clock)
    assert rate.calls == 4
    assert rate.mean == pytest.approx(0.012) and rate.low == pytest.approx(0.01) and rate.high == pytest.approx(0.014)
    assert rate.spent == pytest.approx(0.086)


def test_a_call_that_waited_for_the_cpu_counts_as_a_long_run_will_meet_it():
    clock = FakeClock()  # most calls run at full speed; one in five waits 9 ms for a neighbour's time slice
    piece = effort.Piece("step", 1000, unit_taking(clock, [0.001, *([0.001] * 4 + [0.010]) * 20]))
    rate = effort.probe(piece, budget=0.04, clock=clock)
    assert rate.mean == pytest.approx(0.0028, rel=0.1)  # the median, 1 ms, would say 2.8x too little
    assert rate.low == pytest.approx(0.001) and rate.high == pytest.approx(0.010)


def test_probe_stops_at_its_budget_and_times_a_slow_unit_twice():
    clock = FakeClock()
    slow = effort.probe(effort.Piece("slow", 1, unit_taking(clock, [0.5])), budget=0.04, clock=clock)
    assert slow.calls == 2 and slow.mean == pytest.approx(0.5)
    middling = effort.probe(effort.Piece("middling", 1, unit_taking(clock, [0.03])), budget=0.04, clock=clock)
    assert middling.calls == effort.MIN_PROBES and middling.mean == pytest.approx(0.03)
    clock = FakeClock()  # from zero: the window's sum of 1 ms calls must not depend on earlier rounding
    fast = effort.probe(effort.Piece("fast", 1, unit_taking(clock, [0.001])), budget=0.04, clock=clock)
    assert fast.calls == 40  # calls until the window of time is spent
    capped = effort.probe(effort.Piece("capped", 1, unit_taking(clock, [0.001])), budget=0.04, max_calls=5,
                          clock=clock)
    assert capped.calls == 5


def test_a_slow_first_call_is_a_warm_up_and_not_the_rate():
    clock = FakeClock()  # as measured for self-attention at T = 512: first touch of 34 MB of weights, then steady
    rate = effort.probe(effort.Piece("attention", 1, unit_taking(clock, [0.170, 0.056])), budget=0.04, clock=clock)
    assert rate.calls == 2 and rate.mean == pytest.approx(0.056) and rate.high == pytest.approx(0.056)
    assert rate.spent == pytest.approx(0.226)
    once = effort.probe(effort.Piece("one call", 1, unit_taking(clock, [0.170, 0.056])), budget=0.04, max_calls=1,
                        clock=clock)
    assert once.calls == 1 and once.mean == pytest.approx(0.170)  # nothing to drop it for


def test_the_estimate_is_count_times_rate_summed_over_pieces():
    rates = {"a": effort.Rate(0.01, 0.008, 0.02, 3, 0.03, 0.0), "b": effort.Rate(0.5, 0.4, 0.6, 2, 1.0, 0.0)}
    pieces = [effort.Piece("a", 300, lambda: None), effort.Piece("b", 4, lambda: None),
              effort.Piece("again a", 100, lambda: None, key="a")]
    est = effort.combine(pieces, rates)
    assert est.seconds == pytest.approx(400 * 0.01 + 4 * 0.5)
    assert est.low == pytest.approx(400 * 0.008 + 4 * 0.4) and est.high == pytest.approx(400 * 0.02 + 4 * 0.6)
    assert est.units == 404 and est.over(5.0) and not est.over(6.5)
    with pytest.raises(ValueError, match="count"):
        effort.combine([effort.Piece("a", -1, lambda: None)], rates)


def test_a_timing_that_repeats_until_its_budget_takes_the_budget_or_its_minimum_rounds_if_longer():
    rates = {"round": effort.Rate(0.5, 0.4, 0.6, 3, 1.5, 0.0)}
    quick = effort.Piece("round", 3, lambda: None, key="round", at_least=6.0)
    assert effort.combine([quick], rates).seconds == pytest.approx(6.0)      # 3 rounds of 0.5 s fit in the budget
    slow_rounds = {"round": effort.Rate(4.0, 3.0, 5.0, 1, 4.0, 0.0)}
    est = effort.combine([quick], slow_rounds)
    assert est.seconds == pytest.approx(12.0) and est.low == pytest.approx(9.0) and est.high == pytest.approx(15.0)


def test_a_timing_with_a_time_limit_stops_there_but_finishes_one_call():
    rates = {"call": effort.Rate(0.02, 0.02, 0.02, 3, 0.06, 0.0)}
    capped = effort.Piece("call", 8, lambda: None, key="call", at_most=0.1)
    assert effort.combine([capped], rates).seconds == pytest.approx(0.1)       # 8 x 20 ms would pass the limit
    assert effort.combine([dataclasses.replace(capped, count=3)], rates).seconds == pytest.approx(0.06)
    slow_call = {"call": effort.Rate(0.5, 0.5, 0.5, 1, 0.5, 0.0)}
    assert effort.combine([capped], slow_call).seconds == pytest.approx(0.5)  # one call always finishes
    at_least_four = dataclasses.replace(capped, min_count=4)
    assert effort.combine([at_least_four], slow_call).seconds == pytest.approx(2.0)


def test_a_timing_that_may_stop_early_is_said_between_its_minimum_rounds_and_its_budget():
    rates = {"round": effort.Rate(0.1, 0.08, 0.12, 3, 0.3, 0.0)}
    est = effort.combine([effort.Piece("round", 6, lambda: None, key="round", up_to=3.0)], rates)
    assert est.seconds == pytest.approx((0.6 * 3.0) ** 0.5) and est.low == pytest.approx(0.48)
    assert est.high == pytest.approx(3.0)
    assert effort.describe_range(est) == "about 1 s (under a second to 3 s)"


def test_a_rate_book_reuses_a_rate_within_its_ttl_and_probes_again_after():
    clock = FakeClock()
    calls = []

    def setup():
        calls.append(clock.now)
        return lambda: setattr(clock, "now", clock.now + 0.02)

    book = effort.RateBook(ttl=30.0, clock=clock)
    piece = effort.Piece("step", 10, setup)
    first = book.estimate([piece, dataclasses.replace(piece, count=5)])
    assert len(calls) == 1 and first.seconds == pytest.approx(15 * 0.02) and first.probed > 0
    clock.now += 10
    again = book.estimate([piece])
    assert len(calls) == 1 and again.probed == 0
    clock.now += 31
    book.estimate([piece])
    assert len(calls) == 2


@pytest.mark.parametrize("seconds, words", [(0.3, "under a second"), (1.4, "about 1 s"), (9.4, "about 9 s"),
                                            (12, "about 10 s"), (88, "about 90 s"), (95, "about 2 min"),
                                            (453, "about 8 min"), (7200, "about 2 h"), (9000, "about 2.5 h"),
                                            (math.nan, "an unknown time")])
def test_seconds_in_words(seconds, words):
    assert effort.describe(seconds) == words


def test_a_wide_range_is_said_and_a_narrow_one_is_not():
    assert effort.describe_range(effort.Estimate(20, 10, 60, 1, 0)) == "about 20 s (10 s to 60 s)"
    assert effort.describe_range(effort.Estimate(20, 15, 25, 1, 0)) == "about 20 s"


def test_a_button_kept_its_word_inside_its_stated_range_or_within_2x_of_a_plain_estimate():
    wide, narrow, from_zero = (effort.Estimate(20, 10, 60, 1, 0), effort.Estimate(20, 15, 25, 1, 0),
                               effort.Estimate(3, 0.2, 20, 1, 0))
    assert effort.kept_its_word(wide, 55) and not effort.kept_its_word(wide, 65) and not effort.kept_its_word(wide, 9)
    assert effort.kept_its_word(narrow, 39) and not effort.kept_its_word(narrow, 41)
    assert effort.kept_its_word(narrow, 10.5) and not effort.kept_its_word(narrow, 9.5)
    assert effort.kept_its_word(from_zero, 0.05)  # said "under a second to 20 s"


def test_the_stop_sentence_names_the_step_and_the_button():
    assert effort.stop_sentence(120, 400, "step", "Train") == \
        "Stopped at step 120 of 400; press **Train** to start again."
    assert effort.stop_sentence(0, 0, "step", "Measure") == \
        "Stopped before it finished; press **Measure** to start again."


def test_ratio_of_measured_to_estimated():
    assert effort.ratio(2.0, 3.0) == 1.5 and effort.ratio(0.0, 1.0) == math.inf


def test_a_runs_size_follows_its_steps_and_held_out_batch():
    cfg = scored_run.Config(task="adding", cell="gru", T=20, hidden_size=8, steps=40, test_size=640, batch=64)
    train, held = scored_run.work([cfg])
    assert train.count == 40 and held.count == 10
    assert train.unit_key == scored_run.work([dataclasses.replace(cfg, steps=400, lr=0.1)])[0].unit_key  # same step
    assert train.unit_key != scored_run.work([dataclasses.replace(cfg, T=40)])[0].unit_key                # a longer one
    rates = {p.unit_key: effort.Rate(0.01, 0.01, 0.01, 2, 0.0, 0.0) for p in (train, held)}
    twice = scored_run.work([dataclasses.replace(cfg, steps=80)])
    assert effort.combine(twice, rates).seconds - effort.combine([train, held], rates).seconds == pytest.approx(0.4)


def test_a_real_probe_runs_one_training_step_of_the_run():
    cfg = scored_run.Config(task="adding", cell="rnn", T=5, hidden_size=4, steps=1000, test_size=64)
    est = effort.estimate(scored_run.work([cfg]))
    assert 0 < est.low <= est.seconds <= est.high and est.units == 1001 and est.probed > 0
