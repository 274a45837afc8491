"""The engine, checked live: every gradient of rnncore against centered finite differences, and against PyTorch.

Three kinds of check, each one row per checked array (``rnncore.gradcheck``, relative error of the whole gradient):

- **cell**, full BPTT: f = sum(u * hs) + <u_T, final state> with random u (a vector-Jacobian product), for every
  cell (the RNN with each nonlinearity, the LSTM, the GRU); arrays: W_x, W_h, b (b_hn), the inputs xs, h0 (c0).
- **cell**, truncated BPTT with k steps: the gradient truncated BPTT computes is the exact gradient of a surrogate,
  where the output at t is recomputed from the state entering its k-step window, held constant (taken from an
  unperturbed run), or from the live initial state when the window reaches the start. :func:`truncated_objective`.
- **model**: ``rnncore.model.loss_and_grads`` for every cell type and every loss (mse, bce, xent), with token inputs
  (``vocab_size`` set), so the embedding E and the readout W_y, b_y are checked too.

A control row injects a 0.1% error into one gradient and shows that the check catches it. :func:`torch_parity` runs
the same cells as ``torch.nn.RNN/LSTM/GRU`` in float64 (the mapping of docs/ENGINE.md) when torch is installed.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import platform
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

from rnncore import gradcheck
from rnncore.cells import get_cell
from rnncore.losses import LOSSES, get_loss
from rnncore.model import ModelSpec, forward, init_model, loss_and_grads
from rnncore.sequence import bptt, unroll

#: (label, cell name, options): every cell the engine has.
CELL_CASES = tuple([(f"rnn-{f}", "rnn", {"nonlinearity": f}) for f in ("tanh", "relu", "sigmoid", "identity")]
                   + [("lstm", "lstm", {}), ("gru", "gru", {})])
#: The model checks run every loss on each cell type; the other RNN nonlinearities are checked at the cell level
#: (the loss, readout and embedding do not depend on them).
TOLERANCE = gradcheck.TOLERANCE  # the relative error a gradient must stay under
MODEL_CELLS = ("rnn-tanh", "lstm", "gru")
OUTPUT_OF_LOSS = {"mse": "all", "bce": "last", "xent": "all"}  # both readout modes get checked
PACKAGES = ("numpy", "pandas", "altair", "streamlit", "torch")
COLUMNS = ["kind", "case", "array", "shape", "rel_error", "max_abs_error", "passed", "note"]


@dataclass(frozen=True)
class Config:
    """Small problems: finite differences cost two forward passes per entry."""

    batch: int = 2          # B
    T: int = 4              # sequence length
    input_size: int = 2     # D (the embedding size for the model checks)
    hidden_size: int = 3    # H
    output_size: int = 3    # O (classes for xent)
    vocab_size: int = 4     # V, token inputs of the model checks
    truncate: int = 2       # k of the truncated-BPTT check (< T, else it is full BPTT)
    eps: float = 1e-6       # finite-difference step

    def __post_init__(self):
        for name in ("batch", "T", "input_size", "hidden_size", "output_size", "vocab_size", "truncate"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if not 0 < self.eps < 1e-2:
            raise ValueError(f"eps must be in (0, 1e-2), got {self.eps}; 1e-6 suits float64")


class Result(NamedTuple):
    table: pd.DataFrame     # COLUMNS: one row per checked array
    control: pd.DataFrame   # the injected-error row(s): must fail
    summary: pd.DataFrame   # kind, checks, passed, worst_rel_error


class Findings(NamedTuple):
    """What the page quotes from a :class:`Result`."""

    passed: int              # checks within TOLERANCE
    total: int               # checks run
    worst: dict              # the row with the largest relative error: kind, case, array, rel_error, ...
    control_error: float     # the relative error of the gradient with a 0.1% error injected on purpose
    caught: bool             # whether that check failed, as it must
    failing: pd.DataFrame    # the rows that fail (empty when every check passes)


def findings(result: Result) -> Findings:
    """The numbers the Engine check page prints, from one run of the checks."""
    table, control = result.table, result.control
    return Findings(int(table["passed"].sum()), len(table), table.loc[table["rel_error"].idxmax()].to_dict(),
                    float(control["rel_error"].iloc[0]), not bool(control["passed"].iloc[0]),
                    table[~table["passed"]])


def _state(cell, rng, B, H):
    parts = tuple(rng.standard_normal((B, H)) for _ in range(cell.state_size))
    return parts if cell.state_size == 2 else parts[0]


def _relu_kink(params: dict, xs: np.ndarray, s0) -> float:
    """The smallest |pre-activation| of a relu RNN over the run: below ~1e-4 the central difference straddles 0."""
    _, cache = unroll(get_cell("rnn", nonlinearity="relu"), params, xs, s0)
    a = xs @ params["W_x"] + np.transpose(cache.store.h[:-1], (1, 0, 2)) @ params["W_h"] + params["b"]
    return float(np.min(np.abs(a)))


def _note(opts: dict, params: dict, xs: np.ndarray, s0, eps: float) -> str:
    if opts.get("nonlinearity") != "relu":
        return ""
    gap = _relu_kink(params, xs, s0)
    return f"closest pre-activation to relu's kink: {gap:.1e}" + (" (too close: unreliable)" if gap < 100 * eps
                                                                  else "")


def _rows(kind: str, case: str, rows: list, note: str) -> list:
    return [(kind, case, r.name, str(r.shape), r.rel_error, r.max_abs_error, bool(r.passed), note) for r in rows]


def cell_checks(cfg: Config, seed: int, *, truncate: int | None = None) -> pd.DataFrame:
    """Every cell, full BPTT (``truncate=None``) or truncated: one row per parameter, xs, h0 (and c0)."""
    rows = []
    for i, (label, name, opts) in enumerate(CELL_CASES):
        rng = np.random.default_rng([seed, i])
        cell = get_cell(name, **opts)
        params = cell.init_params(rng, cfg.input_size, cfg.hidden_size, scheme="uniform", dtype=np.float64)
        if opts.get("nonlinearity") == "relu":
            params["b"] += 0.5  # keep pre-activations off the kink at 0, where differences are meaningless
        xs = rng.standard_normal((cfg.batch, cfg.T, cfg.input_size))
        s0 = _state(cell, rng, cfg.batch, cfg.hidden_size)
        u, us = rng.standard_normal((cfg.batch, cfg.T, cfg.hidden_size)), _state(cell, rng, cfg.batch, cfg.hidden_size)
        _, cache = unroll(cell, params, xs, s0)
        dxs, d0, grads = bptt(cell, params, u, cache, dstate=us, truncate=truncate)
        arrays, analytic = dict(params), dict(grads)
        arrays["xs"], analytic["xs"] = xs, dxs
        for state_name, a, g in zip(("h0", "c0"), gradcheck.state_parts(s0), gradcheck.state_parts(d0)):
            arrays[state_name], analytic[state_name] = a, g
        if truncate is None:
            f = lambda: gradcheck.unroll_objective(cell, params, xs, s0, u, us)  # noqa: E731 - closes over the perturbed arrays
        else:
            frozen = gradcheck.frozen_states(cell, params, xs, s0)
            f = lambda: gradcheck.truncated_objective(cell, params, xs, s0, u, us, truncate, frozen)  # noqa: E731
        checked = gradcheck.check(f, arrays, analytic, eps=cfg.eps)
        kind = "cell, full BPTT" if truncate is None else f"cell, truncated BPTT (k = {truncate})"
        rows += _rows(kind, label, checked, _note(opts, params, xs, s0, cfg.eps))
    return pd.DataFrame(rows, columns=COLUMNS)


def _targets(loss: str, lead: tuple, O: int, rng: np.random.Generator) -> np.ndarray:
    if loss == "xent":
        return rng.integers(0, O, size=lead)
    if loss == "bce":
        return rng.integers(0, 2, size=lead + (O,)).astype(np.float64)
    return rng.standard_normal(lead + (O,))


def model_checks(cfg: Config, seed: int) -> pd.DataFrame:
    """``loss_and_grads`` for every cell type and loss on token inputs: every parameter, E and the readout too."""
    rows = []
    for i, (label, name, opts) in enumerate(CELL_CASES):
        if label not in MODEL_CELLS:
            continue
        for j, loss in enumerate(LOSSES):
            rng = np.random.default_rng([seed, 100 + i, j])
            spec = ModelSpec(cell=name, input_size=cfg.input_size, hidden_size=cfg.hidden_size,
                             output_size=cfg.output_size, loss=loss, output=OUTPUT_OF_LOSS[loss],
                             vocab_size=cfg.vocab_size, nonlinearity=opts.get("nonlinearity", "tanh"))
            params = init_model(spec, rng=rng, scheme="uniform")  # smooth cells only (MODEL_CELLS): no kink
            ids = rng.integers(0, cfg.vocab_size, size=(cfg.batch, cfg.T))
            lead = (cfg.batch,) if spec.output == "last" else (cfg.batch, cfg.T)
            ys = _targets(loss, lead, cfg.output_size, rng)
            out = loss_and_grads(spec, params, ids, ys)
            # the numerical side runs the forward pass and the loss only: independent of every backward
            checked = gradcheck.check(lambda: get_loss(loss)(forward(spec, params, ids)[0], ys).loss, params,
                                      out.grads, eps=cfg.eps)
            rows += _rows(f"model, {loss} loss ({spec.output})", label, checked, "")
    return pd.DataFrame(rows, columns=COLUMNS)


def control_check(cfg: Config, seed: int) -> pd.DataFrame:
    """A check that must fail: the GRU's W_h gradient with a 0.1% error injected."""
    rng = np.random.default_rng([seed, 999])
    cell = get_cell("gru")
    params = cell.init_params(rng, cfg.input_size, cfg.hidden_size, scheme="uniform", dtype=np.float64)
    xs = rng.standard_normal((cfg.batch, cfg.T, cfg.input_size))
    u = rng.standard_normal((cfg.batch, cfg.T, cfg.hidden_size))
    _, cache = unroll(cell, params, xs)
    _, _, grads = bptt(cell, params, u, cache)
    wrong = {"W_h": grads["W_h"] * 1.001}
    checked = gradcheck.check(lambda: gradcheck.unroll_objective(cell, params, xs, None, u, None), {"W_h": params["W_h"]}, wrong,
                              eps=cfg.eps)
    return pd.DataFrame(_rows("control: 0.1% error injected", "gru", checked, "must fail"), columns=COLUMNS)


