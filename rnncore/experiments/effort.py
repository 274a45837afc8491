"""How long a job will take on this machine, now: size the work, time a small piece of it, extrapolate.

A job (a page's training or timing run) is a sum of pieces. A :class:`Piece` is ``count`` repetitions of one unit
of work, for example one Adam step of an LSTM on a batch of 64 sequences of length 50 (``count``: the steps of the
run). Its ``setup()`` builds a probe, a function that does one unit (the model and the batch are made outside the
timing); :func:`probe` times it a few times, tens of milliseconds in all (a unit that is itself slower is timed twice:
its first call, a warm-up that pays for first-touch memory, is left out), and the estimate is

    seconds = sum over pieces of count x (mean seconds per unit of that piece, over the probe's window)

with a range from the fastest and the slowest probe call. A timing job that repeats its rounds until a wall-clock
budget runs for max(budget, its minimum rounds x the probed round): ``Piece.at_least``; one that stops at a time
limit runs for at most that limit (but at least one unit): ``Piece.at_most``; one that stops as soon as its spread is
small (a quiet machine) and else at its budget is said as the geometric mean of its minimum rounds and its budget,
with both as the range: ``Piece.up_to``. The mean, not the median: on a shared machine most short
calls run at full speed and a few wait for the CPU, and a median would drop exactly the waits that a long run will
meet (measured here under load: median 0.46 ms per epoch, mean 1.8 ms, the whole run 1.8 ms). So the probe calls the
unit for a window of time (``PROBE_BUDGET``), not a fixed number of times. The probe runs the job's own code at the job's own sizes,
so the estimate follows the machine's speed at the moment, a neighbour's load included; nothing here is a constant
number of seconds.

:class:`RateBook` keeps each measured rate for ``ttl`` seconds, so a page that reruns on every click does not probe
again each time; :func:`describe` turns seconds into the words a button shows ("about 40 s"). Every function takes a
``clock`` so that tests can drive it with a fake one.
"""
from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import NamedTuple

#: Probing time per piece after which no more probe calls are made (the first call always runs).
PROBE_BUDGET = 0.04
#: At most this many probe calls per piece (a guard: the window of time is what ends a probe).
MAX_PROBES = 10_000
#: At least this many probe calls per piece, unless the first call alone is over the budget (a slow unit is timed
#: twice, the warm-up and one kept call: the probe must stay short).
MIN_PROBES = 3


@dataclass(frozen=True)
class Piece:
    """``count`` units of one kind of work in a job; ``setup()`` returns a function that does one unit."""

    label: str                                  # what one unit is, e.g. "LSTM step (T = 50, batch 64)"
    count: float                                # how many units the job does
    setup: Callable[[], Callable[[], object]]   # builds the probe; not timed
    key: Hashable = None                        # pieces with equal keys share one probe (default: the label)
    at_least: float = 0.0                       # seconds it takes whatever the rate: a timing that repeats until
                                                # its own wall-clock budget (count is then its minimum of rounds)
    at_most: float = math.inf                   # seconds after which it stops (a timing's time limit), though
    min_count: float = 1.0                      # never before this many units are done
    up_to: float = 0.0                          # seconds it may go on for: a timing that stops once its spread
                                                # is small (count: its minimum rounds), else at this budget

    def seconds(self, rate: float) -> float:
        """This piece's time at ``rate`` seconds per unit."""
        floor = min(self.count, self.min_count) * rate
        return max(min(self.count * rate, max(self.at_most, floor)), self.at_least)

    @property
    def unit_key(self) -> Hashable:
        return self.label if self.key is None else self.key


class Rate(NamedTuple):
    """Seconds per unit of one piece, from probe calls."""

    mean: float    # the window's time over its calls (the first, a warm-up, left out when more ran)
    low: float     # the fastest call
    high: float    # the slowest call
    calls: int
    spent: float   # seconds the probing took, setup included
    at: float      # clock reading when it was measured


class Estimate(NamedTuple):
    """The predicted wall time of a job, in seconds."""

    seconds: float   # sum of count x mean rate
    low: float       # sum of count x fastest rate
    high: float      # sum of count x slowest rate
    units: float     # sum of counts
    probed: float    # seconds spent probing for this estimate (0 when every rate was remembered)

    def over(self, budget: float) -> bool:
        """Whether the job is expected to take longer than ``budget`` seconds."""
        return self.seconds > budget


def probe(piece: Piece, *, budget: float = PROBE_BUDGET, max_calls: int = MAX_PROBES,
          min_calls: int = MIN_PROBES, clock: Callable[[], float] = time.perf_counter) -> Rate:
    """Time one unit of ``piece``: call it until ``budget`` seconds have passed (at least ``min_calls`` times, or twice
    when the first call alone is over ``budget``; at most ``max_calls``).

    The first call is a warm-up and is left out whenever a second one ran: it pays for first-touch allocations that
    the job pays once, not per unit (measured here: self-attention at T = 512 took 170 ms on its first call in a
    fresh process and 56 ms on every later one, and a probe that kept the first call said 3x too much).
    """
    if max_calls < 1 or min_calls < 1:
        raise ValueError(f"max_calls and min_calls must be >= 1, got {max_calls}, {min_calls}")
    start = clock()
    unit = piece.setup()
    samples: list[float] = []
    spent_calls = 0.0
    while len(samples) < max_calls:
        if samples and spent_calls >= budget and (len(samples) >= min_calls
                                                   or (samples[0] >= budget and len(samples) >= 2)):
            break
        t0 = clock()
        unit()
        samples.append(clock() - t0)
        spent_calls += samples[-1]
    kept = samples[1:] if len(samples) > 1 else samples
    end = clock()
    return Rate(statistics.fmean(kept), min(kept), max(kept), len(samples), end - start, end)


