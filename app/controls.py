"""Controls bound to the URL, so a copied link reproduces the view, and odd links never crash a page.

Every control is a Streamlit widget with ``key=<name>`` and ``bind="query-params"``: its value lives in the URL as
``?<name>=<value>``, and is dropped from the URL while it equals the default.

What Streamlit 1.67 does by itself with a bad URL value (read in ``SessionState._seed_widget_from_url`` and
checked with AppTest): it quietly falls back to the widget's default and removes the parameter. That covers the wrong
type (``?seed=abc``), an empty value, an unknown option, and, for ``number_input`` and ``slider``, a value out of
range (``?T=1000`` with ``max_value=300``) - the default, not the nearest bound. A repeated parameter uses the last
value; a non-integer for an int ``number_input`` is truncated. Unknown keys are left in the URL untouched. Nothing
is shown to the user.

These helpers add what is missing, before the widget is drawn:
- a number out of range is **clamped** to the nearest bound (and rounded to an int where the control is an int);
- a value of the wrong type, or an unknown option, is **ignored**: the default is used;
- either way a visible note sits under the control until the user changes it;
- a number that needs fixing is taken out of Streamlit's hands before the widget seeds from it
  (:func:`_drop_url_value`): that avoids the crash, and makes the fixed value win over Streamlit's own truncation;
- unknown keys are removed from the URL with a note at the top of the page (:func:`report_unknown_params`, called
  once by ``streamlit_app.py`` after the page ran).
The raw URL text in a note is shortened and shown as inline code, so it cannot render as a link or an image.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, NamedTuple

import streamlit as st
from streamlit.errors import StreamlitAPIException
from streamlit.runtime.state.session_state_proxy import get_session_state

_NOTES = "_lab_url_notes"  # session_state: {key: _Note} for controls fixed from the URL
_UNKNOWN = "_lab_url_unknown"  # session_state: (page url_path, keys) of removed unknown URL keys
_PAGE = "_lab_url_page"  # session_state: the url_path of the page the notes belong to


class _Note(NamedTuple):
    text: str
    value: Any  # the value the control got; the note shows while the control still holds it


def _shown(raw: str) -> str:
    """A URL value made safe to show: short, one line, inside inline code."""
    text = raw.replace("`", "'").replace("\n", " ").replace("\r", " ")
    if len(text) > 40:
        text = text[:37] + "..."
    return f"`{text}`"


def _raw(key: str) -> str | None:
    """The value of ``key`` in the URL (the last one if repeated), or None when absent."""
    values = st.query_params.get_all(key)
    return values[-1] if values else None


def _fix(key: str, value: Any, text: str) -> None:
    """Give the control ``value`` (before it is drawn), and keep a note saying why."""
    st.session_state[key] = value
    st.session_state.setdefault(_NOTES, {})[key] = _Note(text, value)


def _show_note(key: str, value: Any) -> None:
    """Show the note of ``key`` while the control keeps the value the URL fix gave it."""
    notes = st.session_state.get(_NOTES, {})
    note = notes.get(key)
    if note is None:
        return
    if note.value == value:
        st.warning(note.text, icon=":material/link_off:")
    else:  # the user has moved on: the note is stale
        del notes[key]


def _drop_url_value(key: str) -> None:
    """Remove ``key`` from the URL values a widget seeds from (Streamlit internals, so guarded).

    For a number value this module fixes: on a first load the URL wins over session state, so without this an int
    ``number_input`` would raise OverflowError on ``inf``, or truncate 7.6 to 7 where the note says 8. If these
    internals move, the guard leaves Streamlit's own handling in place.
    """
    try:
        with get_session_state().query_params() as params:
            params._initial_query_params.pop(key, None)
            params.remove_param(key)
    except (AttributeError, TypeError):  # pragma: no cover - a Streamlit version with other internals
        pass


def _check_number(key: str, *, lo: float, hi: float, default: float, integer: bool) -> None:
    """Clamp or ignore a bad URL value for a number control, before the widget is drawn."""
    raw = _raw(key)
    if raw is None:
        return
    try:
        x = float(raw)
    except ValueError:
        x = math.nan
    if not math.isfinite(x):
        _fix(key, default, f"Ignored {_shown(raw)} for `{key}` in the link: not a number. Using {default}.")
        _drop_url_value(key)
        return
    fixed = min(max(x, lo), hi)
    if integer:
        fixed = int(round(fixed))
    if fixed != x:
        why = "below the minimum" if x < lo else "above the maximum" if x > hi else "not a whole number"
        _fix(key, fixed, f"{_shown(raw)} for `{key}` in the link is {why}. Using {fixed}.")
        _drop_url_value(key)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


_NO_MATCH = object()


def _matching_option(raw: str, labels: dict, options: Sequence[Any]) -> Any:
    """The option a link value names: by its label; by its label or its own name in any letter case (``upload``
    for "Upload a CSV", typed by hand); or a numeric option equal to it (``8`` for ``8.0``)."""
    if raw in labels:
        return labels[raw]
    folded = raw.strip().casefold()
    for label, option in labels.items():
        if label.casefold() == folded or (isinstance(option, str) and option.casefold() == folded):
            return option
    try:
        x = float(raw)
    except ValueError:
        return _NO_MATCH
    return next((o for o in options if _is_number(o) and o == x), _NO_MATCH)


def _check_option(key: str, options: Sequence[Any], labels: Sequence[str], default_label: str, default: Any) -> None:
    """A link value that is not one of the labels gets the default, with a note; except one that names a choice
    another way (see ``_matching_option``: ``upload``, ``8`` for ``8.0``), which is taken as that choice."""
    raw = _raw(key)
    if raw is None or raw in labels:
        return
    same = _matching_option(raw, dict(zip(labels, options)), options)
    if same is not _NO_MATCH:
        st.session_state[key] = same
        _drop_url_value(key)
        return
    _fix(key, default,
         f"Ignored {_shown(raw)} for `{key}` in the link: not one of the choices. Using {default_label}.")


def _range_of(min_value: float, max_value: float, value: float) -> bool:
    """Whether the control is an int control; raises on a default outside its own range (a page bug)."""
    if not min_value <= value <= max_value:
        raise ValueError(f"Default {value} is outside [{min_value}, {max_value}]; fix the page's control.")
    return all(isinstance(v, int) and not isinstance(v, bool) for v in (min_value, max_value, value))


def slider(label: str, *, key: str, min_value: float, max_value: float, value: float, step: float | None = None,
           help: str | None = None, format: str | None = None) -> Any:  # noqa: A002 - Streamlit's own names
    """A URL-bound ``st.slider`` for one number; out-of-range link values are clamped with a note.

    Returns:
        the current value (int when min, max and default are all ints, else float).
    """
    integer = _range_of(min_value, max_value, value)
    _check_number(key, lo=min_value, hi=max_value, default=value, integer=integer)
    out = st.slider(label, min_value=min_value, max_value=max_value, value=value, step=step, help=help,
                    format=format, key=key, bind="query-params")
    _show_note(key, out)
    return out


def number(label: str, *, key: str, min_value: float, max_value: float, value: float, step: float | None = None,
           help: str | None = None, format: str | None = None) -> Any:  # noqa: A002
    """A URL-bound ``st.number_input``; out-of-range link values are clamped, non-numbers ignored, with a note."""
    integer = _range_of(min_value, max_value, value)
    _check_number(key, lo=min_value, hi=max_value, default=value, integer=integer)
    out = st.number_input(label, min_value=min_value, max_value=max_value, value=value, step=step, help=help,
                          format=format, key=key, bind="query-params")
    _show_note(key, out)
    return out


def select(label: str, options: Sequence[Any], *, key: str, value: Any, help: str | None = None,
           format_func=str, radio: bool = False, horizontal: bool = True) -> Any:  # noqa: A002
    """A URL-bound ``st.selectbox`` (or ``st.radio``); unknown link values are ignored with a note.

    The URL holds ``format_func(option)``, so keep those labels short and stable.
    """
    options = list(options)
    if value not in options:
        raise ValueError(f"Default {value!r} is not one of {options!r}; fix the page's control.")
    labels = [format_func(o) for o in options]
    _check_option(key, options, labels, format_func(value), value)
    index = options.index(value)
    if radio:
        out = st.radio(label, options, index=index, format_func=format_func, help=help, horizontal=horizontal,
                       key=key, bind="query-params")
    else:
        out = st.selectbox(label, options, index=index, format_func=format_func, help=help, key=key,
                           bind="query-params")
    _show_note(key, out)
    return out


def select_slider(label: str, options: Sequence[Any], *, key: str, value: Any, help: str | None = None,
                  format_func=str) -> Any:  # noqa: A002
    """A URL-bound ``st.select_slider`` over discrete values (e.g. sequence lengths); unknown values ignored."""
    options = list(options)
    if value not in options:
        raise ValueError(f"Default {value!r} is not one of {options!r}; fix the page's control.")
    _check_option(key, options, [format_func(o) for o in options], format_func(value), value)
    out = st.select_slider(label, options, value=value, format_func=format_func, help=help, key=key,
                           bind="query-params")
    _show_note(key, out)
    return out


def multiselect(label: str, options: Sequence[Any], *, key: str, value: Sequence[Any], help: str | None = None,
                format_func=str) -> list[Any]:  # noqa: A002
    """A URL-bound ``st.multiselect`` (the URL repeats the key); unknown values are dropped with a note."""
    options, value = list(options), list(value)
    if any(v not in options for v in value):
        raise ValueError(f"Default {value!r} is not a subset of {options!r}; fix the page's control.")
    raws = st.query_params.get_all(key)
    labels = {format_func(o): o for o in options}
    matched = {r: _matching_option(r, labels, options) for r in raws if r}
    unknown = [r for r, o in matched.items() if o is _NO_MATCH]
    if unknown or any(r not in labels for r in matched):
        kept = list(dict.fromkeys(o for o in matched.values() if o is not _NO_MATCH)) or value
        if unknown:
            shown = ", ".join(_shown(r) for r in unknown[:3])
            _fix(key, kept, f"Ignored {shown} for `{key}` in the link: not among the choices.")
        else:  # only choices named another way (3 for 3.0, lstm for LSTM): take them, quietly
            st.session_state[key] = kept
        _drop_url_value(key)
    out = st.multiselect(label, options, default=value, format_func=format_func, help=help, key=key,
                         bind="query-params")
    _show_note(key, out)
    return out


def toggle(label: str, *, key: str, value: bool, help: str | None = None) -> bool:  # noqa: A002
    """A URL-bound ``st.toggle``; link values other than true/false are ignored with a note."""
    raw = _raw(key)
    if raw is not None and raw.lower() not in ("true", "false"):
        _fix(key, value, f"Ignored {_shown(raw)} for `{key}` in the link: use true or false. Using {value}.")
    out = st.toggle(label, value=value, help=help, key=key, bind="query-params")
    _show_note(key, out)
    return out


def start_page(page: str) -> None:
    """Forget the notes of another page; call once per run, before any control is drawn (``streamlit_app.py``).

    Args:
        page: the current page's url_path.
    """
    if st.session_state.get(_PAGE) != page:
        st.session_state[_PAGE] = page
        st.session_state.pop(_NOTES, None)


def report_unknown_params(where: Any, *, page: str) -> None:
    """Remove URL keys that no control of this page uses, and say so in ``where`` (a placeholder).

    Call once per run, after the page script ran, so every control of the page has bound its key. A key that
    Streamlit refuses to delete is bound to a widget, hence known.

    Args:
        where: an ``st.empty()`` placeholder at the top of the page.
        page: the current page's url_path, so the note stays with the page it was raised on.
    """
    removed = []
    for key in list(st.query_params):
        try:
            del st.query_params[key]
        except StreamlitAPIException:
            continue  # bound to a control: a known key
        removed.append(key)
    if removed:
        st.session_state[_UNKNOWN] = (page, sorted(removed))
    seen = st.session_state.get(_UNKNOWN)
    if seen is not None and seen[0] == page:
        keys = ", ".join(_shown(k) for k in seen[1][:5])
        where.info(f"This page has no setting named {keys}: ignored it in the link.", icon=":material/link_off:")
