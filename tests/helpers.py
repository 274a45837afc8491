"""Helpers shared by the chart, app and browser tests: import with ``from helpers import ...``.

- :func:`assert_valid_chart`: a chart builder's output is a valid Vega-Lite spec, and every encoded field has a title.
- :data:`PAGES_WITHOUT_CHARTS`: the pages that need not draw a chart (the smoke and browser tests use it).
- :func:`reproduce_snippets` and :func:`assert_snippet_runs`: the "Reproduce in Python" code of a page really runs.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import altair as alt

REPO = Path(__file__).resolve().parent.parent

#: Pages whose default view has no chart: every other page must draw at least one.
PAGES_WITHOUT_CHARTS = frozenset({"app/pages/home.py", "app/pages/engine_check.py"})

#: Channels whose field never shows as an axis, legend or tooltip, so needs no title.
_UNTITLED_CHANNELS = frozenset({"detail", "order", "key"})


def _untitled_fields(node: Any, where: str = "spec") -> Iterator[str]:
    """Yield the location of every encoded field that has no title, anywhere in a (layered, concatenated) spec."""
    if isinstance(node, list):
        for i, item in enumerate(node):
            yield from _untitled_fields(item, f"{where}[{i}]")
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if key == "encoding" and isinstance(value, dict):
            for channel, definition in value.items():
                if channel in _UNTITLED_CHANNELS:
                    continue
                for i, item in enumerate(definition if isinstance(definition, list) else [definition]):
                    if isinstance(item, dict) and "field" in item and not item.get("title"):
                        yield f"{where}.encoding.{channel}[{i}] (field {item['field']!r})"
        elif key != "datasets":  # inline data is not spec
            yield from _untitled_fields(value, f"{where}.{key}")


def assert_valid_chart(chart: alt.TopLevelMixin) -> dict:
    """Check a chart the way Streamlit will draw it, and return its spec.

    - ``to_dict()`` validates the spec against Altair's Vega-Lite schema (raises on an invalid spec);
    - every encoded field (x, y, color, tooltip, text, ...) has a non-empty title.
    Altair's 5,000-row limit is lifted here, as Streamlit lifts it.
    """
    assert isinstance(chart, alt.TopLevelMixin), f"expected an Altair chart, got {type(chart).__name__}"
    with alt.data_transformers.disable_max_rows():
        spec = chart.to_dict()
    missing = list(_untitled_fields(spec))
    assert not missing, "encoded fields without a title: " + "; ".join(missing)
    return spec


def reproduce_snippets(at: Any) -> list[str]:
    """The code in every "Reproduce in Python" expander of an AppTest run."""
    return [code.value for expander in at.expander if expander.label == "Reproduce in Python"
            for code in expander.code]


def assert_snippet_runs(code: str, *, timeout: float = 120.0) -> str:
    """Run a snippet in a fresh interpreter from the repository root, as a user would; return its stdout."""
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=timeout,
                          check=False)
    assert done.returncode == 0, f"snippet failed:\n{code}\n--- stderr ---\n{done.stderr[-3000:]}"
    return done.stdout
