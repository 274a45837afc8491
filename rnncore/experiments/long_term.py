"""Long-term dependencies: the article's own experiment against real BPTT at its settings, and what the lag sweeps let
the page say (success against lag, gated cells against the tanh RNN, with one-sided Fisher exact tests).

The page's own training run ("Train" at chosen settings) is the shared scored run of
:mod:`rnncore.experiments.scored_run`; its names are imported here so that the page has one door.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

import rnncore as rc
from rnncore.experiments import effort, stats
from rnncore.experiments.scored_run import (  # noqa: F401
    MIN_T,
    SOLVED,
    STUCK,
    TASK_SIZES,
    VERDICTS,
    WORSE,
    Config,
    RunResult,
    run,
    streams,
    verdict,
    with_changes,
    work,
)

# ---- the article's experiment, and what real BPTT does at its settings ------------------------------------------

@dataclass(frozen=True)
class ArticleConfig:
    """The article's long-term experiment: first-element recall, one sequence per "epoch"."""

    T: int = 50           # sequence length
    hidden_size: int = 10  # H
    lr: float = 0.1       # its learning rate (plain SGD)
    epochs: int = 1000    # one sequence each
    window: int = 100     # epochs per point of the running mean


class ArticleResult(NamedTuple):
    frame: pd.DataFrame    # epoch, loss, mean (running mean over `window`), run ("no update" / "real BPTT")
    summary: pd.DataFrame  # one row per run: run, mean loss of the last `window` epochs, share of epochs near 0 / 1


ARTICLE_RUNS = ("the article's loop (no update)", "real BPTT (SGD, 1 sequence per step)")


def _article_params(spec: rc.ModelSpec, *, rng: np.random.Generator) -> dict:
    """Every weight N(0, 0.01^2) and zero biases, as in the article (its readout too)."""
    params = rc.init_model(spec, rng=rng, scheme="small")
    params["W_y"] = 0.01 * rng.standard_normal(params["W_y"].shape)
    return params


def article_experiment(cfg: ArticleConfig, seed: int, *,
                       callback: Callable[[int, int, dict], None] | None = None) -> ArticleResult:
    """The article's loop reproduced with rnncore, next to real training at the same settings.

    The article's loop draws one sequence per epoch, runs the forward pass and prints the squared error, but never
    updates a weight: with weights of size 0.01 the output stays near 0, so the loss is the target bit squared,
    about 0 or about 1. Here the same frozen model is scored on the same sequences the trained one sees.

    Args:
        callback: progress of the real training, callback(done, epochs, info).

    Returns:
        ArticleResult: per-epoch losses of both runs, and their summary.
    """
    if int(cfg.epochs) < int(cfg.window) or int(cfg.window) < 1:
        raise ValueError(f"need epochs >= window >= 1, got epochs={cfg.epochs}, window={cfg.window}")
    init_rng, data_rng, _ = streams(seed)
    spec = rc.ModelSpec(cell="rnn", input_size=1, hidden_size=int(cfg.hidden_size), output_size=1)
    params = _article_params(spec, rng=init_rng)
    # the trained run draws exactly these sequences, one per step, from a copy of the same stream
    frozen_rng = np.random.default_rng(data_rng.bit_generator.seed_seq)
    seqs = [rc.tasks.first_element(rng=frozen_rng, n=1, T=int(cfg.T)) for _ in range(int(cfg.epochs))]
    xs = np.concatenate([b.xs for b in seqs])  # (epochs, T, 1): the frozen model scores them all in one pass
    ys = np.concatenate([b.ys for b in seqs])
    pred, _ = rc.forward(spec, params, xs)
    frozen = ((pred - ys) ** 2)[:, 0]
    trained = rc.train(spec, params, lambda r: rc.tasks.first_element(rng=r, n=1, T=int(cfg.T)), rng=data_rng,
                       steps=int(cfg.epochs), optimizer=rc.sgd(cfg.lr), callback=callback,
                       callback_every=1).history.loss
    frames, rows = [], []
    for name, loss in zip(ARTICLE_RUNS, (frozen, trained)):
        epochs = np.arange(len(loss))
        mean = pd.Series(loss).rolling(int(cfg.window), min_periods=1).mean().to_numpy()
        frames.append(pd.DataFrame({"epoch": epochs, "loss": loss, "mean": mean, "run": name}))
        tail = loss[-int(cfg.window):]
        rows.append({"run": name, "mean_last": float(tail.mean()), "near_0": float(np.mean(loss < 0.05)),
                     "near_1": float(np.mean(loss > 0.8)), "epochs": len(loss)})
    return ArticleResult(pd.concat(frames, ignore_index=True), pd.DataFrame(rows))


def article_work(cfg: ArticleConfig) -> list[effort.Piece]:
    """What :func:`article_experiment` does per epoch: draw one sequence for the frozen model, and take one SGD step
    on one sequence (the frozen model's single forward pass over all of them is small beside it)."""
    spec = rc.ModelSpec(cell="rnn", input_size=1, hidden_size=int(cfg.hidden_size), output_size=1)

    def setup():
        init_rng, data_rng, _ = streams(0)
        params = _article_params(spec, rng=init_rng)

        def epoch():
            rc.tasks.first_element(rng=data_rng, n=1, T=int(cfg.T))
            rc.train(spec, params, lambda r: rc.tasks.first_element(rng=r, n=1, T=int(cfg.T)), rng=data_rng,
                     steps=1, optimizer=rc.sgd(cfg.lr))
        return epoch

    return [effort.Piece(f"RNN epoch (T = {cfg.T}, one sequence)", int(cfg.epochs), setup,
                         ("article epoch", int(cfg.T), int(cfg.hidden_size)))]


# ---- success against lag: the models of a sweep, and what the data lets a page say ---------------------------------

