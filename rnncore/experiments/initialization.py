"""Initialization as a remedy: the vanilla RNN started from five initial weight choices, compared by the gradient
that flows back through time at initialization, and by training success on the adding problem.

The choices (see ``rnncore.init``):

- "small":      every weight N(0, 0.01^2), the source article's choice (tanh);
- "xavier":     Glorot uniform (tanh);
- "orthogonal": W_h a random orthogonal matrix, all singular values 1 (tanh; Saxe et al. 2014);
- "irnn":       W_h = I with ReLU, the IRNN of Le, Jaitly & Hinton 2015;
- "radius":     Xavier, then W_h rescaled to a chosen spectral radius (tanh);
- "irnn_le":    the IRNN trained as Le et al. train it: plain SGD, a small learning rate, clipping (LE_TRAINING).

Training uses the sweep's settings (Adam, lr 1e-2, clip 1, batch 64, H 32) unless changed, through
:func:`rnncore.experiments.scored_run.run`.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import pandas as pd

from rnncore.experiments import gated_cells, scored_run, stats

CHOICES = ("small", "xavier", "orthogonal", "irnn", "radius", "irnn_le")
LABELS = {"small": "small random (article)", "xavier": "Xavier", "orthogonal": "orthogonal",
          "irnn": "identity + ReLU (IRNN)", "radius": "Xavier at radius ρ",
          "irnn_le": "IRNN trained as Le et al. (SGD, clipped)"}
#: How Le, Jaitly & Hinton 2015 train the IRNN: plain SGD with a small learning rate and gradient clipping (their
#: values came from a search; these from the short calibration ``calib_irnn`` of rnncore.experiments.sweeps). Every
#: other choice trains with the sweep's reference settings (Adam, lr 1e-2, clip 1).
LE_TRAINING = {"optimizer": "sgd", "lr": 0.003, "clip": 1.0}


@dataclass(frozen=True)
class InitConfig:
    """Five initializations of the same vanilla RNN."""

    task: str = "adding"           # a key of long_term.TASK_SIZES
    T: int = 50                    # the lag
    hidden_size: int = 32          # H
    radius: float = 1.0            # ρ, the spectral radius of the "radius" choice
    steps: int = 1500              # training steps (the sweep's budget)
    choices: tuple[str, ...] = CHOICES  # which initializations to compare
    flow_batch: int = 64           # sequences over which the flow at initialization is averaged

    def __post_init__(self):
        if not self.choices or any(c not in CHOICES for c in self.choices):
            raise ValueError(f"choices must be a non-empty subset of {CHOICES}, got {self.choices!r}")
        if not self.radius > 0:
            raise ValueError(f"radius must be a positive number, got {self.radius}")

    def run_config(self, choice: str) -> scored_run.Config:
        """The training run of one initialization."""
        return scheme_config(choice, task=self.task, T=int(self.T), hidden_size=int(self.hidden_size),
                             radius=float(self.radius), steps=int(self.steps))


def scheme_config(choice: str, *, radius: float = 1.0, **fields) -> scored_run.Config:
    """A scored_run.Config with the initialization (scheme, nonlinearity, radius) of ``choice``."""
    if choice not in CHOICES:
        raise ValueError(f"unknown initialization {choice!r}; choose one of {', '.join(CHOICES)}")
    init = {"irnn": "identity", "irnn_le": "identity", "radius": "xavier"}.get(choice, choice)
    fields.setdefault("cell", "rnn")  # the vanilla RNN unless told otherwise (the Config default is the LSTM)
    if choice == "irnn_le":
        fields = {**fields, **LE_TRAINING}
    return scored_run.Config(init=init, nonlinearity="relu" if choice in ("irnn", "irnn_le") else "tanh",
                             spectral_radius=float(radius) if choice == "radius" else None, **fields)


def choice_of(cfg: scored_run.Config) -> str:
    """The initialization choice a run config was made from (the inverse of :func:`scheme_config`)."""
    if cfg.init == "identity" and cfg.nonlinearity == "relu":
        le = all(getattr(cfg, k) == v for k, v in LE_TRAINING.items())
        return "irnn_le" if le else "irnn"
    if cfg.init == "xavier" and cfg.spectral_radius is not None:
        return "radius"
    return cfg.init


class InitResult(NamedTuple):
    runs: pd.DataFrame     # choice, label, test_loss, baseline, ratio, verdict, stopped_at
    curves: pd.DataFrame   # choice, label, step, loss, ratio, grad_norm, dh0_norm


def flow_at_init(cfg: InitConfig, seed: int) -> pd.DataFrame:
    """||dL/dh_t|| against t at initialization for every choice (a unit gradient at the last step; no training).

    Returns:
        choice, label, t, norm, lo, hi (mean and 10%/90% quantiles over ``flow_batch`` held-out sequences).
    """
    frames = []
    for choice in cfg.choices:
        run_cfg = cfg.run_config(choice)
        setup = gated_cells.flow_setup(run_cfg, seed, int(cfg.flow_batch))
        norms = gated_cells.flow(run_cfg, setup.start, setup.xs, setup.dlast)
        frames.append(gated_cells.flow_frame(norms, choice=choice, label=LABELS[choice]))
    return pd.concat(frames, ignore_index=True)


def train_choices(cfg: InitConfig, seed: int, *,
                  callback: Callable[[int, int, dict], None] | None = None) -> InitResult:
    """Train every choice from the same seed; the same batches and held-out data for all."""
    runs, curves = [], []
    total = len(cfg.choices) * int(cfg.steps)
    for k, choice in enumerate(cfg.choices):
        inner = None if callback is None else (
            lambda done, _total, info, k=k: callback(k * int(cfg.steps) + done, total, info))
        result = scored_run.run(cfg.run_config(choice), seed, callback=inner)
        runs.append({"choice": choice, "label": LABELS[choice], "test_loss": result.test_loss,
                     "baseline": result.baseline, "ratio": result.ratio, "verdict": result.verdict,
                     "stopped_at": result.stopped_at})
        curves.append(result.frame[["step", "loss", "ratio", "grad_norm", "dh0_norm"]]
                      .assign(choice=choice, label=LABELS[choice]))
    return InitResult(pd.DataFrame(runs), pd.concat(curves, ignore_index=True))


def with_changes(cfg: InitConfig, **changes) -> InitConfig:
    """``cfg`` with some fields replaced."""
    return dataclasses.replace(cfg, **changes)


def work(cfg: InitConfig) -> list:
    """What :func:`train_choices` trains, for the estimate a button shows: one run per initialization."""
    return scored_run.work([cfg.run_config(choice) for choice in cfg.choices])


def with_choices(sweep: pd.DataFrame) -> pd.DataFrame:
    """The initialization sweep's rows with the choice behind each (see :func:`choice_of`) and its label."""
    from rnncore.experiments.sweeps import (
        config_of,  # the sweeps module imports this one
    )
    choice = [choice_of(config_of(row)) for _, row in sweep.iterrows()]
    return sweep.assign(choice=choice, label=[LABELS[c] for c in choice])


