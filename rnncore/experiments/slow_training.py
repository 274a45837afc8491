"""Slow training and convergence, measured: optimizers against steps and wall time, the cost of a step, spikes.

- ``race``: one model, one initialisation and one stream of batches, trained by each (optimizer, learning rate);
  loss against step and against measured wall time, and the steps and seconds each run needs to bring its smoothed
  loss under a threshold.
- the cost of a step against T, timed and checked, is in ``rnncore.experiments.step_cost``.
- ``spikes``: the gradient norm over training at one learning rate; a spike is a norm far above the recent median.

A run "blows up" when its loss passes ``BLOWUP`` times its first loss: it is still finite (the engine stops only on
inf or NaN), but it has left any useful region. Its record is cut at that step, which is reported as where it
stopped, so that charts keep a readable scale.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, NamedTuple

import numpy as np
import pandas as pd

from rnncore import ModelSpec, get_optimizer, init_model, make_task, train
from rnncore.experiments import effort
from rnncore.tasks import MIN_T, TASKS, lengths_for  # noqa: F401 - the page's choices and their limits
from rnncore.optim import OPTIMIZERS  # noqa: F401

BLOWUP = 1e3
#: The page's "time longer sequences" lengths and budget for ``step_cost.CostConfig`` (tests shrink them).
LONG_LENGTHS = (10, 20, 40, 80, 160, 320, 640)
LONG_BUDGET = 3.0
Callback = Callable[[int, int, dict], None] | None


@dataclass(frozen=True)
class Setup:
    """The model and task shared by every part of the page."""

    task: str = "first_element"   # a key of rnncore.TASKS
    T: int = 10                   # sequence length
    cell: str = "rnn"             # "rnn", "lstm" or "gru"
    hidden_size: int = 16         # H
    batch: int = 32               # sequences per step


@dataclass(frozen=True)
class RaceConfig:
    """Which optimizers and learning rates race, for how long, and to which threshold."""

    setup: Setup = Setup()          # the model and the task
    optimizers: tuple[str, ...] = ("sgd", "momentum", "rmsprop", "adam")  # names from rnncore.OPTIMIZERS
    lrs: tuple[float, ...] = (0.01, 0.1)  # every optimizer runs at every learning rate
    steps: int = 60                 # training steps per run
    threshold: float = 0.2          # target loss, as a fraction of the task's constant-predictor baseline
    smooth: int = 10                # the loss is averaged over this many steps before the threshold test


def spec_for(setup: Setup, rng: np.random.Generator) -> tuple[ModelSpec, float]:
    """The model for the task (its sizes read off a probe batch) and the task's baseline loss."""
    probe = make_task(setup.task, rng=rng, n=256, T=setup.T)  # large enough to hold every class of an "xent" task
    out = int(probe.ys.max()) + 1 if probe.loss == "xent" else probe.ys.shape[-1]
    spec = ModelSpec(cell=setup.cell, input_size=probe.xs.shape[-1], hidden_size=setup.hidden_size, output_size=out,
                     loss=probe.loss, output=probe.output)
    return spec, probe.baseline


def _data(setup: Setup):
    return lambda r: make_task(setup.task, rng=r, n=setup.batch, T=setup.T)


def smoothed(loss: np.ndarray, window: int) -> np.ndarray:
    """Trailing mean over ``window`` steps (fewer at the start)."""
    c = np.cumsum(np.insert(np.asarray(loss, dtype=float), 0, 0.0))
    k = np.arange(1, len(loss) + 1)
    lo = np.maximum(k - window, 0)
    return (c[k] - c[lo]) / (k - lo)


def blowup_step(loss: np.ndarray) -> int | None:
    """The first step (1-based) whose loss passes BLOWUP times the first loss, or None."""
    if len(loss) == 0:
        return None
    hit = np.flatnonzero(np.asarray(loss) > BLOWUP * max(float(loss[0]), 1e-12))
    return int(hit[0]) + 1 if hit.size else None


class Stop(NamedTuple):
    steps: int              # steps kept in the record
    at: int | None          # the step where the run stopped or blew up, or None
    reason: str | None


def where_stopped(result, loss: np.ndarray) -> Stop:
    """The engine's stop on a non-finite value, or else the blow-up step (the record is cut after it)."""
    n = len(loss)
    if result.stopped_at is not None:
        return Stop(n, result.stopped_at, result.reason)
    blow = blowup_step(loss)
    if blow is not None:
        return Stop(blow, blow, f"the loss passed {BLOWUP:g}x its first value (it reached {loss[blow - 1]:.3g})")
    return Stop(n, None, None)


class RaceResult(NamedTuple):
    curves: pd.DataFrame   # one row per (run, step): optimizer, lr, run, step, seconds, loss, smoothed, grad_norm
    table: pd.DataFrame    # one row per run: steps and seconds to the threshold, final loss, what went wrong
    baseline: float        # the task's constant-predictor loss
    threshold: float       # the absolute target loss


