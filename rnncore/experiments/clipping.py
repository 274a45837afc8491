"""Gradient clipping as a remedy: the same run (same seed, same initial weights, same batches) with no clipping,
with clipping by global norm, and with clipping by value, in an exploding regime.

The default regime is the IRNN of Le, Jaitly & Hinton 2015 (ReLU, W_h = I) on the adding problem, trained with
plain SGD. With W_h = I a ReLU unit that stays active carries its gradient back unchanged: nothing damps it, so as
soon as training pushes an eigenvalue of W_h above 1 the gradient grows like lambda^T, the more the longer the
sequence, and a single large gradient throws the weights far away. Clipping by global norm rescales
the whole gradient to norm <= c and keeps its direction (Pascanu, Mikolov & Bengio 2013); clipping by value clamps
each entry to [-c, c] on its own, which changes the direction.

Every run is :func:`rnncore.experiments.scored_run.run`, so the sweep "clipping against T" in
:mod:`rnncore.experiments.sweeps` and this page measure the same thing.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

from rnncore.experiments import scored_run, stats
from rnncore.reference import cliff as core

MODES = ("none", "norm", "value")
MODE_LABELS = {"none": "no clipping", "norm": "clip by global norm", "value": "clip by value"}


@dataclass(frozen=True)
class ClipConfig:
    """The same run with and without clipping."""

    task: str = "adding"            # a key of long_term.TASK_SIZES
    T: int = 100                    # the lag
    cell: str = "rnn"               # "rnn", "lstm" or "gru"
    nonlinearity: str = "relu"      # the vanilla RNN's activation
    init: str = "identity"          # a scheme of rnncore.SCHEMES
    spectral_radius: float | None = None  # rescale W_h to this radius, None to keep the scheme's
    hidden_size: int = 32           # H
    optimizer: str = "sgd"          # plain SGD: no per-parameter step normalization that would hide a spike
    lr: float = 0.01                # learning rate
    steps: int = 300                # training steps
    threshold: float = 1.0          # c: the global norm bound, and the per-entry bound of clipping by value
    modes: tuple[str, ...] = MODES  # which runs to make

    def __post_init__(self):
        if not self.modes or any(m not in MODES for m in self.modes):
            raise ValueError(f"modes must be a non-empty subset of {MODES}, got {self.modes!r}")
        if not self.threshold > 0:
            raise ValueError(f"threshold must be a positive number, got {self.threshold}")

    def run_config(self, mode: str) -> scored_run.Config:
        """The training run of one mode ("none", "norm" or "value")."""
        return scored_run.Config(task=self.task, cell=self.cell, T=int(self.T), hidden_size=int(self.hidden_size),
                                 optimizer=self.optimizer, lr=float(self.lr), steps=int(self.steps),
                                 clip=None if mode == "none" else float(self.threshold),
                                 clip_mode="value" if mode == "value" else "norm", init=self.init,
                                 nonlinearity=self.nonlinearity, spectral_radius=self.spectral_radius)


class ClipResult(NamedTuple):
    curves: pd.DataFrame   # mode, run, step, loss, ratio, grad_norm, clipped, dh0_norm
    runs: pd.DataFrame     # mode, run, test_loss, baseline, ratio, verdict, stopped_at, reason, clip_events


def compare(cfg: ClipConfig, seed: int, *,
            callback: Callable[[int, int, dict], None] | None = None) -> ClipResult:
    """Train ``cfg`` once per clipping mode from the same seed.

    Returns:
        ClipResult: per-step curves (the gradient norm is the one *before* clipping) and one summary row per mode.
    """
    curves, runs = [], []
    total = len(cfg.modes) * int(cfg.steps)
    for k, mode in enumerate(cfg.modes):
        inner = None if callback is None else (
            lambda done, _total, info, k=k: callback(k * int(cfg.steps) + done, total, info))
        result = scored_run.run(cfg.run_config(mode), seed, callback=inner)
        label = MODE_LABELS[mode]
        frame = result.frame.drop(columns=["seconds"])
        curves.append(frame.assign(mode=mode, run=label))
        runs.append({"mode": mode, "run": label, "test_loss": result.test_loss, "baseline": result.baseline,
                     "ratio": result.ratio, "verdict": result.verdict, "stopped_at": result.stopped_at,
                     "reason": result.reason, "clip_events": int(frame["clipped"].sum())})
    return ClipResult(pd.concat(curves, ignore_index=True), pd.DataFrame(runs))


def with_changes(cfg: ClipConfig, **changes) -> ClipConfig:
    """``cfg`` with some fields replaced."""
    return dataclasses.replace(cfg, **changes)


# ---- Pascanu's cliff: the one-unit loss surface and gradient descent on it ----------------------------------------

@dataclass(frozen=True)
class CliffConfig:
    """The loss surface E(w, b) of Pascanu's one-unit network, and two descents from one start."""

    w0: float = 5.0               # the start of both descents
    b0: float = -3.0
    lr: float = 0.1               # learning rate of plain gradient descent
    steps: int = 200              # updates per descent
    threshold: float = 0.5        # the norm bound of the clipped descent
    w_range: tuple[float, float] = (0.0, 10.0)   # the map's extent in w
    b_range: tuple[float, float] = (-6.0, 6.0)   # and in b
    grid: int = 60                # cells per axis of the heatmap


