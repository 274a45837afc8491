"""Synthetic sequence tasks, each with the loss of its best constant predictor.

Every task is a function ``name(*, rng, n, T, **options) -> Batch``. ``baseline`` is the loss that the best
*memoryless* predictor reaches: the best constant output (for many-to-many tasks, the best constant output at each
position). A model that is "stuck at the baseline" has learned nothing about the inputs.
"""
from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from typing import NamedTuple

import numpy as np


class Batch(NamedTuple):
    """A batch of one task.

    xs:       (n, T, D) float64 inputs.
    ys:       targets. output="last": (n, O) float for "mse"/"bce", (n,) int class ids for "xent".
              output="all": (n, T, O) float, or (n, T) int class ids for "xent".
    loss:     "mse", "bce" (with logits) or "xent" (softmax cross-entropy), as in ``rnncore.losses``.
    baseline: the exact loss of the best constant predictor.
    output:   "last" (many-to-one: read out the final hidden state) or "all" (many-to-many).
    """

    xs: np.ndarray
    ys: np.ndarray
    loss: str
    baseline: float
    output: str

# Alphabets, exported so that tests and pages decode the one-hot inputs without repeating magic numbers.
COPY_BLANK, COPY_DELIMITER, COPY_N_SYMBOLS, COPY_LENGTH = 0, 9, 10, 10  # data symbols are 1..8
TEMPORAL_ORDER_SYMBOLS = "abcdXYBE"  # one-hot index of each symbol; classes XX=0, XY=1, YX=2, YY=3


