"""One transformer encoder block, with the forward and backward pass of every piece.

    pre-LN (default):   h = x + MHA(LN1(x)),        y = h + MLP(LN2(h))
    post-LN:            h = LN1(x + MHA(x)),        y = LN2(h + MLP(h))

    LN(x)  = gamma * (x - mean) / sqrt(var + eps) + beta       over the last axis (biased variance, as torch)
    MLP(x) = act(x W_1 + b_1) W_2 + b_2,                       act = ReLU, or GELU in its tanh form
    GELU(x) = x/2 * (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))  (exact GELU needs erf, which NumPy lacks)
    PE[t, 2i] = sin(t / 10000^(2i/D)),   PE[t, 2i+1] = cos(t / 10000^(2i/D))

MHA is ``rnncore.attention.mha_forward``. The positional encoding is added by the caller: x + PE[:T].

Pre-LN is the default because its residual path from input to output is the identity: the gradient reaches the
input undamped, and a small model trains from scratch without a learning-rate warm-up (Xiong et al. 2020, "On Layer
Normalization in the Transformer Architecture"). Post-LN, the original layout and torch's default
(``TransformerEncoderLayer(norm_first=False)``), is kept for comparison.

Block parameters are one flat dict with dotted keys: "ln1.gamma", "ln1.beta", "attn.W_qkv", "attn.b_qkv",
"attn.W_o", "attn.b_o", "ln2.gamma", "ln2.beta", "mlp.W_1", "mlp.b_1", "mlp.W_2", "mlp.b_2".
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from rnncore.attention import InputGrads, MHACache, _check_params, _check_x, init_mha, mha_backward, mha_forward

ACTIVATIONS = ("relu", "gelu")
NORMS = ("pre", "post")
_GELU_C = math.sqrt(2.0 / math.pi)


def sinusoidal_positions(T: int, d_model: int, *, dtype=np.float64) -> np.ndarray:
    """The sinusoidal positional encoding of Vaswani et al. (2017).

    Args:
        T: the number of positions.
        d_model: D, the model width (an odd D ends with a sine column).

    Returns:
        (T, D): PE[t, 2i] = sin(t / 10000^(2i/D)), PE[t, 2i+1] = cos(t / 10000^(2i/D)).
    """
    for name, value in (("T", T), ("d_model", d_model)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"sinusoidal_positions: {name}={value!r} must be a positive integer.")
    pairs = np.arange(0, d_model, 2)  # the even column 2i of each pair
    angle = np.arange(T)[:, None] / 10000.0 ** (pairs / d_model)  # (T, ceil(D/2))
    pe = np.empty((T, d_model))
    pe[:, 0::2] = np.sin(angle)
    pe[:, 1::2] = np.cos(angle[:, : d_model // 2])
    return pe.astype(dtype)


# ---------------------------------------------------------------- layer normalization

class LayerNormCache(NamedTuple):
    """xhat (..., D) the normalized input, rstd (..., 1) = 1/sqrt(var + eps), gamma (D,)."""

    xhat: np.ndarray
    rstd: np.ndarray
    gamma: np.ndarray


def init_layernorm(d_model: int, *, dtype=np.float64) -> dict:
    """{"gamma": ones (D,), "beta": zeros (D,)}: the identity map on normalized inputs."""
    return {"gamma": np.ones(d_model, dtype=dtype), "beta": np.zeros(d_model, dtype=dtype)}


def layernorm_forward(params: dict, x: np.ndarray, *, eps: float = 1e-5) -> tuple[np.ndarray, LayerNormCache]:
    """Layer normalization over the last axis: x (..., D) -> (y (..., D), cache)."""
    x = np.asarray(x)
    _check_params(params, {"gamma": x.shape[-1:], "beta": x.shape[-1:]}, "layernorm_forward")
    if not eps > 0:
        raise ValueError(f"layernorm_forward: eps={eps!r} must be positive, e.g. 1e-5.")
    mu = x.mean(axis=-1, keepdims=True)
    xc = x - mu
    rstd = 1.0 / np.sqrt((xc * xc).mean(axis=-1, keepdims=True) + eps)
    xhat = xc * rstd
    return xhat * params["gamma"] + params["beta"], LayerNormCache(xhat, rstd, params["gamma"])


def layernorm_backward(dy: np.ndarray, cache: LayerNormCache) -> InputGrads:
    """Backward pass of ``layernorm_forward``: dy (..., D) -> InputGrads(dx, {"gamma", "beta"})."""
    xhat, rstd = cache.xhat, cache.rstd
    lead = tuple(range(dy.ndim - 1))
    grads = {"gamma": (dy * xhat).sum(axis=lead), "beta": dy.sum(axis=lead)}
    g = dy * cache.gamma  # dL/dxhat
    # xhat is centred and scaled by a statistic of its own row: remove the mean and the xhat-direction of g
    dx = rstd * (g - g.mean(axis=-1, keepdims=True) - xhat * (g * xhat).mean(axis=-1, keepdims=True))
    return InputGrads(dx, grads)


# ---------------------------------------------------------------- two-layer MLP

class MLPCache(NamedTuple):
    """x (..., D) the input, pre (..., F) the hidden pre-activation, act (..., F) after the nonlinearity."""

    params: dict
    activation: str
    x: np.ndarray
    pre: np.ndarray
    act: np.ndarray


def init_mlp(d_model: int, d_ff: int, *, rng: np.random.Generator, dtype=np.float64) -> dict:
    """{"W_1": (D, F), "b_1": (F,), "W_2": (F, D), "b_2": (D,)}, weights with variance 2/fan_in (He)."""
    return {"W_1": (rng.standard_normal((d_model, d_ff)) * math.sqrt(2.0 / d_model)).astype(dtype),
            "b_1": np.zeros(d_ff, dtype=dtype),
            "W_2": (rng.standard_normal((d_ff, d_model)) * math.sqrt(1.0 / d_ff)).astype(dtype),
            "b_2": np.zeros(d_model, dtype=dtype)}


def _activation(pre: np.ndarray, activation: str) -> np.ndarray:
    if activation == "relu":
        return np.maximum(pre, 0.0)
    return 0.5 * pre * (1.0 + np.tanh(_GELU_C * (pre + 0.044715 * pre * pre * pre)))


def _activation_grad(pre: np.ndarray, activation: str) -> np.ndarray:
    if activation == "relu":
        return (pre > 0).astype(pre.dtype)
    t = np.tanh(_GELU_C * (pre + 0.044715 * pre * pre * pre))
    return 0.5 * (1.0 + t) + 0.5 * pre * (1.0 - t * t) * _GELU_C * (1.0 + 3 * 0.044715 * pre * pre)


def _check_choice(value: str, choices: tuple, name: str, fn: str) -> None:
    if value not in choices:
        raise ValueError(f"{fn}: {name}={value!r} is not one of {choices}.")


def mlp_forward(params: dict, x: np.ndarray, *, activation: str = "gelu") -> tuple[np.ndarray, MLPCache]:
    """Position-wise two-layer MLP: x (..., D) -> (y (..., D), cache); activation "relu" or "gelu"."""
    _check_choice(activation, ACTIVATIONS, "activation", "mlp_forward")
    x = np.asarray(x)
    D, F = x.shape[-1], (np.shape(params["W_1"])[-1] if "W_1" in params else -1)
    _check_params(params, {"W_1": (D, F), "b_1": (F,), "W_2": (F, D), "b_2": (D,)}, "mlp_forward")
    pre = x @ params["W_1"] + params["b_1"]
    act = _activation(pre, activation)
    return act @ params["W_2"] + params["b_2"], MLPCache(params, activation, x, pre, act)


def mlp_backward(dy: np.ndarray, cache: MLPCache) -> InputGrads:
    """Backward pass of ``mlp_forward``: dy (..., D) -> InputGrads(dx (..., D), grads)."""
    p, x, act = cache.params, cache.x, cache.act
    D, F = x.shape[-1], act.shape[-1]
    dpre = (dy @ p["W_2"].T) * _activation_grad(cache.pre, cache.activation)
    grads = {"W_1": x.reshape(-1, D).T @ dpre.reshape(-1, F), "b_1": dpre.reshape(-1, F).sum(axis=0),
             "W_2": act.reshape(-1, F).T @ dy.reshape(-1, D), "b_2": dy.reshape(-1, D).sum(axis=0)}
    return InputGrads(dpre @ p["W_1"].T, grads)


# ---------------------------------------------------------------- the encoder block

class BlockOut(NamedTuple):
    """y (B, T, D): the block's output; weights (B, heads, T, T): its self-attention, query x key."""

    y: np.ndarray
    weights: np.ndarray


