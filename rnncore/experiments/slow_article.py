"""The article's slow-training sample, run by its mechanism, against real training of the same model.

Its sample cannot run as printed (its loss negates a boolean array: a TypeError), and its "backward pass" only
nudges the readout in a direction that is not the gradient. ``article`` reproduces both with our own code
(``rnncore.reference.article_code``), measures what its loop would do with the targets cast to float, and trains the same
model (1000 sequences of length 50, H = 32, sigmoid readout, BCE) with real BPTT and Adam.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

from rnncore import Batch, ModelSpec, forward, get_optimizer, init_model, train
from rnncore.experiments import effort
from rnncore.reference import article_code
from rnncore.experiments.slow_training import Callback, smoothed
from rnncore.losses import get_loss


@dataclass(frozen=True)
class ArticleConfig:
    """The article's model and data (1000 sequences of length 50, H=32), and how much of each to run."""

    n: int = 1000                # training sequences (its 1000)
    T: int = 50                  # their length (its 50)
    hidden_size: int = 32        # its H
    batch: int = 50              # sequences per step of the real training
    steps: int = 30              # real training steps; 2000 steps of 50 = its 100 epochs of 1000 sequences
    lr: float = 0.003            # Adam's learning rate for the real training
    article_samples: int = 30    # sequences its own loop runs over (a slice of the training set, to stay quick)
    article_epochs: int = 1      # passes of its loop over them
    article_lr: float = 0.01     # its learning rate
    n_test: int = 500            # fresh sequences for the accuracies


class ArticleResult(NamedTuple):
    type_error: str             # what NumPy says when its loss runs on boolean targets
    cosine: np.ndarray          # (samples,) cosine of its W_hy change with the true descent direction
    article_loss: np.ndarray    # (article_epochs,) its printed loss per epoch, targets cast to float
    article_seconds_per_sequence: float  # its loop's measured cost per sequence per epoch
    article_moved: dict         # weight name -> largest change its loop made
    article_accuracy: float     # its trained model on the test set
    curves: pd.DataFrame        # the real training: step, seconds, loss, smoothed
    accuracy: float             # the real training's model on the test set
    test_loss: float
    seconds: float              # wall time of the real training
    stopped_at: int | None
    reason: str | None


def uphill_share(result: ArticleResult) -> float:
    """The share of sequences on which the article's update points uphill (a negative cosine with the real descent
    direction)."""
    return float(np.mean(np.asarray(result.cosine) < 0))


