"""Page render times: for each page, its default view cold (empty cache) and warm (cached), measured with AppTest.

    python benchmarks/bench_pages.py            # every built page, median of 3 runs each
    python benchmarks/bench_pages.py --runs 5 --page gradients --page basics

Cold: ``st.cache_data`` cleared, then the page's first run. Warm: the same page run again, its experiments cached.
Each time covers one script run of ``streamlit_app.py`` plus the page, as AppTest executes it (no browser, no
network); the app's modules are imported once before timing starts. Targets on the 2-core machine: cold <= 2 s,
warm <= 0.3 s.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import streamlit as st  # noqa: E402
from streamlit import config, logger  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from app import nav  # noqa: E402

COLD_TARGET, WARM_TARGET = 2.0, 0.3
TIMEOUT = 300.0


def time_page(spec: nav.PageSpec) -> tuple[float, float, str]:
    """One cold and one warm run of the page's default view; returns (cold s, warm s, problem or "")."""
    st.cache_data.clear()
    at = AppTest.from_file(str(REPO / "streamlit_app.py"), default_timeout=TIMEOUT)
    if spec.path == nav.DEFAULT_PAGE:
        start = time.perf_counter()
        at.run()
    else:
        at.run()  # home first, as AppTest needs one run before switching pages
        st.cache_data.clear()
        at.switch_page(spec.path)
        start = time.perf_counter()
        at.run()
    cold = time.perf_counter() - start
    start = time.perf_counter()
    at.run()
    warm = time.perf_counter() - start
    problem = "; ".join(e.message.splitlines()[0][:100] for e in at.exception)
    return cold, warm, problem


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per page; the median is reported")
    parser.add_argument("--page", action="append", default=[], help="url path to time (repeatable); default all")
    parser.add_argument("--verbose", action="store_true", help="keep Streamlit's log (tracebacks of failing pages)")
    args = parser.parse_args(argv)
    config.set_option("client.showErrorDetails", "full")  # the table names a failing page's error
    if not args.verbose:  # Streamlit's loggers each carry the configured level: set it, and for those that exist
        config.set_option("logger.level", "critical")
        logger.set_log_level("critical")
    specs = [s for s in nav.PAGES if not args.page or (s.url_path or "home") in args.page]
    time_page(nav.by_path(nav.DEFAULT_PAGE))  # imports and first-run costs, not any page's
    print(f"{'page':<34} {'cold s':>8} {'warm s':>8}   targets: cold <= {COLD_TARGET} s, warm <= {WARM_TARGET} s")
    for spec in specs:
        runs = [time_page(spec) for _ in range(args.runs)]
        cold = statistics.median(r[0] for r in runs)
        warm = statistics.median(r[1] for r in runs)
        verdict = "ok" if cold <= COLD_TARGET and warm <= WARM_TARGET else "SLOW"
        problem = next((r[2] for r in runs if r[2]), "")
        if problem:
            verdict = f"EXCEPTION: {problem}"
        print(f"{spec.title:<34} {cold:8.3f} {warm:8.3f}   {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
