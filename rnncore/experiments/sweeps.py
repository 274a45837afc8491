"""The sweeps and demo runs behind the long-term and remedy pages, and the command that makes them.

    python -m rnncore.experiments.sweeps all                  # every sweep (10 seeds a point), 2 worker processes
    python -m rnncore.experiments.sweeps sweep_lag --workers 1 # one sweep, one process
    python -m rnncore.experiments.sweeps sweep_lag --ship      # copy a finished sweep to the shipped results

A sweep runs into ``rnncore/data/sweep_runs/`` (``--out`` to change it): each point (settings, seed) is appended to
``<name>.csv`` as one row the moment it finishes, so a stopped run loses only the points in flight, and running the
same command again skips every point already in the file: a sweep can be carried across sessions, and what is done
can be committed as it completes. ``<name>.json`` holds the settings, how they were chosen, the command, the versions,
and how far the sweep got. The pages read the shipped copies in ``rnncore/data/shipped_results/``; ``--ship`` copies a
sweep there only when every point is made (half a sweep is never shipped).

Each worker process runs with one BLAS thread (``OPENBLAS_NUM_THREADS=1`` and ``threadpoolctl``): the results do not
depend on it, the machine's other users do. A demo (a page's default view, precomputed) writes one CSV per frame,
``<name>_<frame>.csv``, and ``<name>.json`` with its config and seed, straight into the shipped results.

A point is made by :func:`point_row`, and a page that recomputes a point live calls the same function: the same
config and seed give the same bits (the test suite regenerates one point and compares it with the shipped row).

Sweeps (the reference settings: H 32, batch 64, Adam lr 1e-2, clip 1, 1,500 steps, held-out batch of 1,000; success
means held-out loss < 10% of the task's baseline), 10 seeds a point:

- ``sweep_lag``:       the tanh RNN, the LSTM (forget-gate bias 1, the standard choice; and bias 0, as a contrast)
                       and the GRU on the adding problem at lags 10..200.
- ``sweep_lag_first``: the same on first-element recall (the article's task).
- ``sweep_clipping``:  the setting of :data:`CLIP_BASE` (chosen by the calibration ``calib_clipping``), with and
                       without clipping by global norm, at lags 10..200.
- ``sweep_init``:      the vanilla RNN on adding from small, Xavier, orthogonal, Xavier at radius 1 (tanh, reference
                       settings), and the IRNN with ReLU from W_h = I, trained with those settings and as Le et al. 2015 train it
                       (``initialization.LE_TRAINING``, chosen by ``calib_irnn``).

Calibrations (short, 3 seeds; the sweeps' JSON says what was chosen from them): ``calib_clipping``, ``calib_irnn``.

Demos: ``demo_article`` (the long-term page's article loop), ``demo_gates`` (the gated-cells page's flow and runs;
also the long-term page's default training run), ``demo_clip`` (the clipping page's runs).
"""
from __future__ import annotations

import argparse
import concurrent.futures as cf
import dataclasses
import io
import json
import math
import multiprocessing
import os
import platform
import shutil
import sys
import time
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

import rnncore
from rnncore.experiments import clipping, scored_run
from rnncore.experiments import gated_cells as remedies
from rnncore.experiments import initialization as init_schemes
from rnncore.experiments import long_term as lt

#: Where the shipped files live; RNNCORE_DATASETS points the readers elsewhere (e.g. a folder of quick test data).
DATA = Path(os.environ.get("RNNCORE_DATASETS") or Path(__file__).resolve().parent.parent / "data" / "shipped_results")
#: Where sweeps run (and are resumed) before they are shipped.
RUNS = Path(__file__).resolve().parent.parent / "data" / "sweep_runs"
LAGS = (10, 25, 50, 100, 200)
CELLS = ("rnn", "lstm", "gru")
SEEDS = tuple(range(10))  # seeds per point of every sweep
FIELDS = tuple(f.name for f in dataclasses.fields(scored_run.Config))
SCORES = ("test_loss", "baseline", "ratio", "success", "verdict", "stopped_at", "final_train_ratio",
          "max_grad_norm", "clip_events", "dh0_start", "dh0_end")
#: The columns that the same config and seed reproduce exactly (wall time is the only other column).
EXACT = ("seed",) + FIELDS + SCORES