def article(cfg: ArticleConfig, *, seed: int, callback: Callback = None) -> ArticleResult:
    """Run the article's sample (its mechanism, see ``rnncore.reference.article_code``) and real training of its model.

    Args:
        cfg: sizes and lengths. seed: the data, both models' weights and the batches. callback: progress of the
            real training.

    Returns:
        ArticleResult: its TypeError, its update against the gradient, its loop's loss and cost, and real training.
    """
    X, y_bool = article_code.summed_sign_data(rng=np.random.default_rng([seed, 10]), n=cfg.n, T=cfg.T)
    Xt, yt = article_code.summed_sign_data(rng=np.random.default_rng([seed, 11]), n=cfg.n_test, T=cfg.T)
    y, yt = y_bool.astype(np.float64), yt.astype(np.float64)
    w0 = article_code.init_weights(rng=np.random.default_rng([seed, 12]), hidden_size=cfg.hidden_size)
    out0, _ = article_code.forward(w0, X[0])
    try:
        article_code.loss_as_printed(y_bool[0], out0)
        type_error = "no error"
    except TypeError as err:
        type_error = f"TypeError: {err}"
    m = min(cfg.article_samples, cfg.n)
    cos = np.empty(m)
    for i in range(m):
        step = article_code.article_update_direction(w0, X[i], y[i, 0]).ravel()
        grad = article_code.true_grad_W_hy(w0, X[i], y[i, 0]).ravel()
        cos[i] = step @ grad / max(np.linalg.norm(step) * np.linalg.norm(grad), 1e-300)
    run_a = article_code.run_article_training(w0, X[:m], y[:m], lr=cfg.article_lr, epochs=cfg.article_epochs)
    spec = ModelSpec(cell="rnn", input_size=1, hidden_size=cfg.hidden_size, output_size=1, loss="bce")
    article_logits, _ = forward(spec, article_code.as_rnncore_params(run_a.weights), Xt)  # same model, our layout
    article_acc = float(np.mean((article_logits[:, 0] > 0) == (yt[:, 0] > 0.5)))
    params = init_model(spec, rng=np.random.default_rng([seed, 13]))
    batch = min(cfg.batch, cfg.n)

    def data(r: np.random.Generator) -> Batch:
        idx = r.choice(cfg.n, batch, replace=False)
        return Batch(X[idx], y[idx], "bce", float(np.log(2.0)), "last")

    res = train(spec, params, data, rng=np.random.default_rng([seed, 14]), steps=cfg.steps,
                optimizer=get_optimizer("adam", cfg.lr), callback=callback, callback_every=20)
    h = res.history
    curves = pd.DataFrame({"step": h.step, "seconds": h.seconds, "loss": h.loss, "smoothed": smoothed(h.loss, 10)})
    logits, _ = forward(spec, res.params, Xt)
    return ArticleResult(type_error, cos, run_a.loss, float(np.median(run_a.seconds) / m), run_a.moved, article_acc,
                         curves, float(np.mean((logits[:, 0] > 0) == (yt[:, 0] > 0.5))),
                         get_loss("bce")(logits, yt).loss, float(h.seconds[-1]) if len(h.step) else 0.0,
                         res.stopped_at, res.reason)


#: The full-size run of the article's model behind the page's button: 2000 steps of 50 = its 100 epochs of 1000.
FULL_ARTICLE = ArticleConfig(steps=2000, article_samples=200, article_epochs=2, n_test=1000)


# ---- its code as printed, with only the float cast -----------------------------------------------------------------

class AsPrinted(NamedTuple):
    """The article's slow-training code run as printed, with one change: the targets cast to float."""

    hidden_shape: tuple          # the shape of its h_T: (H, H), not (H, 1)
    loss_shape: tuple            # the shape of each printed loss
    mean_loss: np.ndarray        # (epochs,) the mean over its loss entries of each epoch's loss (nan if none finite)
    finite_share: np.ndarray     # (epochs,) the share of the loss entries that are finite
    first_nonfinite: int | None  # the first epoch whose printed loss holds inf or nan, or None


def as_printed(*, seed: int, n: int = 1000, T: int = 50, hidden_size: int = 32, lr: float = 0.01,
               epochs: int = 11) -> AsPrinted:
    """Run the article's sample with its own shapes: ``for x in X[i]`` gives 1-D inputs x of shape (1,), so
    ``np.dot(Wxh, x)`` is (H,), and adding the (H, 1) recurrent term broadcasts h to (H, H). Everything that follows
    (output, loss, update) is computed with those shapes, exactly as its expressions do; the targets are cast to
    float (the one change that lets it run). Its input and recurrent weights never change, so each sequence's h_T
    is computed once (all sequences at once); the readout loop then runs sample by sample as printed.

    Args:
        seed: the data and weights (the same streams as :func:`article`). n, T, hidden_size, lr: its 1000, 50, 32,
            0.01. epochs: how many of its 100 epochs to run.
    """
    X, y_bool = article_code.summed_sign_data(rng=np.random.default_rng([seed, 10]), n=n, T=T)
    y = y_bool.astype(np.float64)
    w = article_code.init_weights(rng=np.random.default_rng([seed, 12]), hidden_size=hidden_size)
    h = np.zeros((n, hidden_size, 1))
    for t in range(T):  # its h = tanh(Wxh @ x + Whh @ h + bh), x of shape (1,), for every sequence at once
        h = np.tanh((w.W_xh @ X[:, t, :, None])[..., 0][:, None, :] + w.W_hh @ h + w.b_h)
    Why, means, finite, first = w.W_hy.copy(), np.zeros(epochs), np.zeros(epochs), None
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        for e in range(epochs):
            total = 0.0
            for i in range(n):
                out = 1 / (1 + np.exp(-(Why @ h[i] + w.b_y)))        # its sigmoid, shape (1, H)
                total = total + (-y[i] * np.log(out) - (1 - y[i]) * np.log(1 - out))
                d = (out - y[i]) * out * (1 - out)
                Why = Why - lr * (d @ out.T)                          # its second forward gives the same out
            loss = total / n
            ok = np.isfinite(loss)
            means[e], finite[e] = (float(loss[ok].mean()) if ok.any() else np.nan), float(ok.mean())
            if first is None and not ok.all():
                first = e
    return AsPrinted(tuple(h.shape[1:]), tuple(np.shape(loss)), means, finite, first)