class CliffResult(NamedTuple):
    surface: pd.DataFrame   # w, b (cell centres), w_lo, w_hi, b_lo, b_hi, loss, grad_norm
    paths: pd.DataFrame     # run, k, w, b, loss, grad_norm, clipped, on_map
    runs: pd.DataFrame      # run, final w, b, loss, largest step, clip events, left_map, stopped


CLIFF_RUNS = ("plain gradient descent", "clipped gradient descent")


def cliff(cfg: CliffConfig) -> CliffResult:
    """The surface on a grid, and the descents with and without clipping from (w0, b0); no randomness."""
    n = int(cfg.grid)
    if n < 2:
        raise ValueError(f"grid must be >= 2, got {cfg.grid}")
    (w_a, w_b), (b_a, b_b) = cfg.w_range, cfg.b_range
    if not (w_a < w_b and b_a < b_b):
        raise ValueError(f"ranges must be increasing, got w {cfg.w_range} and b {cfg.b_range}")
    w_edges, b_edges = np.linspace(w_a, w_b, n + 1), np.linspace(b_a, b_b, n + 1)
    w_mid, b_mid = (w_edges[:-1] + w_edges[1:]) / 2, (b_edges[:-1] + b_edges[1:]) / 2
    W, B = np.meshgrid(w_mid, b_mid)  # (n, n): rows are b, columns are w
    lg = core.loss_and_grad(W, B)
    i, j = np.meshgrid(np.arange(n), np.arange(n))
    surface = pd.DataFrame({
        "w": W.ravel(), "b": B.ravel(), "w_lo": w_edges[i.ravel()], "w_hi": w_edges[i.ravel() + 1],
        "b_lo": b_edges[j.ravel()], "b_hi": b_edges[j.ravel() + 1], "loss": lg.loss.ravel(),
        "grad_norm": np.hypot(lg.dw, lg.db).ravel(),
    })
    paths, runs = [], []
    for name, clip in zip(CLIFF_RUNS, (None, float(cfg.threshold))):
        p = core.descend(float(cfg.w0), float(cfg.b0), lr=float(cfg.lr), steps=int(cfg.steps), clip=clip)
        on_map = (p.w >= w_a) & (p.w <= w_b) & (p.b >= b_a) & (p.b <= b_b)
        paths.append(pd.DataFrame({"run": name, "k": np.arange(len(p.w)), "w": p.w, "b": p.b, "loss": p.loss,
                                   "grad_norm": p.grad_norm, "clipped": p.clipped, "on_map": on_map}))
        jumps = np.hypot(np.diff(p.w), np.diff(p.b))
        runs.append({"run": name, "w": float(p.w[-1]), "b": float(p.b[-1]), "loss": float(p.loss[-1]),
                     "largest_step": float(jumps.max()) if len(jumps) else 0.0,
                     "largest_grad": float(np.nanmax(p.grad_norm)), "clip_events": int(p.clipped.sum()),
                     "left_map": bool((~on_map).any()), "stopped": p.stopped})
    return CliffResult(surface, pd.concat(paths, ignore_index=True), pd.DataFrame(runs))


# ---- the clipping sweep, summarized per lag -------------------------------------------------------------------------

def lag_summary(sweep: pd.DataFrame) -> pd.DataFrame:
    """Per lag T, what clipping changed across seeds: the median held-out loss / baseline of each run, the share of
    runs thrown off (ratio > long_term.WORSE, or not finite), and the median largest gradient norm.

    Args:
        sweep: rows of the clipping sweep (T, seed, clip (NaN for none), ratio, max_grad_norm).

    Returns:
        T, median_none, median_clip, gain (median_none / median_clip), thrown_none, thrown_clip, max_grad_none,
        max_grad_clip; one row per T, ascending.
    """
    frame = sweep.assign(clipped=sweep["clip"].notna(),
                         thrown=~np.isfinite(sweep["ratio"]) | (sweep["ratio"] > scored_run.WORSE))
    by = frame.groupby(["T", "clipped"])
    out = pd.DataFrame({
        "median": by["ratio"].median(), "thrown": by["thrown"].mean(), "max_grad": by["max_grad_norm"].median(),
    }).unstack("clipped")
    summary = pd.DataFrame({
        "T": out.index.astype(int), "median_none": out[("median", False)].to_numpy(),
        "median_clip": out[("median", True)].to_numpy(), "thrown_none": out[("thrown", False)].to_numpy(),
        "thrown_clip": out[("thrown", True)].to_numpy(), "max_grad_none": out[("max_grad", False)].to_numpy(),
        "max_grad_clip": out[("max_grad", True)].to_numpy(),
    })
    summary.insert(3, "gain", summary["median_none"] / summary["median_clip"])
    return summary.sort_values("T").reset_index(drop=True)


