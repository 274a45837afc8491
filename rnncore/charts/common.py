"""The Lab's one visual language, written once: colours, number formats, scales, reference lines, and the shared
builders every chart module uses.

Every builder is a pure function from a tidy DataFrame to an ``alt.Chart`` (no computing, no Streamlit). Fields
are Altair shorthands with an explicit type, ``"step:Q"``, ``"cell:N"``, ``"t:O"``, and every encoded field
carries a human title, so the axes, legends and tooltips read the same on every page.

The rules, enforced by ``tests/test_charts_style.py`` over every chart builder:

- **Colour.** A model family (rnn, lstm, gru, attention, transformer) and every baseline has one fixed colour on
  every page (:data:`FAMILY_COLORS`, :func:`family_color`). Other categories (settings, initializations, clipping
  modes, optimizers, methods) take :data:`CATEGORY_COLORS` in their order on the chart (:func:`category_color`),
  a palette that shares no colour with the families. Signed heatmaps use :func:`diverging` (+ is red, - is blue,
  centred on 0); unsigned ones :data:`SEQUENTIAL`.
- **Numbers.** Log axes label powers of ten as ``1e-8`` (:data:`LOG_FORMAT`), or list the data's own values (the
  lags of a sweep) in :data:`LINEAR_FORMAT`, the format of every linear axis.
  Log scales are fitted to the data (no rounding out to the next power of ten): :func:`log_scale`.
- **Reference lines** (a baseline, a threshold) are named in a legend, never by text on the data: :func:`ref_lines`.
- **Marks.** Bars only on a linear axis from zero; a ratio on a log scale is a point or a line.
- **Layout.** Every top-level chart has a title; plot heights are at least :data:`MIN_HEIGHT`; legends sit under
  the plot (:data:`LEGEND_CONFIG`, applied where a spec is made for drawing).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

import altair as alt
import numpy as np
import pandas as pd

#: One colour per model family and per baseline, on every page.
FAMILY_COLORS: dict[str, str] = {
    "rnn": "#d94a57", "lstm": "#3b82f6", "gru": "#079464", "attention": "#7c3aed", "transformer": "#e08a00",
    # baselines: muted, and never a family's hue
    "bag-of-words": "#6b6b6b", "persistence": "#8c8c8c", "seasonal naive": "#a0785a", "AR": "#5b6b8c",
    "constant predictor": "#6b6b6b",
}
#: A family trained with its readout only (the article's way): a light tint of the family's colour.
READOUT_ONLY_COLORS: dict[str, str] = {"rnn": "#f29aa3", "lstm": "#9cc2fb", "gru": "#6fd0ac"}
#: Names that mean a family: "rnn+attention" and "self-attention" are the attention family and the transformer's.
FAMILY_ALIASES: dict[str, str] = {"rnn+attention": "attention", "self-attention": "transformer"}
#: The three recurrent cells, the first families.
CELL_COLORS: dict[str, str] = {c: FAMILY_COLORS[c] for c in ("rnn", "lstm", "gru")}
#: Categories that are not model families, in order of appearance on a chart; no colour is a family's.
CATEGORY_COLORS: tuple[str, ...] = ("#0891b2", "#c026d3", "#a16207", "#1e3a8a", "#65a30d", "#db2777", "#0f766e",
                                    "#57534e")
#: Marks drawn over a sequential heatmap (paths on a loss surface): bright enough on every shade of it.
ON_HEATMAP_COLORS: tuple[str, ...] = ("#ff2d95", "#00d0ff", "#ffbd45")
#: A chart's only line or set of bars, when nothing is coloured by category.
SINGLE_COLOR = CATEGORY_COLORS[3]
#: Baselines, thresholds and reference lines.
REFERENCE_COLOR = "#6b6b6b"
#: Semantic status colours (a check that passes or fails; a number that overflowed or underflowed).
STATUS_COLORS: dict[str, str] = {"pass": "#15803d", "FAIL": "#b91c1c", "overflow": "#111111", "underflow": "#bdbdbd"}
#: The one diverging scheme (signed values, centred on 0: + red, - blue) and the one sequential scheme.
DIVERGING = "redblue"
SEQUENTIAL = "viridis"
#: Number formats: log axes as powers of ten, linear axes as plain numbers.
LOG_FORMAT = "~e"
LINEAR_FORMAT = ",.6~g"
PERCENT_FORMAT = "~%"
#: Every legend sits under its plot, one entry a row, and several legends stack (Vega's legend layout): at phone
#: width a legend beside the plot left it a sliver, and legends side by side ran off the chart.
LEGEND_CONFIG: dict = {"orient": "bottom", "symbolDirection": "vertical", "gradientDirection": "horizontal",
                       "gradientLength": 220, "columns": 1, "labelLimit": 320,
                       "layout": {"bottom": {"anchor": "start", "direction": "vertical", "margin": 6}}}


def wrap_title(title):
    """A title longer than :data:`TITLE_WRAP` characters as two lines (Vega draws a list as lines), split at the
    space nearest its middle; other titles unchanged."""
    if not isinstance(title, str) or len(title) <= TITLE_WRAP or " " not in title:
        return title
    middle = len(title) // 2
    cut = min((i for i, ch in enumerate(title) if ch == " "), key=lambda i: abs(i - middle))
    return [title[:cut], title[cut + 1:]]


#: The smallest plot height (px) of a chart (the title, axes and legends come on top of it when drawn).
MIN_HEIGHT = 240
_TYPES = {"Q", "O", "N", "T"}


def palette() -> set[str]:
    """Every colour a chart may use in a colour scale's range."""
    return {*FAMILY_COLORS.values(), *READOUT_ONLY_COLORS.values(), *CATEGORY_COLORS, REFERENCE_COLOR,
            *STATUS_COLORS.values(), *ON_HEATMAP_COLORS}


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


