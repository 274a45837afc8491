"""Properties of unroll/bptt that the contract promises."""
import numpy as np
import pytest
from engine_helpers import CELL_CASES, CELL_IDS, analytic, make_case
from hypothesis import given, settings
from hypothesis import strategies as st

from rnncore import bptt, get_cell, unroll
from rnncore.gradcheck import state_parts

pytestmark = pytest.mark.usefixtures("strict_numpy")


@pytest.mark.parametrize("name,opts", CELL_CASES, ids=CELL_IDS)
def test_T_steps_equal_T1_then_T2_with_the_state_carried(name, opts, rng):
    cell, params, xs, s0, _, _ = make_case(name, opts, rng, B=3, T=9, D=2, H=5)
    hs, cache = unroll(cell, params, xs, s0)
    hs1, c1 = unroll(cell, params, xs[:, :4], s0)
    hs2, c2 = unroll(cell, params, xs[:, 4:], c1.final_state)
    np.testing.assert_allclose(np.concatenate([hs1, hs2], axis=1), hs, rtol=1e-13, atol=1e-15)
    for a, b in zip(state_parts(c2.final_state), state_parts(cache.final_state)):
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("name,opts", CELL_CASES, ids=CELL_IDS)
def test_backward_of_a_split_sequence_chains_through_the_carried_state(name, opts, rng):
    """BPTT over T1 + T2 steps, chained through dstate, equals BPTT over all T steps."""
    cell, params, xs, s0, u, us = make_case(name, opts, rng, B=2, T=8, D=3, H=4)
    dxs, d0, grads = analytic(cell, params, xs, s0, u, us)
    _, c1 = unroll(cell, params, xs[:, :3], s0)
    _, c2 = unroll(cell, params, xs[:, 3:], c1.final_state)
    dxs2, dmid, g2 = bptt(cell, params, u[:, 3:], c2, dstate=us)
    dxs1, d01, g1 = bptt(cell, params, u[:, :3], c1, dstate=dmid)
    np.testing.assert_allclose(np.concatenate([dxs1, dxs2], axis=1), dxs, rtol=1e-12, atol=1e-14)
    for k in grads:
        np.testing.assert_allclose(g1[k] + g2[k], grads[k], rtol=1e-12, atol=1e-14)
    for a, b in zip(state_parts(d01), state_parts(d0)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name,opts", CELL_CASES, ids=CELL_IDS)
@pytest.mark.parametrize("extra", [0, 1, 50])
def test_truncate_at_least_T_equals_full_bptt(name, opts, extra, rng):
    cell, params, xs, s0, u, us = make_case(name, opts, rng, B=2, T=6, D=3, H=4)
    full = analytic(cell, params, xs, s0, u, us)
    trunc = analytic(cell, params, xs, s0, u, us, truncate=6 + extra)
    np.testing.assert_array_equal(full[0], trunc[0])
    for a, b in zip(state_parts(full[1]), state_parts(trunc[1])):
        np.testing.assert_array_equal(a, b)
    for k in full[2]:
        np.testing.assert_array_equal(full[2][k], trunc[2][k])


def test_truncate_T_minus_1_differs_only_by_the_longest_path(rng):
    """With k = T - 1 only the gradient of the last output into the first step is cut: a small, nonzero change."""
    cell, params, xs, s0, u, us = make_case("rnn", {"nonlinearity": "tanh"}, rng, B=2, T=6, D=3, H=4)
    full = analytic(cell, params, xs, s0, u, us)[2]["W_h"]
    cut = analytic(cell, params, xs, s0, u, us, truncate=5)[2]["W_h"]
    rel = np.linalg.norm(full - cut) / np.linalg.norm(full)
    assert 0 < rel < 0.5


@pytest.mark.parametrize("name,opts", CELL_CASES, ids=CELL_IDS)
def test_inputs_are_never_mutated(name, opts, rng):
    cell, params, xs, s0, u, us = make_case(name, opts, rng)
    before = [a.copy() for a in [*params.values(), xs, *state_parts(s0), u, *state_parts(us)]]
    for truncate in (None, 2):
        hs, cache = unroll(cell, params, xs, s0)
        bptt(cell, params, u, cache, dstate=us, truncate=truncate)
    after = [*params.values(), xs, *state_parts(s0), u, *state_parts(us)]
    for a, b in zip(before, after):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name,opts", CELL_CASES, ids=CELL_IDS)
def test_same_seed_same_bits(name, opts):
    def run():
        r = np.random.default_rng(7)
        cell, params, xs, s0, u, us = make_case(name, opts, r, scheme="xavier")
        hs, cache = unroll(cell, params, xs, s0)
        return hs.copy(), bptt(cell, params, u, cache, dstate=us)
    (h1, (d1, s1, g1)), (h2, (d2, s2, g2)) = run(), run()
    assert h1.tobytes() == h2.tobytes() and d1.tobytes() == d2.tobytes()
    assert all(a.tobytes() == b.tobytes() for a, b in zip(state_parts(s1), state_parts(s2)))
    assert all(g1[k].tobytes() == g2[k].tobytes() for k in g1)


def test_no_hidden_state_between_calls(rng):
    """Calling bptt on an older cache after a newer unroll gives the same answer: nothing is kept in the cell."""
    cell, params, xs, s0, u, us = make_case("lstm", {}, rng)
    _, cache_a = unroll(cell, params, xs, s0)
    first = bptt(cell, params, u, cache_a, dstate=us)[2]
    unroll(cell, params, rng.standard_normal(xs.shape), None)
    again = bptt(cell, params, u, cache_a, dstate=us)[2]
    assert all(np.array_equal(first[k], again[k]) for k in first)


def test_hs_is_read_only(rng):
    cell, params, xs, s0, u, us = make_case("rnn", {"nonlinearity": "tanh"}, rng)
    hs, _ = unroll(cell, params, xs, s0)
    with pytest.raises(ValueError):
        hs[0, 0, 0] = 1.0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", ["rnn", "lstm", "gru"])
def test_dtype_is_kept(name, dtype, rng):
    cell = get_cell(name)
    params = cell.init_params(rng, 3, 4, scheme="xavier", dtype=dtype)
    xs = rng.standard_normal((2, 5, 3)).astype(dtype)
    hs, cache = unroll(cell, params, xs)
    dxs, d0, grads = bptt(cell, params, np.ones_like(hs), cache)
    assert hs.dtype == dxs.dtype == dtype
    assert all(g.dtype == dtype for g in grads.values())


def test_float32_agrees_with_float64(rng):
    cell = get_cell("lstm")
    p64 = cell.init_params(rng, 3, 8, scheme="xavier", dtype=np.float64)
    p32 = {k: v.astype(np.float32) for k, v in p64.items()}
    xs = rng.standard_normal((4, 30, 3))
    h64, _ = unroll(cell, p64, xs)
    h32, _ = unroll(cell, p32, xs.astype(np.float32))
    np.testing.assert_allclose(h32, h64, atol=1e-5)


@given(B=st.integers(1, 3), T=st.integers(1, 8), D=st.integers(1, 3), H=st.integers(1, 4),
       k=st.integers(1, 10), which=st.sampled_from(["rnn", "lstm", "gru"]), seed=st.integers(0, 2**31))
@settings(max_examples=40, deadline=None)
def test_truncated_gradient_is_linear_in_the_upstream_gradient(B, T, D, H, k, which, seed):
    """bptt is a vector-Jacobian product: doubling dhs and dstate doubles every gradient (any shape, any k)."""
    r = np.random.default_rng(seed)
    cell, params, xs, s0, u, us = make_case(which, {}, r, B, T, D, H)
    g1 = analytic(cell, params, xs, s0, u, us, truncate=k)[2]
    us2 = tuple(2 * a for a in us) if isinstance(us, tuple) else 2 * us
    g2 = analytic(cell, params, xs, s0, 2 * u, us2, truncate=k)[2]
    for key in g1:
        np.testing.assert_allclose(g2[key], 2 * g1[key], rtol=1e-12, atol=1e-14)


class TestErrors:
    def test_wrong_input_width_names_the_expected_shape(self, rng):
        cell = get_cell("gru")
        params = cell.init_params(rng, 3, 4, scheme="xavier", dtype=np.float64)
        with pytest.raises(ValueError, match=r"\(B, T, D\) with D=3"):
            unroll(cell, params, rng.standard_normal((2, 5, 4)))

    def test_2d_inputs_are_refused(self, rng):
        cell = get_cell("rnn")
        params = cell.init_params(rng, 3, 4, scheme="xavier", dtype=np.float64)
        with pytest.raises(ValueError, match="shape"):
            unroll(cell, params, rng.standard_normal((5, 3)))

    def test_dtype_mismatch_says_how_to_cast(self, rng):
        cell = get_cell("lstm")
        params = cell.init_params(rng, 3, 4, scheme="xavier", dtype=np.float64)
        with pytest.raises(ValueError, match="astype"):
            unroll(cell, params, rng.standard_normal((2, 5, 3)).astype(np.float32))

    def test_bad_state_shape(self, rng):
        cell = get_cell("lstm")
        params = cell.init_params(rng, 3, 4, scheme="xavier", dtype=np.float64)
        with pytest.raises(ValueError, match=r"\(B, H\) = \(2, 4\)"):
            unroll(cell, params, rng.standard_normal((2, 5, 3)), (np.zeros((2, 4)), np.zeros((2, 5))))

    def test_missing_param_and_wrong_shape(self, rng):
        cell = get_cell("gru")
        params = cell.init_params(rng, 3, 4, scheme="xavier", dtype=np.float64)
        xs = rng.standard_normal((2, 5, 3))
        with pytest.raises(ValueError, match="b_hn"):
            unroll(cell, {k: v for k, v in params.items() if k != "b_hn"}, xs)
        bad = dict(params, b=np.zeros(5))
        with pytest.raises(ValueError, match=r"'b' must have shape \(12,\)"):
            unroll(cell, bad, xs)

    def test_bad_dhs_and_truncate(self, rng):
        cell = get_cell("rnn")
        params = cell.init_params(rng, 3, 4, scheme="xavier", dtype=np.float64)
        hs, cache = unroll(cell, params, rng.standard_normal((2, 5, 3)))
        with pytest.raises(ValueError, match=r"\(B, T, H\) = \(2, 5, 4\)"):
            bptt(cell, params, np.zeros((2, 4, 4)), cache)
        with pytest.raises(ValueError, match="truncate"):
            bptt(cell, params, np.zeros((2, 5, 4)), cache, truncate=0)

    def test_unknown_cell_and_nonlinearity(self):
        with pytest.raises(ValueError, match="rnn, lstm, gru"):
            get_cell("transformer")
        with pytest.raises(ValueError, match="tanh, relu, sigmoid, identity"):
            get_cell("rnn", nonlinearity="softsign")
