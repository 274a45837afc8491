"""The shipped sweeps and demo runs behind the long-term and remedy pages, and the command that makes them.

    python -m rnncore.experiments.sweeps all                   # every sweep and demo, into rnncore/data/shipped_results/
    python -m rnncore.experiments.sweeps sweep_lag --resume    # one of them; --resume keeps the points made

Run it with one BLAS thread (``OPENBLAS_NUM_THREADS=1``): the results do not depend on it, the machine's other
users do. Each sweep writes ``<name>.csv`` (one row per point: every field of the run's
:class:`~rnncore.experiments.long_term.Config`, the seed, and the scores) and ``<name>.json`` (the settings, the
command, the versions and the wall time). A demo (a page's default view, precomputed) writes one CSV per frame,
``<name>_<frame>.csv``, and ``<name>.json`` with its config and seed.

A point is made by :func:`point_row`, and a page that recomputes a point live calls the same function: the same
config and seed give the same bits (the test suite regenerates one point and compares it with the shipped row).

Sweeps (the settings of the lag sweep are the reference ones: H 32, batch 64, Adam lr 1e-2, clip 1, 1,500 steps,
held-out batch of 1,000; success means held-out loss < 10% of the task's baseline):

- ``sweep_lag``:      RNN (tanh), LSTM, GRU on the adding problem at lags 10..200, seeds 0-2.
- ``sweep_lag_first``: the same on first-element recall (the article's task).
- ``sweep_clipping``: the IRNN (ReLU, W_h = I) on adding with plain SGD (lr 0.01, 500 steps), with and without
                      clipping by global norm 1, at lags 10..200, seeds 0-4: an exploding regime.
- ``sweep_init``:     the vanilla RNN on adding from five initializations (:mod:`initialization`), lags 10..200,
                      seeds 0-2.

Demos: ``demo_article`` (the long-term page's article loop), ``demo_gates`` (the gated-cells page's flow and runs;
also the long-term page's default training run), ``demo_clip`` (the clipping page's runs).
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import platform
import sys
import time
from functools import lru_cache
from pathlib import Path
from typing import Callable, NamedTuple

import numpy as np
import pandas as pd

import rnncore
from rnncore.experiments import clipping, gated_cells as remedies
from rnncore.experiments import initialization as init_schemes
from rnncore.experiments import long_term as lt

#: Where the shipped files live; RNNCORE_DATASETS points the readers elsewhere (e.g. a folder of quick test data).
DATA = Path(os.environ.get("RNNCORE_DATASETS") or Path(__file__).resolve().parent.parent / "data" / "shipped_results")
LAGS = (10, 25, 50, 100, 200)
CELLS = ("rnn", "lstm", "gru")
FIELDS = tuple(f.name for f in dataclasses.fields(lt.Config))
SCORES = ("test_loss", "baseline", "ratio", "success", "verdict", "stopped_at", "final_train_ratio",
          "max_grad_norm", "clip_events", "dh0_start", "dh0_end")
#: The columns that the same config and seed reproduce exactly (wall time is the only other column).
EXACT = ("seed",) + FIELDS + SCORES

REFERENCE = lt.Config(task="adding", cell="lstm", T=50, hidden=32, optimizer="adam", lr=1e-2, steps=1500, batch=64,
                      clip=1.0, test_size=1000)
CLIP_BASE = lt.Config(task="adding", cell="rnn", T=50, hidden=32, optimizer="sgd", lr=0.01, steps=500, batch=64,
                      clip=1.0, init="identity", nonlinearity="relu", test_size=1000)


class Sweep(NamedTuple):
    name: str
    about: str                                # one line for the JSON and the pages
    configs: Callable[[], list[lt.Config]]    # the points, without seeds
    seeds: tuple[int, ...]


SWEEPS: dict[str, Sweep] = {s.name: s for s in (
    Sweep("sweep_lag", "Success against lag: RNN, LSTM, GRU on the adding problem, reference settings.",
          lambda: [dataclasses.replace(REFERENCE, cell=cell, T=T) for cell in CELLS for T in LAGS], (0, 1, 2)),
    Sweep("sweep_lag_first", "Success against lag: RNN, LSTM, GRU on first-element recall, reference settings.",
          lambda: [dataclasses.replace(REFERENCE, task="first_element", cell=cell, T=T) for cell in CELLS
                   for T in LAGS], (0, 1, 2)),
    Sweep("sweep_clipping", "Clipping against lag: IRNN on adding with plain SGD, no clipping vs global norm 1.",
          lambda: [dataclasses.replace(CLIP_BASE, T=T, clip=clip) for T in LAGS for clip in (None, 1.0)],
          (0, 1, 2, 3, 4)),
    Sweep("sweep_init", "Initialization against lag: the vanilla RNN on adding from five initializations.",
          lambda: [init_schemes.scheme_config(c, radius=1.0, **_reference_fields(T=T))
                   for c in init_schemes.CHOICES for T in LAGS], (0, 1, 2)),
)}


def _reference_fields(**changes) -> dict:
    """The reference settings as keyword arguments, without the initialization fields."""
    fields = dataclasses.asdict(dataclasses.replace(REFERENCE, cell="rnn", **changes))
    return {k: v for k, v in fields.items() if k not in ("init", "nonlinearity", "spectral_radius")}


# ---- one point ---------------------------------------------------------------------------------------------------

def point_row(cfg: lt.Config, seed: int, *, callback: Callable[[int, int, dict], None] | None = None) -> dict:
    """Train one point and score it: the row of a sweep's CSV. The sweep and the pages both call this.

    Returns:
        dict with every field of ``cfg``, the seed, the scores of :data:`SCORES`, and ``seconds`` (wall time).
        ``final_train_ratio`` is the mean training loss / baseline over the last 100 steps; ``dh0_start`` and
        ``dh0_end`` are the mean ||dL/dh_0|| over the first and the last 100 steps.
    """
    start = time.perf_counter()
    result = lt.run(cfg, seed, callback=callback)
    frame = result.frame
    tail = frame["ratio"].to_numpy()[-min(100, len(frame)):]
    return {
        **dataclasses.asdict(cfg), "seed": int(seed), "test_loss": result.test_loss, "baseline": result.baseline,
        "ratio": result.ratio, "success": bool(result.ratio < lt.SOLVED), "verdict": result.verdict,
        "stopped_at": -1 if result.stopped_at is None else int(result.stopped_at),
        "final_train_ratio": float(tail.mean()) if len(tail) else math.nan,
        "max_grad_norm": float(frame["grad_norm"].max()) if len(frame) else math.nan,
        "clip_events": int(frame["clipped"].sum()),
        "dh0_start": float(frame["dh0_norm"].to_numpy()[:100].mean()) if len(frame) else math.nan,
        "dh0_end": float(frame["dh0_norm"].to_numpy()[-100:].mean()) if len(frame) else math.nan,
        "seconds": time.perf_counter() - start,
    }


def config_of(row) -> lt.Config:
    """The run config stored in a CSV row (a Series or a dict): NaN becomes None, whole numbers become ints."""
    values = {}
    for name in FIELDS:
        v = row[name]
        if isinstance(v, float) and math.isnan(v):
            v = None
        elif isinstance(v, (np.integer, np.floating, np.bool_)):
            v = v.item()
        values[name] = v
    for name in ("T", "hidden", "steps", "batch", "test_size"):
        values[name] = int(values[name])
    return lt.Config(**values)


def same_point(a, b) -> bool:
    """Whether two rows (dicts or Series, fresh or read from a CSV) hold the same point with the same bits, in every
    column but the wall time."""
    def equal(x, y) -> bool:
        both_nan = isinstance(x, float) and isinstance(y, float) and math.isnan(x) and math.isnan(y)
        return both_nan or x == y

    return (config_of(a) == config_of(b) and int(a["seed"]) == int(b["seed"])
            and all(equal(_plain_value(a[k]), _plain_value(b[k])) for k in SCORES))


def _plain_value(v):
    return v.item() if isinstance(v, (np.integer, np.floating, np.bool_)) else v


def find(frame: pd.DataFrame, cfg: lt.Config, seed: int) -> pd.Series | None:
    """The row of ``frame`` made from ``cfg`` and ``seed``, or None."""
    for _, row in frame[frame["seed"] == seed].iterrows():
        if config_of(row) == cfg:
            return row
    return None


# ---- reading the shipped data ------------------------------------------------------------------------------------

class Shipped(NamedTuple):
    frame: object         # the CSV as a DataFrame (a sweep), or {frame name: DataFrame} (a demo)
    settings: dict        # the JSON


@lru_cache(maxsize=16)
def _read(name: str, root: str) -> Shipped:
    base = Path(root)
    settings = json.loads((base / f"{name}.json").read_text())
    if "frames" in settings:
        return Shipped({key: pd.read_csv(base / f"{name}_{key}.csv") for key in settings["frames"]}, settings)
    return Shipped(pd.read_csv(base / f"{name}.csv"), settings)


def load(name: str, root: Path = DATA) -> Shipped:
    """A shipped sweep or demo (its CSV(s) and settings); a copy, safe to modify.

    Raises:
        ValueError: no such shipped file; make it with ``python -m rnncore.experiments.sweeps <name>``.
    """
    if not (Path(root) / f"{name}.json").is_file():
        raise ValueError(f"no shipped data named {name!r} in {root}; "
                         f"make it with `python -m rnncore.experiments.sweeps {name}`")
    shipped = _read(name, str(root))
    frame = ({k: v.copy() for k, v in shipped.frame.items()} if isinstance(shipped.frame, dict)
             else shipped.frame.copy())
    return Shipped(frame, json.loads(json.dumps(shipped.settings)))


def lag_sweeps(root: Path = DATA) -> pd.DataFrame:
    """Both shipped success-against-lag sweeps (adding, first-element recall) in one frame."""
    return pd.concat([load("sweep_lag", root).frame, load("sweep_lag_first", root).frame], ignore_index=True)


# ---- demos: the default view of a page, precomputed ----------------------------------------------------------------

class Demo(NamedTuple):
    name: str
    config: object   # the frozen config dataclass of the page's experiment
    seed: int
    make: Callable   # (config, seed, callback) -> {frame name: DataFrame}, written to <demo name>_<frame name>.csv


def _gates(cfg, seed, callback):
    r = remedies.gate_flow(cfg, seed, callback=callback)
    return {"flow": r.flow, "runs": r.runs, "curves": r.curves}


def _clip(cfg, seed, callback):
    r = clipping.compare(cfg, seed, callback=callback)
    return {"curves": r.curves, "runs": r.runs}


def _article(cfg, seed, callback):
    r = lt.article_experiment(cfg, seed, callback=callback)
    return {"losses": r.frame, "summary": r.summary}


DEMOS: dict[str, Demo] = {d.name: d for d in (
    Demo("demo_article", lt.ArticleConfig(), 0, _article),
    Demo("demo_gates", remedies.GateConfig(), 0, _gates),
    Demo("demo_clip", clipping.ClipConfig(), 0, _clip),
)}


def _plain(config) -> dict:
    """A config as JSON-able plain data (tuples become lists, as they do in the JSON file)."""
    return json.loads(json.dumps(dataclasses.asdict(config)))


def make_demo(name: str, config, seed: int, *, callback=None) -> dict[str, pd.DataFrame]:
    """Compute a demo's frames live for any config and seed (the shipped ones come from this function too)."""
    return DEMOS[name].make(config, seed, callback)


