"""Attention: a readout that attends over an RNN's hidden states, and multi-head self-attention.

Masked softmax over the last axis (a disallowed entry gets a weight of exactly 0):

    a = exp(s - max s) / sum exp(s - max s),        ds = a * (da - sum(a * da))

Readout attention (many-to-one). The context is a weighted mean of the hidden states hs (B, T, H):

    c = sum_t a_t hs_t,        a = softmax_t(score_t)
    dot:       score_t = hs_t . q / sqrt(H)
    additive:  score_t = v . tanh(hs_t W_a + q W_q + b_a)            (Bahdanau)

The query q is either a learned vector (query="learned", the default) or each sequence's last real hidden state
(query="last": "which past steps matter for where the sequence ended up?"). With a learned query, the additive
term q W_q is a constant that b_a already covers, so W_q exists only for query="last".

Multi-head self-attention over x (B, T, D), with h heads splitting D into blocks of D/h (the torch layout):

    [Q K V] = x W_qkv + b_qkv,    A_i = softmax(Q_i K_i^T / sqrt(D/h)),    y = concat_i(A_i V_i) W_o + b_o

Masks are boolean, and True means "may be attended". ``mask`` (B, T) marks the real steps; False marks padding
(the opposite of torch's ``key_padding_mask``). ``causal=True`` lets position i attend only to positions j <= i.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

KINDS = ("dot", "additive")
QUERIES = ("learned", "last")


def masked_softmax(scores: np.ndarray, allowed: np.ndarray | None = None) -> np.ndarray:
    """Numerically stable softmax over the last axis; entries where ``allowed`` is False get exactly 0.

    Args:
        scores: (..., T) float.
        allowed: bool, broadcastable to ``scores``, or None (everything allowed).

    Returns:
        weights with the shape of ``scores``; each row sums to 1.
    """
    if allowed is not None:
        scores = np.where(allowed, scores, -np.inf)
    top = scores.max(axis=-1, keepdims=True)
    if allowed is not None and np.isneginf(top).any():
        raise ValueError("masked_softmax: a row has no allowed entry (a fully masked sequence or query); "
                         "give every sequence at least one True step in its mask.")
    e = np.exp(scores - top)  # exp(-inf) is exactly 0, so masked entries carry no weight
    return e / e.sum(axis=-1, keepdims=True)


def softmax_backward(dweights: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """dL/dscores from dL/dweights through a softmax over the last axis (masked entries get 0)."""
    return weights * (dweights - np.sum(weights * dweights, axis=-1, keepdims=True))


class InputGrads(NamedTuple):
    """Gradients of one layer: dx w.r.t. its input (the shape of the input), and grads with the keys of params."""

    dx: np.ndarray
    grads: dict


def _check_x(x: np.ndarray, name: str, fn: str) -> np.ndarray:
    x = np.asarray(x)
    if x.ndim != 3 or not np.issubdtype(x.dtype, np.floating):
        raise ValueError(f"{fn}: {name} must be a float array of shape (B, T, D), got {x.dtype} {x.shape}; "
                         "add a batch axis with x[None] for a single sequence.")
    return x


def _check_mask(mask, B: int, T: int, fn: str) -> np.ndarray | None:
    if mask is None:
        return None
    mask = np.asarray(mask)
    if mask.dtype != np.bool_ or mask.shape != (B, T):
        raise ValueError(f"{fn}: mask must be a bool array of shape (B, T) = {(B, T)} with True at real steps, "
                         f"got {mask.dtype} {mask.shape}; build it with e.g. np.arange(T) < lengths[:, None].")
    if not mask.any(axis=1).all():
        raise ValueError(f"{fn}: mask row(s) {np.flatnonzero(~mask.any(axis=1)).tolist()} have no True step; "
                         "every sequence needs at least one real step.")
    return mask


def _check_params(params: dict, shapes: dict, fn: str) -> None:
    if set(params) != set(shapes):
        raise ValueError(f"{fn}: params have keys {sorted(params)}, expected {sorted(shapes)}; "
                         "create them with the matching init function and the same options.")
    for key, shape in shapes.items():
        if np.shape(params[key]) != shape:
            raise ValueError(f"{fn}: params[{key!r}] has shape {np.shape(params[key])}, expected {shape}.")


# ---------------------------------------------------------------- readout attention over RNN states

class AttentionOut(NamedTuple):
    """context (B, H): the attended summary; weights (B, T): the attention over time steps (rows sum to 1)."""

    context: np.ndarray
    weights: np.ndarray


class AttentionCache(NamedTuple):
    """What ``attention_backward`` needs. q is the query used by each row (B, H), None for additive+learned."""

    kind: str
    query: str
    params: dict
    hs: np.ndarray
    q: np.ndarray | None
    last: np.ndarray | None  # (B,) the step that supplied the query, for query="last"
    u: np.ndarray | None  # (B, T, A) tanh activations, additive only
    weights: np.ndarray


class AttentionGrads(NamedTuple):
    """dhs (B, T, H), and grads with the keys of params."""

    dhs: np.ndarray
    grads: dict


def _attention_shapes(kind: str, query: str, H: int, A: int | None) -> dict:
    if kind not in KINDS or query not in QUERIES:
        raise ValueError(f"attention: kind={kind!r}, query={query!r}; choose kind from {KINDS} "
                         f"and query from {QUERIES}.")
    if kind == "dot":
        return {"q": (H,)} if query == "learned" else {}
    shapes = {"W_a": (H, A), "b_a": (A,), "v": (A,)}
    if query == "last":
        shapes["W_q"] = (H, A)
    return shapes


def init_attention(hidden_size: int, *, rng: np.random.Generator, kind: str = "dot", query: str = "learned",
                   attn_size: int | None = None, dtype=np.float64) -> dict:
    """Parameters of readout attention over hidden states of size H.

    Args:
        hidden_size: H.
        rng: the random stream.
        kind: "dot" (scaled dot product) or "additive" (Bahdanau).
        query: "learned" (a trained vector q) or "last" (the last real hidden state).
        attn_size: A, the width of the additive scoring layer (default H); unused by "dot".
        dtype: the float type of the parameters.

    Returns:
        dot+learned {"q": (H,)}; dot+last {} (nothing to learn);
        additive {"W_a": (H, A), "b_a": (A,), "v": (A,)}, plus "W_q": (H, A) for query="last".
    """
    A = hidden_size if attn_size is None else attn_size
    shapes = _attention_shapes(kind, query, hidden_size, A)
    params = {}
    for key, shape in shapes.items():
        if key == "b_a":
            params[key] = np.zeros(shape, dtype=dtype)
        else:  # variance 1/fan_in keeps scores of order 1 at the start
            params[key] = (rng.standard_normal(shape) / math.sqrt(shape[0])).astype(dtype)
    return params


def _last_index(mask: np.ndarray | None, B: int, T: int) -> np.ndarray:
    """(B,) index of each row's last True step (T - 1 without a mask)."""
    if mask is None:
        return np.full(B, T - 1)
    return T - 1 - np.argmax(mask[:, ::-1], axis=1)


