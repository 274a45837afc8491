"""The vanilla (Elman) RNN cell.

    h_t = f(x_t W_x + h_{t-1} W_h + b),   f in {tanh, relu, sigmoid, identity}

Backward: with a = the pre-activation, dL/da = dL/dh_t * f'(a), and f' is read off the output h_t itself
(tanh: 1 - h^2, sigmoid: h (1 - h), relu: [h > 0], identity: 1), so the forward keeps nothing but h.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ..init import init_gate_params
from ..layers import sigmoid
from .base import ACTIVATIONS, Weights, check_params


class RNNStore(NamedTuple):
    h: np.ndarray  # (T+1, B, H); h[0] is the initial state


def _activate(name: str, a: np.ndarray) -> None:
    if name == "tanh":
        np.tanh(a, out=a)
    elif name == "relu":
        np.maximum(a, 0.0, out=a)
    elif name == "sigmoid":
        sigmoid(a, out=a)
    # identity: nothing to do


def _derivative_from_output(name: str, h: np.ndarray) -> np.ndarray | float:
    if name == "tanh":
        return 1.0 - h * h
    if name == "relu":
        return (h > 0).astype(h.dtype)
    if name == "sigmoid":
        return h * (1.0 - h)
    return 1.0


@dataclass(frozen=True)
class RNNCell:
    """An Elman RNN cell with a chosen nonlinearity ("tanh", "relu", "sigmoid" or "identity")."""

    nonlinearity: str = "tanh"
    name: str = "rnn"
    gates: int = 1
    param_names: tuple = ("W_x", "W_h", "b")
    state_size: int = 1  # the state is h alone
    separate_dhp: bool = False

    def __post_init__(self):
        if self.nonlinearity not in ACTIVATIONS:
            raise ValueError(f"unknown RNN nonlinearity {self.nonlinearity!r}; choose one of {', '.join(ACTIVATIONS)}")

    def init_params(self, rng: np.random.Generator, input_size: int, hidden_size: int, *, scheme: str = "xavier",
                    dtype=np.float64, spectral_radius: float | None = None) -> dict:
        """W_x (D, H), W_h (H, H), b (H,); see ``rnncore.init`` for the schemes."""
        return init_gate_params(rng, input_size, hidden_size, 1, scheme=scheme, dtype=dtype,
                                spectral_radius=spectral_radius)

    def check(self, params: dict):
        return check_params(params, self.param_names, self.gates, self.name)

    def weights(self, params: dict) -> Weights:
        return Weights(params["W_x"], params["W_h"], params["b"], params["W_x"], params["W_h"], None)

    def grads_from(self, dW_x, dW_h, db, dHP) -> dict:
        return {"W_x": dW_x, "W_h": dW_h, "b": db}

    def alloc(self, XP: np.ndarray, H: int) -> RNNStore:
        T, B, _ = XP.shape
        return RNNStore(np.empty((T + 1, B, H), dtype=XP.dtype))

    def step(self, t: int, xp: np.ndarray, W: Weights, store: RNNStore) -> None:
        a = store.h[t + 1]
        np.matmul(store.h[t], W.W_h, out=a)
        a += xp
        _activate(self.nonlinearity, a)

    def step_back(self, t: int, dh: np.ndarray, dextra, W: Weights, store: RNNStore, out=None):
        deriv = _derivative_from_output(self.nonlinearity, store.h[t + 1])
        if out is not None and out[0].shape == dh.shape:
            da = np.multiply(dh, deriv, out=out[0])  # through f
        else:
            da = dh * deriv
        return da, da, da @ W.W_h_back.T, None  # through W_h to h_{t-1}
