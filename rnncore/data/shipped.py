"""Shipped results: what a page shows by default when making it live would take longer than a page may spend.

Every shipped result is made offline by one command over a registry (``python -m rnncore.experiments make NAME``,
see ``rnncore/experiments/__main__.py``) and lives in ``shipped_results/`` as JSON (plus CSV files for the sweeps).
This module is the one reader and writer of those files:

- :func:`write` stores a result with its provenance (what it is, the command that made it, the engine version) and
  the settings that made it; :func:`read` returns it, or None when it is missing;
- :func:`made_with` tells whether a result was made with exactly the given settings (a page shows a shipped result
  only for the settings that made it, and trains otherwise);
- :func:`arrays_to_json` and :func:`arrays_from_json` keep float64 arrays bit for bit (base64 of their bytes, never
  pickled), so a test can retrain a piece and compare bits.
"""
from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import numpy as np

import rnncore

#: The folder of the shipped results, inside the package.
ROOT = Path(__file__).resolve().parent / "shipped_results"


def path(name: str, root: Path = ROOT) -> Path:
    """The JSON file of the shipped result ``name`` (e.g. "sentiment_pretrained")."""
    return Path(root) / f"{name}.json"


def write(name: str, blob: dict[str, Any], *, what: str, command: str, root: Path = ROOT, indent: int | None = None,
          log=None) -> Path:
    """Write the shipped result ``name``: ``blob`` (settings and data, JSON-able) with its provenance.

    Args:
        what: one line: which page's which view this is.
        command: the command that remakes it.
        indent: None for compact JSON (large files), or an indent for files people read (settings).
        log: optional ``print``-like function, told the path and size.
    """
    out = path(name, root)
    out.parent.mkdir(parents=True, exist_ok=True)
    data = {"what": what, "command": command, "engine": rnncore.__version__, **blob}
    separators = (",", ":") if indent is None else None
    out.write_text(json.dumps(data, indent=indent, separators=separators) + "\n", encoding="utf-8")
    if log is not None:
        log(f"wrote {out} ({out.stat().st_size:,} bytes)")
    return out


def read(name: str, root: Path = ROOT) -> dict[str, Any] | None:
    """The shipped result ``name`` as written by :func:`write`, or None when there is no such file."""
    p = path(name, root)
    return json.loads(p.read_text(encoding="utf-8")) if p.is_file() else None


def made_with(blob: dict[str, Any] | None, **settings: Any) -> bool:
    """Whether ``blob`` was made with exactly ``settings`` (each compared as JSON data: tuples equal lists)."""
    if blob is None:
        return False
    plain = json.loads(json.dumps(settings))
    return all(blob.get(key) == value for key, value in plain.items())


def arrays_to_json(arrays: dict) -> dict:
    """{name: float array} -> JSON-safe {name: {"shape", "f8"}}, the exact float64 bytes in base64 (no pickle)."""
    return {k: {"shape": list(np.shape(v)), "f8": base64.b64encode(np.ascontiguousarray(v, "<f8").tobytes()).decode()}
            for k, v in arrays.items()}


def arrays_from_json(blob: dict) -> dict:
    """The inverse of :func:`arrays_to_json`: fresh float64 arrays."""
    return {k: np.frombuffer(base64.b64decode(v["f8"]), dtype="<f8").reshape(v["shape"]).astype(np.float64)
            for k, v in blob.items()}
