"""Timing driven by a fake clock: no sleeps, no assertions on real wall times."""
import numpy as np
import pytest

from rnncore.experiments import machine, reference_timings, timing
from rnncore.experiments.machine import machine_info
from rnncore.experiments.timing import Timing, compare_alternating, time_call


class FakeClock:
    """A clock that only moves when a fake workload says so."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def advance(self, dt):
        self.now += dt


def scripted(clock, durations, log=None, name=None):
    """A function whose k-th call takes durations[k] seconds of fake time."""
    it = iter(durations)

    def fn():
        clock.advance(next(it))
        if log is not None:
            log.append(name)

    return fn


def constant(clock, dt, log=None, name=None):
    def fn():
        clock.advance(dt)
        if log is not None:
            log.append(name)

    return fn


def test_quantiles_of_known_odd_sequence():
    clock = FakeClock()
    durations = [5.0, 1.0, 4.0, 2.0, 3.0, 7.0, 6.0]
    t = time_call(scripted(clock, durations), repeats=7, warmup=0, min_time=0, clock=clock)
    # sorted 1..7: median is the 4th value; q25 sits at position 0.25 * 6 = 1.5 -> halfway between 2 and 3
    assert t.median == pytest.approx(4.0)
    assert t.q25 == pytest.approx(2.5)
    assert t.q75 == pytest.approx(5.5)
    assert (t.min, t.max) == (1.0, 7.0)
    assert t.repeats == 7 and t.number == 1
    assert t.samples == tuple(durations)
    assert t.spread == pytest.approx(3.0)


def test_quantiles_of_known_even_sequence():
    t = Timing.from_samples([4.0, 1.0, 3.0, 2.0])
    # positions 0.75, 1.5, 2.25 in the sorted list 1, 2, 3, 4
    assert (t.q25, t.median, t.q75) == pytest.approx((1.75, 2.5, 3.25))
    assert t.repeats == 4


def test_warmup_calls_are_not_measured():
    clock = FakeClock()
    t = time_call(scripted(clock, [100.0, 50.0, 1.0, 2.0, 3.0]), repeats=3, warmup=2, min_time=0, clock=clock)
    assert t.samples == (1.0, 2.0, 3.0)


def test_short_calls_are_looped_to_reach_min_time():
    clock = FakeClock()
    calls = []
    fn = constant(clock, 1e-6, calls, "f")
    t = time_call(fn, repeats=5, warmup=1, min_time=1e-3, clock=clock)
    assert t.number * 1e-6 >= 1e-3
    assert t.number <= 2000  # calibrated close to the target, not wildly above it
    assert t.median == pytest.approx(1e-6, rel=1e-6)  # reported per call, not per measurement
    assert t.repeats == 5


def test_slow_calls_are_not_looped_and_no_call_is_wasted():
    clock = FakeClock()
    calls = []
    t = time_call(constant(clock, 0.01, calls, "f"), repeats=4, warmup=1, min_time=1e-3, clock=clock)
    assert t.number == 1
    assert len(calls) == 1 + 4  # the warmup call doubles as the calibration


def test_default_min_time_loops_tiny_calls():
    clock = FakeClock()
    t = time_call(constant(clock, 1e-7), repeats=3, clock=clock)
    assert t.number * 1e-7 >= timing.DEFAULT_MIN_TIME


def test_clock_that_never_advances_terminates(monkeypatch):
    monkeypatch.setattr(timing, "MAX_NUMBER", 1000)  # keeps the test fast; the cap's logic is what is checked
    clock = FakeClock()
    t = time_call(lambda: None, repeats=3, warmup=0, min_time=1e-3, clock=clock)
    assert t.number == 1000 and t.median == 0.0


@pytest.mark.parametrize(
    "max_time, expected",
    [
        # each call 1 s, 1 s of warmup: after repeat k the clock reads 1 + k; stop when 1 + k + 1 > max_time
        (6.5, 5),
        (7.0, 6),
        (4.5, 3),
        (0.1, 3),  # already over budget: still the minimum of 3
        (None, 20),
    ],
)
def test_max_time_bounds_repeats(max_time, expected):
    clock = FakeClock()
    t = time_call(constant(clock, 1.0), repeats=20, warmup=1, min_time=0, max_time=max_time, clock=clock)
    assert t.repeats == expected == len(t.samples)
    if max_time is not None and expected > 3:
        assert clock.now <= max_time


def test_max_time_never_asks_for_more_than_repeats():
    clock = FakeClock()
    t = time_call(constant(clock, 1.0), repeats=2, warmup=0, min_time=0, max_time=0.5, clock=clock)
    assert t.repeats == 2


def test_alternating_order_is_interleaved():
    clock = FakeClock()
    log = []
    fns = {name: constant(clock, dt, log, name) for name, dt in [("a", 1.0), ("b", 2.0), ("c", 3.0)]}
    out = compare_alternating(fns, repeats=3, warmup=1, min_time=0, clock=clock)
    assert log == ["a", "b", "c"] * 4  # one warmup round, then three measured rounds
    assert list(out) == ["a", "b", "c"]
    assert [out[k].median for k in "abc"] == [1.0, 2.0, 3.0]
    assert all(t.repeats == 3 for t in out.values())


def test_alternating_cancels_drift():
    """Two identical workloads on a machine that slows down steadily get nearly equal medians when interleaved."""
    clock = FakeClock()
    count = [0]

    def drifting():
        clock.advance(1.0 + 0.1 * count[0])  # every call is 10% of the base slower than the one before
        count[0] += 1

    out = compare_alternating({"x": drifting, "y": drifting}, repeats=9, warmup=0, min_time=0, clock=clock)
    assert abs(out["y"].median - out["x"].median) == pytest.approx(0.1)
    # Timed one after the other, the second would look 9 calls (0.9 s) slower.
    count[0] = 0
    x = time_call(drifting, repeats=9, warmup=0, min_time=0, clock=clock)
    y = time_call(drifting, repeats=9, warmup=0, min_time=0, clock=clock)
    assert y.median - x.median == pytest.approx(0.9)


def test_alternating_calibrates_each_candidate():
    clock = FakeClock()
    out = compare_alternating({"fast": constant(clock, 1e-6), "slow": constant(clock, 0.1)}, repeats=3,
                              min_time=1e-3, clock=clock)
    assert out["slow"].number == 1
    assert out["fast"].number * 1e-6 >= 1e-3
    assert out["fast"].median == pytest.approx(1e-6, rel=1e-6)


def test_str_and_per_item():
    t = Timing.from_samples([1.20e-3, 1.23e-3, 1.25e-3, 1.22e-3, 1.24e-3, 1.26e-3, 1.21e-3])
    s = str(t)
    assert s.startswith("1.23 ms ± ") and s.endswith("(median of 7)")
    assert str(Timing.from_samples([2.5])).startswith("2.5 s")
    assert str(Timing.from_samples([3e-6])).startswith("3 µs")
    per = t.per_item(10)
    assert per.median == pytest.approx(t.median / 10)
    assert per.spread == pytest.approx(t.spread / 10)
    assert per.repeats == t.repeats
    with pytest.raises(ValueError, match="positive"):
        t.per_item(0)


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"repeats": 0}, "repeats"),
        ({"warmup": -1}, "warmup"),
        ({"min_time": -1.0}, "min_time"),
        ({"max_time": 0}, "max_time"),
    ],
)
def test_time_call_rejects_bad_arguments(kwargs, fragment):
    with pytest.raises(ValueError, match=fragment):
        time_call(lambda: None, clock=FakeClock(), **kwargs)


def test_compare_alternating_rejects_bad_candidates():
    with pytest.raises(ValueError, match="empty"):
        compare_alternating({})
    with pytest.raises(ValueError, match="not callable"):
        compare_alternating({"a": 3})
    with pytest.raises(ValueError, match="non-empty"):
        Timing.from_samples([])


def test_real_clock_smoke():
    """The default clock path runs; only structural facts are checked, never the times themselves."""
    t = time_call(lambda: sum(range(100)), repeats=3, max_time=1.0)
    assert t.repeats == 3 and t.number >= 1 and t.min <= t.median <= t.max


def _clear_thread_env(monkeypatch):
    for var in machine._ANY_THREAD_VARS + ("GOTO_NUM_THREADS",):
        monkeypatch.delenv(var, raising=False)


def test_machine_info_fields(monkeypatch):
    _clear_thread_env(monkeypatch)
    info = machine_info()
    assert info["numpy"] == np.__version__
    assert isinstance(info["cpu_count"], int) and info["cpu_count"] >= 1
    assert 1 <= info["cpus_usable"] <= info["cpu_count"]
    assert info["blas_threads"] is None and info["blas_threads_from"] is None
    assert all(v is None or isinstance(v, (str, int, float)) for v in info.values())
    assert info["load_1min"] is None or info["load_1min"] >= 0


def test_machine_info_reads_thread_env(monkeypatch):
    _clear_thread_env(monkeypatch)
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    assert machine_info()["blas_threads"] == 2  # OMP_NUM_THREADS is read by every BLAS family except Accelerate
    monkeypatch.setattr(machine, "_blas_config", lambda: {"name": "scipy-openblas", "version": "0.3"})
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")
    info = machine_info()
    assert (info["blas_threads"], info["blas_threads_from"]) == (1, "OPENBLAS_NUM_THREADS")


def test_machine_info_survives_missing_blas_info(monkeypatch):
    def broken(*args, **kwargs):
        raise TypeError("show_config() got an unexpected keyword argument 'mode'")

    monkeypatch.setattr(np, "show_config", broken)
    info = machine_info()
    assert info["blas_name"] is None and info["blas_version"] is None
    assert info["numpy"] == np.__version__


# ---- repeating until the spread is small, BLAS threads, verdicts -----------------------------------------------------

def test_target_spread_stops_as_soon_as_every_candidate_is_steady():
    clock = FakeClock()
    out = compare_alternating({"a": constant(clock, 1.0), "b": constant(clock, 2.0)}, repeats=20, warmup=0,
                              min_time=0, target_spread=0.05, min_repeats=4, clock=clock)
    assert [t.repeats for t in out.values()] == [4, 4]  # no spread at all: the floor is enough


def test_target_spread_keeps_measuring_a_noisy_candidate_up_to_repeats():
    clock = FakeClock()
    noisy = scripted(clock, [1.0, 3.0] * 20)  # relative IQR stays near 1: never steady
    out = compare_alternating({"a": constant(clock, 1.0), "b": noisy}, repeats=12, warmup=0, min_time=0,
                              target_spread=0.05, min_repeats=4, clock=clock)
    assert out["b"].repeats == 12 and out["b"].relative_spread > 0.5


def test_alternating_max_time_bounds_the_rounds():
    clock = FakeClock()
    # Each round takes 2 s (1 s + 1 s); after round r the clock reads 2 r; stop when 2 r + 2 > 9, i.e. after 4.
    out = compare_alternating({"a": constant(clock, 1.0), "b": constant(clock, 1.0)}, repeats=50, warmup=0,
                              min_time=0, max_time=9.0, min_repeats=2, clock=clock)
    assert out["a"].repeats == 4 and clock.now <= 9.0


def test_interleaved_measures_with_one_blas_thread_and_gives_the_threads_back():
    before = timing.blas_threads_in_use()
    seen = []
    out = timing.interleaved({"a": lambda: seen.append(timing.blas_threads_in_use())}, budget=0.05, min_rounds=3,
                             max_rounds=3, min_time=0)
    assert out["a"].repeats == 3
    if before is not None:  # a NumPy without a BLAS threadpool has nothing to limit
        assert set(seen) == {1}
        assert timing.blas_threads_in_use() == before


def test_overlapping_sessions_restore_the_blas_threads_only_when_the_last_one_leaves():
    before = timing.blas_threads_in_use()
    if before is None:
        pytest.skip("no BLAS threadpool found")
    first, second = timing.one_blas_thread(), timing.one_blas_thread()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)  # the first session out: the second is still timing
    assert timing.blas_threads_in_use() == 1
    second.__exit__(None, None, None)
    assert timing.blas_threads_in_use() == before


def test_falling_reasons_need_a_drop_beyond_the_noise():
    slow_then_fast = {10: Timing.from_samples([2.0, 2.1, 2.2]), 20: Timing.from_samples([1.0, 1.1, 1.2])}
    (reason,) = timing.falling_reasons(slow_then_fast, what="one step")
    assert "one step took less time at T = 20 (1.1 s) than at T = 10 (2.1 s)" == reason
    overlapping = {10: Timing.from_samples([1.0, 1.5, 2.0]), 20: Timing.from_samples([0.9, 1.4, 1.9])}
    assert timing.falling_reasons(overlapping, what="one step") == []


def test_verdict_and_the_too_busy_sentence_carry_the_numbers():
    spreads = {"T = 10": 0.04, "T = 20": 0.9, "T = 40": 0.7}
    reasons = timing.spread_reasons(spreads)
    assert reasons == ["the repeated timings of T = 20 and 1 other timing(s) spread over 90% of their median "
                       "(at most 50% can be quoted)"]
    v = timing.verdict(reasons, spreads.values(), load=3.25)
    assert not v.trustworthy and v.spread == 0.9
    text = timing.too_busy_sentence(v)
    assert text.startswith("This machine was too busy to measure this (load average 3.2")
    assert "spread over 90%" in text and "The widest spread of the repeated timings was 90% of their median" in text
    calm = timing.verdict([], [0.01, 0.03])
    assert calm.trustworthy and calm.reasons == () and calm.spread == 0.03
    assert timing.spread_reasons({"a": 0.2}) == []


def test_shipped_timings_round_trip_exactly_and_are_labelled_with_machine_and_date():
    nested = {32: {"loop": Timing.from_samples([1e-3, 2e-3, 1.5e-3], number=4)}}
    back = reference_timings.timings_from_json(reference_timings.timings_to_json(nested), (int, str))
    assert back == nested
    info = {"cpus_usable": 2, "machine": "x86_64", "platform": "Linux-6.1-x86_64", "numpy": "2.4",
            "blas_name": "scipy-openblas", "blas_version": "0.3", "blas_threads_in_use": 1, "load_1min": 0.21}
    ref = reference_timings.Reference("cfg", 0, None, info, "2026-12-01")
    assert reference_timings.reference_label(ref) == ("Reference timings measured on a 2-CPU x86_64 Linux machine, NumPy 2.4 "
                                           "with scipy-openblas 0.3 on 1 BLAS thread, load average 0.21, on "
                                           "2026-12-01")
    other = reference_timings.Reference("other", 0, None, info, "2026-12-01")
    assert reference_timings.reference_for("cfg", [other, ref], "other") is ref
    assert reference_timings.reference_for("unknown", [other, ref], "other") is other
    assert reference_timings.reference_for("unknown", [ref], "missing") is ref
    assert reference_timings.reference_for("cfg", [], "cfg") is None


def test_interleaved_measures_cpu_time_and_counts_its_budget_on_the_wall_clock(monkeypatch):
    cpu = FakeClock()
    monkeypatch.setattr(timing, "CPU_CLOCK", cpu)
    out = timing.interleaved({"a": constant(cpu, 2e-3), "b": constant(cpu, 5e-3)}, budget=60.0, min_time=0)
    assert (out["a"].median, out["b"].median) == pytest.approx((2e-3, 5e-3))  # what the fake CPU clock saw
    assert out["a"].repeats == timing.MIN_ROUNDS  # no spread: stopped at the floor, long before the budget


def test_the_budget_runs_on_the_deadline_clock():
    cpu, wall = FakeClock(), FakeClock()

    def work():
        cpu.advance(1.0)
        wall.advance(10.0)  # a busy machine: ten seconds pass for each second of CPU

    out = compare_alternating({"a": work}, repeats=50, warmup=0, min_time=0, max_time=45.0, min_repeats=1,
                              clock=cpu, deadline_clock=wall)
    assert out["a"].median == 1.0 and out["a"].repeats == 4  # 40 s of wall time; a 5th round would end at 50 > 45
