"""Attention & transformers: a plain RNN, an RNN with an attention readout and a one-block transformer, trained with
the same budget on the long-lag tasks; their attention maps; and the cost of recurrence against self-attention.

    run(Config(), seed=0)            -> SweepResult: loss and accuracy against lag, learning curves, attention maps
    measure_cost(CostConfig(), seed) -> frame: time per step and memory against T, RNN against self-attention

The default view of the page is precomputed, because training 18 models takes about a minute. Remake the shipped
file (``rnncore/data/shipped_results/attention.json``) with::

    OPENBLAS_NUM_THREADS=1 python -m rnncore.experiments make attention

Accuracy is the share of held-out sequences predicted within a tolerance: 0.5 for first-element recall (the
rounded prediction is the first bit) and 0.04 for the adding problem (Hochreiter & Schmidhuber 1997). Its baseline
is the best memoryless predictor: 0.5 for the first bit (always guess 1), and P(|u1 + u2 - 1| < 0.04) = 1 - 0.96^2
= 0.0784 for the adding problem (always answer 1, the mode of the sum).
"""
from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, NamedTuple

import numpy as np
import pandas as pd

import rnncore as rc
from rnncore import optim, tasks
from rnncore.attention import init_mha, mha_forward
from rnncore.attn_models import AttnRNN, PlainRNN, TransformerModel
from rnncore.cells import get_cell
from rnncore.data import shipped
from rnncore.experiments import effort, timing
from rnncore.experiments.machine import machine_info
from rnncore.experiments.timing import time_call
from rnncore.losses import get_loss
from rnncore.model import ModelSpec
from rnncore.sequence import unroll

MODELS = ("rnn", "rnn+attention", "transformer")
TASKS = ("first_element", "adding")
INPUT_SIZE = {"first_element": 1, "adding": 2}
TOLERANCE = {"first_element": 0.5, "adding": 0.04}
ACCURACY_BASELINE = {"first_element": 0.5, "adding": 1.0 - 0.96 ** 2}
SHIPPED = "attention"  # its file in rnncore/data/shipped_results/ (see rnncore.data.shipped)
COMMAND = "OPENBLAS_NUM_THREADS=1 python -m rnncore.experiments make attention"
_CURVE_POINTS = 50  # windows per learning curve: enough to see its shape, small enough to ship


@dataclass(frozen=True)
class Config:
    """One sweep: every model trained on every (task, lag) with the same budget."""

    tasks: tuple = TASKS           # the long-lag tasks trained
    lags: tuple = (10, 20, 50, 100)  # sequence lengths T
    steps: int = 300               # Adam updates per model, the same for every model
    batch: int = 32                # sequences per update
    hidden_size: int = 16          # H of both RNNs, d_model of the transformer
    heads: int = 2                 # the transformer's attention heads
    lr: float = 0.01               # Adam's learning rate
    clip: float = 1.0              # gradient clipping by global norm
    score: str = "additive"        # the attention RNN's score: "additive" (Bahdanau) or "dot"
    eval_n: int = 512              # held-out sequences for the loss and the accuracy
    n_maps: int = 8                # held-out sequences kept for the attention maps

    def __post_init__(self):
        if not self.tasks or set(self.tasks) - set(TASKS):
            raise ValueError(f"Config: tasks={self.tasks!r}; choose a non-empty subset of {TASKS}.")
        if not self.lags or any(int(T) < 2 for T in self.lags):
            raise ValueError(f"Config: lags={self.lags!r}; give at least one sequence length, each >= 2.")
        if (min(self.steps, self.batch, self.hidden_size, self.eval_n, self.n_maps) < 1
                or self.hidden_size % self.heads):
            raise ValueError("Config: steps, batch, hidden_size, eval_n and n_maps must be >= 1, and heads must "
                             f"divide hidden_size (got hidden_size={self.hidden_size}, heads={self.heads}).")


class SweepResult(NamedTuple):
    """The frames of one sweep (tidy, one row per point)."""

    summary: pd.DataFrame         # task, T, model, loss, accuracy, baseline, baseline_accuracy, focus, uniform_focus,
                                  # seconds, stopped_at, reason
    curves: pd.DataFrame          # task, T, model, step, loss (training loss averaged over windows of steps)
    readout: pd.DataFrame         # task, T, model, example, t, weight, x, marked
    self_attention: pd.DataFrame  # task, T, head, query, key, weight (the transformer, held-out example 0)


