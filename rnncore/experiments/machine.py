"""The machine a timing ran on: its CPUs, platform, NumPy and BLAS (name, version, threads) and load, as facts for
a table (:func:`machine_info`) and as a phrase for a page (:func:`machine_sentence`)."""
from __future__ import annotations

import contextlib
import io
import os
import platform
import sys
from collections.abc import Mapping

import numpy as np

from rnncore.experiments.timing import blas_threads_in_use, load_average


def machine_sentence(info: Mapping) -> str:
    """The machine a timing ran on, in a phrase: "a 2-CPU x86_64 Linux machine, NumPy 2.3 with scipy-openblas 0.3
    on 1 BLAS thread"."""
    system = str(info.get("platform") or "").split("-")[0] or "unknown-system"
    blas = f"{info.get('blas_name') or 'an unknown BLAS'} {info.get('blas_version') or ''}".strip()
    threads = info.get("blas_threads_in_use") or info.get("blas_threads")
    on = f" on {threads} BLAS thread{'s' if threads != 1 else ''}" if threads else ""
    return (f"a {info.get('cpus_usable') or info.get('cpu_count')}-CPU {info.get('machine') or ''} {system} machine, "
            f"NumPy {info.get('numpy')} with {blas}{on}").replace("  ", " ")


# Thread-count variables in the order each BLAS reads them (the first one set wins).
_THREAD_VARS = {
    "openblas": ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS"),
    "mkl": ("MKL_NUM_THREADS", "OMP_NUM_THREADS"),
    "blis": ("BLIS_NUM_THREADS", "OMP_NUM_THREADS"),
    "accelerate": ("VECLIB_MAXIMUM_THREADS",),
}
_ANY_THREAD_VARS = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS",
                    "OMP_NUM_THREADS")


def _blas_config() -> dict:
    """NumPy's BLAS name/version/configuration from its build info; empty dict if this NumPy cannot say."""
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # older NumPy print instead of returning
            config = np.show_config(mode="dicts")
        blas = config["Build Dependencies"]["blas"]
    except Exception:  # any NumPy without the dicts mode, or with another layout: report unknown, never fail
        return {}
    return blas if isinstance(blas, dict) else {}


def machine_info() -> dict:
    """Facts that explain a timing: CPUs, platform, Python, NumPy and its BLAS, and BLAS threads if set.

    Returns:
        A flat dict of str/int/float/None values (fit for a table or a CSV header). ``blas_threads`` is None when no
        thread variable is set, in which case the BLAS usually uses every available core; ``blas_threads_in_use``
        is what the BLAS uses at the moment of the call (1 inside ``one_blas_thread``); ``load_1min`` is the load
        average then.
    """
    blas = _blas_config()
    name = blas.get("name")
    lowered = (name or "").lower()
    candidates = next((v for k, v in _THREAD_VARS.items() if k in lowered), _ANY_THREAD_VARS)
    source = next((var for var in candidates if os.environ.get(var, "").strip()), None)
    threads = None
    if source is not None:
        try:
            threads = int(os.environ[source].strip().split(",")[0])  # OMP allows a nested list "4,2"
        except ValueError:
            threads = None
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "cpu_count": os.cpu_count(),
        "cpus_usable": usable,
        "platform": platform.platform(),
        "machine": platform.machine(),
        "python": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "numpy": np.__version__,
        "blas_name": name,
        "blas_version": blas.get("version"),
        "blas_config": blas.get("openblas configuration"),
        "blas_threads": threads,
        "blas_threads_from": source,
        "blas_threads_in_use": blas_threads_in_use(),
        "load_1min": load_average(),
        "byteorder": sys.byteorder,
    }
