"""Slow training and convergence: optimizers against steps and wall time, the cost of a step, exploding spikes."""

import dataclasses

import pandas as pd
import streamlit as st

from app import live_timing, runs, ui
from rnncore.charts import slow_training as charts
from rnncore.experiments import slow_article
from rnncore.experiments import slow_training as exp
from rnncore.experiments import step_cost as cost

LRS = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0)
QUICK_WORK = 10_000  # runs x steps x T x cell cost the page trains without a click (the default is 4,800)
CELL_COST = {"rnn": 1, "gru": 3, "lstm": 4}


@ui.cached(max_entries=8, spinner="Running the article's code as printed (float targets), 11 epochs...")
def as_printed(seed: int) -> slow_article.AsPrinted:
    return slow_article.as_printed(seed=seed)


st.title("Slow training & convergence")
st.markdown(
    "Training an RNN is slow twice over: each step costs time proportional to the sequence length, because the "
    "forward and backward passes walk the sequence one step at a time, and many steps are needed, because the loss "
    "surface has flat plateaus and steep cliffs where the gradient norm spikes. This page races optimizers and "
    "learning rates on the same model, the same initial weights and the same batches, measures what one step "
    "costs against T and where its time goes, and lets you raise the learning rate until the gradient explodes."
)
ui.article_box(
    said="Training is slow and unstable. Its sample trains a 32-unit RNN on 1,000 sequences of length 50 "
         "(target: is the sum positive?) and prints a loss **flat at 0.693** after 100 epochs, in **27.64 s**.",
    code_does="It stops with a **TypeError** on its first loss: the targets are booleans and it negates them. "
              + slow_article.as_printed_words(as_printed(ui.global_seed()), seed=ui.global_seed())
              + " Its \"backward pass\" is not a gradient either: it shifts every weight of the readout by the same "
              "number and never touches the recurrent weights. The run below is the Lab's rebuild, which also makes "
              "each input a column (a second fix).",
    measured="Real BPTT training of the same model with Adam leaves ln 2 within a few dozen steps (below). Cost per "
             "step grows linearly with T, and we show its slope, the share of forward, backward and update, and "
             "the learning rate at which the gradient norm explodes.",
)

st.header("The model and the task")
c1, c2, c3, c4 = st.columns(4)
with c1:
    task = ui.select("Task", sorted(exp.TASKS), key="task", value="first_element",
                     help="first_element: recall the first bit; adding: add two marked numbers; and others.")
with c2:
    T_pick = ui.select_slider("Sequence length T", [5, 10, 20, 40, 80], key="T", value=10)
with c3:
    cell = ui.select("Cell", ["rnn", "lstm", "gru"], key="cell", value="rnn")
with c4:
    H = ui.select_slider("Hidden size H", [8, 16, 32, 64], key="H", value=16)
T = max(T_pick, exp.MIN_T[task])
if T != T_pick:
    st.caption(f"The {task} task needs T ≥ {exp.MIN_T[task]}: using T = {T}.")
setup = exp.Setup(task=task, T=T, cell=cell, hidden_size=H)
seed = ui.global_seed()


# Each cached call returns its result; ui.chart caches each chart's spec by what it draws.
@ui.cached(max_entries=16)
def race(cfg: exp.RaceConfig, seed: int) -> exp.RaceResult:
    with ui.progress("Training") as report:
        return exp.race(cfg, seed=seed, callback=report)


# A timing taken on a busy machine raises live_timing.Untrusted here, so it is never cached for other visitors.
@ui.cached(max_entries=16)
def step_cost(cfg: cost.CostConfig, seed: int) -> cost.CostResult:
    with ui.progress("Timing steps") as report:
        result = cost.step_cost(cfg, seed=seed, callback=report)
    return live_timing.trusted(result, result.verdict)


@ui.cached(max_entries=4, spinner=False)
def reference_cost(cfg: cost.CostConfig) -> tuple:
    """The shipped timing for cfg (or for the default settings), and what to say over it."""
    return cost.reference_view(cfg)