class Answers(NamedTuple):
    """What the page's answers to the article quote from one sweep, at its longest lag (one run: one seed)."""

    T: int                  # the longest lag of the sweep
    loss: dict              # (task, model) -> held-out loss at T
    baseline: dict          # task -> the loss of the task's constant predictor at T
    seconds: dict           # model -> seconds its training took, on the sweep's first task at T
    solved: tuple           # the models below half the baseline loss on every task at T, in MODELS order
    solved_sentence: str    # that, in words, said of this run


def answers(summary: pd.DataFrame, cfg: Config) -> Answers:
    """The numbers of :class:`Answers` from a sweep's ``summary`` frame (of ``run(cfg, ...)``)."""
    by = summary.set_index(["task", "T", "model"])
    T = int(max(cfg.lags))
    loss = {(task, m): float(by.loc[(task, T, m), "loss"]) for task in cfg.tasks for m in MODELS}
    baseline = {task: float(by.loc[(task, T, "rnn"), "baseline"]) for task in cfg.tasks}
    seconds = {m: float(by.loc[(cfg.tasks[0], T, m), "seconds"]) for m in MODELS}
    solved = tuple(m for m in MODELS if all(loss[(task, m)] < 0.5 * baseline[task] for task in cfg.tasks))
    sentence = (f"in this run (one seed), {' and '.join(solved) if solved else 'no model'} got below half the "
                f"baseline loss on {'every task' if len(cfg.tasks) > 1 else 'the task'}"
                + ("" if "rnn" in solved else "; the plain RNN did not"))
    return Answers(T, loss, baseline, seconds, solved, sentence)


def build_model(name: str, task: str, cfg: Config):
    """The model called ``name`` (one of MODELS) for ``task``, sized by ``cfg``."""
    D = INPUT_SIZE[task]
    if name == "rnn":
        return PlainRNN(ModelSpec(cell="rnn", input_size=D, hidden_size=cfg.hidden_size))
    if name == "rnn+attention":
        return AttnRNN(cell="rnn", input_size=D, hidden_size=cfg.hidden_size, kind=cfg.score)
    if name == "transformer":
        return TransformerModel(input_size=D, d_model=cfg.hidden_size, num_heads=cfg.heads, d_ff=2 * cfg.hidden_size)
    raise ValueError(f"unknown model {name!r}; choose one of {MODELS}.")


def accuracy(task: str, pred: np.ndarray, ys: np.ndarray) -> float:
    """Share of sequences whose prediction is within the task's tolerance of the target."""
    return float(np.mean(np.abs(np.asarray(pred) - ys) < TOLERANCE[task]))


def marked_positions(task: str, xs: np.ndarray) -> np.ndarray:
    """(B, T) bool: the positions the answer depends on (the first step; the adding problem's markers)."""
    if task == "adding":
        return xs[:, :, 1] > 0.5
    marked = np.zeros(xs.shape[:2], dtype=bool)
    marked[:, 0] = True
    return marked


def _curve(loss: np.ndarray, model: str, task: str, T: int) -> pd.DataFrame:
    windows = np.array_split(np.arange(loss.size), min(_CURVE_POINTS, loss.size)) if loss.size else []
    return pd.DataFrame({"task": task, "T": T, "model": model, "step": [int(w[-1]) + 1 for w in windows],
                         "loss": [float(loss[w].mean()) for w in windows]})


def _readout_frame(task: str, T: int, model: str, weights: np.ndarray, xs: np.ndarray,
                   marked: np.ndarray) -> pd.DataFrame:
    n = weights.shape[0]  # weights (n, T), xs (n, T, D), marked (n, T)
    return pd.DataFrame({"task": task, "T": T, "model": model, "example": np.repeat(np.arange(n), T),
                         "t": np.tile(np.arange(T), n), "weight": weights.ravel(), "x": xs[:, :, 0].ravel(),
                         "marked": marked.ravel()})


def _self_frame(task: str, T: int, weights: np.ndarray) -> pd.DataFrame:
    h, q, k = np.meshgrid(*(np.arange(s) for s in weights.shape), indexing="ij")  # weights (heads, T, T)
    return pd.DataFrame({"task": task, "T": T, "head": h.ravel(), "query": q.ravel(), "key": k.ravel(),
                         "weight": weights.ravel()})


