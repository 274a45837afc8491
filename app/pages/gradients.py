"""Vanishing and exploding gradients: ‖dL/dh_t‖ through time against the spectral radius, Pascanu's bound, and the
article's scalar demo corrected."""

import numpy as np
import pandas as pd
import streamlit as st

from app import ui
from rnncore.charts import gradients as charts
from rnncore.experiments import gradients as exp

st.title("Vanishing & exploding gradients")
st.markdown(
    "Backpropagation through time multiplies the gradient by one step Jacobian per step, "
    r"$\frac{\partial L}{\partial h_{t-1}} = \frac{\partial L}{\partial h_t}\,"
    r"\frac{\partial h_t}{\partial h_{t-1}}$. Over many steps that product shrinks or grows roughly geometrically, "
    "at a rate set by the recurrent matrix W_h and the slope of the nonlinearity. Here a vanilla RNN gets a loss "
    "at its last step only, and we measure how much of that gradient reaches every earlier step, while the "
    "spectral radius of W_h sweeps from vanishing to exploding. The result is checked against the bound of "
    "Pascanu, Mikolov & Bengio (2013)."
)


@ui.cached(max_entries=8, spinner=False)
def scalar(T: int, seed: int) -> exp.ScalarResult:
    return exp.scalar_demo(T, seed)


demo = scalar(100, ui.global_seed())
by_weight = demo.sweep.set_index("weight")
small, large = by_weight.loc[0.1], by_weight.loc[10.0]
demo_facts = exp.scalar_findings(demo.sweep)
ui.article_box(
    said="A one-unit sigmoid RNN, backpropagated through 100 steps, gives a gradient norm of **1.09e-20** with "
         "weight 0.1 (vanishing) and **2.01e+20** with weight 10 (exploding).",
    code_does="Prints **0.0** twice. Its backward recursion starts from a **zero** gradient at the last step, so "
              "every product is zero whatever the weight. (Its `sigmoid_derivative(h) = h(1 − h)` is right: it "
              "is given the sigmoid's output.)",
    measured=f"Seeded with dL/dh_T = 1, weight 0.1 gives **1e{small.log10_grad:.0f}** and weight 10 gives "
             f"**1e{large.log10_grad:.0f}**: it **vanishes too**, because the unit saturates. Neither printed "
             "number can come from that code. A sigmoid unit with a large weight does not explode; a "
             "non-saturating RNN does (below).",
)

st.header("The gradient through time")
row1 = st.columns(4)
with row1[0]:
    nonlinearity = ui.select("Nonlinearity f", list(exp.NONLINEARITIES), key="nonlinearity", value="tanh",
                             help="γ = max |f'|: 1 for tanh, relu and identity, 1/4 for the sigmoid.")
with row1[1]:
    scheme = ui.select("Init of W_h", ["orthogonal", "identity", "xavier", "small", "uniform"], key="init",
                       value="orthogonal",
                       help="Drawn, then rescaled to the spectral radius. orthogonal and identity give normal "
                            "matrices (σ_max = radius); the others are non-normal (σ_max above the radius, up "
                            "to about 2×).")
with row1[2]:
    T = ui.select_slider("Sequence length T", [10, 25, 50, 100, 200, 300, 400, 500], key="T", value=100)
with row1[3]:
    hidden = ui.select_slider("Hidden size H", [8, 16, 32, 64, 128], key="H", value=32)
row2 = st.columns([2, 3, 2])
with row2[0]:
    radius = ui.slider("Spectral radius (vs the bound)", key="radius", min_value=0.5, max_value=1.5, value=0.9,
                       step=0.05, help="The radius whose gradient is measured against Pascanu's bound.")
with row2[1]:
    lines = ui.multiselect("Radii drawn as lines", list(exp.RADII), key="radii", value=[0.8, 1.0, 1.2],
                           help="Add 3, 5 or 8 with relu or identity to watch the gradient overflow.")
with row2[2]:
    sweep_max = ui.select_slider("Heatmap: radii from 0.5 to", [1.5, 2.0, 3.0, 5.0, 8.0], key="sweep_max",
                                 value=1.5)
if not lines:
    st.info("No radius selected for the lines: drawing the radius of the slider.", icon=":material/info:")
    lines = [radius]
if len(lines) > charts.MAX_LINES:  # one colour per line
    lines = sorted(lines)[:charts.MAX_LINES]
    st.info(f"At most {charts.MAX_LINES} radii can be drawn as lines, one colour each: drawing "
            f"{', '.join(f'{r:g}' for r in lines)}.", icon=":material/info:")
cfg = exp.Config(nonlinearity=nonlinearity, scheme=scheme, T=T, hidden_size=hidden, radius=round(radius, 4),
                       compare=tuple(sorted(round(r, 4) for r in lines)), sweep_max=sweep_max)
seed = ui.global_seed()


