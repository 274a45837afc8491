"""Tests of rnncore.tasks: shapes, the documented encodings, determinism, argument checks, and the baselines.

The baseline tests fit the best constant predictor from 20,000 fresh samples (the mean target for "mse", the
per-position class frequencies for "xent") and compare its loss with the task's stated ``baseline``.
"""
from __future__ import annotations


import numpy as np
import pytest

from rnncore import tasks
from rnncore.tasks import COPY_BLANK, COPY_DELIMITER, MIN_T, TASKS, TEMPORAL_ORDER_SYMBOLS, make_task

SYM = {s: i for i, s in enumerate(TEMPORAL_ORDER_SYMBOLS)}
N_BASELINE = 20_000


@pytest.fixture(autouse=True)
def _strict_floats():
    with np.errstate(all="raise"):
        yield


def _lengths(name: str) -> tuple[int, int]:
    """A short and a long T for each task; temporal_order needs T >= 20."""
    return (max(10, MIN_T[name]), 100)


ALL_CASES = [(name, T) for name in TASKS for T in _lengths(name)]


# ---------------------------------------------------------------- empirical best constant predictors


def best_constant_mse(ys: np.ndarray) -> float:
    """MSE of the per-position mean target (for output "last" there is one position)."""
    const = ys.mean(axis=0, keepdims=True)
    return float(np.mean((ys - const) ** 2))


def best_constant_xent(ys: np.ndarray, n_classes: int) -> float:
    """Cross-entropy of the per-position empirical class frequencies, averaged over all (example, position)."""
    flat = ys.reshape(ys.shape[0], -1)  # (n, P)
    freq = (flat[..., None] == np.arange(n_classes)).mean(axis=0)  # (P, K)
    p = freq[np.arange(flat.shape[1])[None, :], flat]  # (n, P): frequency of each observed target at its position
    return float(-np.mean(np.log(p)))


def empirical_baseline(batch: tasks.Batch, n_classes: int) -> float:
    if batch.loss == "mse":
        return best_constant_mse(batch.ys)
    assert batch.loss == "xent"
    return best_constant_xent(batch.ys, n_classes)


@pytest.mark.parametrize("name,T", ALL_CASES)
def test_baseline_matches_empirical_best_constant(name, T):
    batch = make_task(name, rng=np.random.default_rng(1234), n=N_BASELINE, T=T)
    empirical = empirical_baseline(batch, n_classes=batch.xs.shape[-1])
    assert empirical == pytest.approx(batch.baseline, rel=0.02), (name, T, empirical, batch.baseline)


@pytest.mark.parametrize("T", [10, 100])
def test_adding_baseline_is_one_sixth_not_the_printed_0_1767(T):
    batch = tasks.adding(rng=np.random.default_rng(7), n=N_BASELINE, T=T)
    empirical = best_constant_mse(batch.ys)
    assert batch.baseline == 1 / 6
    assert empirical == pytest.approx(1 / 6, rel=0.02)
    assert empirical != pytest.approx(0.1767, rel=0.02)
    # "always predict 1" is the best constant: its loss is within noise of the fitted one
    assert float(np.mean((batch.ys - 1.0) ** 2)) == pytest.approx(empirical, rel=0.01)


@pytest.mark.parametrize("noise", [0.0, 0.5])
def test_noisy_sine_baseline_follows_the_noise(noise):
    batch = tasks.noisy_sine(rng=np.random.default_rng(3), n=N_BASELINE, T=30, period=7.5, noise=noise)
    assert batch.baseline == 0.5 + noise**2
    assert best_constant_mse(batch.ys) == pytest.approx(batch.baseline, rel=0.02)


# ---------------------------------------------------------------- shapes, dtypes, contract


