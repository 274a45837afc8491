"""The transformer encoder block and its pieces: positions, layer norm, MLP, the block; gradients and torch parity."""
import math

import numpy as np
import pytest

from engine_helpers import PARITY_TOL, vjp_rows
from rnncore.gradcheck import relative_error
from rnncore.transformer import (encoder_block_backward, encoder_block_forward, init_encoder_block, init_layernorm,
                                 init_mlp, layernorm_backward, layernorm_forward, mlp_backward, mlp_forward,
                                 sinusoidal_positions)


def jitter(params, rng, scale=0.1):
    """Perturb every parameter, so that unit gains and zero biases do not hide a wrong gradient."""
    return {k: v + scale * rng.standard_normal(v.shape) for k, v in params.items()}


def lengths_mask(lengths, T):
    return np.arange(T)[None, :] < np.asarray(lengths)[:, None]  # (B, T) True at real steps


# ---------------------------------------------------------------- positional encoding

def test_sinusoidal_positions_follow_the_formula_entry_by_entry():
    for T, D in ((7, 6), (4, 5), (1, 1)):
        pe = sinusoidal_positions(T, D)
        assert pe.shape == (T, D) and pe.dtype == np.float64
        for t in range(T):
            for j in range(D):
                freq = 1.0 / 10000.0 ** ((j - j % 2) / D)
                expected = math.sin(t * freq) if j % 2 == 0 else math.cos(t * freq)
                assert abs(pe[t, j] - expected) < 1e-12, (T, D, t, j)
    assert sinusoidal_positions(3, 4, dtype=np.float32).dtype == np.float32
    with pytest.raises(ValueError, match="positive integer"):
        sinusoidal_positions(0, 4)


def test_positions_are_distinct_so_order_becomes_visible():
    pe = sinusoidal_positions(50, 16)
    dist = np.linalg.norm(pe[:, None] - pe[None], axis=-1)
    assert np.all(dist[~np.eye(50, dtype=bool)] > 1e-3)


# ---------------------------------------------------------------- layer norm

@pytest.mark.parametrize("shape", [(2, 3, 5), (4, 6), (1, 1, 3)])
def test_layernorm_gradients_match_finite_differences(shape):
    rng = np.random.default_rng(0)
    params = jitter(init_layernorm(shape[-1]), rng)
    x = rng.standard_normal(shape)

    def run():
        y, cache = layernorm_forward(params, x, eps=1e-5)

        def backward(dy):
            g = layernorm_backward(dy, cache)
            return {"x": g.dx, **g.grads}
        return y, backward
    rows = vjp_rows(run, {"x": x, **params}, rng=rng)
    assert all(r.passed for r in rows), rows


def test_layernorm_normalizes_each_row():
    rng = np.random.default_rng(1)
    x = 3.0 + 5.0 * rng.standard_normal((3, 4, 8))
    y, _ = layernorm_forward(init_layernorm(8), x, eps=1e-12)
    np.testing.assert_allclose(y.mean(axis=-1), 0.0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=-1), 1.0, rtol=1e-9)


def test_layernorm_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    D = 6
    params = jitter(init_layernorm(D), rng)
    x, dy = rng.standard_normal((3, 4, D)), rng.standard_normal((3, 4, D))
    y, cache = layernorm_forward(params, x, eps=1e-3)
    g = layernorm_backward(dy, cache)
    ln = torch.nn.LayerNorm(D, eps=1e-3, dtype=torch.float64)
    with torch.no_grad():
        ln.weight.copy_(torch.from_numpy(params["gamma"]))
        ln.bias.copy_(torch.from_numpy(params["beta"]))
    xt = torch.tensor(x, requires_grad=True)
    yt = ln(xt)
    yt.backward(torch.from_numpy(dy))
    assert relative_error(y, yt.detach().numpy()) <= PARITY_TOL
    assert relative_error(g.dx, xt.grad.numpy()) <= PARITY_TOL
    assert relative_error(g.grads["gamma"], ln.weight.grad.numpy()) <= PARITY_TOL
    assert relative_error(g.grads["beta"], ln.bias.grad.numpy()) <= PARITY_TOL


# ---------------------------------------------------------------- MLP

@pytest.mark.parametrize("activation", ["relu", "gelu"])
def test_mlp_gradients_match_finite_differences(activation):
    rng = np.random.default_rng(3)
    params = jitter(init_mlp(4, 6, rng=rng), rng)
    x = rng.standard_normal((2, 3, 4))

    def run():
        y, cache = mlp_forward(params, x, activation=activation)

        def backward(dy):
            g = mlp_backward(dy, cache)
            return {"x": g.dx, **g.grads}
        return y, backward
    rows = vjp_rows(run, {"x": x, **params}, rng=rng)
    assert all(r.passed for r in rows), rows


