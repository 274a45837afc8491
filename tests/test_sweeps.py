"""The shipped sweeps and demos: complete, reproducible bit for bit by the function the pages call, and saying what
the literature says; and the command that makes them."""
from __future__ import annotations

import dataclasses
import json
import sys

import numpy as np
import pandas as pd
import pytest

from rnncore.experiments import clipping, scored_run
from rnncore.experiments import initialization as ins
from rnncore.experiments import long_term as lt
from rnncore.experiments import sweep_runner as runner
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
def test_each_shipped_sweep_is_complete_and_says_how_it_was_made(name):
    """Complete against the settings its own JSON records (a sweep is shipped only when every point is made)."""
    shipped = load(name)
    configs = [scored_run.Config(**c) for c in shipped.settings["configs"]]
    points = {(seed, cfg) for cfg in configs for seed in shipped.settings["seeds"]}
    got = [(int(row["seed"]), sw.config_of(row)) for _, row in shipped.frame.iterrows()]
    assert len(got) == len(set(got)) == len(points) and set(got) == points
    assert set(sw.EXACT) <= set(shipped.frame.columns)
    assert shipped.settings["command"].startswith("python -m rnncore.experiments.sweeps")
    assert (shipped.frame["success"] == (shipped.frame["ratio"] < scored_run.SOLVED)).all()
    columns = list(shipped.frame.columns)  # the layout: the settings, then the seed, then the results
    assert columns[:len(sw.FIELDS) + 1] == [*sw.FIELDS, "seed"] and "success" in columns[len(sw.FIELDS) + 1:]
    if shipped.settings.get("configs") == runner.sweep_settings(sw.SWEEPS[name])["configs"]:
        assert len(shipped.settings["seeds"]) >= 10  # a sweep made from today's definition has its 10 seeds


@pytest.mark.parametrize("name", list(sw.SWEEPS))
def test_every_sweep_has_at_least_ten_seeds_and_its_run_so_far_holds_only_its_own_points(name):
    sweep = sw.SWEEPS[name]
    assert len(sweep.seeds) >= 10
    csv = sw.RUNS / f"{name}.csv"
    if not csv.is_file():
        pytest.skip(f"{name} has not been started in {sw.RUNS}")
    points = {(seed, cfg) for cfg in sweep.configs() for seed in sweep.seeds}
    rows = runner.read_run(csv)
    got = [(int(row["seed"]), sw.config_of(row)) for _, row in rows.iterrows()]
    assert len(got) == len(set(got)) and set(got) <= points
    assert list(rows.columns[:len(sw.FIELDS) + 1]) == [*sw.FIELDS, "seed"]
    meta = json.loads((sw.RUNS / f"{name}.json").read_text())
    assert meta["points"] == len(points) and meta["complete"] == (len(got) == len(points))


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


def test_on_adding_every_gated_cell_succeeds_more_often_than_the_tanh_rnn_beyond_seed_noise():
    """Hochreiter & Schmidhuber 1997, Cho et al. 2014, on the shipped 10-seed sweep: at some lag each gated cell
    succeeds more often than the tanh RNN, one-sided Fisher p < 0.05 corrected for the lags tried."""
    frame = load("sweep_lag").frame
    found = lt.lag_findings(frame[frame["task"] == "adding"])
    assert found.seeds >= 10
    assert set(found.gated_vs_rnn) == {"LSTM", "LSTM (forget bias 0)", "GRU"}
    for model, (T, c) in found.gated_vs_rnn.items():
        assert c.significant and c.a.k > c.b.k, (model, T, c.sentence)


def test_on_first_element_recall_the_findings_say_what_this_budget_shows():
    """Where no gated cell beats the tanh RNN beyond seed noise at the sweep's budget, the first sentence says so, with
    the budget; and the forget-gate bias of 1 (Gers et al. 2000; Jozefowicz et al. 2015) makes the LSTM succeed
    more often than a bias of 0 at some lag, beyond seed noise."""
    frame = load("sweep_lag_first").frame
    found = lt.lag_findings(frame[frame["task"] == "first_element"])
    assert found.seeds >= 10
    if not any(c.significant for _, c in found.gated_vs_rnn.values()):
        steps, batch = int(frame["steps"].max()), int(frame["batch"].max())
        assert found.sentences[0].startswith(f"At this budget ({steps:,} Adam steps of {batch} sequences"), found
    T, bias = found.bias
    assert bias.significant and bias.a.k > bias.b.k, bias.sentence


