"""One scored training run on a memory task: train a recurrent model with real BPTT, and score it against the
task's trivial baseline. The Long-term page trains it, and the sweeps (:mod:`rnncore.experiments.sweeps`), the
clipping, initialization and gated-cell experiments all call this same :func:`run`, so a point recomputed on a page
is bit-identical to the shipped one.

One training run is :func:`run`: (Config, seed) -> RunResult.

Scoring: the final model's loss on a held-out batch, divided by the task's baseline (the loss of the best
constant, memoryless predictor). ratio < 0.1 is "solved" (the success flag of the sweep), ratio > 0.9 is "stuck at
the baseline" (above 1.5, or not finite: "worse than the baseline"), and anything between is "learning".

The seed is split into three independent streams (``numpy.random.SeedSequence.spawn``): one for the initial
weights, one for the training batches, one for the held-out batch. So two cells trained with the same seed see the
same batches and are scored on the same held-out data.

:func:`work` sizes a run for the estimate a button shows before it trains (:mod:`rnncore.experiments.effort`).
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

import rnncore as rc
from rnncore.experiments import effort
from rnncore.tasks import COPY_N_SYMBOLS, MIN_T, TEMPORAL_ORDER_SYMBOLS

#: The memory tasks of the page, with (input size D, output size O) of their encodings.
TASK_SIZES: dict[str, tuple[int, int]] = {
    "first_element": (1, 1),
    "adding": (2, 1),
    "copy_memory": (COPY_N_SYMBOLS, COPY_N_SYMBOLS),
    "temporal_order": (len(TEMPORAL_ORDER_SYMBOLS), 4),
}
TASK_LOSS = {"first_element": ("mse", "last"), "adding": ("mse", "last"), "copy_memory": ("xent", "all"),
             "temporal_order": ("xent", "last")}
SOLVED = 0.10  # ratio to the baseline below which a run counts as a success
STUCK = 0.90   # ratio above which it has learned (almost) nothing
WORSE = 1.50   # ratio above which it does worse than predicting the constant (it was thrown off)
VERDICTS = ("worse than the baseline", "stuck at the baseline", "learning", "solved")


@dataclass(frozen=True)
class Config:
    """One training run on a memory task."""

    task: str = "adding"            # a key of TASK_SIZES
    cell: str = "lstm"              # "rnn", "lstm" or "gru"
    T: int = 50                     # the lag: sequence length (copy_memory: the gap; its sequences are T + 20)
    hidden_size: int = 32           # H
    optimizer: str = "adam"         # a name of rnncore.OPTIMIZERS
    lr: float = 1e-2                # learning rate
    steps: int = 300                # training steps (one fresh batch each)
    batch: int = 64                 # B, sequences per step
    clip: float | None = 1.0        # gradient clipping threshold, None for none
    clip_mode: str = "norm"         # "norm" (global norm) or "value" (per entry)
    init: str = "xavier"            # a scheme of rnncore.SCHEMES
    nonlinearity: str = "tanh"      # the vanilla RNN's activation ("relu" for the IRNN)
    spectral_radius: float | None = None  # rescale every W_h block to this radius, None to keep the scheme's
    forget_bias: float = 1.0        # LSTM only (0 for the other cells): added to the forget gate's bias (1: standard)
    test_size: int = 1000           # sequences in the held-out batch

    def __post_init__(self):
        if self.cell != "lstm" and self.forget_bias != 0.0:  # only the LSTM has a forget gate: one config per run
            object.__setattr__(self, "forget_bias", 0.0)
        if self.task not in TASK_SIZES:
            raise ValueError(f"unknown task {self.task!r}; choose one of {', '.join(TASK_SIZES)}")
        if isinstance(self.T, bool) or not isinstance(self.T, (int, np.integer)) or self.T < MIN_T[self.task]:
            raise ValueError(f"T={self.T!r}: the {self.task} task needs an integer T >= {MIN_T[self.task]}")
        for name in ("hidden_size", "steps", "batch", "test_size"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if self.optimizer not in rc.OPTIMIZERS:
            raise ValueError(f"unknown optimizer {self.optimizer!r}; choose one of {', '.join(rc.OPTIMIZERS)}")
        if not np.isfinite(self.lr) or self.lr <= 0:
            raise ValueError(f"lr must be a positive number, got {self.lr}")
        if self.init not in rc.SCHEMES:
            raise ValueError(f"unknown init {self.init!r}; choose one of {', '.join(rc.SCHEMES)}")
        self.spec()  # fails early on an unknown cell or nonlinearity

    def spec(self) -> rc.ModelSpec:
        """The model for this task: its input and output sizes, loss and readout."""
        D, O = TASK_SIZES[self.task]
        loss, output = TASK_LOSS[self.task]
        return rc.ModelSpec(cell=self.cell, input_size=D, hidden_size=int(self.hidden_size), output_size=O, loss=loss,
                            output=output, nonlinearity=self.nonlinearity)


class RunResult(NamedTuple):
    """One run: the training record, the held-out score, and how (or whether) it ended."""

    frame: pd.DataFrame     # one row per step: step, loss, grad_norm, clipped, dh0_norm, seconds, ratio
    test_loss: float        # held-out loss of the final (last finite) parameters; inf if that is not finite
    baseline: float         # the task's trivial baseline loss
    ratio: float            # test_loss / baseline
    verdict: str            # one of VERDICTS
    stopped_at: int | None  # step at which training stopped on a non-finite value, else None
    reason: str | None
    params: dict            # the final parameters


def streams(seed: int) -> tuple[np.random.Generator, np.random.Generator, np.random.Generator]:
    """(init, data, test) generators, independent, all derived from one integer seed."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    return tuple(np.random.default_rng(s) for s in np.random.SeedSequence(int(seed)).spawn(3))


