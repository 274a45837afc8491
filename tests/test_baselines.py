"""Tests for rnncore.reference.baselines: every forecast baseline computed by hand on a tiny series, and bag-of-words."""
import math

import numpy as np
import pytest

from rnncore.reference import baselines as bl

Y = np.array([1.0, 2.0, 2.0, 3.0, 5.0])


def test_persistence_by_hand():
    assert bl.persistence(Y, start=2).tolist() == [2.0, 2.0, 3.0]  # y[1], y[2], y[3]
    assert bl.persistence_path(Y, 3).tolist() == [5.0, 5.0, 5.0]


def test_seasonal_naive_by_hand():
    y = np.array([1.0, 2.0, 3.0, 10.0, 20.0, 30.0, 100.0])
    assert bl.seasonal_naive(y, start=3, season=3).tolist() == [1.0, 2.0, 3.0, 10.0]  # y[t-3] for t = 3..6
    assert bl.seasonal_naive_path(y[:5], 5, 2).tolist() == [10.0, 20.0, 10.0, 20.0, 10.0]  # the last season, again
    with pytest.raises(ValueError, match="season"):
        bl.seasonal_naive(y, start=2, season=3)  # y[-1] would be read: not allowed
    with pytest.raises(ValueError, match="season"):
        bl.seasonal_naive_path(y[:2], 4, 3)


def test_ar1_least_squares_by_hand():
    # Equations y[t] = c + a y[t-1] for t = 1..4: X = [[1,1],[1,2],[1,2],[1,3]], targets [2,2,3,5].
    # X^T X = [[4, 8], [8, 18]], X^T y = [12, 27]; det 8, so (c, a) = ([18, -8], [-8, 4]) @ [12, 27] / 8 = (0, 1.5).
    model = bl.fit_ar(Y, 1)
    assert model.intercept == pytest.approx(0.0, abs=1e-12)
    assert model.coef == pytest.approx([1.5])
    assert bl.ar_one_step(model, Y, start=1) == pytest.approx([1.5, 3.0, 3.0, 4.5])
    assert bl.ar_path(model, Y, 3) == pytest.approx([7.5, 11.25, 16.875])  # each forecast becomes the next lag


def test_ar2_recovers_a_known_recurrence_and_orders_its_lags():
    y = [1.0, -0.5]
    for _ in range(40):
        y.append(0.5 + 0.3 * y[-1] - 0.2 * y[-2])
    model = bl.fit_ar(np.array(y), 2)
    assert model.intercept == pytest.approx(0.5) and model.coef == pytest.approx([0.3, -0.2])
    assert bl.ar_one_step(model, np.array(y), start=2) == pytest.approx(y[2:])
    path = bl.ar_path(model, np.array(y[:10]), 5)
    assert path == pytest.approx(y[10:15])  # noise-free: free-running equals the truth


def test_lag_matrix_rows_are_newest_first():
    assert bl.lag_matrix(Y, 2).tolist() == [[2.0, 1.0], [2.0, 2.0], [3.0, 2.0]]


def test_errors_by_hand():
    y, yhat = np.array([1.0, 2.0, 3.0]), np.array([2.0, 2.0, 5.0])
    assert bl.mae(y, yhat) == pytest.approx(1.0)
    assert bl.rmse(y, yhat) == pytest.approx(math.sqrt(5 / 3))
    with pytest.raises(ValueError):
        bl.mae(y, yhat[:2])


def test_bad_arguments_name_the_problem():
    with pytest.raises(ValueError, match="start"):
        bl.persistence(Y, start=0)
    with pytest.raises(ValueError, match="start"):
        bl.persistence(Y, start=5)
    with pytest.raises(ValueError, match="AR"):
        bl.fit_ar(Y, 3)  # 5 values cannot fit 4 unknowns from 2 equations
    with pytest.raises(ValueError, match="1-D"):
        bl.persistence(Y[None, :], start=1)


def _dense_reference(x, y, steps, lr, l2):
    """Plain gradient descent written densely (x @ w), to check the sparse implementation."""
    w, b = np.zeros(x.shape[1]), 0.0
    for _ in range(steps):
        g = 1 / (1 + np.exp(-(x @ w + b))) - y
        w, b = w - lr * (x.T @ g / len(y) + l2 * w), b - lr * g.mean()
    return w, b


def test_bow_logistic_matches_a_dense_reference():
    rng = np.random.default_rng(3)
    x = rng.poisson(0.4, size=(50, 12)).astype(float)
    y = (x[:, 0] + x[:, 1] > x[:, 2] + 0.3).astype(float)
    w, b = _dense_reference(x, y, 40, 0.5, 0.01)
    model = bl.fit_bow_logistic(x, y, steps=40, lr=0.5, momentum=0.0, l2=0.01)
    assert model.w == pytest.approx(w, abs=1e-12) and model.b == pytest.approx(b, abs=1e-12)


def test_bow_momentum_reaches_a_lower_loss_in_the_same_steps():
    rng = np.random.default_rng(4)
    x = rng.poisson(1.0, size=(200, 20)).astype(float)
    y = (x[:, :5].sum(1) > x[:, 5:10].sum(1)).astype(float)

    def loss(m):
        p = np.clip(bl.bow_proba(m, x), 1e-12, 1 - 1e-12)
        return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))

    plain = bl.fit_bow_logistic(x, y, steps=100, lr=0.2, momentum=0.0, l2=0.0)
    fast = bl.fit_bow_logistic(x, y, steps=100, lr=0.2, momentum=0.9, l2=0.0)
    assert loss(fast) < loss(plain) < np.log(2)


def test_bow_is_blind_to_order():
    x = np.array([[0, 1, 1, 0], [0, 0, 0, 2], [0, 2, 0, 0]], dtype=float)  # counts: order is already gone
    model = bl.fit_bow_logistic(x, np.array([1.0, 0.0, 1.0]), steps=50)
    same = bl.bow_proba(model, np.array([[0, 1, 1, 0]], dtype=float))
    assert same == pytest.approx(bl.bow_proba(model, x[:1])) and bl.bow_proba(model, x[1:2]) < 0.5 < same
    with pytest.raises(ValueError, match="momentum"):
        bl.fit_bow_logistic(x, np.ones(3), momentum=1.0)
