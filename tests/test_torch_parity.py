"""Parity with torch.nn.RNN / LSTM / GRU in float64: hidden states, final state and every gradient.

The mapping (docs/ENGINE.md): W_x = weight_ih_l0.T, W_h = weight_hh_l0.T, b = bias_ih_l0 + bias_hh_l0, except the GRU's
n block, where b[2H:] = bias_ih[2H:] and b_hn = bias_hh[2H:].
"""
import numpy as np
import pytest

from rnncore import bptt, get_cell, unroll
from rnncore.gradcheck import state_parts

torch = pytest.importorskip("torch")

SHAPES = [(1, 1, 1, 1), (1, 7, 3, 5), (4, 1, 2, 3), (3, 9, 4, 6), (2, 20, 5, 8)]
CASES = [("rnn", "tanh"), ("rnn", "relu"), ("lstm", None), ("gru", None)]


def _torch_module(name, nonlinearity, D, H):
    if name == "rnn":
        return torch.nn.RNN(D, H, nonlinearity=nonlinearity, batch_first=True).double()
    return {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[name](D, H, batch_first=True).double()


def _params_from_torch(name, mod, H):
    w_ih, w_hh = mod.weight_ih_l0.detach().numpy(), mod.weight_hh_l0.detach().numpy()
    b_ih, b_hh = mod.bias_ih_l0.detach().numpy(), mod.bias_hh_l0.detach().numpy()
    params = {"W_x": w_ih.T.copy(), "W_h": w_hh.T.copy(), "b": b_ih + b_hh}
    if name == "gru":
        params["b"][2 * H:] = b_ih[2 * H:]
        params["b_hn"] = b_hh[2 * H:].copy()
    return params


def _grads_from_torch(name, mod, H):
    g_ih, g_hh = mod.weight_ih_l0.grad.numpy(), mod.weight_hh_l0.grad.numpy()
    gb_ih, gb_hh = mod.bias_ih_l0.grad.numpy(), mod.bias_hh_l0.grad.numpy()
    # b = b_ih + b_hh, so dL/db equals each of their gradients; check that torch agrees with itself first
    out = {"W_x": g_ih.T, "W_h": g_hh.T, "b": gb_ih}
    if name == "gru":
        np.testing.assert_allclose(gb_ih[:2 * H], gb_hh[:2 * H], rtol=1e-12, atol=1e-14)
        out["b_hn"] = gb_hh[2 * H:]
    else:
        np.testing.assert_allclose(gb_ih, gb_hh, rtol=1e-12, atol=1e-14)
    return out


def _close(a, b, what):
    scale = max(np.linalg.norm(a), np.linalg.norm(b), 1e-300)
    rel = np.linalg.norm(np.asarray(a) - np.asarray(b)) / scale
    assert rel <= 1e-9, f"{what}: relative difference {rel:.2e}"


@pytest.mark.parametrize("name,nonlin", CASES, ids=["rnn-tanh", "rnn-relu", "lstm", "gru"])
@pytest.mark.parametrize("shape", SHAPES, ids=[f"B{s[0]}T{s[1]}D{s[2]}H{s[3]}" for s in SHAPES])
def test_matches_torch(name, nonlin, shape):
    B, T, D, H = shape
    torch.manual_seed(B * 1000 + T * 10 + D + H)
    rng = np.random.default_rng(B * 1000 + T)
    mod = _torch_module(name, nonlin, D, H)
    cell = get_cell(name, **({"nonlinearity": nonlin} if nonlin else {}))
    params = _params_from_torch(name, mod, H)

    xs = rng.standard_normal((B, T, D))
    h0 = rng.standard_normal((B, H))
    c0 = rng.standard_normal((B, H))
    u = rng.standard_normal((B, T, H))      # upstream dL/dhs
    uh, uc = rng.standard_normal((B, H)), rng.standard_normal((B, H))  # upstream dL/d(final h, c)

    x_t = torch.tensor(xs, requires_grad=True)
    h0_t = torch.tensor(h0[None], requires_grad=True)
    c0_t = torch.tensor(c0[None], requires_grad=True)
    if name == "lstm":
        out_t, (hT_t, cT_t) = mod(x_t, (h0_t, c0_t))
        obj = (out_t * torch.tensor(u)).sum() + (hT_t[0] * torch.tensor(uh)).sum() + (cT_t[0] * torch.tensor(uc)).sum()
    else:
        out_t, hT_t = mod(x_t, h0_t)
        obj = (out_t * torch.tensor(u)).sum() + (hT_t[0] * torch.tensor(uh)).sum()
    obj.backward()

    s0 = (h0, c0) if name == "lstm" else h0
    ds = (uh, uc) if name == "lstm" else uh
    hs, cache = unroll(cell, params, xs, s0)
    dxs, d0, grads = bptt(cell, params, u, cache, dstate=ds)

    _close(hs, out_t.detach().numpy(), "hidden states")
    _close(state_parts(cache.final_state)[0], hT_t[0].detach().numpy(), "final h")
    if name == "lstm":
        _close(cache.final_state[1], cT_t[0].detach().numpy(), "final c")
        _close(d0[1], c0_t.grad[0].numpy(), "dc0")
    _close(state_parts(d0)[0], h0_t.grad[0].numpy(), "dh0")
    _close(dxs, x_t.grad.numpy(), "dxs")
    for k, g in _grads_from_torch(name, mod, H).items():
        _close(grads[k], g, k)
