"""Shared Altair builders: typed encodings, titles, axis labels, tooltips, and one colour per cell type.

Every builder is a pure function from a tidy DataFrame to an ``alt.Chart`` (no computing, no Streamlit). Fields
are Altair shorthands with an explicit type, ``"step:Q"``, ``"cell:N"``, ``"t:O"``, and every encoded field
carries a human title, so the axes, legends and tooltips read the same on every page. Compose with ``+``
(``line_chart(...) + hrule(...)``): layers share their scales, so give a rule the same y title and log flag.
"""

from __future__ import annotations

from typing import NamedTuple

import altair as alt
import numpy as np
import pandas as pd

#: One colour per cell type, on every page.
CELL_COLORS: dict[str, str] = {"rnn": "#d94a57", "lstm": "#3b82f6", "gru": "#079464"}
#: Baselines, thresholds and reference lines.
REFERENCE_COLOR = "#6b6b6b"
_TYPES = {"Q", "O", "N", "T"}


class Finite(NamedTuple):
    """A frame with its non-drawable rows removed, and how many were removed."""

    frame: pd.DataFrame
    dropped: int


def field(shorthand: str) -> tuple[str, str]:
    """Split a typed shorthand ``"name:T"`` into (name, type).

    Raises:
        ValueError: the type is missing or not one of Q, O, N, T.
    """
    name, sep, kind = shorthand.rpartition(":")
    if not sep or not name or kind not in _TYPES:
        raise ValueError(f"Field {shorthand!r} needs an explicit type: write it as 'name:Q' (or :O, :N, :T).")
    return name, kind


def cell_color(shorthand: str = "cell:N", *, title: str = "Cell", present: list[str] | None = None) -> alt.Color:
    """A colour encoding that maps rnn/lstm/gru to :data:`CELL_COLORS`.

    Args:
        present: the cell types in the data, so the legend lists only those (all three by default).
    """
    field(shorthand)
    domain = [c for c in CELL_COLORS if present is None or c in present]
    return alt.Color(shorthand, title=title,
                     scale=alt.Scale(domain=domain, range=[CELL_COLORS[c] for c in domain]))


def tooltips(*pairs: tuple[str, str], number_format: str = ".4~g") -> list[alt.Tooltip]:
    """Tooltips from (shorthand, title) pairs; quantitative fields are shown with ``number_format``."""
    out = []
    for shorthand, title in pairs:
        _, kind = field(shorthand)
        out.append(alt.Tooltip(shorthand, title=title, format=number_format) if kind == "Q"
                   else alt.Tooltip(shorthand, title=title))
    return out


def line_chart(df: pd.DataFrame, *, x: str, y: str, title: str, x_title: str, y_title: str,
               color: str | None = None, color_title: str | None = None, cells: bool = False,
               log_y: bool = False, points: bool = False, extra_tooltips: tuple[tuple[str, str], ...] = (),
               height: int = 320) -> alt.Chart:
    """Lines of ``y`` against ``x``, one per value of ``color``, with titles and tooltips on every field.

    Args:
        df: tidy frame, one row per point.
        x, y, color: typed shorthands, e.g. "t:Q", "grad_norm:Q", "radius:N".
        cells: colour by :data:`CELL_COLORS` (``color`` is then a cell-type field).
        log_y: log scale on y; rows with y <= 0 cannot be drawn (see :func:`drawable`).
        extra_tooltips: further (shorthand, title) pairs for the tooltip.
    """
    if color is not None and color_title is None:
        raise ValueError("A colour field needs a title: pass color_title=...")
    y_scale = alt.Scale(type="log") if log_y else alt.Scale(zero=False)
    encoding = {
        "x": alt.X(x, title=x_title),
        "y": alt.Y(y, title=y_title, scale=y_scale),
        "tooltip": tooltips((x, x_title), (y, y_title),
                            *(((color, color_title),) if color else ()), *extra_tooltips),
    }
    if color is not None:
        if cells:
            present = [str(v) for v in df[field(color)[0]].unique()]
            encoding["color"] = cell_color(color, title=color_title, present=present)
        else:
            encoding["color"] = alt.Color(color, title=color_title)
    return (alt.Chart(df, title=title, height=height)
            .mark_line(point=points, interpolate="linear", clip=True)
            .encode(**encoding))


