"""Shipped results as JSON: float64 arrays stored bit for bit (base64 of their bytes), never pickled.

A page's default view can show a result made offline by a documented command; these helpers keep its arrays exact,
so a test can retrain a piece and compare bits.
"""
from __future__ import annotations

import base64

import numpy as np


def arrays_to_json(arrays: dict) -> dict:
    """{name: float array} -> JSON-safe {name: {"shape", "f8"}}, the exact float64 bytes in base64 (no pickle)."""
    return {k: {"shape": list(np.shape(v)), "f8": base64.b64encode(np.ascontiguousarray(v, "<f8").tobytes()).decode()}
            for k, v in arrays.items()}


def arrays_from_json(blob: dict) -> dict:
    """The inverse of :func:`arrays_to_json`: fresh float64 arrays."""
    return {k: np.frombuffer(base64.b64decode(v["f8"]), dtype="<f8").reshape(v["shape"]).astype(np.float64)
            for k, v in blob.items()}