@pytest.mark.parametrize("name,T", ALL_CASES)
def test_shapes_and_dtypes(name, T):
    n = 17
    b = make_task(name, rng=np.random.default_rng(0), n=n, T=T)
    assert isinstance(b, tasks.Batch)
    L = T + 20 if name == "copy_memory" else T
    assert b.xs.ndim == 3 and b.xs.shape[:2] == (n, L)
    assert b.xs.dtype == np.float64
    assert np.all(np.isfinite(b.xs))
    assert b.loss in ("mse", "bce", "xent") and b.output in ("last", "all")
    assert isinstance(b.baseline, float) and b.baseline > 0
    if b.loss == "xent":
        assert np.issubdtype(b.ys.dtype, np.integer)
        assert b.ys.shape == ((n,) if b.output == "last" else (n, L))
        assert b.ys.min() >= 0 and b.ys.max() < b.xs.shape[-1]
    else:
        assert b.ys.dtype == np.float64
        assert b.ys.ndim == (2 if b.output == "last" else 3)
        assert b.ys.shape[0] == n
        if b.output == "all":
            assert b.ys.shape[1] == L


def test_registry():
    assert set(TASKS) == {"first_element", "adding", "copy_memory", "temporal_order", "noisy_sine"}
    assert set(MIN_T) == set(TASKS)
    for name, fn in TASKS.items():
        assert fn.__name__ == name
        assert "Example" in fn.__doc__ and "Baseline" in fn.__doc__


def test_expected_losses_and_outputs():
    expect = {"first_element": ("mse", "last"), "adding": ("mse", "last"), "copy_memory": ("xent", "all"),
              "temporal_order": ("xent", "last"), "noisy_sine": ("mse", "all")}
    for name, (loss, output) in expect.items():
        b = make_task(name, rng=np.random.default_rng(0), n=2, T=30)
        assert (b.loss, b.output) == (loss, output), name


# ---------------------------------------------------------------- encodings


@pytest.mark.parametrize("T", [1, 10, 57])
def test_first_element_encoding(T):
    b = tasks.first_element(rng=np.random.default_rng(5), n=500, T=T)
    assert b.xs.shape == (500, T, 1) and b.ys.shape == (500, 1)
    assert set(np.unique(b.xs)) == {0.0, 1.0}
    np.testing.assert_array_equal(b.ys, b.xs[:, 0, :])
    assert b.baseline == 0.25


@pytest.mark.parametrize("T", [2, 3, 10, 101])
def test_adding_encoding(T):
    n = 2000
    b = tasks.adding(rng=np.random.default_rng(11), n=n, T=T)
    values, markers = b.xs[..., 0], b.xs[..., 1]
    assert b.xs.shape == (n, T, 2) and b.ys.shape == (n, 1)
    assert values.min() >= 0.0 and values.max() < 1.0
    assert set(np.unique(markers)) <= {0.0, 1.0}
    half = T // 2
    np.testing.assert_array_equal(markers[:, :half].sum(axis=1), 1.0)
    np.testing.assert_array_equal(markers[:, half:].sum(axis=1), 1.0)
    np.testing.assert_allclose(b.ys[:, 0], (values * markers).sum(axis=1), rtol=0, atol=1e-15)
    # every position of each half is used
    first, second = markers[:, :half].argmax(axis=1), markers[:, half:].argmax(axis=1) + half
    if T <= 10:
        assert set(first) == set(range(half)) and set(second) == set(range(half, T))


@pytest.mark.parametrize("T", [1, 10, 100])
def test_copy_memory_encoding(T):
    n = 300
    b = tasks.copy_memory(rng=np.random.default_rng(2), n=n, T=T)
    L = T + 20
    assert b.xs.shape == (n, L, 10) and b.ys.shape == (n, L)
    assert set(np.unique(b.xs)) == {0.0, 1.0}
    np.testing.assert_array_equal(b.xs.sum(axis=-1), 1.0)  # exactly one symbol per step
    sym = b.xs.argmax(axis=-1)  # (n, L)
    data = sym[:, :10]
    assert data.min() >= 1 and data.max() <= 8
    assert set(np.unique(data)) == set(range(1, 9))
    assert np.all(sym[:, 10:T + 9] == COPY_BLANK)  # T - 1 blanks
    assert np.all(sym[:, T + 9] == COPY_DELIMITER)
    assert np.all(sym[:, T + 10:] == COPY_BLANK)
    assert np.all(b.ys[:, :T + 10] == COPY_BLANK)
    np.testing.assert_array_equal(b.ys[:, T + 10:], data)  # the target replays the first 10 input symbols
    assert b.baseline == pytest.approx(10 * np.log(8) / (T + 20), rel=1e-12)