def combine(pieces: Iterable[Piece], rates: dict, *, probed: float = 0.0) -> Estimate:
    """The estimate of a job from a rate per piece (``rates[piece.unit_key]``): the pure extrapolation."""
    seconds = low = high = units = 0.0
    for piece in pieces:
        if piece.count < 0 or not math.isfinite(piece.count):
            raise ValueError(f"{piece.label}: count must be a finite number >= 0, got {piece.count!r}")
        rate = rates[piece.unit_key]
        least = piece.seconds(rate.mean)
        # a timing that may stop early: between its minimum rounds and its budget, their geometric mean (measured
        # here: quiet machines stop a few times past the minimum rounds, busy ones run into the budget)
        seconds += math.sqrt(least * piece.up_to) if piece.up_to > least else least
        low += piece.seconds(rate.low)
        high += max(piece.seconds(rate.high), piece.up_to)
        units += piece.count
    return Estimate(seconds, low, high, units, probed)


class RateBook:
    """Measured rates, each kept for ``ttl`` seconds: a rerun within that time reuses it, a later one probes again."""

    def __init__(self, ttl: float = 30.0, *, clock: Callable[[], float] = time.perf_counter, max_size: int = 256):
        self.ttl, self.clock, self.max_size = ttl, clock, max_size
        self._rates: dict[Hashable, Rate] = {}

    def rate(self, piece: Piece, **probe_options) -> tuple[Rate, bool]:
        """(the rate of ``piece``, whether it was probed just now)."""
        known = self._rates.get(piece.unit_key)
        if known is not None and self.clock() - known.at <= self.ttl:
            return known, False
        fresh = probe(piece, clock=self.clock, **probe_options)
        if len(self._rates) >= self.max_size:
            self._rates.pop(next(iter(self._rates)))
        self._rates[piece.unit_key] = fresh
        return fresh, True

    def estimate(self, pieces: Iterable[Piece], **probe_options) -> Estimate:
        """Probe what is not remembered, then extrapolate."""
        pieces = list(pieces)
        rates, spent = {}, 0.0
        for piece in pieces:
            if piece.unit_key in rates:
                continue
            rate, fresh = self.rate(piece, **probe_options)
            rates[piece.unit_key] = rate
            spent += rate.spent if fresh else 0.0
        return combine(pieces, rates, probed=spent)


def estimate(pieces: Iterable[Piece], **probe_options) -> Estimate:
    """Probe every piece now (nothing remembered) and extrapolate."""
    return RateBook(ttl=-1.0).estimate(pieces, **probe_options)


def describe(seconds: float) -> str:
    """Seconds as a button says them: "under a second", "about 4 s", "about 40 s", "about 3 min", "about 2 h"."""
    if not math.isfinite(seconds) or seconds < 0:
        return "an unknown time"
    if seconds < 1:
        return "under a second"
    if seconds < 10:
        return f"about {max(1, round(seconds))} s"
    if seconds < 90:
        return f"about {5 * round(seconds / 5)} s"
    if seconds < 90 * 60:
        return f"about {round(seconds / 60)} min"
    return f"about {seconds / 3600:.1f} h".replace(".0 h", " h")


def says_range(est: Estimate) -> bool:
    """Whether a button states the range of ``est`` besides the estimate (its probe calls disagreed by over 2x)."""
    return est.high > 2 * max(est.low, 1e-9) and est.high >= 1


def describe_range(est: Estimate) -> str:
    """The estimate and, when the probe calls disagreed by more than 2x, its range: "about 20 s (10 s to 1 min)"."""
    text = describe(est.seconds)
    if says_range(est):
        return f"{text} ({_short(est.low)} to {_short(est.high)})"
    return text


def kept_its_word(est: Estimate, measured: float) -> bool:
    """Whether ``measured`` seconds is what the button said: inside the stated range when it stated one (a loaded
    machine; a low end under a second is said as "under a second"), else within 2x of the estimate either way."""
    if says_range(est):
        return (est.low < 1 or est.low <= measured) and measured <= est.high
    return 0.5 <= ratio(est.seconds, measured) <= 2


def _short(seconds: float) -> str:
    return describe(seconds).removeprefix("about ")


def ratio(estimated: float, measured: float) -> float:
    """measured / estimated (1.0 is a perfect estimate; 2.0 took twice as long as said)."""
    if not estimated > 0:
        return math.inf
    return measured / estimated


def stop_sentence(done: int, total: int, unit: str, button: str) -> str:
    """What a stopped run says: "Stopped at step 120 of 400; press Train to start again." (a job that does not count
    its steps, total 0: "Stopped before it finished; ...")."""
    if total <= 0:
        return f"Stopped before it finished; press **{button}** to start again."
    return f"Stopped at {unit} {done:,} of {total:,}; press **{button}** to start again."