def as_printed_words(run: AsPrinted, *, seed: int) -> str:
    """What its code does with only the float cast, in words, from :func:`as_printed`'s run."""
    printed = [e for e in range(len(run.mean_loss)) if e % 10 == 0]  # the epochs it prints
    last = printed[-1]
    if run.first_nonfinite is not None:
        after = (f"from epoch {run.first_nonfinite} some of them are inf or nan "
                 f"({1 - run.finite_share[last]:.0%} at its printed epoch {last})"
                 if run.finite_share[last] < 1 else f"some are inf or nan from epoch {run.first_nonfinite}")
    else:
        after = f"their mean goes from {run.mean_loss[0]:.4f} at epoch 0 to {run.mean_loss[last]:.4f} at epoch {last}"
    return (f"With only the targets cast to float it runs, but each input is a 1-D array, so its hidden state "
            f"broadcasts to {run.hidden_shape[0]}×{run.hidden_shape[1]} and every printed loss is "
            f"{int(np.prod(run.loss_shape))} numbers: at seed {seed}, {after}.")


def work(cfg: ArticleConfig) -> list[effort.Piece]:
    """What :func:`article` does, for the estimate a button shows: its loop over ``article_samples`` sequences for
    ``article_epochs`` passes (with the cosine of each update), and ``steps`` Adam steps of the real training."""
    spec = ModelSpec(cell="rnn", input_size=1, hidden_size=cfg.hidden_size, output_size=1, loss="bce")
    m = min(cfg.article_samples, cfg.n)

    def its_loop():
        X, y = article_code.summed_sign_data(rng=np.random.default_rng(0), n=1, T=cfg.T)
        y = y.astype(np.float64)
        w0 = article_code.init_weights(rng=np.random.default_rng(1), hidden_size=cfg.hidden_size)

        def one_sequence():
            article_code.article_update_direction(w0, X[0], y[0, 0])
            article_code.true_grad_W_hy(w0, X[0], y[0, 0])
            article_code.run_article_training(w0, X, y, lr=cfg.article_lr, epochs=1)
        return one_sequence

    def real_step():
        X, y = article_code.summed_sign_data(rng=np.random.default_rng(0), n=min(cfg.batch, cfg.n), T=cfg.T)
        data = Batch(X, y.astype(np.float64), "bce", float(np.log(2.0)), "last")
        params = init_model(spec, rng=np.random.default_rng(1))
        return lambda: train(spec, params, lambda r: data, rng=np.random.default_rng(2), steps=1,
                             optimizer=get_optimizer("adam", cfg.lr))

    return [effort.Piece("its loop, one sequence", m * cfg.article_epochs, its_loop,
                         ("article loop", cfg.T, cfg.hidden_size)),
            effort.Piece(f"Adam step (batch {cfg.batch})", cfg.steps, real_step,
                         ("article step", cfg.T, cfg.hidden_size, cfg.batch))]
