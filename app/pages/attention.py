"""Attention & transformers: the remedies for long-range memory and for sequential computation, measured."""

import streamlit as st

from rnncore.experiments import attention as exp
from app import live_timing, runs, ui
from rnncore.charts import attention as charts

PAGE = "attention"


@ui.cached(max_entries=1, spinner=False)
def shipped() -> exp.Shipped:
    return exp.load_shipped()


# A timing taken on a busy machine raises live_timing.Untrusted, so it is never cached for other visitors.
@ui.cached(max_entries=8, spinner=False)
def measure(cfg: exp.CostConfig, seed: int) -> exp.LiveCost:
    with ui.progress("Timing the forward passes") as report:
        live = exp.measure_live(cfg, seed=seed, callback=report)
    return live_timing.trusted(live, live.verdict)


def fig(x: float) -> str:
    return f"{x:.2g}" if abs(x) < 0.01 else f"{x:.3f}"


base = shipped()
ref = exp.answers(base.sweep.summary, base.config)

st.title("Attention & transformers")
st.markdown(
    "A plain RNN must carry what it saw at the start through every later step, and its gradient must travel back "
    "the same way. **Attention** gives the readout a direct path to every hidden state, and the **transformer** "
    "drops the recurrence altogether: every position attends to every other in one step. Here the three models are "
    "trained with the same number of updates on two tasks whose answer sits far in the past, the attention maps "
    "show where each model looks, and the cost of each design is timed against the sequence length."
)
ui.article_box(
    said="Attention lets a model focus on the relevant parts of its input, which improves tasks with long-range "
         "dependencies; transformers use self-attention to process a whole sequence in parallel, which addresses "
         "the RNN's limited parallelization. It gives no code and no numbers for either.",
    code_does="Nothing to run: these remedies are a list at the end of the article. Its long-term dependency "
              "code, the task used here, never updates a weight (see the Long-term dependencies page).",
    measured=f"First-element recall at T = {ref.T}, {base.config.steps} Adam steps each (shipped run): plain RNN "
             f"loss {fig(ref.loss[('first_element', 'rnn')])} (baseline "
             f"{fig(ref.baseline['first_element'])}), RNN + attention "
             f"{fig(ref.loss[('first_element', 'rnn+attention')])}, transformer "
             f"{fig(ref.loss[('first_element', 'transformer')])}. Self-attention needs 1 sequential "
             "step instead of T, but its time per step and memory grow with T (below).",
)

st.header("Same budget, three models")
with st.container(border=True):
    c1, c2, c3, c4 = st.columns([1.4, 2, 1, 1])
    with c1:
        steps = ui.select_slider("Updates per model", [20, 50, 100, 200, 300, 500, 1000], key="steps",
                                 value=base.config.steps, help="Adam steps, batch of 32, the same for every model.")
    with c2:
        lags = ui.multiselect("Lags T", [5, 10, 20, 50, 100, 200], key="lags", value=list(base.config.lags),
                              help="Sequence lengths: the first bit, or the first marker, lies T - 1 steps back.")
    with c3:
        hidden_size = ui.select("Width", [8, 16, 32], key="hidden", value=base.config.hidden_size,
                           help="Hidden size of both RNNs; d_model of the transformer.")
    with c4:
        score = ui.select("Attention score", ["additive", "dot"], key="score", value=base.config.score,
                          help="The attention RNN's score: additive (Bahdanau) or scaled dot product.")
    seed = ui.global_seed()
    if not lags:
        st.warning("Pick at least one lag; the charts show the shipped run meanwhile.", icon=":material/info:")
    cfg = exp.Config(lags=tuple(sorted(lags)) or base.config.lags, steps=steps, hidden_size=hidden_size, score=score)
    if (cfg, seed) != (base.config, base.seed):
        st.info("Your settings differ from the shipped run shown below: press **Train these settings now** to run "
                "them.", icon=":material/info:")
    live = runs.one(PAGE, "train", runs.Part((cfg, seed), lambda report: exp.run(cfg, seed=seed, callback=report),
                                             lambda: exp.work(cfg), len(cfg.tasks) * len(cfg.lags) * len(exp.MODELS)
                                             * cfg.steps),
                    label="Train these settings now", what="Training three models per task and lag",
                    shipped=(cfg, seed) == (base.config, base.seed))

