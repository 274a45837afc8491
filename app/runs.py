"""Run on click, and remember it: the one behaviour of every training or timing button of the Lab.

A page describes the work of a button as :class:`Part` objects (what the result depends on, how to run it with a
progress callback, how to size it for the estimate) and calls :func:`one` (one result) or :func:`each` (one result
per selected model: "train what is missing")::

    run = runs.one("long_term", "train", runs.Part(key=(cfg, seed), total=cfg.steps,
                                                     run=lambda report: lt.run(cfg, seed, callback=report),
                                                     work=lambda: lt.work([cfg])),
                   label="Train", what="Training the LSTM", shipped=cfg == shipped_cfg)
    if run is not None: ...draw the live run...      elif shipped: ...draw the shipped run...

What the visitor sees, the same on every page:

- a live result of exactly these settings made earlier in this session: shown again, no training ("Shown: your
  live run of these settings ...");
- at the shipped settings (the page already shows a shipped result for exactly them): "Shown: the shipped run for
  these settings", and **Recompute live** with its estimate;
- elsewhere the estimate, then the button; after a stop, "Stopped at step 120 of 400; press Train to start again".

The estimate is shown before the click and comes from a probe of the job's own work on this machine, at most
``RATES.ttl`` seconds old (:mod:`rnncore.experiments.effort`). A click on a job estimated over the page's budget asks
first (Start / Cancel). The run goes in chunks, one per progress report of the engine: each passes Streamlit's yield
check and, a few times a second, moves the bar. So the Stop button, any other click, or the session going away
(tab closed) ends the run at its next chunk, and the run is remembered as stopped: a rerun shows where it stopped and
never restarts it without a click. Finished results are kept per page in ``st.session_state`` (the last
``KEEP`` per page), and one session never runs the same part twice at once.

Streamlit 1.67 facts this relies on (read in its source): with ``runner.fastReruns`` (the default) a click during a
run asks the running script thread to stop, and starts a new script thread at once; the old thread raises
``StopException`` at its next yield point. A closed tab calls ``AppSession.request_script_stop``, the same request.
``ScriptRunContext.yield_check()`` is a yield point that sends no message: it raises ``StopException`` or
``RerunException`` when the run should end.
"""
from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import streamlit as st
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

from app import controls
from rnncore.experiments import effort

__all__ = ["BUDGET", "RATES", "Part", "each", "estimate", "one", "result", "shipped_or_live"]

Report = Callable[[int, int, dict], None]

#: Seconds of work a button starts without asking first; a page may pass its own.
BUDGET = 60.0
#: Finished live results kept per page in a session (the oldest goes first).
KEEP = 8
#: Seconds between two moves of a progress bar (every chunk still checks for a stop).
BAR_EVERY = 0.25
#: Seconds a new click waits for the same run, stopping in an older script thread, before refusing to start twice.
WAIT = 10.0
#: Measured rates, shared by every session of the process (the machine is the same), re-probed after ``ttl`` s.
RATES = effort.RateBook(ttl=30.0)
_RATES_LOCK = threading.Lock()


class Part(NamedTuple):
    """One result a button makes."""

    key: Hashable                                   # everything the result depends on: settings and seed
    run: Callable[[Report], Any]                    # run(report) -> result; report(done, total, info) per chunk
    work: Callable[[], Sequence[effort.Piece]]      # the job's size, for the estimate (rnncore.experiments)
    total: int                                      # the units (steps) its report counts to; 0: it does not
                                                    # report (a timing with its own bar; its st calls still yield)


@dataclass
class _Entry:
    status: str             # "running", "done", "stopped" or "failed"
    done: int = 0
    total: int = 0
    result: Any = None
    seconds: float = math.nan
    estimate: float = math.nan
    error: str = ""
    stamp: float = 0.0


# (session id, page, name, part key) -> set when the run of that part has ended, in whatever thread it ran
_ACTIVE: dict[tuple, threading.Event] = {}
_ACTIVE_LOCK = threading.Lock()


def estimate(parts: Sequence[Part]) -> effort.Estimate:
    """The estimate of running ``parts`` now, from remembered or fresh probes."""
    pieces = [piece for part in parts for piece in part.work()]
    with _RATES_LOCK:  # one probe at a time: two sessions probing at once would each measure the other
        return RATES.estimate(pieces)


def _ledger(page: str) -> dict:
    return st.session_state.setdefault(f"_runs:{page}", {})


def _ident(page: str, name: str, key: Hashable) -> tuple:
    ctx = get_script_run_ctx(suppress_warning=True)
    return (ctx.session_id if ctx is not None else "", page, name, key)


def _settle(page: str, name: str, key: Hashable, entry: _Entry | None) -> None:
    """An entry still "running" belongs to an older script thread of this session (stopped by a click or a closed
    tab): wait for it to reach its next chunk, so that it is shown as stopped and never run twice at once."""
    if entry is None or entry.status != "running":
        return
    with _ACTIVE_LOCK:
        event = _ACTIVE.get(_ident(page, name, key))
    if (event is None or event.wait(WAIT)) and entry.status == "running":
        entry.status = "stopped"