@ui.cached(max_entries=16, spinner=False)
def measure(cfg: exp.Config, seed: int) -> exp.Result:
    with ui.progress("Backpropagating through time") as report:
        return exp.run(cfg, seed, callback=report)


result = measure(cfg, seed)
norms, spectra = result.norms, result.spectra
facts = exp.findings(result, cfg)

if len(result.nonfinite):
    worst = result.nonfinite.iloc[-1]
    st.warning(
        f"Non-finite values: at {len(result.nonfinite)} of the radii (from {result.nonfinite.radius.min():g} up), "
        f"‖dL/dh_t‖ passes float64's largest number (1.8e308) for the earliest steps, at radius {worst.radius:g} "
        f"for t ≤ {int(worst.t_max)}. Those cells are black in the heatmap and missing from the lines. "
        "That is what an exploding gradient does to a real training step.", icon=":material/warning:")
ui.chart(charts.norms_by_t, norms,
         caption=f"{nonlinearity}, {scheme} init, T = {T}, H = {hidden}: ‖dL/dh_1‖ is "
                 + ", ".join(f"**{shown}** at radius {r:g}" for r, shown in facts.norm_at_t1.items())
                 + f". Geometric mean over {cfg.sequences} random sequences, each with a random unit gradient at "
                   "the last step.")
ui.chart(charts.norms_heatmap, norms,
         caption="Read each row from the right (t = T) to the left: blue cells, the gradient shrank on its way back; "
                 "red, it grew.")
ui.download_csv(norms, "gradient-norms")

st.header("Measured against the bound")
thr = exp.threshold(nonlinearity)
here = spectra.set_index("radius").loc[cfg.radius]
st.markdown(
    "Each step multiplies the gradient by W_h and by f' ≤ γ, so ‖∂h_T/∂h_t‖ ≤ η^(T−t) with "
    f"**η = γ · σ_max(W_h)**, σ_max the largest **singular value** of W_h "
    f"(here γ = {exp.GAMMA[nonlinearity]:g}). When σ_max < 1/γ = **{thr:g}**, the gradient provably "
    "vanishes. The bound is stated on σ_max, not on the spectral radius ρ (the largest |eigenvalue|). They are "
    "equal for normal matrices, such as the orthogonal and identity inits, and differ for the others: a large "
    "random Gaussian-like matrix has σ_max ≈ 2ρ. "
    f"At radius **{radius:g}** this W_h has ρ = {here.spectral_radius:.3g} and σ_max = **{here.sigma_max:.3g}**, "
    + ("so the bound **proves** vanishing. " if here.bound_proves_vanishing else
       "so the bound proves **nothing** (it grows); measure instead. ")
    + f"Measured per-step gain: **{here.gain:.3g}**."
)
left, right = st.columns(2)
with left:
    ui.chart(charts.against_bound, result.focus, radius, here.sigma_max,
             caption="*measured*: ‖dL/dh_t‖ for random loss directions; *worst direction*: the largest singular "
                     "value of the Jacobian product, which is what the bound bounds.")
    ui.download_csv(result.focus, "gradient-vs-bound")
with right:
    ui.chart(charts.gain_vs_sigma, spectra, thr, nonlinearity,
             caption="A gain below 1 vanishes, above 1 explodes; left of the dashed 1/γ the bound proves "
                     "vanishing.")
    ui.download_csv(spectra, "gradient-spectra")

st.header("Where does the gradient really explode?")
at_12 = {nl: facts.explosion_at[(nl, 1.2)] for nl in ("identity", "relu", "tanh", "sigmoid")}
grows = {nl: "none of them" if r is None else f"radius {r:g}" for nl, r in facts.first_growth.items()}
st.markdown(
    "A large recurrent weight is not enough: a saturating unit (sigmoid, tanh) has f' → 0 where its input is "
    "large, and that brake tightens as the weight grows; relu passes only its active units (f' is 0 or 1). "
    f"Measured with the settings above (T = {T}), ‖dL/dh_1‖ at radius 1.2 is **{at_12['identity']}** with "
    f"identity, **{at_12['relu']}** with relu, **{at_12['tanh']}** with tanh and "
    f"**{at_12['sigmoid']}** with the sigmoid. Of the radii "
    f"{', '.join(f'{r:g}' for r in exp.EXPLOSION_RADII)}, the first where the gradient grows (‖dL/dh_1‖ > 1) "
    f"is: identity **{grows['identity']}**, relu **{grows['relu']}**, tanh "
    f"**{grows['tanh']}**, sigmoid **{grows['sigmoid']}**. Explosion needs a regime that does "
    "not saturate."
)
bad_rows = result.explosion[result.explosion["status"] != "finite"]
if len(bad_rows):
    st.warning("Outside float64's range: " + ", ".join(f"{r.nonlinearity} at radius {r.radius:g} ({r.status})"
                                                       for r in bad_rows.itertuples()), icon=":material/warning:")
