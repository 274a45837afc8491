"""Linear recurrences, computed sequentially and by a parallel associative scan.

A tanh RNN, h_t = tanh(x_t W_x + h_{t-1} W_h + b), must be computed one step after another: step t needs the
nonlinear image of step t-1. A *linear* recurrence with elementwise coefficients,

    h_t = a_t * h_{t-1} + b_t,        h_{-1} = h0,

does not have to be. Each step is the affine map h -> a h + b, written as the pair (a, b), and composing two maps,
"first (A1, B1), then (A2, B2)", gives another pair:

    (A1, B1) . (A2, B2) = (A1 * A2,  A2 * B1 + B2).

This operator is associative (but not commutative), so all prefixes (a_0, b_0) . ... . (a_t, b_t) can be computed by
a parallel prefix scan in O(log T) sequential levels instead of T. With h0 folded into the first step
(b_0 <- a_0 h0 + b_0), the B part of prefix t is h_t. This is the idea that lets LRU, S4 and Mamba train on long
sequences in parallel; the price is that the recurrence must be linear in h.

Cost of the two scans over T positions (each level is one vectorized NumPy operation over B, H and the positions):

    method          work          depth (sequential levels)
    sequential      T             T
    hillis_steele   O(T log T)    ceil(log2 T)
    blelloch        O(T)          2 ceil(log2 T)     (up-sweep + down-sweep, on T padded to a power of two)

On a CPU with a few cores the extra levels and memory traffic of a NumPy scan can cost more than they save; the
depth is what a GPU (or a wide SIMD machine) turns into speed.
"""
from __future__ import annotations

import numpy as np

METHODS = ("hillis_steele", "blelloch")


def _combine(A1, B1, A2, B2):
    """Compose the affine maps "first (A1, B1), then (A2, B2)": one level of a scan, elementwise."""
    return A1 * A2, A2 * B1 + B2


def _validate(a, b, h0):
    """Check shapes and return float arrays (a, b, h0 or None) of one common inexact dtype."""
    a = np.asarray(a)
    b = np.asarray(b)
    if a.ndim != 3:
        raise ValueError(f"a must have shape (B, T, H); got shape {a.shape}. Add axes of size 1 if needed.")
    if b.shape != a.shape:
        raise ValueError(f"b must have the shape of a, expected {a.shape}; got {b.shape}.")
    arrays = [a, b]
    if h0 is not None:
        h0 = np.asarray(h0)
        expected = (a.shape[0], a.shape[2])
        if h0.shape != expected:
            raise ValueError(f"h0 must have shape (B, H) = {expected}; got {h0.shape}. Pass h0=None for zeros.")
        arrays.append(h0)
    dtype = np.result_type(*arrays)
    if not np.issubdtype(dtype, np.inexact):
        dtype = np.dtype(np.float64)  # integer/bool coefficients: compute in float64 rather than truncating
    a, b = a.astype(dtype, copy=False), b.astype(dtype, copy=False)
    h0 = None if h0 is None else h0.astype(dtype, copy=False)
    return a, b, h0


def linear_recurrence_sequential(a, b, h0=None):
    """Reference loop: hs[:, t] = a[:, t] * hs[:, t-1] + b[:, t], with hs[:, -1] = h0.

    Args:
        a: (B, T, H) coefficients (float or complex).
        b: (B, T, H) inputs, same shape as a.
        h0: (B, H) initial state, or None for zeros.

    Returns:
        hs: (B, T, H) states, in the common dtype of the inputs.
    """
    a, b, h0 = _validate(a, b, h0)
    B, T, H = a.shape
    hs = np.empty_like(b)
    h = np.zeros((B, H), dtype=b.dtype) if h0 is None else h0
    for t in range(T):
        h = a[:, t] * h + b[:, t]
        hs[:, t] = h
    return hs


def _fold_h0(a, b, h0):
    """Copy of b with the initial state folded into the first step, so the scan can start from zero."""
    b = b.copy()
    if h0 is not None and b.shape[1] > 0:
        b[:, 0] = a[:, 0] * h0 + b[:, 0]
    return b


def _hillis_steele(A, Bv):
    """Inclusive scan, in place: at the level with offset d, every position i >= d absorbs position i - d."""
    T = A.shape[1]
    d = 1
    while d < T:
        # The right-hand sides are computed from the old values before either array is written.
        A[:, d:], Bv[:, d:] = _combine(A[:, :-d], Bv[:, :-d], A[:, d:], Bv[:, d:])
        d *= 2
    return Bv


