"""Controls kept in the address bar, widget keys that never collide across pages, and odd links that never crash.

**Names and keys.** A page names each control briefly (``key="T"``), and that name is what the address bar shows:
``/long-term?T=200&lr=0.03``. The widget's own key is the name inside the page's namespace, ``"<url_path>:<name>"``
(``"long-term:T"``, see :func:`key`), so ``lr`` on Sentiment (one float) and ``lr`` on Slow training (a list) are
two widgets that never see each other's value. Every other widget key a page makes (buttons, text boxes, uploads)
goes through :func:`key` too, so a click on one page's "Train" is never read by another page's "Train". The sidebar
seed is the one control every page shares (:data:`SHARED`): its key and its name are ``seed``.

**Why this module writes the address bar itself.** Streamlit's ``bind="query-params"`` always names the parameter
after the widget key (1.67 sets ``query_param_key = str(key)``), and it carries a bound value to any widget with the
same key on the next page. So page controls are not bound: each helper below reads the link before its widget is
drawn, and writes ``st.query_params`` after it: a value other than the default is in the address as
``?<name>=<value>`` (a list repeats the name; an empty list is ``?<name>=``), the default is not. The seed alone is
bound (``bind="query-params"``): Streamlit keeps a parameter bound in the entry point across page switches.

**Which value a control takes**, before it is drawn:
- the first run of a session (a link), and the browser's Back and Forward: the address decides; a name missing
  from it is the default;
- otherwise a control already on screen keeps its value (brought back inside its range or its choices if the page
  changed them, e.g. a time step beyond a shorter sequence), and one that is not (the page was left, or the control
  was hidden) takes the link's value if the address has one, else the last value it had on this page in this
  session, else its default. So going back to a page shows that page's own last settings, and the address shows
  them too.

**A page switch** leaves in the address only the new page's settings (those not at their default) and the seed. A
browser drops unbound parameters when the page changes; Streamlit's AppTest keeps them, so :func:`start_page` drops
the parameters a switch brings when they are exactly those the previous page left (:data:`_LEFT`); others came on
purpose (a link to the page) and are read.

**Bad link values.** A number out of range is clamped to the nearest bound (rounded where the control is an int); a
value of the wrong type or an unknown choice is ignored (the default is used); a list keeps its known choices; a text
longer than its box is cut. Each fix shows a note under the control until the user changes it. Names that no
control of the page drew are removed with one note at the top of the page (:func:`report_unknown_params`, called by
``streamlit_app.py`` after the page ran); the name of a control the page hides for now goes without a note. The raw
URL text in a note is shortened and shown as inline code, so it cannot render as a link or an image. For the bound
seed, a bad value is fixed here and taken out of Streamlit's hands before the widget seeds from it
(:func:`_drop_url_value`); Streamlit alone would silently use the default.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import streamlit as st
from streamlit.errors import StreamlitAPIException
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx
from streamlit.runtime.state.session_state_proxy import get_session_state

#: URL names of the controls every page shares (drawn by ``streamlit_app.py``): their widget key is the name itself.
SHARED = frozenset({"seed"})

_PAGE = "_lab_url_page"  # session_state: the namespace of this run's page
_DRAWN = "_lab_url_drawn"  # session_state: the URL names of the controls drawn in this run
_SAVED = "_lab_saved"  # session_state: {namespace: {name: value}}, each page's last value of each control
_LEFT = "_lab_url_left"  # session_state: the page's parameters in the address bar after this module last wrote it
_OURS = "_lab_url_ours"  # session_state: the names this module wrote into the address on this page
_NOTES = "_lab_url_notes"  # session_state: {widget key: _Note} for controls fixed from the URL
_UNKNOWN = "_lab_url_unknown"  # session_state: (namespace, names) of removed unknown URL names
_MISSING = object()


class _Note(NamedTuple):
    text: str
    value: Any  # the value the control got; the note shows while the control still holds it


# ---- keys and pages ------------------------------------------------------------------------------------------------

def namespace(url_path: str) -> str:
    """The key namespace of the page at ``url_path`` ("" is the home page)."""
    return url_path or "home"


def widget_key(url_path: str, name: str) -> str:
    """The widget key of the control or widget ``name`` on the page at ``url_path`` (e.g. "long-term:T")."""
    return name if name in SHARED else f"{namespace(url_path)}:{name}"


def key(name: str) -> str:
    """The widget key of ``name`` on this run's page: use it for every widget key a page makes.

    Outside a page (no :func:`start_page` in this session, e.g. a one-script test) the key is the name itself.
    """
    page = st.session_state.get(_PAGE)
    return name if page is None or name in SHARED else f"{page}:{name}"


def _history_navigation() -> bool:
    """Whether this run answers the browser's Back or Forward button (the address then decides every control)."""
    return bool(getattr(get_script_run_ctx(), "is_history_navigation", False))


