"""The page toolkit, one import for every page (``from app import ui``): the helpers each page uses for its shared
pieces, one per chore, re-exported from the module that owns the chore:

- :mod:`app.controls`: controls kept in the address bar, and every widget key (:func:`key`);
- :mod:`app.caching`: cached experiment calls and progress bars;
- :mod:`app.drawing`: charts, cached by what they draw, each with its caption;
- :mod:`app.downloads`: CSV downloads of the data behind a chart;
- :mod:`app.conventions`: the article box, the reproduce snippet, a stopped run, the sidebar seed, inert user text;
- :mod:`app.runs` (imported by the pages that train or time): run on click, with an estimate, and remember it.

A whole page that runs, to copy: ``app/pages/_template.py`` (``tests/apptest/test_template.py`` runs it).

Rules the helpers enforce or assume:
- Every control goes through :mod:`app.controls` (re-exported here): it is kept in the address bar under its name,
  its widget key lives in the page's own namespace, and a bad link value is clamped or ignored with a note. Every
  other widget key a page makes goes through :func:`key`. The name ``seed`` belongs to the sidebar; read it with
  :func:`global_seed`.
- Every experiment call goes through :func:`cached`: ``st.cache_data`` with bounded ``max_entries``, keyed by the
  function's own source and file, its arguments (a frozen config dataclass, hashed field by field, and the seed)
  and the engine fingerprint :data:`ENGINE`. ``st.cache_data`` does not see edits to the modules a function calls,
  hence the fingerprint. Results come back as pickled copies, so arrays and DataFrames are safe to modify.
- Progress: make the bar inside the cached function (:func:`progress`). A bar made outside and updated inside works
  on the first call and raises ``CacheReplayClosureError`` on a cache hit.
- Every chart goes through :func:`chart`: a builder of ``rnncore.charts`` and its arguments, cached by what it draws,
  with a one-line caption under it.
- No user text reaches ``unsafe_allow_html``; these helpers use plain markdown only.
"""

from __future__ import annotations

from app.caching import ENGINE, cached, progress
from app.controls import (key, multiselect, number, report_unknown_params, select, select_slider, slider, start_page,
                          text, toggle)
from app.conventions import (DEFAULT_SEED, MAX_SEED, SEED_KEY, article_box, global_seed, literal, plain,
                             reproduce, seed_input, show_run_problem)
from app.downloads import download_csv
from app.drawing import chart, chart_key, vega_spec

__all__ = [
    "DEFAULT_SEED", "ENGINE", "MAX_SEED", "SEED_KEY", "article_box", "cached", "chart", "chart_key", "download_csv",
    "global_seed", "key", "literal", "multiselect", "number", "plain", "progress", "report_unknown_params",
    "reproduce", "seed_input", "select", "select_slider", "show_run_problem", "slider", "start_page", "text", "toggle",
    "vega_spec",
]
