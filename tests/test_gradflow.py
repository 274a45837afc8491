"""Gradient flow: measured norms against brute force, Jacobian products against finite differences, the bound."""
import numpy as np
import pytest

from rnncore import get_cell, gradflow, unroll


def _rnn(rng, nonlinearity="tanh", H=5, radius=0.9, D=2):
    cell = get_cell("rnn", nonlinearity=nonlinearity)
    return cell, cell.init_params(rng, D, H, scheme="orthogonal", spectral_radius=radius)


def _final_state(cell, params, xs, s):
    _, cache = unroll(cell, params, xs, s)
    return cache.final_state


def test_grad_norms_equal_a_finite_difference_jacobian(rng):
    cell, params = _rnn(rng)
    xs = rng.standard_normal((1, 6, 2))
    dlast = rng.standard_normal((1, 5))
    norms = gradflow.grad_norms_through_time(cell, params, xs, dlast)
    # dL/dh_t for L = <dlast, h_T>: differentiate the remaining steps from h_t by centered differences
    _, cache = unroll(cell, params, xs)
    for t in range(6):
        h_t = cache.store.h[t + 1].copy()
        g = np.zeros(5)
        for i in range(5):
            e = np.zeros((1, 5))
            e[0, i] = 1e-6
            rest = xs[:, t + 1:]
            fp = (dlast * (_final_state(cell, params, rest, h_t + e) if rest.shape[1] else h_t + e)).sum()
            fm = (dlast * (_final_state(cell, params, rest, h_t - e) if rest.shape[1] else h_t - e)).sum()
            g[i] = (fp - fm) / 2e-6
        assert norms[0, t] == pytest.approx(np.linalg.norm(g), rel=1e-7)


@pytest.mark.parametrize("name", ["rnn", "lstm", "gru"])
def test_jacobian_products_match_finite_differences(name, rng):
    cell = get_cell(name)
    params = cell.init_params(rng, 2, 3, scheme="uniform")
    xs = rng.standard_normal((2, 4, 2))
    norms = gradflow.jacobian_product_norms(cell, params, xs)
    S, H = cell.state_size * 3, 3
    for b in range(2):
        _, cache = unroll(cell, params, xs[b:b + 1])
        for t in (0, 2):
            base = np.concatenate([cache.store[i][t][0] for i in range(cell.state_size)])
            J = np.zeros((S, S))
            for j in range(S):
                cols = []
                for sign in (1, -1):
                    v = base.copy()
                    v[j] += sign * 1e-6
                    parts = (v[:H][None], v[H:][None]) if S > H else v[None]
                    fs = _final_state(cell, params, xs[b:b + 1, t:], parts)
                    cols.append(np.concatenate([p[0] for p in fs]) if isinstance(fs, tuple) else fs[0])
                J[:, j] = (cols[0] - cols[1]) / 2e-6
            assert norms[b, t] == pytest.approx(np.linalg.norm(J, 2), rel=1e-6)


@pytest.mark.parametrize("nonlinearity", ["tanh", "sigmoid"])
def test_measured_norms_respect_the_pascanu_bound(nonlinearity, rng):
    cell, params = _rnn(rng, nonlinearity, H=8, radius=0.95 / gradflow.GAMMA[nonlinearity] * 0.9)
    sigma = gradflow.spectrum(params["W_h"]).sigma_max
    xs = rng.standard_normal((4, 40, 2))
    norms = gradflow.jacobian_product_norms(cell, params, xs)  # ||d h_T / d h_t||, t = 0..T-1
    bound = gradflow.pascanu_bound(sigma, nonlinearity, 41)[:-1]  # eta^(T - t) for t = 0..T-1
    assert np.all(norms <= bound * (1 + 1e-9))
    assert gradflow.threshold(nonlinearity) == {"tanh": 1.0, "sigmoid": 4.0}[nonlinearity]


def test_overflow_is_returned_not_raised(rng):
    cell, params = _rnn(rng, "identity", H=6, radius=30.0)
    xs = rng.standard_normal((2, 300, 2))
    with np.errstate(all="raise"):
        norms = gradflow.grad_norms_through_time(cell, params, xs, np.ones((2, 6)))
    assert not np.all(np.isfinite(norms))


def test_spectrum(rng):
    W = np.diag([3.0, 0.5]) @ gradflow_rotation(0.3)
    s = gradflow.spectrum(W)
    np.testing.assert_allclose(s.singular_values, [3.0, 0.5])
    assert s.sigma_max == pytest.approx(3.0)
    with pytest.raises(ValueError, match="square"):
        gradflow.spectrum(np.zeros((2, 6)))


def gradflow_rotation(a):
    return np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])


def test_scalar_demo_article_seed_gives_zero_and_correct_seed_does_not(rng):
    zero = gradflow.scalar_sigmoid_chain(0.1, 100, rng=np.random.default_rng(0), seed_grad=0.0)
    assert np.all(zero.grads == 0.0)
    fixed = gradflow.scalar_sigmoid_chain(3.0, 4, rng=np.random.default_rng(0))
    # finite differences through the same chain with the same inputs
    x = np.random.default_rng(0).standard_normal(4)

    def run(h0):
        h = h0
        for t in range(4):
            h = 1 / (1 + np.exp(-(3.0 * h + x[t])))
        return h
    assert fixed.grads[0] == pytest.approx((run(1e-6) - run(-1e-6)) / 2e-6, rel=1e-6)
    big = gradflow.scalar_sigmoid_chain(10.0, 100, rng=np.random.default_rng(1))
    assert big.grads[0] < 1e-20  # a large weight saturates the sigmoid: it vanishes too


def test_norms_stay_finite_beyond_the_square_overflow():
    a = np.array([[3e200, 4e200], [0.0, 0.0], [np.inf, 1.0], [1e-200, 0.0]])
    n = gradflow.vector_norms(a, axis=1)
    assert n[0] == pytest.approx(5e200, rel=1e-12)
    assert n[1] == 0.0 and n[2] == np.inf
    assert n[3] == pytest.approx(1e-200, rel=1e-12, abs=0)
    assert np.isnan(gradflow.vector_norms(np.array([np.nan, 1.0])))
    with np.errstate(over="ignore"):
        assert np.linalg.norm(a[0]) == np.inf  # what the plain norm does here