def _page_params() -> dict[str, list[str]]:
    """The address bar's parameters other than the shared ones."""
    return {name: st.query_params.get_all(name) for name in st.query_params if name not in SHARED}


def _remember_address() -> None:
    st.session_state[_LEFT] = _page_params()


def start_page(page: str) -> None:
    """Begin a run of the page at url_path ``page``; call once per run, before any control is drawn.

    On a page switch: forget the previous page's notes, and drop the parameters the previous page left in the address
    (a browser has dropped them already; AppTest has not). Parameters that differ from what the previous page left
    came with the switch on purpose (a link, Back or Forward) and are kept for the page's controls.
    """
    state = st.session_state
    name = namespace(page)
    switched = state.get(_PAGE) != name
    state[_PAGE] = name
    state[_DRAWN] = set()
    if not switched:
        return
    state.pop(_NOTES, None)
    state[_OURS] = set()
    incoming = _page_params()
    if incoming and _LEFT in state and incoming == state[_LEFT] and not _history_navigation():
        for param in incoming:
            del st.query_params[param]
    _remember_address()


# ---- notes ---------------------------------------------------------------------------------------------------------

def _shown(raw: str) -> str:
    """A URL value made safe to show: short, one line, inside inline code."""
    text = raw.replace("`", "'").replace("\n", " ").replace("\r", " ")
    if len(text) > 40:
        text = text[:37] + "..."
    return f"`{text}`"


def _set(widget: str, value: Any, note: str | None) -> None:
    """Give the widget ``value`` before it is drawn; keep ``note`` (the reason) beside it, or forget an old one."""
    st.session_state[widget] = value
    notes = st.session_state.setdefault(_NOTES, {})
    if note is None:
        notes.pop(widget, None)
    else:
        notes[widget] = _Note(note, value)


def _show_note(widget: str, value: Any) -> None:
    """Show the note of ``widget`` while the control keeps the value the URL fix gave it."""
    notes = st.session_state.get(_NOTES, {})
    note = notes.get(widget)
    if note is None:
        return
    if note.value == value:
        st.warning(note.text, icon=":material/link_off:")
    else:  # the user has moved on: the note is stale
        del notes[widget]


# ---- reading link values -------------------------------------------------------------------------------------------

Parsed = tuple[Any, str | None]  # (the value a link gives a control, a note when the link's value was fixed)


def _format_number(x: float) -> str:
    """A number as the address shows it: 200, 0.03, 1e-06."""
    if isinstance(x, float) and x.is_integer():
        return str(int(x))
    return f"{x:.12g}" if isinstance(x, float) else str(x)


def _number_from_url(name: str, raw: str, *, lo: float, hi: float, default: float, integer: bool) -> Parsed:
    """A link's number, clamped into [lo, hi] (and rounded for an int control); not a number: the default."""
    try:
        x = float(raw)
    except ValueError:
        x = math.nan
    if not math.isfinite(x):
        return default, f"Ignored {_shown(raw)} for `{name}` in the link: not a number. Using {default}."
    fixed = min(max(x, lo), hi)
    if integer:
        fixed = int(round(fixed))
    if fixed != x:
        why = "below the minimum" if x < lo else "above the maximum" if x > hi else "not a whole number"
        return fixed, f"{_shown(raw)} for `{name}` in the link is {why}. Using {fixed}."
    return fixed, None


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


