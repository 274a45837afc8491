"""The shipped sweeps and demos: complete, reproducible bit for bit by the function the pages call, and saying what
the literature says; and the command that makes them."""
from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest

from rnncore.experiments import clipping, long_term as lt
from rnncore.experiments import sweeps as sw

SHIPPED = sw.Path(sw.__file__).resolve().parent.parent / "data" / "shipped_results"  # the repository's files, whatever the env says


def load(name: str) -> sw.Shipped:
    return sw.load(name, SHIPPED)


def cheapest_row(frame: pd.DataFrame, **where) -> pd.Series:
    rows = frame
    for k, v in where.items():
        rows = rows[rows[k].isna()] if v is None else rows[rows[k] == v]
    return rows.sort_values(["T", "seed"]).iloc[0]


# ---- the shipped files ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(sw.SWEEPS))
def test_each_sweep_is_complete_and_says_how_it_was_made(name):
    shipped, sweep = load(name), sw.SWEEPS[name]
    points = {(seed, cfg) for cfg in sweep.configs() for seed in sweep.seeds}
    got = [(int(row["seed"]), sw.config_of(row)) for _, row in shipped.frame.iterrows()]
    assert len(got) == len(set(got)) == len(points) and set(got) == points
    assert set(sw.EXACT) <= set(shipped.frame.columns)
    assert shipped.settings["seeds"] == list(sweep.seeds)
    assert shipped.settings["command"].startswith("python -m rnncore.experiments.sweeps")
    assert (shipped.frame["success"] == (shipped.frame["ratio"] < lt.SOLVED)).all()


@pytest.mark.parametrize("name", list(sw.DEMOS))
def test_each_demo_was_made_from_the_pages_default_config(name):
    demo = sw.DEMOS[name]
    frames = sw.shipped_demo(name, demo.config, demo.seed, root=SHIPPED)
    assert frames is not None, f"rnncore/data/shipped_results/{name}.json is stale: rerun the sweeps command for {name}"
    assert all(len(f) for f in frames.values())


@pytest.mark.parametrize("name, where", [
    ("sweep_lag", {"cell": "rnn"}),
    ("sweep_lag_first", {"cell": "rnn"}),
    ("sweep_clipping", {"clip": None}),
    ("sweep_init", {"init": "small"}),
])
def test_a_shipped_point_is_reproduced_bit_for_bit(name, where):
    """The smallest point of each sweep, recomputed by point_row (what the page's button calls)."""
    stored = cheapest_row(load(name).frame, **where)
    fresh = sw.point_row(sw.config_of(stored), int(stored["seed"]))
    for key in sw.SCORES:
        assert fresh[key] == stored[key] or (fresh[key] != fresh[key] and stored[key] != stored[key]), key
    assert sw.same_point(fresh, stored)


@pytest.mark.slow
@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_a_gated_point_is_reproduced_bit_for_bit(cell):
    """The gated cells have their own backward code: an engine change that moves their bits shows up here."""
    stored = cheapest_row(load("sweep_lag").frame, cell=cell)
    assert sw.same_point(sw.point_row(sw.config_of(stored), int(stored["seed"])), stored)


def test_the_article_demo_is_reproduced_bit_for_bit(tmp_path):
    demo = sw.DEMOS["demo_article"]
    fresh = sw.make_demo(demo.name, demo.config, demo.seed)
    shipped = load(demo.name).frame
    for key, frame in fresh.items():  # through a CSV, as shipped
        frame.to_csv(tmp_path / "f.csv", index=False)
        pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "f.csv"), shipped[key], check_exact=True)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["demo_clip", "demo_gates"])
def test_the_training_demos_are_reproduced_bit_for_bit(tmp_path, name):
    demo = sw.DEMOS[name]
    fresh = sw.make_demo(demo.name, demo.config, demo.seed)
    for key, frame in fresh.items():
        frame.to_csv(tmp_path / "f.csv", index=False)
        pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "f.csv"), load(name).frame[key], check_exact=True)


# ---- what the literature says, checked on the shipped numbers ------------------------------------------------------

def test_on_adding_at_t100_the_lstm_ends_well_below_the_baseline_and_the_tanh_rnn_stays_near_it():
    frame = load("sweep_lag").frame
    at100 = frame[frame["T"] == 100].groupby("cell")["ratio"].median()
    assert at100["lstm"] < 0.1, at100
    assert at100["rnn"] > 0.8, at100


def test_clipping_helps_more_as_t_grows():
    """Without clipping, the share of runs thrown far above the baseline never falls as T grows and rises overall;
    with clipping no run is thrown off; and the gap between the medians is widest at the longest lag."""
    summary = clipping.lag_summary(load("sweep_clipping").frame)
    assert clipping.helps_more_with_lag(summary), summary
    assert summary["gain"].iloc[-1] > 10 * max(summary["gain"].iloc[0], 1.0), summary
    assert (summary["max_grad_none"].diff().dropna() > 0).all()  # the gradient grows with the lag


# ---- the command and the readers ---------------------------------------------------------------------------------

TINY = lt.Config(task="adding", cell="rnn", T=6, hidden=3, steps=4, batch=4, test_size=10)


def test_run_sweep_writes_every_point_and_resumes_without_redoing_any(tmp_path, monkeypatch):
    sweep = sw.Sweep("tiny", "a tiny sweep", lambda: [TINY, dataclasses.replace(TINY, clip=None)], (0, 1))
    frame = sw.run_sweep(sweep, tmp_path, ["tiny"], resume=False, log=lambda *_: None)
    assert len(frame) == 4
    settings = json.loads((tmp_path / "tiny.json").read_text())
    assert settings["points"] == 4 and settings["seeds"] == [0, 1]
    calls = []
    monkeypatch.setattr(sw, "point_row", lambda *a, **k: calls.append(a) or {})
    again = sw.run_sweep(sweep, tmp_path, ["tiny", "--resume"], resume=True, log=lambda *_: None)
    assert calls == [] and len(again) == 4
    row = sw.find(sw.load("tiny", tmp_path).frame, dataclasses.replace(TINY, clip=None), 1)
    assert row is not None and sw.config_of(row).clip is None
    assert sw.find(sw.load("tiny", tmp_path).frame, dataclasses.replace(TINY, T=7), 1) is None


def test_the_command_makes_a_demo_that_the_pages_find(tmp_path, monkeypatch):
    small = lt.ArticleConfig(epochs=12, window=4)
    monkeypatch.setitem(sw.DEMOS, "demo_article", sw.Demo("demo_article", small, 2, sw.DEMOS["demo_article"].make))
    sw.main(["demo_article", "--out", str(tmp_path)])
    frames = sw.shipped_demo("demo_article", small, 2, root=tmp_path)
    assert frames is not None and len(frames["losses"]) == 24
    assert sw.shipped_demo("demo_article", small, 3, root=tmp_path) is None           # another seed
    assert sw.shipped_demo("demo_article", lt.ArticleConfig(), 2, root=tmp_path) is None  # other settings
    np.testing.assert_array_equal(frames["losses"]["loss"], sw.make_demo("demo_article", small, 2)["losses"]["loss"])


def test_loading_what_does_not_exist_says_how_to_make_it(tmp_path):
    with pytest.raises(ValueError, match="python -m rnncore.experiments.sweeps nothing"):
        sw.load("nothing", tmp_path)
