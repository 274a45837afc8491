"""Synthetic sequence tasks, each with the loss of its best constant predictor.

Every task is a function ``name(*, rng, n, T, **options) -> Batch``. ``baseline`` is the loss that the best
*memoryless* predictor reaches: the best constant output (for many-to-many tasks, the best constant output at each
position). A model that is "stuck at the baseline" has learned nothing about the inputs.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np


class Batch(NamedTuple):
    """A batch of one task.

    xs:       (n, T, D) float64 inputs.
    ys:       targets. output="last": (n, O) float for "mse"/"bce", (n,) int class ids for "xent".
              output="all": (n, T, O) float, or (n, T) int class ids for "xent".
    loss:     "mse", "bce" (with logits) or "xent" (softmax cross-entropy), as in ``rnncore.losses``.
    baseline: the exact loss of the best constant predictor.
    output:   "last" (many-to-one: read out the final hidden state) or "all" (many-to-many).
    """

    xs: np.ndarray
    ys: np.ndarray
    loss: str
    baseline: float
    output: str