table = result.explosion.pivot(index="nonlinearity", columns="radius", values="norm_t1")
# Formatted here: the grid's own number format shows some large values in full, digit by digit.
st.dataframe(table.rename(columns=lambda r: f"radius {r:g}").map(lambda v: "" if v != v else f"{v:.2e}"),
             width="stretch")
st.caption(f"‖dL/dh_1‖ with a unit gradient at step T = {T}, per nonlinearity and spectral radius: above 1 the "
           "gradient grew on its way back. Empty: outside float64's range.")
ui.download_csv(result.explosion, "gradient-explosion")

st.header("The article's scalar demo, corrected")
article = pd.DataFrame({"weight": list(exp.ARTICLE_PRINTS),
                        "log10_grad": np.log10(list(exp.ARTICLE_PRINTS.values()))})
st.markdown(
    "The article's demo runs one sigmoid unit h_{t+1} = σ(w h_t + x_t) for 100 steps and walks the chain "
    "rule back. Its code starts the walk from dL/dh_100 = **0**, so it computes 0.0 for every weight (column "
    "`article_code` below). Started from 1, as the chain rule needs, each step multiplies by w σ'(a) = "
    "w h (1 − h). Since σ' ≤ 1/4, one step gains at most |w|/4. With w = 0.1 that caps the gradient at "
    f"0.025^100 ≈ 1e{small.log10_bound:.0f}, far below the article's 1.09e-20; measured: "
    f"**1e{small.log10_grad:.0f}**. With w = 10 "
    f"the unit sits at h ≈ 1 on **{large.saturated:.0%}** of the steps, where σ' ≈ 0: the mean factor |w σ'| is "
    f"**{large.mean_factor:.1e}**, and the gradient reaches **1e{large.log10_grad:.0f}**. That is below float64's "
    "smallest number, so even the correct code prints 0.0 there (column `float64_grad`). "
    + (f"No weight from {demo.sweep.weight.min():g} to {demo.sweep.weight.max():g} makes this unit explode: the "
       f"largest gradient is 1e{demo_facts.largest_log10:.0f}, at w = {demo_facts.largest_at:g}." if not demo_facts.explodes else
       f"Its largest gradient is 1e{demo_facts.largest_log10:.0f}, at w = {demo_facts.largest_at:g}.")
)
left, right = st.columns(2)
with left:
    ui.chart(charts.scalar_sweep, demo.sweep, article,
             caption="The diamonds are the article's two printed norms; below the dashed float64 floor (1e-308) a "
                     "computed gradient reads 0.0.")
with right:
    ui.chart(charts.scalar_trace, demo.trace,
             caption="The same gradient, step by step back from t = 100, one line per weight.")
st.dataframe(demo.sweep, hide_index=True, width="stretch", height=220, column_config={
    name: st.column_config.NumberColumn(name, format="%.3g")
    for name in ("article_code", "float64_grad", "log10_grad", "log10_bound", "mean_factor", "saturated")})
ui.download_csv(demo.sweep, "scalar-demo-sweep")
ui.download_csv(demo.trace, "scalar-demo-trace")

ui.reproduce(f"""
    import numpy as np
    import rnncore as rc
    from rnncore import gradflow
    from rnncore.experiments import gradients

    # The charts above, for exactly these settings
    result = gradients.run(gradients.{cfg!r}, seed={seed})
    print(result.norms[result.norms.t == 1][["radius", "grad_norm", "status"]].to_string(index=False))
    print(result.spectra[["radius", "spectral_radius", "sigma_max", "gain"]].to_string(index=False))

    # One radius with the engine directly: a loss at the last step, dL/dh_T a unit vector
    rng = np.random.default_rng({seed})
    cell = rc.get_cell("rnn", nonlinearity="{nonlinearity}")
    params = cell.init_params(rng, 4, {hidden}, scheme="{scheme}", spectral_radius={radius})
    xs = rng.standard_normal((1, {T}, 4))
    dlast = rng.standard_normal((1, {hidden}))
    norms = gradflow.grad_norms_through_time(cell, params, xs, dlast / np.linalg.norm(dlast))
    print(norms[0, 0], gradflow.spectrum(params["W_h"]).sigma_max)

    # The article's scalar demo: seeded with 0 as its code is, then with 1
    for w in (0.1, 10.0):
        print(w, gradflow.scalar_sigmoid_chain(w, 100, rng=np.random.default_rng({seed}), seed_grad=0.0).grads[0],
              gradflow.scalar_sigmoid_chain(w, 100, rng=np.random.default_rng({seed})).grads[0])
    first = result.norms[result.norms.t == 1].set_index("radius")
    print("headline:", first.grad_norm[{cfg.compare[0]!r}])   # ‖dL/dh_1‖ at radius {cfg.compare[0]:g}, as in the caption
""")
