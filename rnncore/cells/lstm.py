"""The LSTM cell (Hochreiter & Schmidhuber 1997, with the forget gate of Gers et al. 2000), PyTorch's layout.

    [a_i, a_f, a_g, a_o] = x_t W_x + h_{t-1} W_h + b          gate order along G*H follows PyTorch: i, f, g, o
    i, f, o = sigmoid(a_i, a_f, a_o);   g = tanh(a_g)
    c_t = f * c_{t-1} + i * g;          h_t = o * tanh(c_t)

The state is the pair (h, c). Backward, with dc the gradient arriving at c_t from the future:

    dc_t = dc + dh * o * (1 - tanh(c_t)^2)
    di = dc_t g,  df = dc_t c_{t-1},  dg = dc_t i,  do = dh tanh(c_t),  dc_{t-1} = dc_t f
    da_{i,f,o} = d{i,f,o} * s (1 - s),  da_g = dg (1 - g^2)

Speed: internally the gate columns are reordered to [i, f, o, g] and the sigmoid columns of the forward weights are
pre-scaled by 1/2, so a single ``tanh`` over all four gates gives tanh(a/2) for the sigmoid gates, and
sigmoid(a) = (1 + tanh(a/2)) / 2. Gradients are mapped back to the public [i, f, g, o] layout.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ..init import init_gate_params
from .base import Weights, check_params, sigmoid_via_tanh


class LSTMStore(NamedTuple):
    h: np.ndarray      # (T+1, B, H); h[0] is the initial h
    c: np.ndarray      # (T+1, B, H); c[0] is the initial c
    gates: np.ndarray  # (T, B, 4H) activated gates, internal order [i, f, o, g]: the input projection, overwritten
    tc: np.ndarray     # (T, B, H) tanh(c_t)
    hp: np.ndarray     # (B, 4H) scratch for h_{t-1} W_h, reused every step


def _perm(H: int) -> np.ndarray:
    """Column indices that take the public [i, f, g, o] layout to the internal [i, f, o, g]."""
    return np.r_[0:2 * H, 3 * H:4 * H, 2 * H:3 * H]


@dataclass(frozen=True)
class LSTMCell:
    """The LSTM cell; its state is the pair (h, c)."""

    name: str = "lstm"
    gates: int = 4
    param_names: tuple = ("W_x", "W_h", "b")
    state_size: int = 2  # (h, c)
    separate_dhp: bool = False

    def init_params(self, rng: np.random.Generator, input_size: int, hidden_size: int, *, scheme: str = "xavier",
                    dtype=np.float64, spectral_radius: float | None = None, forget_bias: float = 0.0) -> dict:
        """W_x (D, 4H), W_h (H, 4H), b (4H,); ``forget_bias`` fills the f block of b (1.0 is a common choice,
        Jozefowicz et al. 2015: the cell starts out remembering)."""
        params = init_gate_params(rng, input_size, hidden_size, 4, scheme=scheme, dtype=dtype,
                                  spectral_radius=spectral_radius)
        H = params["W_h"].shape[0]
        params["b"][H:2 * H] += forget_bias
        return params

    def check(self, params: dict):
        return check_params(params, self.param_names, self.gates, self.name)

    def weights(self, params: dict) -> Weights:
        H = params["W_h"].shape[0]
        p = _perm(H)
        scale = np.ones(4 * H, dtype=params["W_h"].dtype)
        scale[:3 * H] = 0.5  # sigmoid(a) from tanh(a / 2)
        W_x, W_h = params["W_x"][:, p], params["W_h"][:, p]
        return Weights(W_x * scale, W_h * scale, params["b"][p] * scale, W_x, W_h, None)

    def grads_from(self, dW_x, dW_h, db, dHP) -> dict:
        back = np.argsort(_perm(dW_h.shape[0]))
        return {"W_x": dW_x[:, back], "W_h": dW_h[:, back], "b": db[back]}

    def alloc(self, XP: np.ndarray, H: int) -> LSTMStore:
        T, B, _ = XP.shape
        dtype = XP.dtype
        return LSTMStore(np.empty((T + 1, B, H), dtype), np.empty((T + 1, B, H), dtype),
                         XP, np.empty((T, B, H), dtype), np.empty((B, 4 * H), dtype))

    def step(self, t: int, xp: np.ndarray, W: Weights, store: LSTMStore) -> None:
        H = store.h.shape[2]
        G = xp  # the gates are computed in place of the input projection (xp is store.gates[t])
        np.matmul(store.h[t], W.W_h, out=store.hp)
        G += store.hp
        np.tanh(G, out=G)
        sigmoid_via_tanh(G[:, :3 * H])
        i, f, o, g = G[:, :H], G[:, H:2 * H], G[:, 2 * H:3 * H], G[:, 3 * H:]
        c = store.c[t + 1]
        np.multiply(f, store.c[t], out=c)
        c += i * g
        np.tanh(c, out=store.tc[t])
        np.multiply(o, store.tc[t], out=store.h[t + 1])

    def step_back(self, t: int, dh: np.ndarray, dc: np.ndarray | None, W: Weights, store: LSTMStore, out=None):
        H = store.h.shape[2]
        G, tc = store.gates[t], store.tc[t]
        i, f, o, g = G[:, :H], G[:, H:2 * H], G[:, 2 * H:3 * H], G[:, 3 * H:]
        da = out[0] if out is not None else np.empty(dh.shape[:-1] + (4 * H,), dtype=dh.dtype)
        dct = np.multiply(tc, tc)
        np.subtract(1.0, dct, out=dct)
        dct *= o
        dct = dh * dct                                       # through h = o tanh(c) (dh may carry streams)
        if dc is not None:
            dct += dc
        np.multiply(dct, i, out=da[..., 3 * H:])            # dg
        np.multiply(dct, store.c[t], out=da[..., H:2 * H])   # df
        np.multiply(dct, g, out=da[..., :H])                 # di
        np.multiply(dh, tc, out=da[..., 2 * H:3 * H])        # do
        S = G[:, :3 * H]
        dS = np.subtract(1.0, S)
        dS *= S
        da[..., :3 * H] *= dS                                # through the sigmoids
        dg = np.multiply(g, g)
        np.subtract(1.0, dg, out=dg)
        da[..., 3 * H:] *= dg                                # through tanh(a_g)
        dct *= f                                             # dc_{t-1}
        return da, da, da @ W.W_h_back.T, dct
