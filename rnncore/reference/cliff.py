"""Pascanu's cliff: the loss surface of a one-unit recurrent network, and gradient descent on it, clipped or not.

Pascanu, Mikolov & Bengio 2013 (section 2.3) take one sigmoid unit with no input, run it for 50 steps from
x_0 = 0.5, and ask the last output to be 0.7:

    x_t = w * sigmoid(x_{t-1}) + b,    t = 1..T (T = 50)
    E(w, b) = (sigmoid(x_T) - 0.7)^2

For w > 4 the map x -> w sigmoid(x) + b has two stable fixed points, and which one x_T settles on depends on
(w, b): crossing the boundary between the two basins flips x_T from one fixed point to the other, so E jumps
across a narrow band - the "cliff" - where the gradient is enormous. A plain gradient step taken on the cliff face
throws the parameters far away; clipping the gradient's norm bounds that step, and the descent carries on.

The gradient is exact: backpropagation through the T steps, with delta_t = dE/dx_t,

    delta_T     = 2 (sigmoid(x_T) - 0.7) sigmoid'(x_T)
    dE/dw       = sum_t delta_t sigmoid(x_{t-1}),      dE/db = sum_t delta_t
    delta_{t-1} = delta_t * w * sigmoid'(x_{t-1})

Everything works elementwise on arrays of (w, b), so one call evaluates a whole grid.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from rnncore.layers import sigmoid

X0 = 0.5       # the initial state x_0 of the paper
TARGET = 0.7   # the value sigmoid(x_T) should take
STEPS = 50     # T


class LossGrad(NamedTuple):
    """E and its gradient at every (w, b), arrays of the broadcast shape of w and b."""

    loss: np.ndarray
    dw: np.ndarray
    db: np.ndarray


class Path(NamedTuple):
    """A gradient-descent run on E, one entry per iterate (entry 0 is the start).

    An iterate whose gradient was not finite ends the path (``stopped`` says so); clipping is by the norm of the
    2-vector (dE/dw, dE/db).
    """

    w: np.ndarray          # (n,) the iterates
    b: np.ndarray          # (n,)
    loss: np.ndarray       # (n,) E at each iterate
    grad_norm: np.ndarray  # (n,) ||(dE/dw, dE/db)|| at each iterate, before clipping
    clipped: np.ndarray    # (n,) bool: the step taken *from* this iterate was clipped (False for the last)
    stopped: str | None    # why the run ended early, or None


def loss_and_grad(w, b, *, T: int = STEPS, x0: float = X0, target: float = TARGET) -> LossGrad:
    """E(w, b) and its exact gradient, by backpropagation through the T steps.

    Args:
        w, b: floats or arrays (broadcast together), e.g. a meshgrid.
        T: the number of steps (>= 1).
        x0: the initial state. target: the value sigmoid(x_T) should reach.

    Returns:
        LossGrad(loss, dw, db), each of the broadcast shape of w and b, float64.
    """
    if int(T) < 1:
        raise ValueError(f"T must be >= 1, got {T}; the paper uses T=50.")
    w, b = np.broadcast_arrays(np.asarray(w, dtype=np.float64), np.asarray(b, dtype=np.float64))
    T = int(T)
    s = np.empty((T + 1,) + w.shape)  # s[t] = sigmoid(x_t), t = 0..T
    x = np.full(w.shape, float(x0))
    s[0] = sigmoid(x)
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(1, T + 1):
            x = w * s[t - 1] + b
            s[t] = sigmoid(x)
        loss = (s[T] - target) ** 2
        delta = 2.0 * (s[T] - target) * s[T] * (1.0 - s[T])  # dE/dx_T
        dw = np.zeros(w.shape)
        db = np.zeros(w.shape)
        for t in range(T, 0, -1):
            dw += delta * s[t - 1]                           # x_t depends on w through w * sigmoid(x_{t-1})
            db += delta
            delta = delta * w * s[t - 1] * (1.0 - s[t - 1])  # through x_t = w sigmoid(x_{t-1}) + b to x_{t-1}
    return LossGrad(loss, dw, db)


def descend(w0: float, b0: float, *, lr: float, steps: int, clip: float | None = None, T: int = STEPS) -> Path:
    """Gradient descent on E from (w0, b0): theta <- theta - lr * g, with g's norm clipped to ``clip`` if given.

    Args:
        w0, b0: the start.
        lr: the learning rate (> 0).
        steps: the number of updates (>= 1); the path has steps + 1 iterates unless it stops early.
        clip: None for plain gradient descent, else the largest norm of the step direction g (> 0).
        T: the number of steps of the unit.

    Returns:
        Path with the iterates, E, the gradient norm before clipping, and the clip events.
    """
    if not np.isfinite(lr) or lr <= 0:
        raise ValueError(f"lr must be a positive number, got {lr}")
    if int(steps) < 1:
        raise ValueError(f"steps must be >= 1, got {steps}")
    if clip is not None and (not np.isfinite(clip) or clip <= 0):
        raise ValueError(f"clip must be a positive number or None, got {clip}")
    if not (np.isfinite(w0) and np.isfinite(b0)):
        raise ValueError(f"the start (w0, b0) = ({w0}, {b0}) must be finite numbers")
    n = int(steps) + 1
    ws, bs, losses, norms = (np.full(n, np.nan) for _ in range(4))
    clipped = np.zeros(n, dtype=bool)
    w, b, stopped, last = float(w0), float(b0), None, n - 1
    for k in range(n):
        out = loss_and_grad(w, b, T=T)
        g = np.array([float(out.dw), float(out.db)])
        norm = float(np.hypot(g[0], g[1]))
        ws[k], bs[k], losses[k], norms[k] = w, b, float(out.loss), norm
        if k == n - 1:
            break
        if not np.isfinite(norm):
            stopped, last = f"the gradient became {norm} at step {k}", k
            break
        if clip is not None and norm > clip:
            g *= clip / norm
            clipped[k] = True
        w, b = w - lr * g[0], b - lr * g[1]
    keep = slice(0, last + 1)
    return Path(ws[keep], bs[keep], losses[keep], norms[keep], clipped[keep], stopped)
