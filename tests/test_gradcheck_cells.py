"""Finite-difference gradient checks of unroll/bptt, in float64, every parameter, dxs and dstate0 separately."""
import numpy as np
import pytest
from engine_helpers import CELL_CASES, CELL_IDS, analytic, make_case

from rnncore import gradcheck
from rnncore.gradcheck import frozen_states, state_parts, truncated_objective
from rnncore.gradcheck import unroll_objective as objective

pytestmark = pytest.mark.usefixtures("strict_numpy")


def _arrays_and_grads(cell, params, xs, s0, dxs, d0, grads):
    arrays, an = dict(params), dict(grads)
    arrays["xs"], an["xs"] = xs, dxs
    for name, a, g in zip(("h0", "c0"), state_parts(s0), state_parts(d0)):
        arrays[name], an[name] = a, g
    return arrays, an


def _assert_all_pass(rows, expected_names):
    assert {r.name for r in rows} == set(expected_names)
    bad = [(r.name, r.rel_error) for r in rows if not r.passed]
    assert not bad, f"gradient check failed: {bad}"


@pytest.mark.parametrize("name,opts", CELL_CASES, ids=CELL_IDS)
@pytest.mark.parametrize("shape", [(2, 5, 3, 4), (1, 1, 2, 3), (3, 7, 1, 2)], ids=["B2T5", "B1T1", "B3T7"])
def test_full_bptt_matches_finite_differences(name, opts, shape, rng):
    B, T, D, H = shape
    cell, params, xs, s0, u, us = make_case(name, opts, rng, B, T, D, H)
    dxs, d0, grads = analytic(cell, params, xs, s0, u, us)
    assert set(grads) == set(params)
    arrays, an = _arrays_and_grads(cell, params, xs, s0, dxs, d0, grads)
    rows = gradcheck.check(lambda: objective(cell, params, xs, s0, u, us), arrays, an)
    _assert_all_pass(rows, list(params) + ["xs", "h0"] + (["c0"] if cell.state_size == 2 else []))


@pytest.mark.parametrize("name,opts", CELL_CASES, ids=CELL_IDS)
@pytest.mark.parametrize("k", [1, 2, 4])
def test_truncated_bptt_is_the_gradient_of_the_windowed_objective(name, opts, k, rng):
    cell, params, xs, s0, u, us = make_case(name, opts, rng, B=2, T=6, D=2, H=3)
    frozen = frozen_states(cell, params, xs, s0)
    dxs, d0, grads = analytic(cell, params, xs, s0, u, us, truncate=k)
    arrays, an = _arrays_and_grads(cell, params, xs, s0, dxs, d0, grads)
    rows = gradcheck.check(lambda: truncated_objective(cell, params, xs, s0, u, us, k, frozen), arrays, an)
    _assert_all_pass(rows, list(arrays))


@pytest.mark.parametrize("name,opts", CELL_CASES, ids=CELL_IDS)
def test_truncation_really_drops_long_paths(name, opts, rng):
    """A check that could fail: truncate=1 must differ from full BPTT (else truncation is a no-op)."""
    cell, params, xs, s0, u, us = make_case(name, opts, rng, B=2, T=6, D=2, H=3)
    _, _, full = analytic(cell, params, xs, s0, u, us)
    _, _, short = analytic(cell, params, xs, s0, u, us, truncate=1)
    assert not np.allclose(full["W_h"], short["W_h"])


def test_gradcheck_catches_a_wrong_gradient(rng):
    cell, params, xs, s0, u, us = make_case("gru", {}, rng)
    dxs, d0, grads = analytic(cell, params, xs, s0, u, us)
    grads["b_hn"] = grads["b_hn"] * 1.001  # a 0.1% error must be caught
    rows = gradcheck.check(lambda: objective(cell, params, xs, s0, u, us), {"b_hn": params["b_hn"]}, grads)
    assert not rows[0].passed and rows[0].rel_error > 1e-4
