"""The remedy experiments: gradient flow of the gated cells, clipping on and off, the cliff frames, and the
initializations; with their charts."""
from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from helpers import assert_valid_chart

from rnncore.charts import clipping as clip_charts
from rnncore.charts import gated_cells as gate_charts
from rnncore.charts import initialization as init_charts
from rnncore.experiments import clipping, scored_run
from rnncore.experiments import gated_cells as remedies
from rnncore.experiments import initialization as ins

TINY_GATES = remedies.GateConfig(T=10, hidden_size=5, steps=4, flow_batch=6)


def brute_rnn_flow(params: dict, xs: np.ndarray, dlast: np.ndarray) -> np.ndarray:
    """||dL/dh_t|| for a tanh RNN, by the textbook recursion dL/dh_{t-1} = (dL/dh_t * (1 - h_t^2)) W_h^T."""
    B, T, _ = xs.shape
    h = np.zeros((B, T + 1, params["W_h"].shape[0]))
    for t in range(T):
        h[:, t + 1] = np.tanh(xs[:, t] @ params["W_x"] + h[:, t] @ params["W_h"] + params["b"])
    out, g = np.zeros((B, T)), dlast
    for t in range(T, 0, -1):
        out[:, t - 1] = np.linalg.norm(g, axis=1)
        g = (g * (1 - h[:, t] ** 2)) @ params["W_h"].T
    return out


def test_the_flow_is_the_textbook_recursion_and_starts_at_one():
    run_cfg = TINY_GATES.run_config("rnn")
    setup = remedies.flow_setup(run_cfg, 1, 6)
    norms = remedies.flow(run_cfg, setup.start, setup.xs, setup.dlast)
    np.testing.assert_allclose(norms, brute_rnn_flow(setup.start, setup.xs, setup.dlast), rtol=1e-10)
    np.testing.assert_allclose(norms[:, -1], 1.0)
    for cell in remedies.CELLS:  # a unit gradient at the last step, whatever the cell
        c = TINY_GATES.run_config(cell)
        s = remedies.flow_setup(c, 1, 6)
        np.testing.assert_allclose(remedies.flow(c, s.start, s.xs, s.dlast)[:, -1], 1.0)


def test_gate_flow_measures_the_runs_own_weights_before_and_after():
    res = remedies.gate_flow(TINY_GATES, 2)
    assert set(res.flow["stage"]) == set(remedies.STAGES) and set(res.flow["cell"]) == set(remedies.CELLS)
    assert len(res.flow) == 3 * 2 * TINY_GATES.T
    run = scored_run.run(TINY_GATES.run_config("lstm"), 2)
    setup = remedies.flow_setup(TINY_GATES.run_config("lstm"), 2, 6)
    after = remedies.flow(TINY_GATES.run_config("lstm"), run.params, setup.xs, setup.dlast).mean(axis=0)
    got = res.flow[(res.flow["cell"] == "lstm") & (res.flow["stage"] == "after training")]["norm"].to_numpy()
    np.testing.assert_array_equal(got, after)
    assert res.runs.set_index("cell").loc["lstm", "test_loss"] == run.test_loss
    init_only = remedies.flow_at_init(TINY_GATES, 2)
    pd.testing.assert_frame_equal(init_only, res.flow[res.flow["stage"] == remedies.STAGES[0]].reset_index(drop=True))


def test_small_weights_vanish_faster_than_orthogonal_ones():
    cfg = ins.InitConfig(T=30, hidden_size=16, choices=("small", "orthogonal", "irnn"), flow_batch=16)
    first = ins.flow_at_init(cfg, 0).query("t == 1").set_index("choice")["norm"]
    # 0.01-scale W_h has a spectral norm of about 0.01 * 2 sqrt(H) = 0.08: 29 steps shrink by 0.08^29 ~ 1e-32
    assert first["small"] < 1e-25 < 1e-8 < first["orthogonal"]
    assert first["irnn"] > first["orthogonal"]                   # W_h = I, ReLU: unchanged through active units


@pytest.mark.parametrize("choice", ins.CHOICES)
def test_choices_round_trip_through_run_configs(choice):
    cfg = ins.scheme_config(choice, radius=1.3, task="adding", T=12)
    assert ins.choice_of(cfg) == choice
    assert (cfg.nonlinearity == "relu") == (choice in ("irnn", "irnn_le"))
    assert (cfg.spectral_radius == 1.3) == (choice == "radius")
    with pytest.raises(ValueError, match="unknown initialization"):
        ins.scheme_config("he")


def test_train_choices_uses_the_same_seed_for_every_choice():
    cfg = ins.InitConfig(T=10, hidden_size=4, steps=3, choices=("xavier", "irnn"))
    res = ins.train_choices(cfg, 1)
    assert list(res.runs["choice"]) == ["xavier", "irnn"]
    assert res.runs.set_index("choice").loc["irnn", "test_loss"] == scored_run.run(cfg.run_config("irnn"), 1).test_loss


def test_clipping_compares_the_same_run_three_ways():
    cfg = clipping.ClipConfig(T=12, hidden_size=8, steps=15, lr=0.05, threshold=0.5)
    res = clipping.compare(cfg, 0)
    curves = {m: res.curves[res.curves["mode"] == m].reset_index(drop=True) for m in clipping.MODES}
    # step 1: same weights, same batch, so the same gradient before clipping
    assert curves["none"]["grad_norm"][0] == curves["norm"]["grad_norm"][0] == curves["value"]["grad_norm"][0]
    assert curves["none"]["loss"][0] == curves["norm"]["loss"][0]
    # clip events: the global norm exceeded the threshold (norm mode); never without clipping
    np.testing.assert_array_equal(curves["norm"]["clipped"], curves["norm"]["grad_norm"] > 0.5)
    assert not curves["none"]["clipped"].any()
    events = [int(curves[m]["clipped"].sum()) for m in clipping.MODES]
    assert list(res.runs.set_index("mode").loc[list(clipping.MODES), "clip_events"]) == events
    with pytest.raises(ValueError, match="modes"):
        clipping.ClipConfig(modes=("sometimes",))