def run(cfg: Config, seed: int, *, callback=None) -> Result:
    """Every check; ``callback(done, total, info)`` reports progress after each group."""
    steps = [lambda: cell_checks(cfg, seed), lambda: cell_checks(cfg, seed, truncate=cfg.truncate),
             lambda: model_checks(cfg, seed)]
    parts = []
    for i, step in enumerate(steps):
        parts.append(step())
        if callback:
            callback(i + 1, len(steps), {})
    table = pd.concat(parts, ignore_index=True)
    summary = (table.groupby("kind", sort=False, as_index=False)
               .agg(checks=("passed", "size"), passed=("passed", "sum"), worst_rel_error=("rel_error", "max")))
    return Result(table, control_check(cfg, seed), summary)


def versions() -> pd.DataFrame:
    """Python and the versions of the stack, read from the installed metadata (nothing is imported)."""
    rows = [("python", platform.python_version())]
    for name in PACKAGES:
        try:
            rows.append((name, importlib.metadata.version(name)))
        except importlib.metadata.PackageNotFoundError:
            rows.append((name, "not installed"))
    return pd.DataFrame(rows, columns=["package", "version"])


def torch_available() -> bool:
    """Whether torch can be imported here (without importing it: that takes seconds)."""
    return importlib.util.find_spec("torch") is not None


