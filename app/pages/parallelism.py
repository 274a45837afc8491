"""Limited parallelization: the RNN's step loop, timed honestly against its remedies, on the machine viewing it."""

import pandas as pd
import streamlit as st

from app import live_timing, runs, ui
from rnncore.charts import parallelism as charts
from rnncore.experiments import parallelism as exp
from rnncore.experiments.machine import machine_sentence

PAGE = "parallelism"
QUICK_T = 512  # the longest T measured without a click: the default view stays within the page budget
LENGTHS = (32, 128, 512, 1024, 2048, 4096)

st.title("Limited parallelization")
st.markdown(
    "A recurrent network computes h_t from h_{t-1}: step t cannot start before step t-1 has finished, so a "
    "sequence of length T takes T dependent steps however many cores there are. This page **times** that loop on "
    "the machine you are viewing it on, against the ways out: doing the input products for all steps at once, "
    "running many sequences together, computing a *linear* recurrence with a parallel scan, and replacing the "
    "recurrence by self-attention. Every time is the median of several interleaved rounds, with its spread."
)
ui.article_box(
    said="RNNs cannot use parallel hardware because every step waits for the previous one. Its sample prints "
         "0.1617 s for a sequential RNN and 0.0257 s for a \"batch\" RNN: a **6.29×** speedup.",
    code_does="Its \"batch\" function still runs **one sequence, one step at a time**, with the same two products "
              "per step; only the place where h_t is stored changes. Each time is one single-shot measurement.",
    measured="The logic of its two functions, run here interleaved at its size (T = 1000, D = 50, H = 100), gives "
             "a ratio near 1× (below). Real remedies: precomputing the input projection, batching B sequences, "
             "a parallel scan for linear recurrences, attention. Their measured speedups are below.",
)

left, middle, right = st.columns(3)
with left:
    H = ui.select_slider("State width H", [16, 32, 64, 100, 128, 256], key="H", value=64,
                         help="Hidden size of the RNN, width of the linear recurrence, and attention's d_model.")
with middle:
    B = ui.select_slider("Sequences batched B", [1, 4, 8, 16, 32, 64, 128], key="B", value=32,
                         help="How many sequences the batched loop runs together; its time is divided by B.")
with right:
    T_max = ui.select_slider("Longest T", [128, 256, 512, 1024, 2048, 4096], key="T_max", value=QUICK_T,
                             help=f"Up to T = {QUICK_T} the page measures at once; longer runs wait for a click.")
seed = ui.global_seed()

lengths = tuple(sorted({T for T in LENGTHS if T <= T_max} | {T_max}))
heavy = T_max > QUICK_T or B * H > 64 * 64
cfg = exp.Config(hidden_size=H, batch=B, lengths=lengths)
if heavy:  # a longer, more thorough measurement, only after a click
    cfg = exp.thorough(cfg)


def claim_frame(result: exp.Result) -> pd.DataFrame:
    """The article's printed speedup beside the ratio its logic gives here, for the article-check chart."""
    return pd.DataFrame({"source": ["The article prints", "Its logic, run here"],
                         "speedup": [result.article.claim, result.article.ratio],
                         "low": [result.article.claim, result.article.ratio_q25],
                         "high": [result.article.claim, result.article.ratio_q75]})


# A timing taken on a busy machine raises live_timing.Untrusted instead, so it is never cached for other visitors.
@ui.cached(max_entries=16, spinner=False)
def measure(cfg: exp.Config, seed: int) -> exp.Result:
    with ui.progress("Timing") as report:
        result = exp.run(cfg, seed=seed, callback=report)
    return live_timing.trusted(result, result.verdict)


@ui.cached(max_entries=4, spinner=False)
def reference(cfg: exp.Config) -> tuple:
    """The shipped timings for cfg (or for the default view), and what to say over them."""
    return exp.reference_view(cfg)


result = None
# the timing keeps its own bar and cache rules (live_timing); the helper adds the estimate and Stop
measure_part = runs.Part((cfg, seed), lambda report: live_timing.measure("parallelism", measure, cfg, seed)[1],
                         lambda: exp.work(cfg), 0)
if heavy and runs.result(PAGE, "go-measure", (cfg, seed)) is None:  # a long measurement waits for a click
    st.info(f"Measuring up to T = {T_max} with width {H} and B = {B} waits for you (its estimate is beside the "
            "button). The chart of depth below needs no timing.", icon=":material/timer:")
    runs.one(PAGE, "go-measure", measure_part, label=f"Measure up to T = {T_max} on this machine",
             what="Timing every method")
else:
    measured, trusted = live_timing.measure("parallelism", measure, cfg, seed)
    if trusted:
        result = measured
        where = (f"Measured on this machine just now: {machine_sentence(result.machine)}. Times are CPU time "
                 "of the measuring thread, so the time the machine gives to other programs is left out; what other "
                 "work still adds shows in the bars (the interquartile range).")
    else:
        live_timing.too_busy(measured.verdict)
        result, where = reference(cfg)
    runs.one(PAGE, "again-measure", measure_part, label="Measure again", what="Timing every method", again=True,
             forget=live_timing.forget("parallelism", measure, cfg, seed))

