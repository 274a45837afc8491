"""Robust wall-clock timing: repeated measurements summarized by their median and quartiles.

A single timed call mixes the cost of the code with cache misses, the scheduler and frequency scaling; on a shared
2-core machine the noise can exceed the effect. So every figure here is the median of several measurements, shown
with its interquartile range (IQR). Calls shorter than ``min_time`` are looped ``number`` times per measurement (as
``timeit.autorange`` does), so the clock's resolution and the loop overhead stay small against what is measured.
When several alternatives are compared, ``compare_alternating`` interleaves them (A B C A B C ...) so that slow drift
(thermal throttling, a neighbour's job) hits all of them alike and their ratio stays fair; ``interleaved`` repeats
the rounds until every spread is small or a time budget ends, with the BLAS held to one thread
(``one_blas_thread``), so that a matrix product does not race the loop it is compared with for the two cores.

A timing can still be wrong: on a busy machine a burst of other work lands on one candidate or one length. So the
experiments check what they measured (a negative cost per step, a straight line that explains little, a remedy
slower than what it improves, a spread wider than the effect, times falling as the work grows) and return a
``Verdict``; a page prints a number only from a trustworthy one.

Where a timing ran is :mod:`rnncore.experiments.machine`; timings shipped as the default view are
:mod:`rnncore.experiments.reference_timings`.

Every function takes a ``clock`` (default ``time.perf_counter``) so that tests can drive it with a fake clock.
"""
from __future__ import annotations

import contextlib
import itertools
import math
import os
import threading
import time
from typing import Callable, Iterable, Mapping, NamedTuple

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

DEFAULT_MIN_TIME = 1e-3  # seconds per measurement below which a call is looped; None in the API means this
MAX_NUMBER = 10**7  # cap on calls per measurement, so a clock that never advances cannot loop forever
MIN_REPEATS_UNDER_MAX_TIME = 3  # a median of fewer measurements says little about the spread
TARGET_SPREAD = 0.05  # relative IQR (IQR / median) under which ``interleaved`` stops adding rounds
MIN_ROUNDS, MAX_ROUNDS = 5, 25  # rounds ``interleaved`` takes at least, and at most
MAX_SPREAD = 0.5  # a quoted timing whose relative IQR passes this is too noisy to quote
#: What ``interleaved`` measures with: CPU time of the calling thread (the BLAS held to that one thread).
CPU_CLOCK = time.thread_time

_UNITS = ((1.0, "s"), (1e-3, "ms"), (1e-6, "µs"), (1e-9, "ns"))


class Timing(NamedTuple):
    """Summary of repeated measurements, in seconds per call."""

    median: float
    q25: float
    q75: float
    min: float
    max: float
    repeats: int  # measurements actually taken
    number: int = 1  # calls per measurement (autorange loop); every figure above is already divided by it
    samples: tuple = ()  # seconds per call of each measurement, in the order taken

    @classmethod
    def from_samples(cls, samples, *, number: int = 1) -> "Timing":
        """Summarize per-call durations (seconds); quartiles by linear interpolation between order statistics."""
        arr = np.asarray(samples, dtype=np.float64)
        if arr.ndim != 1 or arr.size == 0:
            raise ValueError(f"samples must be a non-empty 1-D sequence of durations; got shape {arr.shape}.")
        q25, median, q75 = np.percentile(arr, [25, 50, 75])
        return cls(float(median), float(q25), float(q75), float(arr.min()), float(arr.max()), int(arr.size),
                   int(number), tuple(float(s) for s in arr))

    @property
    def spread(self) -> float:
        """Interquartile range q75 - q25, in seconds."""
        return self.q75 - self.q25

    @property
    def relative_spread(self) -> float:
        """IQR / median: 0.1 means the middle half of the measurements lies within about ±5% of the median."""
        return self.spread / self.median if self.median > 0 else math.inf

    def per_item(self, n: float) -> "Timing":
        """The same timing divided by n items (e.g. per sequence, per time step)."""
        if not n > 0:
            raise ValueError(f"n must be positive to express a time per item; got {n!r}.")
        return self._replace(median=self.median / n, q25=self.q25 / n, q75=self.q75 / n, min=self.min / n,
                             max=self.max / n, samples=tuple(s / n for s in self.samples))

    def __str__(self) -> str:
        """Like "1.23 ms ± 0.05 (median of 7)"; ± shows the IQR, in the median's unit."""
        scale, unit = next(((s, u) for s, u in _UNITS if abs(self.median) >= s), _UNITS[-1])
        return f"{self.median / scale:.3g} {unit} ± {self.spread / scale:.2g} (median of {self.repeats})"