def family_key(name: str) -> str:
    """The colour key of a model's name: "LSTM" -> "lstm", "rnn+attention" -> "attention", "RNN readout-only" ->
    "rnn readout-only"; a baseline's name is its own key."""
    text = str(name)
    low = text.lower()
    if low.endswith("readout-only") or low.endswith("readout only"):
        return f"{low.split(' ')[0]} readout-only"
    if text in FAMILY_COLORS:
        return text
    return FAMILY_ALIASES.get(low, low)


def family_hex(name: str) -> str:
    """The fixed colour of a model family or baseline (see :func:`family_key`).

    Raises:
        ValueError: the name is no family or baseline (give it one in :data:`FAMILY_COLORS`).
    """
    key = family_key(name)
    if key.endswith(" readout-only") and key.split(" ")[0] in READOUT_ONLY_COLORS:
        return READOUT_ONLY_COLORS[key.split(" ")[0]]
    if key not in FAMILY_COLORS:
        raise ValueError(f"{name!r} is not a model family or baseline; add it to common.FAMILY_COLORS.")
    return FAMILY_COLORS[key]


def family_color(shorthand: str = "cell:N", *, title: str = "Cell", present: Iterable | None = None,
                 order: Iterable | None = None, legend: alt.Legend | None = None) -> alt.Color:
    """A colour encoding that gives each model family and baseline its fixed colour (:data:`FAMILY_COLORS`).

    Args:
        present: the values in the data, so the legend lists only those (the three cells by default).
        order: the legend's order; the order of :data:`FAMILY_COLORS` by default.
    """
    field(shorthand)
    values = list(dict.fromkeys(map(str, present if present is not None else CELL_COLORS)))
    rank = {k: i for i, k in enumerate(FAMILY_COLORS)}
    domain = list(dict.fromkeys(map(str, order))) if order is not None else sorted(
        values, key=lambda v: (rank.get(family_key(v).split(" ")[0], len(rank)), v))
    domain = [v for v in domain if v in values]
    kwargs = {"legend": legend} if legend is not None else {}
    return alt.Color(shorthand, title=title, scale=alt.Scale(domain=domain, range=[family_hex(v) for v in domain]),
                     **kwargs)


def cell_color(shorthand: str = "cell:N", *, title: str = "Cell", present: list[str] | None = None) -> alt.Color:
    """A colour encoding that maps rnn/lstm/gru (or any family) to its fixed colour; see :func:`family_color`."""
    return family_color(shorthand, title=title, present=present)


def category_color(shorthand: str, *, title: str, order: Iterable, legend: alt.Legend | None = None) -> alt.Color:
    """A colour encoding for categories that are not model families: :data:`CATEGORY_COLORS` in ``order``.

    Args:
        order: every category the chart may show, in the order they get colours (and the legend lists them). Pass
            the page's full list of choices, not only those present, so a category keeps its colour when others
            are deselected.

    Raises:
        ValueError: more categories than the palette has colours.
    """
    field(shorthand)
    domain = list(dict.fromkeys(_plain(v) for v in order))
    if len(domain) > len(CATEGORY_COLORS):
        raise ValueError(f"{len(domain)} categories, but the palette has {len(CATEGORY_COLORS)} colours.")
    kwargs = {"legend": legend} if legend is not None else {}
    return alt.Color(shorthand, title=title, sort=domain,
                     scale=alt.Scale(domain=domain, range=list(CATEGORY_COLORS[:len(domain)])), **kwargs)


