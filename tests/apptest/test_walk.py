"""One session walks through every page, changing every control of each page before it moves on.

What it guards (issue: state leaking between pages): a control's value never reaches another page, whatever its
type there; no combination of extreme settings raises; after a page switch the address bar holds only the new page's
settings (those not at their default) and the seed; a page you come back to shows its own last settings, and the
address shows them.

Controls are found on the page itself (every widget in the page's key namespace), so a new control is walked without
editing this file. Choices are made by their label, the way the browser answers a click (``choose``).
"""

from __future__ import annotations

import pytest
from streamlit.proto.WidgetStates_pb2 import WidgetState
from streamlit.testing.v1 import AppTest

from app import nav
from app.controls import namespace, widget_key
from apptest.conftest import TIMEOUT, keys, open_page

PAGES = [spec.path for spec in nav.PAGES]
KINDS = ("slider", "select_slider", "selectbox", "radio", "multiselect", "toggle", "number_input", "text_input")
#: the upload box's column names: widgets of the page, not settings kept in the address (a file is not either)
NOT_IN_ADDRESS = {"text_column", "label_column", "date_column", "value_column"}
SEED = 7
#: The quick walk's stand-ins for top ends that take minutes to compute on a busy machine (the slow walk tries them):
#: page -> {name: label}.
CHEAP = {"app/pages/gradients.py": {"H": "64", "T": "200"}}


def controls(at: AppTest, page: str) -> dict[str, object]:
    """The page's controls drawn in the last run, by URL name (widgets whose key is in the page's namespace)."""
    prefix = namespace(nav.by_path(page).url_path) + ":"
    found = {}
    for kind in KINDS:
        for widget in getattr(at.main, kind):
            if widget.key and widget.key.startswith(prefix) and widget.key[len(prefix):] not in NOT_IN_ADDRESS:
                found[widget.key[len(prefix):]] = widget
    return found


def choose(widget, labels: str | list[str]) -> None:
    """Choose by the label(s) shown, as the browser does (it sends the labels back, never the option objects)."""
    state = WidgetState()
    state.id = widget.id
    if widget.type in ("selectbox", "radio"):
        state.string_value = labels
    else:  # select_slider, multiselect
        state.string_array_value.data[:] = labels if isinstance(labels, list) else [labels]
    widget.__class__ = type("Chosen", (type(widget),), {"_widget_state": property(lambda self: state)})


def extremes(widget, default, cheap: str | None = None) -> list:
    """The values to try on a control, as (setter, argument) pairs: each end of its range, or each end of its list
    (``cheap`` instead of the top end)."""
    kind = widget.type
    if kind in ("selectbox", "radio", "select_slider"):
        ends = [cheap or widget.options[-1], widget.options[0]]
        return [("choose", label) for label in ends]
    if kind == "multiselect":
        return [("choose", list(widget.options)), ("choose", [])]
    if kind == "toggle":
        return [("set", not default)]
    if kind == "text_input":
        return [("set", "x" * (widget.max_chars or 300)), ("set", "")]
    number = type(default)
    return [("set", number(widget.max)), ("set", number(widget.min))]


def every_option(widget, default, cheap: str | None = None) -> list:
    """Every choice of a control one by one (ranges: both ends), for the slow walk."""
    if widget.type in ("selectbox", "radio", "select_slider"):
        return [("choose", label) for label in widget.options]
    if widget.type == "multiselect":
        return [("choose", [label]) for label in widget.options] + [("choose", list(widget.options)), ("choose", [])]
    return extremes(widget, default)


def apply(widget, how: str, value) -> None:
    if how == "choose":
        choose(widget, value)
    else:
        widget.set_value(value)


def assert_clean(at: AppTest, where: str) -> None:
    assert not at.exception, f"{where}: " + "\n".join(e.value for e in at.exception)
    carried = [i.value for i in at.info if "no setting named" in i.value]
    assert not carried, f"{where}: a setting was carried from another page: {carried}"


def assert_address(at: AppTest, page: str, defaults: dict) -> None:
    """The address holds the seed, and exactly this page's controls that are not at their default."""
    params = dict(at.query_params)
    assert params.get("seed") == str(SEED), (page, params)
    drawn = controls(at, page)
    assert set(params) - {"seed"} <= set(drawn) | set(defaults), (page, params)
    for name, widget in drawn.items():
        assert (name in params) == (widget.value != defaults[name]), (page, name, widget.value, params)


def switch(at: AppTest, page: str) -> AppTest:
    at.switch_page(page)
    return at.run()


