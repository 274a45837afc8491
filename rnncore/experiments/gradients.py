"""Vanishing and exploding gradients, measured: ‖dL/dh_t‖ through time while sweeping the spectral radius of W_h.

A vanilla RNN h_t = f(x_t W_x + h_{t-1} W_h + b) runs over B random sequences; the loss has gradient only at the
last step, a random unit vector dL/dh_T, so ‖dL/dh_t‖ is the fraction of a late loss that reaches step t. Every
radius rescales the *same* drawn W_h (rnncore.init's ``spectral_radius``), on the same inputs, so the radius is the
only thing that changes. Reported per (radius, t): the geometric mean over the B sequences, or a status when any
of them was not finite ("overflow") or exactly zero ("underflow").

Pascanu et al. (2013) bound the product of step Jacobians by eta^(T-t) with eta = gamma * sigma_max(W_h): a bound
on the largest *singular value*, not the spectral radius. The two agree for normal matrices (the orthogonal and
identity schemes) and differ for the others, where sigma_max is about twice the radius.

The article's scalar demo (:func:`scalar_demo`) is rerun with ``gradflow.scalar_sigmoid_chain``: seeded with 0, as
its code is, and with 1, as the chain rule needs; the log of the correct gradient is summed factor by factor, so
values below float64's range (1e-308) are still reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

from rnncore import gradflow
from rnncore.cells import get_cell
from rnncore.init import SCHEMES

GAMMA = gradflow.GAMMA  # the largest slope of each nonlinearity
threshold = gradflow.threshold  # 1/gamma: below it in sigma_max, the gradient provably vanishes
NONLINEARITIES = tuple(gradflow.GAMMA)  # tanh, sigmoid, relu, identity
RADII = (0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 2.0, 3.0, 4.0, 5.0, 8.0)  # choices for the lines
EXPLOSION_RADII = (0.8, 1.2, 2.0, 4.0)  # the "where does it explode?" table
#: The article's printed norms, by weight (T = 100).
ARTICLE_PRINTS = {0.1: 1.0940408233891702e-20, 10.0: 2.0091298527891248e20}
SCALAR_WEIGHTS = (-20.0, -10.0, -5.0, -2.0, -1.0, -0.5, -0.1, 0.1, 0.5, 1.0, 2.0, 4.0, 5.0, 10.0, 20.0)


@dataclass(frozen=True)
class Config:
    """One gradient-flow experiment; the defaults measure in well under a second."""

    nonlinearity: str = "tanh"                  # f: tanh, sigmoid, relu or identity
    scheme: str = "orthogonal"                  # how W_h is drawn before rescaling (rnncore.init.SCHEMES)
    T: int = 100                                # sequence length; the loss sits at step T
    hidden_size: int = 32                       # H
    radius: float = 0.9                         # the radius measured against Pascanu's bound
    compare: tuple[float, ...] = (0.8, 1.0, 1.2)  # radii drawn as lines
    sweep_max: float = 1.5                      # the heatmap sweeps radii from 0.5 to this
    sweep_steps: int = 21                       # radii in the heatmap
    input_size: int = 4                         # D; inputs are N(0, 1)
    sequences: int = 4                          # B: norms are geometric means over B sequences

    def __post_init__(self):
        if self.nonlinearity not in NONLINEARITIES:
            raise ValueError(f"unknown nonlinearity {self.nonlinearity!r}; choose one of {', '.join(NONLINEARITIES)}")
        if self.scheme not in SCHEMES:
            raise ValueError(f"unknown init scheme {self.scheme!r}; choose one of {', '.join(SCHEMES)}")
        for name in ("T", "hidden_size", "input_size", "sequences", "sweep_steps"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        radii = (self.radius, self.sweep_max, *self.compare)
        if not all(np.isfinite(r) and r > 0 for r in radii):
            raise ValueError(f"radii must be positive numbers, got radius={self.radius}, sweep_max={self.sweep_max}, "
                             f"compare={self.compare}")

    def sweep(self) -> tuple[float, ...]:
        """The heatmap's radii: ``sweep_steps`` evenly from 0.5 to ``sweep_max`` (just the one when it is 0.5)."""
        lo = min(0.5, float(self.sweep_max))
        return tuple(float(r) for r in np.round(np.linspace(lo, float(self.sweep_max), int(self.sweep_steps)), 4))