def run(cfg: Config, *, seed: int, callback: Callable[[int, int, dict], None] | None = None) -> SweepResult:
    """Train every model of MODELS on every (task, lag) of ``cfg`` with the same data and budget.

    Args:
        cfg: the sweep.
        seed: every stream derives from it; at each (task, T) all models see the same batches.
        callback: progress, called as callback(done, total, info) with steps counted over the whole sweep.

    Returns:
        SweepResult; held-out loss and accuracy on ``eval_n`` fresh sequences per (task, T).
    """
    runs = [(task, int(T), model) for task in cfg.tasks for T in cfg.lags for model in MODELS]
    total, rows, curves, readout, selfs = len(runs) * cfg.steps, [], [], [], []
    for i, (task, T, name) in enumerate(runs):
        key = [seed, TASKS.index(task), T]
        model = build_model(name, task, cfg)
        params = model.init_params(rng=np.random.default_rng(key + [1, MODELS.index(name)]))
        report = None if callback is None else (
            lambda done, _, info, base=i * cfg.steps: callback(base + done, total, info))
        res = rc.train(model, params, lambda r, task=task, T=T: tasks.make_task(task, rng=r, n=cfg.batch, T=T),
                          rng=np.random.default_rng(key + [2]), steps=cfg.steps, optimizer=optim.adam(cfg.lr),
                          clip=cfg.clip, callback=report, callback_every=1)
        held = tasks.make_task(task, rng=np.random.default_rng(key + [3]), n=cfg.eval_n, T=T)
        out = model.forward(res.params, held.xs)
        marked = marked_positions(task, held.xs)
        focus = float(np.mean(np.sum(out.readout * marked, axis=1))) if out.readout is not None else np.nan
        rows.append({"task": task, "T": T, "model": name, "loss": get_loss(held.loss)(out.pred, held.ys).loss,
                     "accuracy": accuracy(task, out.pred, held.ys), "baseline": held.baseline,
                     "baseline_accuracy": ACCURACY_BASELINE[task], "focus": focus,
                     "uniform_focus": float(marked.sum(axis=1).mean() / T),
                     "seconds": float(res.history.seconds[-1]) if len(res.history.step) else 0.0,
                     "stopped_at": res.stopped_at, "reason": res.reason})
        curves.append(_curve(res.history.loss, name, task, T))
        if out.readout is not None:
            m = cfg.n_maps
            readout.append(_readout_frame(task, T, name, out.readout[:m], held.xs[:m], marked[:m]))
        if out.self_attention is not None:
            selfs.append(_self_frame(task, T, out.self_attention[0]))
    summary = pd.DataFrame(rows)
    summary["stopped_at"] = summary["stopped_at"].astype("Int64")
    return SweepResult(summary, pd.concat(curves, ignore_index=True), _concat(readout, "readout"),
                       _concat(selfs, "self_attention"))


def work(cfg: Config) -> list[effort.Piece]:
    """What :func:`run` does, for the estimate a button shows: per task, lag and model, ``steps`` Adam updates on a
    batch. The held-out forward passes (``eval_n`` sequences, a few updates' worth against hundreds) are left out.
    The two tasks differ only in their input width (1 or 2), so they share a probe."""
    pieces = []
    for task in cfg.tasks:
        for T in cfg.lags:
            for name in MODELS:
                def setup(name=name, task=task, T=int(T)):
                    model = build_model(name, task, cfg)
                    params = model.init_params(rng=np.random.default_rng(0))
                    return lambda: rc.train(model, params, lambda r: tasks.make_task(task, rng=r, n=cfg.batch, T=T),
                                            rng=np.random.default_rng(1), steps=1, optimizer=optim.adam(cfg.lr),
                                            clip=cfg.clip)

                key = ("attention step", name, int(T), cfg.hidden_size, cfg.heads, cfg.batch, cfg.score)
                pieces.append(effort.Piece(f"{name} update (T = {T})", cfg.steps, setup, key))
    return pieces


_COLUMNS = {"readout": ["task", "T", "model", "example", "t", "weight", "x", "marked"],
            "self_attention": ["task", "T", "head", "query", "key", "weight"]}


def _concat(frames: list, name: str) -> pd.DataFrame:
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=_COLUMNS[name])


# ---------------------------------------------------------------- cost: recurrence against self-attention

COST_MODELS = ("rnn", "self-attention")