def attention_forward(params: dict, hs: np.ndarray, *, kind: str = "dot", query: str = "learned",
                      mask: np.ndarray | None = None) -> tuple[AttentionOut, AttentionCache]:
    """Attend over the hidden states of a sequence and summarize them into one context vector.

    Args:
        params: from ``init_attention`` with the same kind and query.
        hs: (B, T, H) hidden states.
        kind: "dot" or "additive".
        query: "learned" or "last".
        mask: (B, T) bool, True at real steps, False at padding (weight exactly 0 there), or None.

    Returns:
        (AttentionOut(context (B, H), weights (B, T)), cache).
    """
    hs = _check_x(hs, "hs", "attention_forward")
    B, T, H = hs.shape
    mask = _check_mask(mask, B, T, "attention_forward")
    A = np.shape(params["W_a"])[1] if "W_a" in params else None
    _check_params(params, _attention_shapes(kind, query, H, A), "attention_forward")
    last = _last_index(mask, B, T) if query == "last" else None
    q = hs[np.arange(B), last] if query == "last" else None  # (B, H)
    u = None
    if kind == "dot":
        if q is None:
            q = np.broadcast_to(params["q"], (B, H))
        scores = np.einsum("bth,bh->bt", hs, q) / math.sqrt(H)
    else:
        pre = hs @ params["W_a"] + params["b_a"]  # (B, T, A)
        if q is not None:
            pre = pre + (q @ params["W_q"])[:, None, :]
        u = np.tanh(pre)
        scores = u @ params["v"]  # (B, T)
    weights = masked_softmax(scores, mask)
    context = np.einsum("bt,bth->bh", weights, hs)
    return AttentionOut(context, weights), AttentionCache(kind, query, params, hs, q, last, u, weights)


