"""RNN basics experiment: the trace against a hand-written loop, the signals, the shapes, the article's example."""

import numpy as np
import pytest

from helpers import assert_valid_chart
from rnncore.charts import basics as charts
from rnncore.experiments import basics
from rnncore.model import ModelSpec, init_model


def _by_t(frame, column, value):
    """Long frame -> (T, K) array."""
    return frame.pivot(index="t", columns=column, values=value).sort_index().to_numpy()


def test_trace_matches_a_hand_written_tanh_loop():
    cfg = basics.Config(cell="rnn", hidden_size=6, signal="random", T=7, input_size=3, output_size=2)
    result = basics.trace(cfg, seed=11)
    # rebuild the same weights and inputs as documented (two streams spawned from the seed), then loop by hand
    params_rng, data_rng = np.random.default_rng(11).spawn(2)
    spec = ModelSpec(cell="rnn", input_size=3, hidden_size=6, output_size=2, output="all")
    p = init_model(spec, rng=params_rng, scheme=cfg.scheme)
    xs = data_rng.standard_normal((7, 3))
    h, hs, ys = np.zeros(6), [], []
    for x in xs:
        h = np.tanh(x @ p["W_x"] + h @ p["W_h"] + p["b"])
        hs.append(h)
        ys.append(h @ p["W_y"] + p["b_y"])
    np.testing.assert_allclose(_by_t(result.inputs, "channel", "x"), xs, rtol=0, atol=0)
    np.testing.assert_allclose(_by_t(result.hidden, "unit", "h"), np.array(hs), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(_by_t(result.outputs, "output", "y"), np.array(ys), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("cell,gates", [("rnn", 1), ("lstm", 4), ("gru", 3)])
def test_shapes_table_lists_every_array_with_its_real_shape(cell, gates):
    result = basics.trace(basics.Config(cell=cell, hidden_size=5, T=9), seed=0)
    shapes = dict(zip(result.shapes["array"], result.shapes["shape"]))
    assert shapes["xs"] == "(1, 9, 10)" and shapes["x_t"] == "(1, 10)"
    assert shapes["W_x"] == f"(10, {gates * 5})" and shapes["W_h"] == f"(5, {gates * 5})"
    assert shapes["hs"] == "(1, 9, 5)" and shapes["pred"] == "(1, 9, 5)" and shapes["y_t"] == "(1, 5)"
    assert ("c_t" in shapes) == (cell == "lstm")
    assert ("b_hn" in shapes) == (cell == "gru")
    assert len(result.hidden) == 9 * 5 and result.hidden["t"].min() == 1 and result.hidden["t"].max() == 9


def test_signals_follow_their_definitions():
    rng = np.random.default_rng(0)
    impulse = basics.make_signal("impulse", 6, 2, rng=rng)[0]
    assert impulse.shape == (6, 2) and impulse[0].tolist() == [1.0, 1.0] and not impulse[1:].any()
    step = basics.make_signal("step", 6, 2, rng=rng)[0]
    assert not step[:3].any() and (step[3:] == 1.0).all()
    sine = basics.make_signal("sine", 30, 3, rng=rng)[0]
    np.testing.assert_allclose(sine[12:24], sine[:12], atol=1e-12)  # period 12
    assert abs(sine).max() <= 1.0
    with pytest.raises(ValueError, match="unknown signal"):
        basics.make_signal("square", 5, 1, rng=rng)


def test_the_impulse_is_forgotten_by_a_contracting_rnn():
    """With tiny weights (the article's "small" init) the state after the impulse decays towards its fixed point."""
    result = basics.trace(basics.Config(signal="impulse", T=30, scheme="small"), seed=3)
    h = _by_t(result.hidden, "unit", "h")
    norms = np.linalg.norm(h, axis=1)
    assert norms[0] > 100 * norms[-1]


def test_same_seed_same_frames_other_seed_other_frames():
    cfg = basics.Config(cell="gru", signal="random")
    a, b, c = basics.trace(cfg, 5), basics.trace(cfg, 5), basics.trace(cfg, 6)
    for x, y in zip(a, b):
        assert x.equals(y)
    assert not a.hidden.equals(c.hidden)


@pytest.mark.parametrize("bad", [dict(cell="rnm"), dict(signal="noise"), dict(hidden_size=0), dict(T=0),
                                 dict(scheme="he")])
def test_config_rejects_bad_values_by_name(bad):
    with pytest.raises(ValueError, match=next(iter(bad)).split("_")[0]):
        basics.Config(**bad)


def test_article_example_reproduces_its_shapes_and_numbers():
    ex = basics.article_example(seed=0)
    assert ex.n_outputs == 5 and ex.article_last_shape == (5, 1)
    assert ex.pred_shape == (1, 5, 5) and ex.step_shape == (1, 5)
    assert ex.max_abs_diff < 1e-15  # the same weights, transposed: only rounding may differ
    assert len(ex.outputs) == 25 and ex.outputs["article"].abs().max() > 0  # not trivially zero


def test_article_loop_is_the_column_vector_rnn():
    """A case small enough to do by hand: one unit, identity-like weights."""
    outputs, h = basics.article_loop(np.array([[1.0]]), np.array([[0.5]]), np.array([[2.0]]), np.zeros((1, 1)),
                                     np.array([[1.0]]), [np.array([[0.3]]), np.array([[0.0]])])
    h1 = np.tanh(0.3)
    h2 = np.tanh(0.5 * h1)
    assert [o.shape for o in outputs] == [(1, 1), (1, 1)]
    np.testing.assert_allclose([outputs[0][0, 0], outputs[1][0, 0]], [2 * h1 + 1, 2 * h2 + 1])
    assert h[0, 0] == pytest.approx(h2)


def test_charts_are_valid_and_box_the_current_step():
    result = basics.trace(basics.Config(T=8, hidden_size=4), seed=0)
    assert_valid_chart(charts.input_at(result.inputs, 3))
    heat = charts.state_heatmap(result.hidden, 3)
    assert_valid_chart(heat)
    box = heat.layer[1].data
    assert set(box["t"]) == {3} and len(box) == 4
    spec = assert_valid_chart(charts.outputs_over_time(result.outputs, 3))
    assert any(d == [{"value": 3.0, "reference": "the step shown, t = 3"}] for d in spec["datasets"].values())


def test_the_step_facts_are_the_norm_of_h_t_and_the_outputs_at_t():
    cfg = basics.Config(cell="rnn", hidden_size=4, T=6)
    trace = basics.trace(cfg, 0)
    step = basics.at_step(trace, 3)
    h = trace.hidden[trace.hidden["t"] == 3].sort_values("unit")["h"].to_numpy()
    assert step.h_norm == pytest.approx(np.sqrt(np.sum(h ** 2)), rel=1e-12)
    assert step.y == tuple(trace.outputs[trace.outputs["t"] == 3]["y"]) and len(step.y) == cfg.output_size
    assert basics.at_step(trace, 1).h_norm != step.h_norm
    with pytest.raises(ValueError, match="t=7"):
        basics.at_step(trace, 7)
