"""Gradient-flow experiment: norms against exact values, the bound, overflow as data, and the scalar demo."""

import numpy as np
import pandas as pd
import pytest

from helpers import assert_valid_chart
from rnncore import get_cell, gradflow, unroll
from rnncore.charts import gradients as charts
from rnncore.experiments import gradients

SMALL = dict(T=20, hidden_size=6, sweep_steps=5, sequences=2)


def test_summarize_takes_geometric_means_and_flags_overflow_and_underflow():
    norms = np.array([[1e-4, np.inf, 0.0, 2.0, np.nan],
                      [1e-2, 1.0, 1.0, 8.0, 1.0]])
    values, status = gradients.summarize(norms)
    assert status.tolist() == ["finite", "overflow", "underflow", "finite", "overflow"]
    np.testing.assert_allclose(values[[0, 3]], [1e-3, 4.0])
    assert np.isnan(values[[1, 2, 4]]).all()


@pytest.mark.parametrize("radius", [0.7, 1.0, 1.3])
def test_linear_rnn_with_orthogonal_weights_gives_exactly_radius_to_the_power(radius):
    """identity f and W_h = r Q (Q orthogonal): dL/dh_t = dL/dh_T (W_h^T)^(T-t), of norm r^(T-t) exactly."""
    cfg = gradients.Config(nonlinearity="identity", scheme="orthogonal", radius=radius, compare=(radius,), **SMALL)
    result = gradients.run(cfg, seed=1)
    line = result.norms[result.norms["radius"] == radius].sort_values("t")
    np.testing.assert_allclose(line["grad_norm"], radius ** (cfg.T - line["t"].to_numpy()), rtol=1e-10)
    spectra = result.spectra.set_index("radius")
    assert spectra.loc[radius, "gain"] == pytest.approx(radius, rel=1e-10)
    assert spectra.loc[radius, "sigma_max"] == pytest.approx(radius, rel=1e-10)


def test_bound_holds_and_the_worst_direction_dominates_a_random_one():
    cfg = gradients.Config(nonlinearity="tanh", scheme="orthogonal", radius=0.9, **SMALL)
    focus = gradients.run(cfg, seed=2).focus.pivot(index="t", columns="series", values="value")
    measured, worst, bound = (focus[name].to_numpy() for name in gradients.FOCUS_SERIES)
    assert (worst <= bound * (1 + 1e-9)).all()
    assert (measured <= worst * (1 + 1e-9)).all()
    assert bound[0] == pytest.approx(0.9 ** (cfg.T - 1), rel=1e-9)
    assert measured[0] < 1e-2  # sigma_max < 1 with tanh: provably vanishing


def test_sigma_max_exceeds_the_radius_for_non_normal_inits_and_decides_the_bound():
    spectra = gradients.run(gradients.Config(scheme="xavier", radius=0.9, **SMALL), seed=0).spectra
    np.testing.assert_allclose(spectra["spectral_radius"], spectra["radius"], rtol=1e-9)
    assert (spectra["sigma_max"] > spectra["radius"] * 1.05).all()
    assert (spectra["bound_proves_vanishing"] == (spectra["sigma_max"] < 1.0)).all()
    assert np.allclose(spectra["eta"], spectra["sigma_max"])  # gamma = 1 for tanh


def test_overflow_is_data_and_the_charts_still_draw():
    cfg = gradients.Config(nonlinearity="identity", scheme="orthogonal", T=400, hidden_size=4, radius=1.0,
                           compare=(1.0, 8.0), sweep_max=8.0, sweep_steps=3, sequences=1)
    result = gradients.run(cfg, seed=0)
    at8 = result.norms[result.norms["radius"] == 8.0].set_index("t")
    assert at8.loc[1, "status"] == "overflow" and np.isnan(at8.loc[1, "grad_norm"])
    # 8^(400-t) passes 1.8e308 exactly when (400 - t) log10 8 > 308.25
    last_overflow = int(result.nonfinite.set_index("radius").loc[8.0, "t_max"])
    assert last_overflow == max(t for t in range(1, 401) if (400 - t) * np.log10(8) > np.log10(np.finfo(float).max))
    assert at8.loc[400, "status"] == "finite"
    for chart in (charts.norms_by_t(result.norms), charts.norms_heatmap(result.norms)):
        spec = assert_valid_chart(chart)
        assert "Infinity" not in str(spec) and "NaN" not in str(spec).replace("'NaN'", "")


def test_tanh_explodes_only_well_past_radius_one_and_the_sigmoid_not_at_all():
    table = gradients.run(gradients.Config(T=100, hidden_size=16, sweep_steps=2), seed=0).explosion
    table = table.set_index(["nonlinearity", "radius"])["norm_t1"]
    assert table[("identity", 1.2)] > 1 > table[("tanh", 1.2)]
    assert table[("tanh", 4.0)] > 1
    assert (table.loc["sigmoid"] < 1e-3).all()  # sigma_max = 4 * radius would be needed; saturation wins


def test_run_is_deterministic_in_the_seed():
    cfg = gradients.Config(**SMALL)
    a, b, c = gradients.run(cfg, 4), gradients.run(cfg, 4), gradients.run(cfg, 5)
    assert all(x.equals(y) for x, y in zip(a, b))
    assert not a.norms.equals(c.norms)


@pytest.mark.parametrize("bad", [dict(nonlinearity="softplus"), dict(scheme="he"), dict(T=0),
                                 dict(radius=-1.0), dict(compare=(0.5, float("nan")))])
def test_config_rejects_bad_values(bad):
    with pytest.raises(ValueError):
        gradients.Config(**bad)