def _measure(fn: Callable[[], object], number: int, clock: Callable[[], float]) -> tuple[float, float]:
    """Run fn() number times; return (elapsed seconds, clock reading at the end)."""
    t0 = clock()
    for _ in range(number):
        fn()
    t1 = clock()
    return t1 - t0, t1


def _calibrate(fn, min_time: float, clock, first: float | None) -> int:
    """Calls per measurement so that one measurement lasts at least min_time.

    ``first`` is the duration of one call already observed (the last warmup call), which saves a call for slow fn.
    """
    number, elapsed = 1, first
    if elapsed is None:
        elapsed, _ = _measure(fn, number, clock)
    while elapsed < min_time and number < MAX_NUMBER:
        # Aim 10% past min_time from the current rate; at least double, so a zero reading cannot stall the loop.
        guess = math.ceil(number * 1.1 * min_time / elapsed) if elapsed > 0 else 10 * number
        number = min(MAX_NUMBER, max(2 * number, guess))
        elapsed, _ = _measure(fn, number, clock)
    return number


def _check_counts(repeats: int, warmup: int, min_time):
    if not (isinstance(repeats, (int, np.integer)) and repeats >= 1):
        raise ValueError(f"repeats must be an integer >= 1; got {repeats!r}.")
    if not (isinstance(warmup, (int, np.integer)) and warmup >= 0):
        raise ValueError(f"warmup must be an integer >= 0; got {warmup!r}.")
    min_time = DEFAULT_MIN_TIME if min_time is None else float(min_time)
    if not min_time >= 0:
        raise ValueError(f"min_time must be >= 0 seconds (0 disables looping); got {min_time!r}.")
    return min_time


def time_call(fn: Callable[[], object], *, repeats: int = 7, warmup: int = 1, min_time: float | None = None,
              max_time: float | None = None, clock: Callable[[], float] = time.perf_counter,
              deadline_clock: Callable[[], float] | None = None) -> Timing:
    """Time fn() robustly: warm up, pick calls per measurement, then take up to ``repeats`` measurements.

    Args:
        fn: a function of no arguments (close over its inputs).
        repeats: number of measurements (the most taken when max_time is set).
        warmup: untimed calls first (caches, allocations, lazy imports).
        min_time: seconds one measurement should last at least; shorter calls are looped. None means
            DEFAULT_MIN_TIME (1 ms), 0 means exactly one call per measurement.
        max_time: budget in seconds for the whole call, warmup included. No repeat is started that would
            overrun it (judged from the last one), but at least min(3, repeats) are taken.
        clock: a monotonic clock in seconds, for the measurements.
        deadline_clock: the clock ``max_time`` is counted on; None means ``clock``.

    Returns:
        Timing in seconds per call; ``repeats`` is the number actually taken.
    """
    min_time = _check_counts(repeats, warmup, min_time)
    if max_time is not None and not max_time > 0:
        raise ValueError(f"max_time must be a positive number of seconds, or None for no limit; got {max_time!r}.")
    wall = clock if deadline_clock is None else deadline_clock
    start = wall()
    last = None
    for _ in range(warmup):
        last, _ = _measure(fn, 1, clock)
    number = _calibrate(fn, min_time, clock, last) if min_time > 0 else 1
    floor = min(MIN_REPEATS_UNDER_MAX_TIME, repeats)
    samples = []
    for _ in range(repeats):
        before = wall()
        elapsed, _ = _measure(fn, number, clock)
        samples.append(elapsed / number)
        now = wall()
        # Predict the next repeat from this one: stopping after an overrun would not bound the wall time.
        if max_time is not None and len(samples) >= floor and (now - start) + (now - before) > max_time:
            break
    return Timing.from_samples(samples, number=number)


