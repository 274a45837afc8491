"""Recurrent cells and their registry: ``get_cell("rnn", nonlinearity="tanh")``, ``get_cell("lstm")``, ``get_cell("gru")``."""
from __future__ import annotations

from .base import ACTIVATIONS
from .gru import GRUCell
from .lstm import LSTMCell
from .rnn import RNNCell

CELLS = ("rnn", "lstm", "gru")


def get_cell(name: str, **options):
    """The cell called ``name``. Only the RNN takes an option: ``nonlinearity`` (tanh, relu, sigmoid, identity)."""
    key = str(name).lower()
    if key == "rnn":
        unknown = set(options) - {"nonlinearity"}
        if unknown:
            raise ValueError(f"the rnn cell takes only 'nonlinearity', got {sorted(unknown)}")
        return RNNCell(**options)
    if key in ("lstm", "gru"):
        if options:
            raise ValueError(f"the {key} cell takes no options, got {sorted(options)}")
        return LSTMCell() if key == "lstm" else GRUCell()
    raise ValueError(f"unknown cell {name!r}; choose one of {', '.join(CELLS)}")


__all__ = ["ACTIVATIONS", "CELLS", "GRUCell", "LSTMCell", "RNNCell", "get_cell"]