def heatmap(df: pd.DataFrame, *, x: str, y: str, value: str, title: str, x_title: str, y_title: str,
            value_title: str, log_color: bool = False, scheme: str = "viridis", height: int = 320) -> alt.Chart:
    """Rectangles at (x, y) coloured by ``value``, e.g. the hidden state over time or ‖dL/dh_t‖ over (radius, t).

    Args:
        x, y, value: typed shorthands; x and y are usually ordinal ("t:O", "unit:O"), value quantitative.
        log_color: log colour scale (values must be > 0).
        scheme: a Vega colour scheme; use a diverging one ("redblue") for signed values such as hidden states.
    """
    scale = alt.Scale(type="log", scheme=scheme) if log_color else alt.Scale(scheme=scheme)
    return (alt.Chart(df, title=title, height=height)
            .mark_rect()
            .encode(x=alt.X(x, title=x_title), y=alt.Y(y, title=y_title),
                    color=alt.Color(value, title=value_title, scale=scale),
                    tooltip=tooltips((x, x_title), (y, y_title), (value, value_title))))


def hrule(value: float, *, label: str, y_title: str, log_y: bool = False,
          color: str = REFERENCE_COLOR) -> alt.LayerChart:
    """A dashed horizontal line at ``value`` with its label, to layer over a chart (a baseline, a threshold).

    Args:
        y_title: the y title of the chart it is layered on (layers share the axis).
        log_y: must match that chart's y scale.
    """
    data = pd.DataFrame({"value": [float(value)], "label": [label]})
    y = alt.Y("value:Q", title=y_title, scale=alt.Scale(type="log") if log_y else alt.Scale(zero=False))
    base = alt.Chart(data).encode(y=y)
    rule = base.mark_rule(strokeDash=[6, 4], color=color, size=1.5).encode(
        tooltip=tooltips(("label:N", "Line"), ("value:Q", y_title)))
    text = base.mark_text(align="left", baseline="bottom", dx=4, dy=-2, color=color).encode(
        x=alt.value(0), text=alt.Text("label:N", title="Line"))
    return rule + text


def vrule(value: float | int | str, *, label: str, x_title: str, kind: str = "Q",
          color: str = REFERENCE_COLOR) -> alt.LayerChart:
    """A dashed vertical line at ``value`` with its label (the current time step, a threshold on x).

    Args:
        x_title: the x title of the chart it is layered on.
        kind: the type of that chart's x field ("Q", or "O" for a heatmap's time axis; then ``value`` must be one
            of its categories, with the same Python type).
    """
    field(f"value:{kind}")
    data = pd.DataFrame({"value": [float(value) if kind == "Q" else value], "label": [label]})
    base = alt.Chart(data).encode(x=alt.X(f"value:{kind}", title=x_title))
    rule = base.mark_rule(strokeDash=[6, 4], color=color, size=1.5).encode(
        tooltip=tooltips(("label:N", "Line"), (f"value:{kind}", x_title)))
    text = base.mark_text(align="left", baseline="top", dx=4, dy=2, color=color).encode(
        y=alt.value(0), text=alt.Text("label:N", title="Line"))
    return rule + text


def drawable(df: pd.DataFrame, columns: list[str], *, positive: bool = False) -> Finite:
    """Drop rows whose ``columns`` are NaN or infinite (or <= 0 for a log scale), and count them.

    Charts silently skip such rows; a page uses the count to say so (e.g. "12 steps overflowed").
    """
    values = df[columns].to_numpy(dtype=np.float64)
    keep = np.isfinite(values).all(axis=1)
    if positive:
        keep &= (values > 0).all(axis=1)
    return Finite(df.loc[keep].reset_index(drop=True), int((~keep).sum()))
