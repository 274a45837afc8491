"""The article's code samples, fact-checked: what it prints, what its code really prints, where the Lab measures it.

Each row is one code sample of the source article, run as printed (rnncore/reference/article_code.py rebuilds each sample to show what it does).
The claims are paraphrased and its numbers quoted; ``page`` is the Lab page (a path under the app root) whose
corrected experiment measures the same thing.
"""

from __future__ import annotations

from typing import NamedTuple

import pandas as pd


class Claim(NamedTuple):
    """One fact-checked code sample."""

    sample: str  # short name of the article's section
    article_prints: str  # what the article reports, its numbers quoted
    running_it: str  # what its code does when run as printed
    verdict: str  # one of VERDICTS
    measured_here: str  # what the Lab measures instead
    page: str  # the Lab page that measures it, e.g. "app/pages/gradients.py"


VERDICTS = ("reproduces", "other numbers", "does not run")

CLAIMS: tuple[Claim, ...] = (
    Claim(
        "SimpleRNN forward pass", "5 outputs; the last has shape (5, 1)", "The same.", "reproduces",
        "The same forward pass with rnncore, stepped through time with every shape shown.", "app/pages/basics.py",
    ),
    Claim(
        "Vanishing and exploding gradients", "Gradient norms 1.09e-20 (weight 0.1) and 2.01e+20 (weight 10)",
        "Prints 0.0 twice: the backward recursion starts from a zero gradient (its sigmoid derivative, read off "
        "the unit's output, is right). Seeded correctly, weight 10 does not explode either: the unit saturates.",
        "other numbers",
        "||dL/dh_t|| through time for a sweep of spectral radii, against Pascanu et al.'s bound; the scalar demo "
        "seeded correctly.",
        "app/pages/gradients.py",
    ),
    Claim(
        "Long-term dependencies", "Loss stuck near 0.25 over 1,000 epochs",
        "No weight is ever updated; the loss flips between about 0 and about 1.", "other numbers",
        "The first-element and adding tasks trained with real BPTT, success against lag, each task's baseline.",
        "app/pages/long_term.py",
    ),
    Claim(
        "Slow training", "Loss flat at 0.693; training took 27.64 s",
        "TypeError (it negates a boolean array); its \"backward pass\" is not a gradient.", "does not run",
        "Loss against steps and against wall time, for real optimizers and learning rates.",
        "app/pages/slow_training.py",
    ),
    Claim(
        "Limited parallelization", "Batching gives a 6.29× speedup",
        "About 0.8×: its \"batch\" version still steps through one sequence, one step at a time.", "other numbers",
        "Honest timings: about 1.5× from precomputing the input projection, 4-9× per sequence from batching 32.",
        "app/pages/parallelism.py",
    ),
    Claim(
        "Sentiment analysis", "Scores 0.23 (positive) and -0.18 (negative)",
        "ValueError: the embeddings are 1-D, so the hidden state broadcasts to (5, 5); the model is never trained.",
        "does not run", "RNN, LSTM and GRU trained on sentences where word order matters, against bag-of-words.",
        "app/pages/sentiment.py",
    ),
    Claim(
        "Time-series prediction", "Loss falls to about 2.1e-4",
        "ValueError on the update of the output weights; and it only ever trains that readout.", "does not run",
        "Forecasts of sine and real series, one-step and free-running, against persistence, seasonal and AR.",
        "app/pages/forecasting.py",
    ),
)


def claims() -> pd.DataFrame:
    """The fact-check table, one row per code sample.

    Returns:
        DataFrame with the columns of :class:`Claim`, in the article's order: strings, except ``verdict``, a
        categorical over :data:`VERDICTS`.
    """
    frame = pd.DataFrame(CLAIMS, columns=Claim._fields)
    frame["verdict"] = pd.Categorical(frame["verdict"], categories=VERDICTS)
    return frame