def _check(rng, n: int, T: int, T_min: int, task: str) -> None:
    """Raise ValueError unless rng is a Generator, n >= 1 and T >= T_min (both integers)."""
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"{task}: rng must be a np.random.Generator, got {type(rng).__name__}; "
                         "pass rng=np.random.default_rng(seed).")
    for name, value, low in (("n", n, 1), ("T", T, T_min)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise ValueError(f"{task}: {name} must be an integer, got {value!r}; pass e.g. {name}={low}.")
        if value < low:
            raise ValueError(f"{task}: {name}={value} is too small; {task} needs {name} >= {low}.")


def _one_hot(symbols: np.ndarray, k: int) -> np.ndarray:
    """(n, L) int symbols -> (n, L, k) float64 one-hot."""
    out = np.zeros(symbols.shape + (k,), dtype=np.float64)
    np.put_along_axis(out, symbols[..., None], 1.0, axis=-1)
    return out


def first_element(*, rng: np.random.Generator, n: int, T: int) -> Batch:
    """The source article's task: read a random bit string, then output its first bit.

    Example (T=6)::

        xs[i, :, 0] = [1., 0., 0., 1., 1., 0.]   ->   ys[i] = [1.]

    Baseline: without memory the first bit is a fair coin, so the best constant is 0.5 and its MSE is
    Var(bit) = 0.5 * 0.5 = 0.25 (the value the article's loss hovers at).

    Args:
        rng: the random stream. n: batch size (>= 1). T: sequence length (>= 1).

    Returns:
        Batch with xs (n, T, 1) in {0., 1.}, ys (n, 1) float64, loss "mse", output "last", baseline 0.25.
    """
    _check(rng, n, T, 1, "first_element")
    xs = rng.integers(0, 2, size=(n, T, 1)).astype(np.float64)
    return Batch(xs, xs[:, 0, :].copy(), "mse", 0.25, "last")


def adding(*, rng: np.random.Generator, n: int, T: int) -> Batch:
    """The adding problem (Hochreiter & Schmidhuber 1997, in the form of Le et al. 2015): add the two marked numbers.

    Channel 0 holds U[0, 1) values. Channel 1 is a marker, 1 at exactly two positions: one in the first half
    [0, T//2) and one in the second half [T//2, T). Example (T=6)::

        xs[i, :, 0] = [0.21, 0.77, 0.40, 0.93, 0.05, 0.58]
        xs[i, :, 1] = [0.,   1.,   0.,   0.,   0.,   1.  ]   ->   ys[i] = [0.77 + 0.58] = [1.35]

    Baseline: the best constant is E[y] = 1, and its MSE is Var(u1 + u2) = 2 * (1/12) = 1/6 ~ 0.1667 exactly. The
    papers print 0.1767 for this "always predict 1" baseline; 1/6 is the exact value.

    Args:
        rng: the random stream. n: batch size (>= 1). T: sequence length (>= 2, so that each half holds a marker).

    Returns:
        Batch with xs (n, T, 2), ys (n, 1) float64 in [0, 2), loss "mse", output "last", baseline 1/6.
    """
    _check(rng, n, T, 2, "adding")
    half = T // 2
    values = rng.random((n, T))
    first = rng.integers(0, half, size=n)
    second = rng.integers(half, T, size=n)
    rows = np.arange(n)
    markers = np.zeros((n, T), dtype=np.float64)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    xs = np.stack([values, markers], axis=-1)  # (n, T, 2)
    ys = (values[rows, first] + values[rows, second])[:, None]  # (n, 1)
    return Batch(xs, ys, "mse", 1.0 / 6.0, "last")


def copy_memory(*, rng: np.random.Generator, n: int, T: int) -> Batch:
    """The copy-memory task (Arjovsky, Shah & Bengio 2016): recall 10 symbols after a gap of T steps.

    NOTE: the model sees sequences of length T + 20, not T. T is the gap: 10 data symbols, T - 1 blanks, the
    delimiter, then 10 blanks during which the model must replay the data. Alphabet: 0 = blank, 1..8 = data,
    9 = delimiter, one-hot encoded. Example (T=3, length 23)::

        input  symbols: 3 1 4 1 5 8 2 6 5 3 | 0 0 | 9 | 0 0 0 0 0 0 0 0 0 0
        target symbols: 0 0 0 0 0 0 0 0 0 0 | 0 0 | 0 | 3 1 4 1 5 8 2 6 5 3

    Baseline: at the first T + 10 positions the target is always blank (loss -> 0 by predicting blank with
    certainty); at the last 10 the best constant is uniform over the 8 data symbols (ln 8 each), so the mean over
    all T + 20 positions is 10 ln 8 / (T + 20).

    Args:
        rng: the random stream. n: batch size (>= 1). T: the gap (>= 1); the sequences have length T + 20.

    Returns:
        Batch with xs (n, T+20, 10) one-hot float64, ys (n, T+20) int64 class ids, loss "xent", output "all",
        baseline 10 ln(8) / (T + 20).
    """
    _check(rng, n, T, 1, "copy_memory")
    L = T + 2 * COPY_LENGTH
    data = rng.integers(1, COPY_DELIMITER, size=(n, COPY_LENGTH))  # symbols 1..8
    symbols = np.full((n, L), COPY_BLANK, dtype=np.int64)
    symbols[:, :COPY_LENGTH] = data
    symbols[:, T + COPY_LENGTH - 1] = COPY_DELIMITER  # index T + 9: after the 10 data symbols and T - 1 blanks
    ys = np.full((n, L), COPY_BLANK, dtype=np.int64)
    ys[:, L - COPY_LENGTH:] = data
    baseline = COPY_LENGTH * float(np.log(COPY_DELIMITER - 1)) / L
    return Batch(_one_hot(symbols, COPY_N_SYMBOLS), ys, "xent", baseline, "all")


def _temporal_windows(T: int) -> tuple[tuple[int, int], tuple[int, int]]:
    """Inclusive windows [round(0.1T), round(0.2T)] and [round(0.5T), round(0.6T)], rounding halves up."""
    def tenths(k: int) -> int:
        return (T * k + 5) // 10  # round(k T / 10) in integers: no float rounding surprises

    return (tenths(1), tenths(2)), (tenths(5), tenths(6))


def temporal_order(*, rng: np.random.Generator, n: int, T: int) -> Batch:
    """Temporal order (Hochreiter & Schmidhuber 1997, experiment 6a), at any length T >= 20: classify the order of X/Y.

    Symbols a b c d X Y B E, one-hot in that order. B starts and E ends the sequence; every other position is a
    random distractor a-d, except two relevant symbols, each X or Y: one at t1 in [round(0.1T), round(0.2T)] and
    one at t2 in [round(0.5T), round(0.6T)]. For T=100 these are the paper's windows [10, 20] and [50, 60].
    Example (T=20, windows [2, 4] and [10, 12])::

        B c a X d b a c d a b Y c a d b b c a E   ->   X then Y   ->   ys[i] = 1

    Classes: XX=0, XY=1, YX=2, YY=3. Baseline: the four classes are equally likely, so the best constant is uniform
    and its cross-entropy is ln 4.

    Args:
        rng: the random stream. n: batch size (>= 1). T: sequence length (>= 20, so each window spans 3+ positions).

    Returns:
        Batch with xs (n, T, 8) one-hot float64, ys (n,) int64 in 0..3, loss "xent", output "last", baseline ln 4.
    """
    _check(rng, n, T, 20, "temporal_order")
    (lo1, hi1), (lo2, hi2) = _temporal_windows(T)
    sym = {s: i for i, s in enumerate(TEMPORAL_ORDER_SYMBOLS)}
    symbols = rng.integers(sym["a"], sym["d"] + 1, size=(n, T))
    symbols[:, 0] = sym["B"]
    symbols[:, -1] = sym["E"]
    t1 = rng.integers(lo1, hi1 + 1, size=n)
    t2 = rng.integers(lo2, hi2 + 1, size=n)
    is_y = rng.integers(0, 2, size=(n, 2))  # 0 = X, 1 = Y, for the first and the second relevant symbol
    rows = np.arange(n)
    symbols[rows, t1] = sym["X"] + is_y[:, 0]
    symbols[rows, t2] = sym["X"] + is_y[:, 1]
    ys = (2 * is_y[:, 0] + is_y[:, 1]).astype(np.int64)
    return Batch(_one_hot(symbols, len(TEMPORAL_ORDER_SYMBOLS)), ys, "xent", float(np.log(4.0)), "last")


def noisy_sine(*, rng: np.random.Generator, n: int, T: int, period: float = 25.0, noise: float = 0.1) -> Batch:
    """The article's noisy sine wave, as next-step prediction: s_t = sin(2 pi t / period + phase) + noise * e_t.

    Each sample has its own phase ~ U[0, 2 pi) and one noisy series s_0..s_T; the input is s_0..s_{T-1} and the target
    is s_1..s_T, the same draws shifted by one step (xs[:, t+1] == ys[:, t]). Example (period=4, noise=0, phase=0)::

        series = [0, 1, 0, -1, 0]   ->   xs[i, :, 0] = [0, 1, 0, -1],   ys[i, :, 0] = [1, 0, -1, 0]

    Baseline: over a uniform phase every position has mean 0, so the best constant is 0 and its MSE is
    E[sin^2] + noise^2 = 0.5 + noise^2.

    Args:
        rng: the random stream. n: batch size (>= 1). T: sequence length (>= 1).
        period: steps per cycle (> 0). noise: standard deviation of the Gaussian noise (>= 0).

    Returns:
        Batch with xs (n, T, 1), ys (n, T, 1) float64, loss "mse", output "all", baseline 0.5 + noise**2.
    """
    _check(rng, n, T, 1, "noisy_sine")
    if not np.isfinite(period) or period <= 0:
        raise ValueError(f"noisy_sine: period={period!r} must be a finite number of steps > 0; pass e.g. period=25.")
    if not np.isfinite(noise) or noise < 0:
        raise ValueError(f"noisy_sine: noise={noise!r} is a standard deviation and must be >= 0; pass e.g. noise=0.1.")
    phase = rng.uniform(0.0, 2.0 * np.pi, size=(n, 1))
    steps = np.arange(T + 1, dtype=np.float64)
    series = np.sin(2.0 * np.pi * steps / period + phase) + noise * rng.standard_normal((n, T + 1))  # (n, T+1)
    series = series[..., None]  # (n, T+1, 1)
    return Batch(series[:, :-1].copy(), series[:, 1:].copy(), "mse", 0.5 + float(noise) ** 2, "all")


TASKS: dict[str, Callable[..., Batch]] = {
    "first_element": first_element,
    "adding": adding,
    "copy_memory": copy_memory,
    "temporal_order": temporal_order,
    "noisy_sine": noisy_sine,
}
MIN_T: dict[str, int] = {"first_element": 1, "adding": 2, "copy_memory": 1, "temporal_order": 20, "noisy_sine": 1}


def lengths_for(name: str, lengths: Iterable[int]) -> tuple[int, ...]:
    """The lengths among ``lengths`` that the task called ``name`` accepts (T >= ``MIN_T[name]``), in their order.

    For a page that offers or times several T at once: ``lengths_for("temporal_order", (10, 20, 40))`` is (20, 40).
    Raises ValueError for an unknown task.
    """
    if name not in MIN_T:
        raise ValueError(f"unknown task {name!r}; choose one of {sorted(MIN_T)}.")
    return tuple(T for T in lengths if T >= MIN_T[name])


def make_task(name: str, *, rng: np.random.Generator, n: int, T: int, **options) -> Batch:
    """Generate a batch of the task called ``name`` (a key of ``TASKS``); options go to the task function.

    Returns:
        The task's Batch. Raises ValueError for an unknown task or an option the task does not take.
    """
    if name not in TASKS:
        raise ValueError(f"unknown task {name!r}; choose one of {sorted(TASKS)}.")
    fn = TASKS[name]
    accepted = [p for p in inspect.signature(fn).parameters if p not in ("rng", "n", "T")]
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        raise ValueError(f"task {name!r} takes no option(s) {unknown}; its options are {accepted or 'none'}.")
    return fn(rng=rng, n=n, T=T, **options)