def model_of(cell: str, forget_bias: float = 0.0) -> str:
    """The label of a model in the lag sweeps: "RNN", "GRU", "LSTM" (forget-gate bias 1, the standard choice), or
    "LSTM (forget bias b)" for any other bias."""
    if cell != "lstm":
        return cell.upper()
    return "LSTM" if float(forget_bias) == 1.0 else f"LSTM (forget bias {float(forget_bias):g})"


def with_models(frame: pd.DataFrame) -> pd.DataFrame:
    """A sweep's rows with a ``model`` column (see :func:`model_of`)."""
    bias = frame["forget_bias"] if "forget_bias" in frame else pd.Series(0.0, index=frame.index)
    return frame.assign(model=[model_of(c, b) for c, b in zip(frame["cell"], bias)])


class LagFindings(NamedTuple):
    """What one task's lag sweep lets a page say: every number and sentence the pages quote, from the data."""

    task: str
    seeds: int                      # seeds per point (the smallest count of any point)
    rates: pd.DataFrame             # T, cell, model, k, n, share, lo, hi (Wilson 95%): what success_vs_lag draws
    gated: tuple[str, ...]          # the gated models in the sweep
    gated_vs_rnn: dict              # {gated model: (T, stats.Comparison)} at the lag where it beats the RNN most surely
    rnn_vs_gated: dict              # {T: stats.Comparison}: the RNN against the best gated model, where it does better
    bias: tuple | None              # (T, Comparison) LSTM bias 1 against bias 0, or None without both in the sweep
    at100: dict                     # {model: median held-out loss / baseline at T = 100}
    loss100: dict                   # {model: median held-out loss at T = 100} (where the frame has test_loss)
    dh0_end: dict                   # {cell: median gradient reaching step 1 at the end of training, longest T}
    sentences: tuple[str, ...]      # the comparisons, in words: gated against RNN (or that none is ahead at this
                                    # budget), bias, RNN ahead


def lag_findings(frame: pd.DataFrame) -> LagFindings:
    """Compare the models of one task's lag sweep with one-sided Fisher exact tests (see :mod:`stats`).

    Args:
        frame: the rows of one task (T, cell, forget_bias, seed, success, ratio).
    """
    rows = with_models(frame)
    table = stats.rates(rows, ["T", "cell", "model"])
    by = table.drop(columns="cell").set_index(["T", "model"])
    lags = sorted(int(t) for t in rows["T"].unique())
    models = list(dict.fromkeys(rows["model"]))
    gated = tuple(m for m in models if m != "RNN")
    gated_vs_rnn, rnn_vs_gated = {}, {}
    for m in gated:
        T, c = stats.best_lag({T: (stats.rate_at(by, (T, m)), stats.rate_at(by, (T, "RNN"))) for T in lags},
                              claim=lambda T, m=m: f"the {m} succeeds more often than the tanh RNN at T = {T}",
                              subject=lambda T, m=m: f"the {m} against the tanh RNN, best lag T = {T}")
        if c is not None:
            gated_vs_rnn[m] = (T, c)
    for T in lags:
        here = [m for m in gated if (T, m) in by.index]
        if (T, "RNN") not in by.index or not here:
            continue
        best = max(here, key=lambda m: by.loc[(T, m), "share"])
        if by.loc[(T, "RNN"), "share"] > by.loc[(T, best), "share"]:
            rnn_vs_gated[T] = stats.compare(
                stats.rate_at(by, (T, "RNN")), stats.rate_at(by, (T, best)),
                claim=f"the tanh RNN succeeds more often than every gated cell at T = {T}",
                subject=f"the tanh RNN against the best gated cell there, the {best}, at T = {T}")
    bias = None
    others = [m for m in gated if m.startswith("LSTM (forget bias")]
    if "LSTM" in gated and others:
        b0 = others[0][len("LSTM (forget bias "):-1]
        bias = stats.best_lag(
            {T: (stats.rate_at(by, (T, "LSTM")), stats.rate_at(by, (T, others[0]))) for T in lags},
            claim=lambda T: f"forget-gate bias 1 makes the LSTM succeed more often than bias {b0} at T = {T}",
            subject=lambda T: f"the LSTM with forget-gate bias 1 against bias {b0}, best lag T = {T}")
        bias = None if bias[1] is None else bias
    med = rows[rows["T"] == 100].groupby("model")["ratio"].median()
    loss100 = (rows[rows["T"] == 100].groupby("model")["test_loss"].median().to_dict() if "test_loss" in rows else {})
    dh0 = (rows[rows["T"] == rows["T"].max()].groupby("cell", sort=False)["dh0_end"].median().to_dict()
           if "dh0_end" in rows else {})
    seeds = int(table["n"].min())
    none_ahead = []
    if gated and not any(c.significant for _, c in gated_vs_rnn.values()) and {"steps", "batch"} <= set(rows):
        steps, batch = int(rows["steps"].max()), int(rows["batch"].max())
        none_ahead = [f"At this budget ({steps:,} Adam steps of {batch} sequences: {steps * batch:,} sequences a "
                      f"run), no gated cell succeeds more often than the tanh RNN at any lag beyond seed noise at "
                      f"{seeds} seeds."]
    sentences = tuple(none_ahead + [c.sentence for _, c in gated_vs_rnn.values()]
                      + ([bias[1].sentence] if bias else []) + [c.sentence for c in rnn_vs_gated.values()])
    return LagFindings(str(rows["task"].iloc[0]), seeds, table, gated, gated_vs_rnn, rnn_vs_gated,
                       bias, {k: float(v) for k, v in med.items()}, {k: float(v) for k, v in loss100.items()},
                       {k: float(v) for k, v in dh0.items()}, sentences)
