"""Finite-difference gradient checks.

For a scalar function f of named arrays, the centered difference

    df/dx_i ~ (f(x + eps e_i) - f(x - eps e_i)) / (2 eps)

is compared with the analytic gradient, one named array at a time. Vector-valued maps are checked through a random
upstream gradient u (a vector-Jacobian product): f = sum(u * output). The error of each array is reported as the
relative error of the whole gradient, ||a - n|| / max(||a||, ||n||), which stays meaningful when single entries are
near zero. In float64 a correct smooth gradient gives about 1e-9 to 1e-7.

The oracles for a recurrent unroll live here too, written once for the Engine-check page and the tests:
:func:`unroll_objective` (a random vector-Jacobian product of the whole unroll, whose gradient is full BPTT) and
:func:`truncated_objective` (the surrogate whose exact gradient is truncated BPTT).
"""
from __future__ import annotations

from typing import Callable, Mapping, NamedTuple

import numpy as np

from .sequence import unroll

TOLERANCE = 1e-6  # relative error at or below which a float64 gradient passes


class GradCheckRow(NamedTuple):
    """The check of one named array: its relative and largest absolute error."""

    name: str
    shape: tuple
    rel_error: float
    max_abs_error: float
    passed: bool


def numerical_grads(f: Callable[[], float], arrays: Mapping[str, np.ndarray], *, eps: float = 1e-6) -> dict:
    """Centered-difference gradient of ``f()`` with respect to every entry of every array.

    Args:
        f: a function of no arguments that reads the arrays (it closes over them) and returns a float.
        arrays: name -> float64 array. Each entry is perturbed in place and restored exactly.
        eps: the step.

    Returns:
        name -> gradient array of the same shape.
    """
    out = {}
    for name, a in arrays.items():
        if a.dtype != np.float64:
            raise ValueError(f"gradcheck needs float64 arrays; {name!r} is {a.dtype}. Cast it with .astype(np.float64).")
        g = np.zeros_like(a)
        flat, gflat = a.reshape(-1), g.reshape(-1)
        if not np.shares_memory(flat, a):
            raise ValueError(f"{name!r} is not contiguous; pass np.ascontiguousarray({name}) so it can be perturbed.")
        for i in range(flat.size):
            orig = flat[i]
            flat[i] = orig + eps
            fp = f()
            flat[i] = orig - eps
            fm = f()
            flat[i] = orig
            gflat[i] = (fp - fm) / (2 * eps)
        out[name] = g
    return out


def relative_error(analytic: np.ndarray, numeric: np.ndarray) -> float:
    """||a - n|| / max(||a||, ||n||); 0.0 when both are exactly zero."""
    scale = max(np.linalg.norm(analytic), np.linalg.norm(numeric))
    if scale == 0.0:
        return 0.0
    return float(np.linalg.norm(analytic - numeric) / scale)


def compare(analytic: Mapping[str, np.ndarray], numeric: Mapping[str, np.ndarray], *,
            tol: float = TOLERANCE) -> list[GradCheckRow]:
    """One row per name of ``numeric``: the analytic gradient against the numerical one."""
    rows = []
    for name, n in numeric.items():
        a = np.asarray(analytic[name])
        if a.shape != n.shape:
            raise ValueError(f"gradient {name!r} has shape {a.shape}, expected {n.shape}")
        err = relative_error(a, n)
        rows.append(GradCheckRow(name, tuple(n.shape), err, float(np.max(np.abs(a - n), initial=0.0)), err <= tol))
    return rows


def check(f: Callable[[], float], arrays: Mapping[str, np.ndarray], analytic: Mapping[str, np.ndarray], *,
          eps: float = 1e-6, tol: float = TOLERANCE) -> list[GradCheckRow]:
    """Numerical gradients of ``f`` over ``arrays``, compared with ``analytic``: one row per array."""
    return compare(analytic, numerical_grads(f, arrays, eps=eps), tol=tol)


# ---- oracles for BPTT -------------------------------------------------------------------------------------------

def state_parts(state) -> tuple:
    """A state as a tuple of (B, H) arrays: the LSTM's (h, c) as is, any other state as (h,)."""
    return state if isinstance(state, tuple) else (state,)


def unroll_objective(cell, params: dict, xs: np.ndarray, s0, u: np.ndarray, us) -> float:
    """sum(u * hs) + <us, final state>: a random vector-Jacobian product of the whole unroll, as one number.

    Its gradient is what ``bptt(cell, params, u, cache, dstate=us)`` returns. ``us=None`` leaves the final-state
    term out.
    """
    hs, cache = unroll(cell, params, xs, s0)
    tail = 0.0 if us is None else sum(np.sum(a * b) for a, b in zip(state_parts(cache.final_state), state_parts(us)))
    return float(np.sum(hs * u) + tail)


def frozen_states(cell, params: dict, xs: np.ndarray, s0) -> tuple:
    """The states of an unperturbed run, ``(h[, c])`` each (T+1, B, H); index j is the state after j steps."""
    _, cache = unroll(cell, params, xs, s0)
    return tuple(cache.store[i].copy() for i in range(cell.state_size))


def truncated_objective(cell, params: dict, xs: np.ndarray, s0, u: np.ndarray, us, k: int, frozen: tuple) -> float:
    """The surrogate whose exact gradient is what ``bptt(..., truncate=k)`` returns for :func:`unroll_objective`.

    The output at t is recomputed from the state entering its window of k steps: h_{t-k}, held constant (read from
    ``frozen``, see :func:`frozen_states`), or the live initial state when the window reaches the start.
    """
    T = xs.shape[1]
    total = 0.0
    for t in range(T):
        start = max(t - k + 1, 0)
        if start == 0:
            state = s0
        else:
            parts = tuple(f[start].copy() for f in frozen)
            state = parts if cell.state_size == 2 else parts[0]
        hs, cache = unroll(cell, params, xs[:, start:t + 1], state)
        total += float(np.sum(hs[:, -1] * u[:, t]))
        if t == T - 1 and us is not None:
            total += sum(float(np.sum(a * b)) for a, b in zip(state_parts(cache.final_state), state_parts(us)))
    return total
