"""The command that makes the sweeps, calibrations and demos of :mod:`rnncore.experiments.sweeps`:

    python -m rnncore.experiments.sweeps all                  # every sweep (10 seeds a point), 2 worker processes
    python -m rnncore.experiments.sweeps sweep_lag --workers 1 # one sweep, one process
    python -m rnncore.experiments.sweeps sweep_lag --ship      # copy a finished sweep to the shipped results

Resumable: each finished point is appended to ``<out>/<name>.csv`` at once (:func:`run_sweep`), a rerun skips what
is there, and ``<name>.json`` says how far the sweep got; :func:`ship` copies a sweep to the shipped results only
when it is complete. Workers are spawned processes with one BLAS thread each.
"""
from __future__ import annotations

import argparse
import concurrent.futures as cf
import dataclasses
import io
import json
import multiprocessing
import os
import platform
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

import rnncore
from rnncore.experiments import scored_run, sweeps


def _provenance(argv: list[str]) -> dict:
    return {"command": "python -m rnncore.experiments.sweeps " + " ".join(argv), "rnncore": rnncore.__version__,
            "numpy": np.__version__, "pandas": pd.__version__, "python": platform.python_version(),
            "machine": platform.machine(), "blas_threads": 1, "made": time.strftime("%Y-%m-%d %H:%M:%S %Z")}


def _write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=1) + "\n")


def _one_blas_thread() -> None:
    """Worker initializer: one BLAS thread, whatever the library read from the environment at import."""
    from threadpoolctl import threadpool_limits
    global _LIMITS
    _LIMITS = threadpool_limits(1)


def _point(cfg: scored_run.Config, seed: int) -> dict:
    return sweeps.point_row(cfg, seed)


def _done_rows(csv: Path) -> list[dict]:
    """The rows already in a sweep's CSV; a last line cut short by a stop is dropped (its point is made again)."""
    if csv.is_file() and not csv.read_text().endswith("\n"):
        text = csv.read_text()
        csv.write_text(text[:text.rfind("\n") + 1])
    return read_run(csv).to_dict("records")


def read_run(csv: Path) -> pd.DataFrame:
    """The finished points of a sweep's CSV as it stands (a last line being written is left out; nothing is
    changed on disk, so it is safe beside a running sweep)."""
    text = csv.read_text() if csv.is_file() else ""
    text = text[:text.rfind("\n") + 1]
    return pd.read_csv(io.StringIO(text)) if text.count("\n") > 1 else pd.DataFrame()


def _append(csv: Path, row: dict) -> None:
    """One finished point, appended as one CSV line (the header first, if the file is new)."""
    line = pd.DataFrame([row]).to_csv(index=False, header=not csv.is_file() or csv.stat().st_size == 0)
    with open(csv, "a") as f:
        f.write(line)
        f.flush()
        os.fsync(f.fileno())


def sweep_settings(sweep: sweeps.Sweep) -> dict:
    """What defines a sweep (compared on resume: a changed definition is not mixed with old rows)."""
    return {"name": sweep.name, "about": sweep.about, "chosen": sweep.chosen, "seeds": list(sweep.seeds),
            "configs": [dataclasses.asdict(c) for c in sweep.configs()], "success": f"ratio < {scored_run.SOLVED}"}


def run_sweep(sweep: sweeps.Sweep, out: Path, argv: list[str], *, resume: bool = True, workers: int = 1,
              log=print) -> pd.DataFrame:
    """Make every point of ``sweep`` not yet in ``<out>/<name>.csv``, appending each to the file as it finishes.

    Args:
        resume: keep the points already made (False: start the file again).
        workers: processes (1: in this process).

    Returns:
        The sweep's rows so far; in the sweep's order once every point is made (the CSV is rewritten so).

    Raises:
        ValueError: the file was made by a sweep with other settings (start it elsewhere with ``--out``).
    """
    out.mkdir(parents=True, exist_ok=True)
    csv, meta = out / f"{sweep.name}.csv", out / f"{sweep.name}.json"
    settings = sweep_settings(sweep)
    if not resume:
        csv.unlink(missing_ok=True)
    elif meta.is_file() and csv.is_file():
        old = json.loads(meta.read_text())
        if old.get("configs") != settings["configs"] or old.get("seeds") != settings["seeds"]:
            raise ValueError(f"{csv} was made with other settings; move it away or run with --out elsewhere")
    rows = _done_rows(csv)
    done = {(int(r["seed"]), sweeps.config_of(r)) for r in rows}
    points = [(cfg, seed) for cfg in sweep.configs() for seed in sweep.seeds]
    todo = [(cfg, seed) for cfg, seed in points if (seed, cfg) not in done]
    start = time.perf_counter()

    def progress(complete: bool) -> None:
        made = pd.DataFrame(rows)
        _write_json(meta, {**settings, "points": len(points), "done": len(rows), "complete": complete,
                           "training_seconds": round(float(made["seconds"].sum()), 1) if len(made) else 0.0,
                           "columns": list(made.columns), **_provenance(argv)})

    progress(complete=not todo)
    log(f"[{sweep.name}] {len(points) - len(todo)}/{len(points)} points made, {len(todo)} to go, {workers} worker(s)")

    def finished(cfg: scored_run.Config, seed: int, row: dict) -> None:
        rows.append(row)
        _append(csv, row)
        n = len(rows)
        log(f"[{sweep.name} {n}/{len(points)}] {cfg.task} {cfg.cell} T={cfg.T} init={cfg.init} clip={cfg.clip} "
            f"lr={cfg.lr:g} seed={seed}: ratio {row['ratio']:.4g} ({row['seconds']:.1f} s; "
            f"{(time.perf_counter() - start) / 60:.1f} min this run)")
        if n % 10 == 0:
            progress(complete=False)

    if workers <= 1:
        from threadpoolctl import threadpool_limits
        with threadpool_limits(1):
            for cfg, seed in todo:
                finished(cfg, seed, sweeps.point_row(cfg, seed))
    elif todo:
        os.environ["OPENBLAS_NUM_THREADS"] = "1"  # read by a spawned worker's BLAS at import
        with cf.ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                    initializer=_one_blas_thread) as pool:
            futures = {pool.submit(_point, cfg, seed): (cfg, seed) for cfg, seed in todo}
            for future in cf.as_completed(futures):
                finished(*futures[future], future.result())
    frame = pd.DataFrame(rows)
    complete = len(rows) == len(points)
    if complete and len(frame):
        order = {(seed, cfg): i for i, (cfg, seed) in enumerate(points)}
        keys = [order[(int(r["seed"]), sweeps.config_of(r))] for r in rows]
        frame = frame.iloc[np.argsort(keys, kind="stable")].reset_index(drop=True)
        frame.to_csv(csv, index=False)
    progress(complete=complete)
    return frame