def _rel(a, b) -> float:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    scale = max(np.linalg.norm(a), np.linalg.norm(b))
    return 0.0 if scale == 0 else float(np.linalg.norm(a - b) / scale)


def torch_parity(seed: int, *, B: int = 3, T: int = 9, D: int = 4, H: int = 6) -> pd.DataFrame:
    """rnncore against torch.nn.RNN (tanh, relu), LSTM and GRU in float64, on torch's own initial weights.

    Returns:
        case, quantity, rel_diff: ||ours - torch|| / max norm, for the hidden states, the final state, dxs, the
        initial-state gradients and every parameter gradient (torch's two biases mapped as in docs/ENGINE.md).

    Raises:
        ImportError: torch is not installed (check :func:`torch_available` first).
    """
    import torch  # optional, and slow to import: only here

    torch.manual_seed(seed)
    rows = []
    for i, (label, name, nl) in enumerate([("rnn-tanh", "rnn", "tanh"), ("rnn-relu", "rnn", "relu"),
                                           ("lstm", "lstm", None), ("gru", "gru", None)]):
        rng = np.random.default_rng([seed, 500 + i])
        mod = (torch.nn.RNN(D, H, nonlinearity=nl, batch_first=True) if name == "rnn"
               else {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[name](D, H, batch_first=True)).double()
        w_ih, w_hh = mod.weight_ih_l0.detach().numpy(), mod.weight_hh_l0.detach().numpy()
        b_ih, b_hh = mod.bias_ih_l0.detach().numpy(), mod.bias_hh_l0.detach().numpy()
        params = {"W_x": w_ih.T.copy(), "W_h": w_hh.T.copy(), "b": b_ih + b_hh}
        if name == "gru":  # the n block's recurrent bias sits inside the reset product
            params["b"][2 * H:] = b_ih[2 * H:]
            params["b_hn"] = b_hh[2 * H:].copy()
        cell = get_cell(name, **({"nonlinearity": nl} if nl else {}))
        xs, u = rng.standard_normal((B, T, D)), rng.standard_normal((B, T, H))
        s0 = _state(cell, rng, B, H)
        us = _state(cell, rng, B, H)
        x_t = torch.tensor(xs, requires_grad=True)
        s0_t = tuple(torch.tensor(p[None], requires_grad=True) for p in gradcheck.state_parts(s0))
        out_t, fin_t = mod(x_t, s0_t if name == "lstm" else s0_t[0])
        fin_t = gradcheck.state_parts(fin_t)
        obj = (out_t * torch.tensor(u)).sum() + sum((f[0] * torch.tensor(v)).sum() for f, v in zip(fin_t, gradcheck.state_parts(us)))
        obj.backward()
        hs, cache = unroll(cell, params, xs, s0)
        dxs, d0, grads = bptt(cell, params, u, cache, dstate=us)
        pairs = [("hidden states", hs, out_t.detach().numpy()),
                 ("final state", np.concatenate(gradcheck.state_parts(cache.final_state)),
                  np.concatenate([f[0].detach().numpy() for f in fin_t])),
                 ("dL/dxs", dxs, x_t.grad.numpy()),
                 ("dL/dstate0", np.concatenate(gradcheck.state_parts(d0)), np.concatenate([s.grad[0].numpy() for s in s0_t])),
                 ("dL/dW_x", grads["W_x"], mod.weight_ih_l0.grad.numpy().T),
                 ("dL/dW_h", grads["W_h"], mod.weight_hh_l0.grad.numpy().T),
                 ("dL/db", grads["b"], mod.bias_ih_l0.grad.numpy())]  # dL/db = dL/db_ih (b = b_ih + b_hh)
        if name == "gru":
            pairs.append(("dL/db_hn", grads["b_hn"], mod.bias_hh_l0.grad.numpy()[2 * H:]))
        rows += [(label, q, _rel(a, b)) for q, a, b in pairs]
    return pd.DataFrame(rows, columns=["case", "quantity", "rel_diff"])