def compare_alternating(fns: Mapping[str, Callable[[], object]], *, repeats: int = 7, warmup: int = 1,
                        min_time: float | None = None, max_time: float | None = None,
                        target_spread: float | None = None, min_repeats: int = MIN_REPEATS_UNDER_MAX_TIME,
                        clock: Callable[[], float] = time.perf_counter,
                        deadline_clock: Callable[[], float] | None = None) -> dict[str, Timing]:
    """Time several alternatives interleaved (A B C A B C ...) so drift and noise affect all of them alike.

    Each candidate gets its own calls-per-measurement (see ``time_call``); then round r measures every candidate
    once, in the order of ``fns``. Ratios of the medians are the fair comparison.

    Args:
        fns: name -> function of no arguments.
        repeats: measurements per candidate (the most taken when max_time or target_spread is set).
        warmup: untimed rounds over all candidates, also interleaved.
        min_time: as in ``time_call``.
        max_time: budget in seconds for the whole call, warmup and calibration included: no round is started that
            would overrun it (judged from the last round), but at least ``min(min_repeats, repeats)`` are taken.
        target_spread: stop as soon as every candidate's relative spread (IQR / median) is at most this, after at
            least ``min(min_repeats, repeats)`` rounds. None: take every round.
        min_repeats: the fewest rounds either stopping rule may leave.
        clock: a monotonic clock in seconds, for the measurements.
        deadline_clock: the clock ``max_time`` is counted on; None means ``clock``.

    Returns:
        name -> Timing (seconds per call), in the order of ``fns``; every Timing has the same number of repeats.
    """
    min_time = _check_counts(repeats, warmup, min_time)
    if not fns:
        raise ValueError("fns is empty: pass a dict name -> function with at least one candidate.")
    bad = [name for name, fn in fns.items() if not callable(fn)]
    if bad:
        raise ValueError(f"fns values must be functions of no arguments; not callable: {bad}.")
    if max_time is not None and not max_time > 0:
        raise ValueError(f"max_time must be a positive number of seconds, or None for no limit; got {max_time!r}.")
    wall = clock if deadline_clock is None else deadline_clock
    start = wall()
    last = {name: None for name in fns}
    for _ in range(warmup):
        for name, fn in fns.items():
            last[name], _ = _measure(fn, 1, clock)
    number = {name: _calibrate(fn, min_time, clock, last[name]) if min_time > 0 else 1 for name, fn in fns.items()}
    samples = {name: [] for name in fns}
    floor = min(max(1, min_repeats), repeats)
    for r in range(1, repeats + 1):
        round_start = wall()
        for name, fn in fns.items():
            elapsed, _ = _measure(fn, number[name], clock)
            samples[name].append(elapsed / number[name])
        now = wall()
        if r < floor:
            continue
        if target_spread is not None and all(Timing.from_samples(v).relative_spread <= target_spread
                                             for v in samples.values()):
            break
        if max_time is not None and (now - start) + (now - round_start) > max_time:
            break
    return {name: Timing.from_samples(samples[name], number=number[name]) for name in fns}


def interleaved(fns: Mapping[str, Callable[[], object]], budget: float, *, target_spread: float = TARGET_SPREAD,
                min_rounds: int = MIN_ROUNDS, max_rounds: int = MAX_ROUNDS, min_time: float | None = None,
                clock: Callable[[], float] | None = None) -> dict[str, Timing]:
    """Interleaved rounds with the BLAS on one thread, until every spread is at most ``target_spread`` or about
    ``budget`` seconds of wall time have passed; between ``min_rounds`` and ``max_rounds`` rounds, after one warmup
    round.

    Each call is measured in CPU time of this thread (``CPU_CLOCK``): with the BLAS on one thread all the work runs
    here, and the time the machine gives to other programs is left out, which a wall clock on a busy machine would
    add to whichever call it happened to interrupt. A ``clock`` given (a test's fake one) serves for both.
    On a quiet machine this stops early; on a busy one it spends the budget, and the spread it reports is honest.
    """
    measure, wall = (CPU_CLOCK, time.perf_counter) if clock is None else (clock, clock)
    with one_blas_thread():
        return compare_alternating(fns, repeats=max_rounds, warmup=1, min_time=min_time, max_time=budget,
                                   target_spread=target_spread, min_repeats=min_rounds, clock=measure,
                                   deadline_clock=wall)


def paired_ratios(num: Timing, den: Timing, den_items: float = 1.0) -> np.ndarray:
    """num / (den / den_items) round by round, for two timings measured in the same interleaved rounds."""
    if num.repeats != den.repeats:
        raise ValueError(f"paired ratios need timings from the same rounds; got {num.repeats} and {den.repeats}.")
    return np.asarray(num.samples) / (np.asarray(den.samples) / den_items)


# ---- BLAS threads while timing ------------------------------------------------------------------------------------

