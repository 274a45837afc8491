"""Optimizers as pure (init, update) pairs over explicit state, as in JAX's example_libraries.

    opt = adam(lr=1e-2)
    state = opt.init(params)
    params, state = opt.update(params, grads, state)     # new dicts; nothing is mutated

Wrappers keep the protocol: ``only_readout(opt)`` freezes every parameter but the readout (the article's forecaster
trains nothing else), and ``watching(opt, every, look)`` lets a caller look at the parameters during training.

    sgd:       p -= lr g
    momentum:  v = beta v + g;              p -= lr v                    (heavy ball, PyTorch's form)
    rmsprop:   s = rho s + (1 - rho) g^2;   p -= lr g / (sqrt(s) + eps)
    adam:      m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;  p -= lr m_hat / (sqrt(v_hat) + eps)
               with the bias corrections m_hat = m / (1 - b1^k), v_hat = v / (1 - b2^k) at step k
"""
from __future__ import annotations

from typing import Any, Callable, NamedTuple

import numpy as np

OPTIMIZERS = ("sgd", "momentum", "rmsprop", "adam")


class Optimizer(NamedTuple):
    name: str
    init: Callable[[dict], Any]
    update: Callable[[dict, dict, Any], tuple[dict, Any]]


def _check_lr(lr: float) -> float:
    if not np.isfinite(lr) or lr <= 0:
        raise ValueError(f"the learning rate must be a positive number, got {lr}")
    return float(lr)


def _zeros(params: dict) -> dict:
    return {k: np.zeros_like(v) for k, v in params.items()}


def sgd(lr: float) -> Optimizer:
    """Plain gradient descent."""
    lr = _check_lr(lr)

    def update(params, grads, state):
        return {k: p - lr * grads[k] for k, p in params.items()}, state

    return Optimizer("sgd", lambda params: (), update)


def momentum(lr: float, beta: float = 0.9) -> Optimizer:
    """SGD with heavy-ball momentum."""
    lr = _check_lr(lr)

    def update(params, grads, state):
        v = {k: beta * state[k] + grads[k] for k in params}
        return {k: p - lr * v[k] for k, p in params.items()}, v

    return Optimizer("momentum", _zeros, update)


def rmsprop(lr: float, rho: float = 0.99, eps: float = 1e-8) -> Optimizer:
    """RMSProp (Tieleman & Hinton 2012), with PyTorch's defaults."""
    lr = _check_lr(lr)

    def update(params, grads, state):
        s = {k: rho * state[k] + (1 - rho) * grads[k] ** 2 for k in params}
        return {k: p - lr * grads[k] / (np.sqrt(s[k]) + eps) for k, p in params.items()}, s

    return Optimizer("rmsprop", _zeros, update)


class AdamState(NamedTuple):
    step: int
    m: dict
    v: dict


def adam(lr: float, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8) -> Optimizer:
    """Adam (Kingma & Ba 2015)."""
    lr = _check_lr(lr)

    def init(params):
        return AdamState(0, _zeros(params), _zeros(params))

    def update(params, grads, state):
        k = state.step + 1
        m = {n: beta1 * state.m[n] + (1 - beta1) * grads[n] for n in params}
        v = {n: beta2 * state.v[n] + (1 - beta2) * grads[n] ** 2 for n in params}
        c1, c2 = 1 - beta1 ** k, 1 - beta2 ** k
        new = {n: p - lr * (m[n] / c1) / (np.sqrt(v[n] / c2) + eps) for n, p in params.items()}
        return new, AdamState(k, m, v)

    return Optimizer("adam", init, update)


def watching(opt: Optimizer, every: int, look: Callable[[int, dict], None]) -> Optimizer:
    """The optimizer, calling ``look(update_count, new_params)`` every ``every`` updates (rc.train shows no params)."""
    count = [0]

    def update(params, grads, state):
        params, state = opt.update(params, grads, state)
        count[0] += 1
        if count[0] % every == 0:
            look(count[0], params)
        return params, state

    return Optimizer(opt.name, opt.init, update)


def only_readout(opt: Optimizer, keys: tuple = ("W_y", "b_y")) -> Optimizer:
    """The optimizer, but every parameter outside ``keys`` keeps its initial value (the article's forecaster)."""

    def update(params, grads, state):
        new, state = opt.update(params, grads, state)
        return {k: new[k] if k in keys else params[k] for k in params}, state

    return Optimizer(f"{opt.name}, readout only", opt.init, update)


_BY_NAME = {"sgd": sgd, "momentum": momentum, "rmsprop": rmsprop, "adam": adam}


def get_optimizer(name: str, lr: float, **hyper) -> Optimizer:
    """The optimizer called ``name`` with learning rate ``lr`` (and its own hyperparameters)."""
    try:
        make = _BY_NAME[name]
    except KeyError:
        raise ValueError(f"unknown optimizer {name!r}; choose one of {', '.join(OPTIMIZERS)}") from None
    return make(lr, **hyper)