def shipped_demo(name: str, config, seed: int, root: Path = DATA) -> dict[str, pd.DataFrame] | None:
    """The shipped frames of demo ``name`` if they were made from exactly ``config`` and ``seed``, else None."""
    try:
        shipped = load(name, root)
    except ValueError:
        return None
    if shipped.settings.get("seed") != seed or shipped.settings.get("config") != _plain(config):
        return None
    return shipped.frame


# ---- the command ------------------------------------------------------------------------------------------------

def _provenance(argv: list[str]) -> dict:
    return {"command": "python -m rnncore.experiments.sweeps " + " ".join(argv), "rnncore": rnncore.__version__,
            "numpy": np.__version__, "pandas": pd.__version__, "python": platform.python_version(),
            "machine": platform.machine(), "blas_threads": os.environ.get("OPENBLAS_NUM_THREADS", "unset"),
            "made": time.strftime("%Y-%m-%d %H:%M:%S %Z")}


def _write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=1) + "\n")


def run_sweep(sweep: Sweep, out: Path, argv: list[str], *, resume: bool, log=print) -> pd.DataFrame:
    """Make every point of ``sweep`` (skipping those already in ``<out>/<name>.csv`` when resuming)."""
    csv, rows = out / f"{sweep.name}.csv", []
    if resume and csv.is_file():
        rows = pd.read_csv(csv).to_dict("records")
    done = {(r["seed"], config_of(r)) for r in rows}
    points = [(cfg, seed) for cfg in sweep.configs() for seed in sweep.seeds]
    start = time.perf_counter()
    for k, (cfg, seed) in enumerate(points, 1):
        if (seed, cfg) in done:
            continue
        row = point_row(cfg, seed)
        rows.append(row)
        pd.DataFrame(rows).to_csv(csv, index=False)  # after every point: a stopped run loses one point at most
        log(f"[{sweep.name} {k}/{len(points)}] {cfg.task} {cfg.cell} T={cfg.T} init={cfg.init} clip={cfg.clip} "
            f"seed={seed}: ratio {row['ratio']:.4g} ({row['seconds']:.0f} s)")
    order = {(seed, cfg): i for i, (cfg, seed) in enumerate(points)}
    frame = pd.DataFrame(rows)
    frame = frame.iloc[sorted(range(len(frame)), key=lambda i: order.get((frame["seed"].iloc[i],
                                                                         config_of(frame.iloc[i])), -1))]
    frame.to_csv(csv, index=False)
    _write_json(out / f"{sweep.name}.json", {
        "name": sweep.name, "about": sweep.about, "seeds": list(sweep.seeds), "points": len(points),
        "configs": [dataclasses.asdict(c) for c in sweep.configs()], "success": f"ratio < {lt.SOLVED}",
        "columns": list(frame.columns), "seconds_this_run": round(time.perf_counter() - start, 1),
        **_provenance(argv)})
    return frame


