"""The GRU cell (Cho et al. 2014), in PyTorch's form and layout.

    [a_r, a_z] = x_t W_x[:, :2H] + h_{t-1} W_h[:, :2H] + b[:2H]          gate order along G*H: r, z, n
    r, z = sigmoid(a_r), sigmoid(a_z)
    hn   = h_{t-1} W_hn + b_hn                                            (the recurrent part of n, with its own bias)
    n    = tanh(x_t W_xn + b_n + r * hn)
    h_t  = (1 - z) * n + z * h_{t-1}

Backward, with dh = dL/dh_t:
    dn = dh (1 - z),  dz = dh (h_{t-1} - n),  dh_{t-1} gets dh z directly
    da_n = dn (1 - n^2),  dr = da_n * hn,  d(hn) = da_n * r   (so db_hn = sum of da_n * r)

As in the LSTM, the r and z columns of the forward weights are pre-scaled by 1/2, so that one ``tanh`` gives both
sigmoids. The n block cannot join them: its pre-activation needs r first.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ..init import init_gate_params
from .base import Weights, check_params, sigmoid_via_tanh


class GRUStore(NamedTuple):
    h: np.ndarray      # (T+1, B, H); h[0] is the initial state
    gates: np.ndarray  # (T, B, 3H) activated [r, z, n]: the input projection, overwritten step by step
    hn: np.ndarray     # (T, B, H) h_{t-1} W_hn + b_hn
    hp: np.ndarray     # (B, 3H) scratch for h_{t-1} W_h, reused every step


@dataclass(frozen=True)
class GRUCell:
    """The GRU cell, with PyTorch's extra recurrent bias ``b_hn`` inside the reset product."""

    name: str = "gru"
    gates: int = 3
    param_names: tuple = ("W_x", "W_h", "b", "b_hn")
    state_size: int = 1
    separate_dhp: bool = True  # dL/d(h W_h) differs from dL/d(input projection) in the n block

    def init_params(self, rng: np.random.Generator, input_size: int, hidden_size: int, *, scheme: str = "xavier",
                    dtype=np.float64, spectral_radius: float | None = None) -> dict:
        """W_x (D, 3H), W_h (H, 3H), b (3H,), b_hn (H,); b_hn is zero except under the "uniform" scheme."""
        params = init_gate_params(rng, input_size, hidden_size, 3, scheme=scheme, dtype=dtype,
                                  spectral_radius=spectral_radius)
        H = params["W_h"].shape[0]
        if scheme == "uniform":
            k = 1.0 / np.sqrt(H)
            params["b_hn"] = rng.uniform(-k, k, size=H).astype(params["b"].dtype)
        else:
            params["b_hn"] = np.zeros(H, dtype=params["b"].dtype)
        return params

    def check(self, params: dict):
        return check_params(params, self.param_names, self.gates, self.name)

    def weights(self, params: dict) -> Weights:
        H = params["W_h"].shape[0]
        scale = np.ones(3 * H, dtype=params["W_h"].dtype)
        scale[:2 * H] = 0.5  # sigmoid(a) from tanh(a / 2)
        return Weights(params["W_x"] * scale, params["W_h"] * scale, params["b"] * scale,
                       params["W_x"], params["W_h"], params["b_hn"])

    def grads_from(self, dW_x, dW_h, db, dHP) -> dict:
        H = dW_h.shape[0]
        return {"W_x": dW_x, "W_h": dW_h, "b": db, "b_hn": dHP[..., 2 * H:].sum(axis=(0, 1))}

    def alloc(self, XP: np.ndarray, H: int) -> GRUStore:
        T, B, _ = XP.shape
        dtype = XP.dtype
        return GRUStore(np.empty((T + 1, B, H), dtype), XP, np.empty((T, B, H), dtype), np.empty((B, 3 * H), dtype))

    def step(self, t: int, xp: np.ndarray, W: Weights, store: GRUStore) -> None:
        H = store.h.shape[2]
        G, hp, h_prev = xp, store.hp, store.h[t]  # the gates overwrite the input projection (xp is store.gates[t])
        np.matmul(h_prev, W.W_h, out=hp)
        rz = G[:, :2 * H]
        rz += hp[:, :2 * H]
        np.tanh(rz, out=rz)
        sigmoid_via_tanh(rz)
        r, z, n = G[:, :H], G[:, H:2 * H], G[:, 2 * H:]
        np.add(hp[:, 2 * H:], W.b_hn, out=store.hn[t])
        rhn = hp[:, :H]  # scratch: the r block of hp is spent
        np.multiply(r, store.hn[t], out=rhn)
        n += rhn
        np.tanh(n, out=n)
        h = store.h[t + 1]  # h = n + z (h_prev - n)
        np.subtract(h_prev, n, out=h)
        h *= z
        h += n

    def step_back(self, t: int, dh: np.ndarray, dextra, W: Weights, store: GRUStore, out=None):
        H = store.h.shape[2]
        G = store.gates[t]
        r, z, n = G[:, :H], G[:, H:2 * H], G[:, 2 * H:]
        shape = dh.shape[:-1] + (3 * H,)
        dxp, dhp = out if out is not None else (np.empty(shape, dh.dtype), np.empty(shape, dh.dtype))
        tmp = np.empty(dh.shape, dh.dtype)
        dan = dxp[..., 2 * H:]
        np.subtract(1.0, z, out=dan)
        dan *= dh                                            # dn = dh (1 - z)
        np.multiply(n, n, out=tmp)
        np.subtract(1.0, tmp, out=tmp)
        dan *= tmp                                           # through tanh: da_n
        dz = dxp[..., H:2 * H]
        np.subtract(store.h[t], n, out=dz)
        dz *= dh                                             # dz = dh (h_{t-1} - n)
        np.subtract(1.0, z, out=tmp)
        tmp *= z
        dz *= tmp                                            # da_z
        dr = dxp[..., :H]
        np.multiply(dan, store.hn[t], out=dr)
        np.subtract(1.0, r, out=tmp)
        tmp *= r
        dr *= tmp                                            # da_r
        dhp[..., :2 * H] = dxp[..., :2 * H]
        np.multiply(dan, r, out=dhp[..., 2 * H:])            # d(h W_hn) = da_n * r
        dh_prev = dhp @ W.W_h_back.T
        np.multiply(dh, z, out=tmp)
        dh_prev += tmp                                       # the direct path z * h_{t-1}
        return dxp, dhp, dh_prev, None
