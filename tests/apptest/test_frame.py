"""The frame: the navigation declares the planned pages, home renders, the sidebar seed works, odd links don't crash."""

from __future__ import annotations

import re

import pytest

from apptest.conftest import REPO, open_page
from app import nav
from app.ui import DEFAULT_SEED, MAX_SEED
from rnncore.experiments.claims import claims

PAGE_FILES = sorted(p.relative_to(REPO).as_posix() for p in (REPO / "app" / "pages").glob("*.py")
                    if not p.name.startswith("_"))


# ---- the navigation, declared once -------------------------------------------------------------------------------

def test_navigation_declares_each_page_once_with_a_material_icon():
    paths = [spec.path for spec in nav.PAGES]
    urls = [spec.url_path for spec in nav.PAGES]
    assert len(set(paths)) == len(paths), "a page file is declared twice"
    assert len(set(urls)) == len(urls), "two pages share a URL path"
    assert [spec.path for spec in nav.PAGES if spec.url_path == ""] == [nav.DEFAULT_PAGE]
    for spec in nav.PAGES:
        assert spec.path.startswith("app/pages/") and spec.path.endswith(".py"), spec
        assert re.fullmatch(r":material/[a-z0-9_]+:", spec.icon), spec
        assert re.fullmatch(r"[a-z0-9-]*", spec.url_path), spec
        assert spec.section in nav.SECTIONS, spec
        assert spec.title and spec.blurb, spec


def test_navigation_sections_come_in_their_declared_order():
    order = [nav.SECTIONS.index(spec.section) for spec in nav.PAGES]
    assert order == sorted(order)


def test_every_page_file_is_declared_in_the_navigation():
    declared = {spec.path for spec in nav.PAGES}
    assert set(PAGE_FILES) <= declared, f"app/pages/ holds undeclared pages: {sorted(set(PAGE_FILES) - declared)}"


def test_every_declared_page_file_exists():
    missing = [spec.path for spec in nav.PAGES if not (REPO / spec.path).is_file()]
    assert not missing, f"declared in app/nav.py but missing: {missing}"


# ---- home and the sidebar ----------------------------------------------------------------------------------------

def test_home_renders_without_exception():
    at = open_page()
    assert not at.exception
    assert at.title[0].value == "RNN Challenges Lab"
    text = " ".join(m.value for m in at.markdown)
    for claim in claims().itertuples():
        assert claim.sample in text and claim.article_prints in text


def test_home_links_every_page():
    at = open_page()
    linked = {element.proto.page for element in at.get("page_link")}  # the target's url_path
    assert linked == {spec.url_path for spec in nav.PAGES if spec.path != nav.DEFAULT_PAGE}


def test_sidebar_seed_defaults_and_changes():
    at = open_page()
    seed = at.sidebar.number_input(key="seed")
    assert seed.value == DEFAULT_SEED
    seed.set_value(42).run()
    assert not at.exception
    assert at.sidebar.number_input(key="seed").value == 42


@pytest.mark.parametrize(("raw", "expected", "note"), [
    ("abc", DEFAULT_SEED, "not a number"),
    ("", DEFAULT_SEED, "not a number"),
    ("nan", DEFAULT_SEED, "not a number"),
    ("-5", 0, "below the minimum"),
    ("99999999999999999999", MAX_SEED, "above the maximum"),
    ("1e400", DEFAULT_SEED, "not a number"),
    ("7.6", 8, "not a whole number"),
    ("`![x](http://example.invalid/a.png)`", DEFAULT_SEED, "not a number"),
])
def test_bad_url_seed_is_fixed_with_a_note_and_never_crashes(raw, expected, note):
    at = open_page(query={"seed": raw})
    assert not at.exception
    assert at.sidebar.number_input(key="seed").value == expected
    notes = [w.value for w in at.sidebar.warning]
    assert len(notes) == 1 and note in notes[0]
    assert "![" not in notes[0].replace("`", "") or notes[0].count("`") >= 2  # the raw text is inline code
    at.run()  # the note stays while the seed keeps the fixed value, and the rerun is clean
    assert not at.exception and at.sidebar.number_input(key="seed").value == expected
    assert len(at.sidebar.warning) == 1
    at.sidebar.number_input(key="seed").set_value(3).run()  # the user moves on: the note goes
    assert not at.sidebar.warning


def test_good_url_seed_is_used_without_a_note():
    at = open_page(query={"seed": "123"})
    assert not at.exception
    assert at.sidebar.number_input(key="seed").value == 123
    assert not at.sidebar.warning


def test_unknown_url_keys_are_dropped_with_a_note():
    at = open_page(query={"zzz": "1", "seed": "5"})
    assert not at.exception
    assert at.sidebar.number_input(key="seed").value == 5
    assert "zzz" not in at.query_params
    assert any("zzz" in info.value for info in at.info)