def run_demo(demo: Demo, out: Path, argv: list[str], *, log=print) -> None:
    """Make a demo's frames from its default config and seed."""
    start = time.perf_counter()
    frames = make_demo(demo.name, demo.config, demo.seed)
    for key, frame in frames.items():
        frame.to_csv(out / f"{demo.name}_{key}.csv", index=False)
    seconds = round(time.perf_counter() - start, 1)
    _write_json(out / f"{demo.name}.json", {"name": demo.name, "seed": demo.seed, "config": _plain(demo.config),
                                             "frames": list(frames), "seconds": seconds, **_provenance(argv)})
    log(f"[{demo.name}] {', '.join(frames)} ({seconds} s)")


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    names = ["all", *SWEEPS, *DEMOS]
    parser = argparse.ArgumentParser(prog="python -m rnncore.experiments.sweeps", description=__doc__.split("\n")[0])
    parser.add_argument("what", nargs="+", choices=names, help="which sweeps or demos to make ('all': every one)")
    parser.add_argument("--out", type=Path, default=DATA, help=f"output folder (default {DATA})")
    parser.add_argument("--resume", action="store_true", help="keep the points already in the CSV of a sweep")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    chosen = list(dict.fromkeys(n for w in args.what for n in ([*SWEEPS, *DEMOS] if w == "all" else [w])))
    for name in chosen:
        if name in DEMOS:
            run_demo(DEMOS[name], args.out, argv)
        else:
            run_sweep(SWEEPS[name], args.out, argv, resume=args.resume)


if __name__ == "__main__":
    main()
