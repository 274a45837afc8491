"""Robust wall-clock timing: repeated measurements summarized by their median and quartiles.

A single timed call mixes the cost of the code with cache misses, the scheduler and frequency scaling; on a shared
2-core machine the noise can exceed the effect. So every figure here is the median of several measurements, shown
with its interquartile range (IQR). Calls shorter than ``min_time`` are looped ``number`` times per measurement (as
``timeit.autorange`` does), so the clock's resolution and the loop overhead stay small against what is measured.
When several alternatives are compared, ``compare_alternating`` interleaves them (A B C A B C ...) so that slow drift
(thermal throttling, a neighbour's job) hits all of them alike and their ratio stays fair.

Every function takes a ``clock`` (default ``time.perf_counter``) so that tests can drive it with a fake clock.
"""
from __future__ import annotations

import contextlib
import io
import math
import os
import platform
import sys
import time
from typing import Callable, Mapping, NamedTuple

import numpy as np

DEFAULT_MIN_TIME = 1e-3  # seconds per measurement below which a call is looped; None in the API means this
MAX_NUMBER = 10**7  # cap on calls per measurement, so a clock that never advances cannot loop forever
MIN_REPEATS_UNDER_MAX_TIME = 3  # a median of fewer measurements says little about the spread

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
              max_time: float | None = None, clock: Callable[[], float] = time.perf_counter) -> Timing:
    """Time fn() robustly: warm up, pick calls per measurement, then take up to ``repeats`` measurements.

    Args:
        fn: a function of no arguments (close over its inputs).
        repeats: number of measurements (the most taken when max_time is set).
        warmup: untimed calls first (caches, allocations, lazy imports).
        min_time: seconds one measurement should last at least; shorter calls are looped. None means
            DEFAULT_MIN_TIME (1 ms), 0 means exactly one call per measurement.
        max_time: budget in seconds for the whole call, warmup included. No repeat is started that would
            overrun it (judged from the last one), but at least min(3, repeats) are taken.
        clock: a monotonic clock in seconds.

    Returns:
        Timing in seconds per call; ``repeats`` is the number actually taken.
    """
    min_time = _check_counts(repeats, warmup, min_time)
    if max_time is not None and not max_time > 0:
        raise ValueError(f"max_time must be a positive number of seconds, or None for no limit; got {max_time!r}.")
    start = clock()
    last = None
    for _ in range(warmup):
        last, _ = _measure(fn, 1, clock)
    number = _calibrate(fn, min_time, clock, last) if min_time > 0 else 1
    floor = min(MIN_REPEATS_UNDER_MAX_TIME, repeats)
    samples = []
    for _ in range(repeats):
        elapsed, now = _measure(fn, number, clock)
        samples.append(elapsed / number)
        # Predict the next repeat from this one: stopping after an overrun would not bound the wall time.
        if max_time is not None and len(samples) >= floor and (now - start) + elapsed > max_time:
            break
    return Timing.from_samples(samples, number=number)


def compare_alternating(fns: Mapping[str, Callable[[], object]], *, repeats: int = 7, warmup: int = 1,
                        min_time: float | None = None,
                        clock: Callable[[], float] = time.perf_counter) -> dict[str, Timing]:
    """Time several alternatives interleaved (A B C A B C ...) so drift and noise affect all of them alike.

    Each candidate gets its own calls-per-measurement (see ``time_call``); then round r measures every candidate
    once, in the order of ``fns``. Ratios of the medians are the fair comparison.

    Args:
        fns: name -> function of no arguments.
        repeats: measurements per candidate.
        warmup: untimed rounds over all candidates, also interleaved.
        min_time: as in ``time_call``.
        clock: a monotonic clock in seconds.

    Returns:
        name -> Timing (seconds per call), in the order of ``fns``.
    """
    min_time = _check_counts(repeats, warmup, min_time)
    if not fns:
        raise ValueError("fns is empty: pass a dict name -> function with at least one candidate.")
    bad = [name for name, fn in fns.items() if not callable(fn)]
    if bad:
        raise ValueError(f"fns values must be functions of no arguments; not callable: {bad}.")
    last = {name: None for name in fns}
    for _ in range(warmup):
        for name, fn in fns.items():
            last[name], _ = _measure(fn, 1, clock)
    number = {name: _calibrate(fn, min_time, clock, last[name]) if min_time > 0 else 1 for name, fn in fns.items()}
    samples = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            elapsed, _ = _measure(fn, number[name], clock)
            samples[name].append(elapsed / number[name])
    return {name: Timing.from_samples(samples[name], number=number[name]) for name in fns}


# Thread-count variables in the order each BLAS reads them (the first one set wins).
_THREAD_VARS = {
    "openblas": ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS"),
    "mkl": ("MKL_NUM_THREADS", "OMP_NUM_THREADS"),
    "blis": ("BLIS_NUM_THREADS", "OMP_NUM_THREADS"),
    "accelerate": ("VECLIB_MAXIMUM_THREADS",),
}
_ANY_THREAD_VARS = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS",
                    "OMP_NUM_THREADS")


def _blas_config() -> dict:
    """NumPy's BLAS name/version/configuration from its build info; empty dict if this NumPy cannot say."""
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # older NumPy print instead of returning
            config = np.show_config(mode="dicts")
        blas = config["Build Dependencies"]["blas"]
    except Exception:  # any NumPy without the dicts mode, or with another layout: report unknown, never fail
        return {}
    return blas if isinstance(blas, dict) else {}


def machine_info() -> dict:
    """Facts that explain a timing: CPUs, platform, Python, NumPy and its BLAS, and BLAS threads if set.

    Returns:
        A flat dict of str/int/None values (fit for a table or a CSV header). ``blas_threads`` is None when no
        thread variable is set, in which case the BLAS usually uses every available core.
    """
    blas = _blas_config()
    name = blas.get("name")
    lowered = (name or "").lower()
    candidates = next((v for k, v in _THREAD_VARS.items() if k in lowered), _ANY_THREAD_VARS)
    source = next((var for var in candidates if os.environ.get(var, "").strip()), None)
    threads = None
    if source is not None:
        try:
            threads = int(os.environ[source].strip().split(",")[0])  # OMP allows a nested list "4,2"
        except ValueError:
            threads = None
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "cpu_count": os.cpu_count(),
        "cpus_usable": usable,
        "platform": platform.platform(),
        "machine": platform.machine(),
        "python": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "numpy": np.__version__,
        "blas_name": name,
        "blas_version": blas.get("version"),
        "blas_config": blas.get("openblas configuration"),
        "blas_threads": threads,
        "blas_threads_from": source,
        "byteorder": sys.byteorder,
    }
