"""RNN basics: one sequence stepped through a recurrent cell and a linear readout, as tidy frames.

    h_t = cell(x_t, h_{t-1}),   y_t = h_t W_y + b_y,   t = 1..T        (row vectors, batch-first)

:func:`trace` runs a model over one input signal and returns the inputs, the hidden states and the outputs, one
row per (t, channel), ready for a heatmap or a line chart, with the shape of every array. :func:`article_example`
reproduces the source article's SimpleRNN forward pass (input 10, hidden 20, output 5, a sequence of 5), once with
rnncore and once with the article's column-vector loop on the same weights, and reports how far apart they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

from rnncore.cells import CELLS
from rnncore.init import SCHEMES
from rnncore.model import ModelSpec, forward, init_model

SIGNALS = ("random", "sine", "step", "impulse")
ARTICLE = {"input_size": 10, "hidden_size": 20, "output_size": 5, "T": 5}  # its SimpleRNN(10, 20, 5), 5 inputs


@dataclass(frozen=True)
class Config:
    """What to step through; every field has a default that draws in a blink."""

    cell: str = "rnn"          # "rnn" (tanh), "lstm" or "gru"
    hidden_size: int = 20      # H, the article's 20
    signal: str = "random"     # one of SIGNALS; "random" is the article's N(0, 1) inputs
    T: int = 20                # sequence length
    input_size: int = 10       # D, the article's 10
    output_size: int = 5       # O, the article's 5
    scheme: str = "xavier"     # weight init (rnncore.init.SCHEMES); the article used "small" (N(0, 0.01^2))

    def __post_init__(self):
        if self.cell not in CELLS:
            raise ValueError(f"unknown cell {self.cell!r}; choose one of {', '.join(CELLS)}")
        if self.signal not in SIGNALS:
            raise ValueError(f"unknown signal {self.signal!r}; choose one of {', '.join(SIGNALS)}")
        if self.scheme not in SCHEMES:
            raise ValueError(f"unknown init scheme {self.scheme!r}; choose one of {', '.join(SCHEMES)}")
        for name in ("hidden_size", "T", "input_size", "output_size"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}; use a positive size")


class Trace(NamedTuple):
    """One forward pass, long-form: t runs 1..T (h_0, the zero initial state, is not a row)."""

    inputs: pd.DataFrame   # t, channel, x: the input sequence xs[0] (T, D)
    hidden: pd.DataFrame   # t, unit, h: the hidden states hs[0] (T, H)
    outputs: pd.DataFrame  # t, output, y: the readout pred[0] (T, O)
    shapes: pd.DataFrame   # array, shape, meaning: every array of the pass


class Step(NamedTuple):
    """The caption's facts about one step t of a :class:`Trace`."""

    t: int
    h_norm: float          # the Euclidean norm of h_t
    y: tuple[float, ...]   # the outputs y_t


def at_step(trace: Trace, t: int) -> Step:
    """The norm of the hidden state and the outputs at step ``t`` (1..T) of ``trace``."""
    h = trace.hidden.loc[trace.hidden["t"] == t, "h"].to_numpy()
    if h.size == 0:
        raise ValueError(f"t={t} is not a step of this trace (1..{int(trace.hidden['t'].max())})")
    y = trace.outputs.loc[trace.outputs["t"] == t, "y"].to_numpy()
    return Step(int(t), float(np.linalg.norm(h)), tuple(float(v) for v in y))