def ship(name: str, runs: Path, shipped: Path) -> None:
    """Copy a finished sweep from ``runs`` to ``shipped`` (the pages' data).

    Raises:
        ValueError: the sweep is not finished (half a sweep is never shipped).
    """
    meta = runs / f"{name}.json"
    settings = json.loads(meta.read_text()) if meta.is_file() else {}
    if not settings.get("complete"):
        raise ValueError(f"{name} is not finished in {runs} ({settings.get('done', 0)}/{settings.get('points', '?')}"
                         f" points): run `python -m rnncore.experiments.sweeps {name}` to finish it first")
    for suffix in (".csv", ".json"):
        shutil.copyfile(runs / f"{name}{suffix}", shipped / f"{name}{suffix}")
    sweeps.forget_loaded()


def run_demo(demo: sweeps.Demo, out: Path, argv: list[str], *, log=print) -> None:
    """Make a demo's frames from its default config and seed."""
    start = time.perf_counter()
    frames = sweeps.make_demo(demo.name, demo.config, demo.seed)
    for key, frame in frames.items():
        frame.to_csv(out / f"{demo.name}_{key}.csv", index=False)
    seconds = round(time.perf_counter() - start, 1)
    _write_json(out / f"{demo.name}.json", {"name": demo.name, "seed": demo.seed, "config": sweeps.plain(demo.config),
                                             "frames": list(frames), "seconds": seconds, **_provenance(argv)})
    log(f"[{demo.name}] {', '.join(frames)} ({seconds} s)")


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    everything = {**sweeps.SWEEPS, **sweeps.CALIBRATIONS}
    parser = argparse.ArgumentParser(prog="python -m rnncore.experiments.sweeps", description=__doc__.split("\n")[0])
    parser.add_argument("what", nargs="+", choices=["all", *everything, *sweeps.DEMOS],
                        help="which sweeps, calibrations or demos to make ('all': every sweep and demo)")
    parser.add_argument("--out", type=Path, default=None,
                        help=f"where sweeps run (default {sweeps.RUNS}); demos go to the shipped results "
                             f"({sweeps.DATA})")
    parser.add_argument("--workers", type=int, default=2, help="worker processes for the sweeps (default 2)")
    parser.add_argument("--seeds", type=int, default=None, help=f"seeds 0..N-1 per point (default {len(sweeps.SEEDS)})")
    parser.add_argument("--restart", action="store_true", help="start a sweep's file again instead of resuming it")
    parser.add_argument("--resume", action="store_true", help="(the default) keep the points already made")
    parser.add_argument("--ship", action="store_true", help="copy the named finished sweeps to the shipped results")
    args = parser.parse_args(argv)
    chosen = list(dict.fromkeys(n for w in args.what for n in ([*sweeps.SWEEPS, *sweeps.DEMOS] if w == "all" else [w])))
    runs = args.out or sweeps.RUNS
    if args.ship:  # sweeps only: demos are written to the shipped results directly
        for name in [n for n in chosen if n not in sweeps.DEMOS]:
            ship(name, runs, sweeps.DATA)
            print(f"[{name}] shipped to {sweeps.DATA}")
        return
    for name in chosen:
        if name in sweeps.DEMOS:
            (args.out or sweeps.DATA).mkdir(parents=True, exist_ok=True)
            run_demo(sweeps.DEMOS[name], args.out or sweeps.DATA, argv)
            continue
        sweep = everything[name]
        if args.seeds is not None:
            sweep = sweep._replace(seeds=tuple(range(args.seeds)))
        run_sweep(sweep, runs, argv, resume=not args.restart, workers=args.workers)
