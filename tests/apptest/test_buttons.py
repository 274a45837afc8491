"""No button is a no-op: on every page, at its default settings, each button changes something the visitor sees
(a new element, a message, a chart, new numbers). And the training buttons keep their word at the defaults: they say
the result on screen is the shipped one, show an estimate before the click, and ask first when it is over budget.

The page budget is set to 0 s here, so that every training button takes its confirm step (a visible change) instead of
retraining a shipped result for minutes; the page tests click through to the training itself with tiny settings.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from app import runs
from apptest.conftest import REPO, keys, open_page

PAGES = sorted(str(p.relative_to(REPO)) for p in (REPO / "app" / "pages").glob("[!_]*.py"))  # _template is no page
KINDS = ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "success", "exception",
         "metric", "code", "text")


def visible(at) -> list:
    """What a visitor sees, element by element: texts, numbers, buttons, tables (shape and content), charts."""
    seen = []
    for kind in KINDS:
        for el in getattr(at, kind):
            seen.append((kind, str(getattr(el, "value", "")), str(getattr(el, "label", ""))))
    seen += [("button", b.key, b.label) for b in at.button]
    seen += [("dataframe", hashlib.sha256(d.value.to_csv().encode()).hexdigest()) for d in at.dataframe]
    seen += [("chart", hashlib.sha256(c.proto.SerializeToString()).hexdigest()) for c in at.get("vega_lite_chart")]
    seen += [("progress", str(p.proto)) for p in at.get("progress")]
    return seen


@pytest.fixture
def no_budget(monkeypatch):
    monkeypatch.setattr(runs, "BUDGET", 0.0)


@pytest.fixture
def small_timings(monkeypatch):
    """The timing buttons of Slow training (not yet behind the budget) made quick, as its page test does."""
    from rnncore.experiments import slow_article
    from rnncore.experiments import slow_training as slow

    monkeypatch.setattr(slow, "LONG_LENGTHS", (5, 10, 20, 40, 80))
    monkeypatch.setattr(slow, "LONG_BUDGET", 0.05)
    monkeypatch.setattr(slow_article, "FULL_ARTICLE", slow_article.ArticleConfig(steps=50, article_samples=10,
                                                                                 n_test=100))


@pytest.mark.parametrize("page", PAGES, ids=[Path(p).stem for p in PAGES])
def test_every_button_at_the_defaults_changes_what_the_page_shows(page, no_budget, small_timings):
    at = open_page(page)
    assert not at.exception, [e.value for e in at.exception]
    for key in [b.key for b in at.button]:
        fresh = open_page(page)
        before = visible(fresh)
        fresh.button(key=key).click().run()
        assert not fresh.exception, (key, [e.value for e in fresh.exception])
        assert visible(fresh) != before, f"{page}: the button {key!r} changed nothing visible"


TRAINING = {"app/pages/long_term.py": ["run_article", "train", "recompute"], "app/pages/gated_cells.py": ["train"],
            "app/pages/clipping.py": ["train"], "app/pages/initialization.py": ["train"],
            "app/pages/sentiment.py": ["train"], "app/pages/forecasting.py": ["train"],
            "app/pages/attention.py": ["train", "measure"]}


@pytest.mark.parametrize("page", sorted(TRAINING), ids=[Path(p).stem for p in sorted(TRAINING)])
def test_at_the_defaults_training_buttons_say_the_run_is_shipped_and_estimate_before_the_click(page, no_budget):
    at = open_page(page)
    shown, key_of = [b.key for b in at.button], keys(page)
    for key in map(key_of, TRAINING[page]):
        assert key in shown, (page, key)
        assert at.button(key=key).label == "Recompute live", (page, key)
    captions = [c.value for c in at.caption]
    assert sum(c.startswith("Shown: the shipped run") for c in captions) == len(TRAINING[page])
    assert sum("on this machine now" in c for c in captions) == len(TRAINING[page])
    at.button(key=key_of(TRAINING[page][0])).click().run()
    assert any("over this page's budget" in w.value and "Start it?" in w.value for w in at.warning)
    assert "start" in " ".join(b.key for b in at.button)


def test_confirmed_recompute_of_a_shipped_point_shows_the_live_result(no_budget):
    at = open_page("app/pages/long_term.py", query={"sweep_task": "adding", "p_cell": "rnn", "p_T": "10"})
    key_of = keys("app/pages/long_term.py")
    at.button(key=key_of("recompute")).click().run()
    at.button(key=key_of("recompute-start")).click().run()
    assert not at.exception
    assert any("Bit for bit the same" in m.value for m in at.markdown)
    assert any(c.value.startswith("Shown: your live run of these settings") for c in at.caption)