if result is not None:
    machine = result.machine
    st.caption(where)

    st.header("Time against sequence length")
    ui.chart(charts.time_vs_T, result.timings,
             caption="Log-log: a line's slope is how its time grows with T; each bar is the middle half of the "
                     "repeated timings.")
    st.markdown(exp.growth_sentence(result.timings))
    ui.download_csv(result.timings, "parallelism-timings")

    st.header("Speedups")
    ui.chart(charts.speedups, result.speedups,
             caption="Above the dashed 1x line a method beats its step loop; each bar is the middle half of the "
                     "paired rounds.")
    at_T = result.speedups[result.speedups["T"] == result.speedups["T"].max()]
    table = at_T[["label", "against", "speedup", "speedup_q25", "speedup_q75", "repeats"]].rename(columns={
        "label": "Method", "against": "Compared with", "speedup": "Speedup (median)", "speedup_q25": "25th pct",
        "speedup_q75": "75th pct", "repeats": "Paired rounds"})
    st.markdown(f"**At T = {int(at_T['T'].iloc[0])}** (each ratio from rounds measured together):")
    st.dataframe(table, hide_index=True, width="stretch",
                 column_config={c: st.column_config.NumberColumn(format="%.2f×")
                                for c in ("Speedup (median)", "25th pct", "75th pct")})
    st.markdown(exp.remedy_sentence(result.speedups))
    st.markdown(exp.attention_sentence(result.timings))
    ui.download_csv(result.speedups, "parallelism-speedups")

st.header("Sequential depth")
depth = result.depth if result is not None else exp.depth_frame(lengths)
ui.chart(charts.depth, depth,
         caption="Steps that must wait for the one before: T for any loop, about log₂ T for a scan.")
st.markdown(
    "A linear recurrence h_t = a_t ⊙ h_{t−1} + b_t is a chain of affine maps, and composing two affine maps gives "
    "another one: that operation is associative, so the prefixes can be combined in a tree of about log₂ T levels "
    "(Hillis–Steele, or Blelloch's work-efficient scan). The tanh RNN has no such shortcut: tanh(W h + …) of a "
    "composition is not a composition of something simple, so step t needs the number step t−1 produced. Linear "
    "recurrent models (LRU, S4, Mamba) keep the recurrence linear in h and put the nonlinearity *between* layers, "
    "which buys back the parallel scan."
)
ui.download_csv(depth, "parallelism-depth")

if result is not None:
    st.subheader("Does the scan's depth buy wall time here?")
    ui.chart(charts.scan_width, result.scan,
             caption="Above the dashed 1x line the scan beats the step loop at that state width.")
    st.markdown(
        "Depth is what a wide parallel machine turns into speed. On a CPU with a few cores and NumPy, each scan "
        "level is a full pass over memory, and the scans do more work than the loop (Hillis–Steele: T log₂ T). "
        + exp.scan_sentence(result.scan))
    ui.download_csv(result.scan, "parallelism-scan-width")

    st.header("The article's 6.29×, checked")
    check = result.article
    a, b, c = st.columns(3)
    a.metric("The article prints", f"{check.claim:.2f}×")
    b.metric("Its logic, run here", f"{check.ratio:.2f}×",
             help="Median of the per-round ratios sequential / \"batch\"; the IQR is beside it.")
    c.metric("Interquartile range", f"{check.ratio_q25:.2f}–{check.ratio_q75:.2f}×")
    claim = claim_frame(result)
    ui.chart(charts.article_claim, claim,
             caption="The bar is the median ratio; the black line spans the middle half of the paired rounds.")
    st.markdown(exp.article_sentence(check))
    ui.download_csv(claim, "parallelism-article-check")

    with st.expander("The machine these timings ran on", icon=":material/memory:"):
        facts = exp.machine_frame(machine)
        st.dataframe(facts, hide_index=True, width="stretch")
        ui.download_csv(facts, "parallelism-machine")

ui.reproduce(f"""
    from rnncore.experiments import parallelism as p

    result = p.run(p.{cfg!r}, seed={seed})
    print(result.speedups[["T", "label", "speedup", "speedup_q25", "speedup_q75"]].to_string(index=False))
    a = result.article
    print(f"article logic: {{a.ratio:.2f}}x (IQR {{a.ratio_q25:.2f}}-{{a.ratio_q75:.2f}}) against its {{a.claim}}x")
    at_T = result.timings[result.timings["T"] == result.timings["T"].max()].set_index("method")
    print("headline:", at_T.multiply_adds["attention"] / at_T.multiply_adds["precomputed"])   # attention's arithmetic
""")
