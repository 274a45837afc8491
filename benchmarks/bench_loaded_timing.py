"""Live timings on a loaded machine: do the Slow training and Parallelization pages stay honest?

    python benchmarks/bench_loaded_timing.py               # 2 CPU burners beside the pages, 3 runs each
    python benchmarks/bench_loaded_timing.py --burners 0   # the same on the machine as it is

Starts ``--burners`` processes that spin a CPU each; for each run, opens the Slow training and Parallelization
default views in a fresh AppTest session (empty cache), then again pressing their timing button ("Time longer
sequences"; "Measure up to T = 1024"), and reads what the page printed beside its timings: either
the measured numbers (then they must be sane: a positive cost per step and no remedy slower than its loop, as the
page's own verdict requires) or the "too busy to measure" message over the shipped reference. It also runs the two
measurements directly and reports each verdict with its widest spread. A contradiction (a number printed that its
own check rejects) makes the script exit with status 1. The burners are stopped at the end, whatever happens.
"""
from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]
import streamlit as st  # noqa: E402
from apptest.conftest import keys, open_page  # noqa: E402

from rnncore.experiments import parallelism as par  # noqa: E402
from rnncore.experiments import step_cost as cost  # noqa: E402
from rnncore.experiments import timing  # noqa: E402

BURN = "import time\nend = time.time() + {seconds}\nwhile time.time() < end: pass"


def burners(n: int, seconds: float) -> list[subprocess.Popen]:
    """n processes that each keep one CPU busy for at most ``seconds``."""
    return [subprocess.Popen([sys.executable, "-c", BURN.format(seconds=seconds)]) for _ in range(n)]


def contradictions(page: str, at) -> list[str]:
    """What a page printed beside live numbers that contradicts itself: a negative cost per step or fixed cost, a
    line with a low R², a remedy whose printed speedup range lies at or below 1x."""
    out = []
    if page.endswith("slow_training.py"):
        m = {x.label: x.value for x in at.metric}
        for label in ("Cost of one more time step", "Fixed cost of a step"):
            if m.get(label, "").startswith("-"):
                out.append(f"{label} {m[label]}")
        if float(m.get("Straight-line fit, R²", "1")) < cost.MIN_R2:
            out.append(f"R² {m['Straight-line fit, R²']}")
    else:
        text = " ".join(x.value for x in at.markdown)
        for label in ("input projection precomputed", "B sequences batched (per sequence)"):
            found = re.search(re.escape(label) + r" ([\d.]+)× \(interquartile range ([\d.]+)–([\d.]+)×\)", text)
            if found and float(found.group(2)) <= 1:
                out.append(f"{label} {found.group(0)}")
    return out


#: The timing button each page view presses after its default view (None: the default view only).
BUTTONS = {"app/pages/slow_training.py": ({}, "go-cost"), "app/pages/parallelism.py": ({"T_max": "1024"}, "go-measure")}


def page_view(page: str, button: bool = False) -> tuple[str, str, list[str]]:
    """Open a page's default view in a fresh session (and press its timing button if ``button``): ("measured" |
    "too busy" | "exception", what it printed beside the timing, the contradictions in what it printed)."""
    st.cache_data.clear()
    query, key = BUTTONS[page]
    at = open_page(page, query=query if button else None, timeout=300)
    if button and not at.exception:
        at.button(key=keys(page)(key)).click().run(timeout=300)
    if at.exception:
        return "exception", at.exception[0].value[:200], ["the page raised"]
    busy = [w.value for w in at.warning if "too busy" in w.value]
    kind = "too busy" if busy else "measured"
    if busy:
        said = busy[0][:160]
    elif page.endswith("slow_training.py"):
        said = "cost of one more time step " + {m.label: m.value for m in at.metric}["Cost of one more time step"]
    else:
        text = " ".join(m.value for m in at.markdown)
        said = text[text.find("At T = "):][:160]
    return kind, said, contradictions(page, at)


def direct() -> list[tuple[str, timing.Verdict]]:
    """The two default measurements run directly, with their verdicts."""
    step = cost.step_cost(cost.CostConfig(), seed=0)
    para = par.run(par.Config(), seed=0)
    return [("step cost", step.verdict), ("parallelism", para.verdict)]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--burners", type=int, default=2, help="CPU-spinning processes beside the pages")
    ap.add_argument("--runs", type=int, default=3, help="fresh sessions per page")
    args = ap.parse_args()
    procs = burners(args.burners, seconds=600)
    bad = 0
    try:
        time.sleep(1.0)  # let the burners take their CPUs
        print(f"{args.burners} burner(s); load average {timing.load_average()}")
        for run in range(args.runs):
            for page in BUTTONS:
                for button in (False, True):
                    start = time.perf_counter()
                    kind, said, problems = page_view(page, button)
                    bad += len(problems)
                    name = Path(page).stem + (" +button" if button else "")
                    print(f"run {run + 1} {name:22s} {time.perf_counter() - start:5.1f} s  {kind:9s} {said}"
                          + (f"  CONTRADICTION: {problems}" if problems else ""))
            for name, v in direct():
                state = "trustworthy" if v.trustworthy else "too busy"
                print(f"run {run + 1} {name:14s} direct   {state:11s} widest spread {timing.percent(v.spread)}"
                      + ("" if v.trustworthy else f"; {v.reasons[0]}"))
    finally:
        for p in procs:
            p.kill()
            p.wait()
    print("contradictions:", bad)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