def _blelloch(A, Bv):
    """Work-efficient inclusive scan: Blelloch's up-sweep and down-sweep on the length padded to a power of two."""
    Bsz, T, H = A.shape
    n = 1 << max(T - 1, 0).bit_length()  # the smallest power of two >= T
    if n != T:
        # Pad on the right with the identity map (1, 0); it changes no prefix of the first T positions.
        A = np.concatenate([A, np.ones((Bsz, n - T, H), dtype=A.dtype)], axis=1)
        Bv = np.concatenate([Bv, np.zeros((Bsz, n - T, H), dtype=Bv.dtype)], axis=1)
    # Up-sweep: after the level with offset d, position 2d*k + 2d - 1 holds the composition of its 2d-block.
    d = 1
    while d < n:
        left, right = slice(d - 1, None, 2 * d), slice(2 * d - 1, None, 2 * d)
        A[:, right], Bv[:, right] = _combine(A[:, left], Bv[:, left], A[:, right], Bv[:, right])
        d *= 2
    # The root holds the whole sequence; the exclusive scan replaces it by the identity.
    total_B = Bv[:, n - 1].copy()
    A[:, n - 1], Bv[:, n - 1] = 1, 0
    # Down-sweep: each right node holds the prefix before its block; pass it to the left child, and give the
    # right child that prefix composed with the left child's block total.
    d = n // 2
    while d >= 1:
        left, right = slice(d - 1, None, 2 * d), slice(2 * d - 1, None, 2 * d)
        A_left, B_left = A[:, left].copy(), Bv[:, left].copy()
        A_pre, B_pre = A[:, right].copy(), Bv[:, right].copy()
        A[:, left], Bv[:, left] = A_pre, B_pre
        A[:, right], Bv[:, right] = _combine(A_pre, B_pre, A_left, B_left)
        d //= 2
    # Exclusive prefix i+1 is inclusive prefix i; the last inclusive prefix is the saved total.
    hs = np.concatenate([Bv[:, 1:], total_B[:, None]], axis=1)  # (B, n, H)
    return hs[:, :T]


def linear_recurrence_scan(a, b, h0=None, *, method="hillis_steele"):
    """Same result as ``linear_recurrence_sequential``, by a parallel associative scan over time.

    Python loops only over the ~log2 T levels; each level is one vectorized operation over B, H and all positions
    of that level. Hillis-Steele: O(T log T) work, ceil(log2 T) depth. Blelloch: O(T) work, 2 ceil(log2 T) depth
    (T padded to a power of two with identity maps). Float results differ from the loop only by rounding, since the
    products of a are associated in a different order.

    Args:
        a: (B, T, H) coefficients (float or complex).
        b: (B, T, H) inputs, same shape as a.
        h0: (B, H) initial state, or None for zeros.
        method: "hillis_steele" or "blelloch".

    Returns:
        hs: (B, T, H) states, in the common dtype of the inputs.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}; got {method!r}.")
    a, b, h0 = _validate(a, b, h0)
    if a.shape[1] == 0:
        return np.empty_like(b)
    A = a.copy()  # the scans work in place; never touch the caller's arrays
    Bv = _fold_h0(a, b, h0)
    if method == "hillis_steele":
        return _hillis_steele(A, Bv)
    return _blelloch(A, Bv)


def scan_depth(T: int, method: str) -> int:
    """Number of sequential levels (dependent vectorized steps) a method needs for a sequence of length T.

    Args:
        T: sequence length, >= 0.
        method: "sequential", "hillis_steele" or "blelloch".

    Returns:
        T for "sequential", ceil(log2 T) for "hillis_steele", 2 ceil(log2 T) for "blelloch" (0 when T <= 1).
    """
    if int(T) != T or T < 0:
        raise ValueError(f"T must be a non-negative integer; got {T!r}.")
    T = int(T)
    if method == "sequential":
        return T
    if method not in METHODS:
        raise ValueError(f"method must be 'sequential' or one of {METHODS}; got {method!r}.")
    levels = max(T - 1, 0).bit_length()  # exact ceil(log2 T) for T >= 1, without float rounding
    return levels if method == "hillis_steele" else 2 * levels
