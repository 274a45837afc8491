"""Training-ready models built from the attention engine, with one interface shared by the plain RNN.

    PlainRNN:          pred = h_T W_y + b_y                                   (rnncore.model, unchanged)
    AttnRNN:           c = sum_t a_t h_t,  a = softmax_t(score(h_t, q)),      pred = c W_y + b_y
    TransformerModel:  z = x W_in + b_in + PE,  y = LN_f(Block(z)),  c = pool_t(y_t),  pred = c W_y + b_y
                       pool "attention": c = sum_t a_t y_t with a learned query (default); "mean": c = mean_t y_t

Every model is a frozen dataclass (hashable, so a page can pass it to a cached experiment) with

    params = model.init_params(rng=rng)
    out = model.forward(params, xs)                                  # Prediction(pred, readout, self_attention)
    lg = model.loss_and_grads(params, xs, ys, truncate=None)         # rnncore.model.LossGrads

so ``rnncore.train`` trains any of them as it trains a ``ModelSpec``: same record, same divergence stop
(``history.dh0_norm`` is dL/dh_0 for the RNNs, dL/dz_0 at the transformer's first position). Parameter keys are flat: the attention RNN has the cell's keys, "attn.<key>" and "W_y", "b_y";
the transformer has "in.W", "in.b", "block.<key>" (see rnncore.transformer), "ln_f.gamma", "ln_f.beta",
"pool.q" (attention pooling only), "W_y", "b_y".

Why attention pooling by default in the transformer: a learned query can pick one position (the first element) or
split its weight over two (the adding problem's markers) in a single step, and its weights are a readout map to
draw. Mean pooling must first copy the wanted position into every other position through self-attention.
The final layer norm LN_f is there because the pre-LN block's output is an un-normalized residual sum.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from . import attention as at
from . import transformer as tf
from .init import _xavier
from .layers import linear, linear_backward
from .losses import get_loss
from .model import LossGrads, ModelSpec, init_model
from .model import forward as spec_forward
from .model import loss_and_grads as spec_loss_and_grads
from .sequence import bptt, unroll

POOLS = ("attention", "mean")


class Prediction(NamedTuple):
    """pred (B, O); readout (B, T) attention over time steps or None; self_attention (B, heads, T, T) or None."""

    pred: np.ndarray
    readout: np.ndarray | None
    self_attention: np.ndarray | None


def _prefixed(params: dict, prefix: str) -> dict:
    return {k[len(prefix):]: v for k, v in params.items() if k.startswith(prefix)}


@dataclass(frozen=True)
class PlainRNN:
    """The engine's many-to-one model (readout of the last hidden state), behind the shared interface."""

    spec: ModelSpec = ModelSpec(cell="rnn", input_size=1, hidden_size=16)  # output must be "last"

    def __post_init__(self):
        if self.spec.output != "last" or self.spec.vocab_size is not None:
            raise ValueError("PlainRNN: use a many-to-one ModelSpec (output='last', float inputs, vocab_size=None).")

    @property
    def loss(self) -> str:
        return self.spec.loss

    def init_params(self, *, rng: np.random.Generator, dtype=np.float64) -> dict:
        return init_model(self.spec, rng=rng, dtype=dtype)

    def forward(self, params: dict, xs: np.ndarray) -> Prediction:
        return Prediction(spec_forward(self.spec, params, xs)[0], None, None)

    def loss_and_grads(self, params: dict, xs: np.ndarray, ys: np.ndarray, *, truncate: int | None = None) -> LossGrads:
        return spec_loss_and_grads(self.spec, params, xs, ys, truncate=truncate)


