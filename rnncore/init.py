"""Weight initialization for recurrent cells.

A cell with G gates has W_x (D, G*H), W_h (H, G*H) and b (G*H,). Every scheme initializes each gate's (D, H) and
(H, H) block on its own, so that "orthogonal" or "identity" mean the same thing for every gate:

- "small":      W ~ N(0, 0.01^2). The source article's choice; it makes ||W_h|| tiny, so gradients vanish fast.
- "xavier":     Glorot & Bengio 2010, uniform with limit sqrt(6 / (fan_in + fan_out)) per block.
- "orthogonal": W_x Xavier, each W_h block a random orthogonal matrix (Saxe et al. 2014): all singular values 1.
- "identity":   W_h blocks = I, W_x ~ N(0, 0.001^2), biases 0: the IRNN of Le, Jaitly & Hinton 2015 (meant for ReLU).
- "uniform":    PyTorch's default, U(-1/sqrt(H), 1/sqrt(H)) for every weight and bias.

``spectral_radius=r`` then rescales every W_h block so that its largest |eigenvalue| is r: the knob that moves a
vanilla RNN between vanishing (r < 1 for tanh) and exploding dynamics.
"""
from __future__ import annotations

import numpy as np

SCHEMES = ("small", "xavier", "orthogonal", "identity", "uniform")


def _xavier(rng: np.random.Generator, fan_in: int, fan_out: int, dtype) -> np.ndarray:
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=(fan_in, fan_out)).astype(dtype)


def orthogonal(rng: np.random.Generator, n: int, dtype=np.float64) -> np.ndarray:
    """A random (n, n) orthogonal matrix, uniform over the orthogonal group (QR with the sign fix)."""
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return (q * np.sign(np.diag(r))).astype(dtype)


def spectral_radius_of(W: np.ndarray) -> float:
    """The largest absolute eigenvalue of a square matrix."""
    return float(np.max(np.abs(np.linalg.eigvals(W))))


def _block(rng, scheme: str, rows: int, H: int, recurrent: bool, dtype) -> np.ndarray:
    if scheme == "small":
        return (0.01 * rng.standard_normal((rows, H))).astype(dtype)
    if scheme == "uniform":
        k = 1.0 / np.sqrt(H)
        return rng.uniform(-k, k, size=(rows, H)).astype(dtype)
    if recurrent and scheme == "orthogonal":
        return orthogonal(rng, H, dtype)
    if recurrent and scheme == "identity":
        return np.eye(H, dtype=dtype)
    if scheme == "identity":
        return (0.001 * rng.standard_normal((rows, H))).astype(dtype)
    return _xavier(rng, rows, H, dtype)


def init_gate_params(rng: np.random.Generator, input_size: int, hidden_size: int, gates: int, *,
                     scheme: str = "xavier", dtype=np.float64, spectral_radius: float | None = None) -> dict:
    """W_x (D, G*H), W_h (H, G*H) and b (G*H,) for a cell with ``gates`` gate blocks.

    Args:
        rng: the random generator.
        input_size, hidden_size: D and H, both >= 1.
        gates: G (1 for the RNN, 4 for the LSTM, 3 for the GRU).
        scheme: one of SCHEMES (see the module docstring).
        dtype: float64 (default) or float32.
        spectral_radius: if given, rescale each W_h block to this spectral radius (> 0).

    Returns:
        {"W_x", "W_h", "b"}.
    """
    if scheme not in SCHEMES:
        raise ValueError(f"unknown init scheme {scheme!r}; choose one of {', '.join(SCHEMES)}")
    if int(input_size) < 1 or int(hidden_size) < 1:
        raise ValueError(f"input_size and hidden_size must be >= 1, got {input_size} and {hidden_size}")
    dtype = np.dtype(dtype)
    if dtype not in (np.float64, np.float32):
        raise ValueError(f"dtype must be float64 or float32, got {dtype}")
    D, H = int(input_size), int(hidden_size)
    W_x = np.concatenate([_block(rng, scheme, D, H, False, dtype) for _ in range(gates)], axis=1)
    W_h = np.concatenate([_block(rng, scheme, H, H, True, dtype) for _ in range(gates)], axis=1)
    if scheme == "uniform":
        k = 1.0 / np.sqrt(H)
        b = rng.uniform(-k, k, size=gates * H).astype(dtype)
    else:
        b = np.zeros(gates * H, dtype=dtype)
    if spectral_radius is not None:
        if not np.isfinite(spectral_radius) or spectral_radius <= 0:
            raise ValueError(f"spectral_radius must be a positive number, got {spectral_radius}")
        for g in range(gates):
            block = W_h[:, g * H:(g + 1) * H]
            rho = spectral_radius_of(block)
            if rho == 0.0:
                raise ValueError(f"cannot rescale W_h to spectral radius {spectral_radius}: the {scheme!r} "
                                 "block is all zeros; use another scheme")
            block *= spectral_radius / rho
    return {"W_x": W_x, "W_h": W_h, "b": b}
