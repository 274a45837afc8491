"""Parallel scans of h_t = a_t h_{t-1} + b_t against the reference loop."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnncore import scan
from rnncore.scan import linear_recurrence_scan, linear_recurrence_sequential, scan_depth

METHODS = ["hillis_steele", "blelloch"]
LENGTHS = [1, 2, 3, 7, 8, 100, 1000, 1025]


def _inputs(rng, B, T, H, *, a_low=-1.0, a_high=1.0):
    a = rng.uniform(a_low, a_high, size=(B, T, H))
    b = rng.standard_normal((B, T, H))
    h0 = rng.standard_normal((B, H))
    return a, b, h0


def _assert_close(got, ref, a, b, h0, rtol=1e-12):
    """Elementwise error bound relative to the recurrence run on |a|, |b|, |h0|.

    h_t is a sum of terms (prod of a) * b_s; reordering the products changes each term by a few ulps of itself, so
    the right scale for the error is the sum of the terms' magnitudes, not |h_t| (which may cancel to near 0).
    """
    scale = linear_recurrence_sequential(np.abs(a), np.abs(b), None if h0 is None else np.abs(h0))
    err = np.abs(got - ref)
    assert got.shape == ref.shape
    assert np.all(err <= rtol * scale + 1e-300), f"max scaled error {np.max(err / np.maximum(scale, 1e-300)):.3e}"


def test_sequential_matches_hand_computed():
    a = np.array([[[0.5], [2.0], [-1.0]]])  # (1, 3, 1)
    b = np.array([[[1.0], [1.0], [3.0]]])
    h0 = np.array([[4.0]])
    # h0=4: 0.5*4+1 = 3; 2*3+1 = 7; -1*7+3 = -4
    np.testing.assert_array_equal(linear_recurrence_sequential(a, b, h0)[0, :, 0], [3.0, 7.0, -4.0])
    # h0=0: 1; 3; 0
    np.testing.assert_array_equal(linear_recurrence_sequential(a, b)[0, :, 0], [1.0, 3.0, 0.0])


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("T", LENGTHS)
@pytest.mark.parametrize("with_h0", [False, True])
def test_scan_equals_sequential(method, T, with_h0):
    rng = np.random.default_rng(1000 * T + with_h0)
    a, b, h0 = _inputs(rng, 3, T, 5)
    h0 = h0 if with_h0 else None
    ref = linear_recurrence_sequential(a, b, h0)
    got = linear_recurrence_scan(a, b, h0, method=method)
    _assert_close(got, ref, a, b, h0)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("T", [7, 1000, 1025])
def test_scan_with_a_near_one(method, T):
    """|a| close to 1 keeps long memories: products of up to T factors, the hardest case for rounding."""
    rng = np.random.default_rng(T)
    B, H = 2, 4
    sign = rng.choice([-1.0, 1.0], size=(B, T, H))
    a = sign * (1.0 - rng.uniform(0.0, 1e-3, size=(B, T, H)))
    b = rng.standard_normal((B, T, H))
    h0 = 10 * rng.standard_normal((B, H))
    ref = linear_recurrence_sequential(a, b, h0)
    _assert_close(linear_recurrence_scan(a, b, h0, method=method), ref, a, b, h0)
    # And without cancellation (all positive), the plain relative error is small too.
    ref_pos = linear_recurrence_sequential(np.abs(a), np.abs(b), np.abs(h0))
    got_pos = linear_recurrence_scan(np.abs(a), np.abs(b), np.abs(h0), method=method)
    np.testing.assert_allclose(got_pos, ref_pos, rtol=1e-12, atol=0)


@pytest.mark.parametrize("method", METHODS)
def test_h0_carries_over_split(method):
    """Scanning T steps equals scanning T1 steps, then T2 steps from the state reached."""
    rng = np.random.default_rng(7)
    a, b, h0 = _inputs(rng, 2, 37, 3)
    full = linear_recurrence_scan(a, b, h0, method=method)
    first = linear_recurrence_scan(a[:, :20], b[:, :20], h0, method=method)
    second = linear_recurrence_scan(a[:, 20:], b[:, 20:], first[:, -1], method=method)
    np.testing.assert_allclose(np.concatenate([first, second], axis=1), full, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("method", METHODS)
def test_complex_coefficients(method):
    """Diagonal complex recurrences (as in LRU) use the same operator."""
    rng = np.random.default_rng(3)
    a = 0.99 * np.exp(1j * rng.uniform(-np.pi, np.pi, size=(2, 50, 3)))
    b = rng.standard_normal((2, 50, 3)) + 1j * rng.standard_normal((2, 50, 3))
    got = linear_recurrence_scan(a, b, method=method)
    assert got.dtype == np.complex128
    np.testing.assert_allclose(got, linear_recurrence_sequential(a, b), rtol=1e-11, atol=1e-12)


@pytest.mark.parametrize("method", METHODS)
def test_inputs_not_mutated_and_dtype_kept(method):
    rng = np.random.default_rng(5)
    a, b, h0 = (x.astype(np.float32) for x in _inputs(rng, 2, 9, 3))
    copies = [a.copy(), b.copy(), h0.copy()]
    out = linear_recurrence_scan(a, b, h0, method=method)
    for x, c in zip((a, b, h0), copies):
        np.testing.assert_array_equal(x, c)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, linear_recurrence_sequential(a, b, h0), rtol=1e-4, atol=1e-5)


@settings(max_examples=60, deadline=None)
@given(
    B=st.integers(1, 3),
    T=st.integers(1, 40),
    H=st.integers(1, 4),
    seed=st.integers(0, 2**32 - 1),
    with_h0=st.booleans(),
    method=st.sampled_from(METHODS),
)
def test_property_scan_equals_sequential(B, T, H, seed, with_h0, method):
    rng = np.random.default_rng(seed)
    a, b, h0 = _inputs(rng, B, T, H, a_low=-1.2, a_high=1.2)
    h0 = h0 if with_h0 else None
    ref = linear_recurrence_sequential(a, b, h0)
    _assert_close(linear_recurrence_scan(a, b, h0, method=method), ref, a, b, h0)


def test_empty_sequence():
    a = np.zeros((2, 0, 3))
    for method in METHODS:
        assert linear_recurrence_scan(a, a, np.ones((2, 3)), method=method).shape == (2, 0, 3)
    assert linear_recurrence_sequential(a, a).shape == (2, 0, 3)


@pytest.mark.parametrize("T", list(range(1, 70)) + [1000, 1024, 1025, 4096])
def test_scan_depth_formula(T):
    log2_ceil = math.ceil(math.log2(T))
    assert scan_depth(T, "sequential") == T
    assert scan_depth(T, "hillis_steele") == log2_ceil
    assert scan_depth(T, "blelloch") == 2 * log2_ceil
    # ceil(log2 T) levels are exactly enough: 2^(L-1) < T <= 2^L
    if T > 1:
        assert 2 ** (log2_ceil - 1) < T <= 2**log2_ceil


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("T", [1, 2, 3, 8, 9, 100])
def test_scan_depth_counts_the_levels_the_code_runs(monkeypatch, method, T):
    """Each level of a scan is one call of the combine operator; count them."""
    calls = []
    real = scan._combine

    def counting(*args):
        calls.append(1)
        return real(*args)

    monkeypatch.setattr(scan, "_combine", counting)
    rng = np.random.default_rng(0)
    a, b, _ = _inputs(rng, 1, T, 2)
    linear_recurrence_scan(a, b, method=method)
    assert len(calls) == scan_depth(T, method)


@pytest.mark.parametrize(
    "a_shape, b_shape, h0_shape, fragment",
    [
        ((2, 5), (2, 5), None, "(B, T, H)"),
        ((2, 5, 3), (2, 4, 3), None, "(2, 5, 3)"),
        ((2, 5, 3), (2, 5, 3), (3, 2), "(2, 3)"),
        ((2, 5, 3), (2, 5, 3), (2, 5, 3), "(2, 3)"),
    ],
)
def test_bad_shapes_raise(a_shape, b_shape, h0_shape, fragment):
    h0 = None if h0_shape is None else np.zeros(h0_shape)
    for fn in (linear_recurrence_sequential, linear_recurrence_scan):
        with pytest.raises(ValueError) as info:
            fn(np.zeros(a_shape), np.zeros(b_shape), h0)
        assert fragment in str(info.value)


def test_bad_method_and_depth_args():
    a = np.zeros((1, 3, 1))
    with pytest.raises(ValueError, match="hillis_steele"):
        linear_recurrence_scan(a, a, method="kogge")
    with pytest.raises(ValueError, match="method"):
        scan_depth(8, "kogge")
    with pytest.raises(ValueError, match="non-negative"):
        scan_depth(-1, "blelloch")
