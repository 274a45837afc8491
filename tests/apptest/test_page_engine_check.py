"""Engine check page: the live table passes, the controls rerun, torch parity on demand, versions, the snippet."""

from __future__ import annotations

import contextlib
import importlib.util
import io

import pytest

from apptest.conftest import assert_ran, charts, keys, open_page
from helpers import reproduce_snippets

PAGE = "app/pages/engine_check.py"
K = keys(PAGE)  # widget keys of this page, by control name


def _ok(at):
    assert_ran(at)


def test_default_view_passes_every_check_and_catches_the_injected_error():
    at = open_page(PAGE)
    _ok(at)
    metrics = {m.label: m.value for m in at.metric}
    passed, total = metrics["Gradients that pass"].split(" / ")
    assert passed == total and int(total) > 100
    assert metrics["Injected 0.1% error"] == "caught"
    assert len(charts(at)) == 1 and not at.error
    versions = at.dataframe[-1].value.set_index("package")["version"]
    assert {"python", "numpy", "pandas", "altair", "streamlit"} <= set(versions.index)


def test_each_control_reruns_cleanly_and_a_bad_step_is_a_message():
    at = open_page(PAGE, query={"k": "1"})
    _ok(at)
    at.select_slider(key=K("k")).set_value(3).run()
    _ok(at)
    assert not at.error  # k = 1 and k = 3 pass too
    at.select_slider(key=K("eps")).set_value(1e-8).run()  # rounding error dominates: some checks may fail
    _ok(at)
    assert len(charts(at)) == 1  # failing or not, the chart draws; failures are listed in an error box


@pytest.mark.slow  # imports torch: seconds
def test_torch_parity_on_demand():
    at = open_page(PAGE)
    at.toggle(key=K("torch")).set_value(True).run()
    _ok(at)
    if importlib.util.find_spec("torch") is None:
        assert any("not installed" in i.value for i in at.info)
    else:
        assert len(charts(at)) == 2
        assert any("Largest relative difference" in m.value for m in at.markdown)


def test_bad_link_values_are_ignored_with_a_note():
    at = open_page(PAGE, query={"k": "9", "torch": "maybe"})
    _ok(at)
    assert at.select_slider(key=K("k")).value == 2 and at.toggle(key=K("torch")).value is False
    notes = " ".join(w.value for w in at.warning)
    assert "not one of the choices" in notes and "use true or false" in notes


def test_the_reproduce_snippet_runs():
    at = open_page(PAGE)
    (snippet,) = reproduce_snippets(at)
    assert "torch" not in snippet.split("versions()")[1]  # torch only when asked for
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(snippet, "<reproduce>", "exec"), {})  # in-process: the snippet only imports rnncore
    assert "cell, full BPTT" in out.getvalue() and "False" in out.getvalue()
