"""The training loop: batches from a task, BPTT, optional clipping, an optimizer, and a record of every step.

Each step records the loss, the global gradient norm *before* clipping, whether clipping acted, the norm of the
gradient that reached the first time step (||dL/dh_0||, what vanishing gradients starve), and the wall time.

Numerical trouble is data, not a crash: if the loss, the gradient norm or the updated parameters stop being finite,
the loop stops and returns the last finite parameters with the step and the reason. The same seed (the same ``rng``
state and parameters) gives bit-identical parameters and losses.

The model is a ``ModelSpec`` (rnncore.model), or any object with a ``loss`` name and a method
``loss_and_grads(params, xs, ys, *, truncate) -> LossGrads`` (the attention and transformer models of
rnncore.attn_models are such objects).
"""
from __future__ import annotations

import time
from typing import Callable, NamedTuple

import numpy as np

from .clip import clip_by_global_norm, clip_by_value, global_norm
from .losses import get_loss
from .model import LossGrads, ModelSpec, forward, loss_and_grads
from .optim import Optimizer
from .tasks import Batch


class History(NamedTuple):
    """One entry per completed step, as arrays of equal length."""

    step: np.ndarray       # (n,) int, 1-based
    loss: np.ndarray       # (n,) the training loss of the batch of that step (before its update)
    grad_norm: np.ndarray  # (n,) the global gradient norm before clipping
    clipped: np.ndarray    # (n,) bool: did clipping change the gradient
    dh0_norm: np.ndarray   # (n,) ||dL/dh_0||, the gradient reaching the initial state
    seconds: np.ndarray    # (n,) wall time since the start, at the end of the step


class TrainResult(NamedTuple):
    params: dict
    history: History
    stopped_at: int | None  # the step at which training stopped on a non-finite value, else None
    reason: str | None      # why it stopped, in words a page can show


def _norm_of_state(d) -> float:
    parts = d if isinstance(d, tuple) else (d,)
    return float(np.sqrt(sum(float(np.vdot(p, p)) for p in parts)))


def _loss_and_grads_of(model) -> Callable[..., LossGrads]:
    if isinstance(model, ModelSpec):
        return lambda params, xs, ys, *, truncate: loss_and_grads(model, params, xs, ys, truncate=truncate)
    if not callable(getattr(model, "loss_and_grads", None)) or not hasattr(model, "loss"):
        raise ValueError(f"train needs a ModelSpec, or a model with .loss and .loss_and_grads(params, xs, ys, "
                         f"*, truncate); got {type(model).__name__}")
    return model.loss_and_grads


def train(model, params: dict, data: Callable[[np.random.Generator], Batch], *,
          rng: np.random.Generator, steps: int, optimizer: Optimizer, clip: float | None = None,
          clip_mode: str = "norm", truncate: int | None = None,
          callback: Callable[[int, int, dict], None] | None = None, callback_every: int = 10) -> TrainResult:
    """Train ``params`` for ``steps`` steps on batches drawn by ``data(rng)``.

    Args:
        model: a ModelSpec, or a model object with ``loss`` and ``loss_and_grads`` (see the module docstring).
        params: initial parameters (not mutated).
        data: draws one ``Batch`` from the rng, e.g. ``lambda r: tasks.adding(rng=r, n=64, T=50)``.
        rng: the only source of randomness here.
        steps: the number of updates (>= 1).
        optimizer: from ``rnncore.optim``.
        clip: None for no clipping, else the threshold (global norm, or per-entry value for clip_mode="value").
        clip_mode: "norm" (clip_by_global_norm) or "value" (clip_by_value).
        truncate: None for full BPTT, or k for truncated BPTT.
        callback: called as callback(done, steps, {"loss": ..., "grad_norm": ...}) every ``callback_every`` steps
            and at the end; a page turns it into a progress bar.

    Returns:
        TrainResult(params, history, stopped_at, reason).
    """
    if int(steps) < 1:
        raise ValueError(f"steps must be >= 1, got {steps}")
    if clip_mode not in ("norm", "value"):
        raise ValueError(f"clip_mode must be 'norm' or 'value', got {clip_mode!r}")
    if clip is not None and (not np.isfinite(clip) or clip <= 0):
        raise ValueError(f"clip must be a positive number or None, got {clip}")
    steps = int(steps)
    step_grads = _loss_and_grads_of(model)
    rec = {k: np.zeros(steps, dtype=float) for k in ("loss", "grad_norm", "dh0_norm", "seconds")}
    clipped = np.zeros(steps, dtype=bool)
    state = optimizer.init(params)
    stopped_at, reason, done = None, None, 0
    start = time.perf_counter()
    with np.errstate(over="ignore", invalid="ignore"):  # overflow is detected below and reported, not raised
        for k in range(steps):
            batch = data(rng)
            if batch.loss != model.loss:
                raise ValueError(f"the task's loss is {batch.loss!r} but the model's is {model.loss!r}")
            out = step_grads(params, batch.xs, batch.ys, truncate=truncate)
            norm = global_norm(out.grads)
            if not np.isfinite(out.loss) or not np.isfinite(norm):
                what = "the loss" if not np.isfinite(out.loss) else "the gradient norm"
                stopped_at, reason = k + 1, f"{what} became {out.loss if what == 'the loss' else norm} at step {k + 1}"
                break
            grads = out.grads
            if clip is not None and clip_mode == "norm":
                grads, _ = clip_by_global_norm(grads, clip)
                clipped[k] = norm > clip
            elif clip is not None:
                grads, frac = clip_by_value(grads, clip)
                clipped[k] = frac > 0
            new_params, new_state = optimizer.update(params, grads, state)
            if not all(np.all(np.isfinite(v)) for v in new_params.values()):
                stopped_at, reason = k + 1, f"the parameters overflowed in the update of step {k + 1}"
                break
            params, state = new_params, new_state
            rec["loss"][k], rec["grad_norm"][k] = out.loss, norm
            rec["dh0_norm"][k] = _norm_of_state(out.dstate0)
            rec["seconds"][k] = time.perf_counter() - start
            done = k + 1
            if callback is not None and (done % callback_every == 0 or done == steps):
                callback(done, steps, {"loss": out.loss, "grad_norm": norm})
    history = History(np.arange(1, done + 1), rec["loss"][:done], rec["grad_norm"][:done], clipped[:done],
                      rec["dh0_norm"][:done], rec["seconds"][:done])
    return TrainResult(params, history, stopped_at, reason)


def evaluate(spec: ModelSpec, params: dict, batch: Batch) -> float:
    """The loss of ``params`` on one batch (no update)."""
    pred, _ = forward(spec, params, batch.xs)
    return get_loss(spec.loss)(pred, batch.ys).loss
