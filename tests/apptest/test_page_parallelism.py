"""Limited parallelization page: default view, controls, the measure-more button, bad links, the snippet."""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest
from helpers import assert_snippet_runs, reproduce_snippets

from apptest.conftest import assert_ran, keys, open_page
from rnncore.experiments import parallelism as par
from rnncore.experiments import reference_timings, timing
from rnncore.experiments.machine import machine_info

PAGE = "app/pages/parallelism.py"
K = keys(PAGE)  # widget keys of this page, by control name
SMALL = {"H": "16", "B": "4", "T_max": "128"}  # a quick view for the tests that are about controls, not timings


def _ok(at, n_charts=5):
    assert_ran(at, n_charts=n_charts)


@pytest.fixture
def quick(monkeypatch):
    """Tiny timing budgets: these tests are about the page's controls, not about the timings."""
    monkeypatch.setattr(par, "Config", functools.partial(par.Config, budget=0.02, scan_T=64, scan_widths=(1, 8),
                                                         scan_budget=0.01, article_rounds=3))
    monkeypatch.setattr(par, "ARTICLE_SIZE", (50, 10, 20))


@pytest.fixture
def tiny_thorough(monkeypatch):
    """The button's longer measurement, made quick."""
    monkeypatch.setattr(par, "THOROUGH_BUDGET_PER_T", 0.01)
    monkeypatch.setattr(par, "THOROUGH", {"scan_T": 64, "scan_widths": (1, 8), "scan_budget": 0.02,
                                          "article_rounds": 3})


def test_default_view_times_and_checks_the_article():
    at = open_page(PAGE)
    _ok(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["The article prints"] == "6.29×"
    assert float(metrics["Its logic, run here"].rstrip("×")) > 0
    text = " ".join(m.value for m in at.markdown)
    assert "At T = 512" in text and "attention does" in text
    # measured here, or (machine too busy) the shipped reference with its machine named
    assert any("Measured on this machine just now" in c.value or "Reference timings measured on" in c.value
               for c in at.caption)


def test_each_control_reruns_cleanly(quick):
    at = open_page(PAGE, query=SMALL)
    _ok(at)
    for key, value in [("H", 32), ("B", 1), ("T_max", 256)]:
        at.select_slider(key=K(key)).set_value(value).run()
        _ok(at)


def test_a_long_measurement_waits_for_the_button_then_runs(quick, tiny_thorough):
    at = open_page(PAGE, query={"H": "16", "B": "4", "T_max": "1024"})
    _ok(at, n_charts=1)  # only the depth chart, which needs no timing
    assert any("waits for you" in i.value for i in at.info)
    at.button(key=K("go-measure")).click().run()
    _ok(at)
    # measured up to 1024, or (machine too busy) said so over the shipped reference
    assert "At T = 1024" in " ".join(m.value for m in at.markdown) or any("too busy" in w.value for w in at.warning)


def test_bad_link_values_are_ignored_with_a_note(quick):
    at = open_page(PAGE, query={**SMALL, "T_max": "999", "B": "lots"})
    _ok(at)
    assert at.select_slider(key=K("T_max")).value == 512 and at.select_slider(key=K("B")).value == 32
    assert "not one of the choices" in " ".join(w.value for w in at.warning)


def test_the_reproduce_snippet_runs_for_the_settings_on_screen(quick):
    at = open_page(PAGE, query=SMALL)
    (snippet,) = reproduce_snippets(at)
    assert "hidden_size=16" in snippet and "lengths=(32, 128)" in snippet
    out = assert_snippet_runs(snippet)
    assert "article logic" in out and "against its 6.29x" in out


# ---- live timings: shown when they can be trusted, never cached when they cannot -------------------------------------

MODEL = {"loop": lambda T: 4e-6 * T, "precomputed": lambda T: 3e-6 * T, "batched": lambda T: 32 * 1e-6 * T,
         "linear_loop": lambda T: 1e-6 * T, "hillis_steele": lambda T: 5e-7 * T * math.log2(T),
         "blelloch": lambda T: 8e-7 * T, "attention": lambda T: 1e-6 * T + 2e-8 * T * T}


def _made_up(spread: float, *, slower_remedy: bool = False, seed: int = 0) -> par.Result:
    """A parallelism result analysed from made-up samples at the default view's settings (no clock at all)."""
    rng = np.random.default_rng(seed)
    cfg = par.Config()

    def t(seconds):
        return timing.Timing.from_samples(seconds * (1 + spread * rng.uniform(-1, 1, 7)))

    model = dict(MODEL, precomputed=lambda T: 9.5e-6 * T) if slower_remedy else MODEL
    raw = par.Raw({T: {m: t(f(T)) for m, f in model.items()} for T in cfg.lengths},
                  {W: {"linear_loop": t(1e-3), "hillis_steele": t(2e-4 * W), "blelloch": t(1e-4 * W)}
                   for W in cfg.scan_widths},
                  {"sequential": t(10e-3), "batch": t(10.5e-3)})
    return par.analyse(raw, cfg, machine=machine_info())


SANE = _made_up(0.02)
NOISY = _made_up(0.9, slower_remedy=True)  # the precomputed projection "0.42x" of the issue


@pytest.fixture
def fake_timer(monkeypatch):
    """The page's measurement replaced by a made-up result: ``fake.result`` chooses it, ``fake.calls`` counts."""
    class Fake:
        result, calls = SANE, 0

    def run(cfg, *, seed, callback=None):
        Fake.calls += 1
        return Fake.result

    monkeypatch.setattr(par, "run", run)
    return Fake


def _text(at) -> str:
    return " ".join(m.value for m in at.markdown)


def test_sane_timings_are_shown_with_sentences_made_from_them_and_cached(fake_timer):
    at = open_page(PAGE)
    _ok(at)
    text = _text(at)
    for sentence in (par.growth_sentence(SANE.timings), par.remedy_sentence(SANE.speedups),
                     par.attention_sentence(SANE.timings), par.article_sentence(SANE.article)):
        assert sentence in text
    assert par.scan_sentence(SANE.scan) in text
    assert {m.label: m.value for m in at.metric}["Its logic, run here"] == f"{SANE.article.ratio:.2f}×"
    assert any("Measured on this machine just now" in c.value for c in at.caption)
    _ok(open_page(PAGE))  # another visitor: served from the cache
    assert fake_timer.calls == 1


def test_noisy_timings_say_too_busy_show_the_reference_and_are_never_cached(fake_timer):
    fake_timer.result = NOISY
    assert not NOISY.verdict.trustworthy
    at = open_page(PAGE)
    _ok(at)
    (busy,) = [w.value for w in at.warning if "too busy" in w.value]
    assert "slower than the loop it improves on" in busy
    assert f"The widest spread of the repeated timings was {timing.percent(NOISY.verdict.spread)}" in busy
    assert par.remedy_sentence(NOISY.speedups) not in _text(at)
    ref = par.load_shipped()[0]
    assert any(reference_timings.reference_label(ref) in c.value for c in at.caption)
    assert par.remedy_sentence(ref.result.speedups) in _text(at)
    fake_timer.result = SANE
    _ok(open_page(PAGE))  # another visitor measures afresh: the noisy result was not cached
    assert fake_timer.calls == 2
    at.button(key=K("again-measure")).click().run()
    _ok(at)
    assert fake_timer.calls == 3 and not any("too busy" in w.value for w in at.warning)  # timed again
    assert par.remedy_sentence(SANE.speedups) in _text(at)
