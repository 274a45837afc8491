"""What one training step costs against the sequence length T, timed, checked, and put into words.

One training step (loss, BPTT through the T steps, optimizer update) is timed at every length in interleaved rounds
(T1 T2 T3 T1 T2 T3 ..., BLAS on one thread, see ``timing.interleaved``) and a straight line is fitted through every
repeated timing::

    seconds(T) = fixed + per_step * T

by Theil-Sen (``scipy.stats.theilslopes``: the median of the pairwise slopes, so one length timed during a burst of
other work does not tilt it), with its 95% interval; R² comes from ``scipy.stats.linregress``. Then one step at
``breakdown_T`` is taken apart: batch, forward, backward, gradient norm, optimizer update.

``check`` decides whether the result can be quoted: not when the cost per step is negative or cannot be told from
zero, when the line explains little, when the fixed cost is negative beyond its interval, when a longer sequence
took less time beyond the noise, or when the spread is wider than what is measured. The sentences a page prints
beside these timings come from ``figures``, ``cost_sentence`` and ``breakdown_sentence``.

The reference timings shipped for the page (``rnncore/data/shipped_results/timing_step_cost.json``) are made on a
quiet machine with::

    OPENBLAS_NUM_THREADS=1 python -m rnncore.experiments make step_cost
"""
from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, NamedTuple

import numpy as np
import pandas as pd
from scipy import stats

from rnncore import (
    forward,
    get_optimizer,
    global_norm,
    init_model,
    loss_and_grads,
    make_task,
)
from rnncore.experiments import effort, reference_timings, slow_training, timing
from rnncore.experiments.machine import machine_info
from rnncore.experiments.slow_training import Callback, Setup, spec_for
from rnncore.layers import linear_backward
from rnncore.losses import get_loss
from rnncore.sequence import bptt

MIN_R2 = 0.8  # a straight line must explain at least this share of the timings' variance
SHIPPED = Path(__file__).resolve().parent.parent / "data" / "shipped_results" / "timing_step_cost.json"
COMMAND = "OPENBLAS_NUM_THREADS=1 python -m rnncore.experiments make step_cost"


@dataclass(frozen=True)
class CostConfig:
    """Which lengths to time, and at which length to take one step apart."""

    setup: Setup = Setup()                        # the model and the task
    lengths: tuple[int, ...] = (10, 20, 40, 80)   # T values timed
    budget: float = 0.3                           # seconds at most for the timings against T (and again for parts)
    breakdown_T: int = 40                         # T of the step taken apart
    optimizer: str = "adam"                       # the update timed


class LinearFit(NamedTuple):
    """seconds = intercept + slope * T, a Theil-Sen line through every repeated timing, with 95% intervals."""

    slope: float           # seconds per extra time step
    intercept: float       # seconds of a step that do not grow with T
    r2: float              # share of the timings' variance a least-squares line explains (linregress)
    slope_low: float       # 95% interval of the slope
    slope_high: float
    intercept_low: float   # the intercepts that go with the slope's interval
    intercept_high: float


class CostResult(NamedTuple):
    per_T: pd.DataFrame        # T, median_s, q25_s, q75_s, repeats, calls_per_repeat, fit_s
    fit: LinearFit
    breakdown: pd.DataFrame    # part, median_s, q25_s, q75_s, repeats, calls_per_repeat, share
    verdict: timing.Verdict    # whether any of this can be quoted
    steps: dict                # T -> timing.Timing of one whole step (the samples behind per_T)
    parts: dict                # part -> timing.Timing at breakdown_T (measured in the same rounds)
    breakdown_T: int
    backward_ratio: tuple      # backward / forward time: median, q25, q75 over the paired rounds