@dataclass(frozen=True)
class AttnRNN:
    """A recurrent cell whose readout attends over all its hidden states (many-to-one)."""

    cell: str = "rnn"             # "rnn", "lstm" or "gru"
    input_size: int = 1           # D
    hidden_size: int = 16         # H
    output_size: int = 1          # O
    loss: str = "mse"             # "mse", "bce" or "xent"
    kind: str = "dot"             # attention score: "dot" (scaled dot product) or "additive" (Bahdanau)
    query: str = "learned"        # "learned" (a trained vector) or "last" (the last hidden state)
    nonlinearity: str = "tanh"    # the vanilla RNN's activation

    def __post_init__(self):
        if self.kind not in at.KINDS or self.query not in at.QUERIES:
            raise ValueError(f"AttnRNN: kind={self.kind!r}, query={self.query!r}; choose kind from {at.KINDS} and "
                             f"query from {at.QUERIES}.")
        self._spec()  # fails early on an unknown cell, loss or size

    def _spec(self) -> ModelSpec:
        return ModelSpec(cell=self.cell, input_size=self.input_size, hidden_size=self.hidden_size,
                         output_size=self.output_size, loss=self.loss, nonlinearity=self.nonlinearity)

    def init_params(self, *, rng: np.random.Generator, dtype=np.float64) -> dict:
        """The cell's params (Xavier), "attn.<key>" from ``init_attention``, and a Xavier readout W_y (H, O), b_y."""
        params = init_model(self._spec(), rng=rng, dtype=dtype)
        attn = at.init_attention(self.hidden_size, rng=rng, kind=self.kind, query=self.query, dtype=dtype)
        params.update({f"attn.{k}": v for k, v in attn.items()})
        return params

    def _run(self, params: dict, xs: np.ndarray):
        cell = self._spec().get_cell()
        hs, cell_cache = unroll(cell, {k: params[k] for k in cell.param_names}, xs)
        out, attn_cache = at.attention_forward(_prefixed(params, "attn."), hs, kind=self.kind, query=self.query)
        return linear(out.context, params["W_y"], params["b_y"]), out, cell, cell_cache, attn_cache

    def forward(self, params: dict, xs: np.ndarray) -> Prediction:
        """xs (B, T, D) -> Prediction(pred (B, O), readout weights (B, T), None)."""
        pred, out, *_ = self._run(params, xs)
        return Prediction(pred, out.weights, None)

    def loss_and_grads(self, params: dict, xs: np.ndarray, ys: np.ndarray, *, truncate: int | None = None) -> LossGrads:
        """The loss and the gradient of every parameter: readout -> attention (dL/dhs at every step) -> BPTT."""
        pred, out, cell, cell_cache, attn_cache = self._run(params, xs)
        result = get_loss(self.loss)(pred, ys)
        dcontext, dW_y, db_y = linear_backward(result.dpred, out.context, params["W_y"])
        g_attn = at.attention_backward(dcontext, attn_cache)
        # every hidden state receives gradient straight from the readout, not only h_T: that is the shortcut
        _, dstate0, grads = bptt(cell, {k: params[k] for k in cell.param_names}, g_attn.dhs, cell_cache,
                                 truncate=truncate)
        grads.update({f"attn.{k}": v for k, v in g_attn.grads.items()})
        grads["W_y"], grads["b_y"] = dW_y, db_y
        return LossGrads(result.loss, grads, pred, dstate0)