def make_signal(signal: str, T: int, D: int, *, rng: np.random.Generator) -> np.ndarray:
    """One input sequence of shape (1, T, D).

    "random": N(0, 1) noise (the article's inputs); "sine": channel d is sin(2 pi t / 12 + 2 pi d / D), a wave
    that travels across channels; "step": 0 for the first half, 1 after; "impulse": 1 at t = 1, then 0, to watch
    the state forget it.
    """
    if signal not in SIGNALS:
        raise ValueError(f"unknown signal {signal!r}; choose one of {', '.join(SIGNALS)}")
    t = np.arange(1, T + 1, dtype=np.float64)[:, None]   # (T, 1)
    d = np.arange(D, dtype=np.float64)[None, :]           # (1, D)
    if signal == "random":
        xs = rng.standard_normal((T, D))
    elif signal == "sine":
        xs = np.sin(2 * np.pi * t / 12.0 + 2 * np.pi * d / D)
    elif signal == "step":
        xs = np.broadcast_to((t > T // 2).astype(np.float64), (T, D)).copy()
    else:
        xs = np.broadcast_to((t == 1).astype(np.float64), (T, D)).copy()
    return xs[None]                                       # (1, T, D): a batch of one


def _long(values: np.ndarray, column: str, value: str) -> pd.DataFrame:
    """(T, K) -> rows (t, column, value) with t from 1."""
    T, K = values.shape
    return pd.DataFrame({"t": np.repeat(np.arange(1, T + 1), K), column: np.tile(np.arange(K), T),
                         value: values.reshape(-1)})


def _shape(a) -> str:
    return str(tuple(int(n) for n in np.shape(a)))


def trace(cfg: Config, seed: int) -> Trace:
    """Run ``cfg``'s model over its signal; the weights and the noise come from ``seed`` alone.

    Returns:
        a :class:`Trace`; ``shapes`` lists xs, the cell's parameters, hs, the readout and the per-step slices.
    """
    spec = ModelSpec(cell=cfg.cell, input_size=cfg.input_size, hidden_size=cfg.hidden_size,
                     output_size=cfg.output_size, output="all")
    params_rng, data_rng = np.random.default_rng(seed).spawn(2)
    params = init_model(spec, rng=params_rng, scheme=cfg.scheme)
    xs = make_signal(cfg.signal, cfg.T, cfg.input_size, rng=data_rng)
    pred, cache = forward(spec, params, xs)                # pred (1, T, O), cache.hs (1, T, H)
    D, H, O, T = cfg.input_size, cfg.hidden_size, cfg.output_size, cfg.T
    G = spec.get_cell().gates
    rows = [("xs", _shape(xs), "the input sequence: (B, T, D), batch-first"),
            ("x_t", _shape(xs[:, 0]), "the input at step t: xs[:, t-1]")]
    meaning = {"W_x": f"input weights: (D, G*H), G = {G} gate block(s)",
               "W_h": "recurrent weights: (H, G*H)", "b": "gate biases: (G*H,)",
               "b_hn": "the GRU's recurrent bias inside the reset product: (H,)"}
    rows += [(name, _shape(params[name]), meaning[name]) for name in spec.get_cell().param_names]
    rows += [("h_t", _shape(cache.hs[:, 0]), "the hidden state after step t (h_0 = 0)")]
    if cfg.cell == "lstm":
        rows += [("c_t", _shape(cache.cell_cache.final_state[1]), "the LSTM's cell state after step t")]
    rows += [("hs", _shape(cache.hs), "every hidden state: (B, T, H)"),
             ("W_y", _shape(params["W_y"]), "readout weights: (H, O)"), ("b_y", _shape(params["b_y"]), "readout bias"),
             ("y_t", _shape(pred[:, 0]), "the output at step t: h_t W_y + b_y"),
             ("pred", _shape(pred), "every output: (B, T, O)")]
    assert cache.hs.shape == (1, T, H) and pred.shape == (1, T, O) and xs.shape == (1, T, D)
    return Trace(_long(xs[0], "channel", "x"), _long(np.asarray(cache.hs[0]), "unit", "h"),
                 _long(pred[0], "output", "y"), pd.DataFrame(rows, columns=["array", "shape", "meaning"]))


class ArticleExample(NamedTuple):
    """The article's SimpleRNN forward pass, twice: its column-vector loop and rnncore, on the same weights."""

    n_outputs: int               # outputs in the article's list: 5
    article_last_shape: tuple    # the shape of its last output, a column vector: (5, 1)
    pred_shape: tuple            # rnncore's batch-first outputs: (1, 5, 5)
    step_shape: tuple            # one step of them, pred[:, -1], a row vector: (1, 5)
    max_abs_diff: float          # largest |article loop - rnncore| over all outputs (float64 rounding only)
    outputs: pd.DataFrame        # t, output, article, rnncore


def article_loop(Wxh, Whh, Why, bh, by, inputs: list) -> tuple[list, np.ndarray]:
    """The article's forward pass, column vectors: h = tanh(Wxh x + Whh h + bh), y = Why h + by, from h = 0."""
    h = np.zeros((Whh.shape[0], 1))
    outputs = []
    for x in inputs:                                      # x (D, 1)
        h = np.tanh(Wxh @ x + Whh @ h + bh)
        outputs.append(Why @ h + by)                      # (O, 1)
    return outputs, h


def article_example(seed: int) -> ArticleExample:
    """The article's SimpleRNN(10, 20, 5) over 5 N(0, 1) inputs, with its N(0, 0.01^2) weights ("small").

    rnncore keeps row vectors and a batch axis (xs (1, 5, 10), W_x = Wxh^T); the article keeps column vectors and a
    Python list of steps. The same weights, transposed, must give the same numbers.
    """
    D, H, O, T = ARTICLE["input_size"], ARTICLE["hidden_size"], ARTICLE["output_size"], ARTICLE["T"]
    spec = ModelSpec(cell="rnn", input_size=D, hidden_size=H, output_size=O, output="all")
    params_rng, data_rng = np.random.default_rng(seed).spawn(2)
    params = init_model(spec, rng=params_rng, scheme="small")
    params["W_y"] = 0.01 * params_rng.standard_normal((H, O))  # the article's readout is N(0, 0.01^2) too
    xs = data_rng.standard_normal((1, T, D))
    pred, _ = forward(spec, params, xs)                    # (1, T, O)
    outputs, _ = article_loop(params["W_x"].T, params["W_h"].T, params["W_y"].T, params["b"][:, None],
                              params["b_y"][:, None], [xs[0, t][:, None] for t in range(T)])
    theirs = np.concatenate([y.T for y in outputs])        # (T, O): each (O, 1) column laid as a row
    frame = _long(theirs, "output", "article")
    frame["rnncore"] = pred[0].reshape(-1)
    return ArticleExample(len(outputs), tuple(outputs[-1].shape), tuple(pred.shape), tuple(pred[:, -1].shape),
                          float(np.max(np.abs(theirs - pred[0]))), frame)