def _plain(value):
    """A numpy scalar as its Python value (a scale's domain must match the data's values and types)."""
    return value.item() if isinstance(value, np.generic) else value


def diverging(domain: tuple[float, float] | None = None) -> alt.Scale:
    """The one diverging colour scale for signed values: centred on 0, + red, - blue."""
    if domain is not None:
        return alt.Scale(scheme=DIVERGING, reverse=True, domain=list(domain), domainMid=0)
    return alt.Scale(scheme=DIVERGING, reverse=True, domainMid=0)


def log_scale(*, base: float = 10, domain: list[float] | None = None) -> alt.Scale:
    """A log scale fitted to the data (not rounded out to the next power of ten)."""
    kwargs = {"domain": domain} if domain is not None else {}
    return alt.Scale(type="log", base=base, nice=False, **kwargs)


def log_axis(**kwargs) -> alt.Axis:
    """The axis of a log scale: powers of ten as ``1e-8``."""
    return alt.Axis(format=LOG_FORMAT, **kwargs)


def qx(shorthand: str, title: str, *, log: bool = False, base: float = 10, zero: bool = False,
       domain: list[float] | None = None, ticks: Iterable | None = None, **axis) -> alt.X:
    """A quantitative x channel with the shared scale and format (log: fitted, powers of ten).

    Args:
        ticks: label exactly these values (the lags of a sweep) in the linear format, instead of powers of ten.
    """
    return _q(alt.X, shorthand, title, log=log, base=base, zero=zero, domain=domain, ticks=ticks, axis=axis)


def qy(shorthand: str, title: str, *, log: bool = False, base: float = 10, zero: bool = False,
       domain: list[float] | None = None, ticks: Iterable | None = None, **axis) -> alt.Y:
    """A quantitative y channel with the shared scale and format (log: fitted, powers of ten)."""
    return _q(alt.Y, shorthand, title, log=log, base=base, zero=zero, domain=domain, ticks=ticks, axis=axis)


#: The longest y-axis title (px), shorter than any plot's height; longer titles end in an ellipsis.
Y_TITLE_LIMIT = 190
#: Chart titles longer than this (characters) are set on two lines, so that a phone's width does not cut them.
TITLE_WRAP = 48
#: Ticks on a log axis: about this many, so that a span of several decades labels powers of ten only.
LOG_TICKS = 4


def _q(channel, shorthand: str, title: str, *, log: bool, base: float, zero: bool, domain, ticks, axis: dict):
    field(shorthand)
    if ticks is not None:
        axis = {"values": [_plain(v) for v in ticks], **axis}
    if log:
        scale = log_scale(base=base, domain=domain)
        fmt = LINEAR_FORMAT if ticks is not None or base != 10 else LOG_FORMAT
        if ticks is None:
            axis = {"tickCount": LOG_TICKS, **axis}
    else:
        scale = alt.Scale(zero=zero, **({"domain": domain} if domain is not None else {}))
        fmt = LINEAR_FORMAT
    if channel is alt.Y:  # a y title longer than the plot makes Vega's fitted layout shrink the plot to nothing
        axis = {"titleLimit": Y_TITLE_LIMIT, **axis}
    return channel(shorthand, title=title, scale=scale, axis=alt.Axis(format=axis.pop("format", fmt), **axis))


def tooltips(*pairs: tuple[str, str], number_format: str = ".4~g") -> list[alt.Tooltip]:
    """Tooltips from (shorthand, title) pairs; quantitative fields are shown with ``number_format``."""
    out = []
    for shorthand, title in pairs:
        _, kind = field(shorthand)
        out.append(alt.Tooltip(shorthand, title=title, format=number_format) if kind == "Q"
                   else alt.Tooltip(shorthand, title=title))
    return out


def color_for(shorthand: str, title: str, values: Iterable, *, families: bool = False,
              order: Iterable | None = None) -> alt.Color:
    """The colour encoding of a field: families (:func:`family_color`) or other categories (:func:`category_color`).

    Args:
        values: the values in the data.
        order: for categories, every category the chart may show, in colour order (the values' own order by
            default).
    """
    if families:
        return family_color(shorthand, title=title, present=values)
    order = list(order) if order is not None else []
    return category_color(shorthand, title=title, order=[*order, *(v for v in values if v not in order)])