def _option_from_url(name: str, raw: str, options: Sequence[Any], format_func: Callable, default: Any) -> Parsed:
    """The choice a link names (see :func:`_matching_option`); anything else: the default, with a note."""
    option = _matching_option(raw, {format_func(o): o for o in options}, options)
    if option is _NO_MATCH:
        return default, (f"Ignored {_shown(raw)} for `{name}` in the link: not one of the choices. "
                         f"Using {format_func(default)}.")
    return option, None


# ---- the one path every page control takes -------------------------------------------------------------------------

def _control(name: str, *, default: Any, from_url: Callable[[list[str]], Parsed], fit: Callable[[Any], Any],
             draw: Callable[[str], Any], to_url: Callable[[Any], list[str]]) -> Any:
    """Give the control its value (module docstring), draw it, remember it for the page, and write the address.

    Args:
        name: the URL name; the widget key is ``key(name)``.
        default: the control's default (never in the address).
        from_url: the link's values for ``name`` -> (value, note or None).
        fit: a value kept from before -> the nearest value the control takes now (inside its range, among its
            choices).
        draw: widget key -> the drawn widget's value.
        to_url: a value -> the address's values for ``name``.
    """
    state = st.session_state
    widget = key(name)
    raws = st.query_params.get_all(name)
    if _history_navigation():
        _set(widget, *(from_url(raws) if raws else (default, None)))
    elif widget not in state:
        saved = state.get(_SAVED, {}).get(state.get(_PAGE), {}).get(name, _MISSING)
        if raws:
            _set(widget, *from_url(raws))
        elif saved is not _MISSING:
            state[widget] = fit(saved)
    else:
        current = state[widget]
        fitted = fit(current)
        if fitted != current or type(fitted) is not type(current):
            state[widget] = fitted
    out = draw(widget)
    state.setdefault(_SAVED, {}).setdefault(state.get(_PAGE), {})[name] = out
    state.setdefault(_DRAWN, set()).add(name)
    _write(name, None if out == default else to_url(out))
    _show_note(widget, out)
    return out


def _write(name: str, values: list[str] | None) -> None:
    """Put ``name=values`` in the address bar, or take ``name`` out of it (None); only when that changes it."""
    current = st.query_params.get_all(name)
    if values is None:
        if not current:
            return
        del st.query_params[name]
    elif current != values:
        st.query_params[name] = values[0] if len(values) == 1 else values
        st.session_state.setdefault(_OURS, set()).add(name)
    else:
        return
    _remember_address()


# ---- the controls --------------------------------------------------------------------------------------------------

def _range_of(min_value: float, max_value: float, value: float) -> bool:
    """Whether the control is an int control; raises on a default outside its own range (a page bug)."""
    if not min_value <= value <= max_value:
        raise ValueError(f"Default {value} is outside [{min_value}, {max_value}]; fix the page's control.")
    return all(isinstance(v, int) and not isinstance(v, bool) for v in (min_value, max_value, value))


def _drop_url_value(name: str) -> None:
    """Remove ``name`` from the URL values a bound widget seeds from (Streamlit internals, so guarded).

    For the bound seed, when this module fixed its link value: on a first load the URL wins over session state, so
    without this an int ``number_input`` would raise OverflowError on ``inf``, or truncate 7.6 to 7 where the note
    says 8. If these internals move, the guard leaves Streamlit's own handling in place.
    """
    try:
        with get_session_state().query_params() as params:
            params._initial_query_params.pop(name, None)
            params.remove_param(name)
    except (AttributeError, TypeError):  # pragma: no cover - a Streamlit version with other internals
        pass