REFERENCE = scored_run.Config(task="adding", cell="lstm", T=50, hidden_size=32, optimizer="adam", lr=1e-2, steps=1500,
                              batch=64, clip=1.0, test_size=1000, forget_bias=1.0)
#: The models of the lag sweeps: (cell, LSTM forget-gate bias).
LAG_MODELS = (("rnn", 0.0), ("lstm", 1.0), ("lstm", 0.0), ("gru", 0.0))
#: The clipping sweep's run, with ``clip`` set per point (see ``calib_clipping`` and CLIP_CHOICE).
CLIP_BASE = scored_run.Config(task="adding", cell="rnn", T=50, hidden_size=32, optimizer="sgd", lr=0.1, steps=1500,
                              batch=64, clip=1.0, init="xavier", nonlinearity="tanh", test_size=1000, forget_bias=0.0)
CLIP_CHOICE = ("chosen by a short calibration, calib_clipping (plain SGD and SGD with momentum 0.9 at learning rates "
               "0.01, 0.03, 0.1, for the tanh RNN from Xavier and the IRNN; 3 seeds, 1,500 steps, T = 25): among "
               "the settings where clipped training learns (median held-out loss below half the baseline), the one "
               "where the most unclipped runs are thrown off (loss above 1.5 times the baseline, or not finite)")
#: How the IRNN of Le, Jaitly & Hinton 2015 was set up (initialization.LE_TRAINING).
IRNN_CHOICE = ("Le et al. 2015 train the IRNN with plain SGD, a learning rate and a clipping threshold found by "
               "search; calibrated by calib_irnn (SGD lr 1e-3, 3e-3, 1e-2 x clip 1, 10 at T = 25 and 50, 3 seeds, "
               "1,500 steps): the setting with the lowest median held-out loss / baseline")


class Sweep(NamedTuple):
    name: str
    about: str                                # one line for the JSON and the pages
    configs: Callable[[], list[scored_run.Config]]  # the points, without seeds
    seeds: tuple[int, ...]
    chosen: str = ""                          # how the settings were chosen (recorded in the JSON)


def _lag_configs(task: str) -> list[scored_run.Config]:
    return [dataclasses.replace(REFERENCE, task=task, cell=cell, forget_bias=bias, T=T)
            for cell, bias in LAG_MODELS for T in LAGS]


def _init_configs() -> list[scored_run.Config]:
    return [init_schemes.scheme_config(c, radius=1.0, **_reference_fields(T=T))
            for c in init_schemes.CHOICES for T in LAGS]


def _calib_clipping() -> list[scored_run.Config]:
    base = dataclasses.replace(CLIP_BASE, optimizer="sgd", lr=0.01)
    return [dataclasses.replace(base, init=init, nonlinearity=nl, optimizer=opt, lr=lr, T=T, clip=clip)
            for init, nl in (("xavier", "tanh"), ("identity", "relu")) for opt in ("sgd", "momentum")
            for lr in (0.01, 0.03, 0.1) for T in (25,) for clip in (None, 1.0)]


def _calib_irnn() -> list[scored_run.Config]:
    return [init_schemes.scheme_config("irnn", **{**_reference_fields(T=T), "optimizer": "sgd", "lr": lr,
                                                  "clip": clip})
            for lr in (1e-3, 3e-3, 1e-2) for clip in (1.0, 10.0) for T in (25, 50)]


SETTING = ("init", "nonlinearity", "optimizer", "lr")  # what the clipping calibration varies, besides the clip


def choose_clipping(calib: pd.DataFrame) -> pd.DataFrame:
    """The calibration's settings ranked by the rule of CLIP_CHOICE, best first.

    Per setting (init, nonlinearity, optimizer, lr): clipped training must learn (median held-out loss / baseline
    below 0.5); among those, the most unclipped runs thrown off (ratio > long_term.WORSE or not finite) come first,
    then the most clipped successes, then the smaller learning rate.

    Returns:
        the SETTING columns, thrown_none, success_clip, success_none, median_clip, learns; one row per setting.
    """
    frame = calib.assign(clipped=calib["clip"].notna(), thrown=clipping.thrown_off(calib["ratio"]))
    rows = []
    for key, group in frame.groupby(list(SETTING)):
        clip, none = group[group["clipped"]], group[~group["clipped"]]
        rows.append({**dict(zip(SETTING, key)), "thrown_none": int(none["thrown"].sum()),
                     "success_clip": int(clip["success"].sum()), "success_none": int(none["success"].sum()),
                     "median_clip": float(clip["ratio"].median())})
    table = pd.DataFrame(rows)
    table["learns"] = table["median_clip"] < 0.5
    return table.sort_values(["learns", "thrown_none", "success_clip", "lr"],
                             ascending=[False, False, False, True]).reset_index(drop=True)


