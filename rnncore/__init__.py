"""rnncore: a from-scratch NumPy engine for recurrent networks, with hand-written backpropagation through time.

    import numpy as np, rnncore as rc
    rng = np.random.default_rng(0)
    cell = rc.get_cell("lstm")
    params = cell.init_params(rng, input_size=3, hidden_size=8, scheme="xavier", dtype=np.float64)
    hs, cache = rc.unroll(cell, params, xs)                       # xs (B, T, D) -> hs (B, T, H)
    dxs, dstate0, grads = rc.bptt(cell, params, dhs, cache)       # dhs = dL/dhs (B, T, H)

The contract (names, shapes, gate order, truncation, the mapping to torch) is in docs/ENGINE.md; tests pin it.
"""
from . import (attention, attn_models, clip, gradcheck, gradflow, init, layers, losses, optim, scan, tasks,
               transformer)
from .cells import ACTIVATIONS, CELLS, get_cell
from .clip import clip_by_global_norm, clip_by_value, global_norm
from .init import SCHEMES, spectral_radius_of
from .losses import LOSSES, bce_with_logits, get_loss, mse, softmax_xent
from .model import ModelSpec, forward, init_model, loss_and_grads
from .optim import OPTIMIZERS, adam, get_optimizer, momentum, rmsprop, sgd
from .sequence import UnrollCache, bptt, state_grads, unroll
from .tasks import TASKS, Batch, make_task
from .train import History, TrainResult, evaluate, train

__version__ = "0.1.0"

__all__ = [
    # constants and types
    "ACTIVATIONS", "CELLS", "LOSSES", "OPTIMIZERS", "SCHEMES", "TASKS",
    "Batch", "History", "ModelSpec", "TrainResult", "UnrollCache", "__version__",
    # the contract and the training loop
    "bptt", "evaluate", "forward", "get_cell", "init_model", "loss_and_grads", "state_grads", "train", "unroll",
    "adam", "get_optimizer", "momentum", "rmsprop", "sgd",
    "bce_with_logits", "get_loss", "mse", "softmax_xent",
    "clip_by_global_norm", "clip_by_value", "global_norm", "make_task", "spectral_radius_of",
    # modules
    "attention", "attn_models", "clip", "gradcheck", "gradflow", "init", "layers", "losses", "optim", "scan", "tasks",
    "transformer",
]
