"""Optimizers (pure, and equal to torch.optim), clipping properties, and initialization schemes."""
import numpy as np
import scipy.linalg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnncore import clip, get_cell, init, optim

pytestmark = pytest.mark.usefixtures("strict_numpy")


def _params(rng):
    return {"a": rng.standard_normal((3, 4)), "b": rng.standard_normal(5)}


@pytest.mark.parametrize("name", optim.OPTIMIZERS)
def test_optimizers_are_pure(name, rng):
    params = _params(rng)
    grads = {k: rng.standard_normal(v.shape) for k, v in params.items()}
    opt = optim.get_optimizer(name, lr=0.1)
    state = opt.init(params)
    snapshot = {k: v.copy() for k, v in params.items()}
    new, state2 = opt.update(params, grads, state)
    assert all(np.array_equal(params[k], snapshot[k]) for k in params)
    assert all(not np.array_equal(new[k], params[k]) for k in params)
    again, _ = opt.update(params, grads, state)  # same inputs, same outputs: no hidden counters
    assert all(np.array_equal(new[k], again[k]) for k in params)


@pytest.mark.parametrize("name,torch_name,kw", [
    ("sgd", "SGD", {}), ("momentum", "SGD", {"momentum": 0.9}),
    ("rmsprop", "RMSprop", {"alpha": 0.99, "eps": 1e-8}), ("adam", "Adam", {"eps": 1e-8}),
])
def test_optimizers_match_torch(name, torch_name, kw, rng):
    torch = pytest.importorskip("torch")
    params = _params(rng)
    tparams = {k: torch.tensor(v.copy(), requires_grad=True) for k, v in params.items()}
    topt = getattr(torch.optim, torch_name)(list(tparams.values()), lr=0.05, **kw)
    opt = optim.get_optimizer(name, lr=0.05)
    state = opt.init(params)
    for _ in range(5):
        grads = {k: rng.standard_normal(v.shape) for k, v in params.items()}
        for k, p in tparams.items():
            p.grad = torch.tensor(grads[k])
        topt.step()
        params, state = opt.update(params, grads, state)
    for k in params:
        np.testing.assert_allclose(params[k], tparams[k].detach().numpy(), rtol=1e-12, atol=1e-14)


def test_bad_learning_rate():
    with pytest.raises(ValueError, match="learning rate"):
        optim.adam(lr=-1.0)
    with pytest.raises(ValueError, match="unknown optimizer"):
        optim.get_optimizer("lbfgs", lr=0.1)


@given(scale=st.floats(1e-3, 1e3), max_norm=st.floats(1e-2, 1e2), seed=st.integers(0, 2**31))
@settings(max_examples=60, deadline=None)
def test_clip_by_global_norm_bounds_the_norm_and_keeps_the_direction(scale, max_norm, seed):
    r = np.random.default_rng(seed)
    grads = {k: v * scale for k, v in _params(r).items()}
    clipped, before = clip.clip_by_global_norm(grads, max_norm)
    assert before == pytest.approx(clip.global_norm(grads))
    after = clip.global_norm(clipped)
    assert after <= max_norm * (1 + 1e-12)
    if before <= max_norm:
        assert all(np.array_equal(clipped[k], grads[k]) for k in grads)
    else:
        assert after == pytest.approx(max_norm, rel=1e-12)
    flat = np.concatenate([g.ravel() for g in grads.values()])
    flat_c = np.concatenate([clipped[k].ravel() for k in grads])
    cos = flat @ flat_c / (np.linalg.norm(flat) * np.linalg.norm(flat_c))
    assert cos == pytest.approx(1.0, abs=1e-12)


def test_clip_by_value_is_elementwise_and_separate(rng):
    grads = {"a": np.array([3.0, -0.5, -7.0]), "b": np.array([0.1])}
    clipped, frac = clip.clip_by_value(grads, 1.0)
    np.testing.assert_array_equal(clipped["a"], [1.0, -0.5, -1.0])
    assert frac == pytest.approx(0.5)
    by_norm, _ = clip.clip_by_global_norm(grads, 1.0)
    assert not np.allclose(by_norm["a"], clipped["a"])  # a different method, a different direction


def test_clip_leaves_non_finite_gradients_for_the_caller(rng):
    grads = {"a": np.array([np.inf, 1.0])}
    with np.errstate(invalid="ignore", over="ignore"):
        out, norm = clip.clip_by_global_norm(grads, 1.0)
    assert not np.isfinite(norm) and out["a"][1] == 1.0