def _number_control(widget: Callable, label: str, *, key: str, min_value: float, max_value: float, value: float,
                    **kwargs: Any) -> Any:
    """A slider or a number box for one number: the shared path of :func:`slider` and :func:`number`."""
    name = key
    integer = _range_of(min_value, max_value, value)

    def parse(raws: list[str]) -> Parsed:
        return _number_from_url(name, raws[-1], lo=min_value, hi=max_value, default=value, integer=integer)

    def fit(x: Any) -> Any:
        if not _is_number(x):
            return value
        x = min(max(x, min_value), max_value)
        return int(round(x)) if integer else float(x)

    if name in SHARED:  # one widget on every page: Streamlit binds it to the address (module docstring)
        raws = st.query_params.get_all(name)
        fixed, note = parse(raws) if raws else (value, None)
        if note is not None:  # a valid value is Streamlit's to seed; a bad one is fixed here, with a note
            _set(name, fixed, note)
            _drop_url_value(name)
        out = widget(label, min_value=min_value, max_value=max_value, value=value, key=name, bind="query-params",
                     **kwargs)
        st.session_state.setdefault(_DRAWN, set()).add(name)
        _show_note(name, out)
        return out
    return _control(name, default=value, from_url=parse, fit=fit, to_url=lambda x: [_format_number(x)],
                    draw=lambda k: widget(label, min_value=min_value, max_value=max_value, value=value, key=k,
                                          **kwargs))


def slider(label: str, *, key: str, min_value: float, max_value: float, value: float, step: float | None = None,
           help: str | None = None, format: str | None = None) -> Any:  # noqa: A002 - Streamlit's own names
    """An ``st.slider`` for one number, kept in the address; out-of-range link values are clamped with a note.

    Returns:
        the current value (int when min, max and default are all ints, else float).
    """
    return _number_control(st.slider, label, key=key, min_value=min_value, max_value=max_value, value=value,
                           step=step, help=help, format=format)


def number(label: str, *, key: str, min_value: float, max_value: float, value: float, step: float | None = None,
           help: str | None = None, format: str | None = None) -> Any:  # noqa: A002
    """An ``st.number_input`` kept in the address; out-of-range link values are clamped, non-numbers ignored."""
    return _number_control(st.number_input, label, key=key, min_value=min_value, max_value=max_value, value=value,
                           step=step, help=help, format=format)


def _choice_control(name: str, options: list[Any], value: Any, format_func: Callable,
                    draw: Callable[[str], Any]) -> Any:
    """One choice among ``options``: the shared path of :func:`select` and :func:`select_slider`."""
    if value not in options:
        raise ValueError(f"Default {value!r} is not one of {options!r}; fix the page's control.")
    return _control(name, default=value, draw=draw, to_url=lambda o: [format_func(o)],
                    from_url=lambda raws: _option_from_url(name, raws[-1], options, format_func, value),
                    fit=lambda o: o if o in options else value)


def select(label: str, options: Sequence[Any], *, key: str, value: Any, help: str | None = None,
           format_func=str, radio: bool = False, horizontal: bool = True) -> Any:  # noqa: A002
    """An ``st.selectbox`` (or ``st.radio``) kept in the address; unknown link values are ignored with a note.

    The address holds ``format_func(option)``, so keep those labels short and stable.
    """
    options = list(options)
    index = options.index(value) if value in options else 0

    def draw(widget: str) -> Any:
        if radio:
            return st.radio(label, options, index=index, format_func=format_func, help=help, horizontal=horizontal,
                            key=widget)
        return st.selectbox(label, options, index=index, format_func=format_func, help=help, key=widget)

    return _choice_control(key, options, value, format_func, draw)


def select_slider(label: str, options: Sequence[Any], *, key: str, value: Any, help: str | None = None,
                  format_func=str) -> Any:  # noqa: A002
    """An ``st.select_slider`` over discrete values (e.g. sequence lengths), kept in the address."""
    options = list(options)
    return _choice_control(key, options, value, format_func, lambda widget: st.select_slider(
        label, options, value=value, format_func=format_func, help=help, key=widget))


