"""LSTM & GRU: how much gradient flows back through time in each cell, before and after training from the same seed,
and success against lag from the shipped sweep."""

import math

import streamlit as st

from app import runs, ui
from rnncore.charts import gated_cells as charts
from rnncore.experiments import gated_cells as exp
from rnncore.experiments import sweeps
from rnncore.experiments import long_term

PAGE = "gated_cells"
DEMO = sweeps.DEMOS["demo_gates"]


@ui.cached(max_entries=16, spinner=False)
def at_init(cfg: exp.GateConfig, seed: int):
    return exp.flow_at_init(cfg, seed)


seed = ui.global_seed()
lag = long_term.with_models(sweeps.lag_sweeps())
found = {task: long_term.lag_findings(lag[lag["task"] == task]) for task in ("adding", "first_element")}
base = sweeps.load(DEMO.name)  # the shipped demo, whatever its settings: the article box quotes them
base_cfg, base_seed = base.settings["config"], base.settings["seed"]

st.title("LSTM & GRU")
st.markdown(
    "The vanilla RNN multiplies its gradient by W_h diag(tanh') at every step back, so the gradient that reaches "
    "the early steps shrinks or grows geometrically. The LSTM adds a cell state updated by addition, "
    "c_t = f·c_{t−1} + i·g, whose step Jacobian is the forget gate f: while f stays near 1 the gradient passes back "
    "almost unchanged. The GRU does the same with its update gate z. Whether the gates *start* open is another "
    "matter: with a forget-gate bias of 0, f starts near σ(0) = 0.5, and the cell halves its memory at every step "
    "until training opens the gate; the standard bias of 1 (the default here, Jozefowicz et al. 2015) starts it near "
    "σ(1) ≈ 0.73. Here the three cells, with the same seed and the same hidden size, get a unit "
    "gradient at the last step, and we measure how much of it reaches every earlier step, before and after "
    "training on a memory task."
)
b_flow = base.frame["flow"]
shipped_reach = exp.reach(b_flow)
before, after = shipped_reach.before, shipped_reach.after
ui.article_box(
    said="LSTM and GRU introduce gating mechanisms that mitigate the vanishing gradient problem and capture "
         "long-term dependencies better. No code, no numbers.",
    code_does="Nothing to run: the remedies are a list at the end of the article.",
    measured=f"{base_cfg['task'].replace('_', ' ').capitalize()}, T = {base_cfg['T']}, H = {base_cfg['hidden_size']}, "
             f"seed {base_seed}. Share of the last "
             "step's gradient that reaches step 1, at initialization → after "
             f"{base_cfg['steps']} steps: RNN **{before['rnn']:.1e} → {after['rnn']:.1e}**, LSTM "
             f"**{before['lstm']:.1e} → {after['lstm']:.1e}**, GRU **{before['gru']:.1e} → {after['gru']:.1e}** "
             f"(LSTM forget-gate bias {base_cfg['forget_bias']:g}). Shipped sweep on the adding problem, "
             f"{found['adding'].seeds} seeds a point: " + " ".join(found["adding"].sentences[:3]),
)

st.header("Gradient flow through time")
with st.container(border=True):
    c = st.columns(5)
    with c[0]:
        task = ui.select("Task", ["adding", "first_element", "temporal_order", "copy_memory"], key="task",
                         value=DEMO.config.task)
    with c[4]:
        forget_bias = ui.select_slider("LSTM forget-gate bias", [0.0, 1.0, 2.0], key="forget_bias",
                                       value=DEMO.config.forget_bias,
                                       help="Added to the forget gate's bias at initialization: 1 or 2 starts the "
                                            "LSTM remembering (Jozefowicz et al. 2015).")
    with c[1]:
        T = ui.select_slider("Lag T", [20, 25, 50, 100, 200], key="T", value=DEMO.config.T)
    with c[2]:
        hidden_size = ui.select_slider("Hidden size H", [8, 16, 32, 64], key="hidden", value=DEMO.config.hidden_size)
    with c[3]:
        steps = ui.select_slider("Training steps", [10, 100, 200, 500, 1000, 1500], key="steps",
                                 value=DEMO.config.steps, help="Adam, lr 0.01, batch 64, clip 1: the sweep's settings.")
    cfg = exp.GateConfig(task=task, T=T, hidden_size=hidden_size, steps=steps, forget_bias=forget_bias)
    trained, origin = runs.shipped_or_live(PAGE, "train", runs.Part(
        (cfg, seed), lambda report: sweeps.make_demo(DEMO.name, cfg, seed, callback=report),
        lambda: exp.work(cfg), len(exp.CELLS) * steps), shipped=sweeps.shipped_demo(DEMO.name, cfg, seed),
        made_by=f"python -m rnncore.experiments.sweeps {DEMO.name}", label="Train the three cells",
        what="Training the RNN, the LSTM and the GRU")

