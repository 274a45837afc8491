"""What the article's slow-training and parallelization samples *do*, rebuilt with our own code to be measured.

These functions reproduce the mechanism of the two samples, not their text, so that the pages can run it and show
the result beside the article's printed numbers. The article stores weights the other way round from rnncore:
column vectors, h = tanh(W_xh x + W_hh h + b_h) with W_xh (H, D), W_hh (H, H), b_h (H, 1).

Parallelization sample. Its "sequential" function steps through one sequence with column vectors, doing both
products (input and recurrent) at every step. Its "batch" function does exactly the same work, one step and one
sequence at a time; the only change is that it writes h_t into column t of an (H, T) matrix, which is a strided
write and read. So it cannot be faster, and the 6.29x it prints is not a batching speedup: see
:func:`column_loop` and :func:`column_loop_into_matrix`.

Slow-training sample. Targets are booleans (sum of the inputs > 0); its loss negates them (``-y``), which NumPy
refuses with a TypeError (:func:`loss_as_printed`). With the targets cast to floats it runs, but its "backward pass"
changes only the readout W_hy, and by ``lr * d * out`` with d = (out - y) out (1 - out): one number subtracted from
every entry of W_hy. The gradient of the binary cross-entropy is (out - y) h^T (:func:`true_grad_W_hy`), a
different vector; the input and recurrent weights are never updated, so the loss stays at ln 2.
"""
from __future__ import annotations

import time
from typing import Callable, NamedTuple

import numpy as np

from rnncore.layers import sigmoid


def column_loop(xs: np.ndarray, W_xh: np.ndarray, W_hh: np.ndarray, b_h: np.ndarray) -> list[np.ndarray]:
    """The article's per-step loop: column vectors, input and recurrent products at every step, one sequence.

    Args:
        xs: (T, D) one input sequence (the article's layout, time first, no batch axis).
        W_xh: (H, D). W_hh: (H, H). b_h: (H, 1).

    Returns:
        a list of T hidden states, each (H, 1), as the article collects them (``np.hstack`` gives (H, T)).
    """
    h = np.zeros((W_hh.shape[0], 1), dtype=xs.dtype)
    states = []
    for t in range(xs.shape[0]):
        h = np.tanh(W_xh @ xs[t].reshape(-1, 1) + W_hh @ h + b_h)  # (H, 1)
        states.append(h)
    return states


def column_loop_into_matrix(xs: np.ndarray, W_xh: np.ndarray, W_hh: np.ndarray, b_h: np.ndarray) -> np.ndarray:
    """The article's "batch" version: the same per-step work, h_t written into column t of an (H, T) matrix.

    Args:
        xs: (T, D). W_xh: (H, D). W_hh: (H, H). b_h: (H, 1).

    Returns:
        hs: (H, T), equal to ``np.hstack(column_loop(...))`` (the tests check it).
    """
    T = xs.shape[0]
    hm = np.zeros((W_hh.shape[0], T), dtype=xs.dtype)  # column t is h_t: a strided slice in C order
    for t in range(T):
        if t == 0:
            hm[:, t] = np.tanh(W_xh @ xs[t] + b_h.flatten())
        else:  # still one step of one sequence, and the bias is flattened anew at every step, as it does
            hm[:, t] = np.tanh(W_xh @ xs[t] + W_hh @ hm[:, t - 1] + b_h.flatten())
    return hm


# ---- the slow-training sample --------------------------------------------------------------------------------------

class ArticleWeights(NamedTuple):
    """The slow-training sample's model, column layout: out = sigmoid(W_hy h_T + b_y)."""

    W_xh: np.ndarray  # (H, D)
    W_hh: np.ndarray  # (H, H)
    W_hy: np.ndarray  # (O, H)
    b_h: np.ndarray   # (H, 1)
    b_y: np.ndarray   # (O, 1)


def init_weights(*, rng: np.random.Generator, input_size: int = 1, hidden_size: int = 32, output_size: int = 1,
                 scale: float = 0.01) -> ArticleWeights:
    """Its initialisation: Gaussian weights times 0.01, zero biases."""
    H = hidden_size
    return ArticleWeights(scale * rng.standard_normal((H, input_size)), scale * rng.standard_normal((H, H)),
                          scale * rng.standard_normal((output_size, H)), np.zeros((H, 1)), np.zeros((output_size, 1)))


