"""How gradients flow back through time: measured norms, Jacobian products, spectra and Pascanu's bound.

For a loss at the last step, BPTT carries dL/dh_t = dL/dh_T * prod_{k=t+1..T} J_k with the step Jacobian
J_k = dh_k/dh_{k-1}. For the vanilla RNN h_k = f(h_{k-1} W_h + x_k W_x + b), in row-vector form

    J_k = W_h diag(f'(a_k)),    ||J_k|| <= ||W_h|| * gamma,   gamma = max |f'|  (tanh 1, sigmoid 1/4, relu 1)

so (Pascanu, Mikolov & Bengio 2013, section 3.1) if the largest singular value sigma_max of W_h is below 1/gamma,
eta = gamma * sigma_max < 1 and ||dL/dh_t|| <= eta^(T-t) ||dL/dh_T||: the gradient vanishes at least exponentially.
The thresholds are sigma_max < 1 for tanh and sigma_max < 4 for the sigmoid. Above them it *may* explode; it need not.

Overflow is data here: norms that overflow are returned as inf (or nan) for the caller to show, never raised.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .init import spectral_radius_of
from .sequence import state_grads, unroll

GAMMA = {"tanh": 1.0, "sigmoid": 0.25, "relu": 1.0, "identity": 1.0}  # max |f'(a)|


def vector_norms(a: np.ndarray, axis: int = -1) -> np.ndarray:
    """Euclidean norms along ``axis`` that stay finite for finite entries.

    ``np.linalg.norm`` squares the entries, so it returns inf once they pass about 1e154 even though the norm itself
    is a perfectly good float64. Dividing by the largest |entry| first keeps every finite norm finite; an entry that
    is inf or nan gives inf or nan.
    """
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        scale = np.max(np.abs(a), axis=axis, keepdims=True)
        safe = np.where((scale > 0) & np.isfinite(scale), scale, 1.0)
        norms = np.squeeze(safe, axis=axis) * np.sqrt(np.sum((a / safe) ** 2, axis=axis))
        return np.where(np.isposinf(np.squeeze(scale, axis=axis)), np.inf, norms)


def grad_norms_through_time(cell, params: dict, xs: np.ndarray, dlast: np.ndarray, state0=None) -> np.ndarray:
    """||dL/dh_t|| for t = 1..T, for a loss whose only gradient is ``dlast`` = dL/dh_T.

    Args:
        cell, params: as for ``unroll``.
        xs: (B, T, D) inputs.
        dlast: (B, H) dL/dh_T, e.g. random unit vectors.

    Returns:
        (B, T) norms; inf or nan where the products overflowed.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        hs, cache = unroll(cell, params, xs, state0)
        dhs = np.zeros(hs.shape, dtype=hs.dtype)
        dhs[:, -1] = dlast
        return vector_norms(state_grads(cell, params, dhs, cache), axis=2)


def jacobian_product_norms(cell, params: dict, xs: np.ndarray, state0=None) -> np.ndarray:
    """Spectral norms of d(state_T)/d(state_t) for t = 0..T-1, one sequence at a time.

    The product of step Jacobians is built by backpropagating the S basis vectors of the state (S = H, or 2H for the
    LSTM's (h, c)) together, as S streams of ``cell.step_back``: no Jacobian is formed by hand.

    Args:
        xs: (B, T, D) inputs; each sequence gets its own products.

    Returns:
        (B, T) norms: entry [b, t] is ||d state_T / d state_t||_2 (t = 0 is the initial state).
    """
    with np.errstate(over="ignore", invalid="ignore"):
        _, cache = unroll(cell, params, xs, state0)
        T, B, H = cache.store.h.shape[0] - 1, xs.shape[0], cache.store.h.shape[2]
        S = cell.state_size * H
        out = np.empty((B, T))
        eye = np.eye(S, dtype=xs.dtype)
        # streams[s] is row s of d state_T / d state_t, split into its h and c parts; broadcast over the batch
        dh = np.repeat(eye[:, None, :H], B, axis=1)                                   # (S, B, H)
        dc = np.repeat(eye[:, None, H:], B, axis=1) if cell.state_size == 2 else None
        for t in reversed(range(T)):
            _, _, dh, dc = cell.step_back(t, dh, dc, cache.W, cache.store)
            M = dh if dc is None else np.concatenate([dh, dc], axis=2)               # (S, B, S)
            M = np.transpose(M, (1, 0, 2))                                            # (B, S, S)
            finite = np.all(np.isfinite(M), axis=(1, 2))
            out[:, t] = np.inf
            if finite.any():
                out[finite, t] = np.linalg.norm(M[finite], ord=2, axis=(1, 2))
        return out


