"""The page conventions, built once: every page of the Lab uses these and nothing else for its shared pieces.

A whole page that runs, to copy: ``app/pages/_template.py`` (``tests/apptest/test_template.py`` runs it).

Rules the helpers enforce or assume:
- Every control goes through :mod:`app.controls` (re-exported here): it is bound to the URL under its key, and a bad
  link value is clamped or ignored with a note. The key ``seed`` belongs to the sidebar; read it with
  :func:`global_seed`.
- Every experiment call goes through :func:`cached`: ``st.cache_data`` with bounded ``max_entries``, keyed by the
  function's own source and file, its arguments (a frozen config dataclass, hashed field by field, and the seed)
  and the engine fingerprint :data:`ENGINE`. ``st.cache_data`` does not see edits to the modules a function calls,
  hence the fingerprint. Results come back as pickled copies, so arrays and DataFrames are safe to modify.
- Progress: make the bar inside the cached function (:func:`progress`). A bar made outside and updated inside works
  on the first call and raises ``CacheReplayClosureError`` on a cache hit.
- Every chart goes through :func:`chart`: a builder of ``rnncore.charts`` and its arguments, cached by what it draws,
  with a one-line caption under it.
- No user text reaches ``unsafe_allow_html``; these helpers use plain markdown only.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import re
import textwrap
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st
import streamlit.elements.vega_charts as _vega_charts

import rnncore
from app.controls import (multiselect, number, report_unknown_params, select, select_slider, slider, start_page,
                          toggle)

__all__ = [
    "ENGINE", "SEED_KEY", "article_box", "cached", "chart", "chart_key", "download_csv", "global_seed",
    "multiselect", "number", "plain", "vega_spec",
    "progress", "report_unknown_params", "reproduce", "seed_input", "select", "select_slider", "show_run_problem",
    "slider", "start_page", "toggle",
]

F = TypeVar("F", bound=Callable[..., Any])
SEED_KEY = "seed"
DEFAULT_SEED = 0
MAX_SEED = 2**31 - 1


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


# ---- the article box, the snippet, the downloads ------------------------------------------------------------------

def article_box(*, said: str, code_does: str, measured: str) -> None:
    """The box "The article said / its code does / measured here", three columns in a bordered container.

    Args:
        said: the article's claim and numbers, paraphrased (markdown).
        code_does: what running the article's code sample actually does (markdown).
        measured: what this page measures, with its numbers when known (markdown).
    """
    with st.container(border=True):
        st.markdown("**The article said / its code does / measured here**")
        for column, (head, text) in zip(
            st.columns(3),
            ((":material/menu_book: The article said", said), (":material/code: Its code does", code_does),
             (":material/science: Measured here", measured)),
        ):
            column.markdown(f"**{head}**")
            column.markdown(text)


def reproduce(code: str, *, label: str = "Reproduce in Python") -> None:
    """A collapsed expander with a runnable rnncore snippet for exactly the settings on screen.

    Args:
        code: Python source; common indentation is removed. Build it from the same values the page used.

    Raises:
        ValueError: the snippet is not valid Python (a page bug, caught by the page's app test).
    """
    source = textwrap.dedent(code).strip() + "\n"
    try:
        compile(source, "<reproduce>", "exec")
    except SyntaxError as err:
        raise ValueError(f"The reproduce snippet is not valid Python (line {err.lineno}: {err.msg}).") from err
    with st.expander(label, icon=":material/terminal:"):
        st.caption("Runs as is from the repository root, after the install command in the README.")
        st.code(source, language="python")


# ---- charts drawn from stored specs, and user text made inert -----------------------------------------------------

# Streamlit's own lock around Altair's global settings (a private name, so guarded): sessions run in threads, and
# the data transformer and theme that ``to_dict`` reads are process-wide.
_ALTAIR_LOCK = getattr(_vega_charts, "_altair_globals_lock", None) or threading.Lock()


def vega_spec(chart: alt.TopLevelMixin) -> dict:
    """The validated Vega-Lite spec of an Altair chart, for ``st.vega_lite_chart``.

    Building and validating a chart costs about 0.1 s; pages draw through :func:`chart`, which caches the spec by
    what it draws and sends the stored dict on a warm rerun instead. No row limit applies (Streamlit's
    own transformer has none either), and Altair's default 300 px view is dropped so that Streamlit sizes the chart.
    """
    with _ALTAIR_LOCK, alt.data_transformers.enable("default", max_rows=None), alt.theme.enable("none"):
        spec = chart.to_dict()
    spec.get("config", {}).pop("view", None)
    return spec


def _digest_into(digest: Any, value: Any) -> None:
    """Feed what ``value`` holds (not where it lives) into ``digest``: frames by their cells, index, column names and
    dtypes; arrays by their bytes; containers element by element; anything else by its type and ``repr``.

    Raises:
        TypeError: ``value`` has no stable content ``repr`` (e.g. a function or an object shown as ``<... at 0x...>``):
            two different values could then share a spec.
    """
    if isinstance(value, pd.DataFrame):
        digest.update(f"frame{value.shape}{list(map(str, value.columns))}{list(map(str, value.dtypes))}".encode())
        digest.update(pd.util.hash_pandas_object(value, index=True).to_numpy().tobytes())
    elif isinstance(value, pd.Series):
        digest.update(f"series{value.name!r}{value.dtype}{len(value)}".encode())
        digest.update(pd.util.hash_pandas_object(value, index=True).to_numpy().tobytes())
    elif isinstance(value, np.ndarray):
        digest.update(f"array{value.shape}{value.dtype}".encode())
        digest.update(np.ascontiguousarray(value).tobytes())
    elif isinstance(value, (list, tuple)):
        digest.update(f"{type(value).__name__}[{len(value)}](".encode())
        for item in value:
            _digest_into(digest, item)
        digest.update(b")")
    elif isinstance(value, dict):
        digest.update(f"dict[{len(value)}](".encode())
        for key, item in value.items():
            _digest_into(digest, key)
            _digest_into(digest, item)
        digest.update(b")")
    else:
        text = repr(value)
        if " at 0x" in text or callable(value):
            raise TypeError(f"A chart argument of type {type(value).__name__} has no content to key the chart by; "
                            "pass frames, arrays, numbers, strings or frozen dataclasses.")
        digest.update(f"{type(value).__qualname__}:{text};".encode())


def chart_key(builder: Callable[..., alt.TopLevelMixin], *args: Any, **kwargs: Any) -> str:
    """The key of the chart ``builder(*args, **kwargs)`` draws: its builder's name and a digest of every argument's
    content (frames hashed cell by cell), with the engine fingerprint (which covers the chart modules' source).

    Raises:
        ValueError: ``builder`` is a lambda or a nested function (its closure is not part of the key).
    """
    name = f"{builder.__module__}.{builder.__qualname__}"
    if "<" in name:
        raise ValueError(f"Chart builders must be module-level functions, got {name}: a closure's captured "
                         "values would not be part of the cache key.")
    digest = hashlib.sha256(f"{ENGINE}|{name}|".encode())
    _digest_into(digest, args)
    _digest_into(digest, sorted(kwargs.items()))
    return f"{name}:{digest.hexdigest()}"


@st.cache_data(max_entries=256, show_spinner=False)
def _spec_for(key: str, _builder: Callable[..., alt.TopLevelMixin], _args: tuple, _kwargs: dict) -> dict:
    return vega_spec(_builder(*_args, **_kwargs))


def chart(builder: Callable[..., alt.TopLevelMixin], *args: Any, caption: str, where: Any = None,
          width: str = "stretch", **kwargs: Any) -> dict:
    """Draw ``builder(*args, **kwargs)`` with its one-line caption under it: the only way a page draws a chart.

    The Vega-Lite spec is cached by what the chart draws (:func:`chart_key`: the builder and a digest of its
    arguments' content), so a warm rerun sends a stored spec without building or validating the chart, and two
    different frames never share a spec.

    Args:
        builder: a chart function of ``rnncore.charts`` (module level), e.g. ``charts.norms_by_t``.
        args, kwargs: its arguments: tidy frames and plain settings.
        caption: what to see in the chart, one line (markdown).
        where: a container or column to draw in; the page by default.
        width: "stretch" (the container's width) or "content" (the chart's own width, for faceted charts).

    Returns:
        The spec that was drawn.
    """
    if not caption or not caption.strip():
        raise ValueError(f"{builder.__name__}: every chart needs a caption saying what to see in it.")
    spec = _spec_for(chart_key(builder, *args, **kwargs), builder, args, kwargs)
    target = where or st
    target.vega_lite_chart(spec, width=width)
    target.caption(caption)
    return spec


def plain(text: Any) -> str:
    """User text made inert for Markdown (``st.error``, ``st.markdown`` render it): every ASCII punctuation mark is
    escaped, and newlines become spaces, so a file's contents can never render as a link, an image or HTML."""
    return re.sub(r"([!-/:-@\[-`{-~])", r"\\\1", str(text)).replace("\n", " ").replace("\r", " ")


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_safe(df: pd.DataFrame) -> pd.DataFrame:
    """Text cells that a spreadsheet would run as a formula get a leading quote (CSV injection)."""
    text_columns = [c for c in df.columns if not pd.api.types.is_numeric_dtype(df[c])
                    and not pd.api.types.is_bool_dtype(df[c]) and not pd.api.types.is_datetime64_any_dtype(df[c])]
    if not text_columns:
        return df
    out = df.copy()
    for column in text_columns:
        out[column] = out[column].map(lambda v: f"'{v}" if isinstance(v, str) and v.startswith(_FORMULA_START) else v)
    return out


def download_csv(df: pd.DataFrame, name: str, *, label: str | None = None) -> None:
    """A button that downloads ``df`` (the data behind a chart) as ``<name>.csv``, without rerunning the page.

    Args:
        df: the tidy frame the chart was drawn from.
        name: file stem, unique on the page (it is also the widget key), e.g. "gradient-norms".
        label: button text; defaults to "Download <name>.csv".
    """
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") or "data"
    frame = df  # the CSV is made only when the button is clicked
    st.download_button(
        label or f"Download {stem}.csv", data=lambda: _csv_safe(frame).to_csv(index=False), file_name=f"{stem}.csv",
        mime="text/csv", key=f"download-{stem}", on_click="ignore", icon=":material/download:",
    )


def show_run_problem(*, step: int | None, reason: str | None, total: int | None = None, what: str = "The run",
                     hint: str | None = None) -> bool:
    """Say that a run stopped on non-finite values, at which step and why; the page still draws what ran.

    Args:
        step: the step at which the run stopped, or None when it finished (then nothing is shown).
        reason: why, as the engine reports it (e.g. "loss is inf").
        total: the steps that were planned, if known.
        what: the subject of the sentence, e.g. "Training" or "The forward pass".
        hint: what to change to avoid it; a generic hint by default.

    Returns:
        True when a problem was shown.
    """
    if step is None:
        return False
    of = f" of {total}" if total is not None else ""
    fix = hint or "Lower the learning rate or the spectral radius, or turn gradient clipping on."
    st.warning(f"{what} stopped at step {step}{of}: {reason or 'non-finite values'}. "
               f"The charts show the steps that ran. {fix}", icon=":material/warning:")
    return True


# ---- the global seed ---------------------------------------------------------------------------------------------

def seed_input() -> int:
    """The sidebar's seed control (drawn once, by ``streamlit_app.py``), bound to the URL as ``?seed=``."""
    return number("Seed", key=SEED_KEY, min_value=0, max_value=MAX_SEED, value=DEFAULT_SEED, step=1,
                  help="Every random draw on every page comes from this seed: same seed, same numbers.")


def global_seed() -> int:
    """The seed chosen in the sidebar, readable from any page (the default when the sidebar is not drawn)."""
    return int(st.session_state.get(SEED_KEY, DEFAULT_SEED))


# ---- caching and progress ----------------------------------------------------------------------------------------

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

    call.clear = store.clear
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