@ui.cached(max_entries=32)
def spikes(cfg: exp.SpikeConfig, seed: int) -> exp.SpikeResult:
    with ui.progress("Training") as report:
        return exp.spikes(cfg, seed=seed, callback=report)


@ui.cached(max_entries=8)
def article(cfg: slow_article.ArticleConfig, seed: int) -> slow_article.ArticleResult:
    with ui.progress("Training the article's model") as report:
        return slow_article.article(cfg, seed=seed, callback=report)


PAGE = "slow_training"


# ---- the race ------------------------------------------------------------------------------------------------------
st.header("Optimizers and learning rates")
c1, c2, c3, c4 = st.columns([2, 2, 1, 1])
with c1:
    optimizers = ui.multiselect("Optimizers", list(exp.OPTIMIZERS), key="opt", value=list(exp.OPTIMIZERS))
with c2:
    lrs = ui.multiselect("Learning rates", list(LRS), key="lr", value=[0.01, 0.1])
with c3:
    steps = ui.select_slider("Steps", [30, 60, 120, 250, 500], key="steps", value=60)
with c4:
    fraction = ui.slider("Threshold (× baseline)", key="thr", min_value=0.05, max_value=0.9, value=0.2, step=0.05,
                         help="A run reaches the threshold when its loss, averaged over 10 steps, is below this "
                              "fraction of the loss of the best constant prediction.")
race_cfg = exp.RaceConfig(setup=setup, optimizers=tuple(optimizers), lrs=tuple(sorted(lrs)), steps=steps,
                           threshold=fraction)
