"""Every chart builder in rnncore.charts speaks the one visual language of rnncore.charts.common.

Each builder is called on a small hand-made frame, and its Vega-Lite spec is walked: every colour scale takes its
colours from the palette (or the one diverging / sequential scheme), every log axis is fitted to the data and labels
powers of ten the shared way, every linear quantitative axis uses the shared format, bars stand only on linear axes
from zero, no text is printed on the data (reference lines are named in a legend), every chart has a title and a
readable height. The registry must list every public builder, so a new chart cannot skip the check.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Iterator

import altair as alt
import numpy as np
import pandas as pd
import pytest
from helpers import assert_valid_chart

import rnncore.charts
from rnncore.charts import (
    attention,
    basics,
    clipping,
    common,
    engine_check,
    forecasting,
    gated_cells,
    gradients,
    initialization,
    long_term,
    parallelism,
    sentiment,
    slow_training,
)
from rnncore.experiments import stats

CELLS = ["rnn", "lstm", "gru"]


# ---- small frames, shaped as the experiments return them ---------------------------------------------------------

def _lag_rows() -> pd.DataFrame:
    rows = [(T, cell, seed) for T in (10, 20, 50) for cell in CELLS for seed in range(3)]
    frame = pd.DataFrame(rows, columns=["T", "cell", "seed"])
    frame["ratio"] = 0.05 + 0.01 * frame["T"] * (1 + frame["seed"])
    frame["success"] = frame["ratio"] < 0.1
    frame["dh0_end"] = 10.0 ** -(frame["T"] / 10)
    return frame.assign(run="no clipping", label="Xavier")


def _curve(models: list[str], *, col: str = "cell", steps: int = 6) -> pd.DataFrame:
    step = np.arange(1, steps + 1)
    return pd.concat([pd.DataFrame({col: m, "step": step, "loss": 1.0 / (step + i), "dh0_norm": 0.1 / step,
                                    "grad_norm": 2.0 + step, "clipped": step % 2 == 0})
                      for i, m in enumerate(models)], ignore_index=True)


def _attention_summary() -> pd.DataFrame:
    rows = [(task, T, m) for task in ("first_element", "adding") for T in (5, 10) for m in ("rnn", "rnn+attention",
                                                                                              "transformer")]
    frame = pd.DataFrame(rows, columns=["task", "T", "model"])
    return frame.assign(loss=0.1, accuracy=0.8, baseline=0.25, baseline_accuracy=0.5, seconds=1.0)


def _readout() -> pd.DataFrame:
    rows = [(task, 5, m, ex, t) for task in ("adding",) for m in ("rnn+attention", "transformer") for ex in range(2)
            for t in range(5)]
    frame = pd.DataFrame(rows, columns=["task", "T", "model", "example", "t"])
    return frame.assign(weight=0.2, x=0.5, marked=frame["t"] == 0)


def _self_attention() -> pd.DataFrame:
    rows = [("adding", 4, h, q, k) for h in (0, 1) for q in range(4) for k in range(4)]
    return pd.DataFrame(rows, columns=["task", "T", "head", "query", "key"]).assign(weight=0.25)


def _attention_curves() -> pd.DataFrame:
    frame = _curve(["rnn", "rnn+attention", "transformer"], col="model")
    return frame.assign(task="adding", T=5)


def _cost() -> pd.DataFrame:
    rows = [(T, m) for T in (16, 32, 64) for m in ("rnn", "self-attention")]
    frame = pd.DataFrame(rows, columns=["T", "model"])
    return frame.assign(seconds=frame["T"] * 1e-5, per_step=1e-6 * np.arange(1, 7), depth=frame["T"],
                        memory_bytes=1024 * frame["T"], repeats=7)


def _forecast(models: list[str]) -> pd.DataFrame:
    time = np.arange(10)
    return pd.concat([pd.DataFrame({"time": time, "model": m, "truth": np.sin(time), "forecast": np.sin(time) + 0.1 * i,
                                    "residual": -0.1 * i + 0.01 * time})
                      for i, m in enumerate(models)], ignore_index=True)


FORECAST_MODELS = ["persistence", "seasonal naive", "AR", "RNN", "RNN readout-only", "LSTM", "GRU"]


def _timings(value: str = "median_s") -> pd.DataFrame:
    methods = [("loop", "step loop"), ("batched", "batched"), ("blelloch", "Blelloch scan"),
               ("attention", "self-attention")]
    rows = [(T, m, label) for T in (16, 64, 256) for m, label in methods]
    frame = pd.DataFrame(rows, columns=["T", "method", "label"])
    base = frame["T"] * 1e-5
    return frame.assign(median_s=base, q25_s=base * 0.9, q75_s=base * 1.1, repeats=5, calls_per_repeat=1,
                        speedup=2.0, speedup_q25=1.5, speedup_q75=2.5, against="step loop", depth=frame["T"],
                        width=frame["T"])


def _sentiment_acc() -> pd.DataFrame:
    rows = [(m, s) for m in ("bag-of-words", *CELLS) for s in ("all", "plain", "negated")]
    return pd.DataFrame(rows, columns=["model", "subset"]).assign(accuracy=0.7, correct=7, n=10)


def _words(models=("bag-of-words", "lstm")) -> pd.DataFrame:
    words = ["not", "good", "zzz"]
    return pd.DataFrame([(i, w, f"{i}:{w}", w == "zzz", m, 0.3 + 0.1 * i) for m in models for i, w in enumerate(words)],
                        columns=["position", "word", "token", "oov", "model", "p_positive"])


def _builders() -> dict:
    lag = _lag_rows()
    norms = pd.DataFrame([(r, t) for r in (0.8, 1.0, 1.2) for t in range(1, 11)], columns=["radius", "t"])
    norms = norms.assign(grad_norm=norms["radius"] ** (10 - norms["t"]), in_lines=True,
                         log10_norm=np.log10(norms["radius"]) * (10 - norms["t"]), status="finite")
    norms.loc[0, "status"] = "underflow"
    spectra = pd.DataFrame({"radius": [0.8, 1.2], "spectral_radius": [0.8, 1.2], "sigma_max": [1.5, 2.2],
                            "eta": [1.5, 2.2], "gain": [0.7, 1.1]})
    flow = pd.concat([pd.DataFrame({"t": np.arange(1, 6), "norm": 10.0 ** -np.arange(5, 0, -1), "lo": 1e-6, "hi": 1.0,
                                    "stage": stage, "cell": c, "label": "Xavier"})
                      for c in CELLS for stage in ("at initialization", "after training")], ignore_index=True)
    surface = pd.DataFrame({"w_lo": [0.0, 1.0], "w_hi": [1.0, 2.0], "b_lo": [0.0, 0.0], "b_hi": [1.0, 1.0],
                            "w": [0.5, 1.5], "b": [0.5, 0.5], "loss": [0.1, 0.2], "grad_norm": [1.0, 5.0]})
    paths = pd.DataFrame({"run": ["plain", "plain", "clipped", "clipped"], "k": [0, 1, 0, 1], "w": [0.5, 1.0, 0.5, 0.8],
                          "b": [0.5, 0.6, 0.5, 0.55], "loss": 0.1, "grad_norm": 2.0, "clipped": False, "on_map": True})
    clip = _curve(clipping.RUNS, col="run")
    init_runs = pd.DataFrame({"label": initialization.INITS[:5], "ratio": [1.0, 0.5, 0.05, 0.02, 0.9],
                              "verdict": ["stuck", "learning", "solved", "solved", "stuck"]})
    checks = pd.DataFrame({"kind": ["cell", "loss"], "case": ["rnn", "mse"], "array": ["W", "y"],
                           "rel_error": [1e-9, 0.0], "passed": [True, True]})
    race = pd.DataFrame([(o, lr, s) for o in slow_training.OPTIMIZERS for lr in (0.01, 0.1) for s in range(1, 6)],
                        columns=["optimizer", "lr", "step"])
    race = race.assign(run=race["optimizer"] + " " + race["lr"].astype(str), seconds=race["step"] * 0.01,
                       loss=1.0 / race["step"], smoothed=1.0 / race["step"])
    per_T = pd.DataFrame({"T": [10, 20, 40], "median_s": [0.01, 0.02, 0.04], "q25_s": [0.009, 0.018, 0.035],
                          "q75_s": [0.011, 0.022, 0.045], "fit_s": [0.01, 0.02, 0.04], "repeats": 5})
    parts = pd.DataFrame({"part": ["forward", "backward", "update"], "median_s": [0.01, 0.02, 0.001],
                          "q25_s": [0.009, 0.018, 0.0009], "q75_s": [0.011, 0.022, 0.0011], "share": [0.3, 0.6, 0.1],
                          "repeats": 5})
    spikes = pd.DataFrame({"step": np.arange(1, 7), "grad_norm": [1.0, 1.1, 9.0, 1.2, 1.0, 1.1], "loss": 0.5,
                           "recent_median": 1.0, "spike": [False, False, True, False, False, False]})
    claim = pd.DataFrame({"source": ["The article prints", "Its logic, run here"], "speedup": [8.0, 1.1],
                          "low": [8.0, 1.0], "high": [8.0, 1.2]})
    article = pd.DataFrame({"epoch": np.tile(np.arange(1, 6), 2), "run": np.repeat(["the article's loop",
                                                                                     "real BPTT"], 5),
                            "loss": 0.25, "mean": 0.25})
    outputs = pd.DataFrame({"t": np.tile(np.arange(1, 5), 2), "output": np.repeat(["0", "1"], 4), "y": 0.1})
    hidden = pd.DataFrame({"t": np.repeat(np.arange(1, 5), 3), "unit": np.tile(np.arange(3), 4), "h": 0.5})
    inputs = pd.DataFrame({"t": np.repeat(np.arange(1, 5), 3), "channel": np.tile(np.arange(3), 4), "x": -0.5})
    return {
        basics.input_at: (inputs, 2), basics.state_heatmap: (hidden, 2), basics.outputs_over_time: (outputs, 2),
        gradients.norms_by_t: (norms,), gradients.norms_heatmap: (norms,),
        gradients.against_bound: (pd.DataFrame({"t": np.arange(1, 5).repeat(2), "series": ["measured", "bound"] * 4,
                                                "value": 0.5}), 0.9, 1.5),
        gradients.gain_vs_sigma: (spectra, 1.0, "tanh"),
        gradients.scalar_sweep: (pd.DataFrame({"weight": [0.1, 1.0, 10.0], "log10_grad": [-100.0, -30.0, -300.0],
                                               "log10_bound": [-160.0, -60.0, 40.0]}),
                                 pd.DataFrame({"weight": [0.1, 10.0], "log10_grad": [-20.0, 20.0]})),
        gradients.scalar_trace: (pd.DataFrame({"weight": np.repeat([0.1, 10.0], 3), "t": np.tile([1, 50, 100], 2),
                                               "log10_grad": -1.0 * np.arange(6)}),),
        long_term.loss_curve: (_curve(["lstm"]),), long_term.dh0_curve: (_curve(["lstm"]),),
        long_term.ratio_vs_lag: (lag,), long_term.success_vs_lag: (stats.rates(lag, ["T", "cell"]),), long_term.dh0_vs_lag: (lag,),
        long_term.article_chart: (article,),
        gated_cells.flow_chart: (flow,), clipping.clip_loss_chart: (clip,), clipping.clip_norm_chart: (clip,),
        clipping.cliff_chart: (surface, paths), initialization.ratio_by_choice: (init_runs,),
        attention.lag_chart: (_attention_summary(), "loss"), attention.readout_map: (_readout(), "adding", 5,
                                                                                      "rnn+attention"),
        attention.self_attention_map: (_self_attention(), "adding", 4),
        attention.curves_chart: (_attention_curves(), _attention_summary(), "adding", 5),
        attention.cost_chart: (_cost(),),
        engine_check.check_errors: (checks, 1e-6),
        engine_check.parity: (pd.DataFrame({"case": ["rnn-tanh", "lstm"], "quantity": ["h", "dW"],
                                            "rel_diff": [1e-16, 0.0]}),),
        forecasting.series_overview: (pd.DataFrame({"time": np.arange(6), "value": 1.0,
                                                    "part": ["train"] * 4 + ["test"] * 2}),),
        forecasting.forecast_vs_truth: (_forecast(FORECAST_MODELS),),
        forecasting.horizon_chart: (pd.DataFrame([(h, m) for h in (1, 2, 3) for m in FORECAST_MODELS],
                                                 columns=["h", "model"]).assign(mae=0.1, rmse=0.2, origins=4),),
        forecasting.residual_boxes: (_forecast(FORECAST_MODELS),),
        forecasting.residual_lines: (_forecast(["AR", "RNN"]),),
        forecasting.loss_curves: (_curve(["RNN", "RNN readout-only"], col="model").assign(
            smoothed=lambda f: f["loss"]),),
        sentiment.accuracy_bars: (_sentiment_acc(),),
        sentiment.loss_curves: (_curve(CELLS, col="model").assign(curve="training"),),
        sentiment.val_accuracy: (_curve(CELLS, col="model").assign(accuracy=0.7),),
        sentiment.trace_chart: (_words(),),
        sentiment.hidden_heatmap: (pd.DataFrame([(i, w, f"{i}:{w}", u, 0.5) for i, w in enumerate(["a", "b"])
                                                 for u in range(3)],
                                                columns=["position", "word", "token", "unit", "value"]),),
        slow_training.loss_race: (race,), slow_training.step_cost: (per_T,), slow_training.breakdown: (parts,),
        slow_training.grad_norms: (spikes,), slow_training.loss_line: (race[race["run"] == race["run"].iloc[0]],),
        slow_training.cosine_histogram: (pd.DataFrame({"cosine": [-0.5, 0.1, 0.9]}),),
        parallelism.time_vs_T: (_timings(),), parallelism.speedups: (_timings(),), parallelism.depth: (_timings(),),
        parallelism.scan_width: (_timings(),), parallelism.article_claim: (claim,),
    }


#: Keyword arguments some builders require.
KWARGS = {
    long_term.loss_curve: {"baseline": 0.5}, long_term.article_chart: {"baseline": 0.25},
    clipping.clip_loss_chart: {"baseline": 0.5}, clipping.clip_norm_chart: {"threshold": 1.0},
    initialization.ratio_by_choice: {"title": "Held-out loss / baseline"},
    forecasting.series_overview: {"temporal": False, "title": "The series"},
    forecasting.forecast_vs_truth: {"temporal": False, "title": "One step ahead"},
    forecasting.residual_lines: {"temporal": False},
    sentiment.loss_curves: {"bow_val_loss": 0.6}, sentiment.val_accuracy: {"bow_val_acc": 0.7},
    sentiment.hidden_heatmap: {"model": "lstm"},
    slow_training.loss_race: {"x": "step", "baseline": 1.0, "threshold": 0.2},
    slow_training.step_cost: {"slope_ms": 1.0}, slow_training.breakdown: {"T": 10},
    slow_training.grad_norms: {"stopped_at": 4}, slow_training.loss_line: {"title": "Loss", "reference": 0.69,
                                                                           "reference_label": "ln 2"},
}

BUILDERS = _builders()


def _public_builders() -> Iterator:
    for info in pkgutil.iter_modules(rnncore.charts.__path__):
        if info.name == "common":
            continue
        module = importlib.import_module(f"rnncore.charts.{info.name}")
        for name, obj in vars(module).items():
            if (inspect.isfunction(obj) and obj.__module__ == module.__name__ and not name.startswith("_")
                    and inspect.signature(obj).return_annotation not in ("alt.Color",)):
                yield obj


def test_every_public_builder_is_checked():
    missing = [f"{f.__module__}.{f.__name__}" for f in _public_builders() if f not in BUILDERS]
    assert not missing, f"add a small frame for these chart builders: {missing}"


# ---- walking a spec -----------------------------------------------------------------------------------------------

def _nodes(node) -> Iterator[dict]:
    """Every dict in a spec, except inline data."""
    if isinstance(node, list):
        for item in node:
            yield from _nodes(item)
    elif isinstance(node, dict):
        yield node
        for key, value in node.items():
            if key not in ("datasets", "data"):
                yield from _nodes(value)


def _encodings(spec: dict) -> Iterator[tuple[str, dict, dict]]:
    """(channel, definition, the unit spec holding it) for every encoding channel."""
    for node in _nodes(spec):
        for channel, definition in (node.get("encoding") or {}).items():
            for item in definition if isinstance(definition, list) else [definition]:
                if isinstance(item, dict):
                    yield channel, item, node


def _mark(node: dict) -> str:
    mark = node.get("mark")
    return mark.get("type", "") if isinstance(mark, dict) else (mark or "")


def _style_problems(spec: dict) -> list[str]:
    problems = []
    allowed = common.palette() | {"black"}
    for channel, item, node in _encodings(spec):
        scale = item.get("scale") or {}
        if channel in ("color", "fill", "stroke") and "field" in item:
            if "scheme" in scale:
                if scale["scheme"] not in (common.DIVERGING, common.SEQUENTIAL):
                    problems.append(f"{channel} {item['field']}: scheme {scale['scheme']!r}")
                if scale["scheme"] == common.DIVERGING and (not scale.get("reverse") or scale.get("domainMid") != 0):
                    problems.append(f"{channel} {item['field']}: the diverging scale must be reversed around 0")
            elif item.get("type") in ("nominal", "ordinal"):
                colours = scale.get("range")
                if not isinstance(colours, list) or not set(colours) <= allowed:
                    problems.append(f"{channel} {item['field']}: colours {colours} not from the palette")
        if channel in ("x", "y") and item.get("type") == "quantitative" and "bin" not in item:
            axis = item.get("axis") or {}
            if scale.get("type") == "log":
                if scale.get("nice") is not False:
                    problems.append(f"{channel} {item.get('field')}: log scale not fitted to the data (nice)")
                listed = "values" in axis and axis.get("format") == common.LINEAR_FORMAT
                if scale.get("base", 10) == 10 and axis.get("format") != common.LOG_FORMAT and not listed:
                    problems.append(f"{channel} {item.get('field')}: log axis format {axis.get('format')!r}")
            elif axis.get("format") not in (common.LINEAR_FORMAT, common.PERCENT_FORMAT):
                problems.append(f"{channel} {item.get('field', item.get('aggregate'))}: linear axis format "
                                f"{axis.get('format')!r}")
            if _mark(node) == "bar" and (scale.get("type") == "log" or scale.get("zero") is False):
                problems.append(f"bars on {channel} {item.get('field')}: a log or non-zero axis")
    for node in _nodes(spec):
        if _mark(node) == "text":
            problems.append("a text mark: name lines in a legend, not on the data")
        colour = node.get("mark", {}).get("color") if isinstance(node.get("mark"), dict) else None
        if colour is not None and colour not in allowed:
            problems.append(f"mark colour {colour} not from the palette")
        encoding = node.get("encoding") or {}
        if _mark(node) in ("line", "point", "circle", "bar", "area") and colour is None and not (
                {"color", "fill", "stroke"} & set(encoding)):
            problems.append(f"a {_mark(node)} mark in the renderer's default colour, not the palette's")
        height = node.get("height")
        if isinstance(height, (int, float)) and height < common.MIN_HEIGHT and "facet" not in spec:
            problems.append(f"height {height} < {common.MIN_HEIGHT}")
    if not any(node.get("title") for node in (spec, *spec.get("layer", []))):
        problems.append("no title")
    return problems


@pytest.mark.parametrize("builder", list(BUILDERS), ids=lambda f: f"{f.__module__.rsplit('.', 1)[-1]}.{f.__name__}")
def test_every_chart_uses_the_palette_formats_and_layout_of_common(builder):
    chart = builder(*BUILDERS[builder], **KWARGS.get(builder, {}))
    spec = assert_valid_chart(chart)
    assert _style_problems(spec) == []


def test_the_walker_catches_each_kind_of_miss():
    frame = pd.DataFrame({"x": [1.0, 2.0], "y": [1.0, 10.0], "c": ["a", "b"]})
    default_colours = alt.Chart(frame, title="t", height=300).mark_line().encode(
        x=common.qx("x:Q", "x"), y=common.qy("y:Q", "y"), color=alt.Color("c:N", title="c"))
    nice_log = alt.Chart(frame, title="t", height=300).mark_line().encode(
        x=common.qx("x:Q", "x"), y=alt.Y("y:Q", title="y", scale=alt.Scale(type="log")))
    log_bars = alt.Chart(frame, title="t", height=300).mark_bar().encode(
        x=alt.X("c:N", title="c"), y=common.qy("y:Q", "y", log=True))
    untitled = alt.Chart(frame, height=300).mark_line().encode(x=common.qx("x:Q", "x"), y=common.qy("y:Q", "y"))
    squashed = alt.Chart(frame, title="t", height=70).mark_line().encode(x=common.qx("x:Q", "x"),
                                                                          y=common.qy("y:Q", "y"))
    labelled = default_colours.encode(color=common.category_color("c:N", title="c", order=["a", "b"])) + alt.Chart(
        frame).mark_text().encode(x=common.qx("x:Q", "x"), y=common.qy("y:Q", "y"), text=alt.Text("c:N", title="c"))
    for chart, expected in [(default_colours, "not from the palette"), (nice_log, "not fitted"),
                            (log_bars, "bars on y"), (untitled, "no title"), (squashed, "height 70"),
                            (labelled, "a text mark")]:
        problems = " | ".join(_style_problems(assert_valid_chart(chart)))
        assert expected in problems, (expected, problems)


def test_families_keep_their_colour_on_every_page_and_categories_never_take_one():
    assert common.family_hex("RNN") == common.family_hex("rnn") == common.CELL_COLORS["rnn"]
    assert common.family_hex("rnn+attention") == common.FAMILY_COLORS["attention"]
    assert common.family_hex("self-attention") == common.FAMILY_COLORS["transformer"]
    assert common.family_hex("RNN readout-only") != common.family_hex("RNN")
    assert not set(common.CATEGORY_COLORS) & {*common.FAMILY_COLORS.values(), *common.READOUT_ONLY_COLORS.values()}
    with pytest.raises(ValueError, match="not a model family"):
        common.family_hex("clip by value")
    # one colour per model on the sentiment and forecasting pages as on the gated-cells page
    specs = [assert_valid_chart(sentiment.accuracy_bars(_sentiment_acc())),
             assert_valid_chart(forecasting.horizon_chart(BUILDERS[forecasting.horizon_chart][0])),
             assert_valid_chart(long_term.ratio_vs_lag(_lag_rows()))]
    for spec in specs:
        for channel, item, _ in _encodings(spec):
            if channel == "color" and "domain" in (item.get("scale") or {}):
                scale = item["scale"]
                for name, colour in zip(scale["domain"], scale["range"]):
                    if name.lower() in ("rnn", "lstm", "gru"):
                        assert colour == common.CELL_COLORS[name.lower()], (name, colour)


def test_signed_heatmaps_agree_on_plus_one():
    basics_spec = assert_valid_chart(BUILDERS and basics.state_heatmap(*BUILDERS[basics.state_heatmap]))
    sentiment_spec = assert_valid_chart(sentiment.hidden_heatmap(*BUILDERS[sentiment.hidden_heatmap], model="lstm"))
    scales = [item["scale"] for spec in (basics_spec, sentiment_spec) for channel, item, _ in _encodings(spec)
              if channel == "color" and (item.get("scale") or {}).get("scheme")]
    assert len(scales) == 2 and scales[0] == scales[1] == common.diverging((-1, 1)).to_dict()
