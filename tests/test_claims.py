"""The fact-check table: one row per code sample of the article, each pointing at a declared page."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from app import nav
from rnncore.experiments.claims import VERDICTS, claims

ARTICLE = Path(__file__).resolve().parents[2] / "shared" / "article" / "article.txt"
PRINTED = Path(__file__).resolve().parent / "data" / "article_printed.json"


def test_one_row_per_sample_with_a_known_verdict_and_a_declared_page():
    table = claims()
    assert len(table) == 7 and table["sample"].is_unique
    assert set(table["verdict"]) <= set(VERDICTS)
    declared = {spec.path for spec in nav.PAGES}
    assert set(table["page"]) <= declared
    assert not table.isna().any().any()


def _rounds_to(quoted: str, printed: float) -> bool:
    """Whether ``printed`` shown with as many significant digits as ``quoted`` gives ``quoted``'s value."""
    mantissa = re.sub(r"[eE].*$", "", quoted).lstrip("-").replace(".", "").lstrip("0")
    digits = max(len(mantissa), 1)
    return float(f"{printed:.{digits}g}") == float(quoted)


def test_the_numbers_quoted_are_the_articles_printed_outputs():
    """Each number of the table is in its row and is the article's printed output, rounded as shown."""
    printed = json.loads(PRINTED.read_text())
    table = claims().set_index("sample")["article_prints"]
    checked = 0
    for sample, quotes in printed.items():
        if sample.startswith("_"):
            continue
        for quoted, line in quotes.items():
            assert quoted in table[sample], (sample, quoted)
            numbers = [float(x) for x in re.findall(r"-?\d+\.\d+(?:e[-+]\d+)?", line)]
            assert any(_rounds_to(quoted, x) for x in numbers), (sample, quoted, line)
            checked += 1
    assert checked >= 9


def test_the_quoted_output_lines_are_in_the_article():
    """The quoted outputs are the article's own lines (checked where the article sits beside the repository)."""
    if not ARTICLE.exists():
        pytest.skip("the source article is not beside the repository here")
    article = ARTICLE.read_text()
    printed = json.loads(PRINTED.read_text())
    for sample, quotes in printed.items():
        if not sample.startswith("_"):
            for line in quotes.values():
                assert line in article, (sample, line)


def test_rounding_check_can_fail():
    assert _rounds_to("1.09e-20", 1.0940408233891702e-20)
    assert not _rounds_to("1.10e-20", 1.0940408233891702e-20)
    assert not _rounds_to("0.26", 0.25079327364450564)