class Flow(NamedTuple):
    """The measured flow at one radius."""

    norms: np.ndarray         # (B, T) ‖dL/dh_t‖, t = 1..T
    spectrum: gradflow.Spectrum


class Result(NamedTuple):
    norms: pd.DataFrame       # radius, t, grad_norm, log10_norm, status, in_lines (one of cfg.compare)
    spectra: pd.DataFrame     # radius, spectral_radius, sigma_max, eta, gain, bound_proves_vanishing
    focus: pd.DataFrame       # t, series, value, status: measured, worst direction and bound at cfg.radius
    explosion: pd.DataFrame   # nonlinearity, radius, sigma_max, norm_t1, log10_norm_t1, status
    nonfinite: pd.DataFrame   # radius, t_min, t_max, cells: where the sweep overflowed (empty when it did not)


def _streams(seed: int) -> tuple[np.random.SeedSequence, np.random.SeedSequence]:
    """(weights, data): each use builds a fresh Generator, so every radius gets the same W_h and inputs."""
    weights, data = np.random.SeedSequence(int(seed)).spawn(2)
    return weights, data


def _setup(cfg: Config, nonlinearity: str, radius: float, seed: int):
    cell = get_cell("rnn", nonlinearity=nonlinearity)
    weights, data = _streams(seed)
    params = cell.init_params(np.random.default_rng(weights), cfg.input_size, cfg.hidden_size, scheme=cfg.scheme,
                              dtype=np.float64, spectral_radius=float(radius))
    rng = np.random.default_rng(data)
    xs = rng.standard_normal((cfg.sequences, cfg.T, cfg.input_size))
    dlast = rng.standard_normal((cfg.sequences, cfg.hidden_size))
    dlast /= np.linalg.norm(dlast, axis=1, keepdims=True)  # unit: ‖dL/dh_T‖ = 1, so norms are gains
    return cell, params, xs, dlast


def flow(cfg: Config, radius: float, seed: int, *, nonlinearity: str | None = None) -> Flow:
    """‖dL/dh_t‖ for every sequence and t at one radius, and the spectrum of that W_h."""
    cell, params, xs, dlast = _setup(cfg, nonlinearity or cfg.nonlinearity, radius, seed)
    return Flow(gradflow.grad_norms_through_time(cell, params, xs, dlast), gradflow.spectrum(params["W_h"]))


