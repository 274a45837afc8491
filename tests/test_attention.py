"""Readout attention over RNN states and multi-head self-attention: gradients, masks, torch parity, purity."""
import math

import numpy as np
import pytest

from engine_helpers import PARITY_TOL, vjp_rows
from rnncore.attention import (KINDS, QUERIES, attention_backward, attention_forward, init_attention, init_mha,
                               masked_softmax, mha_backward, mha_forward)
from rnncore.gradcheck import relative_error


def lengths_mask(lengths, T):
    return np.arange(T)[None, :] < np.asarray(lengths)[:, None]  # (B, T) True at real steps


# (B, T, mask) configurations: "len" pads the ends of rows, "holes" masks steps in the middle and at the end
SHAPES = [(2, 5, None), (3, 5, "len"), (3, 6, "holes"), (1, 1, None), (1, 4, "len")]


def make_mask(kind, B, T):
    if kind is None:
        return None
    if kind == "len":
        return lengths_mask([max(1, T - 2)] + [T] * (B - 1), T) if B > 1 else lengths_mask([T - 1], T)
    mask = np.ones((B, T), dtype=bool)
    mask[0, [1, 3, T - 1]] = False
    mask[1, 2:] = False
    return mask


def readout_rows(kind, query, B, T, mask_kind, seed=0):
    rng = np.random.default_rng(seed)
    H = 4
    params = init_attention(H, rng=rng, kind=kind, query=query, attn_size=3)
    params = {k: v + 0.1 * rng.standard_normal(v.shape) for k, v in params.items()}  # nonzero biases too
    hs = rng.standard_normal((B, T, H))
    mask = make_mask(mask_kind, B, T)

    def run():
        (context, _), cache = attention_forward(params, hs, kind=kind, query=query, mask=mask)

        def backward(dcontext):
            g = attention_backward(dcontext, cache)
            return {"hs": g.dhs, **g.grads}
        return context, backward
    return vjp_rows(run, {"hs": hs, **params}, rng=rng)


@pytest.mark.parametrize("B,T,mask_kind", SHAPES)
@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("kind", KINDS)
def test_readout_gradients_match_finite_differences(kind, query, B, T, mask_kind):
    rows = readout_rows(kind, query, B, T, mask_kind)
    assert {r.name for r in rows} >= {"hs"}
    assert all(r.passed for r in rows), rows


def reference_readout(params, hs, kind, query, mask):
    """The module docstring's equations, one sequence and one step at a time."""
    B, T, H = hs.shape
    contexts, weights = [], []
    for b in range(B):
        steps = [t for t in range(T) if mask is None or mask[b, t]]
        q = params.get("q") if query == "learned" else hs[b, steps[-1]]
        scores = []
        for t in steps:
            if kind == "dot":
                scores.append(hs[b, t] @ q / math.sqrt(H))
            else:
                pre = hs[b, t] @ params["W_a"] + params["b_a"] + (q @ params["W_q"] if query == "last" else 0.0)
                scores.append(np.tanh(pre) @ params["v"])
        e = np.exp(np.array(scores) - max(scores))
        w = np.zeros(T)
        w[steps] = e / e.sum()
        weights.append(w)
        contexts.append(sum(w[t] * hs[b, t] for t in range(T)))
    return np.array(contexts), np.array(weights)


