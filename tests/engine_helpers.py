"""Helpers shared by the engine tests: random cells and states, and the check of a vector-valued map through a
random upstream gradient. The scalar objectives that gradcheck differentiates are rnncore.gradcheck's oracles."""
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