def summarize(norms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per t, the geometric mean over sequences and a status: finite, overflow (any inf/nan), underflow (any 0).

    Args:
        norms: (B, T).

    Returns:
        values (T,) with NaN where the status is not "finite", and statuses (T,) of str.
    """
    finite = np.isfinite(norms).all(axis=0)
    positive = (norms > 0).all(axis=0) & finite
    with np.errstate(divide="ignore", invalid="ignore"):
        values = np.exp(np.mean(np.log(np.where(positive, norms, 1.0)), axis=0))
    status = np.where(~finite, "overflow", np.where(positive, "finite", "underflow"))
    return np.where(positive, values, np.nan), status


def _gain(values: np.ndarray, T: int) -> float:
    """The measured per-step gain: (‖dL/dh_t‖ / ‖dL/dh_T‖)^(1 / (T - t)) from the earliest finite t."""
    ok = np.flatnonzero(np.isfinite(values[:-1]))
    if ok.size == 0:
        return float("nan")
    t = int(ok[0])  # index t is step t + 1; T - (t + 1) steps back from the last
    return float(values[t] ** (1.0 / (T - 1 - t)))


def run(cfg: Config, seed: int, *, callback=None) -> Result:
    """Sweep the radii of ``cfg`` and measure everything the page draws.

    Args:
        cfg: the settings.
        seed: the weights and inputs come from it alone.
        callback: optional progress ``(done, total, info) -> None``.
    """
    radii = sorted(set(cfg.sweep()) | {float(r) for r in cfg.compare} | {float(cfg.radius)})
    total = len(radii) + len(NONLINEARITIES) * len(EXPLOSION_RADII) + 1
    rows, spectra, T = [], [], cfg.T
    gamma = gradflow.GAMMA[cfg.nonlinearity]
    for i, r in enumerate(radii):
        measured = flow(cfg, r, seed)
        values, status = summarize(measured.norms)
        with np.errstate(divide="ignore"):
            logs = np.log10(values)
        rows.append(pd.DataFrame({"radius": r, "t": np.arange(1, T + 1), "grad_norm": values, "log10_norm": logs,
                                  "status": status, "in_lines": r in cfg.compare}))
        s = measured.spectrum
        spectra.append((r, s.spectral_radius, s.sigma_max, gamma * s.sigma_max, _gain(values, T),
                        s.sigma_max < gradflow.threshold(cfg.nonlinearity)))
        if callback:
            callback(i + 1, total, {})
    norms = pd.concat(rows, ignore_index=True)
    spectra = pd.DataFrame(spectra, columns=["radius", "spectral_radius", "sigma_max", "eta", "gain",
                                             "bound_proves_vanishing"])
    explosion = _explosion(cfg, seed)
    if callback:
        callback(total - 1, total, {})
    focus = _focus(cfg, seed)
    if callback:
        callback(total, total, {})
    bad = norms[norms["status"] == "overflow"]
    nonfinite = (bad.groupby("radius", as_index=False).agg(t_min=("t", "min"), t_max=("t", "max"), cells=("t", "size"))
                 if len(bad) else pd.DataFrame({"radius": [], "t_min": [], "t_max": [], "cells": []}))
    return Result(norms, spectra, focus, explosion, nonfinite)


class Findings(NamedTuple):
    """The numbers the page's sentences quote, read off a :class:`Result`."""

    norm_at_t1: dict[float, str]                 # radius -> ‖dL/dh_1‖ ("3.4e-05"), or its status ("overflow")
    explosion_at: dict[tuple[str, float], str]   # (nonlinearity, radius) -> ‖dL/dh_1‖ with a unit gradient at T
    first_growth: dict[str, float | None]        # nonlinearity -> first EXPLOSION_RADII radius with ‖dL/dh_1‖ > 1


def _shown(value: float, status: str) -> str:
    return f"{value:.2g}" if status == "finite" else status


def findings(result: Result, cfg: Config) -> Findings:
    """What the page says about ``result`` (measured with ``cfg``), as numbers formatted the way it prints them."""
    first = result.norms[result.norms["t"] == 1].set_index("radius")
    at_t1 = {float(r): _shown(first.loc[r, "grad_norm"], first.loc[r, "status"]) for r in cfg.compare}
    expl = {(row.nonlinearity, float(row.radius)): row for row in result.explosion.itertuples()}
    explosion_at = {key: _shown(row.norm_t1, row.status) for key, row in expl.items()}
    first_growth = {}
    for nl in NONLINEARITIES:
        grew = [r for r in EXPLOSION_RADII
                if (nl, r) in expl and (expl[(nl, r)].status == "overflow" or expl[(nl, r)].norm_t1 > 1)]
        first_growth[nl] = grew[0] if grew else None
    return Findings(at_t1, explosion_at, first_growth)


def _explosion(cfg: Config, seed: int) -> pd.DataFrame:
    """‖dL/dh_1‖ for every nonlinearity at a few radii: where does the gradient really grow?"""
    rows = []
    for nl in NONLINEARITIES:
        for r in EXPLOSION_RADII:
            measured = flow(cfg, r, seed, nonlinearity=nl)
            values, status = summarize(measured.norms[:, :1])
            with np.errstate(divide="ignore"):
                rows.append((nl, r, measured.spectrum.sigma_max, values[0], np.log10(values[0]), status[0]))
    return pd.DataFrame(rows, columns=["nonlinearity", "radius", "sigma_max", "norm_t1", "log10_norm_t1", "status"])


FOCUS_SERIES = ("measured ‖dL/dh_t‖", "worst direction", "bound η^(T−t)")


def _focus(cfg: Config, seed: int) -> pd.DataFrame:
    """At ``cfg.radius``: the measured norm, the Jacobian-product norm of the first sequence, and the bound."""
    cell, params, xs, dlast = _setup(cfg, cfg.nonlinearity, cfg.radius, seed)
    values, status = summarize(gradflow.grad_norms_through_time(cell, params, xs, dlast))
    # entry t of jacobian_product_norms is ‖∂h_T/∂h_t‖ for t = 0..T-1; at t = T it is the identity, norm 1
    jac = np.append(gradflow.jacobian_product_norms(cell, params, xs[:1])[0, 1:], 1.0)
    sigma = gradflow.spectrum(params["W_h"]).sigma_max
    bound = gradflow.pascanu_bound(sigma, cfg.nonlinearity, cfg.T)
    t = np.arange(1, cfg.T + 1)
    parts = []
    for name, v, s in zip(FOCUS_SERIES, (values, jac, bound), (status, None, None)):
        if s is None:
            s = np.where(np.isfinite(v), np.where(v > 0, "finite", "underflow"), "overflow")
        parts.append(pd.DataFrame({"t": t, "series": name, "value": np.where(s == "finite", v, np.nan),
                                   "status": s}))
    return pd.concat(parts, ignore_index=True)


# ---- the article's scalar demo -------------------------------------------------------------------------------

class ScalarResult(NamedTuple):
    sweep: pd.DataFrame   # weight, article_code, float64_grad, log10_grad, log10_bound, mean_factor, saturated
    trace: pd.DataFrame   # weight, t, log10_grad: log10 |dL/dh_t| for the traced weights


class ScalarFindings(NamedTuple):
    """What the page says about the scalar demo."""

    largest_log10: float     # log10 of the largest correct gradient over the sweep's weights
    largest_at: float        # the weight where it is reached
    explodes: bool           # whether any weight's gradient exceeds 1


def scalar_findings(sweep: pd.DataFrame) -> ScalarFindings:
    """The largest gradient of :func:`scalar_demo`'s sweep, and whether any weight makes the unit explode."""
    i = sweep["log10_grad"].idxmax()
    largest = float(sweep.loc[i, "log10_grad"])
    return ScalarFindings(largest, float(sweep.loc[i, "weight"]), largest > 0)


def _log10_grads(weight: float, h: np.ndarray) -> np.ndarray:
    """log10 |dL/dh_t| for t = 0..T, summed factor by factor from dL/dh_T = 1, so nothing underflows.

    Each factor is |w sigma'(a_{t+1})| = |w| h_{t+1} (1 - h_{t+1}); a unit pinned at exactly 0 or 1 gives -inf.
    """
    with np.errstate(divide="ignore"):
        factors = np.log10(abs(weight)) + np.log10(h[1:]) + np.log10(1.0 - h[1:])     # (T,)
    return np.append(np.cumsum(factors[::-1])[::-1], 0.0)


def scalar_demo(T: int = 100, seed: int = 0, *, trace_weights: tuple[float, ...] = (0.1, 10.0),
                weights: tuple[float, ...] = SCALAR_WEIGHTS) -> ScalarResult:
    """The article's one-unit sigmoid RNN over ``weights``: its zero-seeded recursion and the correct one.

    Every weight sees the same N(0, 1) inputs (drawn from ``seed``).

    Returns:
        sweep: per weight, what the article's code computes (``article_code``, always 0.0), what the correct
            recursion gives in float64 (``float64_grad``, 0.0 once it is below 1e-308), its exact log10, the
            upper bound T log10(|w| / 4) (since sigma' <= 1/4), the geometric mean of the factors |w sigma'|, and
            the share of steps where the unit is saturated (sigma' < 0.01).
        trace: log10 |dL/dh_t| against t for ``trace_weights``.
    """
    rows, traces = [], []
    for w in sorted(set(weights) | set(trace_weights)):
        demo = gradflow.scalar_sigmoid_chain(w, T, rng=np.random.default_rng(seed))
        article = gradflow.scalar_sigmoid_chain(w, T, rng=np.random.default_rng(seed), seed_grad=0.0)
        logs = _log10_grads(w, demo.h)
        slope = demo.h[1:] * (1.0 - demo.h[1:])
        if w in weights:
            rows.append((w, float(abs(article.grads[0])), float(abs(demo.grads[0])), float(logs[0]),
                         T * float(np.log10(abs(w) / 4.0)), float(10 ** (logs[0] / T)), float(np.mean(slope < 0.01))))
        if w in trace_weights:
            traces.append(pd.DataFrame({"weight": w, "t": np.arange(T + 1), "log10_grad": logs}))
    sweep = pd.DataFrame(rows, columns=["weight", "article_code", "float64_grad", "log10_grad", "log10_bound",
                                        "mean_factor", "saturated"])
    return ScalarResult(sweep, pd.concat(traces, ignore_index=True))