def test_the_default_clipping_regime_does_not_damp_the_gradient():
    """At initialization the IRNN passes a unit gradient back through 100 steps with most of its norm (ReLU' = 1 on
    active units, W_h = I): nothing damps a growth of W_h during training. The article's small weights, by contrast,
    leave nothing."""
    reach = {}
    for name, run_cfg in (("irnn", clipping.ClipConfig(T=100).run_config("none")),
                          ("small", scored_run.Config(task="adding", cell="rnn", T=100, init="small"))):
        setup = remedies.flow_setup(run_cfg, 0, 16)
        reach[name] = remedies.flow(run_cfg, setup.start, setup.xs, setup.dlast)[:, 0].mean()
    assert 0.3 < reach["irnn"] <= 1.0 + 1e-12
    assert reach["small"] < 1e-50


def test_cliff_frames():
    cfg = clipping.CliffConfig(grid=8, steps=30, w_range=(0.0, 10.0), b_range=(-6.0, 6.0))
    res = clipping.cliff(cfg)
    assert len(res.surface) == 64
    assert (res.surface["w_lo"] < res.surface["w"]).all() and (res.surface["w"] < res.surface["w_hi"]).all()
    for run, part in res.paths.groupby("run"):
        assert (part["w"].iloc[0], part["b"].iloc[0]) == (cfg.w0, cfg.b0)
        inside = part["w"].between(0, 10) & part["b"].between(-6, 6)
        assert (part["on_map"] == inside).all()
    assert res.runs.set_index("run").loc["plain gradient descent", "clip_events"] == 0
    with pytest.raises(ValueError, match="increasing"):
        clipping.cliff(dataclasses.replace(cfg, w_range=(5.0, 1.0)))


def test_charts_are_valid():
    res = remedies.gate_flow(TINY_GATES, 0)
    flow = res.flow.copy()
    flow.loc[0, "norm"] = np.inf
    assert_valid_chart(gate_charts.flow_chart(flow))
    clip = clipping.compare(clipping.ClipConfig(T=10, hidden_size=4, steps=5), 0)
    assert_valid_chart(clip_charts.clip_loss_chart(clip.curves, baseline=1 / 6))
    assert_valid_chart(clip_charts.clip_norm_chart(clip.curves, threshold=1.0))
    cl = clipping.cliff(clipping.CliffConfig(grid=6, steps=10))
    assert_valid_chart(clip_charts.cliff_chart(cl.surface, cl.paths))
    init = ins.train_choices(ins.InitConfig(T=10, hidden_size=4, steps=2), 0)
    assert_valid_chart(init_charts.ratio_by_choice(init.runs, title="t"))
    flow = ins.flow_at_init(ins.InitConfig(T=10, hidden_size=4), 0)
    assert_valid_chart(gate_charts.flow_chart(flow, color="label:N", color_title="Initialization", cells=False))


def test_lag_summary_counts_runs_thrown_off_and_judges_the_trend():
    rows = []
    for T, none_ratios in ((10, [0.9, 1.0, 0.8]), (50, [1.0, 3.0, 1.1]), (200, [1e9, np.inf, 2.0])):
        for seed, r in enumerate(none_ratios):
            rows.append({"T": T, "seed": seed, "clip": np.nan, "ratio": r, "max_grad_norm": 10.0 * T})
            rows.append({"T": T, "seed": seed, "clip": 1.0, "ratio": 1.0, "max_grad_norm": 5.0})
    summary = clipping.lag_summary(pd.DataFrame(rows))
    assert list(summary["T"]) == [10, 50, 200]
    np.testing.assert_allclose(summary["thrown_none"], [0, 1 / 3, 1])
    np.testing.assert_allclose(summary["median_none"], [0.9, 1.1, 1e9])
    assert (summary["thrown_clip"] == 0).all() and clipping.helps_more_with_lag(summary)
    falling = summary.assign(thrown_none=[0.5, 0.0, 1.0])
    assert not clipping.helps_more_with_lag(falling)


def test_reach_reads_step_1_of_each_cell_and_names_the_gated_cells_training_opened():
    def rows(cell, stage, at_one):
        return [{"cell": cell, "stage": stage, "t": t, "norm": at_one * 10 ** (t - 1)} for t in (3, 1, 2)]

    flow = pd.DataFrame(rows("rnn", "at initialization", 1e-3) + rows("rnn", "after training", 1.0)
                        + rows("lstm", "at initialization", 1e-4) + rows("lstm", "after training", 2e-2)
                        + rows("gru", "at initialization", 1e-2) + rows("gru", "after training", 5e-1))
    reached = remedies.reach(flow)
    assert reached.before == {"rnn": 1e-3, "lstm": 1e-4, "gru": 1e-2}  # the norm at t = 1, whatever the row order
    assert reached.after["lstm"] == 2e-2
    assert reached.opened == ("lstm",)  # 200x; the GRU's 50x is under OPENED, and the RNN has no gate to open
    untrained = remedies.reach(flow[flow["stage"] == "at initialization"])
    assert np.isnan(untrained.after["gru"]) and untrained.opened == ()