def line_chart(df: pd.DataFrame, *, x: str, y: str, title: str, x_title: str, y_title: str,
               color: str | None = None, color_title: str | None = None, cells: bool = False,
               order: Iterable | None = None, log_y: bool = False, log_x: bool = False, points: bool = False,
               extra_tooltips: tuple[tuple[str, str], ...] = (), height: int = 320,
               y_domain: list[float] | None = None, y_format: str | None = None,
               x_ticks: Iterable | None = None) -> alt.Chart:
    """Lines of ``y`` against ``x``, one per value of ``color``, named in the legend, with tooltips on every field.

    Args:
        df: tidy frame, one row per point.
        x, y, color: typed shorthands, e.g. "t:Q", "grad_norm:Q", "radius:N".
        cells: ``color`` is a model family (fixed colours); else its values are categories (``order`` sets their
            colours, the values' order by default).
        log_y, log_x: log scales, fitted to the data; rows with values <= 0 cannot be drawn (see :func:`drawable`).
        extra_tooltips: further (shorthand, title) pairs for the tooltip.
    """
    if color is not None and color_title is None:
        raise ValueError("A colour field needs a title: pass color_title=...")
    y_axis = {"format": y_format} if y_format else {}
    encoding = {
        "x": qx(x, x_title, log=log_x, ticks=x_ticks),
        "y": qy(y, y_title, log=log_y, domain=y_domain, **y_axis),
        "tooltip": tooltips((x, x_title), (y, y_title),
                            *(((color, color_title),) if color else ()), *extra_tooltips),
    }
    if color is not None:
        values = list(dict.fromkeys(df[field(color)[0]])) if len(df) else []
        encoding["color"] = color_for(color, color_title, values, families=cells, order=order)
    single = {} if color is not None else {"color": SINGLE_COLOR}
    return (alt.Chart(df, title=title, height=max(height, MIN_HEIGHT))
            .mark_line(point=points, interpolate="linear", clip=True, **single)
            .encode(**encoding))


def heatmap(df: pd.DataFrame, *, x: str, y: str, value: str, title: str, x_title: str, y_title: str,
            value_title: str, log_color: bool = False, signed: bool = False, height: int = 320) -> alt.Chart:
    """Rectangles at (x, y) coloured by ``value``, e.g. the hidden state over time or ‖dL/dh_t‖ over (radius, t).

    Args:
        x, y, value: typed shorthands; x and y are usually ordinal ("t:O", "unit:O"), value quantitative.
        log_color: log colour scale (values must be > 0), on :data:`SEQUENTIAL`.
        signed: the values have a sign: the diverging scale, centred on 0 (:func:`diverging`).
    """
    scale = diverging() if signed else (alt.Scale(type="log", scheme=SEQUENTIAL) if log_color
                                         else alt.Scale(scheme=SEQUENTIAL))
    return (alt.Chart(df, title=title, height=max(height, MIN_HEIGHT))
            .mark_rect()
            .encode(x=alt.X(x, title=x_title), y=alt.Y(y, title=y_title),
                    color=alt.Color(value, title=value_title, scale=scale),
                    tooltip=tooltips((x, x_title), (y, y_title), (value, value_title))))


#: The dash of each reference line, in order; the legend "Reference lines" names them.
_REF_DASHES = [[6, 4], [2, 2], [10, 3, 2, 3], [1, 0]]


def ref_lines(lines: dict[str, float], *, title: str, axis: str = "y", log: bool = False,
              kind: str = "Q", color: str = REFERENCE_COLOR) -> alt.Chart:
    """Dashed reference lines (a baseline, a threshold, chance), one per label, named in a legend, not on the data.

    Layer one call per chart over its data: ``alt.layer(data, ref_lines({...}, title=y_title))``. Layers share their
    scales, so ``title`` and ``log`` must match the chart's axis.

    Args:
        lines: {label: value}, e.g. {"baseline 0.1667": 0.1667, "success: 10% of it": 0.01667}.
        title: the title of the axis the lines cross (``axis``: "y" for horizontal lines, "x" for vertical ones).
        kind: the type of that axis ("Q", or "O" for a heatmap's band axis; then the values are its categories).
    """
    field(f"value:{kind}")
    labels = list(lines)
    data = pd.DataFrame({"value": [float(v) if kind == "Q" else v for v in lines.values()], "reference": labels})
    if kind == "Q":
        position = (qy if axis == "y" else qx)("value:Q", title, log=log)
    else:
        position = (alt.Y if axis == "y" else alt.X)(f"value:{kind}", title=title)
    return alt.Chart(data).mark_rule(color=color, size=1.5).encode(
        **{axis: position},
        strokeDash=alt.StrokeDash("reference:N", title="Reference lines", legend=alt.Legend(
            symbolType="stroke", symbolStrokeColor=color, symbolStrokeWidth=1.5),
                                  scale=alt.Scale(domain=labels, range=_REF_DASHES[:len(labels)])),
        tooltip=tooltips(("reference:N", "Line"), (f"value:{kind}", title)))