class InitFindings(NamedTuple):
    """What the initialization sweep lets the page say: the numbers and sentences it quotes, from the data."""

    seeds: int                   # seeds per point
    rates: pd.DataFrame          # T, choice, label, k, n, share, lo, hi (Wilson 95%): what success_vs_lag draws
    against_small: dict          # {choice: (T, Comparison)}: the choice succeeds more often than "small"
    orthogonal_vs_xavier: tuple  # (T, Comparison)
    medians: pd.Series           # median held-out loss / baseline by (T, choice)
    sentences: tuple[str, ...]


def init_findings(sweep: pd.DataFrame) -> InitFindings:
    """Compare the initializations of the sweep with one-sided Fisher exact tests, lag by lag."""
    frame = sweep if "choice" in sweep else with_choices(sweep)
    lags = sorted(int(t) for t in frame["T"].unique())
    table = stats.rates(frame, ["T", "choice", "label"])
    by = table.drop(columns="label").set_index(["T", "choice"])

    def best(a: str, b: str):
        return stats.best_lag(
            {T: (stats.rate_at(by, (T, a)), stats.rate_at(by, (T, b))) for T in lags},
            claim=lambda T: f"{LABELS[a]} succeeds more often than {LABELS[b]} at T = {T}",
            subject=lambda T: f"{LABELS[a]} against {LABELS[b]}, best lag T = {T}")

    present = set(frame["choice"])
    against = {c: best(c, "small") for c in CHOICES if c != "small" and c in present and "small" in present}
    ortho = best("orthogonal", "xavier") if {"orthogonal", "xavier"} <= present else (None, None)
    sentences = tuple(c.sentence for _, c in [*against.values(), ortho] if c is not None)
    return InitFindings(int(by["n"].min()), table, against, ortho,
                        frame.groupby(["T", "choice"])["ratio"].median(), sentences)