def test_scalar_demo_article_code_is_zero_and_the_correct_recursion_is_the_chain_rule():
    demo = gradients.scalar_demo(T=100, seed=0)
    assert (demo.sweep["article_code"] == 0.0).all()
    # the log-space value equals the float64 product wherever that is representable
    ok = demo.sweep["float64_grad"] > 0
    np.testing.assert_allclose(np.log10(demo.sweep.loc[ok, "float64_grad"]), demo.sweep.loc[ok, "log10_grad"],
                               rtol=1e-10)
    # and the bound |w|/4 per step holds for every weight
    assert (demo.sweep["log10_grad"] <= demo.sweep["log10_bound"]).all()


@pytest.mark.parametrize("weight", [0.5, 2.0, -3.0])
def test_scalar_chain_gradient_matches_finite_differences(weight):
    """The article's sigmoid_derivative(h) = h(1 - h) IS sigma'(a), given the output: the chain is right."""
    T, seed = 4, 3  # short enough that the gradient stays far above the differences' rounding
    x = np.random.default_rng(seed).standard_normal(T)  # scalar_sigmoid_chain draws its inputs first

    def h_T(h0):
        h = h0
        for t in range(T):
            h = 1.0 / (1.0 + np.exp(-(weight * h + x[t])))
        return h

    numeric = (h_T(1e-5) - h_T(-1e-5)) / 2e-5
    demo = gradflow.scalar_sigmoid_chain(weight, T, rng=np.random.default_rng(seed))
    assert demo.grads[0] == pytest.approx(numeric, rel=1e-5)


def test_the_article_numbers_cannot_come_from_its_code():
    demo = gradients.scalar_demo(T=100, seed=0).sweep.set_index("weight")
    # weight 0.1: the article's 1.09e-20 is above the largest value the recursion can reach
    assert np.log10(gradients.ARTICLE_PRINTS[0.1]) > demo.loc[0.1, "log10_bound"]
    # weight 10: the unit saturates and the gradient vanishes instead of reaching 2.01e+20
    assert demo.loc[10.0, "saturated"] > 0.9 and demo.loc[10.0, "log10_grad"] < -300
    assert demo.loc[10.0, "float64_grad"] == 0.0  # below float64's range: even correct code prints 0.0


def test_charts_are_valid():
    result = gradients.run(gradients.Config(**SMALL), seed=0)
    demo = gradients.scalar_demo(T=100, seed=0)
    article = pd.DataFrame({"weight": [0.1, 10.0], "log10_grad": [-19.96, 20.3]})
    sigma = float(result.spectra.set_index("radius").loc[0.9, "sigma_max"])
    for chart in (charts.norms_by_t(result.norms), charts.norms_heatmap(result.norms),
                  charts.against_bound(result.focus, 0.9, sigma), charts.gain_vs_sigma(result.spectra, 1.0, "tanh"),
                  charts.scalar_sweep(demo.sweep, article),
                  charts.scalar_trace(demo.trace)):
        assert_valid_chart(chart)


def test_jacobian_norms_from_gradflow_start_at_the_initial_state(rng):
    """The focus series shifts gradflow's t = 0..T-1 to t = 1..T: check the alignment on a tiny case."""
    cell = get_cell("rnn", nonlinearity="identity")
    params = cell.init_params(rng, 1, 2, scheme="orthogonal", spectral_radius=0.5)
    xs = rng.standard_normal((1, 3, 1))
    jac = gradflow.jacobian_product_norms(cell, params, xs)[0]
    np.testing.assert_allclose(jac, [0.125, 0.25, 0.5])  # ‖W^(T-t)‖ for t = 0, 1, 2
    _, cache = unroll(cell, params, xs)
    assert cache.store.h.shape[0] == 4


def test_findings_quote_the_result_the_page_draws():
    # identity, orthogonal: ‖dL/dh_1‖ = radius^(T-1) exactly, so the quoted numbers are known in advance
    cfg = gradients.Config(nonlinearity="identity", scheme="orthogonal", radius=0.9, compare=(0.8, 1.2), **SMALL)
    result = gradients.run(cfg, seed=3)
    facts = gradients.findings(result, cfg)
    T = cfg.T
    assert set(facts.norm_at_t1) == {0.8, 1.2}
    assert facts.norm_at_t1[0.8] == f"{0.8 ** (T - 1):.2g}"
    assert facts.norm_at_t1[1.2] == f"{1.2 ** (T - 1):.2g}"
    # identity grows from the first radius above 1 of the explosion grid, the sigmoid never does (f' <= 1/4)
    assert facts.first_growth["identity"] == min(r for r in gradients.EXPLOSION_RADII if r > 1)
    assert facts.first_growth["sigmoid"] is None
    row = result.explosion.set_index(["nonlinearity", "radius"]).loc[("tanh", 1.2)]
    assert facts.explosion_at[("tanh", 1.2)] == (f"{row.norm_t1:.2g}" if row.status == "finite" else row.status)


def test_scalar_findings_name_the_largest_gradient_and_whether_it_explodes():
    sweep = gradients.scalar_demo(T=30, seed=0).sweep
    facts = gradients.scalar_findings(sweep)
    assert facts.largest_log10 == sweep["log10_grad"].max()
    assert sweep.set_index("weight").loc[facts.largest_at, "log10_grad"] == facts.largest_log10
    assert facts.explodes is False  # sigma' <= 1/4 and saturation keep every weight below 1
    grown = sweep.assign(log10_grad=sweep["log10_grad"].where(sweep["weight"] != 4.0, 2.5))
    assert gradients.scalar_findings(grown) == (2.5, 4.0, True)
