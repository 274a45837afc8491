"""Long-term dependencies: train a recurrent model on a memory task with real BPTT, and score it against the task's
trivial baseline.

One training run is :func:`run`: (Config, seed) -> RunResult. The sweep behind "success against lag"
(:mod:`rnncore.experiments.sweeps`) calls this same function for every point, so a point recomputed on a page is
bit-identical to the shipped one.

Scoring: the final model's loss on a held-out batch, divided by the task's baseline (the loss of the best
constant, memoryless predictor). ratio < 0.1 is "solved" (the success flag of the sweep), ratio > 0.9 is "stuck at
the baseline" (above 1.5, or not finite: "worse than the baseline"), and anything between is "learning".

The seed is split into three independent streams (``numpy.random.SeedSequence.spawn``): one for the initial
weights, one for the training batches, one for the held-out batch. So two cells trained with the same seed see the
same batches and are scored on the same held-out data.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Callable, NamedTuple

import numpy as np
import pandas as pd

import rnncore as rc
from rnncore.experiments import effort
from rnncore.experiments import stats
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
    hidden: int = 32                # H
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
        for name in ("hidden", "steps", "batch", "test_size"):
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
        return rc.ModelSpec(cell=self.cell, input_size=D, hidden_size=int(self.hidden), output_size=O, loss=loss,
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


# ---- the article's experiment, and what real BPTT does at its settings ------------------------------------------

@dataclass(frozen=True)
class ArticleConfig:
    """The article's long-term experiment: first-element recall, one sequence per "epoch"."""

    T: int = 50           # sequence length
    hidden: int = 10      # H
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
    spec = rc.ModelSpec(cell="rnn", input_size=1, hidden_size=int(cfg.hidden), output_size=1)
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

    key = ("train step", cfg.task, cfg.cell, int(cfg.T), int(cfg.hidden), int(cfg.batch), cfg.optimizer,
           cfg.nonlinearity, cfg.clip is None, cfg.clip_mode)
    return effort.Piece(f"{cfg.cell.upper()} step (T = {cfg.T}, batch {cfg.batch})",
                        int(cfg.steps) if count is None else count, setup, key)


def eval_piece(cfg: Config) -> effort.Piece:
    """The held-out loss of ``cfg``: ``test_size`` sequences, probed as forward passes over one training batch."""
    def setup():
        init_rng, _, test_rng = streams(0)
        spec, params, batch = cfg.spec(), init_params(cfg, rng=init_rng), data_fn(cfg, int(cfg.batch))(test_rng)
        return lambda: rc.evaluate(spec, params, batch)

    key = ("forward", cfg.task, cfg.cell, int(cfg.T), int(cfg.hidden), int(cfg.batch), cfg.nonlinearity)
    return effort.Piece(f"{cfg.cell.upper()} forward (T = {cfg.T}, batch {cfg.batch})",
                        int(cfg.test_size) / int(cfg.batch), setup, key)


def work(configs) -> list[effort.Piece]:
    """What :func:`run` does for each config: its training steps and its held-out loss."""
    return [piece for cfg in configs for piece in (train_piece(cfg), eval_piece(cfg))]


def article_work(cfg: ArticleConfig) -> list[effort.Piece]:
    """What :func:`article_experiment` does per epoch: draw one sequence for the frozen model, and take one SGD step
    on one sequence (the frozen model's single forward pass over all of them is small beside it)."""
    spec = rc.ModelSpec(cell="rnn", input_size=1, hidden_size=int(cfg.hidden), output_size=1)

    def setup():
        init_rng, data_rng, _ = streams(0)
        params = _article_params(spec, rng=init_rng)

        def epoch():
            rc.tasks.first_element(rng=data_rng, n=1, T=int(cfg.T))
            rc.train(spec, params, lambda r: rc.tasks.first_element(rng=r, n=1, T=int(cfg.T)), rng=data_rng,
                     steps=1, optimizer=rc.sgd(cfg.lr))
        return epoch

    return [effort.Piece(f"RNN epoch (T = {cfg.T}, one sequence)", int(cfg.epochs), setup,
                         ("article epoch", int(cfg.T), int(cfg.hidden)))]


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
    sentences: tuple[str, ...]      # the comparisons, in words: gated against RNN, bias, RNN ahead


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
                              claim=lambda T: f"the {m} succeeds more often than the tanh RNN at T = {T}",
                              subject=lambda T: f"the {m} against the tanh RNN, best lag T = {T}")
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
    sentences = tuple([c.sentence for _, c in gated_vs_rnn.values()] + ([bias[1].sentence] if bias else [])
                      + [c.sentence for c in rnn_vs_gated.values()])
    return LagFindings(str(rows["task"].iloc[0]), int(table["n"].min()), table, gated, gated_vs_rnn, rnn_vs_gated,
                       bias, {k: float(v) for k, v in med.items()}, sentences)
