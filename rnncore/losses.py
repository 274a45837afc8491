"""Losses, each returning (loss, dL/dpred), all numerically stable.

    mse:  L = mean((p - y)^2)                                    dL/dp = 2 (p - y) / N
    bce:  L = mean(softplus(z) - y z)  for logits z, y in [0,1]   dL/dz = (sigmoid(z) - y) / N
          (= -y log s - (1-y) log(1-s) with s = sigmoid(z), without ever forming log(0))
    xent: L = mean_i(logsumexp(z_i) - z_i[y_i])  for logits (..., C) and integer classes (...)
                                                                 dL/dz = (softmax(z) - onehot(y)) / N

N is the number of elements (mse, bce) or of predicted positions (xent). An optional boolean ``mask`` of the target's
shape (without the class axis) averages over the kept positions only.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .layers import sigmoid

LOSSES = ("mse", "bce", "xent")


class LossResult(NamedTuple):
    loss: float
    dpred: np.ndarray  # dL/dpred, the shape of pred


def _mask(mask, shape) -> tuple[np.ndarray | float, int]:
    if mask is None:
        return 1.0, int(np.prod(shape))
    mask = np.asarray(mask, dtype=bool)
    if mask.shape != tuple(shape):
        raise ValueError(f"mask must have shape {tuple(shape)}, got {mask.shape}")
    n = int(mask.sum())
    if n == 0:
        raise ValueError("mask keeps no positions; at least one target must count")
    return mask, n


def _same_shape(pred, y, name):
    if pred.shape != y.shape:
        raise ValueError(f"{name}: predictions have shape {pred.shape} but targets have {y.shape}; they must match")


def mse(pred: np.ndarray, y: np.ndarray, mask=None) -> LossResult:
    """Mean squared error over all (kept) elements."""
    y = np.asarray(y, dtype=pred.dtype)
    _same_shape(pred, y, "mse")
    m, n = _mask(mask, pred.shape)
    diff = (pred - y) * m
    return LossResult(float(np.sum(diff * diff) / n), 2.0 * diff / n)


def bce_with_logits(z: np.ndarray, y: np.ndarray, mask=None) -> LossResult:
    """Binary cross-entropy of logits ``z`` against targets ``y`` in [0, 1]."""
    y = np.asarray(y, dtype=z.dtype)
    _same_shape(z, y, "bce")
    m, n = _mask(mask, z.shape)
    # softplus(z) = max(z, 0) + log1p(exp(-|z|)) never overflows
    per = np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z))) - y * z
    s = sigmoid(z)
    return LossResult(float(np.sum(per * m) / n), (s - y) * m / n)


def softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    """Softmax along ``axis``, shifted by the max so that exp never overflows."""
    e = np.exp(z - np.max(z, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def softmax_xent(z: np.ndarray, y: np.ndarray, mask=None) -> LossResult:
    """Softmax cross-entropy of logits ``z`` (..., C) against integer classes ``y`` (...)."""
    y = np.asarray(y)
    if not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"xent targets must be integer class ids, got dtype {y.dtype}")
    if z.shape[:-1] != y.shape:
        raise ValueError(f"xent: logits {z.shape} need targets of shape {z.shape[:-1]}, got {y.shape}")
    C = z.shape[-1]
    if y.size and (y.min() < 0 or y.max() >= C):
        raise ValueError(f"xent targets must lie in 0..{C - 1}, got values from {y.min()} to {y.max()}")
    m, n = _mask(mask, y.shape)
    shifted = z - np.max(z, axis=-1, keepdims=True)
    logsum = np.log(np.sum(np.exp(shifted), axis=-1))
    picked = np.take_along_axis(shifted, y[..., None], axis=-1)[..., 0]
    loss = float(np.sum((logsum - picked) * m) / n)
    d = np.exp(shifted - logsum[..., None])
    np.put_along_axis(d, y[..., None], np.take_along_axis(d, y[..., None], axis=-1) - 1.0, axis=-1)
    return LossResult(loss, d * (np.asarray(m)[..., None] if mask is not None else 1.0) / n)


_BY_NAME = {"mse": mse, "bce": bce_with_logits, "xent": softmax_xent}


def get_loss(name: str):
    """The loss function called ``name`` ("mse", "bce" or "xent")."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise ValueError(f"unknown loss {name!r}; choose one of {', '.join(LOSSES)}") from None
