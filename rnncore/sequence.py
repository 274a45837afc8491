"""Forward over time (``unroll``) and backpropagation through time (``bptt``), written once for every cell.

Forward, as cuDNN does it: the inputs of all T steps are projected with one matrix product, XP = X W_x + b, before
the loop; inside the loop a cell touches only its recurrent product h_{t-1} W_h and its gate maths, in buffers it
allocated once.

Backward: one loop over ``reversed(range(T))`` carries dh = dL/dh_t (and the LSTM's dc). At step t it adds the
gradient of the output at t, asks the cell to backpropagate one step, and keeps dXP_t (the gradient of the input
projection) and dHP_t (of the recurrent product). After the loop the weight gradients are one product each over
all steps:

    dW_x = X^T dXP,   dW_h = H_prev^T dHP,   db = sum dXP,   dX = dXP W_x^T

Truncated BPTT with ``truncate=k`` backpropagates the gradient of each output h_t through at most k steps:
into steps t-k+1 .. t and into the state h_{t-k} that enters the window, and no further. The loop then carries k
gradient streams at once, indexed by their age (the number of steps travelled), stacked on a leading axis so that a
step is still one matrix product. With k >= T nothing is dropped and the result equals full BPTT.
"""
from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np


class UnrollCache(NamedTuple):
    """What ``bptt`` needs from ``unroll``. ``final_state`` is the state after the last step, in the public form
    (an array (B, H), or the LSTM's pair (h, c)), to carry into the next chunk of a long sequence."""

    cell: Any
    X: np.ndarray      # (T, B, D) the inputs, time-major, contiguous
    W: Any             # the cell's Weights
    store: Any         # the cell's per-step buffers; store.h is (T+1, B, H)
    final_state: Any


def _as_tuple(cell, state, B: int, H: int, dtype, what: str) -> tuple:
    """The state (or its gradient) as a tuple of (B, H) arrays; None means zeros."""
    n = cell.state_size
    if state is None:
        return tuple(np.zeros((B, H), dtype) for _ in range(n))
    parts = tuple(state) if n > 1 else (state,)
    if len(parts) != n:
        raise ValueError(f"{what} for the {cell.name} cell must be a pair (h, c) of (B, H) arrays")
    for p in parts:
        p = np.asarray(p)
        if p.shape != (B, H):
            raise ValueError(f"{what} must have shape (B, H) = ({B}, {H}), got {p.shape}")
        if p.dtype != dtype:
            raise ValueError(f"{what} is {p.dtype} but the params are {dtype}; cast it with .astype(np.{dtype})")
    return tuple(np.asarray(p) for p in parts)


def _public(cell, parts: tuple):
    return parts if cell.state_size > 1 else parts[0]


def _check_xs(xs, D: int, dtype) -> np.ndarray:
    if not isinstance(xs, np.ndarray) or xs.ndim != 3:
        shape = getattr(xs, "shape", None)
        raise ValueError(f"xs must be an array of shape (B, T, D) with D={D}, got shape {shape}")
    B, T, Dx = xs.shape
    if Dx != D or B < 1 or T < 1:
        raise ValueError(f"xs must have shape (B, T, D) with D={D} and B, T >= 1, got {xs.shape}")
    if xs.dtype != dtype:
        raise ValueError(f"xs is {xs.dtype} but the params are {dtype}; cast it with xs.astype(np.{dtype})")
    return xs


def unroll(cell, params: dict, xs: np.ndarray, state0=None):
    """Run ``cell`` over a batch of sequences.

    Args:
        cell: from ``get_cell``.
        params: the cell's parameters (names and shapes: docs/ENGINE.md).
        xs: (B, T, D) inputs, of the params' dtype.
        state0: the initial state, (B, H) (the LSTM: a pair (h, c)); None means zeros.

    Returns:
        hs: (B, T, H) hidden states h_1 .. h_T, a read-only view (``bptt`` reads the same memory).
        cache: an ``UnrollCache``; ``cache.final_state`` is the state after step T.
    """
    D, H, dtype = cell.check(params)
    xs = _check_xs(xs, D, dtype)
    B, T, _ = xs.shape
    state0 = _as_tuple(cell, state0, B, H, dtype, "state0")
    W = cell.weights(params)
    X = np.ascontiguousarray(xs.transpose(1, 0, 2))       # (T, B, D)
    XP = (X.reshape(T * B, D) @ W.W_x).reshape(T, B, -1)  # (T, B, G*H): every input projected at once
    XP += W.b
    store = cell.alloc(XP, H)  # gated cells overwrite XP[t] with their gates: XP is their gate buffer
    for buf, s0 in zip(store, state0):  # the first fields of a store are the state histories (h, then c)
        buf[0] = s0
    for t in range(T):
        cell.step(t, XP[t], W, store)
    final = _public(cell, tuple(buf[T].copy() for buf in store[:cell.state_size]))
    hs = store.h[1:].transpose(1, 0, 2)  # (B, T, H) view
    hs.flags.writeable = False
    return hs, UnrollCache(cell, X, W, store, final)


def _check_dhs(dhs, cache: UnrollCache) -> np.ndarray:
    T, B, H = cache.store.h.shape[0] - 1, cache.X.shape[1], cache.store.h.shape[2]
    if not isinstance(dhs, np.ndarray) or dhs.shape != (B, T, H):
        raise ValueError(f"dhs must have shape (B, T, H) = ({B}, {T}, {H}), got {getattr(dhs, 'shape', None)}")
    if dhs.dtype != cache.X.dtype:
        raise ValueError(f"dhs is {dhs.dtype} but the params are {cache.X.dtype}; cast it with .astype(...)")
    return dhs


