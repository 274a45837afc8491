"""What a cell supplies to ``rnncore.sequence``: its step, forward and backward.

``unroll`` and ``bptt`` are written once for every cell (see sequence.py). A cell supplies:

- ``init_params(rng, input_size, hidden_size, *, scheme, dtype, ...) -> params``
- ``weights(params) -> Weights``: the matrices the loops use. A cell may reorder or rescale gate columns here (the
  LSTM and GRU do, so that one ``tanh`` serves every gate); ``grads_from(...)`` maps gradients back to the public
  layout, so callers only ever see the contract's layout.
- ``alloc(XP, H) -> store``: per-sequence buffers, with the hidden states in ``store.h`` of shape
  (T+1, B, H), ``store.h[0]`` the initial state. Cells with more state (the LSTM's c) keep it there too. ``XP``
  (T, B, G*H) is the input projection of every step; a gated cell keeps it as its gate buffer, so that the
  forward allocates (and first touches) one (T, B, G*H) array instead of two: 12% of a GRU training step at
  B64 T200 H256 in float64 (the step's peak memory, reached in the backward, is unchanged).
- ``step(t, xp, W, store)``: one forward step. ``xp`` (B, G*H) is ``XP[t]``, the input projection of step t. The
  step reads ``store.h[t]``, writes ``store.h[t+1]``, and may overwrite ``xp`` with its activated gates.
- ``step_back(t, dh, dextra, W, store, out=None) -> (dxp, dhp, dh_prev, dextra_prev)``: one backward step. ``dh`` is dL/dh_{t+1}
  and ``dextra`` the gradient of the rest of the state (the LSTM's dc; None for the others); both may carry a leading
  stream axis (K, B, H) for truncated BPTT. ``dxp`` is dL/d(input projection), ``dhp`` dL/d(h_t @ W_h) (the two differ
  only in the GRU, whose ``separate_dhp`` is True), and ``dh_prev`` already includes the path through W_h. Given
  ``out=(dxp_buffer, dhp_buffer)`` (full BPTT, no streams), the cell writes dxp and dhp there instead of allocating.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

ACTIVATIONS = ("tanh", "relu", "sigmoid", "identity")


class Weights(NamedTuple):
    """The matrices the loops use, in the cell's internal gate layout.

    W_x, W_h, b: used by the forward (possibly with sigmoid columns pre-scaled by 1/2).
    W_x_back, W_h_back: used by the backward (the internal layout, unscaled).
    b_hn: the GRU's recurrent bias inside the reset product, else None.
    """

    W_x: np.ndarray
    W_h: np.ndarray
    b: np.ndarray
    W_x_back: np.ndarray
    W_h_back: np.ndarray
    b_hn: np.ndarray | None


def check_params(params: dict, names: tuple[str, ...], gates: int, cell: str) -> tuple[int, int, np.dtype]:
    """Validate a parameter dict against the contract; return (D, H, dtype)."""
    if not isinstance(params, dict) or set(params) != set(names):
        got = sorted(params) if isinstance(params, dict) else type(params).__name__
        raise ValueError(f"{cell} params must have exactly the keys {list(names)}, got {got}")
    W_x, W_h = params["W_x"], params["W_h"]
    if W_x.ndim != 2 or W_h.ndim != 2 or W_h.shape[1] % gates or W_h.shape[1] // gates != W_h.shape[0]:
        raise ValueError(f"{cell} W_h must have shape (H, {gates}*H), got {W_h.shape}")
    H = W_h.shape[0]
    D = W_x.shape[0]
    expected = {"W_x": (D, gates * H), "W_h": (H, gates * H), "b": (gates * H,), "b_hn": (H,)}
    dtype = W_x.dtype
    if dtype not in (np.float64, np.float32):
        raise ValueError(f"{cell} params must be float64 or float32, got {dtype}")
    for k in names:
        if params[k].shape != expected[k]:
            raise ValueError(f"{cell} param {k!r} must have shape {expected[k]} (D={D}, H={H}), "
                             f"got {params[k].shape}")
        if params[k].dtype != dtype:
            raise ValueError(f"{cell} params mix dtypes: {k!r} is {params[k].dtype}, W_x is {dtype}; "
                             "cast them all with .astype(...)")
    return D, H, dtype


def sigmoid_via_tanh(u: np.ndarray) -> np.ndarray:
    """In place: u holds tanh(a/2); turn it into sigmoid(a) = (1 + tanh(a/2)) / 2."""
    u += 1.0
    u *= 0.5
    return u