class BlockCache(NamedTuple):
    """The caches of the four pieces, in forward order, and the layout ("pre" or "post")."""

    norm: str
    ln1: LayerNormCache
    attn: MHACache
    ln2: LayerNormCache
    mlp: MLPCache


_BLOCK_KEYS = ("ln1.gamma", "ln1.beta", "attn.W_qkv", "attn.b_qkv", "attn.W_o", "attn.b_o",
               "ln2.gamma", "ln2.beta", "mlp.W_1", "mlp.b_1", "mlp.W_2", "mlp.b_2")


def init_encoder_block(d_model: int, d_ff: int, *, rng: np.random.Generator, dtype=np.float64) -> dict:
    """Parameters of one encoder block (flat dotted keys, see the module docstring); any head count dividing D."""
    pieces = {"ln1": init_layernorm(d_model, dtype=dtype), "attn": init_mha(d_model, rng=rng, dtype=dtype),
              "ln2": init_layernorm(d_model, dtype=dtype), "mlp": init_mlp(d_model, d_ff, rng=rng, dtype=dtype)}
    return {f"{piece}.{key}": value for piece, sub in pieces.items() for key, value in sub.items()}


def _sub(params: dict, piece: str) -> dict:
    prefix = piece + "."
    return {key[len(prefix):]: value for key, value in params.items() if key.startswith(prefix)}