def choose_irnn(calib: pd.DataFrame) -> pd.Series:
    """The IRNN calibration's (lr, clip) with the lowest median held-out loss / baseline over its lags and seeds."""
    return calib.groupby(["lr", "clip"])["ratio"].median().sort_values().index[0]


SWEEPS: dict[str, Sweep] = {s.name: s for s in (
    Sweep("sweep_lag", "Success against lag: tanh RNN, LSTM (forget-gate bias 1, and 0 as a contrast), GRU on the "
          "adding problem, reference settings.", lambda: _lag_configs("adding"), SEEDS),
    Sweep("sweep_lag_first", "Success against lag: tanh RNN, LSTM (forget-gate bias 1, and 0 as a contrast), GRU "
          "on first-element recall, reference settings.", lambda: _lag_configs("first_element"), SEEDS),
    Sweep("sweep_clipping", "Clipping against lag: the same run with and without clipping by global norm 1.",
          lambda: [dataclasses.replace(CLIP_BASE, T=T, clip=clip) for T in LAGS for clip in (None, 1.0)], SEEDS,
          CLIP_CHOICE),
    Sweep("sweep_init", "Initialization against lag: the vanilla RNN on adding from five initializations, and the "
          "IRNN trained as Le et al. 2015 train it.", _init_configs, SEEDS, IRNN_CHOICE),
)}
CALIBRATIONS: dict[str, Sweep] = {s.name: s for s in (
    Sweep("calib_clipping", "Calibration of the clipping sweep: where unclipped training is thrown off and clipped "
          "training learns.", _calib_clipping, (0, 1, 2)),
    Sweep("calib_irnn", "Calibration of the IRNN's SGD learning rate and clipping threshold.", _calib_irnn,
          (0, 1, 2)),
)}


def _reference_fields(**changes) -> dict:
    """The reference settings of the vanilla RNN as keyword arguments, without the initialization fields."""
    fields = dataclasses.asdict(dataclasses.replace(REFERENCE, cell="rnn", forget_bias=0.0, **changes))
    return {k: v for k, v in fields.items() if k not in ("init", "nonlinearity", "spectral_radius")}


# ---- one point ---------------------------------------------------------------------------------------------------

def point_row(cfg: scored_run.Config, seed: int, *, callback: Callable[[int, int, dict], None] | None = None) -> dict:
    """Train one point and score it: the row of a sweep's CSV. The sweep and the pages both call this.

    Returns:
        dict with every field of ``cfg``, the seed, the scores of :data:`SCORES`, and ``seconds`` (wall time).
        ``final_train_ratio`` is the mean training loss / baseline over the last 100 steps; ``dh0_start`` and
        ``dh0_end`` are the mean ||dL/dh_0|| over the first and the last 100 steps.
    """
    start = time.perf_counter()
    result = scored_run.run(cfg, seed, callback=callback)
    frame = result.frame
    tail = frame["ratio"].to_numpy()[-min(100, len(frame)):]
    return {
        **dataclasses.asdict(cfg), "seed": int(seed), "test_loss": result.test_loss, "baseline": result.baseline,
        "ratio": result.ratio, "success": bool(result.ratio < scored_run.SOLVED), "verdict": result.verdict,
        "stopped_at": -1 if result.stopped_at is None else int(result.stopped_at),
        "final_train_ratio": float(tail.mean()) if len(tail) else math.nan,
        "max_grad_norm": float(frame["grad_norm"].max()) if len(frame) else math.nan,
        "clip_events": int(frame["clipped"].sum()),
        "dh0_start": float(frame["dh0_norm"].to_numpy()[:100].mean()) if len(frame) else math.nan,
        "dh0_end": float(frame["dh0_norm"].to_numpy()[-100:].mean()) if len(frame) else math.nan,
        "seconds": time.perf_counter() - start,
    }