def attention_backward(dcontext: np.ndarray, cache: AttentionCache) -> AttentionGrads:
    """Backward pass of ``attention_forward``.

    Args:
        dcontext: (B, H) dL/dcontext.
        cache: from ``attention_forward``.

    Returns:
        AttentionGrads(dhs (B, T, H), grads with the keys of params).
    """
    hs, a, p = cache.hs, cache.weights, cache.params
    B, T, H = hs.shape
    if np.shape(dcontext) != (B, H):
        raise ValueError(f"attention_backward: dcontext has shape {np.shape(dcontext)}, expected {(B, H)}.")
    dhs = a[:, :, None] * dcontext[:, None, :]  # through c = sum_t a_t hs_t, the value path
    ds = softmax_backward(np.einsum("bh,bth->bt", dcontext, hs), a)  # (B, T) dL/dscores
    grads, dq = {}, None
    if cache.kind == "dot":
        scale = 1.0 / math.sqrt(H)
        dhs += scale * ds[:, :, None] * cache.q[:, None, :]  # hs as keys
        dq = scale * np.einsum("bt,bth->bh", ds, hs)
        if cache.query == "learned":
            grads["q"] = dq.sum(axis=0)
    else:
        u = cache.u
        A = u.shape[-1]
        grads["v"] = np.einsum("bt,bta->a", ds, u)
        dpre = ds[:, :, None] * p["v"] * (1.0 - u * u)  # (B, T, A) through tanh
        grads["W_a"] = hs.reshape(B * T, H).T @ dpre.reshape(B * T, A)
        grads["b_a"] = dpre.sum(axis=(0, 1))
        dhs += dpre @ p["W_a"].T
        if cache.query == "last":
            dqa = dpre.sum(axis=1)  # (B, A): the query term is shared by every step
            grads["W_q"] = cache.q.T @ dqa
            dq = dqa @ p["W_q"].T
    if cache.query == "last":
        dhs[np.arange(B), cache.last] += dq  # the query is itself a hidden state
    return AttentionGrads(dhs, {k: grads[k] for k in p})


# ---------------------------------------------------------------- multi-head self-attention

class MHAOut(NamedTuple):
    """y (B, T, D): the attended output; weights (B, heads, T, T): query x key attention (rows sum to 1)."""

    y: np.ndarray
    weights: np.ndarray


class MHACache(NamedTuple):
    """What ``mha_backward`` needs. q, k, v are per head (B, heads, T, D/heads); o is the concat (B, T, D)."""

    params: dict
    x: np.ndarray
    q: np.ndarray
    k: np.ndarray
    v: np.ndarray
    weights: np.ndarray
    o: np.ndarray


def init_mha(d_model: int, *, rng: np.random.Generator, dtype=np.float64) -> dict:
    """Parameters of multi-head self-attention (any number of heads that divides d_model).

    Returns:
        {"W_qkv": (D, 3D) [query | key | value] columns, "b_qkv": (3D,), "W_o": (D, D), "b_o": (D,)}.
        torch.nn.MultiheadAttention maps as W_qkv = in_proj_weight.T, b_qkv = in_proj_bias,
        W_o = out_proj.weight.T, b_o = out_proj.bias.
    """
    scale = 1.0 / math.sqrt(d_model)  # variance 1/fan_in for each of the Q, K, V and output maps
    return {"W_qkv": (rng.standard_normal((d_model, 3 * d_model)) * scale).astype(dtype),
            "b_qkv": np.zeros(3 * d_model, dtype=dtype),
            "W_o": (rng.standard_normal((d_model, d_model)) * scale).astype(dtype),
            "b_o": np.zeros(d_model, dtype=dtype)}


