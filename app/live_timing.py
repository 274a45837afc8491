"""Live timings that are shared with other visitors only when they can be trusted.

A page times its code on the machine viewing it. Measured while the machine is busy, the numbers can contradict
themselves; the experiment's ``Verdict`` says so. Such a result must not go into ``st.cache_data`` (every later
visitor with the same settings would get it), so the cached function raises :class:`Untrusted` instead of returning
it: Streamlit does not cache a call that raises. The result is kept in this session only, and the page shows the
"too busy" message, the spread and a button to measure again::

    @ui.cached(max_entries=16)
    def measure(cfg, seed):
        result = experiment.run(cfg, seed=seed)
        return live_timing.trusted(result, result.verdict), charts(result)

    value, trusted = live_timing.measure("page", measure, cfg, seed)
    if not trusted:
        live_timing.too_busy(value.verdict)
    runs.one("page", "again", runs.Part((cfg, seed), lambda report: live_timing.measure("page", measure, cfg, seed)[1],
                                        lambda: experiment.work(cfg), 0),
             label="Measure again", what="Timing", again=True, forget=live_timing.forget("page", measure, cfg, seed))

"Measure again" is the run-on-click button of :mod:`app.runs`, as every other button: an estimate beside it, a Stop,
and :func:`forget` run on the click so that the cached timing of these settings is not simply shown again.
"""
from __future__ import annotations

from typing import Any, Callable

import streamlit as st

from rnncore.experiments import timing

_SESSION_KEY = "_untrusted_timings"


class Untrusted(Exception):
    """Raised inside a cached function so that an untrustworthy timing is not cached; carries the result."""

    def __init__(self, result: Any):
        super().__init__("timings measured on a busy machine: kept for this session only")
        self.result = result


def trusted(result: Any, verdict: timing.Verdict) -> Any:
    """``result`` when ``verdict`` trusts it; else raise :class:`Untrusted` (call inside the cached function)."""
    if not verdict.trustworthy:
        raise Untrusted(result)
    return result


def measure(page: str, cached_call: Callable[..., Any], *args: Any) -> tuple[Any, bool]:
    """(value, True) from ``cached_call(*args)``; or (the untrusted result, False), kept in this session.

    An untrusted result stays for these settings until a "Measure again" click (:func:`forget`) asks for a new measurement, so
    that moving another control does not start the timing again.
    """
    store = st.session_state.setdefault(_SESSION_KEY, {})
    if (page, args) in store:
        return store[(page, args)], False
    try:
        return cached_call(*args), True
    except Untrusted as err:
        store[(page, args)] = err.result
        return err.result, False


def too_busy(verdict: timing.Verdict) -> None:
    """The "too busy to measure" message, with its reasons and spread."""
    st.warning(timing.too_busy_sentence(verdict) + " Nothing from this measurement is shown or kept for other "
               "visitors; press **Measure again** to try once more.", icon=":material/speed:")


def forget(page: str, cached_call: Callable[..., Any], *args: Any) -> Callable[[], None]:
    """What a "Measure again" click drops before it times again (``runs.one(..., again=True, forget=...)``): this
    session's untrusted result for these settings, and the cached one of ``cached_call`` for these arguments only
    (other settings, and other visitors' timings of them, stay)."""
    def drop() -> None:
        st.session_state.setdefault(_SESSION_KEY, {}).pop((page, args), None)
        cached_call.clear(*args)
    return drop
