"""Gated cells as a remedy: how much of a gradient arriving at the last step reaches each earlier step, for the
vanilla RNN, the LSTM and the GRU, at initialization and after training, from the same seed and at the same size.

The flow is measured with a unit gradient at the last step: dL/dh_T is a random unit vector per sequence (the same
vectors for every cell), and ``rnncore.gradflow.grad_norms_through_time`` backpropagates it, so ||dL/dh_t|| is the
fraction of it that survives T - t steps back. The sequences are the first ``flow_batch`` sequences of the run's
held-out batch, and the trained weights are those of :func:`rnncore.experiments.scored_run.run` with the same seed.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

from rnncore import gradflow
from rnncore.experiments import scored_run

CELLS = ("rnn", "lstm", "gru")
STAGES = ("at initialization", "after training")


@dataclass(frozen=True)
class GateConfig:
    """Gradient flow and training of the three cells on one task."""

    task: str = "adding"      # a key of long_term.TASK_SIZES
    T: int = 50               # the lag
    hidden_size: int = 32     # H, the same for every cell
    steps: int = 500          # training steps (Adam, lr 1e-2, clip 1, batch 64: the sweep's settings)
    flow_batch: int = 64      # sequences over which the flow is averaged
    forget_bias: float = 1.0  # LSTM only: added to the forget gate's bias (1, the standard; 0: f starts near 0.5)

    def run_config(self, cell: str) -> scored_run.Config:
        """The training run of one cell (the sweep's settings otherwise)."""
        return scored_run.Config(task=self.task, cell=cell, T=int(self.T), hidden_size=int(self.hidden_size),
                                 steps=int(self.steps), forget_bias=float(self.forget_bias) if cell == "lstm" else 0.0)


class GateResult(NamedTuple):
    flow: pd.DataFrame     # cell, stage, t, norm (mean over sequences), lo, hi (10% and 90% quantiles)
    runs: pd.DataFrame     # cell, test_loss, baseline, ratio, verdict, stopped_at, reason
    curves: pd.DataFrame   # cell and the columns of long_term.history_frame but seconds: the training curves


def unit_vectors(shape: tuple[int, int], *, rng: np.random.Generator) -> np.ndarray:
    """(B, H) random directions of norm 1: the gradient that arrives at the last step."""
    v = rng.standard_normal(shape)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def flow(cfg: scored_run.Config, params: dict, xs: np.ndarray, dlast: np.ndarray) -> np.ndarray:
    """||dL/dh_t|| (B, T') for a unit dL/dh_T, through the recurrent cell of ``params``.

    Args:
        cfg: the run (its cell and nonlinearity). params: model parameters (the cell's are used).
        xs: (B, T', D) inputs. dlast: (B, H) the gradient at the last step.
    """
    cell = cfg.spec().get_cell()
    return gradflow.grad_norms_through_time(cell, {k: params[k] for k in cell.param_names}, xs, dlast)


def flow_frame(norms: np.ndarray, **labels) -> pd.DataFrame:
    """Summarize (B, T) norms per step t = 1..T: the mean and the 10%/90% quantiles over sequences."""
    with np.errstate(invalid="ignore"):
        return pd.DataFrame({
            **labels, "t": np.arange(1, norms.shape[1] + 1), "norm": norms.mean(axis=0),
            "lo": np.quantile(norms, 0.1, axis=0), "hi": np.quantile(norms, 0.9, axis=0),
        })


#: Growth of the gradient reaching step 1 during training beyond which a cell's path counts as opened by training.
OPENED = 100.0


class Reach(NamedTuple):
    """The share of the last step's gradient that reaches step 1 (the mean ||dL/dh_1|| of a flow frame), per cell."""

    before: dict    # cell -> at initialization
    after: dict     # cell -> after training; nan where the frame has no trained run
    opened: tuple   # the gated cells whose reach grew more than OPENED times in training, in CELLS order


def reach(flow: pd.DataFrame) -> Reach:
    """What the page says of a flow frame (``gate_flow(...).flow`` or ``flow_at_init``): the reach of every cell at
    step 1, before and after training, and which gated cells training opened."""
    def at_one(cell: str, stage: str) -> float:
        rows = flow[(flow["cell"] == cell) & (flow["stage"] == stage)]
        return float(rows.loc[rows["t"].idxmin(), "norm"]) if len(rows) else float("nan")

    before = {c: at_one(c, "at initialization") for c in CELLS}
    after = {c: at_one(c, "after training") for c in CELLS}
    return Reach(before, after, tuple(c for c in CELLS if c != "rnn" and after[c] > OPENED * before[c]))


class FlowSetup(NamedTuple):
    xs: np.ndarray     # (B, T', D) the first B held-out sequences of the run
    dlast: np.ndarray  # (B, H) unit gradients at the last step, the same for every cell of a seed
    start: dict        # the run's initial parameters


def flow_setup(cfg: scored_run.Config, seed: int, n: int) -> FlowSetup:
    """What the flow of a run is measured on: held-out inputs, last-step gradients, and the initial weights."""
    xs = scored_run.data_fn(cfg, int(cfg.test_size))(scored_run.streams(seed)[2]).xs[:n]
    # a fourth stream of the seed: spawn(4)[:3] are the run's own (init, data, test) streams
    vec_rng = np.random.default_rng(np.random.SeedSequence(int(seed)).spawn(4)[3])
    dlast = unit_vectors((xs.shape[0], int(cfg.hidden_size)), rng=vec_rng)
    return FlowSetup(xs, dlast, scored_run.init_params(cfg, rng=scored_run.streams(seed)[0]))


def gate_flow(cfg: GateConfig, seed: int, *,
              callback: Callable[[int, int, dict], None] | None = None) -> GateResult:
    """Train an RNN, an LSTM and a GRU from the same seed, and measure the gradient flow before and after.

    Args:
        cfg: the task, lag, size and budget.
        seed: one integer for all three cells.
        callback: progress over the three runs, callback(done, total, info).

    Returns:
        GateResult with the flow (per cell and stage), the scores and the training curves.
    """
    flows, runs, curves = [], [], []
    total = len(CELLS) * int(cfg.steps)
    for k, cell in enumerate(CELLS):
        run_cfg = cfg.run_config(cell)
        setup = flow_setup(run_cfg, seed, int(cfg.flow_batch))
        inner = None if callback is None else (
            lambda done, _total, info, k=k: callback(k * int(cfg.steps) + done, total, info))
        result = scored_run.run(run_cfg, seed, callback=inner)
        for stage, params in zip(STAGES, (setup.start, result.params)):
            flows.append(flow_frame(flow(run_cfg, params, setup.xs, setup.dlast), cell=cell, stage=stage))
        runs.append({"cell": cell, "test_loss": result.test_loss, "baseline": result.baseline,
                     "ratio": result.ratio, "verdict": result.verdict, "stopped_at": result.stopped_at,
                     "reason": result.reason})
        curves.append(result.frame.drop(columns=["seconds"]).assign(cell=cell))  # wall time would not reproduce
    return GateResult(pd.concat(flows, ignore_index=True), pd.DataFrame(runs), pd.concat(curves, ignore_index=True))


def flow_at_init(cfg: GateConfig, seed: int) -> pd.DataFrame:
    """Only the flow at initialization (cheap: no training), in the layout of ``GateResult.flow``."""
    frames = []
    for cell in CELLS:
        run_cfg = cfg.run_config(cell)
        setup = flow_setup(run_cfg, seed, int(cfg.flow_batch))
        frames.append(flow_frame(flow(run_cfg, setup.start, setup.xs, setup.dlast), cell=cell, stage=STAGES[0]))
    return pd.concat(frames, ignore_index=True)


def with_changes(cfg: GateConfig, **changes) -> GateConfig:
    """``cfg`` with some fields replaced."""
    return dataclasses.replace(cfg, **changes)


def work(cfg: GateConfig) -> list:
    """What :func:`gate_flow` trains, for the estimate a button shows: one run per cell (the flows are a few
    backward passes, small beside the training)."""
    return scored_run.work([cfg.run_config(cell) for cell in CELLS])
