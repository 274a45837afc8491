"""A whole sequence model: [embedding ->] recurrent cell -> linear readout -> loss.

    many-to-one ("last"): pred = h_T W_y + b_y                 (B, O)
    many-to-many ("all"): pred_t = h_t W_y + b_y for every t   (B, T, O)

Parameters are one flat dict: the cell's ("W_x", "W_h", "b"[, "b_hn"]), the readout's ("W_y", "b_y"), and, for token
inputs, the embedding table "E" (V, D). ``loss_and_grads`` returns gradients with the same keys.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from .cells import get_cell
from .init import _xavier
from .layers import embed, embed_backward, linear, linear_backward
from .losses import LOSSES, get_loss
from .sequence import bptt, unroll


@dataclass(frozen=True)
class ModelSpec:
    """What a model is; hashable, so a page can pass it straight to a cached experiment."""

    cell: str = "lstm"              # "rnn", "lstm" or "gru"
    input_size: int = 1             # D: input features, or the embedding size for token inputs
    hidden_size: int = 32           # H
    output_size: int = 1            # O: outputs, or classes for "xent"
    loss: str = "mse"               # "mse", "bce" or "xent" (see rnncore.losses)
    output: str = "last"            # "last" (many-to-one) or "all" (many-to-many)
    nonlinearity: str = "tanh"      # the vanilla RNN's activation
    vocab_size: int | None = None   # set for token inputs: an embedding table of (vocab_size, input_size)

    def __post_init__(self):
        if self.loss not in LOSSES:
            raise ValueError(f"unknown loss {self.loss!r}; choose one of {', '.join(LOSSES)}")
        if self.output not in ("last", "all"):
            raise ValueError(f"output must be 'last' or 'all', got {self.output!r}")
        for name in ("input_size", "hidden_size", "output_size"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if self.vocab_size is not None and int(self.vocab_size) < 1:
            raise ValueError(f"vocab_size must be >= 1 or None, got {self.vocab_size}")
        get_cell(self.cell, **self.cell_options)  # fails early on an unknown cell or nonlinearity

    @property
    def cell_options(self) -> dict:
        return {"nonlinearity": self.nonlinearity} if self.cell == "rnn" else {}

    def get_cell(self):
        return get_cell(self.cell, **self.cell_options)


class ModelCache(NamedTuple):
    inputs: np.ndarray       # (B, T, D) float inputs, or (B, T) token ids
    xs: np.ndarray           # (B, T, D) what the cell saw
    hs: np.ndarray           # (B, T, H)
    cell_cache: object       # from unroll


def _cell_params(params: dict, cell) -> dict:
    return {k: params[k] for k in cell.param_names}


def init_model(spec: ModelSpec, *, rng: np.random.Generator, scheme: str = "xavier", dtype=np.float64,
               spectral_radius: float | None = None, forget_bias: float = 0.0) -> dict:
    """Parameters for ``spec``: the cell's (by ``scheme``), a Xavier readout, and N(0, 1/D) embeddings."""
    cell = spec.get_cell()
    opts = {"forget_bias": forget_bias} if spec.cell == "lstm" else {}
    params = cell.init_params(rng, spec.input_size, spec.hidden_size, scheme=scheme, dtype=dtype,
                              spectral_radius=spectral_radius, **opts)
    params["W_y"] = _xavier(rng, spec.hidden_size, spec.output_size, np.dtype(dtype))
    params["b_y"] = np.zeros(spec.output_size, dtype=dtype)
    if spec.vocab_size is not None:
        params["E"] = (rng.standard_normal((spec.vocab_size, spec.input_size)) / np.sqrt(spec.input_size)).astype(dtype)
    return params


def forward(spec: ModelSpec, params: dict, inputs: np.ndarray, state0=None) -> tuple[np.ndarray, ModelCache]:
    """Predictions (logits for "bce"/"xent"): (B, O) for output "last", (B, T, O) for "all"."""
    cell = spec.get_cell()
    xs = embed(params["E"], inputs) if spec.vocab_size is not None else inputs
    hs, cache = unroll(cell, _cell_params(params, cell), xs, state0)
    top = hs[:, -1] if spec.output == "last" else hs
    return linear(top, params["W_y"], params["b_y"]), ModelCache(inputs, xs, hs, cache)


class LossGrads(NamedTuple):
    loss: float
    grads: dict        # the keys of params
    pred: np.ndarray   # the model's predictions (logits for "bce"/"xent")
    dstate0: object    # dL/d(initial state): the gradient that reaches the first time step


def loss_and_grads(spec: ModelSpec, params: dict, inputs: np.ndarray, ys: np.ndarray, *, mask=None,
                   truncate: int | None = None, state0=None) -> LossGrads:
    """The loss of a batch and its gradient with respect to every parameter (BPTT, full or truncated)."""
    pred, cache = forward(spec, params, inputs, state0)
    result = get_loss(spec.loss)(pred, ys, mask)
    cell = spec.get_cell()
    dtop, dW_y, db_y = linear_backward(result.dpred, cache.hs[:, -1] if spec.output == "last" else cache.hs,
                                       params["W_y"])
    if spec.output == "last":
        dhs = np.zeros(cache.hs.shape, dtype=cache.hs.dtype)
        dhs[:, -1] = dtop
    else:
        dhs = dtop
    dxs, dstate0, grads = bptt(cell, _cell_params(params, cell), dhs, cache.cell_cache, truncate=truncate)
    grads["W_y"], grads["b_y"] = dW_y, db_y
    if spec.vocab_size is not None:
        grads["E"] = embed_backward(dxs, inputs, spec.vocab_size)
    return LossGrads(result.loss, grads, pred, dstate0)