def fit_line(x, y, *, confidence: float = 0.95) -> LinearFit:
    """A Theil-Sen line through (x, y) with the ``confidence`` interval of its slope, and the R² of a straight line.

    On a shared machine one length can be timed during a burst of other work; a least-squares line would tilt
    towards it, the median of the pairwise slopes does not.
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if len(x) < 2 or np.ptp(x) == 0:
        raise ValueError("fitting a line needs at least two different lengths; add another T to lengths.")
    slope, intercept, low, high = stats.theilslopes(y, x, alpha=confidence)
    ends = [float(np.median(y) - s * np.median(x)) for s in (low, high)]  # theilslopes' own intercept rule
    r2 = float(stats.linregress(x, y).rvalue ** 2) if np.ptp(y) > 0 else 1.0
    return LinearFit(float(slope), float(intercept), r2, float(low), float(high), min(ends), max(ends))


def _timing_row(t: timing.Timing, **keys) -> dict:
    return {**keys, "median_s": t.median, "q25_s": t.q25, "q75_s": t.q75, "repeats": t.repeats,
            "calls_per_repeat": t.number}


def check(per_T: pd.DataFrame, fit: LinearFit, steps: dict, parts: dict, *, load: float | None = None
          ) -> timing.Verdict:
    """Whether the timings of a step against T, and of its parts, can be quoted; the reasons if not."""
    ms = timing.format_seconds
    reasons = []
    if fit.slope <= 0:
        reasons.append(f"the fitted cost of one more time step is {ms(fit.slope)}: a longer sequence came out "
                       "cheaper")
    elif fit.slope_low <= 0:
        reasons.append(f"the cost of one more time step ({ms(fit.slope)}) cannot be told from zero: its 95% "
                       f"interval runs from {ms(fit.slope_low)} to {ms(fit.slope_high)}")
    if fit.r2 < MIN_R2:
        reasons.append(f"a straight line explains only {fit.r2:.0%} of the variance of the timings (R² = "
                       f"{fit.r2:.2f}; work that grows with T gives at least {MIN_R2:.0%})")
    if fit.intercept_high < 0:
        reasons.append(f"the fixed cost of a step came out negative ({ms(fit.intercept)}), beyond its 95% interval")
    reasons += timing.falling_reasons(steps, what="one training step")
    growth = fit.slope * (per_T["T"].max() - per_T["T"].min())
    widest = per_T.loc[(per_T["q75_s"] - per_T["q25_s"]).idxmax()]
    if fit.slope > 0 and widest["q75_s"] - widest["q25_s"] > growth:
        reasons.append(f"the spread of the timings at T = {widest['T']:g} ({ms(widest['q75_s'] - widest['q25_s'])})"
                       f" is wider than the whole growth the line gives from T = {per_T['T'].min():g} to "
                       f"{per_T['T'].max():g} ({ms(growth)})")
    spreads = {**{f"T = {T}": t.relative_spread for T, t in steps.items()},
               **{f"the {name}": t.relative_spread for name, t in parts.items()}}
    reasons += timing.spread_reasons(spreads)
    return timing.verdict(reasons, spreads.values(), load=load)


def analyse(steps: dict, parts: dict, *, breakdown_T: int, load: float | None = None) -> CostResult:
    """Frames, line, paired backward/forward ratio and verdict from the raw timings (T -> Timing, part -> Timing)."""
    per_T = pd.DataFrame([_timing_row(t, T=int(T)) for T, t in sorted(steps.items())])
    xs = np.concatenate([np.full(t.repeats, float(T)) for T, t in steps.items()])
    ys = np.concatenate([np.asarray(t.samples) for t in steps.values()])
    fit = fit_line(xs, ys)
    per_T["fit_s"] = fit.intercept + fit.slope * per_T["T"]
    breakdown = pd.DataFrame([_timing_row(t, part=name) for name, t in parts.items()])
    breakdown["share"] = breakdown["median_s"] / breakdown["median_s"].sum()
    ratios = timing.paired_ratios(parts["backward"], parts["forward"])
    q25, q50, q75 = np.percentile(ratios, [25, 50, 75])
    return CostResult(per_T, fit, breakdown, check(per_T, fit, steps, parts, load=load), dict(steps), dict(parts),
                      int(breakdown_T), (float(q50), float(q25), float(q75)))


class StepParts(NamedTuple):
    parts: dict      # part name -> a function of no arguments on fixed inputs
    whole: Callable  # one whole training step (loss, BPTT, update) on the same inputs


def _parts(setup: Setup, T: int, optimizer: str, rng: np.random.Generator) -> StepParts:
    """One training step, whole and split into its parts."""
    setup_T = Setup(setup.task, T, setup.cell, setup.hidden_size, setup.batch)
    spec, _ = spec_for(setup_T, rng)
    params = init_model(spec, rng=rng)
    batch = make_task(setup.task, rng=rng, n=setup.batch, T=T)
    pred, cache = forward(spec, params, batch.xs)
    cell = spec.get_cell()
    cell_params = {k: params[k] for k in cell.param_names}
    grads = loss_and_grads(spec, params, batch.xs, batch.ys).grads
    opt = get_optimizer(optimizer, 1e-3)
    state = opt.init(params)

    def backward():  # the loss, the readout's backward, and BPTT through the cached forward pass
        dpred = get_loss(spec.loss)(pred, batch.ys).dpred
        top = cache.hs[:, -1] if spec.output == "last" else cache.hs
        dtop, _, _ = linear_backward(dpred, top, params["W_y"])
        dhs = np.zeros(cache.hs.shape) if spec.output == "last" else dtop
        if spec.output == "last":
            dhs[:, -1] = dtop
        return bptt(cell, cell_params, dhs, cache.cell_cache)

    def step():
        g = loss_and_grads(spec, params, batch.xs, batch.ys).grads
        return opt.update(params, g, state)

    return StepParts({"batch": lambda: make_task(setup.task, rng=rng, n=setup.batch, T=T),
                      "forward": lambda: forward(spec, params, batch.xs),
                      "backward": backward,
                      "gradient norm": lambda: global_norm(grads),
                      "optimizer update": lambda: opt.update(params, grads, state)}, step)


def step_cost(cfg: CostConfig, *, seed: int, callback: Callback = None, clock: Callable[[], float] | None = None,
              min_time: float | None = None) -> CostResult:
    """Time one training step against T and fit a line; then time the parts of one step at ``breakdown_T``.

    Args:
        cfg: what to time. seed: the weights and batches timed. callback: progress.
        clock, min_time: passed to ``timing.interleaved``: None measures CPU time of this thread (a test passes
            a fake clock).

    Returns:
        CostResult: medians, quartiles and repeats per T with the fitted line, the parts of one step, the verdict.
    """
    lengths = sorted({int(T) for T in cfg.lengths})
    if len(lengths) < 2:
        raise ValueError(f"time at least two different lengths to fit a line; got {cfg.lengths}.")
    wholes = {T: _parts(cfg.setup, T, cfg.optimizer, np.random.default_rng([seed, T])).whole for T in lengths}
    # Interleaved (T1 T2 T3 T1 T2 T3 ...): a burst of other work on the machine hits every length alike, so it
    # shifts the line rather than tilting it.
    steps = timing.interleaved(wholes, cfg.budget, clock=clock, min_time=min_time)
    if callback is not None:
        callback(1, 2, {})
    parts = _parts(cfg.setup, cfg.breakdown_T, cfg.optimizer, np.random.default_rng([seed, 10**6])).parts
    got = timing.interleaved(parts, cfg.budget, clock=clock, min_time=min_time)
    if callback is not None:
        callback(2, 2, {})
    return analyse(steps, got, breakdown_T=cfg.breakdown_T, load=timing.load_average())


def reference_machine() -> dict:
    """``machine_info()`` as the timings saw it (BLAS on one thread)."""
    with timing.one_blas_thread():
        return machine_info()


# ---- the sentences beside the timings ------------------------------------------------------------------------------

def figures(result: CostResult) -> dict[str, str]:
    """The three headline figures, label -> value as printed."""
    fit = result.fit
    fixed = timing.format_seconds(fit.intercept)
    if fit.intercept_low < 0 < fit.intercept_high:
        fixed = f"≈ 0 ({fixed})"
    return {"Cost of one more time step": timing.format_seconds(fit.slope), "Fixed cost of a step": fixed,
            "Straight-line fit, R²": f"{fit.r2:.3f}"}


def cost_sentence(result: CostResult) -> str:
    """What the line through the timings says, in words, from its numbers."""
    fit, ms = result.fit, timing.format_seconds
    T = result.per_T["T"]
    if fit.intercept_high < 0:
        fixed = (f"the line gives a negative fixed cost ({ms(fit.intercept)}, 95% interval {ms(fit.intercept_low)} "
                 f"to {ms(fit.intercept_high)}), which no real step has: the times do not follow a straight line")
    elif fit.intercept_low < 0:
        fixed = (f"the part that does not grow with T is too small to tell from zero here ({ms(fit.intercept)}, "
                 f"95% interval {ms(fit.intercept_low)} to {ms(fit.intercept_high)})")
    else:
        fixed = f"the part that does not grow with T (loss, readout, update) is {ms(fit.intercept)}"
    rounds = int(result.per_T["repeats"].min())
    return (f"Each extra time step adds **{ms(fit.slope)}** to a training step (95% interval {ms(fit.slope_low)} to "
            f"{ms(fit.slope_high)}), and {fixed}. A straight line explains {fit.r2:.0%} of the variance of the "
            f"timings from T = {T.min()} to {T.max()} (R² = {fit.r2:.3f}): the forward and the backward pass each "
            f"walk the T steps one after another. Medians of {rounds} or more interleaved rounds per length, in CPU "
            "time of the measuring thread with the BLAS on one thread; the bars are the interquartile range.")


def breakdown_sentence(result: CostResult) -> str:
    """Backward against forward, and the share of the update, from the paired timings of one step's parts."""
    ratio, q25, q75 = result.backward_ratio
    spread = f"interquartile range of the paired rounds {q25:.2f}–{q75:.2f}×"
    if q25 > 1:
        compare = f"took **{ratio:.2g}×** as long as the forward pass ({spread})"
    elif q75 < 1:
        compare = f"took only **{ratio:.2g}×** the time of the forward pass ({spread}): here it was the cheaper one"
    else:
        compare = f"took about as long as the forward pass ({ratio:.2g}×, {spread})"
    share = result.breakdown.set_index("part")["share"]
    return (f"At T = {result.breakdown_T}, the backward pass (the loss and BPTT) {compare}. The optimizer's update, "
            f"which does not depend on T, took {timing.percent(share['optimizer update'])} of the step; drawing the "
            f"batch took {timing.percent(share['batch'])}, and the gradient norm "
            f"{timing.percent(share['gradient norm'])}.")


