"""Pascanu's one-unit cliff: the loss against a plain-Python loop, the gradient against finite differences, the cliff
itself, and gradient descent with and without clipping."""
from __future__ import annotations

import math

import numpy as np
import pytest

from rnncore.reference import cliff


def brute_loss(w: float, b: float, T: int = 50) -> float:
    """E(w, b) with math.exp in a plain loop: an independent implementation."""
    x = 0.5
    for _ in range(T):
        x = w / (1.0 + math.exp(-x)) + b
    return (1.0 / (1.0 + math.exp(-x)) - 0.7) ** 2


POINTS = [(3.0, -1.0), (8.0, -4.0), (6.0, -3.1), (4.6, -2.35), (1.0, 0.5), (-1.0, 2.0)]


@pytest.mark.parametrize("w, b", POINTS)
def test_loss_matches_a_plain_loop(w, b):
    assert cliff.loss_and_grad(w, b).loss == pytest.approx(brute_loss(w, b), rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("w, b", POINTS)
def test_gradient_matches_centered_differences(w, b):
    g, eps = cliff.loss_and_grad(w, b), 1e-6
    dw = (brute_loss(w + eps, b) - brute_loss(w - eps, b)) / (2 * eps)
    db = (brute_loss(w, b + eps) - brute_loss(w, b - eps)) / (2 * eps)
    scale = max(abs(dw), abs(db), 1e-3)
    assert abs(float(g.dw) - dw) / scale < 1e-5
    assert abs(float(g.db) - db) / scale < 1e-5


def test_a_grid_gives_the_pointwise_values():
    w, b = np.meshgrid(np.linspace(0, 10, 7), np.linspace(-6, 2, 5))
    grid = cliff.loss_and_grad(w, b)
    assert grid.loss.shape == grid.dw.shape == grid.db.shape == (5, 7)
    for i, j in [(0, 0), (2, 3), (4, 6), (1, 5)]:
        point = cliff.loss_and_grad(w[i, j], b[i, j])
        assert (grid.loss[i, j], grid.dw[i, j], grid.db[i, j]) == (point.loss, point.dw, point.db)


@pytest.mark.parametrize("w", [6.0, 8.0])
def test_there_is_a_cliff(w):
    """For w > 4 the state x = 0.5 is an unstable fixed point exactly when b* = 0.5 - w sigmoid(0.5): on one side of
    b* the unit falls to its low state, on the other it climbs to the high one. So E jumps across b*, and its
    gradient there is orders of magnitude above the plateaus' (the unstable point amplifies by w sigmoid'(0.5) > 1
    at each of the 50 steps)."""
    b_star = 0.5 - w / (1.0 + math.exp(-0.5))
    below, at, above = (cliff.loss_and_grad(w, b_star + d) for d in (-1e-3, 0.0, 1e-3))
    assert float(below.loss) > 0.4 and float(above.loss) < 0.1
    norm = lambda g: math.hypot(float(g.dw), float(g.db))  # noqa: E731
    assert norm(at) > 1e5 * max(norm(below), norm(above))


def test_plain_descent_is_thrown_off_the_cliff_and_clipped_descent_is_not():
    plain = cliff.descend(5.0, -3.0, lr=0.1, steps=200)
    clipped = cliff.descend(5.0, -3.0, lr=0.1, steps=200, clip=0.5)
    jumps = lambda p: np.hypot(np.diff(p.w), np.diff(p.b))  # noqa: E731
    assert jumps(plain).max() > 5.0                               # one step crosses half the map
    assert jumps(clipped).max() <= 0.1 * 0.5 * (1 + 1e-12)        # lr * clip bounds every step
    assert clipped.clipped.any() and not plain.clipped.any()
    assert clipped.loss[-1] < 0.01 < plain.loss[-1]


def test_descent_follows_the_update_rule_and_clipping_that_never_acts_changes_nothing():
    p = cliff.descend(2.0, -1.0, lr=0.3, steps=5)
    assert len(p.w) == 6 and p.stopped is None
    for k in range(5):
        g = cliff.loss_and_grad(p.w[k], p.b[k])
        assert p.w[k + 1] == p.w[k] - 0.3 * float(g.dw) and p.b[k + 1] == p.b[k] - 0.3 * float(g.db)
    loose = cliff.descend(2.0, -1.0, lr=0.3, steps=5, clip=1e6)
    np.testing.assert_array_equal(loose.w, p.w)
    np.testing.assert_array_equal(loose.b, p.b)


@pytest.mark.parametrize("kwargs", [dict(lr=0.0, steps=5), dict(lr=0.1, steps=0), dict(lr=0.1, steps=5, clip=-1.0),
                                    dict(lr=float("nan"), steps=5)])
def test_bad_arguments_raise(kwargs):
    with pytest.raises(ValueError):
        cliff.descend(1.0, 0.0, **kwargs)
    with pytest.raises(ValueError, match="T must be"):
        cliff.loss_and_grad(1.0, 0.0, T=0)
