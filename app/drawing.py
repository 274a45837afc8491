"""Drawing a chart: the one way a page draws one, cached by what it draws, with its caption."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from typing import Any

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st
import streamlit.elements.vega_charts as _vega_charts

from app import caching
from rnncore.charts import common


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
    config = spec.setdefault("config", {})
    config.pop("view", None)
    config["legend"] = {**common.LEGEND_CONFIG, **config.get("legend", {})}
    for node in (spec, *spec.get("layer", [])):  # the title Altair set, on the chart or a layer
        title = node.get("title")
        wrapped = common.wrap_title(title.get("text") if isinstance(title, dict) else title)
        if isinstance(wrapped, list):
            node["title"] = {**title, "text": wrapped} if isinstance(title, dict) else wrapped
    if not any(key in spec for key in ("facet", "hconcat", "vconcat", "concat")):
        # Fit the width only: the height is the plot's, and the title, axes and legends come on top of it. Under
        # Streamlit's default ("fit" both ways) they came out of a fixed height: a long legend or y title squeezed the
        # plot to a sliver and pushed the chart's title out of view.
        spec["autosize"] = {"type": "fit-x", "contains": "padding"}
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
    digest = hashlib.sha256(f"{caching.ENGINE}|{name}|".encode())
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