def helps_more_with_lag(summary: pd.DataFrame) -> bool:
    """Whether clipping helps more as T grows: the share of unclipped runs thrown off never falls as T grows and ends
    above where it starts, while no clipped run is thrown off."""
    thrown = summary["thrown_none"].to_numpy()
    return bool(np.all(np.diff(thrown) >= 0) and thrown[-1] > thrown[0] and (summary["thrown_clip"] == 0).all())


def work(cfg: ClipConfig) -> list:
    """What :func:`compare` trains, for the estimate a button shows: one run per clipping mode."""
    return scored_run.work([cfg.run_config(mode) for mode in cfg.modes])


def thrown_off(ratio) -> np.ndarray:
    """Whether runs were thrown off: held-out loss / baseline above long_term.WORSE, or not finite."""
    ratio = np.asarray(ratio, dtype=float)
    return ~np.isfinite(ratio) | (ratio > scored_run.WORSE)


class ClipFindings(NamedTuple):
    """What the clipping sweep lets the page say: the numbers and sentences it quotes, from the data."""

    seeds: int                  # seeds per point
    summary: pd.DataFrame       # lag_summary of the sweep
    rates: pd.DataFrame         # T, clipped, run, k, n, share, lo, hi: success with its Wilson 95% interval
    learns: tuple               # (T, Comparison): clipped succeeds more often than unclipped, at its best lag
    improves: tuple             # (T, Comparison): clipped gets below long_term.STUCK of the baseline more often
    steadies: tuple             # (T, Comparison): unclipped is thrown off more often than clipped, at its best lag
    sentences: tuple[str, ...]


def clip_findings(sweep: pd.DataFrame) -> ClipFindings:
    """Compare clipped and unclipped runs of the clipping sweep with one-sided Fisher exact tests, lag by lag."""
    frame = sweep.assign(clipped=sweep["clip"].notna(), thrown=thrown_off(sweep["ratio"]),
                         learning=sweep["ratio"] < scored_run.STUCK)
    lags = sorted(int(t) for t in frame["T"].unique())
    ok = stats.rates(frame, ["T", "clipped"]).set_index(["T", "clipped"])
    bad = stats.rates(frame, ["T", "clipped"], success="thrown").set_index(["T", "clipped"])
    learns = stats.best_lag(
        {T: (stats.rate_at(ok, (T, True)), stats.rate_at(ok, (T, False))) for T in lags},
        claim=lambda T: f"clipped training succeeds more often than unclipped training at T = {T}",
        subject=lambda T: f"successes with against without clipping, best lag T = {T}")
    better = stats.rates(frame, ["T", "clipped"], success="learning").set_index(["T", "clipped"])
    improves = stats.best_lag(
        {T: (stats.rate_at(better, (T, True)), stats.rate_at(better, (T, False))) for T in lags},
        claim=lambda T: f"clipped training ends below {scored_run.STUCK:.0%} of the baseline (it learns something) "
                        f"more often than unclipped training at T = {T}",
        subject=lambda T: f"runs below {scored_run.STUCK:.0%} of the baseline with against without clipping, best lag "
                          f"T = {T}")
    steadies = stats.best_lag(
        {T: (stats.rate_at(bad, (T, False)), stats.rate_at(bad, (T, True))) for T in lags},
        claim=lambda T: f"without clipping more runs are thrown off (far above the baseline) than with it at T = {T}",
        subject=lambda T: f"runs thrown off without against with clipping, best lag T = {T}")
    sentences = tuple(c.sentence for _, c in (learns, improves, steadies) if c is not None)
    table = ok.reset_index()
    table.insert(2, "run", [MODE_LABELS["norm" if c else "none"] for c in table["clipped"]])
    return ClipFindings(int(ok["n"].min()), lag_summary(sweep), table, learns, improves, steadies, sentences)


def describe(cfg: scored_run.Config) -> str:
    """The run of a clipping sweep in words, e.g. "IRNN (ReLU, W_h = I) on the adding problem, plain SGD lr 0.01,
    500 steps"."""
    model = ("IRNN (ReLU, W_h = I)" if cfg.init == "identity" and cfg.nonlinearity == "relu" else
             f"{cfg.nonlinearity} RNN ({ {'xavier': 'Xavier'}.get(cfg.init, cfg.init)} init)" if cfg.cell == "rnn"
             else cfg.cell.upper())
    opt = {"sgd": "plain SGD", "momentum": "SGD with momentum 0.9"}.get(cfg.optimizer, cfg.optimizer)
    return f"{model} on the {cfg.task.replace('_', ' ')} problem, {opt} lr {cfg.lr:g}, {cfg.steps:,} steps"