if trained is not None:
    flow = trained["flow"]
    st.caption(f"Seed {seed}, {origin}. Dashed: at initialization; solid: after {steps} training steps. The band "
               "of sequences is in the CSV (10% and 90% quantiles).")
else:
    flow = at_init(cfg, seed)
    st.info(f"At initialization only. Press **Train the three cells** to add the flow after {steps} steps "
            "(three runs; the estimate is beside the button).", icon=":material/info:")
ui.chart(charts.flow_chart, flow,
         caption="Read each line from the right (the last step) to t = 1: the higher it ends, the more gradient "
                 "reaches the start.")
reached = exp.reach(flow)
parts = [f"{c.upper()} **{reached.before[c]:.1e}**"
         + (f" → **{reached.after[c]:.1e}**" if not math.isnan(reached.after[c]) else "") for c in exp.CELLS]
opened = [c.upper() for c in reached.opened]
st.markdown("Reaching step 1" + (" (at initialization → after training)" if trained is not None else "") + ": "
            + ", ".join(parts) + "."
            + (f" Training opened the path of the {' and the '.join(opened)} (more than {exp.OPENED:g} times the "
               "gradient reaches step 1): a gate that starts partly shut vanishes the gradient as surely as a small "
               "W_h, and what the gated cells add is a path that training can open." if opened else ""))
ui.download_csv(flow, "gradient-flow")

if trained is not None:
    scores = trained["runs"]
    for row in scores.itertuples():
        if row.stopped_at == row.stopped_at and row.stopped_at is not None:
            ui.show_run_problem(step=int(row.stopped_at), reason=row.reason, total=steps, what=row.cell.upper())
    cols = st.columns(len(scores))
    for column, row in zip(cols, scores.itertuples()):
        column.metric(f"{row.cell.upper()}: held-out loss / baseline", f"{row.ratio:.1%}", row.verdict,
                      delta_color="off", delta_arrow="off")
    ui.chart(charts.loss_curve, trained["curves"], baseline=float(scores["baseline"].iloc[0]), color="cell:N",
             color_title="Cell", cells=True, title="Training loss, same seed and batches",
             caption="Same seed and batches for the three cells: a line that leaves the dashed baseline has learned.")
    ui.download_csv(trained["curves"], "training-curves")

st.header("Success against lag")
sweep_task = ui.select("Task of the sweep", ["adding", "first_element"], key="sweep_task", value="adding",
                       radio=True)
rows = lag[lag["task"] == sweep_task]
left, right = st.columns([3, 2])
ui.chart(charts.ratio_vs_lag, rows, where=left,
         caption=f"One point per seed ({found[sweep_task].seeds} per lag, {sweeps.REFERENCE.steps:,} Adam steps), "
                 "the line their median; under the lower dashed line is a success.")
ui.chart(charts.success_vs_lag, found[sweep_task].rates, where=right,
         caption=f"Bars: 95% Wilson intervals. Made by `python -m rnncore.experiments.sweeps "
                 f"{sweeps.LAG_SWEEPS[sweep_task]}`; the "
                 "Long-term dependencies page recomputes any point live.")
st.markdown("**Tested** (one-sided Fisher exact, p < 0.05 to claim; the best of several lags corrected for how many "
            "were tried):\n\n" + "\n".join(f"- {s}" for s in found[sweep_task].sentences))
ui.download_csv(rows, f"success-against-lag-{sweep_task}")

ui.reproduce(f"""
    import rnncore.experiments.gated_cells as rm

    result = rm.gate_flow(rm.{cfg!r}, seed={seed})
    print(result.runs)
    print(result.flow[result.flow["t"] == 1])
    print("headline:", result.runs.set_index("cell").ratio["lstm"])   # the LSTM's held-out loss / baseline metric
""")