@dataclass(frozen=True)
class CostConfig:
    """Forward-pass timings of one RNN layer and one self-attention layer of the same width, against T."""

    lengths: tuple = (16, 32, 64, 128, 256, 512)  # sequence lengths T
    batch: int = 8                                # sequences per call
    width: int = 32                               # H of the RNN = D of self-attention (and of the inputs)
    heads: int = 2                                # self-attention heads
    budget: float = 6.0                           # seconds for the whole measurement, split evenly over the points

    def __post_init__(self):
        if not self.lengths or min(self.lengths) < 1 or self.batch < 1 or self.width % self.heads \
                or not self.budget > 0:
            raise ValueError("CostConfig: lengths must be >= 1, batch >= 1, heads must divide width and the "
                             f"budget must be positive; got {self!r}.")


def _kept_bytes(arrays) -> int:
    return int(sum(a.nbytes for a in arrays))


def measure_cost(cfg: CostConfig, *, seed: int, callback: Callable[[int, int, dict], None] | None = None,
                 clock: Callable[[], float] | None = None, min_time: float | None = None) -> pd.DataFrame:
    """Time the forward pass of an RNN layer (a loop of T dependent steps) and of self-attention (T x T at once).

    Each point gets budget / (number of points) seconds (``rnncore.experiments.timing.time_call``'s max_time), so the whole
    measurement stays within about ``cfg.budget``. ``memory_bytes`` is what the forward pass keeps for the backward
    pass, from the arrays of its cache: the hidden states for the RNN (T B H), the queries, keys, values, outputs
    and the attention weights for self-attention (4 T B D + heads B T^2). ``clock`` and ``min_time`` go to
    ``time_call``: None measures CPU time of this thread (BLAS on one thread) against a wall-clock budget; a test
    passes a fake clock with min_time=0.

    Returns:
        frame with T, model, seconds (median per call), q25, q75, per_step (seconds / T), depth (sequential steps:
        T for the RNN, 1 for self-attention), memory_bytes, repeats.
    """
    rng = np.random.default_rng(seed)
    cell = get_cell("rnn")
    rnn = cell.init_params(rng, cfg.width, cfg.width, scheme="xavier", dtype=np.float64)
    mha = init_mha(cfg.width, rng=rng, dtype=np.float64)
    per_point = cfg.budget / (len(cfg.lengths) * len(COST_MODELS))
    rows = []
    with timing.one_blas_thread():  # a multi-threaded BLAS would give attention's products both cores
        for i, T in enumerate(sorted(int(T) for T in cfg.lengths)):
            x = rng.standard_normal((cfg.batch, T, cfg.width))
            calls = {"rnn": lambda x=x: unroll(cell, rnn, x),
                     "self-attention": lambda x=x: mha_forward(mha, x, num_heads=cfg.heads)}
            for name, call in calls.items():
                t = time_call(call, repeats=7, warmup=1, min_time=min_time, max_time=per_point,
                              clock=timing.CPU_CLOCK if clock is None else clock,
                              deadline_clock=time.perf_counter if clock is None else clock)
                cache = call()[1]
                kept = cache.store if name == "rnn" else (cache.q, cache.k, cache.v, cache.weights, cache.o)
                rows.append({"T": T, "model": name, "seconds": t.median, "q25": t.q25, "q75": t.q75,
                             "per_step": t.median / T, "depth": T if name == "rnn" else 1,
                             "memory_bytes": _kept_bytes(kept), "repeats": t.repeats})
            if callback is not None:
                callback(i + 1, len(cfg.lengths), {})
    return pd.DataFrame(rows)


class LiveCost(NamedTuple):
    """A cost measurement made on the viewer's machine: the numbers, whether they can be quoted, where and when."""

    frame: pd.DataFrame        # measure_cost's frame
    verdict: timing.Verdict    # cost_check of that frame
    machine: dict              # machine_info() during the measurement
    measured_at: str           # UTC time, ISO 8601 to the second


def cost_check(cost: pd.DataFrame, *, load: float | None = None) -> timing.Verdict:
    """Whether a ``measure_cost`` frame can be quoted: no forward pass takes less time at a longer T beyond the
    noise, and no timing spreads over more than ``timing.MAX_SPREAD`` of its median."""
    reasons, spreads = [], {}
    for model, rows in cost.groupby("model", sort=False):
        quartiles = {int(r.T): timing.Timing(r.seconds, r.q25, r.q75, r.q25, r.q75, int(r.repeats))
                     for r in rows.itertuples()}
        reasons += timing.falling_reasons(quartiles, what=f"the {model} forward pass")
        spreads.update({f"the {model} forward pass at T = {T}": t.relative_spread for T, t in quartiles.items()})
    reasons += timing.spread_reasons(spreads)
    return timing.verdict(reasons, spreads.values(), load=load)