@pytest.mark.parametrize("activation", ["relu", "gelu"])
def test_mlp_matches_torch(activation):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    rng = np.random.default_rng(4)
    params = jitter(init_mlp(4, 7, rng=rng), rng)
    x, dy = 2.0 * rng.standard_normal((3, 5, 4)), rng.standard_normal((3, 5, 4))
    y, cache = mlp_forward(params, x, activation=activation)
    g = mlp_backward(dy, cache)
    tp = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    xt = torch.tensor(x, requires_grad=True)
    pre = xt @ tp["W_1"] + tp["b_1"]
    act = F.relu(pre) if activation == "relu" else F.gelu(pre, approximate="tanh")
    yt = act @ tp["W_2"] + tp["b_2"]
    yt.backward(torch.from_numpy(dy))
    assert relative_error(y, yt.detach().numpy()) <= PARITY_TOL
    assert relative_error(g.dx, xt.grad.numpy()) <= PARITY_TOL
    for k in params:
        assert relative_error(g.grads[k], tp[k].grad.numpy()) <= PARITY_TOL, k


# ---------------------------------------------------------------- the block

# (B, T, D, heads, mask, causal, norm, activation)
BLOCK_CONFIGS = [(2, 3, 4, 1, None, False, "pre", "gelu"), (2, 4, 4, 2, "len", False, "pre", "relu"),
                 (2, 4, 6, 3, None, True, "post", "gelu"), (3, 4, 4, 2, "len", True, "post", "relu"),
                 (1, 1, 4, 2, None, False, "pre", "gelu"), (1, 1, 4, 1, None, True, "post", "gelu")]


def block_rows(B, T, D, heads, mask_kind, causal, norm, activation, seed=0):
    rng = np.random.default_rng(seed)
    params = jitter(init_encoder_block(D, 2 * D, rng=rng), rng)
    x = rng.standard_normal((B, T, D)) + sinusoidal_positions(T, D)
    mask = None if mask_kind is None else lengths_mask([T] + [max(1, T - 2)] * (B - 1), T)

    def run():
        (y, _), cache = encoder_block_forward(params, x, num_heads=heads, mask=mask, causal=causal, norm=norm,
                                              activation=activation)

        def backward(dy):
            g = encoder_block_backward(dy, cache)
            return {"x": g.dx, **g.grads}
        return y, backward
    return vjp_rows(run, {"x": x, **params}, rng=rng)


@pytest.mark.parametrize("B,T,D,heads,mask_kind,causal,norm,activation", BLOCK_CONFIGS)
def test_block_gradients_match_finite_differences(B, T, D, heads, mask_kind, causal, norm, activation):
    rows = block_rows(B, T, D, heads, mask_kind, causal, norm, activation)
    assert len(rows) == 13  # x and the twelve parameters
    assert all(r.passed for r in rows), rows


@pytest.mark.parametrize("norm,activation,masked,causal", [("pre", "relu", False, False), ("pre", "gelu", True, True),
                                                          ("post", "relu", True, False),
                                                          ("post", "gelu", False, True)])
def test_block_matches_torch_transformer_encoder_layer(norm, activation, masked, causal):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    rng = np.random.default_rng(5)
    B, T, D, heads, d_ff, eps = 3, 5, 8, 2, 12, 1e-5
    params = jitter(init_encoder_block(D, d_ff, rng=rng), rng)
    x, dy = rng.standard_normal((B, T, D)), rng.standard_normal((B, T, D))
    mask = lengths_mask([5, 3, 1], T) if masked else None
    (y, w), cache = encoder_block_forward(params, x, num_heads=heads, mask=mask, causal=causal, norm=norm,
                                         activation=activation, eps=eps)
    g = encoder_block_backward(dy, cache)

    act = F.relu if activation == "relu" else (lambda z: F.gelu(z, approximate="tanh"))
    layer = torch.nn.TransformerEncoderLayer(D, heads, dim_feedforward=d_ff, dropout=0.0, activation=act,
                                             layer_norm_eps=eps, batch_first=True, norm_first=(norm == "pre"),
                                             dtype=torch.float64)
    torch_params = {"ln1.gamma": layer.norm1.weight, "ln1.beta": layer.norm1.bias,
                    "attn.W_qkv": layer.self_attn.in_proj_weight, "attn.b_qkv": layer.self_attn.in_proj_bias,
                    "attn.W_o": layer.self_attn.out_proj.weight, "attn.b_o": layer.self_attn.out_proj.bias,
                    "ln2.gamma": layer.norm2.weight, "ln2.beta": layer.norm2.bias,
                    "mlp.W_1": layer.linear1.weight, "mlp.b_1": layer.linear1.bias,
                    "mlp.W_2": layer.linear2.weight, "mlp.b_2": layer.linear2.bias}
    transposed = {"attn.W_qkv", "attn.W_o", "mlp.W_1", "mlp.W_2"}  # torch stores (out, in) matrices
    assert set(torch_params) == set(params)
    with torch.no_grad():
        for k, tp in torch_params.items():
            tp.copy_(torch.from_numpy(params[k].T if k in transposed else params[k]))
    xt = torch.tensor(x, requires_grad=True)
    causal_t = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1) if causal else None
    yt = layer(xt, src_mask=causal_t, src_key_padding_mask=None if mask is None else torch.from_numpy(~mask))
    yt.backward(torch.from_numpy(dy))
    assert relative_error(y, yt.detach().numpy()) <= PARITY_TOL
    assert relative_error(g.dx, xt.grad.numpy()) <= PARITY_TOL
    for k, tp in torch_params.items():
        tg = tp.grad.numpy()
        assert relative_error(g.grads[k], tg.T if k in transposed else tg) <= PARITY_TOL, k
    assert w.shape == (B, heads, T, T)