def config_of(row) -> scored_run.Config:
    """The run config stored in a CSV row (a Series or a dict): NaN becomes None, whole numbers become ints."""
    values = {}
    for name in FIELDS:
        v = row[name]
        if isinstance(v, float) and math.isnan(v):
            v = None
        elif isinstance(v, (np.integer, np.floating, np.bool_)):
            v = v.item()
        values[name] = v
    for name in ("T", "hidden_size", "steps", "batch", "test_size"):
        values[name] = int(values[name])
    return scored_run.Config(**values)


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


def find(frame: pd.DataFrame, cfg: scored_run.Config, seed: int) -> pd.Series | None:
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


#: The success-against-lag sweep of each task.
LAG_SWEEPS = {"adding": "sweep_lag", "first_element": "sweep_lag_first"}


def lag_sweeps(root: Path = DATA) -> pd.DataFrame:
    """Both shipped success-against-lag sweeps (adding, first-element recall) in one frame."""
    return pd.concat([load(name, root).frame for name in LAG_SWEEPS.values()], ignore_index=True)


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
            "machine": platform.machine(), "blas_threads": 1, "made": time.strftime("%Y-%m-%d %H:%M:%S %Z")}


def _write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=1) + "\n")


def _one_blas_thread() -> None:
    """Worker initializer: one BLAS thread, whatever the library read from the environment at import."""
    from threadpoolctl import threadpool_limits
    global _LIMITS
    _LIMITS = threadpool_limits(1)


def _point(cfg: scored_run.Config, seed: int) -> dict:
    return point_row(cfg, seed)


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


def sweep_settings(sweep: Sweep) -> dict:
    """What defines a sweep (compared on resume: a changed definition is not mixed with old rows)."""
    return {"name": sweep.name, "about": sweep.about, "chosen": sweep.chosen, "seeds": list(sweep.seeds),
            "configs": [dataclasses.asdict(c) for c in sweep.configs()], "success": f"ratio < {scored_run.SOLVED}"}


def run_sweep(sweep: Sweep, out: Path, argv: list[str], *, resume: bool = True, workers: int = 1,
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
    done = {(int(r["seed"]), config_of(r)) for r in rows}
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
                finished(cfg, seed, point_row(cfg, seed))
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
        keys = [order[(int(r["seed"]), config_of(r))] for r in rows]
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
    _read.cache_clear()


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
    everything = {**SWEEPS, **CALIBRATIONS}
    parser = argparse.ArgumentParser(prog="python -m rnncore.experiments.sweeps", description=__doc__.split("\n")[0])
    parser.add_argument("what", nargs="+", choices=["all", *everything, *DEMOS],
                        help="which sweeps, calibrations or demos to make ('all': every sweep and demo)")
    parser.add_argument("--out", type=Path, default=None,
                        help=f"where sweeps run (default {RUNS}); demos go to the shipped results ({DATA})")
    parser.add_argument("--workers", type=int, default=2, help="worker processes for the sweeps (default 2)")
    parser.add_argument("--seeds", type=int, default=None, help=f"seeds 0..N-1 per point (default {len(SEEDS)})")
    parser.add_argument("--restart", action="store_true", help="start a sweep's file again instead of resuming it")
    parser.add_argument("--resume", action="store_true", help="(the default) keep the points already made")
    parser.add_argument("--ship", action="store_true", help="copy the named finished sweeps to the shipped results")
    args = parser.parse_args(argv)
    chosen = list(dict.fromkeys(n for w in args.what for n in ([*SWEEPS, *DEMOS] if w == "all" else [w])))
    runs = args.out or RUNS
    if args.ship:  # sweeps only: demos are written to the shipped results directly
        for name in [n for n in chosen if n not in DEMOS]:
            ship(name, runs, DATA)
            print(f"[{name}] shipped to {DATA}")
        return
    for name in chosen:
        if name in DEMOS:
            (args.out or DATA).mkdir(parents=True, exist_ok=True)
            run_demo(DEMOS[name], args.out or DATA, argv)
            continue
        sweep = everything[name]
        if args.seeds is not None:
            sweep = sweep._replace(seeds=tuple(range(args.seeds)))
        run_sweep(sweep, runs, argv, resume=not args.restart, workers=args.workers)


if __name__ == "__main__":
    main()
