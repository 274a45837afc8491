"""Caching and progress for pages: ``st.cache_data`` keyed by the engine's fingerprint, and a progress bar that is
safe inside a cached call.

- :func:`cached`: ``st.cache_data`` with bounded entries, keyed by the function's own source and file, its arguments
  (a frozen config dataclass, hashed field by field, and the seed) and the engine fingerprint :data:`ENGINE`.
  ``st.cache_data`` does not see edits to the modules a function calls, hence the fingerprint. Results come back as
  pickled copies, so arrays and DataFrames are safe to modify.
- :func:`progress`: make the bar inside the cached function. A bar made outside and updated inside works on the first
  call and raises ``CacheReplayClosureError`` on a cache hit.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import streamlit as st

import rnncore

F = TypeVar("F", bound=Callable[..., Any])


def _engine_fingerprint() -> str:
    """``rnncore.__version__`` plus a digest of its source files' names, sizes and mtimes.

    The version alone does not change while the engine is being edited; the digest does. Computed at import, so a
    server that reloads the modules after an edit gets a new key.
    """
    root = Path(rnncore.__file__).parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        stat = path.stat()
        digest.update(f"{path.relative_to(root)}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return f"{rnncore.__version__}+{digest.hexdigest()[:12]}"


#: The engine version in every cache key.
ENGINE = _engine_fingerprint()


def cached(func: F | None = None, *, max_entries: int = 16, spinner: str | bool = "Measuring...") -> Any:
    """``st.cache_data`` with bounded entries and the engine fingerprint in the key; use as ``@ui.cached(...)``.

    Args:
        func: the experiment call. Its arguments must be hashable by Streamlit: frozen dataclasses (hashed through
            ``asdict``), numbers, strings, tuples. Arguments named with a leading ``_`` are left out of the key.
        max_entries: the most results kept for this function; the oldest goes first.
        spinner: text shown on a cache miss, or False.

    Raises:
        ValueError: at call time, when an argument is a dataclass that is not frozen.
    """
    if func is None:
        return functools.partial(cached, max_entries=max_entries, spinner=spinner)

    # functools.wraps keeps func's module, name and source (via __wrapped__) in Streamlit's function key. Pages all
    # run as __main__, so two pages could define the same source (`return exp.run(cfg, seed=seed)` with a different
    # `exp`): the defining file goes into the value key too, with the engine fingerprint.
    origin = f"{func.__code__.co_filename}:{func.__qualname__}"

    @functools.wraps(func)
    def keyed(engine: str, where: str, *args: Any, **kwargs: Any) -> Any:
        return func(*args, **kwargs)

    store = st.cache_data(max_entries=max_entries, show_spinner=spinner)(keyed)

    @functools.wraps(func)
    def call(*args: Any, **kwargs: Any) -> Any:
        for arg in (*args, *kwargs.values()):
            if dataclasses.is_dataclass(arg) and not arg.__dataclass_params__.frozen:
                raise ValueError(f"{type(arg).__name__} is a mutable dataclass; declare it @dataclass(frozen=True).")
        return store(ENGINE, origin, *args, **kwargs)

    def clear(*args: Any, **kwargs: Any) -> None:
        """Forget every cached result of the function, or (given its arguments) only the one for them."""
        if args or kwargs:
            store.clear(ENGINE, origin, *args, **kwargs)
        else:
            store.clear()

    call.clear = clear
    return call


@contextmanager
def progress(text: str = "Working...", *, steps: int = 50) -> Iterator[Callable[[int, int, dict], None]]:
    """A progress bar for long work, as an rnncore callback ``(done, total, info) -> None``.

    Use it INSIDE the cached function: there the bar is replayed with the result on a cache hit. The bar is
    removed when the block ends, even on error. Updates are throttled to ``steps`` per run, because each one is a
    message to the browser (and is replayed on every cache hit).
    """
    bar = st.progress(0.0, text=text)
    last = -1

    def report(done: int, total: int, info: dict) -> None:
        nonlocal last
        fraction = min(max(done / total, 0.0), 1.0) if total > 0 else 0.0
        tick = int(fraction * steps)
        if tick == last:
            return
        last = tick
        loss = info.get("loss") if isinstance(info, dict) else None
        detail = f", loss {loss:.3g}" if isinstance(loss, (int, float)) else ""
        bar.progress(fraction, text=f"{text} {done}/{total}{detail}")

    try:
        yield report
    finally:
        bar.empty()