def test_pre_ln_block_with_silent_branches_is_the_identity():
    rng = np.random.default_rng(6)
    params = init_encoder_block(4, 8, rng=rng)
    for k in ("attn.W_o", "attn.b_o", "mlp.W_2", "mlp.b_2"):  # both residual branches output zero
        params[k] = np.zeros_like(params[k])
    x = rng.standard_normal((2, 3, 4))
    (y, _), cache = encoder_block_forward(params, x, num_heads=2)
    dy = rng.standard_normal(x.shape)
    assert np.array_equal(y, x)
    np.testing.assert_allclose(encoder_block_backward(dy, cache).dx, dy, rtol=0, atol=1e-15)


def test_block_masked_keys_get_zero_weight():
    rng = np.random.default_rng(7)
    mask = lengths_mask([4, 2], 4)
    (_, w), _ = encoder_block_forward(init_encoder_block(4, 8, rng=rng), rng.standard_normal((2, 4, 4)),
                                      num_heads=2, mask=mask, causal=True, norm="post")
    allowed = np.broadcast_to(mask[:, None, None, :] & np.tril(np.ones((4, 4), dtype=bool)), w.shape)
    assert np.all(w[~allowed] == 0.0) and np.all(w[allowed] > 0.0)
    np.testing.assert_allclose(w.sum(axis=-1), 1.0, rtol=0, atol=1e-12)


def test_block_never_mutates_its_inputs_and_float32_stays_float32():
    rng = np.random.default_rng(8)
    params = init_encoder_block(4, 8, rng=rng)
    x, dy, mask = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 3, 4)), lengths_mask([3, 2], 3)
    originals = {k: v.copy() for k, v in {"x": x, "dy": dy, "mask": mask, **params}.items()}
    for norm in ("pre", "post"):
        encoder_block_backward(dy, encoder_block_forward(params, x, num_heads=2, mask=mask, causal=True,
                                                         norm=norm)[1])
    current = {"x": x, "dy": dy, "mask": mask, **params}
    assert all(np.array_equal(originals[k], current[k]) for k in originals)

    p32 = init_encoder_block(4, 8, rng=rng, dtype=np.float32)
    (y, w), cache = encoder_block_forward(p32, x.astype(np.float32), num_heads=2, causal=True)
    g = encoder_block_backward(y, cache)
    assert all(a.dtype == np.float32 for a in (y, w, g.dx, *g.grads.values()))


def test_bad_block_options_raise_value_errors():
    rng = np.random.default_rng(9)
    params = init_encoder_block(4, 8, rng=rng)
    x = rng.standard_normal((2, 3, 4))
    with pytest.raises(ValueError, match="norm"):
        encoder_block_forward(params, x, num_heads=2, norm="sandwich")
    with pytest.raises(ValueError, match="activation"):
        encoder_block_forward(params, x, num_heads=2, activation="tanh")
    with pytest.raises(ValueError, match="keys"):
        encoder_block_forward({k: v for k, v in params.items() if k != "mlp.b_2"}, x, num_heads=2)
    with pytest.raises(ValueError, match="num_heads"):
        encoder_block_forward(params, x, num_heads=3)
    with pytest.raises(ValueError, match="eps"):
        layernorm_forward(init_layernorm(4), x, eps=0.0)