def _backward(cell, dhs, cache: UnrollCache, dstate, truncate, record: bool):
    """The backward loop; returns (dXP, dHP, dstate0 tuple, dH or None), time-major."""
    T, B, H = cache.store.h.shape[0] - 1, cache.X.shape[1], cache.store.h.shape[2]
    dtype = cache.X.dtype
    dHS = dhs.transpose(1, 0, 2)  # (T, B, H)
    dfinal = _as_tuple(cell, dstate, B, H, dtype, "dstate")
    W, store = cache.W, cache.store
    dXP = dHP = None
    dH = np.empty((T, B, H), dtype) if record else None
    k = T if truncate is None else int(truncate)
    if k < 1:
        raise ValueError(f"truncate must be a positive number of steps or None, got {truncate}")
    if k >= T:  # full BPTT: one stream carries the sum of every output's gradient
        GH = cache.W.W_h.shape[1]
        dXP = np.empty((T, B, GH), dtype)
        dHP = np.empty_like(dXP) if cell.separate_dhp else dXP
        dh, dextra = dfinal[0].copy(), (dfinal[1].copy() if cell.state_size > 1 else None)
        for t in reversed(range(T)):
            dh += dHS[t]
            if record:
                dH[t] = dh
            _, _, dh, dextra = cell.step_back(t, dh, dextra, W, store, out=(dXP[t], dHP[t]))
        return dXP, dHP, (dh,) if dextra is None else (dh, dextra), dH
    if record:
        raise ValueError("recording dL/dh_t is only defined for full BPTT (truncate=None)")
    # Truncated: streams[a] holds the gradient of the output at t + a, which has travelled a steps so far.
    dh_out = dx_out = None
    for t in reversed(range(T)):
        new_h = dHS[t][None] + (dfinal[0][None] if t == T - 1 else 0.0)
        if dh_out is None:
            dh_s = new_h
            dx_s = dfinal[1][None] if cell.state_size > 1 else None
        else:  # age every stream by one step; the one that has travelled k steps leaves
            dh_s = np.concatenate([new_h, dh_out[:k - 1]])
            dx_s = None if dx_out is None else np.concatenate([np.zeros_like(new_h), dx_out[:k - 1]])
        dxp, dhp, dh_out, dx_out = cell.step_back(t, dh_s, dx_s, W, store)
        if dXP is None:
            dXP = np.empty((T,) + dxp.shape[1:], dtype)
            dHP = dXP if dhp is dxp else np.empty_like(dXP)
        dXP[t] = dxp.sum(axis=0)
        if dHP is not dXP:
            dHP[t] = dhp.sum(axis=0)
    # Every surviving stream, and the one that just completed its k steps, ends at the initial state.
    d0 = (dh_out.sum(axis=0),) + (() if dx_out is None else (dx_out.sum(axis=0),))
    return dXP, dHP, d0, None


def bptt(cell, params: dict, dhs: np.ndarray, cache: UnrollCache, dstate=None, truncate: int | None = None):
    """Backpropagation through time.

    Args:
        cell, params: as given to ``unroll``.
        dhs: (B, T, H) dL/dhs, the gradient of the loss with respect to every hidden state ``unroll`` returned.
        cache: from ``unroll``.
        dstate: dL/d(final state), (B, H) or the LSTM's pair; None means zero.
        truncate: None for full BPTT, or k: backpropagate each output's gradient through at most k steps.

    Returns:
        dxs: (B, T, D) dL/dxs.
        dstate0: dL/dstate0, (B, H) or the LSTM's pair (dh0, dc0).
        grads: dL/dparams, a dict with exactly the keys of ``params``.
    """
    D, H, dtype = cell.check(params)
    if cache.cell != cell or cache.X.shape[2] != D or cache.X.dtype != dtype:
        raise ValueError("bptt got a cache from a different cell or params; pass the cache that unroll returned")
    dhs = _check_dhs(dhs, cache)
    dXP, dHP, d0, _ = _backward(cell, dhs, cache, dstate, truncate, record=False)
    T, B = cache.X.shape[:2]
    GH = dXP.shape[2]
    dXP2, dHP2 = dXP.reshape(T * B, GH), dHP.reshape(T * B, GH)
    dW_x = cache.X.reshape(T * B, D).T @ dXP2
    dW_h = cache.store.h[:-1].reshape(T * B, H).T @ dHP2  # h_{t-1} for every step: h[0..T-1]
    db = dXP2.sum(axis=0)
    dxs = (dXP2 @ cache.W.W_x_back.T).reshape(T, B, D).transpose(1, 0, 2)
    return dxs, _public(cell, d0), cell.grads_from(dW_x, dW_h, db, dHP)


def state_grads(cell, params: dict, dhs: np.ndarray, cache: UnrollCache, dstate=None) -> np.ndarray:
    """dL/dh_t for every t under full BPTT: the total gradient reaching each hidden state (B, T, H).

    This is what "vanishing" and "exploding" measure: how much of a late loss reaches early states.
    """
    cell.check(params)
    dhs = _check_dhs(dhs, cache)
    _, _, _, dH = _backward(cell, dhs, cache, dstate, None, record=True)
    return dH.transpose(1, 0, 2)
