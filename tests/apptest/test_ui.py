"""The page conventions of app.ui and app.controls, each on a tiny script run by AppTest (or called bare)."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys

import pandas as pd
import pytest
import streamlit as st
from helpers import reproduce_snippets
from streamlit.testing.v1 import AppTest

from app import caching, downloads, ui
from apptest.conftest import TIMEOUT


def run(script, query: dict | None = None) -> AppTest:
    at = AppTest.from_function(script, default_timeout=TIMEOUT)
    at.query_params.update(query or {})
    return at.run()


def test_article_box_shows_the_three_parts():
    def script():
        from app import ui
        ui.article_box(said="It said **1.09e-20**.", code_does="It prints 0.0.", measured="We measure 3e-5.")

    at = run(script)
    text = [m.value for m in at.markdown]
    assert not at.exception
    assert "**The article said / its code does / measured here**" in text
    for part in ("It said **1.09e-20**.", "It prints 0.0.", "We measure 3e-5."):
        assert part in text


def test_reproduce_shows_dedented_code_and_rejects_invalid_python():
    def script():
        from app import ui
        ui.reproduce("""
            import numpy as np
            print(np.arange(3))
        """)

    at = run(script)
    assert not at.exception
    assert reproduce_snippets(at) == ["import numpy as np\nprint(np.arange(3))"]

    def broken():
        from app import ui
        ui.reproduce("print(")

    at = run(broken)
    assert at.exception and "not valid Python" in at.exception[0].message


def test_download_buttons_get_unique_keys_and_safe_names():
    def script():
        import pandas as pd

        from app import ui
        frame = pd.DataFrame({"t": [0, 1], "loss": [0.5, 0.25]})
        ui.download_csv(frame, "loss curve")
        ui.download_csv(frame, "gradient/norms", label="Download the norms")

    at = run(script)
    assert not at.exception
    keys = [button.key for button in at.download_button]
    assert keys == ["download-loss-curve", "download-gradient-norms"]


def test_csv_download_defuses_spreadsheet_formulas():
    frame = pd.DataFrame({"text": ["=1+1", "+cmd", "-2", "@x", "fine"], "value": [-1.0, 2.0, 3.0, 4.0, 5.0]})
    safe = downloads._csv_safe(frame)
    assert safe["text"].tolist() == ["'=1+1", "'+cmd", "'-2", "'@x", "fine"]
    assert safe["value"].tolist() == frame["value"].tolist()  # numbers are left alone
    assert frame["text"][0] == "=1+1"  # the caller's frame is not modified


def test_show_run_problem_names_step_and_reason():
    def script():
        import streamlit as st

        from app import ui
        st.markdown(str(ui.show_run_problem(step=None, reason=None)))
        st.markdown(str(ui.show_run_problem(step=17, reason="loss is inf", total=200, what="Training")))

    at = run(script)
    assert [m.value for m in at.markdown] == ["False", "True"]
    assert len(at.warning) == 1
    assert "Training stopped at step 17 of 200: loss is inf" in at.warning[0].value


def test_global_seed_reads_the_sidebar_seed():
    def script():
        import streamlit as st

        from app import ui
        with st.sidebar:
            ui.seed_input()
        st.write(f"seed={ui.global_seed()}")

    at = run(script, {"seed": "31"})
    assert at.markdown[-1].value == "seed=31"
    at.sidebar.number_input(key="seed").set_value(5).run()
    assert at.markdown[-1].value == "seed=5"


# ---- caching -----------------------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Config:
    size: int = 3


@dataclasses.dataclass
class MutableConfig:
    size: int = 3


def test_cached_keys_on_config_seed_and_engine(monkeypatch):
    calls = []

    @ui.cached(max_entries=2)
    def measure(cfg: Config, seed: int) -> list[int]:
        calls.append((cfg.size, seed))
        return [cfg.size, seed]

    assert measure(Config(3), 0) == [3, 0]
    assert measure(Config(3), 0) == [3, 0]
    assert calls == [(3, 0)]  # a hit
    measure(Config(4), 0)
    measure(Config(3), 1)
    assert len(calls) == 3  # config and seed are in the key
    measure(Config(3), 0)
    assert len(calls) == 4  # max_entries=2 evicted the oldest
    monkeypatch.setattr(caching, "ENGINE", "another-engine")
    measure(Config(3), 1)
    assert len(calls) == 5  # a new engine is a new key
    measure.clear()


def test_two_cached_functions_never_share_entries():
    @ui.cached
    def first(seed: int) -> str:
        return f"first {seed}"

    @ui.cached
    def second(seed: int) -> str:
        return f"second {seed}"

    assert (first(1), second(1)) == ("first 1", "second 1")


def test_the_same_source_in_two_page_files_never_shares_entries():
    # every page runs as __main__: the same function text in two files must still be two caches
    source = "def measure(seed):\n    return exp(seed)\n"
    made = []
    for filename, exp in (("app/pages/a.py", lambda seed: f"a {seed}"), ("app/pages/b.py", lambda seed: f"b {seed}")):
        scope = {"exp": exp, "__name__": "__main__"}
        exec(compile(source, filename, "exec"), scope)  # noqa: S102 - the test's own constant source
        made.append(ui.cached(scope["measure"]))
    assert (made[0](1), made[1](1)) == ("a 1", "b 1")


def test_cached_refuses_a_mutable_config():
    @ui.cached
    def measure(cfg, seed: int) -> int:
        return seed

    with pytest.raises(ValueError, match="frozen=True"):
        measure(MutableConfig(), 0)


def test_engine_fingerprint_names_the_rnncore_version():
    import rnncore

    assert ui.ENGINE.startswith(rnncore.__version__ + "+")


def test_progress_inside_a_cached_function_survives_a_cache_hit():
    def script():
        import streamlit as st

        from app import ui

        @ui.cached
        def train(steps: int) -> int:
            with ui.progress("Training") as report:
                for step in range(steps):
                    report(step + 1, steps, {"loss": 1.0 / (step + 1)})
            return steps

        st.write(f"trained {train(200)}")

    at = run(script)
    assert not at.exception and at.markdown[-1].value == "trained 200"
    at.run()  # a cache hit replays the function's elements: a bar made outside would raise here
    assert not at.exception and at.markdown[-1].value == "trained 200"


def test_progress_updates_are_throttled(monkeypatch):
    updates = []

    class Bar:
        def progress(self, value, text=None):
            updates.append(value)

        def empty(self):
            updates.append("emptied")

    monkeypatch.setattr(st, "progress", lambda value, text=None: Bar())
    with ui.progress("Working", steps=10) as report:
        for done in range(1, 1001):
            report(done, 1000, {})
        report(0, 0, {})  # an empty run is not a division by zero
    assert updates[-1] == "emptied"
    assert 10 <= len(updates) - 1 <= 12
    assert updates[-3] == 1.0


# ---- URL-bound controls other than the seed ----------------------------------------------------------------------

def controls_script():
    import streamlit as st

    from app import ui
    st.write(repr((
        ui.slider("Radius", key="radius", min_value=0.5, max_value=1.5, value=0.9, step=0.05),
        ui.select("Cell", ["rnn", "lstm", "gru"], key="cell", value="rnn"),
        ui.select("Loss", ["mse", "bce"], key="loss", value="mse", radio=True),
        ui.select_slider("T", [10, 50, 100], key="T", value=50),
        ui.multiselect("Cells", ["rnn", "lstm", "gru"], key="cells", value=["rnn"]),
        ui.toggle("Clip", key="clip", value=False),
        ui.number("Hidden", key="hidden", min_value=1, max_value=64, value=8),
    )))


def test_good_url_values_set_every_control():
    at = run(controls_script, {"radius": "1.2", "cell": "gru", "loss": "bce", "T": "100", "cells": ["lstm", "gru"],
                               "clip": "true", "hidden": "16"})
    assert not at.exception and not at.warning
    assert at.markdown[-1].value == repr((1.2, "gru", "bce", 100, ["lstm", "gru"], True, 16))


def test_bad_url_values_are_clamped_or_ignored_with_notes():
    at = run(controls_script, {"radius": "9", "cell": "transformer", "loss": "", "T": "7", "cells": ["lstm", "cnn"],
                               "clip": "maybe", "hidden": "0.4"})
    assert not at.exception
    assert at.markdown[-1].value == repr((1.5, "rnn", "mse", 50, ["lstm"], False, 1))
    notes = " | ".join(w.value for w in at.warning)
    assert len(at.warning) == 7, notes
    for fragment in ("`9` for `radius`", "`transformer` for `cell`", "`7` for `T`", "`cnn` for `cells`",
                     "`maybe` for `clip`", "`0.4` for `hidden`"):
        assert fragment in notes


def test_a_default_outside_the_control_is_a_page_bug():
    def script():
        from app import ui
        ui.slider("T", key="T", min_value=1, max_value=10, value=20)

    at = run(script)
    assert at.exception and "outside [1, 10]" in at.exception[0].message


def test_plain_leaves_no_markdown_to_render():
    from app.ui import plain
    text = plain("[click](http://x.example) ![img](a.png) <b>x</b> `c` *em*\nnext")
    for raw in ("[click]", "](", "<b>", "`c`", "*em*", "\n"):
        assert raw not in text
    assert plain("a b 1 2") == "a b 1 2"


def test_vega_spec_has_no_row_limit_and_leaves_sizing_to_streamlit():
    import altair as alt
    import pandas as pd

    from app.ui import vega_spec
    frame = pd.DataFrame({"x": range(6000), "y": range(6000)})
    spec = vega_spec(alt.Chart(frame).mark_line().encode(x="x:Q", y="y:Q"))
    assert len(next(iter(spec["datasets"].values()))) == 6000
    assert "view" not in spec.get("config", {})


def test_a_numeric_choice_written_another_way_is_that_choice():
    def script():
        from app import ui
        st_value = ui.select_slider("Radius", [1.5, 2.0, 8.0], key="r", value=1.5)
        lr = ui.select("Learning rate", [0.001, 0.01, 0.1], key="lr", value=0.1)
        import streamlit as st
        st.write(f"r={st_value} lr={lr}")

    at = run(script, {"r": "8", "lr": "1e-2"})
    assert not at.exception and not at.warning
    assert at.select_slider(key="r").value == 8.0 and at.selectbox(key="lr").value == 0.01
    at = run(script, {"r": "7"})
    assert at.select_slider(key="r").value == 1.5 and "not one of the choices" in at.warning[0].value


def test_a_list_link_takes_numbers_written_another_way_and_drops_unknown_items():
    def script():
        from app import ui
        ui.multiselect("Radii", [0.8, 3.0, 8.0], key="radii", value=[0.8])

    at = run(script, {"radii": ["3", "8"]})
    assert not at.exception and not at.warning and at.multiselect(key="radii").value == [3.0, 8.0]
    at = run(script, {"radii": ["3", "nine"]})
    assert at.multiselect(key="radii").value == [3.0] and "not among the choices" in at.warning[0].value


def test_a_choice_named_by_its_own_name_or_in_another_case_is_that_choice():
    def script():
        from app import ui
        names = {"sine": "Noisy sine (the article's)", "upload": "Upload a CSV"}
        ui.select("Series", list(names), key="series", value="sine", format_func=names.get)
        ui.multiselect("Models", ["rnn", "lstm"], key="models", value=["rnn"], format_func=str.upper)

    at = run(script, {"series": "upload", "models": ["lstm", "Rnn"]})
    assert not at.exception and not at.warning
    assert at.selectbox(key="series").value == "upload" and at.multiselect(key="models").value == ["lstm", "rnn"]
    at = run(script, {"series": "upload a csv"})
    assert not at.warning and at.selectbox(key="series").value == "upload"
    at = run(script, {"series": "uploads"})
    assert at.selectbox(key="series").value == "sine" and "not one of the choices" in at.warning[0].value


def test_the_app_runs_blas_on_one_thread():
    """Sessions share one process: a multi-threaded BLAS would oversubscribe the cores (app/__init__.py)."""
    code = "import app, threadpoolctl; print(max(i['num_threads'] for i in threadpoolctl.threadpool_info()))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60,
                         env={**os.environ, "OPENBLAS_NUM_THREADS": "2", "OMP_NUM_THREADS": "2"})
    assert out.stdout.strip() == "1"