def race(cfg: RaceConfig, *, seed: int, callback: Callback = None) -> RaceResult:
    """Train the same initial model on the same batches with every (optimizer, lr).

    Args:
        cfg: the runs. seed: the initial weights and the batches come from it. callback: progress, per step of
            all the runs.

    Returns:
        RaceResult: the curves (cut where a run blew up) and the threshold table.
    """
    spec, baseline = spec_for(cfg.setup, np.random.default_rng([seed, 0]))
    params0 = init_model(spec, rng=np.random.default_rng([seed, 1]))
    runs = [(o, float(lr)) for o in cfg.optimizers for lr in sorted(cfg.lrs)]
    threshold = cfg.threshold * baseline
    curves, rows = [], []
    for k, (opt, lr) in enumerate(runs):
        inner = None if callback is None else (
            lambda done, _total, info, k=k: callback(k * cfg.steps + done, len(runs) * cfg.steps, info))
        res = train(spec, params0, _data(cfg.setup), rng=np.random.default_rng([seed, 2]), steps=cfg.steps,
                    optimizer=get_optimizer(opt, lr), callback=inner, callback_every=1)
        stop = where_stopped(res, res.history.loss)
        h = type(res.history)(*(field[:stop.steps] for field in res.history))
        smooth = smoothed(h.loss, cfg.smooth)
        name = f"{opt}, lr {lr:g}"
        curves.append(pd.DataFrame({"optimizer": opt, "lr": lr, "run": name, "step": h.step, "seconds": h.seconds,
                                    "loss": h.loss, "smoothed": smooth, "grad_norm": h.grad_norm}))
        hit = np.flatnonzero(smooth <= threshold)
        rows.append({"run": name, "optimizer": opt, "lr": lr,
                     "steps_to_threshold": int(h.step[hit[0]]) if hit.size else None,
                     "seconds_to_threshold": float(h.seconds[hit[0]]) if hit.size else None,
                     "final_loss": float(smooth[-1]) if len(smooth) else None,
                     "seconds_per_step": float(h.seconds[-1] / len(h.step)) if len(h.step) else None,
                     "steps_run": int(len(h.step)), "stopped_at": stop.at, "problem": stop.reason or ""})
    table = pd.DataFrame(rows).astype({"steps_to_threshold": "Int64", "stopped_at": "Int64"})
    return RaceResult(pd.concat(curves, ignore_index=True), table, float(baseline), float(threshold))


def race_work(cfg: RaceConfig) -> list[effort.Piece]:
    """What :func:`race` does, for the estimate a button shows: ``steps`` training steps per (optimizer, learning
    rate), probed once per optimizer (the learning rate does not change a step's cost)."""
    pieces = []
    for opt in cfg.optimizers:
        def setup(opt=opt):
            spec, _ = spec_for(cfg.setup, np.random.default_rng(0))
            params = init_model(spec, rng=np.random.default_rng(1))
            return lambda: train(spec, params, _data(cfg.setup), rng=np.random.default_rng(2), steps=1,
                                 optimizer=get_optimizer(opt, 0.01))

        key = ("race step", opt, cfg.setup)
        pieces.append(effort.Piece(f"{opt} step", len(cfg.lrs) * cfg.steps, setup, key))
    return pieces


# ---- spikes --------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SpikeConfig:
    """One run whose gradient norm is watched for spikes."""

    setup: Setup = Setup()  # the model and the task
    optimizer: str = "sgd"  # a name from rnncore.OPTIMIZERS
    lr: float = 0.1         # the learning rate the page lets the user raise
    steps: int = 100        # training steps
    factor: float = 10.0    # a spike is a norm above factor x the median of the previous `window` steps
    window: int = 20        # steps in that median


class SpikeResult(NamedTuple):
    frame: pd.DataFrame        # step, seconds, loss, grad_norm, spike (bool), recent_median; cut at a blow-up
    stopped_at: int | None     # the engine's stop on a non-finite value, or the blow-up step
    reason: str | None
    spikes: int                # how many of the recorded steps are spikes


def mark_spikes(norms: np.ndarray, *, factor: float, window: int) -> tuple[np.ndarray, np.ndarray]:
    """(spike mask, median of the previous ``window`` norms) for each step; no spike before 5 steps of history."""
    norms = np.asarray(norms, dtype=float)
    med = np.full(len(norms), np.nan)
    for t in range(5, len(norms)):
        med[t] = np.median(norms[max(0, t - window):t])
    with np.errstate(invalid="ignore"):
        return np.nan_to_num(norms > factor * med, nan=False).astype(bool), med


def spikes(cfg: SpikeConfig, *, seed: int, callback: Callback = None) -> SpikeResult:
    """Train once at ``cfg.lr`` and mark the gradient-norm spikes (same initialisation and batches as ``race``).

    Returns:
        SpikeResult: the per-step record (cut at a blow-up), where and why the run stopped, the number of spikes.
    """
    spec, _ = spec_for(cfg.setup, np.random.default_rng([seed, 0]))
    params0 = init_model(spec, rng=np.random.default_rng([seed, 1]))
    res = train(spec, params0, _data(cfg.setup), rng=np.random.default_rng([seed, 2]), steps=cfg.steps,
                optimizer=get_optimizer(cfg.optimizer, cfg.lr), callback=callback, callback_every=25)
    stop = where_stopped(res, res.history.loss)
    h = type(res.history)(*(field[:stop.steps] for field in res.history))
    mask, med = mark_spikes(h.grad_norm, factor=cfg.factor, window=cfg.window)
    frame = pd.DataFrame({"step": h.step, "seconds": h.seconds, "loss": h.loss, "grad_norm": h.grad_norm,
                          "spike": mask, "recent_median": med})
    return SpikeResult(frame, stop.at, stop.reason, int(mask.sum()))