if live is not None:
    sweep, shown_cfg, shown_seed, origin = live, cfg, seed, f"live run, seed {seed}"
else:
    sweep, shown_cfg, shown_seed = base.sweep, base.config, base.seed
    origin = f"shipped run (seed {base.seed}, made by `{exp.COMMAND}`)"
st.caption(f"Showing the {origin}. Held-out loss and accuracy on {shown_cfg.eval_n} fresh sequences per task "
           "and lag; accuracy means within 0.5 of the first bit, or within 0.04 of the sum.")
table = sweep.summary.set_index(["task", "T", "model"])
for row in sweep.summary.dropna(subset=["stopped_at"]).itertuples():
    ui.show_run_problem(step=int(row.stopped_at), reason=row.reason, total=shown_cfg.steps,
                        what=f"{row.model} on {row.task} at T = {row.T}")

ui.chart(charts.lag_chart, sweep.summary, "loss", width="content",
         caption="Lower is better: a line under the dashed baseline has learned to remember the start.")
ui.chart(charts.lag_chart, sweep.summary, "accuracy", width="content",
         caption="One seed per point, so a single run can be lucky: change the seed in the sidebar and train to "
                 "see the spread.")
ui.download_csv(sweep.summary, "attention-loss-accuracy-vs-lag")

st.header("Where the models look")
m1, m2, m3 = st.columns(3)
with m1:
    map_task = ui.select("Task", list(shown_cfg.tasks), key="map_task", value=shown_cfg.tasks[0])
with m2:
    map_T = ui.select("Lag", list(shown_cfg.lags), key="map_T", value=max(shown_cfg.lags))
with m3:
    reader = ui.select("Readout of", ["rnn+attention", "transformer"], key="readout_of", value="rnn+attention",
                       help="The transformer's readout is its attention pooling over positions.")
focus = table.loc[(map_task, map_T, reader)]
st.markdown(
    f"The outlined cells are the positions the answer depends on. **{reader}** puts "
    f"**{focus['focus']:.0%}** of its readout weight on them, on average over {shown_cfg.eval_n} held-out sequences; "
    f"a uniform readout would put {focus['uniform_focus']:.0%} there."
    + (" The transformer's pooling can stay near uniform: its self-attention (below) has already copied what the "
       "marked positions hold into every position." if reader == "transformer" else
       " A hidden state carries its input on to the next step, so the weight may sit just after a marked step.")
)
ui.chart(charts.readout_map, sweep.readout, map_task, map_T, reader,
         caption="Bright cells are where the readout looks; the outlined cells hold what the answer depends on.")
ui.download_csv(sweep.readout, "attention-readout-weights")
first = sweep.readout[(sweep.readout["task"] == map_task) & (sweep.readout["T"] == map_T)
                     & (sweep.readout["example"] == 0) & sweep.readout["marked"]]["t"].unique()
ui.chart(charts.self_attention_map, sweep.self_attention, map_task, map_T, width="content",
         caption=f"One held-out sequence, the first row above; its marked positions: {', '.join(map(str, first))}. A "
                 "column that lights up for every query is a position that every position reads from.")
ui.download_csv(sweep.self_attention[(sweep.self_attention["task"] == map_task)
                                     & (sweep.self_attention["T"] == map_T)], "attention-self-attention")
ui.chart(charts.curves_chart, sweep.curves, sweep.summary, map_task, map_T,
         caption="Same number of updates for every model: the one that leaves the dashed baseline first learns fastest.")
ui.download_csv(sweep.curves, "attention-learning-curves")