@pytest.mark.parametrize("mask_kind", [None, "holes"])
@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("kind", KINDS)
def test_readout_forward_matches_a_step_by_step_reference(kind, query, mask_kind):
    rng = np.random.default_rng(1)
    params = init_attention(4, rng=rng, kind=kind, query=query)
    hs = 2.0 * rng.standard_normal((3, 6, 4))
    mask = make_mask(mask_kind, 3, 6)
    (context, weights), _ = attention_forward(params, hs, kind=kind, query=query, mask=mask)
    ref_context, ref_weights = reference_readout(params, hs, kind, query, mask)
    np.testing.assert_allclose(weights, ref_weights, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(context, ref_context, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("kind", KINDS)
def test_readout_masked_steps_get_zero_weight_and_padding_content_is_ignored(kind, query):
    rng = np.random.default_rng(2)
    params = init_attention(5, rng=rng, kind=kind, query=query)
    hs = rng.standard_normal((4, 7, 5))
    mask = lengths_mask([7, 3, 1, 5], 7)
    (context, weights), _ = attention_forward(params, hs, kind=kind, query=query, mask=mask)
    assert np.all(weights[~mask] == 0.0)
    assert np.all(weights[mask] > 0.0)
    np.testing.assert_allclose(weights.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    noisy = hs.copy()
    noisy[~mask] = 1e3 * rng.standard_normal(noisy[~mask].shape)
    (context2, weights2), _ = attention_forward(params, noisy, kind=kind, query=query, mask=mask)
    assert np.array_equal(context, context2) and np.array_equal(weights, weights2)


def test_softmax_is_stable_for_huge_scores_and_sums_to_one():
    scores = np.array([[1e300, 1e300 - 1e290, -1e300], [0.0, 800.0, 801.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is the point
        w = masked_softmax(scores, np.array([[True, True, False], [True, True, True]]))
    assert np.all(np.isfinite(w)) and w[0, 2] == 0.0
    np.testing.assert_allclose(w.sum(axis=1), 1.0, atol=1e-15)
    np.testing.assert_allclose(w[1, 1:], [1 / (1 + math.e), math.e / (1 + math.e)], rtol=1e-12)


# ---------------------------------------------------------------- multi-head self-attention

# (B, T, D, heads, mask, causal)
MHA_CONFIGS = [(2, 4, 4, 1, None, False), (2, 4, 6, 2, None, False), (3, 5, 6, 3, "len", False),
               (2, 4, 4, 2, None, True), (3, 6, 4, 2, "holes", True), (1, 1, 4, 2, None, False),
               (1, 1, 4, 1, None, True)]


def mha_rows(B, T, D, heads, mask_kind, causal, seed=0):
    rng = np.random.default_rng(seed)
    params = {k: v + 0.1 * rng.standard_normal(v.shape) for k, v in init_mha(D, rng=rng).items()}
    x = rng.standard_normal((B, T, D))
    mask = make_mask(mask_kind, B, T)

    def run():
        (y, _), cache = mha_forward(params, x, num_heads=heads, mask=mask, causal=causal)

        def backward(dy):
            g = mha_backward(dy, cache)
            return {"x": g.dx, **g.grads}
        return y, backward
    return vjp_rows(run, {"x": x, **params}, rng=rng)


@pytest.mark.parametrize("B,T,D,heads,mask_kind,causal", MHA_CONFIGS)
def test_mha_gradients_match_finite_differences(B, T, D, heads, mask_kind, causal):
    rows = mha_rows(B, T, D, heads, mask_kind, causal)
    assert {r.name for r in rows} == {"x", "W_qkv", "b_qkv", "W_o", "b_o"}
    assert all(r.passed for r in rows), rows


def test_mha_masks_give_exact_zeros_and_rows_sum_to_one():
    rng = np.random.default_rng(3)
    B, T, D = 3, 6, 4
    mask = lengths_mask([6, 4, 2], T)
    (_, w), _ = mha_forward(init_mha(D, rng=rng), rng.standard_normal((B, T, D)), num_heads=2, mask=mask,
                            causal=True)
    allowed = mask[:, None, None, :] & np.tril(np.ones((T, T), dtype=bool))
    allowed = np.broadcast_to(allowed, w.shape)
    assert w.shape == (B, 2, T, T)
    assert np.all(w[~allowed] == 0.0) and np.all(w[allowed] > 0.0)
    np.testing.assert_allclose(w.sum(axis=-1), 1.0, rtol=0, atol=1e-12)


def torch_mha(params, D, heads):
    torch = pytest.importorskip("torch")
    mha = torch.nn.MultiheadAttention(D, heads, batch_first=True, dtype=torch.float64)
    with torch.no_grad():
        mha.in_proj_weight.copy_(torch.from_numpy(params["W_qkv"].T))
        mha.in_proj_bias.copy_(torch.from_numpy(params["b_qkv"]))
        mha.out_proj.weight.copy_(torch.from_numpy(params["W_o"].T))
        mha.out_proj.bias.copy_(torch.from_numpy(params["b_o"]))
    return torch, mha


@pytest.mark.parametrize("heads,mask_kind,causal", [(1, None, False), (2, "len", False), (4, None, True),
                                                    (2, "len", True)])
def test_mha_matches_torch_multihead_attention(heads, mask_kind, causal):
    rng = np.random.default_rng(4)
    B, T, D = 3, 5, 8
    params = {k: v + 0.1 * rng.standard_normal(v.shape) for k, v in init_mha(D, rng=rng).items()}
    torch, mha = torch_mha(params, D, heads)
    x = rng.standard_normal((B, T, D))
    dy = rng.standard_normal((B, T, D))
    mask = make_mask(mask_kind, B, T)
    (y, w), cache = mha_forward(params, x, num_heads=heads, mask=mask, causal=causal)
    g = mha_backward(dy, cache)

    xt = torch.tensor(x, requires_grad=True)
    kpm = None if mask is None else torch.from_numpy(~mask)  # torch: True means "ignore"
    causal_t = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1) if causal else None
    yt, wt = mha(xt, xt, xt, key_padding_mask=kpm, attn_mask=causal_t, need_weights=True,
                 average_attn_weights=False)
    yt.backward(torch.from_numpy(dy))
    torch_grads = {"x": xt.grad, "W_qkv": mha.in_proj_weight.grad.T, "b_qkv": mha.in_proj_bias.grad,
                   "W_o": mha.out_proj.weight.grad.T, "b_o": mha.out_proj.bias.grad}
    ours = {"x": g.dx, **g.grads}
    assert relative_error(y, yt.detach().numpy()) <= PARITY_TOL
    assert relative_error(w, wt.detach().numpy()) <= PARITY_TOL
    for name, tg in torch_grads.items():
        assert relative_error(ours[name], tg.numpy()) <= PARITY_TOL, name


# ---------------------------------------------------------------- purity, dtypes and errors

def test_forward_and_backward_never_mutate_their_inputs():
    rng = np.random.default_rng(5)
    hs, mask = rng.standard_normal((3, 5, 4)), lengths_mask([5, 2, 4], 5)
    params = init_attention(4, rng=rng, kind="additive", query="last")
    dcontext = rng.standard_normal((3, 4))
    mha_params = init_mha(4, rng=rng)
    dy = rng.standard_normal((3, 5, 4))
    originals = [a.copy() for a in (hs, mask, dcontext, dy, *params.values(), *mha_params.values())]
    attention_backward(dcontext, attention_forward(params, hs, kind="additive", query="last", mask=mask)[1])
    mha_backward(dy, mha_forward(mha_params, hs, num_heads=2, mask=mask, causal=True)[1])
    after = (hs, mask, dcontext, dy, *params.values(), *mha_params.values())
    assert all(np.array_equal(a, b) for a, b in zip(originals, after, strict=True))


def test_float32_stays_float32():
    rng = np.random.default_rng(6)
    hs = rng.standard_normal((2, 3, 4)).astype(np.float32)
    params = init_attention(4, rng=rng, kind="additive", dtype=np.float32)
    (context, weights), cache = attention_forward(params, hs, kind="additive")
    g = attention_backward(context, cache)
    (y, w), mcache = mha_forward(init_mha(4, rng=rng, dtype=np.float32), hs, num_heads=2, causal=True)
    mg = mha_backward(y, mcache)
    arrays = [context, weights, g.dhs, *g.grads.values(), y, w, mg.dx, *mg.grads.values()]
    assert all(a.dtype == np.float32 for a in arrays)


def test_bad_inputs_raise_value_errors_that_name_the_problem():
    rng = np.random.default_rng(7)
    hs = rng.standard_normal((2, 3, 4))
    params = init_attention(4, rng=rng)
    with pytest.raises(ValueError, match="kind"):
        attention_forward(params, hs, kind="cosine")
    with pytest.raises(ValueError, match="keys"):
        attention_forward(params, hs, kind="additive")
    with pytest.raises(ValueError, match="shape"):
        attention_forward(init_attention(5, rng=rng), hs)
    with pytest.raises(ValueError, match=r"\(B, T, D\)"):
        attention_forward(params, hs[0])
    with pytest.raises(ValueError, match="bool"):
        attention_forward(params, hs, mask=np.ones((2, 3)))
    with pytest.raises(ValueError, match="no True step"):
        attention_forward(params, hs, mask=np.array([[True, True, False], [False, False, False]]))
    with pytest.raises(ValueError, match="num_heads"):
        mha_forward(init_mha(4, rng=rng), hs, num_heads=3)
    with pytest.raises(ValueError, match="no allowed entry"):
        masked_softmax(np.zeros((2, 3)), np.array([[True, False, False], [False, False, False]]))