def measure_live(cfg: CostConfig, *, seed: int, callback: Callable[[int, int, dict], None] | None = None
                 ) -> LiveCost:
    """``measure_cost`` on this machine, checked, with the machine's facts and the time of the measurement."""
    with timing.one_blas_thread():
        frame = measure_cost(cfg, seed=seed, callback=callback)
        machine = machine_info()
    when = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    return LiveCost(frame, cost_check(frame, load=machine.get("load_1min")), machine, when)


class CostVerdict(NamedTuple):
    """The cost frame at its longest T, and where self-attention beat the RNN per step."""

    T: int                       # the longest T measured
    per_step: dict               # model -> seconds per step at T
    memory_bytes: dict           # model -> bytes kept for backward at T
    attention_faster_at: tuple   # the lengths at which self-attention took less time per step than the RNN


def cost_verdict(cost: pd.DataFrame) -> CostVerdict:
    """Summarize a ``measure_cost`` frame for the page's answer to the article."""
    per_step = cost.pivot(index="T", columns="model", values="per_step")
    top = cost[cost["T"] == cost["T"].max()].set_index("model")
    faster = per_step.index[per_step["self-attention"] < per_step["rnn"]]
    return CostVerdict(int(cost["T"].max()), top["per_step"].to_dict(), top["memory_bytes"].to_dict(),
                       tuple(int(T) for T in faster))


def parallel_sentence(v: CostVerdict) -> str:
    """The answer to "transformers process the whole sequence in parallel", from a ``cost_verdict``."""
    faster = (f"Self-attention was faster per step only at T = {', '.join(map(str, v.attention_faster_at))}."
              if v.attention_faster_at else "Self-attention was not faster per step at any T measured.")
    per_step, mib = v.per_step, {m: b / 2**20 for m, b in v.memory_bytes.items()}
    time_word = "In time, not here" if per_step["self-attention"] >= per_step["rnn"] else "In time, here too"
    return (f"In depth, yes: one self-attention layer is one sequential step where the RNN takes T. {time_word}: at "
            f"T = {v.T} self-attention took {per_step['self-attention'] * 1e6:.3g} µs per step against the RNN "
            f"loop's {per_step['rnn'] * 1e6:.3g} µs, and kept {mib['self-attention']:.3g} MiB against "
            f"{mib['rnn']:.3g} MiB: its work and memory grow as T². {faster} Few large matrix products instead of a "
            "loop pay off on hardware with parallel units to spare (a GPU), less so on a couple of CPU cores.")


# ---------------------------------------------------------------- the shipped default view

class Shipped(NamedTuple):
    """The precomputed default view: a sweep and a cost measurement, with what made them."""

    seed: int
    config: Config
    cost_config: CostConfig
    sweep: SweepResult
    cost: pd.DataFrame
    machine: dict


def _config(cls, data: dict):
    return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items()})


def _to_json(frame: pd.DataFrame, digits: int = 15) -> dict:
    return json.loads(frame.to_json(orient="split", index=False, double_precision=digits))


def _from_json(data: dict) -> pd.DataFrame:
    return pd.DataFrame(data["data"], columns=data["columns"])


def _grids(frame: pd.DataFrame, keys: list, order: list, columns: dict) -> list:
    """Group ``frame`` by ``keys`` and store each column of ``columns`` as an array shaped like the group's grid."""
    out = []
    for key, g in frame.groupby(keys, sort=False):
        g = g.sort_values(order)
        shape = [g[c].nunique() for c in order]
        out.append({**dict(zip(keys, (k.item() if hasattr(k, "item") else k for k in key))),
                    **{c: np.round(g[c].to_numpy(dtype=float), d).reshape(shape).tolist() for c, d in columns.items()}})
    return out


def save_shipped(result: Shipped, root: Path = shipped.ROOT) -> None:
    """Write ``result`` as JSON: small frames by row; the maps as one array per (task, T[, model]) to stay small."""
    sweep = result.sweep
    data = {"seed": result.seed, "config": asdict(result.config),
            "cost_config": asdict(result.cost_config), "machine": result.machine,
            "summary": _to_json(sweep.summary), "curves": _to_json(sweep.curves, 10), "cost": _to_json(result.cost),
            "readout": _grids(sweep.readout, ["task", "T", "model"], ["example", "t"],
                              {"weight": 5, "x": 4, "marked": 0}),
            "self_attention": _grids(sweep.self_attention, ["task", "T"], ["head", "query", "key"], {"weight": 3})}
    shipped.write(SHIPPED, data, what="Attention page, default view: the three models against lag, their attention "
                  "maps, and the cost of recurrence against self-attention.", command=COMMAND, root=root)