def each(page: str, name: str, parts: Mapping[Hashable, Part], *, label: Callable[[list], str] | str,
         what: Callable[[Hashable], str] | str, shipped: Collection = (), budget: float | None = None,
         unit: str = "step", help: str | None = None, again: bool = False,
         forget: Callable[[], None] | None = None) -> dict:
    """A button that trains the items of ``parts`` that have no result yet, one after another, with one bar.

    Args:
        page: the page's name (the namespace of its results in the session).
        name: the button's name on the page, unique there (its widget key is that name in the page's namespace).
        parts: item (e.g. "lstm") -> its Part.
        label: the button's text, or a function of the missing items that makes it ("Train the LSTM, the GRU").
        what: the progress bar's text, or a function of the item being run ("Training the LSTM").
        shipped: the items the page shows from a shipped result for exactly these settings.
        budget: seconds; a longer estimate asks before it starts (default :data:`BUDGET`).
        unit: what the progress counts ("step", "update", "timing").
        help: the button's tooltip.
        again: the button stays when every item has a live result, and runs them all once more (a timing to
            repeat: "Measure again"), with the same estimate, bar and Stop.
        forget: called on the click, before the run: drops what the run would otherwise find and return unchanged
            (a timing's ``st.cache_data`` entry for these settings, an untrusted timing kept in the session).

    Returns:
        item -> live result, for every item with a finished live result in this session (shown or just made).
    """
    budget = BUDGET if budget is None else budget
    ledger = _ledger(page)
    for part in parts.values():
        _settle(page, name, part.key, ledger.get((name, part.key)))
    live = {item: ledger[(name, p.key)].result for item, p in parts.items()
            if (name, p.key) in ledger and ledger[(name, p.key)].status == "done"}
    todo = [item for item in parts if item not in live and item not in shipped]
    recompute = not todo and any(item not in live for item in parts)
    if recompute:
        todo = [item for item in parts if item not in live]
    if not todo:  # every item has a live result
        done = [ledger[(name, parts[i].key)] for i in parts]
        if done:
            spent = sum(e.seconds for e in done)
            st.caption(f"Shown: your live run{'s' if len(done) > 1 else ''} of these settings, made in this session "
                       f"in {effort.describe(spent).removeprefix('about ')} (estimated "
                       f"{effort.describe(sum(e.estimate for e in done)).removeprefix('about ')}).")
        if not again:
            return live
        todo, recompute = list(parts), False

    button = "Recompute live" if recompute else (label(todo) if callable(label) else label)
    todo_parts = [parts[i] for i in todo]
    est = estimate(todo_parts)
    confirm = f"_runs:{page}:confirm"
    asking = st.session_state.get(confirm) == (name, tuple(p.key for p in todo_parts))
    if recompute:
        st.caption("Shown: the shipped run" + ("s" if len(parts) > 1 else "") + " for these settings.")
    for part in todo_parts:
        entry = ledger.get((name, part.key))
        if entry is not None and entry.status == "stopped":
            st.warning(effort.stop_sentence(entry.done, entry.total, unit, button), icon=":material/stop_circle:")
        elif entry is not None and entry.status == "failed":
            st.error(f"The last run failed: {entry.error} Change a setting, or press **{button}** to try again.",
                     icon=":material/error:")
    start = False
    if asking:
        question = st.empty()  # emptied when the run starts: the question does not stay above the bar
        with question.container():
            st.warning(f"**{button}** would take {effort.describe_range(est)} on this machine now, over this page's "
                       f"budget of {effort.describe(budget).removeprefix('about ')}. Start it?",
                       icon=":material/timer:")
            yes, no = st.columns(2)
            start = yes.button("Start", key=controls.key(f"{name}-start"), type="primary", icon=":material/play_arrow:")
            cancel = no.button("Cancel", key=controls.key(f"{name}-cancel"), icon=":material/close:")
        if cancel:
            st.session_state.pop(confirm, None)
            st.rerun()
        if start:
            question.empty()
    else:
        clicked = st.button(button, key=controls.key(name), type="primary", icon=":material/play_arrow:",
                            help=help or f"Estimated {effort.describe_range(est)} on this machine now.")
        st.caption(f"{effort.describe_range(est).capitalize()} on this machine now, from a probe of the same work "
                   f"in the last {RATES.ttl:.0f} s; "
                   + (f"over the page's budget of {effort.describe(budget).removeprefix('about ')}: it asks first."
                      if est.over(budget) else
                      f"within the page's budget of {effort.describe(budget).removeprefix('about ')}."))
        if clicked and est.over(budget):
            st.session_state[confirm] = (name, tuple(p.key for p in todo_parts))
            st.rerun()
        start = clicked
    if start:
        st.session_state.pop(confirm, None)
        if forget is not None:
            forget()
        _run(page, name, {i: parts[i] for i in todo}, est, what, unit, ledger)  # reruns the page when it ends
    return live


def result(page: str, name: str, key: Hashable) -> Any:
    """The finished live result of button ``name`` for ``key`` in this session, or None (draws nothing)."""
    entry = _ledger(page).get((name, key))
    return entry.result if entry is not None and entry.status == "done" else None