def test_clipping_keeps_runs_from_being_thrown_off_and_lets_them_learn():
    """Pascanu et al. 2013, on the shipped sweep's calibrated setting: without clipping, gradient spikes throw runs
    far above the baseline at some lag, with clipping none is (one-sided Fisher p < 0.05, corrected for the lags);
    and clipped runs get below 90% of the baseline more often. Every unclipped spike is far larger than any
    clipped run's largest gradient."""
    frame = load("sweep_clipping").frame
    found = clipping.clip_findings(frame)
    assert found.seeds >= 10
    assert found.steadies[1].significant, found.steadies[1].sentence
    assert found.improves[1].significant, found.improves[1].sentence
    summary = found.summary
    assert (summary["thrown_clip"] == 0).all(), summary
    assert (summary["max_grad_none"] > 1e3 * summary["max_grad_clip"]).all(), summary


@pytest.mark.parametrize("name", list(sw.SWEEPS))
def test_a_point_of_each_sweep_in_progress_is_reproduced_bit_for_bit(name):
    """The remake spans sessions: a change of the engine's bits between them shows up here, before it is shipped."""
    rows = runner.read_run(sw.RUNS / f"{name}.csv")
    if not len(rows):
        pytest.skip(f"{name} has no point made yet in {sw.RUNS}")
    stored = rows.assign(cost=rows["T"] * rows["cell"].map({"rnn": 1, "gru": 4, "lstm": 4})).sort_values(
        ["cost", "seed"]).iloc[0]
    assert sw.same_point(sw.point_row(sw.config_of(stored), int(stored["seed"])), stored)


def test_the_clipping_and_irnn_settings_are_what_their_calibrations_choose():
    calib = sw.RUNS / "calib_clipping.csv"
    if not calib.is_file():
        pytest.skip("the calibrations are made by `python -m rnncore.experiments.sweeps calib_clipping calib_irnn`")
    best = sw.choose_clipping(pd.read_csv(calib)).iloc[0]
    assert best["learns"]
    assert {k: getattr(sw.CLIP_BASE, k) for k in sw.SETTING} == {k: best[k] for k in sw.SETTING}
    lr, clip = sw.choose_irnn(pd.read_csv(sw.RUNS / "calib_irnn.csv"))
    assert (ins.LE_TRAINING["lr"], ins.LE_TRAINING["clip"]) == (lr, clip) and ins.LE_TRAINING["optimizer"] == "sgd"
    for name in ("calib_clipping", "calib_irnn"):
        assert json.loads((sw.RUNS / f"{name}.json").read_text())["complete"]


# ---- the command and the readers ---------------------------------------------------------------------------------

TINY = scored_run.Config(task="adding", cell="rnn", T=6, hidden_size=3, steps=4, batch=4, test_size=10)


def test_run_sweep_writes_every_point_and_resumes_without_redoing_any(tmp_path, monkeypatch):
    sweep = sw.Sweep("tiny", "a tiny sweep", lambda: [TINY, dataclasses.replace(TINY, clip=None)], (0, 1))
    frame = runner.run_sweep(sweep, tmp_path, ["tiny"], resume=False, log=lambda *_: None)
    assert len(frame) == 4
    settings = json.loads((tmp_path / "tiny.json").read_text())
    assert settings["points"] == 4 and settings["seeds"] == [0, 1] and settings["complete"]
    calls = []
    monkeypatch.setattr(sw, "point_row", lambda *a, **k: calls.append(a) or {})
    again = runner.run_sweep(sweep, tmp_path, ["tiny", "--resume"], resume=True, log=lambda *_: None)
    assert calls == [] and len(again) == 4
    row = sw.find(sw.load("tiny", tmp_path).frame, dataclasses.replace(TINY, clip=None), 1)
    assert row is not None and sw.config_of(row).clip is None
    assert sw.find(sw.load("tiny", tmp_path).frame, dataclasses.replace(TINY, T=7), 1) is None


def test_a_stopped_sweep_keeps_each_finished_point_and_makes_only_the_rest(tmp_path, monkeypatch):
    """Points are appended as they finish; a line cut short by a stop is dropped and its point made again; the
    finished file is in the sweep's order and equals a run made in one go."""
    sweep = sw.Sweep("tiny", "a tiny sweep", lambda: [TINY, dataclasses.replace(TINY, clip=None)], (0, 1))
    whole = runner.run_sweep(sweep, tmp_path / "whole", ["tiny"], log=lambda *_: None)
    real, made = sw.point_row, []

    def stop_after_two(cfg, seed, **kw):
        if len(made) == 2:
            raise KeyboardInterrupt
        made.append((seed, cfg))
        return real(cfg, seed, **kw)

    monkeypatch.setattr(sw, "point_row", stop_after_two)
    with pytest.raises(KeyboardInterrupt):
        runner.run_sweep(sweep, tmp_path, ["tiny"], log=lambda *_: None)
    csv = tmp_path / "tiny.csv"
    assert len(pd.read_csv(csv)) == 2 and not json.loads((tmp_path / "tiny.json").read_text())["complete"]
    with pytest.raises(ValueError, match="not finished"):
        runner.ship("tiny", tmp_path, tmp_path / "nowhere")
    csv.write_text(csv.read_text() + "0,1,2")  # a line cut short
    monkeypatch.setattr(sw, "point_row", lambda cfg, seed, **kw: made.append((seed, cfg)) or real(cfg, seed, **kw))
    done = runner.run_sweep(sweep, tmp_path, ["tiny"], log=lambda *_: None)
    assert len(made) == 4 and len(set(made)) == 4  # the two left, once each
    for (_, a), (_, b) in zip(done.iterrows(), whole.iterrows()):
        assert sw.same_point(a, b)
    shipped = tmp_path / "shipped"
    shipped.mkdir()
    runner.ship("tiny", tmp_path, shipped)
    assert len(sw.load("tiny", shipped).frame) == 4