# ---- shipped reference timings --------------------------------------------------------------------------------------

def _config_from(data: dict) -> CostConfig:
    return CostConfig(**{**data, "setup": Setup(**data["setup"]), "lengths": tuple(data["lengths"])})


def save_shipped(refs: list[reference_timings.Reference], path: Path = SHIPPED) -> None:
    """Write the raw samples of each reference (every frame and verdict is recomputed from them on load)."""
    reference_timings.save_references(refs, path, what="Slow training: reference timings of one training step against T",
                           command=COMMAND, timings=lambda r: {"steps": r.steps, "parts": r.parts})


def _read(run: dict) -> tuple[CostConfig, CostResult]:
    cfg = _config_from(run["config"])
    return cfg, analyse(reference_timings.timings_from_json(run["steps"], (int,)), reference_timings.timings_from_json(run["parts"]),
                        breakdown_T=cfg.breakdown_T, load=run["machine"].get("load_1min"))


def load_shipped(path: Path = SHIPPED) -> list[reference_timings.Reference]:
    """The references written by ``save_shipped``, analysed again by ``analyse``; [] if the file is missing."""
    return reference_timings.load_references(path, _read)


def main(argv: list[str]) -> int:
    """Measure the page's default and long timings, and ship them if the machine was quiet enough to trust them."""
    load = timing.load_average()
    print(f"load average {load}; measure when it is under 0.5, with OPENBLAS_NUM_THREADS=1")
    refs = []
    for cfg in (CostConfig(), CostConfig(lengths=slow_training.LONG_LENGTHS, budget=slow_training.LONG_BUDGET)):
        result = step_cost(cfg, seed=0)
        print(result.per_T.to_string(index=False), "\n", cost_sentence(result), "\n", breakdown_sentence(result))
        if not result.verdict.trustworthy and "--force" not in argv:
            print(timing.too_busy_sentence(result.verdict), "Not kept; try again when the machine is quiet.")
            if not refs:
                raise SystemExit(1)  # the default view is the one reference the page cannot do without
            continue
        refs.append(reference_timings.Reference(cfg, 0, result, reference_machine(), dt.date.today().isoformat()))
    save_shipped(refs)
    print(f"wrote {SHIPPED}")
    return 0