def load_shipped(root: Path = shipped.ROOT) -> Shipped:
    """Read the file written by ``save_shipped`` (the page's default view)."""
    data = shipped.read(SHIPPED, root)
    if data is None:
        raise FileNotFoundError(f"no shipped attention results in {root}; make them with `{COMMAND}`")
    summary = _from_json(data["summary"])
    summary["stopped_at"] = summary["stopped_at"].astype("Int64")
    readout = [_readout_frame(r["task"], r["T"], r["model"], np.asarray(r["weight"]), np.asarray(r["x"])[..., None],
                              np.asarray(r["marked"]) > 0.5) for r in data["readout"]]
    selfs = [_self_frame(s["task"], s["T"], np.asarray(s["weight"])) for s in data["self_attention"]]
    sweep = SweepResult(summary, _from_json(data["curves"]), _concat(readout, "readout"),
                        _concat(selfs, "self_attention"))
    return Shipped(data["seed"], _config(Config, data["config"]), _config(CostConfig, data["cost_config"]), sweep,
                   _from_json(data["cost"]), data["machine"])


def main() -> None:
    """Remake the shipped file with the default settings and seed 0 (about a minute of training)."""
    def report(done, total, _):
        if done % max(1, total // 10) == 0:
            print(f"trained {done}/{total} steps", flush=True)

    sweep = run(Config(), seed=0, callback=report)
    print("measuring cost...")
    cost = measure_cost(CostConfig(), seed=0)
    save_shipped(Shipped(0, Config(), CostConfig(), sweep, cost, machine_info()))
    print(sweep.summary.drop(columns=["reason"]).to_string(index=False))
    print(cost.to_string(index=False))
    print(f"wrote {shipped.path(SHIPPED)}")


#: The longest T at which :func:`cost_work` probes a forward pass. Not 512: there self-attention's weights (8 x 2 x
#: 512 x 512 floats, 34 MB) are fresh memory from the system on a call whose heap has not seen them, so a call
#: took anywhere from 52 to 280 ms in one process (measured here), and the 40 ms probe window holds one or two calls.
#: At 256 a call takes 14 ms, steady, and 4x that is the 52-56 ms a steady call takes at 512.
PROBE_T = 256


def cost_work(cfg: CostConfig) -> list[effort.Piece]:
    """What :func:`measure_cost` does, for the estimate a button shows: per length and model, a warm-up and up to 7
    timed calls within the point's share of ``cfg.budget`` (but at least 3), and one more call for the memory. Each model is probed
    at one length, at most ``PROBE_T`` (the probe stays short), and a call at T counts as (T / T_probe) calls there
    for the loop, (T / T_probe)² for self-attention (its T x T work)."""
    per_point = cfg.budget / (len(cfg.lengths) * len(COST_MODELS))
    lengths = sorted(int(T) for T in cfg.lengths)
    longest = min(lengths[-1], PROBE_T)
    pieces = []
    for name in COST_MODELS:
        def setup(name=name):
            rng = np.random.default_rng(0)
            x = rng.standard_normal((cfg.batch, longest, cfg.width))
            if name == "rnn":
                cell = get_cell("rnn")
                params = cell.init_params(rng, cfg.width, cfg.width, scheme="xavier", dtype=np.float64)
                call = lambda: unroll(cell, params, x)
            else:
                mha = init_mha(cfg.width, rng=rng, dtype=np.float64)
                call = lambda: mha_forward(mha, x, num_heads=cfg.heads)

            def one_thread():  # as the measurement runs: a BLAS on two threads contends on a busy machine
                with timing.one_blas_thread():
                    return call()
            return one_thread

        key = ("cost forward", name, longest, cfg.batch, cfg.width, cfg.heads)
        for T in lengths:
            calls = (T / longest) ** (1 if name == "rnn" else 2)
            pieces.append(effort.Piece(f"{name} forward (T = {T})", 8 * calls, setup, key, at_most=per_point,
                                       min_count=4 * calls))  # time_call: a warm-up and at least 3 timed calls
            pieces.append(effort.Piece(f"{name} forward for its memory (T = {T})", calls, setup, key))
    return pieces