@dataclass(frozen=True)
class TransformerModel:
    """Input projection + sinusoidal positions + one encoder block + final layer norm + pooling + readout."""

    input_size: int = 1           # D_in
    d_model: int = 16             # D, the block's width
    num_heads: int = 2            # attention heads; must divide d_model
    d_ff: int = 32                # the MLP's hidden width
    output_size: int = 1          # O
    loss: str = "mse"             # "mse", "bce" or "xent"
    pool: str = "attention"       # "attention" (learned query over positions) or "mean" (over positions)
    norm: str = "pre"             # block layout, "pre" or "post" layer norm
    activation: str = "relu"      # the MLP's nonlinearity, "relu" or "gelu" (the engine's GELU is ~10x slower here)

    def __post_init__(self):
        if self.pool not in POOLS:
            raise ValueError(f"TransformerModel: pool={self.pool!r}; choose one of {POOLS}.")
        if self.d_model % self.num_heads:
            raise ValueError(f"TransformerModel: num_heads={self.num_heads} must divide d_model={self.d_model}.")
        # the same checks of the loss and the sizes as the recurrent models get
        ModelSpec(input_size=self.input_size, hidden_size=self.d_model, output_size=self.output_size, loss=self.loss)

    def init_params(self, *, rng: np.random.Generator, dtype=np.float64) -> dict:
        """Xavier projections, the block's own init, an identity final layer norm, and N(0, 1/D) pooling query."""
        dtype = np.dtype(dtype)
        params = {"in.W": _xavier(rng, self.input_size, self.d_model, dtype),
                  "in.b": np.zeros(self.d_model, dtype=dtype)}
        block = tf.init_encoder_block(self.d_model, self.d_ff, rng=rng, dtype=dtype)
        params.update({f"block.{k}": v for k, v in block.items()})
        params.update({f"ln_f.{k}": v for k, v in tf.init_layernorm(self.d_model, dtype=dtype).items()})
        if self.pool == "attention":
            params["pool.q"] = at.init_attention(self.d_model, rng=rng, dtype=dtype)["q"]
        params["W_y"] = _xavier(rng, self.d_model, self.output_size, dtype)
        params["b_y"] = np.zeros(self.output_size, dtype=dtype)
        return params

    def _run(self, params: dict, xs: np.ndarray):
        xs = np.asarray(xs)
        if xs.ndim != 3 or xs.shape[-1] != self.input_size:
            raise ValueError(f"TransformerModel: xs must have shape (B, T, {self.input_size}), got {xs.shape}.")
        T = xs.shape[1]
        z = linear(xs, params["in.W"], params["in.b"]) + tf.sinusoidal_positions(T, self.d_model, dtype=xs.dtype)
        block_out, block_cache = tf.encoder_block_forward(_prefixed(params, "block."), z, num_heads=self.num_heads,
                                                          norm=self.norm, activation=self.activation)
        f, ln_cache = tf.layernorm_forward(_prefixed(params, "ln_f."), block_out.y)
        if self.pool == "attention":
            pooled, pool_cache = at.attention_forward({"q": params["pool.q"]}, f, kind="dot", query="learned")
            context, readout = pooled.context, pooled.weights
        else:
            pool_cache, context, readout = None, f.mean(axis=1), None
        pred = linear(context, params["W_y"], params["b_y"])
        return pred, context, readout, block_out.weights, (block_cache, ln_cache, pool_cache, f.shape)

    def forward(self, params: dict, xs: np.ndarray) -> Prediction:
        """xs (B, T, D_in) -> Prediction(pred (B, O), pooling weights (B, T) or None, self-attention (B, h, T, T))."""
        pred, _, readout, self_attention, _ = self._run(params, xs)
        return Prediction(pred, readout, self_attention)

    def loss_and_grads(self, params: dict, xs: np.ndarray, ys: np.ndarray, *, truncate: int | None = None) -> LossGrads:
        """The loss and every gradient; ``dstate0`` is dL/dz_0 (B, D), the gradient at the first position's input."""
        if truncate is not None:
            raise ValueError("TransformerModel: truncate must be None; there is no recurrence to truncate.")
        pred, context, _, _, (block_cache, ln_cache, pool_cache, shape) = self._run(params, xs)
        result = get_loss(self.loss)(pred, ys)
        dcontext, dW_y, db_y = linear_backward(result.dpred, context, params["W_y"])
        grads = {"W_y": dW_y, "b_y": db_y}
        if pool_cache is not None:
            g_pool = at.attention_backward(dcontext, pool_cache)
            df, grads["pool.q"] = g_pool.dhs, g_pool.grads["q"]
        else:
            df = np.broadcast_to(dcontext[:, None, :] / shape[1], shape)  # the mean spreads dc evenly over t
        g_ln = tf.layernorm_backward(df, ln_cache)
        grads.update({f"ln_f.{k}": v for k, v in g_ln.grads.items()})
        g_block = tf.encoder_block_backward(g_ln.dx, block_cache)
        grads.update({f"block.{k}": v for k, v in g_block.grads.items()})
        dz = g_block.dx  # (B, T, D); the positional encoding is a constant
        _, grads["in.W"], grads["in.b"] = linear_backward(dz, np.asarray(xs), params["in.W"])
        return LossGrads(result.loss, {k: grads[k] for k in params}, pred, dz[:, 0])