def one(page: str, name: str, part: Part, *, label: str, what: str, shipped: bool = False, budget: float | None = None,
        unit: str = "step", help: str | None = None, again: bool = False,
        forget: Callable[[], None] | None = None) -> Any:
    """A button for one result: :func:`each` with a single item. Returns the live result, or None."""
    return each(page, name, {name: part}, label=label, what=what, shipped=(name,) if shipped else (),
                budget=budget, unit=unit, help=help, again=again, forget=forget).get(name)


def shipped_or_live(page: str, name: str, part: Part, *, shipped: Any, made_by: str, label: str, what: str,
                    unit: str = "step") -> tuple[Any, str]:
    """A button whose result may also ship as data (a demo run): (the result to show, where it came from).

    The result is this session's live run of these settings when there is one ("live run"), else ``shipped``: the
    shipped result made from exactly these settings, or None ("shipped run, made by `made_by`"). The button is
    :func:`one`'s: "Recompute live" beside a shipped result, else ``label``.
    """
    live = one(page, name, part, label=label, what=what, shipped=shipped is not None, unit=unit)
    if live is not None:
        return live, "live run"
    return shipped, f"shipped run, made by `{made_by}`"


def _run(page: str, name: str, parts: Mapping[Hashable, Part], est: effort.Estimate, what, unit: str,
         ledger: dict) -> None:
    """Run the parts in turn under one bar and a Stop button; record each as done, stopped or failed."""
    ctx = get_script_run_ctx(suppress_warning=True)
    idents = {item: _ident(page, name, part.key) for item, part in parts.items()}
    for item, ident in idents.items():
        with _ACTIVE_LOCK:
            older = _ACTIVE.get(ident)
        if older is not None and not older.wait(WAIT):
            st.info("The same run is still stopping in an older view of this page; press the button again in a "
                    "moment.", icon=":material/hourglass:")
            return
    slot = st.empty()
    with slot.container():
        st.button("Stop", key=controls.key(f"{name}-stop"), icon=":material/stop:",
                  help="Stops at the next chunk of work; what finished is kept.")
        grand = sum(p.total for p in parts.values())
        # a job that does not count its steps (total 0: a timing with its own bar) gets no bar of ours
        bar = (st.progress(0.0, text=f"Starting: {effort.describe(est.seconds)} expected.") if grand else
               st.caption(f"{effort.describe(est.seconds).capitalize()} expected."))
    offset = 0
    for item, part in parts.items():
        share = part.total / grand if grand else 1 / len(parts)  # of the estimate, for the "estimated" caption
        entry = _Entry("running", total=part.total, estimate=est.seconds * share)
        ledger[(name, part.key)] = entry
        event = threading.Event()
        with _ACTIVE_LOCK:
            _ACTIVE[idents[item]] = event
        text = what(item) if callable(what) else what

        def report(done: int, total: int, info: dict, entry=entry, text=text, base=offset,
                   last=[0.0]) -> None:  # noqa: B006 (one list per part: when its bar last moved)
            entry.done, entry.total = int(done), int(total)
            if ctx is not None:
                ctx.yield_check()  # a Stop, another click, or a closed tab ends the run here
            now = time.perf_counter()
            if now - last[0] >= BAR_EVERY or done >= total:
                last[0] = now
                left = est.seconds * (1 - (base + done) / max(grand, 1))
                loss = info.get("loss") if isinstance(info, dict) else None
                detail = f", loss {loss:.3g}" if isinstance(loss, (int, float)) and math.isfinite(loss) else ""
                bar.progress(min(max((base + done) / max(grand, 1), 0.0), 1.0),
                             text=f"{text}: {unit} {done:,} of {total:,}{detail}; "
                                  f"{effort.describe(left).removeprefix('about ')} left by the estimate")

        began = time.perf_counter()
        try:
            entry.result = part.run(report)
        except Exception as err:  # noqa: BLE001 (a bad setting or a bug: say so, keep the page and what was made)
            entry.status, entry.error = "failed", f"{type(err).__name__}: {err}"
            _end(idents[item], event)
            slot.empty()
            st.error(f"{text} failed: {entry.error}", icon=":material/error:")
            return
        except BaseException:  # StopException / RerunException: a Stop, another click, or the session went away
            entry.status = "stopped"
            _end(idents[item], event)
            raise
        entry.status, entry.seconds, entry.stamp = "done", time.perf_counter() - began, time.time()
        entry.done = entry.total
        _end(idents[item], event)
        offset += part.total
    slot.empty()
    _forget_old(ledger)
    st.rerun()  # draw the page again from the top, now with the live result (a page may use it above the button)


def _end(ident: tuple, event: threading.Event) -> None:
    event.set()
    with _ACTIVE_LOCK:
        if _ACTIVE.get(ident) is event:
            del _ACTIVE[ident]


def _forget_old(ledger: dict) -> None:
    done = sorted((e.stamp, k) for k, e in ledger.items() if e.status == "done")
    for _, key in done[:max(0, len(done) - KEEP)]:
        del ledger[key]