@pytest.mark.parametrize("scheme", init.SCHEMES)
@pytest.mark.parametrize("name", ["rnn", "lstm", "gru"])
def test_every_scheme_gives_the_contract_shapes(scheme, name, rng):
    cell = get_cell(name)
    p = cell.init_params(rng, 3, 6, scheme=scheme, dtype=np.float32)
    G = cell.gates
    assert p["W_x"].shape == (3, G * 6) and p["W_h"].shape == (6, G * 6) and p["b"].shape == (G * 6,)
    assert all(v.dtype == np.float32 for v in p.values())


def test_schemes_have_their_defining_properties(rng):
    H = 16
    small = init.init_gate_params(rng, 4, H, 1, scheme="small")["W_h"]
    assert 0.005 < small.std() < 0.015
    orth = init.init_gate_params(rng, 4, H, 4, scheme="orthogonal")["W_h"]
    for g in range(4):
        block = orth[:, g * H:(g + 1) * H]
        np.testing.assert_allclose(block.T @ block, np.eye(H), atol=1e-12)
    ident = init.init_gate_params(rng, 4, H, 1, scheme="identity")
    np.testing.assert_array_equal(ident["W_h"], np.eye(H))
    assert np.abs(ident["W_x"]).max() < 0.01
    xav = init.init_gate_params(rng, 4, H, 1, scheme="xavier")["W_x"]
    assert np.abs(xav).max() <= np.sqrt(6 / (4 + H))


@pytest.mark.parametrize("radius", [0.5, 1.0, 1.5])
def test_spectral_radius_rescaling(radius, rng):
    # measured independently of rnncore: scipy's eigenvalues, and Gelfand's formula ||A^k||^(1/k) -> radius
    p = get_cell("gru").init_params(rng, 3, 10, scheme="xavier", spectral_radius=radius)
    for g in range(3):
        block = p["W_h"][:, g * 10:(g + 1) * 10]
        assert np.abs(scipy.linalg.eigvals(block)).max() == pytest.approx(radius, rel=1e-10)
        k = 400
        gelfand = np.linalg.norm(np.linalg.matrix_power(block / radius, k), 2) ** (1 / k) * radius
        assert gelfand == pytest.approx(radius, rel=0.05)


def test_spectral_radius_of_known_matrices():
    # triangular: the eigenvalues are the diagonal; a rotation scaled by s has radius s whatever its angle
    assert init.spectral_radius_of(np.array([[0.5, 9.0], [0.0, -1.5]])) == pytest.approx(1.5)
    c, s = np.cos(0.3), np.sin(0.3)
    assert init.spectral_radius_of(2.0 * np.array([[c, -s], [s, c]])) == pytest.approx(2.0)


def test_lstm_forget_bias(rng):
    p = get_cell("lstm").init_params(rng, 3, 5, scheme="xavier", forget_bias=1.0)
    np.testing.assert_array_equal(p["b"][5:10], 1.0)
    np.testing.assert_array_equal(np.delete(p["b"], np.s_[5:10]), 0.0)


def test_init_errors(rng):
    with pytest.raises(ValueError, match="unknown init scheme"):
        init.init_gate_params(rng, 3, 4, 1, scheme="he")
    with pytest.raises(ValueError, match="spectral_radius"):
        init.init_gate_params(rng, 3, 4, 1, spectral_radius=-1.0)
    with pytest.raises(ValueError, match="float64 or float32"):
        init.init_gate_params(rng, 3, 4, 1, dtype=np.int64)


def test_only_readout_freezes_everything_else(rng):
    params = {"W_h": rng.standard_normal((2, 2)), "W_y": rng.standard_normal((2, 1))}
    grads = {k: np.ones_like(v) for k, v in params.items()}
    opt = optim.only_readout(optim.sgd(0.5))
    new, _ = opt.update(params, grads, opt.init(params))
    np.testing.assert_array_equal(new["W_h"], params["W_h"])
    np.testing.assert_array_equal(new["W_y"], params["W_y"] - 0.5)


def test_watching_sees_every_kth_update(rng):
    params = {"a": np.zeros(3)}
    seen = []
    opt = optim.watching(optim.sgd(1.0), 2, lambda count, p: seen.append((count, p["a"][0])))
    state = opt.init(params)
    for _ in range(5):
        params, state = opt.update(params, {"a": np.ones(3)}, state)
    assert seen == [(2, -2.0), (4, -4.0)]