def work(cfg: CostConfig) -> list[effort.Piece]:
    """What :func:`step_cost` does, for the estimate a button shows: two groups of interleaved rounds (one step at every
    length; the parts of one step at ``breakdown_T``), each at least its minimum rounds (a warm-up and
    ``timing.MIN_ROUNDS``), which is all on a quiet machine, and on a busy one up to ``cfg.budget`` of wall time."""
    lengths = sorted({int(T) for T in cfg.lengths})
    rounds = 1 + timing.MIN_ROUNDS

    def steps_round():
        wholes = [_parts(cfg.setup, T, cfg.optimizer, np.random.default_rng([0, T])).whole for T in lengths]
        return lambda: [whole() for whole in wholes]

    def parts_round():
        parts = _parts(cfg.setup, cfg.breakdown_T, cfg.optimizer, np.random.default_rng(0)).parts
        return lambda: [part() for part in parts.values()]

    return [effort.Piece("a round: one step at every length", rounds, steps_round,
                         ("step-cost round", cfg.setup, tuple(lengths), cfg.optimizer), up_to=cfg.budget),
            effort.Piece("a round: the parts of one step", rounds, parts_round,
                         ("step-cost parts", cfg.setup, cfg.breakdown_T, cfg.optimizer), up_to=cfg.budget)]


def reference_view(cfg: CostConfig) -> tuple:
    """The shipped reference timing a page shows for ``cfg`` (or, failing that, the default settings'), and the
    sentence that says where, when and for which settings it was measured; (None, "") when none ships."""
    ref = reference_timings.reference_for(cfg, load_shipped(), CostConfig())
    if ref is None:
        return None, ""
    setup = ref.config.setup
    other = "" if ref.config == cfg else (
        f" These are for the default settings ({setup.task}, {setup.cell}, H = {setup.hidden_size}, T from "
        f"{min(ref.config.lengths)} to {max(ref.config.lengths)}), not yours.")
    return ref.result, f"{reference_timings.reference_label(ref)}, with `{COMMAND}`.{other}"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