def verdict(ratio: float) -> str:
    """The plain verdict for a held-out loss / baseline ratio."""
    if not np.isfinite(ratio) or ratio > WORSE:
        return VERDICTS[0]
    if ratio > STUCK:
        return VERDICTS[1]
    return VERDICTS[3] if ratio < SOLVED else VERDICTS[2]


def data_fn(cfg: Config, n: int) -> Callable[[np.random.Generator], rc.Batch]:
    """The batch source of a run: ``data(rng)`` draws n sequences of the task at lag T."""
    return lambda r: rc.make_task(cfg.task, rng=r, n=n, T=int(cfg.T))


def init_params(cfg: Config, *, rng: np.random.Generator) -> dict:
    """The initial parameters of a run (the scheme, the optional radius and forget bias of ``cfg``)."""
    return rc.init_model(cfg.spec(), rng=rng, scheme=cfg.init, spectral_radius=cfg.spectral_radius,
                         forget_bias=cfg.forget_bias if cfg.cell == "lstm" else 0.0)


def history_frame(history: rc.History, baseline: float) -> pd.DataFrame:
    """The training record as a tidy frame, one row per step, with the loss as a fraction of the baseline."""
    return pd.DataFrame({
        "step": history.step.astype(int), "loss": history.loss, "grad_norm": history.grad_norm,
        "clipped": history.clipped.astype(bool), "dh0_norm": history.dh0_norm, "seconds": history.seconds,
        "ratio": history.loss / baseline,
    })


def run(cfg: Config, seed: int, *, callback: Callable[[int, int, dict], None] | None = None) -> RunResult:
    """Train ``cfg`` from ``seed`` and score the result on held-out data.

    Args:
        cfg: the run.
        seed: one integer; the same seed gives the same bits.
        callback: progress, called as callback(done, total, info) (see ``rnncore.train``).

    Returns:
        RunResult; a run that went non-finite is scored with its last finite parameters.
    """
    init_rng, data_rng, test_rng = streams(seed)
    spec = cfg.spec()
    params = init_params(cfg, rng=init_rng)
    test = data_fn(cfg, int(cfg.test_size))(test_rng)
    result = rc.train(spec, params, data_fn(cfg, int(cfg.batch)), rng=data_rng, steps=int(cfg.steps),
                      optimizer=rc.get_optimizer(cfg.optimizer, cfg.lr), clip=cfg.clip, clip_mode=cfg.clip_mode,
                      callback=callback, callback_every=1)
    with np.errstate(over="ignore", invalid="ignore"):
        test_loss = float(rc.evaluate(spec, result.params, test))
    if not np.isfinite(test_loss):
        test_loss = float("inf")
    ratio = test_loss / test.baseline
    return RunResult(history_frame(result.history, test.baseline), test_loss, float(test.baseline), ratio,
                     verdict(ratio), result.stopped_at, result.reason, result.params)


def with_changes(cfg: Config, **changes) -> Config:
    """``cfg`` with some fields replaced (validated again)."""
    return dataclasses.replace(cfg, **changes)


# ---- the size of a run, for the estimate a button shows before it trains -----------------------------------------

def train_piece(cfg: Config, count: float | None = None) -> effort.Piece:
    """``cfg.steps`` training steps of ``cfg`` (or ``count``): its model, batch, length, optimizer and clipping; the
    probe is one real step of :func:`rnncore.train`."""
    def setup():
        init_rng, data_rng, _ = streams(0)
        spec, params, data = cfg.spec(), init_params(cfg, rng=init_rng), data_fn(cfg, int(cfg.batch))
        optimizer = rc.get_optimizer(cfg.optimizer, cfg.lr)
        return lambda: rc.train(spec, params, data, rng=data_rng, steps=1, optimizer=optimizer, clip=cfg.clip,
                                clip_mode=cfg.clip_mode)

    key = ("train step", cfg.task, cfg.cell, int(cfg.T), int(cfg.hidden_size), int(cfg.batch), cfg.optimizer,
           cfg.nonlinearity, cfg.clip is None, cfg.clip_mode)
    return effort.Piece(f"{cfg.cell.upper()} step (T = {cfg.T}, batch {cfg.batch})",
                        int(cfg.steps) if count is None else count, setup, key)


def eval_piece(cfg: Config) -> effort.Piece:
    """The held-out loss of ``cfg``: ``test_size`` sequences, probed as forward passes over one training batch."""
    def setup():
        init_rng, _, test_rng = streams(0)
        spec, params, batch = cfg.spec(), init_params(cfg, rng=init_rng), data_fn(cfg, int(cfg.batch))(test_rng)
        return lambda: rc.evaluate(spec, params, batch)

    key = ("forward", cfg.task, cfg.cell, int(cfg.T), int(cfg.hidden_size), int(cfg.batch), cfg.nonlinearity)
    return effort.Piece(f"{cfg.cell.upper()} forward (T = {cfg.T}, batch {cfg.batch})",
                        int(cfg.test_size) / int(cfg.batch), setup, key)


def work(configs) -> list[effort.Piece]:
    """What :func:`run` does for each config: its training steps and its held-out loss."""
    return [piece for cfg in configs for piece in (train_piece(cfg), eval_piece(cfg))]