work = len(optimizers) * len(lrs) * steps * T * CELL_COST[cell] * max(1, H // 16)
if not optimizers or not lrs:
    st.info("Pick at least one optimizer and one learning rate.", icon=":material/touch_app:")
    raced = None
elif work > QUICK_WORK:  # trained on a click, with its estimate
    n_runs = len(optimizers) * len(lrs)
    raced = runs.one(PAGE, "go-race", runs.Part(
        (race_cfg, seed), lambda report: exp.race(race_cfg, seed=seed, callback=report),
        lambda: exp.race_work(race_cfg), n_runs * steps), label="Train these runs",
        what=f"Training {n_runs} runs of {steps} steps")
else:
    raced = race(race_cfg, seed)

if raced is not None:
    left, right = st.columns(2)
    for where, x in ((left, "step"), (right, "seconds")):
        ui.chart(charts.loss_race, raced.curves, x=x, baseline=raced.baseline, threshold=raced.threshold, where=where,
                 caption="One colour per optimizer, one dash per learning rate; the further left a line crosses "
                         "the dotted threshold, the faster that run trained.")
    for row in raced.table[raced.table["stopped_at"].notna()].itertuples():
        ui.show_run_problem(step=int(row.stopped_at), reason=row.problem, total=steps, what=f"Run {row.run}",
                            hint="Lower its learning rate.")
    table = raced.table.drop(columns=["optimizer", "lr", "stopped_at"]).rename(columns={
        "run": "Run", "steps_to_threshold": "Steps to threshold", "seconds_to_threshold": "Seconds to threshold",
        "final_loss": "Final loss", "seconds_per_step": "Seconds per step", "steps_run": "Steps run",
        "problem": "Problem"})
    st.markdown(f"Threshold: loss ≤ **{raced.threshold:.4g}** ({fraction:g} × the constant predictor's "
                f"{raced.baseline:.4g}); 'None' means the run never got there.")
    st.dataframe(table, hide_index=True, width="stretch", column_config={
        "Seconds to threshold": st.column_config.NumberColumn(format="%.3f"),
        "Final loss": st.column_config.NumberColumn(format="%.4g"),
        "Seconds per step": st.column_config.NumberColumn(format="%.5f")})
    ui.download_csv(raced.curves, "training-curves")
    ui.download_csv(raced.table, "steps-to-threshold")

# ---- the cost of a step --------------------------------------------------------------------------------------------
st.header("What one step costs")
long_cfg = cost.CostConfig(setup=setup, lengths=exp.lengths_for(task, exp.LONG_LENGTHS), budget=exp.LONG_BUDGET)
longer = runs.result(PAGE, "go-cost", (long_cfg, seed)) is not None  # the longer timing ran on a click
cost_cfg = long_cfg if longer else cost.CostConfig(setup=setup)
timed_T = exp.lengths_for(task, cost_cfg.lengths)
if timed_T != cost_cfg.lengths:
    st.caption(f"The {task} task needs T ≥ {exp.MIN_T[task]}: timing T = {', '.join(map(str, timed_T))} only.")
    cost_cfg = dataclasses.replace(cost_cfg, lengths=timed_T)
measured, trusted = live_timing.measure("slow-cost", step_cost, cost_cfg, seed)
if trusted:
    timed = measured
    st.caption("Measured on this machine just now, in CPU time of the measuring thread, with the BLAS on one thread.")
else:
    live_timing.too_busy(measured.verdict)
    timed, label = reference_cost(cost_cfg)
    if timed is not None:
        st.info(label, icon=":material/history:")
if timed is not None:
    for column, (label, value) in zip(st.columns(3), cost.figures(timed).items()):
        column.metric(label, value)
    left, right = st.columns(2)
    ui.chart(charts.step_cost, timed.per_T, slope_ms=timed.fit.slope * 1e3, where=left,
             caption="Each point is the median of repeated timings, its bar the middle half; the dashed line is the "
                     "straight-line fit whose slope is the cost of one more time step.")
    ui.chart(charts.breakdown, timed.breakdown, T=timed.breakdown_T, where=right,
             caption="Where one training step's time goes, at one sequence length.")
    st.markdown(cost.cost_sentence(timed))
    st.markdown(cost.breakdown_sentence(timed))
    ui.download_csv(timed.per_T, "step-cost")
    ui.download_csv(timed.breakdown, "step-breakdown")
runs.one(PAGE, "again-cost", runs.Part((cost_cfg, seed),
                                      lambda report: live_timing.measure("slow-cost", step_cost, cost_cfg, seed)[1],
                                      lambda: cost.work(cost_cfg), 0),
         label="Measure again", what="Timing steps", again=True,
         forget=live_timing.forget("slow-cost", step_cost, cost_cfg, seed))
if not longer:  # the timing keeps its own bar and its cache rules (live_timing); the helper adds estimate and Stop
    runs.one(PAGE, "go-cost", runs.Part((long_cfg, seed),
                                        lambda report: live_timing.measure("slow-cost", step_cost, long_cfg, seed)[1],
                                        lambda: cost.work(long_cfg), 0),
             label=f"Time longer sequences (up to T = {max(long_cfg.lengths)})", what="Timing longer sequences")

# ---- spikes --------------------------------------------------------------------------------------------------------
st.header("Exploding spikes")
c1, c2 = st.columns([1, 3])
with c1:
    spike_opt = ui.select("Optimizer", list(exp.OPTIMIZERS), key="spike_opt", value="sgd")
with c2:
    spike_lr = ui.select_slider("Learning rate: raise it until the gradient explodes",
                                [0.01, 0.02, 0.05, 0.1, 0.12, 0.15, 0.2, 0.3, 0.5, 1.0], key="spike_lr", value=0.1)
spike_cfg = exp.SpikeConfig(setup=setup, optimizer=spike_opt, lr=spike_lr)
spiked = spikes(spike_cfg, seed)
ui.show_run_problem(step=spiked.stopped_at, reason=spiked.reason, total=spike_cfg.steps, what="Training",
                    hint="Lower the learning rate, or see the gradient clipping page.")
ui.chart(charts.grad_norms, spiked.frame, stopped_at=spiked.stopped_at,
         caption="The red points are spikes: a gradient more than 10 times the median of the steps before it.")
st.markdown(
    f"**{spiked.spikes}** spike(s) up to here: steps whose gradient norm is more than 10× the median of the "
    "20 steps before (red). A spike is the gradient falling off a cliff of the loss surface; a plain gradient step "
    "scaled by it jumps far away, and past a critical learning rate the jumps feed on themselves."
)
ui.download_csv(spiked.frame, "gradient-norms")

# ---- the article's sample ------------------------------------------------------------------------------------------
st.header("The article's sample, run")
full_cfg = slow_article.FULL_ARTICLE
full = runs.result(PAGE, "go-article", (full_cfg, seed))
art_cfg = full_cfg if full is not None else slow_article.ArticleConfig()
art = full if full is not None else article(art_cfg, seed)
st.markdown("Its loss, run as printed on its boolean targets, stops with:")
st.code(art.type_error, language="text")
wrong = slow_article.uphill_share(art)
st.markdown(
    f"With the targets cast to floats it runs. Its update changes only the readout W_hy, every entry by the same "
    f"amount, and on **{wrong:.0%}** of the sequences it points *uphill* (a negative cosine with the real descent "
    "direction, (y − out)·h_Tᵀ). The other weights never move:"
)
moved = pd.DataFrame({"weight": list(art.article_moved), "largest change": list(art.article_moved.values())})
left, right = st.columns([2, 1])
ui.chart(charts.cosine_histogram, pd.DataFrame({"cosine": art.cosine}), where=left,
         caption="A cosine below 0 is an update that points uphill: to first order it raises the loss.")
right.dataframe(moved, hide_index=True, width="stretch",
                column_config={"largest change": st.column_config.NumberColumn(format="%.3g")})
per_run = art.article_seconds_per_sequence * 1000 * 100
a, b, c, d = st.columns(4)
a.metric("Its loss after its loop", f"{art.article_loss[-1]:.4f}", help="ln 2 = 0.6931: a coin toss.")
b.metric("Its test accuracy", f"{art.article_accuracy:.1%}")
c.metric("Real training: test accuracy", f"{art.accuracy:.1%}", help=f"Adam, {art_cfg.steps} steps of 50 sequences")
d.metric("Its 100 epochs here (projected)", f"{per_run:.0f} s",
         help=f"Its loop timed on {min(art_cfg.article_samples, art_cfg.n)} sequences × {art_cfg.article_epochs} "
              "epochs, scaled to 1,000 × 100. The article printed 27.64 s.")
ui.show_run_problem(step=art.stopped_at, reason=art.reason, what="Real training")
ui.chart(charts.loss_line, art.curves, title=f"Real training of its model: {art_cfg.steps} Adam steps in "
         f"{art.seconds:.2f} s", y="smoothed", y_title="Loss (mean of 10 steps)", reference=0.6931,
         reference_label="its flat 0.693 (ln 2)",
         caption="The dashed line is ln 2 = 0.693, a coin toss's loss and the flat loss the article printed.")
st.markdown(f"Test loss {art.test_loss:.3f} on {art_cfg.n_test} new sequences, after {art_cfg.steps} steps "
            f"({art.seconds:.2f} s of training).")
runs.one(PAGE, "go-article", runs.Part(
    (full_cfg, seed), lambda report: slow_article.article(full_cfg, seed=seed, callback=report),
    lambda: slow_article.work(full_cfg), full_cfg.steps),
    label=f"Train at full size: {full_cfg.steps:,} steps of {full_cfg.batch} = its 100 epochs of 1,000 sequences",
    what="Training the article's model at full size")
ui.download_csv(art.curves, "article-model-training")

ui.reproduce(f"""
    from rnncore.experiments.slow_training import RaceConfig, Setup, SpikeConfig, race, spikes
    from rnncore.experiments.step_cost import CostConfig, cost_sentence, step_cost

    runs = race({race_cfg!r}, seed={seed})
    print(runs.table[["run", "steps_to_threshold", "seconds_to_threshold", "final_loss"]].to_string(index=False))
    cost = step_cost({cost_cfg!r}, seed={seed})
    print(cost_sentence(cost) if cost.verdict.trustworthy else "too busy: " + "; ".join(cost.verdict.reasons))
    watched = spikes({spike_cfg!r}, seed={seed})
    print(watched.spikes, "spikes; stopped:", watched.reason)
    print("headline:", runs.table.final_loss.iloc[0])   # the first run's final loss, as in the table
""")
