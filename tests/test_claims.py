"""The fact-check table: one row per code sample of the article, each pointing at a declared page."""

from __future__ import annotations

import re
from pathlib import Path

from app import nav
from rnncore.experiments.claims import VERDICTS, claims

ARTICLE = Path(__file__).resolve().parents[2] / "shared" / "article" / "article.txt"


def test_one_row_per_sample_with_a_known_verdict_and_a_declared_page():
    table = claims()
    assert len(table) == 7 and table["sample"].is_unique
    assert set(table["verdict"]) <= set(VERDICTS)
    declared = {spec.path for spec in nav.PAGES}
    assert set(table["page"]) <= declared
    assert not table.isna().any().any()


def test_the_numbers_quoted_are_the_articles():
    text = claims()["article_prints"].str.cat(sep=" ")
    for number in ("1.09e-20", "2.01e+20", "0.25", "0.693", "27.64", "6.29", "0.23", "-0.18", "2.1e-4"):
        assert number in text
    if ARTICLE.exists():  # shared/ sits beside the repository on the developers' machines and in CI
        article = ARTICLE.read_text()
        for pattern in (r"1\.094\d*e-20", r"2\.009\d*e\+20", r"Training time: 27\.64", r"Speedup factor: 6\.29x",
                        r"Score: 0\.23", r"Score: -0\.18", r"0\.00021\d*"):
            assert re.search(pattern, article), pattern