def walk_page(at: AppTest, page: str, values_of) -> dict:
    """Arrive on ``page``: it starts at its defaults with only the seed in the address. Change each control through
    the values ``values_of`` gives (one round per value, all controls at once), controls that appear on the way too.

    Returns the last value each control was given, by name.
    """
    at = switch(at, page)
    assert_clean(at, f"arriving on {page}")
    assert dict(at.query_params) == {"seed": str(SEED)}, f"{page} got settings of another page: {at.query_params}"
    defaults = {name: widget.value for name, widget in controls(at, page).items()}
    done: set[str] = set()
    for _ in range(3):  # controls revealed by a choice (an upload's fields, a section's settings) get their turn
        todo = {name: w for name, w in controls(at, page).items() if name not in done}
        if not todo:
            break
        for name, widget in todo.items():
            defaults.setdefault(name, widget.value)
        plans = {name: values_of(w, defaults[name], CHEAP.get(page, {}).get(name)) for name, w in todo.items()}
        for i in range(max(len(p) for p in plans.values())):
            current = controls(at, page)
            for name, plan in plans.items():
                if i < len(plan) and name in current:
                    apply(current[name], *plan[i])
            at.run()
            assert_clean(at, f"{page} after round {i} of {sorted(plans)}")
            assert_address(at, page, defaults)
        done |= set(todo)
    assert done, f"{page} has no controls"
    return {name: w.value for name, w in controls(at, page).items()}


def start() -> AppTest:
    """A session opened from a link with a seed (a seed typed in the sidebar reaches the address through the browser,
    which AppTest does not emulate for a bound widget; the browser test covers that)."""
    at = open_page(query={"seed": str(SEED)})
    assert not at.exception and at.sidebar.number_input(key="seed").value == SEED
    return at


def walk(values_of) -> None:
    at = start()
    last = {}
    for page in PAGES:
        if page == nav.DEFAULT_PAGE:
            continue
        last[page] = walk_page(at, page, values_of)
    first = next(iter(last))
    at = switch(at, first)  # back to the first page: its own last settings, in the widgets and in the address
    assert_clean(at, f"back on {first}")
    assert {name: w.value for name, w in controls(at, first).items()} == last[first]
    assert "seed" in at.query_params and set(at.query_params) - {"seed"} <= set(last[first])


def test_every_page_after_every_control_of_the_previous_page_at_its_extremes():
    walk(extremes)


@pytest.mark.slow
def test_every_page_after_every_option_of_every_control_of_the_previous_page():
    walk(every_option)


def test_a_link_value_never_reaches_a_control_of_the_same_name_on_another_page():
    """/sentiment?lr=0.03, then Slow training (its lr is a list of rates), then Time-series (lr is one rate again)."""
    at = open_page("app/pages/sentiment.py", query={"lr": "0.03"})
    assert not at.exception and at.select_slider(key=keys("app/pages/sentiment.py")("lr")).value == 0.03
    assert at.query_params["lr"] == "0.03"
    at = switch(at, "app/pages/slow_training.py")
    assert not at.exception, [e.value for e in at.exception]
    assert at.multiselect(key=keys("app/pages/slow_training.py")("lr")).value == [0.01, 0.1]
    assert "lr" not in at.query_params and not at.warning
    at = switch(at, "app/pages/forecasting.py")
    assert not at.exception and at.select_slider(key=keys("app/pages/forecasting.py")("lr")).value == 0.01
    assert "lr" not in at.query_params
    at = switch(at, "app/pages/sentiment.py")  # back: its own 0.03, in the widget and in the address
    assert not at.exception and at.select_slider(key=keys("app/pages/sentiment.py")("lr")).value == 0.03
    assert at.query_params["lr"] == "0.03"


def test_a_long_sequence_does_not_follow_to_a_page_with_a_shorter_range():
    """Long-term at T = 200, then RNN basics (T at most 60): the page keeps its own T; going back keeps 200."""
    long_term, basics = "app/pages/long_term.py", "app/pages/basics.py"
    at = open_page(long_term, query={"T": "200"})
    assert not at.exception and at.select_slider(key=keys(long_term)("T")).value == 200
    at = switch(at, basics)
    assert not at.exception, [e.value for e in at.exception]
    assert at.slider(key=keys(basics)("T")).value == 20 and "T" not in at.query_params
    at.slider(key=keys(basics)("T")).set_value(6).run()
    assert at.query_params["T"] == "6"
    at = switch(at, long_term)
    assert not at.exception and at.select_slider(key=keys(long_term)("T")).value == 200
    assert at.query_params["T"] == "200"
    at = switch(at, basics)
    assert not at.exception and at.slider(key=keys(basics)("T")).value == 6 and at.query_params["T"] == "6"


def hiding_page():
    import streamlit as st

    from app import ui
    ui.start_page("demo")
    notice = st.empty()
    if ui.toggle("Show the slider", key="show", value=True):
        ui.slider("Radius", key="radius", min_value=0.5, max_value=1.5, value=0.9, step=0.05)
    ui.report_unknown_params(notice, page="demo")


def test_a_control_the_page_hides_leaves_the_address_quietly_and_comes_back_with_its_value():
    key = {name: widget_key("demo", name) for name in ("show", "radius")}
    at = AppTest.from_function(hiding_page, default_timeout=TIMEOUT).run()
    at.slider(key=key["radius"]).set_value(1.2).run()
    assert dict(at.query_params) == {"radius": "1.2"}
    at.toggle(key=key["show"]).set_value(False).run()
    assert dict(at.query_params) == {"show": "false"}
    assert not at.info, [i.value for i in at.info]  # the page's own control, not a link's unknown setting
    at.toggle(key=key["show"]).set_value(True).run()
    assert at.slider(key=key["radius"]).value == 1.2 and dict(at.query_params) == {"radius": "1.2"}