st.header("Cost: a loop of T steps against one T × T step")
with st.container(border=True):
    k1, k2 = st.columns(2)
    with k1:
        max_T = ui.select_slider("Longest T", [128, 256, 512, 1024], key="max_T",
                                 value=max(base.cost_config.lengths))
    with k2:
        budget = ui.select_slider("Time budget (s)", [2.0, 4.0, 6.0, 10.0], key="budget",
                                  value=base.cost_config.budget, help="The whole measurement stays within it.")
    cost_cfg = exp.CostConfig(lengths=tuple(2 ** k for k in range(4, max_T.bit_length())), budget=budget)
    # the timing keeps its own bar and cache rules (live_timing); the helper adds estimate and Stop
    timing_part = runs.Part((cost_cfg, seed),
                            lambda report: live_timing.measure("attention-cost", measure, cost_cfg, seed)[1],
                            lambda: exp.cost_work(cost_cfg), 0)
    requested = runs.result(PAGE, "measure", (cost_cfg, seed)) is not None  # measured on a click in this session
    if not requested:
        runs.one(PAGE, "measure", timing_part, label="Measure on this machine", what="Timing the forward passes",
                 shipped=(cost_cfg, seed) == (base.cost_config, base.seed))
live = None
if requested:
    live, trusted = live_timing.measure("attention-cost", measure, cost_cfg, seed)
    if not trusted:
        live_timing.too_busy(live.verdict)
        live = None
    runs.one(PAGE, "measure-again", timing_part, label="Measure again", what="Timing the forward passes", again=True,
             forget=live_timing.forget("attention-cost", measure, cost_cfg, seed))
if live is not None:
    cost, cost_shown = live.frame, (cost_cfg, seed)
    where = f"this machine, just now ({live.measured_at}), in CPU time of the measuring thread"
else:
    cost, cost_shown, m = base.cost, (base.cost_config, base.seed), base.machine
    where = (f"the machine that made the shipped file ({m.get('cpus_usable')} usable CPUs, NumPy {m.get('numpy')}, "
             f"{m.get('blas_name')} with {m.get('blas_threads') or 'default'} BLAS threads)")
st.caption(f"Forward pass of one tanh RNN layer and one self-attention layer, width {cost_shown[0].width}, batch "
           f"{cost_shown[0].batch}; median of up to 7 timings, on {where}. Memory: the arrays the forward pass keeps "
           "for the backward pass.")
ui.chart(charts.cost_chart, cost, width="content",
         caption="Log-log: a line that rises with T costs more per step the longer the sequence.")
ui.download_csv(cost, "attention-cost-vs-T")

st.header("The article's three lines, answered")
v, a = exp.cost_verdict(cost), exp.answers(sweep.summary, shown_cfg)
T_top, seconds = a.T, a.seconds
lines = [f"{charts.TASK_TITLES[task].lower()} at T = {T_top}, loss {fig(a.loss[(task, 'rnn')])} for the plain RNN "
         f"(baseline {fig(a.baseline[task])}), {fig(a.loss[(task, 'rnn+attention')])} with "
         f"attention, {fig(a.loss[(task, 'transformer')])} for the transformer" for task in shown_cfg.tasks]
st.markdown(
    f"1. **Attention helps with long-range dependencies.** Measured: {'; '.join(lines)}. The maps above show how: "
    "the readout reaches the marked positions directly, not through T recurrent steps.\n"
    f"2. **Transformers process the whole sequence in parallel.** {exp.parallel_sentence(v)}\n"
    f"3. **These advances improved performance.** With the same number of updates at T = {T_top}, "
    f"{a.solved_sentence}. "
    f"The price in this NumPy engine: training the transformer took "
    f"{seconds['transformer']:.3g} s against {seconds['rnn']:.3g} s for the plain RNN and "
    f"{seconds['rnn+attention']:.3g} s for the RNN with attention ({shown_cfg.tasks[0].replace('_', '-')}, "
    f"T = {T_top})."
)

ui.reproduce(f"""
    import rnncore.experiments.attention as ex

    result = ex.run(ex.{shown_cfg!r}, seed={shown_seed})
    print(result.summary[["task", "T", "model", "loss", "accuracy", "focus"]])
    cost = ex.measure_cost(ex.{cost_shown[0]!r}, seed={cost_shown[1]})
    print(cost[["T", "model", "per_step", "memory_bytes"]])
    loss = result.summary.set_index(["task", "T", "model"]).loss
    print("headline:", loss[({shown_cfg.tasks[0]!r}, {max(shown_cfg.lags)}, "rnn+attention")])   # as in answer 1
""")
