"""Two statements about the article's samples, generated from runs and from its printed numbers: what its
slow-training code does with only the float cast, and how close its first five time-series predictions are."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from rnncore.experiments import forecasting as fx
from rnncore.experiments import slow_article
from rnncore.reference import article_code

REPO = Path(__file__).resolve().parents[1]
ARTICLE = REPO.parent / "shared" / "article" / "article.txt"


def literal_article_losses(seed: int, *, n: int, T: int, epochs: int) -> list[np.ndarray]:
    """The article's slow-training loop, its expressions verbatim (float targets), one sequence at a time."""
    X, y = article_code.summed_sign_data(rng=np.random.default_rng([seed, 10]), n=n, T=T)
    y = y.astype(float)
    w = article_code.init_weights(rng=np.random.default_rng([seed, 12]), hidden_size=32)
    Wxh, Whh, Why, bh, by = w.W_xh, w.W_hh, w.W_hy.copy(), w.b_h, w.b_y

    def forward(Xi):
        h = np.zeros((Whh.shape[0], 1))
        for x in Xi:
            h = np.tanh(np.dot(Wxh, x) + np.dot(Whh, h) + bh)
        return 1 / (1 + np.exp(-(np.dot(Why, h) + by)))

    losses = []
    with np.errstate(all="ignore"):
        for _ in range(epochs):
            total = 0
            for i in range(len(X)):
                output = forward(X[i])
                total += -y[i] * np.log(output) - (1 - y[i]) * np.log(1 - output)
                d_Why = (output - y[i]) * output * (1 - output)
                Why -= 0.01 * np.dot(d_Why, forward(X[i]).T)
            losses.append(total / len(X))
    return losses


def test_the_article_code_as_printed_broadcasts_its_hidden_state_and_matches_the_literal_loop():
    run = slow_article.as_printed(seed=0, n=40, T=12, epochs=3)
    assert run.hidden_shape == (32, 32) and run.loss_shape == (1, 32)
    literal = literal_article_losses(0, n=40, T=12, epochs=3)
    assert literal[0].shape == (1, 32)
    np.testing.assert_allclose(run.mean_loss, [loss.mean() for loss in literal], rtol=1e-12)


@pytest.mark.parametrize("seed", [0, 1])
def test_the_sentence_about_the_float_cast_says_what_the_run_shows(seed):
    run = slow_article.as_printed(seed=seed)
    words = slow_article.as_printed_words(run, seed=seed)
    assert "32×32" in words and "32 numbers" in words and f"seed {seed}" in words
    if run.first_nonfinite is None:
        assert "inf or nan" not in words and f"{run.mean_loss[10]:.4f} at epoch 10" in words
    else:
        assert f"from epoch {run.first_nonfinite}" in words and "inf or nan" in words
    assert "stays at ln 2" not in words


def test_the_time_series_bound_is_the_largest_gap_of_the_printed_predictions():
    gaps = np.abs(np.subtract(fx.ARTICLE_PREDICTED, fx.ARTICLE_TRUE))
    assert fx.article_gap() == gaps.max() and f"{fx.article_gap():.5f}" == "0.00405"
    assert fx.article_gap() > 0.004  # the page once said "within 0.004"
    page = (REPO / "app" / "pages" / "forecasting.py").read_text()
    assert "within 0.004" not in page and "exp.article_gap()" in page
    if ARTICLE.exists():  # shared/ sits beside the repository on the developers' machines
        text = ARTICLE.read_text()
        for label, values in (("First 5 true values", fx.ARTICLE_TRUE),
                              ("First 5 predicted values", fx.ARTICLE_PREDICTED)):
            printed = re.search(label + r": \[([^\]]+)\]", text).group(1).split()
            assert [float(v) for v in printed] == list(values)