def test_ship_all_copies_only_finished_sweeps_and_says_which_is_not(tmp_path, monkeypatch):
    runs, shipped = tmp_path / "runs", tmp_path / "shipped"
    shipped.mkdir()
    monkeypatch.setattr(sw, "DATA", shipped)
    tiny = sw.Sweep("sweep_lag", "a tiny sweep", lambda: [TINY], (0,))
    runner.run_sweep(tiny, runs, ["sweep_lag"], log=lambda *_: None)
    monkeypatch.setattr(sw, "SWEEPS", {"sweep_lag": tiny, "sweep_init": tiny._replace(name="sweep_init")})
    runner.main(["sweep_lag", "demo_article", "--ship", "--out", str(runs)])  # a demo is not shipped from the runs
    assert (shipped / "sweep_lag.csv").is_file() and not (shipped / "demo_article.json").exists()
    with pytest.raises(ValueError, match="sweep_init is not finished"):
        runner.main(["all", "--ship", "--out", str(runs)])


def test_two_worker_processes_make_the_same_bits_as_one(tmp_path, monkeypatch):
    # Under pytest-xdist the worker's __main__ is execnet's bootstrap, which a spawned child would try to run again;
    # a process started from the command line (the sweep command) has its own __main__ and needs nothing of this.
    monkeypatch.delattr(sys.modules["__main__"], "__file__", raising=False)
    sweep = sw.Sweep("tiny", "a tiny sweep", lambda: [TINY, dataclasses.replace(TINY, clip=None)], (0, 1))
    one = runner.run_sweep(sweep, tmp_path / "one", ["tiny"], workers=1, log=lambda *_: None)
    two = runner.run_sweep(sweep, tmp_path / "two", ["tiny"], workers=2, log=lambda *_: None)
    assert len(two) == 4
    for (_, a), (_, b) in zip(one.iterrows(), two.iterrows()):
        assert sw.same_point(a, b)


def test_a_sweep_refuses_to_resume_a_file_made_with_other_settings(tmp_path):
    sweep = sw.Sweep("tiny", "a tiny sweep", lambda: [TINY], (0,))
    runner.run_sweep(sweep, tmp_path, ["tiny"], log=lambda *_: None)
    with pytest.raises(ValueError, match="other settings"):
        runner.run_sweep(sweep._replace(seeds=(0, 1)), tmp_path, ["tiny"], log=lambda *_: None)


def test_the_command_makes_a_demo_that_the_pages_find(tmp_path, monkeypatch):
    small = lt.ArticleConfig(epochs=12, window=4)
    monkeypatch.setitem(sw.DEMOS, "demo_article", sw.Demo("demo_article", small, 2, sw.DEMOS["demo_article"].make))
    runner.main(["demo_article", "--out", str(tmp_path)])
    frames = sw.shipped_demo("demo_article", small, 2, root=tmp_path)
    assert frames is not None and len(frames["losses"]) == 24
    assert sw.shipped_demo("demo_article", small, 3, root=tmp_path) is None           # another seed
    assert sw.shipped_demo("demo_article", lt.ArticleConfig(), 2, root=tmp_path) is None  # other settings
    np.testing.assert_array_equal(frames["losses"]["loss"], sw.make_demo("demo_article", small, 2)["losses"]["loss"])


def test_loading_what_does_not_exist_says_how_to_make_it(tmp_path):
    with pytest.raises(ValueError, match="python -m rnncore.experiments.sweeps nothing"):
        sw.load("nothing", tmp_path)


def test_identity_or_orthogonal_initialization_beats_small_weights_at_some_lag():
    """Saxe et al. 2014, Le et al. 2015, on the shipped 10-seed sweep: an orthogonal W_h or the identity succeeds more
    often than the article's N(0, 0.01^2) at some lag (one-sided Fisher p < 0.05, corrected for the lags)."""
    found = ins.init_findings(load("sweep_init").frame)
    assert found.seeds >= 10
    tested = [found.against_small[c][1] for c in ("orthogonal", "irnn", "irnn_le")]
    assert any(c.significant for c in tested), [c.sentence for c in tested]