@pytest.mark.parametrize("T,windows", [(20, ((2, 4), (10, 12))), (100, ((10, 20), (50, 60))),
                                       (25, ((3, 5), (13, 15))), (37, ((4, 7), (19, 22)))])
def test_temporal_order_encoding(T, windows):
    n = 3000
    b = tasks.temporal_order(rng=np.random.default_rng(4), n=n, T=T)
    assert b.xs.shape == (n, T, 8) and b.ys.shape == (n,)
    np.testing.assert_array_equal(b.xs.sum(axis=-1), 1.0)
    sym = b.xs.argmax(axis=-1)
    assert np.all(sym[:, 0] == SYM["B"]) and np.all(sym[:, -1] == SYM["E"])
    relevant = (sym == SYM["X"]) | (sym == SYM["Y"])
    np.testing.assert_array_equal(relevant.sum(axis=1), 2)
    inner = sym[:, 1:-1][~relevant[:, 1:-1]]
    assert set(np.unique(inner)) == {SYM[c] for c in "abcd"}
    t1, t2 = (np.nonzero(relevant)[1].reshape(n, 2)).T
    (lo1, hi1), (lo2, hi2) = windows
    assert set(t1) == set(range(lo1, hi1 + 1)) and set(t2) == set(range(lo2, hi2 + 1))
    rows = np.arange(n)
    first_is_y, second_is_y = sym[rows, t1] == SYM["Y"], sym[rows, t2] == SYM["Y"]
    np.testing.assert_array_equal(b.ys, 2 * first_is_y + second_is_y)
    assert set(np.unique(b.ys)) == {0, 1, 2, 3}


def test_temporal_order_class_names():
    b = tasks.temporal_order(rng=np.random.default_rng(9), n=400, T=40)
    sym = b.xs.argmax(axis=-1)
    names = {0: "XX", 1: "XY", 2: "YX", 3: "YY"}
    for row, y in zip(sym, b.ys):
        letters = "".join(TEMPORAL_ORDER_SYMBOLS[s] for s in row if TEMPORAL_ORDER_SYMBOLS[s] in "XY")
        assert letters == names[int(y)]


def test_noisy_sine_is_one_series_shifted():
    b = tasks.noisy_sine(rng=np.random.default_rng(8), n=50, T=40, noise=0.3)
    assert b.xs.shape == (50, 40, 1) and b.ys.shape == (50, 40, 1)
    np.testing.assert_array_equal(b.xs[:, 1:], b.ys[:, :-1])  # identical noise draws where they overlap


def test_noisy_sine_without_noise_is_a_unit_sinusoid_of_the_period():
    b = tasks.noisy_sine(rng=np.random.default_rng(8), n=200, T=60, period=4, noise=0.0)
    x = b.xs[..., 0]
    # a quarter period apart: sin^2 + cos^2 = 1
    np.testing.assert_allclose(x[:, :-1] ** 2 + x[:, 1:] ** 2, 1.0, atol=1e-12)
    np.testing.assert_allclose(x[:, 4:], x[:, :-4], atol=1e-12)
    b = tasks.noisy_sine(rng=np.random.default_rng(8), n=200, T=60, period=25, noise=0.0)
    x = b.xs[..., 0]
    np.testing.assert_allclose(x[:, 25:], x[:, :-25], atol=1e-12)
    assert np.abs(x).max() <= 1.0
    # random phases: the first values spread over the whole range
    assert x[:, 0].min() < -0.9 and x[:, 0].max() > 0.9


def test_noisy_sine_noise_has_the_requested_std():
    # with period 2 the clean signal alternates sign, so neighbours sum to pure noise: s_t + s_{t+1} = e_t + e_{t+1}
    noise = 0.3
    b = tasks.noisy_sine(rng=np.random.default_rng(6), n=4000, T=50, period=2, noise=noise)
    x = b.xs[..., 0]
    pair = x[:, :-1] + x[:, 1:]
    assert np.std(pair) / np.sqrt(2) == pytest.approx(noise, rel=0.02)


# ---------------------------------------------------------------- determinism and speed