def as_rnncore_params(w: ArticleWeights) -> dict:
    """The same model in rnncore's row layout (an "rnn" cell with a linear readout whose logits it returns)."""
    return {"W_x": w.W_xh.T.copy(), "W_h": w.W_hh.T.copy(), "b": w.b_h.ravel().copy(), "W_y": w.W_hy.T.copy(),
            "b_y": w.b_y.ravel().copy()}


def summed_sign_data(*, rng: np.random.Generator, n: int, T: int) -> tuple[np.ndarray, np.ndarray]:
    """Its data: n Gaussian sequences of length T, target "the sum is positive", as booleans like the article's.

    Returns:
        X: (n, T, 1) float64. y: (n, 1) bool.
    """
    X = rng.standard_normal((n, T, 1))
    return X, X.sum(axis=1) > 0


def forward(w: ArticleWeights, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One sequence x (T, D) -> (out (O, 1) after the sigmoid, h_T (H, 1))."""
    h = np.zeros((w.W_hh.shape[0], 1))
    for x_t in x:
        h = np.tanh(w.W_xh @ x_t.reshape(-1, 1) + w.W_hh @ h + w.b_h)
    z = w.W_hy @ h + w.b_y
    return sigmoid(z), h


def loss_as_printed(y: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Its loss expression, -y log(out) - (1 - y) log(1 - out). With boolean y, NumPy raises TypeError on -y."""
    return -y * np.log(out) - (1 - y) * np.log(1 - out)


def article_step(w: ArticleWeights, x: np.ndarray, y: float, lr: float, out: np.ndarray) -> ArticleWeights:
    """Its "backward pass (simplified)": only W_hy moves, every entry by the same amount lr * d * out.

    Args:
        out: (O, 1) the output of the forward pass its loop has just run on x.
    """
    d = (out - y) * out * (1 - out)                   # (O, 1)
    out_again, _ = forward(w, x)                      # it runs the forward pass a second time for this product
    return w._replace(W_hy=w.W_hy - lr * (d @ out_again.T))  # (O, 1) broadcast over the (O, H) matrix


def true_grad_W_hy(w: ArticleWeights, x: np.ndarray, y: float) -> np.ndarray:
    """The real gradient of the binary cross-entropy with respect to W_hy: (out - y) h_T^T, shape (O, H)."""
    out, h = forward(w, x)
    return (out - y) @ h.T


def article_update_direction(w: ArticleWeights, x: np.ndarray, y: float, lr: float = 1.0) -> np.ndarray:
    """The change its step makes to W_hy, W_hy_old - W_hy_new (O, H): compare it with ``true_grad_W_hy``."""
    out, _ = forward(w, x)
    return w.W_hy - article_step(w, x, y, lr, out).W_hy


class ArticleRun(NamedTuple):
    """Its training loop run with float targets (the one change that lets it run)."""

    loss: np.ndarray          # (epochs,) mean loss of each epoch, as it prints
    seconds: np.ndarray       # (epochs,) wall time of each epoch
    weights: ArticleWeights   # after training
    moved: dict               # name -> max |change| of each weight over the whole run


def run_article_training(w: ArticleWeights, X: np.ndarray, y: np.ndarray, *, lr: float, epochs: int,
                         callback: Callable[[int, int, dict], None] | None = None) -> ArticleRun:
    """Its loop, sample by sample, with y cast to float: forward, its loss, its update of W_hy.

    Args:
        w: initial weights. X: (n, T, D). y: (n, 1), bool or float. lr: its learning rate. epochs: passes.
    """
    if epochs < 1:
        raise ValueError(f"epochs must be >= 1, got {epochs}; pass e.g. epochs=2.")
    y = np.asarray(y, dtype=np.float64)
    start, losses, seconds = w, np.zeros(epochs), np.zeros(epochs)
    for e in range(epochs):
        t0, total = time.perf_counter(), 0.0
        for x_i, y_i in zip(X, y):
            out, _ = forward(w, x_i)
            total += float(loss_as_printed(y_i, out)[0, 0])
            w = article_step(w, x_i, y_i, lr, out)
        losses[e], seconds[e] = total / len(X), time.perf_counter() - t0
        if callback is not None:
            callback(e + 1, epochs, {"loss": losses[e]})
    moved = {name: float(np.max(np.abs(getattr(w, name) - getattr(start, name)))) for name in ArticleWeights._fields}
    return ArticleRun(losses, seconds, w, moved)