def attention_mask(mask: np.ndarray | None, causal: bool, B: int, T: int) -> np.ndarray | None:
    """The query x key mask of self-attention: (B or 1, 1, T, T) bool, True where a query may attend a key."""
    mask = _check_mask(mask, B, T, "mha_forward")
    allowed = None if mask is None else mask[:, None, None, :]  # (B, 1, 1, T): keys only
    if causal:
        tril = np.tril(np.ones((T, T), dtype=bool))[None, None]  # (1, 1, T, T)
        allowed = tril if allowed is None else allowed & tril
    return allowed


def _split_heads(z: np.ndarray, heads: int) -> np.ndarray:
    B, T, D = z.shape
    return z.reshape(B, T, heads, D // heads).transpose(0, 2, 1, 3)  # (B, heads, T, D/heads)


def _merge_heads(z: np.ndarray) -> np.ndarray:
    B, h, T, dh = z.shape
    return z.transpose(0, 2, 1, 3).reshape(B, T, h * dh)  # (B, T, D)


def mha_forward(params: dict, x: np.ndarray, *, num_heads: int, mask: np.ndarray | None = None,
                causal: bool = False) -> tuple[MHAOut, MHACache]:
    """Multi-head self-attention.

    Args:
        params: from ``init_mha``.
        x: (B, T, D) inputs; D must be divisible by num_heads.
        num_heads: the number of heads.
        mask: (B, T) bool key mask, True at real steps, or None.
        causal: if True, position i attends only to j <= i.

    Returns:
        (MHAOut(y (B, T, D), weights (B, heads, T, T)), cache).
    """
    x = _check_x(x, "x", "mha_forward")
    B, T, D = x.shape
    if isinstance(num_heads, bool) or not isinstance(num_heads, (int, np.integer)) or num_heads < 1 \
            or D % num_heads:
        raise ValueError(f"mha_forward: num_heads={num_heads!r} must be a positive integer dividing d_model={D}.")
    _check_params(params, {"W_qkv": (D, 3 * D), "b_qkv": (3 * D,), "W_o": (D, D), "b_o": (D,)}, "mha_forward")
    allowed = attention_mask(mask, causal, B, T)
    qkv = x @ params["W_qkv"] + params["b_qkv"]  # (B, T, 3D)
    q, k, v = (_split_heads(qkv[..., i * D:(i + 1) * D], num_heads) for i in range(3))
    scores = q @ k.swapaxes(-1, -2) / math.sqrt(D // num_heads)  # (B, heads, T, T)
    weights = masked_softmax(scores, allowed)
    o = _merge_heads(weights @ v)
    y = o @ params["W_o"] + params["b_o"]
    return MHAOut(y, weights), MHACache(params, x, q, k, v, weights, o)


def mha_backward(dy: np.ndarray, cache: MHACache) -> InputGrads:
    """Backward pass of ``mha_forward``: dy (B, T, D) -> InputGrads(dx (B, T, D), grads)."""
    p, x, q, k, v, a = cache.params, cache.x, cache.q, cache.k, cache.v, cache.weights
    B, T, D = x.shape
    heads = q.shape[1]
    if np.shape(dy) != (B, T, D):
        raise ValueError(f"mha_backward: dy has shape {np.shape(dy)}, expected {(B, T, D)}.")
    grads = {"W_o": cache.o.reshape(B * T, D).T @ dy.reshape(B * T, D), "b_o": dy.sum(axis=(0, 1))}
    do = _split_heads(dy @ p["W_o"].T, heads)  # (B, heads, T, dh)
    dv = a.swapaxes(-1, -2) @ do
    dscores = softmax_backward(do @ v.swapaxes(-1, -2), a) / math.sqrt(D // heads)
    dq = dscores @ k
    dk = dscores.swapaxes(-1, -2) @ q
    dqkv = np.concatenate([_merge_heads(d) for d in (dq, dk, dv)], axis=-1)  # (B, T, 3D)
    grads["W_qkv"] = x.reshape(B * T, D).T @ dqkv.reshape(B * T, 3 * D)
    grads["b_qkv"] = dqkv.sum(axis=(0, 1))
    dx = dqkv @ p["W_qkv"].T
    return InputGrads(dx, {key: grads[key] for key in p})