def encoder_block_forward(params: dict, x: np.ndarray, *, num_heads: int, mask: np.ndarray | None = None,
                          causal: bool = False, norm: str = "pre", activation: str = "gelu",
                          eps: float = 1e-5) -> tuple[BlockOut, BlockCache]:
    """One transformer encoder block.

    Args:
        params: from ``init_encoder_block``.
        x: (B, T, D) inputs (add ``sinusoidal_positions`` first if order matters).
        num_heads: the number of attention heads; must divide D.
        mask: (B, T) bool key mask, True at real steps, or None.
        causal: if True, position i attends only to j <= i.
        norm: "pre" (LN inside each residual branch) or "post" (LN after each residual sum).
        activation: "relu" or "gelu" (tanh form), the MLP's nonlinearity.
        eps: the layer-norm epsilon.

    Returns:
        (BlockOut(y (B, T, D), weights (B, heads, T, T)), cache).
    """
    _check_choice(norm, NORMS, "norm", "encoder_block_forward")
    x = _check_x(x, "x", "encoder_block_forward")
    expected = set(_BLOCK_KEYS)
    if set(params) != expected:
        raise ValueError(f"encoder_block_forward: params have keys {sorted(params)}, expected {sorted(expected)}; "
                         "create them with init_encoder_block.")
    ln1, attn, ln2, mlp = (_sub(params, piece) for piece in ("ln1", "attn", "ln2", "mlp"))
    if norm == "pre":
        a_in, c_ln1 = layernorm_forward(ln1, x, eps=eps)
        att, c_attn = mha_forward(attn, a_in, num_heads=num_heads, mask=mask, causal=causal)
        h = x + att.y
        m_in, c_ln2 = layernorm_forward(ln2, h, eps=eps)
        m, c_mlp = mlp_forward(mlp, m_in, activation=activation)
        y = h + m
    else:
        att, c_attn = mha_forward(attn, x, num_heads=num_heads, mask=mask, causal=causal)
        h, c_ln1 = layernorm_forward(ln1, x + att.y, eps=eps)
        m, c_mlp = mlp_forward(mlp, h, activation=activation)
        y, c_ln2 = layernorm_forward(ln2, h + m, eps=eps)
    return BlockOut(y, att.weights), BlockCache(norm, c_ln1, c_attn, c_ln2, c_mlp)


def encoder_block_backward(dy: np.ndarray, cache: BlockCache) -> InputGrads:
    """Backward pass of ``encoder_block_forward``: dy (B, T, D) -> InputGrads(dx (B, T, D), grads)."""
    if cache.norm == "pre":
        g_mlp = mlp_backward(dy, cache.mlp)
        g_ln2 = layernorm_backward(g_mlp.dx, cache.ln2)
        dh = dy + g_ln2.dx  # the residual passes dy straight through
        g_attn = mha_backward(dh, cache.attn)
        g_ln1 = layernorm_backward(g_attn.dx, cache.ln1)
        dx = dh + g_ln1.dx
    else:
        g_ln2 = layernorm_backward(dy, cache.ln2)
        g_mlp = mlp_backward(g_ln2.dx, cache.mlp)
        g_ln1 = layernorm_backward(g_ln2.dx + g_mlp.dx, cache.ln1)
        g_attn = mha_backward(g_ln1.dx, cache.attn)
        dx = g_ln1.dx + g_attn.dx
    grads = {}
    for piece, g in (("ln1", g_ln1), ("attn", g_attn), ("ln2", g_ln2), ("mlp", g_mlp)):
        grads.update({f"{piece}.{key}": value for key, value in g.grads.items()})
    return InputGrads(dx, grads)