def hrule(value: float, *, label: str, y_title: str, log_y: bool = False,
          color: str = REFERENCE_COLOR) -> alt.Chart:
    """One horizontal reference line at ``value``, named in the legend (see :func:`ref_lines`)."""
    return ref_lines({label: value}, title=y_title, log=log_y, color=color)


def vrule(value: float | int | str, *, label: str, x_title: str, kind: str = "Q",
          color: str = REFERENCE_COLOR) -> alt.Chart:
    """One vertical reference line at ``value`` (the current step, a tolerance), named in the legend.

    Args:
        kind: the type of the chart's x field ("Q", or "O" for a heatmap's time axis; then ``value`` must be one
            of its categories, with the same Python type).
    """
    return ref_lines({label: value}, title=x_title, axis="x", kind=kind, color=color)


def layer(*charts: alt.TopLevelMixin, **kwargs) -> alt.LayerChart:
    """Layers with their own dash legend for the reference lines (a data layer may use dashes for itself)."""
    return alt.layer(*charts, **kwargs).resolve_scale(strokeDash="independent")


def median_iqr(df: pd.DataFrame, *, x: str, x_title: str, median: str, q25: str, q75: str, value_title: str,
               title: str | None = None, color: alt.Color | None = None, log: bool = False, log_x: bool = False,
               x_base: float = 10, horizontal: bool = False, mark: str = "line", tooltip: list | None = None,
               height: int = 300, whisker_color: str | None = None) -> alt.LayerChart:
    """The median of repeated measurements with its interquartile range: the one shared "median and quartiles" layer.

    Args:
        x: the position field (a length T, a part of a step): quantitative, or nominal for ``mark="bar"``.
        median, q25, q75: the field names of the median and the quartiles.
        mark: "line" (with points), "point", or "bar" (only on a linear axis, from zero).
        horizontal: the value runs along x and the position along y (bars by part of a step).
        whisker_color: a fixed colour for the interval (else the ``color`` encoding's).
    """
    if mark == "bar" and log:
        raise ValueError("Bars need a linear axis from zero; draw a log-scale value as points or a line.")
    value = (qx if horizontal else qy)(f"{median}:Q", value_title, log=log, zero=mark == "bar")
    low = (qx if horizontal else qy)(f"{q25}:Q", value_title, log=log, zero=mark == "bar")
    high = (alt.X2 if horizontal else alt.Y2)(f"{q75}:Q", title=value_title)
    _, kind = field(x)
    if kind == "Q":
        position = (qy if horizontal else qx)(x, x_title, log=log_x, base=x_base)
    else:
        position = (alt.Y if horizontal else alt.X)(x, title=x_title, sort=None)
    base = alt.Chart(df, title=title, height=max(height, MIN_HEIGHT)) if title else alt.Chart(df)
    channels = {"x": value, "y": position} if horizontal else {"x": position, "y": value}
    extra = {"color": color} if color is not None else {}
    tips = {"tooltip": tooltip} if tooltip is not None else {}
    fixed = {} if color is not None else {"color": SINGLE_COLOR}
    if mark == "bar":
        marks = base.mark_bar(**fixed).encode(**channels, **extra, **tips)
    elif mark == "point":
        marks = base.mark_point(filled=True, size=60, **fixed).encode(**channels, **extra, **tips)
    else:
        marks = base.mark_line(point=True, **fixed).encode(**channels, **extra, **tips)
    interval = {"x": low, "x2": high, "y": position} if horizontal else {"x": position, "y": low, "y2": high}
    whisker = (base.mark_rule(color=whisker_color) if whisker_color else base.mark_rule()).encode(
        **interval, **({} if whisker_color else extra))
    return marks + whisker


def drawable(df: pd.DataFrame, columns: list[str], *, positive: bool = False) -> Finite:
    """Drop rows whose ``columns`` are NaN or infinite (or <= 0 for a log scale), and count them.

    Charts silently skip such rows; a page uses the count to say so (e.g. "12 steps overflowed").
    """
    values = df[columns].to_numpy(dtype=np.float64)
    keep = np.isfinite(values).all(axis=1)
    if positive:
        keep &= (values > 0).all(axis=1)
    return Finite(df.loc[keep].reset_index(drop=True), int((~keep).sum()))
