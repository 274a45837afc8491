"""Helpers shared by the engine tests: random cells, states, the scalar objectives that gradcheck differentiates,
and the check of a vector-valued map through a random upstream gradient."""
from __future__ import annotations

import numpy as np

from rnncore import bptt, get_cell, unroll
from rnncore.gradcheck import check

CELL_CASES = [("rnn", {"nonlinearity": a}) for a in ("tanh", "relu", "sigmoid", "identity")] + \
             [("lstm", {}), ("gru", {})]
CELL_IDS = ["rnn-tanh", "rnn-relu", "rnn-sigmoid", "rnn-identity", "lstm", "gru"]


def random_state(cell, rng, B, H, dtype=np.float64):
    if cell.state_size == 2:
        return (rng.standard_normal((B, H)).astype(dtype), rng.standard_normal((B, H)).astype(dtype))
    return rng.standard_normal((B, H)).astype(dtype)


def state_parts(state) -> tuple:
    return state if isinstance(state, tuple) else (state,)


def make_case(name, opts, rng, B=2, T=5, D=3, H=4, scheme="uniform"):
    """A cell, params, inputs, an initial state, and random upstream gradients for hs and the final state."""
    cell = get_cell(name, **opts)
    params = cell.init_params(rng, D, H, scheme=scheme, dtype=np.float64)
    if name == "rnn" and opts.get("nonlinearity") == "relu":
        # keep pre-activations away from the kink at 0, where finite differences are meaningless
        params["b"] += 0.5
    xs = rng.standard_normal((B, T, D))
    s0 = random_state(cell, rng, B, H)
    u = rng.standard_normal((B, T, H))
    us = random_state(cell, rng, B, H)
    return cell, params, xs, s0, u, us


def objective(cell, params, xs, s0, u, us) -> float:
    """sum(u * hs) + <us, final state>: a random vector-Jacobian product, as a scalar."""
    hs, cache = unroll(cell, params, xs, s0)
    return float(np.sum(hs * u) + sum(np.sum(a * b) for a, b in zip(state_parts(cache.final_state),
                                                                     state_parts(us))))


def frozen_states(cell, params, xs, s0) -> tuple:
    """The states of an unperturbed forward run: (h, [c]) each (T+1, B, H), index j = the state after j steps."""
    _, cache = unroll(cell, params, xs, s0)
    return tuple(cache.store[i].copy() for i in range(cell.state_size))


def truncated_objective(cell, params, xs, s0, u, us, k, frozen) -> float:
    """The surrogate whose exact gradient truncated BPTT computes.

    The output at t is recomputed from the state entering its window of k steps: h_{t-k}, held constant (from
    ``frozen``, an unperturbed run), or the live initial state when the window reaches the start.
    """
    B, T, _ = xs.shape
    total = 0.0
    for t in range(T):
        start = max(t - k + 1, 0)
        if start == 0:
            st = s0
        else:
            parts = tuple(frozen[i][start].copy() for i in range(cell.state_size))
            st = parts if cell.state_size == 2 else parts[0]
        hs, cache = unroll(cell, params, xs[:, start:t + 1], st)
        total += float(np.sum(hs[:, -1] * u[:, t]))
        if t == T - 1:
            total += sum(float(np.sum(a * b)) for a, b in zip(state_parts(cache.final_state), state_parts(us)))
    return total


def analytic(cell, params, xs, s0, u, us, truncate=None):
    hs, cache = unroll(cell, params, xs, s0)
    return bptt(cell, params, u, cache, dstate=us, truncate=truncate)


PARITY_TOL = 1e-9  # float64 against torch: the same maths in a different order


def vjp_rows(run, arrays, *, rng):
    """Gradient-check a vector-valued map through a random upstream gradient.

    ``run()`` reads ``arrays`` (it closes over them) and returns (output, backward), where backward(dout) gives
    name -> gradient for every name of ``arrays``.
    """
    out, backward = run()
    upstream = rng.standard_normal(out.shape)
    analytic = backward(upstream)
    return check(lambda: float(np.sum(upstream * run()[0])), arrays, analytic)
