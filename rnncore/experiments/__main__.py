"""One command remakes every shipped result: ``python -m rnncore.experiments make NAME [NAME ...]``.

    python -m rnncore.experiments list                      # what can be made, where it goes, about how long
    python -m rnncore.experiments make sentiment            # one result
    python -m rnncore.experiments make all                  # every one, in the order listed
    python -m rnncore.experiments make sweeps -- sweep_lag --resume   # arguments after -- go to that maker

The reference timings (``step_cost``, ``parallelism``) keep nothing measured on a busy machine: their makers refuse
to write unless the timings pass their own checks (``-- --force`` writes anyway).

Run it with one BLAS thread (``OPENBLAS_NUM_THREADS=1``) on a quiet machine. Each maker writes its files through
:mod:`rnncore.data.shipped`, which records the command, the engine version and the settings that made them; a page
shows a shipped result only for exactly those settings.
"""
from __future__ import annotations

import argparse
import importlib
import sys
import time
from typing import NamedTuple


class Maker(NamedTuple):
    """One entry of the registry: which function of which experiment module makes which files."""

    module: str      # e.g. "rnncore.experiments.sentiment"
    function: str    # called with no arguments, or with the arguments after "--" where ``takes_argv``
    files: str       # what it writes in rnncore/data/shipped_results/
    about: str       # how long it takes on a quiet 2-core machine
    takes_argv: bool = False
    default_argv: tuple[str, ...] = ()  # what a maker that takes arguments gets when none follow "--"


#: Every shipped result, by name. Imported by name when made, so listing them loads nothing.
REGISTRY: dict[str, Maker] = {
    "sentiment": Maker("rnncore.experiments.sentiment", "write_shipped", "sentiment_pretrained.json", "30 s"),
    "forecasting": Maker("rnncore.experiments.forecasting", "write_shipped", "forecasting_pretrained.json", "10 s"),
    "attention": Maker("rnncore.experiments.attention", "main", "attention.json", "1 min"),
    "step_cost": Maker("rnncore.experiments.step_cost", "main", "timing_step_cost.json (Slow training)", "10 s",
                       takes_argv=True),
    "parallelism": Maker("rnncore.experiments.parallelism", "main", "timing_parallelism.json", "1 min",
                         takes_argv=True),
    "sweeps": Maker("rnncore.experiments.sweep_runner", "main", "sweep_*.csv/json, demo_*.csv/json (long-term, remedies)",
                    "hours; resumable", takes_argv=True, default_argv=("all",)),
}


def make(name: str, argv: list[str] | None = None) -> None:
    """Run the maker of ``name`` (a key of :data:`REGISTRY`)."""
    maker = REGISTRY[name]
    function = getattr(importlib.import_module(maker.module), maker.function)
    start = time.perf_counter()
    function(list(argv if argv is not None else maker.default_argv)) if maker.takes_argv else function()
    print(f"[{name}] done in {time.perf_counter() - start:.0f} s", flush=True)


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else list(argv)
    extra = argv[argv.index("--") + 1:] if "--" in argv else None
    argv = argv[:argv.index("--")] if "--" in argv else argv
    parser = argparse.ArgumentParser(prog="python -m rnncore.experiments", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="list what can be made")
    make_parser = sub.add_parser("make", help="remake shipped results")
    make_parser.add_argument("names", nargs="+", choices=["all", *REGISTRY])
    args = parser.parse_args(argv)
    if args.command == "list":
        width = max(map(len, REGISTRY))
        for name, maker in REGISTRY.items():
            print(f"{name:<{width}}  {maker.about:<18}  {maker.files}")
        return
    names = list(REGISTRY) if "all" in args.names else list(dict.fromkeys(args.names))
    for name in names:
        make(name, extra if REGISTRY[name].takes_argv else None)


if __name__ == "__main__":
    main()
