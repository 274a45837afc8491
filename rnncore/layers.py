"""The pieces around a recurrent cell: a token embedding, a linear readout, each with its backward, and the sigmoid.

    embedding:  X[b, t] = E[ids[b, t]]        dE[v] = sum of dX[b, t] over the positions where ids[b, t] = v
    linear:     Y = H W_y + b_y               dW_y = H^T dY,  db_y = sum dY,  dH = dY W_y^T
    sigmoid:    s(z) = (1 + tanh(z / 2)) / 2  the same function as 1 / (1 + exp(-z)), without its overflow
"""
from __future__ import annotations

import numpy as np


def sigmoid(z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """The logistic sigmoid, stable for any z: (1 + tanh(z/2)) / 2 never overflows, and is one ufunc, not exp and
    a division. ``out`` may be ``z`` itself (in place). Every sigmoid of the Lab is this one."""
    if out is None:
        return 0.5 * (1.0 + np.tanh(0.5 * z))  # the same bits as the in-place steps below
    np.multiply(z, 0.5, out=out)
    np.tanh(out, out=out)
    out += 1.0
    out *= 0.5
    return out


def embed(E: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Look up token ids (B, T) in the table E (V, D); returns (B, T, D)."""
    ids = np.asarray(ids)
    if not np.issubdtype(ids.dtype, np.integer):
        raise ValueError(f"token ids must be integers, got dtype {ids.dtype}")
    if ids.ndim != 2:
        raise ValueError(f"token ids must have shape (B, T), got {ids.shape}")
    V = E.shape[0]
    if ids.size and (ids.min() < 0 or ids.max() >= V):
        raise ValueError(f"token ids must lie in 0..{V - 1} (the vocabulary size is {V}), "
                         f"got values from {ids.min()} to {ids.max()}")
    return E[ids]


def embed_backward(dX: np.ndarray, ids: np.ndarray, vocab_size: int) -> np.ndarray:
    """dL/dE (V, D) from dL/dX (B, T, D): each row sums the gradients of the positions that used it."""
    D = dX.shape[-1]
    dE = np.zeros((vocab_size, D), dtype=dX.dtype)
    np.add.at(dE, np.asarray(ids).reshape(-1), dX.reshape(-1, D))  # repeated ids accumulate
    return dE


def linear(H: np.ndarray, W: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Y = H W + b over the last axis: H (..., K), W (K, O), b (O,) -> (..., O)."""
    if H.shape[-1] != W.shape[0] or b.shape != (W.shape[1],):
        raise ValueError(f"linear: inputs (..., {H.shape[-1]}) need W ({H.shape[-1]}, O) and b (O,), "
                         f"got W {W.shape} and b {b.shape}")
    return H @ W + b


def linear_backward(dY: np.ndarray, H: np.ndarray, W: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(dH, dW, db) of Y = H W + b."""
    K, O = W.shape
    dW = H.reshape(-1, K).T @ dY.reshape(-1, O)
    return dY @ W.T, dW, dY.reshape(-1, O).sum(axis=0)
