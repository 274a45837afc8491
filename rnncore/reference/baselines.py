"""Baselines a recurrent model must beat, and the errors that score forecasts. NumPy only.

Text: logistic regression on bag-of-words counts, blind to word order by construction::

    p(positive | x) = sigmoid(x . w + b),   x = word counts (V,)
    fitted by full-batch gradient descent (Nesterov momentum) on the mean binary cross-entropy + l2/2 ||w||^2

Series (y is 1-D, y[t] the value at step t; a one-step forecast of y[t] may use y[:t] only):

    persistence      yhat[t] = y[t-1]
    seasonal naive   yhat[t] = y[t-s]                   (s = the season, in steps)
    AR(p)            yhat[t] = c + a_1 y[t-1] + ... + a_p y[t-p],   (c, a) by least squares on the training part

A free-running ("path") forecast from an origin o predicts y[o], y[o+1], ..., y[o+h-1] from y[:o] alone, feeding its
own predictions back in place of the values it has not seen: persistence repeats y[o-1], seasonal naive repeats the
last season, AR recurses on its own outputs.

Scores: MAE = mean |y - yhat|, RMSE = sqrt(mean (y - yhat)^2).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from rnncore.layers import sigmoid

# ---- text ----------------------------------------------------------------------------------------------------------

class BowModel(NamedTuple):
    """Logistic regression on word counts. w: (V,) one weight per word; b: the intercept."""

    w: np.ndarray
    b: float


def fit_bow_logistic(x: np.ndarray, y: np.ndarray, *, steps: int = 300, lr: float = 1.0, momentum: float = 0.9,
                     l2: float = 1e-3) -> BowModel:
    """Fit logistic regression to bag-of-words counts by full-batch gradient descent with Nesterov momentum.

    Momentum matters here: long sentences hold up to 40 counts, so the curvature is uneven and plain descent needs
    about ten times the steps to reach the same training loss (measured: 3,000 plain steps ~ 300 with momentum 0.9).

    Args:
        x: (n, V) word counts (``rnncore.data.text.bag_of_words``).
        y: (n,) labels in {0, 1}.
        steps: gradient steps (>= 1), from zero weights. lr: step size (> 0). momentum: in [0, 1); 0 is plain
            gradient descent. l2: ridge penalty l2/2 ||w||^2 on the word weights (>= 0).
    Returns:
        BowModel(w (V,), b).
    """
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if x.ndim != 2 or y.shape != (x.shape[0],) or x.shape[0] == 0:
        raise ValueError(f"fit_bow_logistic: need x (n, V) and y (n,) with n >= 1; got {x.shape} and {y.shape}.")
    if int(steps) < 1 or not lr > 0 or not 0 <= momentum < 1 or not l2 >= 0:
        raise ValueError(f"fit_bow_logistic: need steps >= 1, lr > 0, 0 <= momentum < 1 and l2 >= 0; got {steps}, "
                         f"{lr}, {momentum}, {l2}.")
    n, V = x.shape
    rows, cols = np.nonzero(x)  # counts are sparse (a sentence holds a few dozen of V words): work on the nonzeros
    vals = x[rows, cols]
    w, b, vw, vb = np.zeros(V), 0.0, np.zeros(V), 0.0
    for _ in range(int(steps)):
        ahead_w, ahead_b = w + momentum * vw, b + momentum * vb  # Nesterov: the gradient at the look-ahead point
        logits = np.bincount(rows, weights=vals * ahead_w[cols], minlength=n) + ahead_b  # = x @ w + b
        g = sigmoid(logits) - y  # n * dL/dlogit of the mean cross-entropy
        grad_w = np.bincount(cols, weights=vals * g[rows], minlength=V) / n + l2 * ahead_w  # x.T @ g / n + l2 w
        vw, vb = momentum * vw - lr * grad_w, momentum * vb - lr * float(g.mean())
        w, b = w + vw, b + vb
    return BowModel(w, float(b))


def bow_proba(model: BowModel, x: np.ndarray) -> np.ndarray:
    """P(positive) for each row of word counts x (n, V); returns (n,)."""
    return sigmoid(np.asarray(x, dtype=np.float64) @ model.w + model.b)


# ---- series: one-step forecasts ----------------------------------------------------------------------------------

def _series(y, start: int, need: int, what: str) -> np.ndarray:
    """y as a 1-D float array, after checking that ``start`` leaves ``need`` values of history and >= 1 target."""
    y = np.asarray(y, dtype=np.float64)
    if y.ndim != 1:
        raise ValueError(f"{what}: the series must be 1-D, got shape {y.shape}.")
    if not need <= start < len(y):
        raise ValueError(f"{what}: start={start} must lie in [{need}, {len(y) - 1}] (it needs {need} earlier "
                         f"value(s) and at least one target); lower the lag or the season, or use a longer series.")
    return y


def persistence(y: np.ndarray, *, start: int) -> np.ndarray:
    """One-step forecasts yhat[t] = y[t-1] for t = start .. len(y)-1; returns (len(y) - start,)."""
    y = _series(y, start, 1, "persistence")
    return y[start - 1:-1].copy()


def seasonal_naive(y: np.ndarray, *, start: int, season: int) -> np.ndarray:
    """One-step forecasts yhat[t] = y[t - season] for t = start .. len(y)-1; returns (len(y) - start,)."""
    if int(season) < 1:
        raise ValueError(f"seasonal_naive: season={season} must be >= 1 step.")
    season = int(season)
    y = _series(y, start, season, "seasonal_naive")
    return y[start - season:len(y) - season].copy()


class ARModel(NamedTuple):
    """yhat[t] = intercept + coef[0] y[t-1] + ... + coef[p-1] y[t-p]."""

    coef: np.ndarray  # (p,) a_1 .. a_p
    intercept: float


def lag_matrix(y: np.ndarray, p: int) -> np.ndarray:
    """Rows [y[t-1], ..., y[t-p]] for t = p .. len(y)-1; returns (len(y) - p, p)."""
    y = np.asarray(y, dtype=np.float64)
    if int(p) < 1 or len(y) <= p:
        raise ValueError(f"lag_matrix: need 1 <= p < len(y); got p={p}, len(y)={len(y)}.")
    return np.stack([y[p - k:len(y) - k] for k in range(1, p + 1)], axis=1)


def fit_ar(y_train: np.ndarray, p: int) -> ARModel:
    """Least-squares AR(p) with an intercept, on the training part only.

    Args:
        y_train: (n,) with n >= 2p + 1, so that there are more equations than unknowns.
        p: the order (>= 1).
    Returns:
        ARModel(coef (p,), intercept).
    """
    y_train = np.asarray(y_train, dtype=np.float64)
    if int(p) < 1 or len(y_train) < 2 * int(p) + 1:
        raise ValueError(f"fit_ar: AR({p}) needs p >= 1 and at least {2 * int(p) + 1} training values, got "
                         f"{len(y_train)}; lower p or use a longer training part.")
    p = int(p)
    design = np.column_stack([np.ones(len(y_train) - p), lag_matrix(y_train, p)])
    solution, *_ = np.linalg.lstsq(design, y_train[p:], rcond=None)
    return ARModel(solution[1:], float(solution[0]))


def ar_one_step(model: ARModel, y: np.ndarray, *, start: int) -> np.ndarray:
    """One-step AR forecasts of y[t] from the true y[t-p:t], for t = start .. len(y)-1; returns (len(y) - start,)."""
    p = len(model.coef)
    y = _series(y, start, p, "ar_one_step")
    return model.intercept + lag_matrix(y, p)[start - p:] @ model.coef


# ---- series: free-running forecasts ------------------------------------------------------------------------------

def persistence_path(history: np.ndarray, horizon: int) -> np.ndarray:
    """Free-running persistence: the last seen value, repeated; returns (horizon,)."""
    history = np.asarray(history, dtype=np.float64)
    if history.ndim != 1 or len(history) < 1 or int(horizon) < 1:
        raise ValueError("persistence_path: needs at least one past value and horizon >= 1.")
    return np.full(int(horizon), history[-1])


def seasonal_naive_path(history: np.ndarray, horizon: int, season: int) -> np.ndarray:
    """Free-running seasonal naive: the last full season, repeated; returns (horizon,)."""
    history = np.asarray(history, dtype=np.float64)
    if int(season) < 1 or len(history) < int(season) or int(horizon) < 1:
        raise ValueError(f"seasonal_naive_path: needs season >= 1, at least one season ({season}) of history "
                         f"(got {len(history)}) and horizon >= 1.")
    last = history[len(history) - int(season):]
    return np.resize(last, int(horizon))  # np.resize repeats the season as often as needed


def ar_path(model: ARModel, history: np.ndarray, horizon: int) -> np.ndarray:
    """Free-running AR: each forecast becomes a lag of the next; returns (horizon,)."""
    p = len(model.coef)
    history = np.asarray(history, dtype=np.float64)
    if len(history) < p or int(horizon) < 1:
        raise ValueError(f"ar_path: AR({p}) needs {p} past values (got {len(history)}) and horizon >= 1.")
    window = list(history[len(history) - p:][::-1])  # newest first, the order of coef
    out = np.empty(int(horizon))
    for h in range(int(horizon)):
        out[h] = model.intercept + float(np.dot(model.coef, window))
        window = [out[h]] + window[:-1]
    return out


# ---- scores --------------------------------------------------------------------------------------------------------

def mae(y: np.ndarray, yhat: np.ndarray) -> float:
    """Mean absolute error of forecasts yhat against the truth y (same shape)."""
    y, yhat = _pair(y, yhat, "mae")
    return float(np.mean(np.abs(y - yhat)))


def rmse(y: np.ndarray, yhat: np.ndarray) -> float:
    """Root mean squared error of forecasts yhat against the truth y (same shape)."""
    y, yhat = _pair(y, yhat, "rmse")
    return float(np.sqrt(np.mean((y - yhat) ** 2)))


def _pair(y, yhat, what: str) -> tuple[np.ndarray, np.ndarray]:
    y, yhat = np.asarray(y, dtype=np.float64), np.asarray(yhat, dtype=np.float64)
    if y.shape != yhat.shape or y.size == 0:
        raise ValueError(f"{what}: truth and forecast need the same non-empty shape, got {y.shape} and {yhat.shape}.")
    return y, yhat
