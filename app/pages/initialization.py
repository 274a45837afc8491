"""Initialization: five initial weight choices for the same vanilla RNN, compared by the gradient flow at
initialization and by training success on the adding problem."""

import streamlit as st

from app import runs, ui
from rnncore.charts import initialization as charts
from rnncore.experiments import initialization as exp
from rnncore.experiments import sweeps

PAGE = "initialization"


@ui.cached(max_entries=16, spinner=False)
def flow(cfg: exp.InitConfig, seed: int):
    return exp.flow_at_init(cfg, seed)


@ui.cached(max_entries=1, spinner=False)
def init_sweep():
    """The shipped initialization sweep, with the choice behind each row and its label."""
    return exp.with_choices(sweeps.load("sweep_init").frame)


@ui.cached(max_entries=16, spinner=False)
def stored_runs(cfg: exp.InitConfig, seed: int):
    """The shipped rows of every choice of ``cfg`` at ``seed``, or None when the sweep lacks one."""
    frame = init_sweep()
    rows = [sweeps.find(frame, cfg.run_config(c), seed) for c in exp.CHOICES if c in set(frame["choice"])]
    return None if any(r is None for r in rows) else frame.loc[[r.name for r in rows]]


seed = ui.global_seed()
sweep = init_sweep()
shipped_radius = float(sweep.loc[sweep["choice"] == "radius", "spectral_radius"].iloc[0])
found = exp.init_findings(sweep)
med = found.medians

st.title("Initialization")
st.markdown(
    "Where the weights start decides how much gradient flows back through time on the very first step, and so "
    "whether training can ever find the long-range dependency. With tanh, ‖dL/dh_t‖ shrinks at least like "
    "(σ_max(W_h))^(T−t) when the largest singular value of W_h is below 1. Tiny random weights vanish fastest; "
    "an orthogonal W_h keeps every singular value at 1; the IRNN starts from W_h = I with ReLU, which passes the "
    "gradient back unchanged through active units. Here the same vanilla RNN starts from each choice."
)
ui.article_box(
    said="Proper weight initialization, such as Xavier/Glorot, helps stabilize gradient flow. No numbers.",
    code_does="Its own samples start every weight at N(0, 0.01²), the \"small random\" choice below: the one "
              "whose gradient vanishes fastest.",
    measured="Shipped sweep, vanilla RNN on adding, median held-out loss / baseline at T = 50: "
             + ", ".join(f"{exp.LABELS[c]} **{med.get((50, c), float('nan')):.2g}**" for c in exp.CHOICES
                         if (50, c) in med.index)
             + f" (ρ = {shipped_radius:g}). Below 0.1 is success.",
)

st.header("Gradient flow at initialization")
with st.container(border=True):
    c = st.columns(4)
    with c[0]:
        T = ui.select_slider("Lag T", list(sweeps.LAGS), key="T", value=50)
    with c[1]:
        hidden_size = ui.select_slider("Hidden size H", [8, 16, 32, 64], key="hidden", value=32)
    with c[2]:
        radius = ui.slider("Spectral radius ρ (last choice)", key="radius", min_value=0.5, max_value=2.0,
                           value=shipped_radius, step=0.05,
                           help="Xavier weights, then W_h rescaled so that its largest |eigenvalue| is ρ.")
    with c[3]:
        steps = ui.select_slider("Training steps", [10, 100, 500, 1500], key="steps", value=sweeps.REFERENCE.steps,
                                 help="Adam, lr 0.01, batch 64, clip 1: the sweep's settings.")
cfg = exp.InitConfig(T=T, hidden_size=hidden_size, radius=radius, steps=steps)
fl = flow(cfg, seed)
first = fl[fl["t"] == 1].set_index("label")["norm"]
ui.chart(charts.flow_chart, fl, color="label:N", color_title="Initialization", cells=False,
         order=charts.INITS, title="How much of the last step's gradient reaches step t, at initialization",
         caption=f"Seed {seed}; mean over 64 held-out sequences of a unit gradient at step {T}. Reaching step 1: "
                 + ", ".join(f"{k} {v:.1e}" for k, v in first.items()) + ".")
ui.download_csv(fl, "flow-at-initialization")

st.header(f"Training success at T = {T}")
stored = stored_runs(cfg, seed)
if stored is None:
    seeds = sweeps.load("sweep_init").settings["seeds"]
    st.info(f"The shipped sweep has no run for these settings at seed {seed} (it has H = 32, ρ = "
            f"{shipped_radius:g}, {sweeps.REFERENCE.steps} steps, seeds {seeds}). "
            "Press **Train the five initializations** to train them.", icon=":material/info:")
res = runs.one(PAGE, "train", runs.Part(
    (cfg, seed), lambda report: exp.train_choices(cfg, seed, callback=report), lambda: exp.work(cfg),
    len(cfg.choices) * steps), label="Train the five initializations", what="Training the five initializations",
    shipped=stored is not None)
if res is not None:
    trained, note = res.runs, f"Live run, seed {seed}."
    for row in trained.itertuples():
        if row.stopped_at == row.stopped_at and row.stopped_at is not None:
            ui.show_run_problem(step=int(row.stopped_at), reason=None, total=steps, what=row.label)
elif stored is not None:
    trained = stored
    note = f"Shipped sweep, seed {seed} (`python -m rnncore.experiments.sweeps sweep_init`)."
else:
    trained, note = None, None
if trained is not None:
    ui.chart(charts.ratio_by_choice, trained, title=f"Held-out loss / baseline after {steps} steps, T = {T}",
             caption=note + " " + "; ".join(f"{r.label}: {r.verdict}" for r in trained.itertuples()) + ".")
    ui.download_csv(trained, "init-training-success")

st.header("Against lag")
ui.chart(charts.ratio_vs_lag, sweep, color="label:N", color_title="Initialization", cells=False,
         order=charts.INITS, title="Held-out loss against lag, per initialization (shipped sweep)",
         caption="One point per seed, the lines their medians: the lower the line, the longer the lag it learns.")
ui.chart(charts.success_vs_lag, found.rates, color="label:N", color_title="Initialization", cells=False,
         order=charts.INITS,
         caption="The share of seeds under 10% of the baseline, with 95% Wilson intervals.")
st.markdown(f"**Tested** (one-sided Fisher exact on the successes, {found.seeds} seeds a point, p < 0.05 to claim, the "
            "best of several lags corrected for how many were tried):\n\n"
            + "\n".join(f"- {s}" for s in found.sentences))
if "irnn_le" in set(sweep["choice"]):
    le = sweeps.config_of(sweep[sweep["choice"] == "irnn_le"].iloc[0])
    st.caption(f"{exp.LABELS['irnn_le']}: plain SGD, learning rate {le.lr:g}, clipped at norm {le.clip:g}, batch "
               f"{le.batch}, H {le.hidden_size}, {le.steps:,} steps "
               f"({sweeps.load('sweep_init').settings.get('chosen')}). "
               "Le et al. report the IRNN solving the adding problem at long lags with a far larger training "
               f"budget than the {le.steps:,} steps here: a run here that stays at the baseline says what this "
               "budget reaches, not what the IRNN can do.")
ui.download_csv(sweep, "init-against-lag")

ui.reproduce(f"""
    import rnncore.experiments.initialization as ins

    cfg = ins.{cfg!r}
    flow = ins.flow_at_init(cfg, seed={seed})
    print(flow.query("t == 1"))
    print(ins.train_choices(cfg, seed={seed}).runs)
    print("headline:", flow.query("t == 1 and choice == 'orthogonal'").norm.item())   # reaching step 1, as captioned
""")