@pytest.mark.parametrize("name", list(TASKS))
def test_same_seed_same_bits_different_seed_differs(name):
    T = 30
    a = make_task(name, rng=np.random.default_rng(42), n=64, T=T)
    b = make_task(name, rng=np.random.default_rng(42), n=64, T=T)
    c = make_task(name, rng=np.random.default_rng(43), n=64, T=T)
    assert a.xs.tobytes() == b.xs.tobytes() and a.ys.tobytes() == b.ys.tobytes()
    assert a.baseline == b.baseline
    assert not np.array_equal(a.xs, c.xs) and not np.array_equal(a.ys, c.ys)


def test_make_task_passes_options_to_the_task():
    a = make_task("noisy_sine", rng=np.random.default_rng(1), n=5, T=12, period=6, noise=0.0)
    b = tasks.noisy_sine(rng=np.random.default_rng(1), n=5, T=12, period=6, noise=0.0)
    np.testing.assert_array_equal(a.xs, b.xs)
    assert a.baseline == 0.5


# ---------------------------------------------------------------- bad arguments


@pytest.mark.parametrize("name", list(TASKS))
@pytest.mark.parametrize("n", [0, -3, 2.5, "8", True])
def test_bad_n_raises(name, n):
    with pytest.raises(ValueError, match=r"n must be an integer|n=-?\d+ is too small; \w+ needs n >= 1"):
        make_task(name, rng=np.random.default_rng(0), n=n, T=30)


@pytest.mark.parametrize("name", list(TASKS))
def test_too_short_T_raises_and_names_the_minimum(name):
    with pytest.raises(ValueError, match=f"T >= {MIN_T[name]}"):
        make_task(name, rng=np.random.default_rng(0), n=4, T=MIN_T[name] - 1)
    with pytest.raises(ValueError, match="T must be an integer"):
        make_task(name, rng=np.random.default_rng(0), n=4, T=30.0)
    make_task(name, rng=np.random.default_rng(0), n=1, T=MIN_T[name])  # the minimum itself works


@pytest.mark.parametrize("name", list(TASKS))
def test_lengths_for_keeps_exactly_the_lengths_the_task_accepts(name):
    lengths = (1, 5, 10, 19, 20, 40, 80)
    kept = tasks.lengths_for(name, lengths)
    assert kept == tuple(T for T in lengths if T >= MIN_T[name])
    for T in kept:
        make_task(name, rng=np.random.default_rng(0), n=1, T=T)
    for T in set(lengths) - set(kept):
        with pytest.raises(ValueError, match="too small"):
            make_task(name, rng=np.random.default_rng(0), n=1, T=T)
    with pytest.raises(ValueError, match="unknown task"):
        tasks.lengths_for("sine", lengths)


def test_temporal_order_minimum_is_twenty():
    with pytest.raises(ValueError, match="T >= 20"):
        tasks.temporal_order(rng=np.random.default_rng(0), n=4, T=19)


@pytest.mark.parametrize("name", list(TASKS))
@pytest.mark.parametrize("rng", [None, 0, np.random.RandomState(0)])
def test_rng_must_be_a_generator(name, rng):
    with pytest.raises(ValueError, match="default_rng"):
        make_task(name, rng=rng, n=4, T=30)


@pytest.mark.parametrize("options,match", [({"period": 0}, "period"), ({"period": -3.0}, "period"),
                                           ({"period": float("nan")}, "period"), ({"noise": -0.1}, "noise"),
                                           ({"noise": float("inf")}, "noise")])
def test_noisy_sine_bad_options(options, match):
    with pytest.raises(ValueError, match=match):
        tasks.noisy_sine(rng=np.random.default_rng(0), n=4, T=10, **options)


def test_make_task_unknown_name_lists_the_tasks():
    with pytest.raises(ValueError) as err:
        make_task("copy", rng=np.random.default_rng(0), n=4, T=10)
    for name in TASKS:
        assert name in str(err.value)


def test_make_task_unknown_option():
    with pytest.raises(ValueError, match="period"):
        make_task("adding", rng=np.random.default_rng(0), n=4, T=10, period=3)
    with pytest.raises(ValueError, match="noise"):
        make_task("noisy_sine", rng=np.random.default_rng(0), n=4, T=10, amplitude=2.0)
