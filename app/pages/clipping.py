"""Gradient clipping: the same run with and without clipping in an exploding regime, clipping against lag from the
shipped sweep, and Pascanu's cliff with gradient descent paths, clipped or not."""

import numpy as np
import pandas as pd
import streamlit as st

from app import runs, ui
from rnncore.charts import clipping as charts
from rnncore.experiments import clipping as exp
from rnncore.experiments import sweeps
from rnncore.experiments import long_term

PAGE = "clipping"
DEMO = sweeps.DEMOS["demo_clip"]


@ui.cached(max_entries=16, spinner=False)
def cliff(cfg: exp.CliffConfig) -> exp.CliffResult:
    return exp.cliff(cfg)


@ui.cached(max_entries=1, spinner=False)
def clipping_sweep() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The shipped clipping sweep with a run label, and its summary per lag."""
    frame = sweeps.load("sweep_clipping").frame
    frame["run"] = np.where(frame["clip"].isna(), "no clipping", "clip by global norm")
    return frame, exp.lag_summary(frame)


seed = ui.global_seed()
sweep, summary = clipping_sweep()
lo, hi = summary.iloc[0], summary.iloc[-1]
found = exp.clip_findings(sweep)
sweep_settings = sweeps.load("sweep_clipping").settings

st.title("Gradient clipping")
st.markdown(
    "When the recurrence amplifies, the gradient grows with the distance it travels back through time, and a single "
    "step taken with a huge gradient throws the weights far from where they were. Clipping by global norm "
    "(Pascanu, Mikolov & Bengio 2013) rescales the whole gradient to a bounded norm, keeping its direction; "
    "clipping by value clamps each entry on its own. Below, the same model, the same seed and the same batches "
    "are trained three ways in an exploding regime, the effect is measured against the lag, and Pascanu's one-unit "
    "cliff shows the geometry."
)
n_seeds = found.seeds
ui.article_box(
    said="Gradient clipping prevents exploding gradients by limiting their magnitude during training. No code, "
         "no numbers.",
    code_does="Nothing to run: clipping is a list item at the end of the article.",
    measured=f"{exp.describe(sweeps.config_of(sweep.iloc[0]))}, {n_seeds} seeds per lag (shipped sweep). "
             f"Without clipping the largest gradient of a run is **{lo['max_grad_none']:.3g}** at T = {int(lo['T'])} "
             f"and **{hi['max_grad_none']:.3g}** at T = {int(hi['T'])} (medians of seeds). "
             + " ".join(found.sentences),
)

st.header("The same run, clipped and not")
with st.container(border=True):
    c = st.columns(4)
    with c[0]:
        T = ui.select_slider("Lag T", [10, 25, 50, 100, 200], key="T", value=DEMO.config.T)
    with c[1]:
        lr = ui.select_slider("Learning rate (SGD)", [0.001, 0.003, 0.01, 0.03, 0.1], key="lr", value=DEMO.config.lr)
    with c[2]:
        threshold = ui.select_slider("Threshold c", [0.01, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0], key="threshold",
                                     value=DEMO.config.threshold,
                                     help="Global norm: the whole gradient's norm is at most c. By value: each "
                                          "entry lies in [−c, c].")
    with c[3]:
        steps = ui.select_slider("Steps", [10, 50, 100, 300, 500], key="steps", value=DEMO.config.steps)
    cfg = exp.ClipConfig(T=T, lr=lr, threshold=threshold, steps=steps)
    st.caption("An IRNN (ReLU, W_h = I; Le et al. 2015), H = 32, on the adding problem, batch 64. With W_h = I an "
               "active unit passes its gradient back undamped, so once training pushes an eigenvalue of W_h above 1 "
               "the gradient grows like λ^T: the longer the sequence, the larger the spikes.")
    result, origin = runs.shipped_or_live(PAGE, "train", runs.Part(
        (cfg, seed), lambda report: sweeps.make_demo(DEMO.name, cfg, seed, callback=report),
        lambda: exp.work(cfg), len(cfg.modes) * steps), shipped=sweeps.shipped_demo(DEMO.name, cfg, seed),
        made_by=f"python -m rnncore.experiments.sweeps {DEMO.name}", label="Train the three runs",
        what="Training the same model with and without clipping")

if result is not None:
    trained, curves = result["runs"], result["curves"]
    for row in trained.itertuples():
        if row.stopped_at == row.stopped_at and row.stopped_at is not None:
            ui.show_run_problem(step=int(row.stopped_at), reason=row.reason, total=steps, what=row.run.capitalize())
    for column, row in zip(st.columns(len(trained)), trained.itertuples()):
        column.metric(row.run.capitalize(), f"{row.ratio:.3g}× baseline", f"{row.verdict}; {row.clip_events} clipped",
                      delta_color="off", delta_arrow="off")
    st.caption(f"Seed {seed}, {origin}. Held-out loss on 1,000 sequences as a multiple of the baseline "
               f"{trained['baseline'].iloc[0]:.4g}.")
    left, right = st.columns(2)
    baseline = float(trained["baseline"].iloc[0])
    ui.chart(charts.clip_loss_chart, curves, baseline=baseline, where=left,
             caption="Same seed and batches: a run thrown off jumps up; one that learns falls under the baseline.")
    ui.chart(charts.clip_norm_chart, curves, threshold=threshold, where=right,
             caption="Measured before clipping: a clipped run shows the gradients it was protected from. Clipping by "
                     "value does not bound the global norm.")
    ui.download_csv(curves, "clipping-curves")

st.header("Clipping against lag")
ui.chart(charts.ratio_vs_lag, sweep, color="run:N", color_title="Run", cells=False, order=charts.RUNS,
         title="Held-out loss against lag, with and without clipping (threshold 1)",
         caption="One point per seed, the lines their medians: points far above 1 are runs thrown off by a "
                 "gradient spike.")
ui.chart(charts.success_vs_lag, found.rates, color="run:N", color_title="Run", cells=False, order=charts.RUNS,
         caption="The share of seeds under 10% of the baseline, with 95% Wilson intervals.")
st.markdown(
    f"The sweep's setting: {exp.describe(sweeps.config_of(sweep.iloc[0]))}, clipping by global norm "
    f"{sweep['clip'].max():g} or none; {sweep_settings.get('chosen') or 'chosen by hand'}. "
    "**Does clipping help more as T grows?** Share of runs thrown far above the baseline (loss / baseline > "
    f"{long_term.WORSE:g}) without clipping: "
    + ", ".join(f"T = {r.T}: **{r.thrown_none:.0%}**" for r in summary.itertuples())
    + "; with clipping: " + ", ".join(f"T = {r.T}: **{r.thrown_clip:.0%}**" for r in summary.itertuples())
    + f". Tested (one-sided Fisher exact, {found.seeds} seeds a lag, p < 0.05 to claim, the best lag corrected for "
      "the lags tried): " + " ".join(found.sentences)
)
shown = pd.DataFrame({
    "T": summary["T"],
    "median loss / baseline, no clipping": summary["median_none"].map("{:.3g}".format),
    "median loss / baseline, clipped": summary["median_clip"].map("{:.3g}".format),
    "thrown off, no clipping": summary["thrown_none"].map("{:.0%}".format),
    "thrown off, clipped": summary["thrown_clip"].map("{:.0%}".format),
    "median largest ‖g‖, no clipping": summary["max_grad_none"].map("{:.3g}".format),
    "median largest ‖g‖, clipped": summary["max_grad_clip"].map("{:.3g}".format),
})
st.dataframe(shown, hide_index=True)
ui.download_csv(sweep, "clipping-against-lag")

st.header("Pascanu's cliff")
st.markdown(
    "One sigmoid unit run for 50 steps without input, x_t = w·σ(x_{t−1}) + b from x_0 = 0.5, asked to end at "
    "σ(x_50) = 0.7 (Pascanu et al. 2013, section 2.3). For w > 4 the unit has two stable states, and which one it "
    "ends in flips across a thin band of (w, b): the loss jumps there, and its gradient is huge. Pick a start: plain "
    "gradient descent that lands on the cliff face is thrown across the map; the clipped one walks down it."
)
with st.container(border=True):
    c = st.columns(5)
    defaults = exp.CliffConfig()
    with c[0]:
        w0 = ui.slider("Start w", key="w0", min_value=0.0, max_value=10.0, value=defaults.w0, step=0.25)
    with c[1]:
        b0 = ui.slider("Start b", key="b0", min_value=-6.0, max_value=6.0, value=defaults.b0, step=0.25)
    with c[2]:
        c_lr = ui.select_slider("Learning rate", [0.01, 0.03, 0.1, 0.3, 1.0], key="cliff_lr", value=defaults.lr)
    with c[3]:
        c_clip = ui.select_slider("Clip threshold", [0.05, 0.1, 0.5, 1.0, 5.0], key="cliff_clip",
                                  value=defaults.threshold)
    with c[4]:
        c_steps = ui.select_slider("Steps", [20, 50, 100, 200, 500], key="cliff_steps", value=defaults.steps)
cliff_cfg = exp.CliffConfig(w0=w0, b0=b0, lr=c_lr, threshold=c_clip, steps=c_steps)
cl = cliff(cliff_cfg)
ui.chart(charts.cliff_chart, cl.surface, cl.paths,
         caption="The thin band where the colour jumps is the cliff: follow each descent where it meets it.")
for column, row in zip(st.columns(2), cl.runs.itertuples()):
    left_map = " It left the map." if row.left_map else ""
    column.markdown(f"**{row.run.capitalize()}**: ends at w = {row.w:.3g}, b = {row.b:.3g} with E = {row.loss:.2g}; "
                    f"its largest step was {row.largest_step:.3g} (largest gradient {row.largest_grad:.3g}), "
                    f"{row.clip_events} clipped steps.{left_map}")
ui.download_csv(cl.paths, "cliff-paths")
ui.download_csv(cl.surface, "cliff-surface")

ui.reproduce(f"""
    import rnncore.experiments.clipping as cl

    result = cl.compare(cl.{cfg!r}, seed={seed})
    print(result.runs)
    cliff = cl.cliff(cl.CliffConfig(w0={w0}, b0={b0}, lr={c_lr}, threshold={c_clip}, steps={c_steps}))
    print(cliff.runs)
    print("headline:", result.runs.set_index("run").ratio["clip by global norm"])   # its loss / baseline metric
""")