def multiselect(label: str, options: Sequence[Any], *, key: str, value: Sequence[Any], help: str | None = None,
                format_func=str) -> list[Any]:  # noqa: A002
    """An ``st.multiselect`` kept in the address (the name repeats); unknown link values are dropped with a note."""
    name, options, value = key, list(options), list(value)
    if any(v not in options for v in value):
        raise ValueError(f"Default {value!r} is not a subset of {options!r}; fix the page's control.")
    labels = {format_func(o): o for o in options}

    def parse(raws: list[str]) -> Parsed:
        given = [r for r in raws if r]
        if not given:  # ?name= : the user emptied the list
            return [], None
        matched = {r: _matching_option(r, labels, options) for r in given}
        kept = list(dict.fromkeys(o for o in matched.values() if o is not _NO_MATCH)) or value
        unknown = [r for r, o in matched.items() if o is _NO_MATCH]
        if not unknown:
            return kept, None
        shown = ", ".join(_shown(r) for r in unknown[:3])
        return kept, f"Ignored {shown} for `{name}` in the link: not among the choices."

    return _control(name, default=value, from_url=parse,
                    fit=lambda chosen: [o for o in chosen if o in options] if isinstance(chosen, list) else value,
                    to_url=lambda chosen: [format_func(o) for o in chosen] or [""],
                    draw=lambda widget: st.multiselect(label, options, default=value, format_func=format_func,
                                                       help=help, key=widget))


def toggle(label: str, *, key: str, value: bool, help: str | None = None) -> bool:  # noqa: A002
    """An ``st.toggle`` kept in the address; link values other than true/false are ignored with a note."""
    name = key

    def parse(raws: list[str]) -> Parsed:
        raw = raws[-1]
        if raw.lower() in ("true", "false"):
            return raw.lower() == "true", None
        return value, f"Ignored {_shown(raw)} for `{name}` in the link: use true or false. Using {value}."

    return _control(name, default=value, from_url=parse, fit=lambda v: v if isinstance(v, bool) else value,
                    to_url=lambda v: [str(v).lower()],
                    draw=lambda widget: st.toggle(label, value=value, help=help, key=widget))


def text(label: str, *, key: str, value: str, max_chars: int, help: str | None = None) -> str:  # noqa: A002
    """An ``st.text_input`` kept in the address; a link's text longer than the box takes is cut, with a note."""
    name = key

    def parse(raws: list[str]) -> Parsed:
        raw = raws[-1]
        if len(raw) <= max_chars:
            return raw, None
        return raw[:max_chars], f"The `{name}` in the link was longer than {max_chars} characters; it was cut."

    return _control(name, default=value, from_url=parse, to_url=lambda v: [v],
                    fit=lambda v: v[:max_chars] if isinstance(v, str) else value,
                    draw=lambda widget: st.text_input(label, value=value, max_chars=max_chars, help=help,
                                                      key=widget))


def report_unknown_params(where: Any, *, page: str) -> None:
    """Remove URL names that no control of this page drew in this run, and say so in ``where`` (a placeholder).

    Call once per run, after the page script ran, so every control of the page has been drawn. A name Streamlit
    refuses to delete is bound to a widget (the seed), hence known. A name this module wrote itself belongs to a
    control the page hides now (e.g. the sine's frequency once another series is chosen): it goes without a note, and
    the control gets its value back when it shows again.

    Args:
        where: an ``st.empty()`` placeholder at the top of the page.
        page: the current page's url_path, so the note stays with the page it was raised on.
    """
    drawn = st.session_state.get(_DRAWN, set())
    ours = st.session_state.get(_OURS, set())
    removed = []
    for name in list(st.query_params):
        if name in drawn:
            continue
        try:
            del st.query_params[name]
        except StreamlitAPIException:
            continue  # bound to a control: a known name
        if name not in ours:
            removed.append(name)
    _remember_address()
    if removed:
        st.session_state[_UNKNOWN] = (page, sorted(removed))
    seen = st.session_state.get(_UNKNOWN)
    if seen is not None and seen[0] == page:
        names = ", ".join(_shown(k) for k in seen[1][:5])
        where.info(f"This page has no setting named {names}: ignored it in the link.", icon=":material/link_off:")