class Spectrum(NamedTuple):
    singular_values: np.ndarray  # (H,) of W_h, descending
    spectral_radius: float       # max |eigenvalue| of W_h
    sigma_max: float


def spectrum(W_h: np.ndarray) -> Spectrum:
    """Singular values and spectral radius of a square recurrent matrix (the RNN's W_h, or one gate block)."""
    if W_h.ndim != 2 or W_h.shape[0] != W_h.shape[1]:
        raise ValueError(f"W_h must be square (H, H), got {W_h.shape}; pass one gate block of a gated cell")
    s = np.linalg.svd(W_h, compute_uv=False)
    return Spectrum(s, spectral_radius_of(W_h), float(s[0]))


def pascanu_bound(sigma_max: float, nonlinearity: str, T: int) -> np.ndarray:
    """The upper bound eta^(T-t) on ||dL/dh_t|| / ||dL/dh_T||, t = 1..T, with eta = gamma * sigma_max.

    It bounds; it does not predict. Below the threshold sigma_max < 1/gamma it proves vanishing. Above it, it says
    nothing about explosion (the bound just grows).
    """
    if nonlinearity not in GAMMA:
        raise ValueError(f"unknown nonlinearity {nonlinearity!r}; choose one of {', '.join(GAMMA)}")
    eta = GAMMA[nonlinearity] * float(sigma_max)
    with np.errstate(over="ignore"):
        return eta ** np.arange(T - 1, -1, -1, dtype=float)


def threshold(nonlinearity: str) -> float:
    """1/gamma: the largest singular value of W_h below which gradients provably vanish (tanh 1, sigmoid 4)."""
    return 1.0 / GAMMA[nonlinearity]


class ScalarDemo(NamedTuple):
    h: np.ndarray      # (T+1,) h_0 = 0, h_{t+1} = sigmoid(w h_t + x_t)
    grads: np.ndarray  # (T+1,) dL/dh_t for L = h_T (so dL/dh_T = 1)


def scalar_sigmoid_chain(weight: float, T: int, *, rng: np.random.Generator, seed_grad: float = 1.0) -> ScalarDemo:
    """The article's one-unit sigmoid RNN, with its backward recursion seeded correctly.

    h_{t+1} = sigmoid(w h_t + x_t) with x_t ~ N(0, 1), and dL/dh_t = w * sigmoid'(a_{t+1}) * dL/dh_{t+1}, where
    sigmoid'(a) = h (1 - h) is read off the unit's output. The article's recursion is the same but starts from
    ``seed_grad=0``: every product of zeros is zero, whatever the weight, which is why it prints 0.0 twice.
    Note |w sigmoid'| <= |w|/4, and a large w saturates the unit (sigmoid' -> 0): a big weight alone vanishes too.
    """
    if int(T) < 1:
        raise ValueError(f"T must be >= 1, got {T}")
    x = rng.standard_normal(int(T))
    h = np.zeros(int(T) + 1)
    for t in range(int(T)):
        h[t + 1] = 0.5 * (1.0 + np.tanh(0.5 * (weight * h[t] + x[t])))
    g = np.zeros(int(T) + 1)
    g[-1] = seed_grad
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        for t in range(int(T) - 1, -1, -1):
            g[t] = weight * g[t + 1] * h[t + 1] * (1.0 - h[t + 1])
    return ScalarDemo(h, g)
