"""The sweeps and demo runs behind the long-term and remedy pages: what each one is, one point (:func:`point_row`),
and the shipped files' readers. The command that makes them is :mod:`rnncore.experiments.sweep_runner`, run by
this module's name:

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

import dataclasses
import json
import math
import os
import time
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

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


def plain(config) -> dict:
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
    if shipped.settings.get("seed") != seed or shipped.settings.get("config") != plain(config):
        return None
    return shipped.frame


def forget_loaded() -> None:
    """Forget the shipped files read so far (after a sweep is shipped, the next :func:`load` reads it again)."""
    _read.cache_clear()


if __name__ == "__main__":  # the command lives in sweep_runner; this name is the one the pages and README print
    from rnncore.experiments.sweep_runner import main

    main()
