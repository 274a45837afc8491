"""Timing driven by a fake clock: no sleeps, no assertions on real wall times."""
import numpy as np
import pytest

from rnncore.experiments import timing
from rnncore.experiments.timing import Timing, compare_alternating, machine_info, time_call


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
    for var in timing._ANY_THREAD_VARS + ("GOTO_NUM_THREADS",):
        monkeypatch.delenv(var, raising=False)


def test_machine_info_fields(monkeypatch):
    _clear_thread_env(monkeypatch)
    info = machine_info()
    assert info["numpy"] == np.__version__
    assert isinstance(info["cpu_count"], int) and info["cpu_count"] >= 1
    assert 1 <= info["cpus_usable"] <= info["cpu_count"]
    assert info["blas_threads"] is None and info["blas_threads_from"] is None
    assert all(v is None or isinstance(v, (str, int)) for v in info.values())


def test_machine_info_reads_thread_env(monkeypatch):
    _clear_thread_env(monkeypatch)
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    assert machine_info()["blas_threads"] == 2  # OMP_NUM_THREADS is read by every BLAS family except Accelerate
    monkeypatch.setattr(timing, "_blas_config", lambda: {"name": "scipy-openblas", "version": "0.3"})
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
