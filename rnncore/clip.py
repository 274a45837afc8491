"""Gradient clipping (Pascanu, Mikolov & Bengio 2013).

By global norm: with n = sqrt(sum over every parameter of ||g||^2), if n > max_norm every gradient is scaled by
max_norm / n. The direction of the whole update is kept and its length bounded.

By value: every entry is clamped to [-limit, limit] on its own. That changes the direction of the update; it is a
different method, kept separate and named as such.
"""
from __future__ import annotations

import numpy as np


def global_norm(grads: dict) -> float:
    """sqrt(sum of squares of every entry of every gradient); inf or nan if any entry is."""
    return float(np.sqrt(sum(float(np.vdot(g, g)) for g in grads.values())))


def clip_by_global_norm(grads: dict, max_norm: float) -> tuple[dict, float]:
    """Scale all gradients together so that their global norm is at most ``max_norm``.

    Returns:
        (clipped grads as a new dict, the global norm before clipping). A non-finite norm is returned as it is,
        with the gradients unchanged: there is no direction to keep, and the caller should stop.
    """
    if not np.isfinite(max_norm) or max_norm <= 0:
        raise ValueError(f"max_norm must be a positive number, got {max_norm}")
    norm = global_norm(grads)
    if not np.isfinite(norm) or norm <= max_norm:
        return dict(grads), norm
    scale = max_norm / norm
    return {k: g * scale for k, g in grads.items()}, norm


def clip_by_value(grads: dict, limit: float) -> tuple[dict, float]:
    """Clamp every gradient entry to [-limit, limit]; returns (new grads, the fraction of entries clamped)."""
    if not np.isfinite(limit) or limit <= 0:
        raise ValueError(f"limit must be a positive number, got {limit}")
    total = sum(g.size for g in grads.values())
    clamped = sum(int(np.count_nonzero(np.abs(g) > limit)) for g in grads.values())
    return {k: np.clip(g, -limit, limit) for k, g in grads.items()}, clamped / max(total, 1)