_BLAS_LOCK = threading.Lock()
_BLAS_USERS = [0, None]  # sessions inside one_blas_thread, and the limiter the first one started


@contextlib.contextmanager
def one_blas_thread():
    """Hold the BLAS to one thread (threadpoolctl) while timing; the previous limits come back when the last
    concurrent user leaves.

    The limit is process-wide and a server runs sessions in threads, so the first session in sets it and the last
    one out restores it: nested or overlapping timings never leave the process stuck at one thread.
    """
    with _BLAS_LOCK:
        if _BLAS_USERS[0] == 0:
            _BLAS_USERS[1] = threadpool_limits(limits=1, user_api="blas")
        _BLAS_USERS[0] += 1
    try:
        yield
    finally:
        with _BLAS_LOCK:
            _BLAS_USERS[0] -= 1
            if _BLAS_USERS[0] == 0:
                _BLAS_USERS[1].restore_original_limits()
                _BLAS_USERS[1] = None


def blas_threads_in_use() -> int | None:
    """The largest thread count of the BLAS libraries loaded now (threadpoolctl), or None if none is found."""
    counts = [int(pool["num_threads"]) for pool in threadpool_info() if pool.get("user_api") == "blas"]
    return max(counts) if counts else None


# ---- is a timing trustworthy? -------------------------------------------------------------------------------------

class Verdict(NamedTuple):
    """Whether a set of timings can be quoted, and if not, why (one sentence per problem found)."""

    trustworthy: bool
    reasons: tuple      # sentences naming each contradiction or excess of noise; empty when trustworthy
    spread: float       # the widest relative spread (IQR / median) among the timings checked
    load: float | None  # the machine's 1-minute load average when the timings ended, if the system tells it


def load_average() -> float | None:
    """The 1-minute load average (processes running or waiting for a CPU), or None where the system has none."""
    try:
        return float(os.getloadavg()[0])
    except (AttributeError, OSError):
        return None


def verdict(reasons: Iterable[str], spreads: Iterable[float], *, load: float | None = None) -> Verdict:
    """A Verdict from the problems found and the relative spreads of the timings checked."""
    reasons = tuple(reasons)
    spreads = [float(x) for x in spreads]
    return Verdict(not reasons, reasons, max(spreads) if spreads else math.nan, load)


def spread_reasons(spreads: Mapping[str, float], *, limit: float = MAX_SPREAD) -> list[str]:
    """One sentence for the timings whose relative spread passes ``limit`` (name -> IQR / median)."""
    wide = {name: s for name, s in spreads.items() if not s <= limit}
    if not wide:
        return []
    worst = max(wide, key=wide.get)
    more = f" and {len(wide) - 1} other timing(s)" if len(wide) > 1 else ""
    return [f"the repeated timings of {worst}{more} spread over {percent(wide[worst])} of their median "
            f"(at most {percent(limit)} can be quoted)"]


def falling_reasons(times: Mapping[float, Timing], *, what: str, unit: str = "T") -> list[str]:
    """Sentences for the lengths at which ``what`` took less time than at a shorter length, beyond the noise (the
    longer one's 75th percentile under the shorter one's 25th): more work cannot take less time."""
    keys = sorted(times)
    out = []
    for short, long in itertools.pairwise(keys):
        if times[long].q75 < times[short].q25:
            out.append(f"{what} took less time at {unit} = {long:g} ({format_seconds(times[long].median)}) than at "
                       f"{unit} = {short:g} ({format_seconds(times[short].median)})")
    return out


def format_seconds(seconds: float) -> str:
    """Like "1.23 ms": three significant figures in the unit that fits."""
    scale, unit = next(((s, u) for s, u in _UNITS if abs(seconds) >= s), _UNITS[-1])
    return f"{seconds / scale:.3g} {unit}"


def percent(fraction: float) -> str:
    """0.123 -> "12%"; 0.003 -> "under 1%"."""
    if not math.isfinite(fraction):
        return "an unbounded share"
    return "under 1%" if 0 < fraction < 0.005 else f"{fraction:.0%}"


def too_busy_sentence(v: Verdict) -> str:
    """What a page prints instead of an untrustworthy timing: the machine was too busy, why, and the spread."""
    load = f" (load average {v.load:.1f} on {os.cpu_count()} CPUs)" if v.load is not None else ""
    why = "; ".join(v.reasons)
    return (f"This machine was too busy to measure this{load}: {why}. The widest spread of the repeated timings was "
            f"{percent(v.spread)} of their median.")
