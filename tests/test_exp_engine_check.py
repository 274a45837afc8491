"""Engine check experiment: every check passes, a wrong gradient fails, the truncated surrogate is right, versions."""

import importlib.metadata

import numpy as np
import pytest

from helpers import assert_valid_chart
from rnncore import bptt, get_cell, gradcheck, unroll
from rnncore.charts import engine_check as charts
from rnncore.experiments import engine_check

TINY = engine_check.Config(batch=1, T=3, input_size=2, hidden_size=2, output_size=2, vocab_size=3, truncate=2)


@pytest.fixture(scope="module")
def result():
    return engine_check.run(TINY, seed=0)


def test_every_cell_loss_and_array_is_checked_and_passes(result):
    table = result.table
    assert set(table["case"]) == {label for label, _, _ in engine_check.CELL_CASES}
    kinds = set(table["kind"])
    assert {"cell, full BPTT", "cell, truncated BPTT (k = 2)"} <= kinds
    assert {f"model, {loss} loss ({engine_check.OUTPUT_OF_LOSS[loss]})" for loss in ("mse", "bce", "xent")} <= kinds
    lstm_full = table[(table["kind"] == "cell, full BPTT") & (table["case"] == "lstm")]
    assert set(lstm_full["array"]) == {"W_x", "W_h", "b", "xs", "h0", "c0"}
    gru_model = table[(table["kind"].str.startswith("model")) & (table["case"] == "gru")]
    assert {"E", "W_y", "b_y", "b_hn"} <= set(gru_model["array"])
    bad = table[~table["passed"]]
    assert bad.empty, bad.to_string()
    assert (table["rel_error"] <= gradcheck.TOLERANCE).all()


def test_the_control_check_fails_as_it_must(result):
    assert not result.control["passed"].any()
    assert (result.control["rel_error"] > 1e-4).all()  # 0.1% injected


def test_summary_counts_the_table(result):
    summary = result.summary.set_index("kind")
    counts = result.table.groupby("kind").size()
    for kind, row in summary.iterrows():
        assert row["checks"] == counts[kind] and row["passed"] == counts[kind]


def _case(rng, name="gru", B=2, T=5, D=2, H=3):
    cell = get_cell(name)
    params = cell.init_params(rng, D, H, scheme="uniform")
    xs, u = rng.standard_normal((B, T, D)), rng.standard_normal((B, T, H))
    s0 = rng.standard_normal((B, H))
    us = rng.standard_normal((B, H))
    return cell, params, xs, s0, u, us


def test_truncated_objective_equals_the_full_one_when_the_window_covers_everything(rng):
    cell, params, xs, s0, u, us = _case(rng)
    _, cache = unroll(cell, params, xs, s0)
    frozen = (cache.store.h.copy(),)
    full = gradcheck.unroll_objective(cell, params, xs, s0, u, us)
    assert gradcheck.truncated_objective(cell, params, xs, s0, u, us, 5, frozen) == pytest.approx(full, rel=1e-12)


def test_truncated_gradient_is_checked_against_the_right_surrogate(rng):
    """bptt(truncate=2) passes against the k=2 surrogate and fails against k=3: the check has teeth."""
    cell, params, xs, s0, u, us = _case(rng)
    _, cache = unroll(cell, params, xs, s0)
    frozen = (cache.store.h.copy(),)
    _, _, grads = bptt(cell, params, u, cache, dstate=us, truncate=2)
    arrays = {"W_h": params["W_h"]}
    right = gradcheck.check(lambda: gradcheck.truncated_objective(cell, params, xs, s0, u, us, 2, frozen),
                            arrays, grads)
    wrong = gradcheck.check(lambda: gradcheck.truncated_objective(cell, params, xs, s0, u, us, 3, frozen),
                            arrays, grads)
    assert right[0].passed and not wrong[0].passed


def test_relu_notes_report_the_distance_to_the_kink(result):
    notes = result.table.loc[result.table["case"] == "rnn-relu", "note"]
    assert notes.str.startswith("closest pre-activation to relu's kink").all()
    gaps = notes.str.extract(r"kink: ([0-9.e+-]+)")[0].astype(float)
    assert (gaps > 100 * TINY.eps).all()


def test_versions_come_from_the_installed_packages():
    table = engine_check.versions().set_index("package")["version"]
    assert table["numpy"] == np.__version__
    assert table["streamlit"] == importlib.metadata.version("streamlit")
    assert table["python"].count(".") == 2
    assert set(engine_check.PACKAGES) <= set(table.index)


def test_config_rejects_bad_values():
    with pytest.raises(ValueError, match="T must"):
        engine_check.Config(T=0)
    with pytest.raises(ValueError, match="eps"):
        engine_check.Config(eps=0.5)


def test_torch_parity_is_at_rounding_level():
    pytest.importorskip("torch")
    frame = engine_check.torch_parity(0, B=2, T=4, D=2, H=3)
    assert set(frame["case"]) == {"rnn-tanh", "rnn-relu", "lstm", "gru"}
    assert "dL/db_hn" in set(frame.loc[frame["case"] == "gru", "quantity"])
    assert frame["rel_diff"].max() < 1e-12, frame.sort_values("rel_diff").tail(3)


def test_charts_are_valid(result):
    assert_valid_chart(charts.check_errors(result.table, gradcheck.TOLERANCE))
    frame = result.table[["case", "array", "rel_error"]].rename(columns={"array": "quantity", "rel_error": "rel_diff"})
    assert_valid_chart(charts.parity(frame.assign(rel_diff=0.0)))  # bit-identical values are drawn, at the floor


def test_findings_count_the_passes_name_the_worst_and_say_whether_the_control_was_caught(result):
    found = engine_check.findings(result)
    assert (found.passed, found.total) == (int(result.table["passed"].sum()), len(result.table))
    assert found.worst["rel_error"] == result.table["rel_error"].max() and found.failing.empty
    assert found.caught and found.control_error > engine_check.TOLERANCE
    broken = result.table.copy()
    broken.loc[0, ["rel_error", "passed"]] = [0.5, False]  # one check that fails: counted, named, listed
    control = result.control.assign(passed=True)          # a control that passes is a check that sees nothing
    found = engine_check.findings(result._replace(table=broken, control=control))
    assert found.passed == found.total - 1 and found.worst["array"] == broken.loc[0, "array"]
    assert list(found.failing.index) == [0] and not found.caught
