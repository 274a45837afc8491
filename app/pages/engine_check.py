"""Engine check: every gradient of rnncore against finite differences, live; PyTorch parity; the versions in use."""

import streamlit as st

from app import ui
from rnncore.charts import engine_check as charts
from rnncore.experiments import engine_check as exp

st.title("Engine check")
st.markdown(
    "Every number in this Lab comes from `rnncore`, whose backpropagation through time is written by hand. "
    "Hand-written gradients are easy to get wrong, so this page checks every one of them, now, on this machine: "
    "each cell (the vanilla RNN with each nonlinearity, the LSTM, the GRU), full and truncated BPTT, every loss, "
    "the embedding and the readout, against centered finite differences, (f(x + ε) − f(x − ε)) / 2ε, one entry "
    "at a time. Then, when PyTorch is installed, against `torch.nn` itself."
)

article = st.container()  # the box sits above the controls; it is filled once the checks have run
cols = st.columns(3)
with cols[0]:
    eps = ui.select_slider("Finite-difference step ε", [1e-4, 1e-5, 1e-6, 1e-7, 1e-8], key="eps", value=1e-6,
                           format_func=lambda v: f"{v:.0e}",
                           help="Too large: truncation error. Too small: rounding error. 1e-6 suits float64.")
with cols[1]:
    k = ui.select_slider("Truncated BPTT: k steps", [1, 2, 3], key="k", value=2,
                         help="Each output's gradient travels back at most k steps.")
with cols[2]:
    with_torch = ui.toggle("Compare with PyTorch", key="torch", value=False,
                           help="Imports torch (a few seconds the first time) and runs the same cells in it.")
cfg = exp.Config(eps=eps, truncate=k)
seed = ui.global_seed()


@ui.cached(max_entries=8, spinner=False)
def checks(cfg: exp.Config, seed: int) -> exp.Result:
    with ui.progress("Checking gradients") as report:
        return exp.run(cfg, seed, callback=report)


result = checks(cfg, seed)
table, found = result.table, exp.findings(result)
passed, total, worst = found.passed, found.total, found.worst
with article:
    ui.article_box(
        said="Its code samples compute gradients by hand (the vanishing-gradient demo's backward recursion, the "
             "\"backward pass\" of its training loops) and report the numbers they print, 1.09e-20, 2.01e+20, "
             "a loss flat at 0.693, without ever checking a gradient.",
        code_does="The demo's recursion starts from a zero gradient, so it prints 0.0; the slow-training sample's "
                  "\"backward pass\" is not the gradient of its loss. A finite-difference check would have caught "
                  "both.",
        measured=f"**{passed} of {total}** gradients pass (relative error ≤ {exp.TOLERANCE:g}); the worst "
                 f"is **{worst['rel_error']:.1e}** ({worst['case']}, {worst['array']}). A 0.1% error injected on "
                 f"purpose gives {found.control_error:.1e} and is "
                 f"**{'caught' if found.caught else 'NOT caught'}**.",
    )

metrics = st.columns(3)
metrics[0].metric("Gradients that pass", f"{passed} / {total}")
metrics[1].metric("Worst relative error", f"{worst['rel_error']:.1e}",
                  help=f"{worst['kind']}: {worst['case']}, {worst['array']}")
metrics[2].metric("Injected 0.1% error", "caught" if found.caught else "missed",
                  help=f"relative error {found.control_error:.1e} > tolerance {exp.TOLERANCE:g}")
if passed < total:
    st.error(f"{total - passed} gradient check(s) fail: "
             + ", ".join(f"{r.kind} {r.case} {r.array} ({r.rel_error:.1e})"
                         for r in found.failing.head(5).itertuples())
             + (". With ε far from 1e-6, the finite differences themselves are inaccurate." if eps != 1e-6 else "."),
             icon=":material/error:")

ui.chart(charts.check_errors, table, exp.TOLERANCE,
         caption="Every point left of the dashed tolerance is a gradient that matches finite differences.")
st.dataframe(result.summary, hide_index=True, width="stretch",
             column_config={"worst_rel_error": st.column_config.NumberColumn("worst rel. error", format="%.1e")})
with st.expander(f"All {total} checks, one row per array", icon=":material/table:"):
    st.dataframe(table.assign(mark=table["passed"].map({True: "✅ pass", False: "❌ fail"})), hide_index=True,
                 width="stretch", column_config={
                     "rel_error": st.column_config.NumberColumn("rel. error", format="%.1e"),
                     "max_abs_error": st.column_config.NumberColumn("max abs. error", format="%.1e")})
ui.download_csv(table, "engine-gradient-checks")
st.caption(f"Problem sizes: B = {cfg.batch}, T = {cfg.T}, D = {cfg.input_size}, H = {cfg.hidden_size}, "
           f"O = {cfg.output_size}, vocabulary {cfg.vocab_size}; float64, weights from the seed. Each relu RNN keeps "
           "its pre-activations away from the kink at 0 (its note says how far), where finite differences fail.")

st.header("Against PyTorch")
if not exp.torch_available():
    st.info("PyTorch is not installed here, so the parity figures are not shown. `pip install torch` (CPU) and "
            "reload to see them. The gradient checks above do not need it.", icon=":material/info:")
elif not with_torch:
    st.markdown("PyTorch is installed. Turn on **Compare with PyTorch** to run the same cells in `torch.nn` "
                "(float64, torch's own initial weights, mapped as in docs/ENGINE.md) and compare every number.")
else:

    @ui.cached(max_entries=4, spinner="Importing torch and running its cells...")
    def parity(seed: int):
        return exp.torch_parity(seed)

    frame = parity(seed)
    st.markdown(f"Largest relative difference to `torch.nn`, over hidden states, final states and every gradient: "
                f"**{frame['rel_diff'].max():.1e}** (float64 rounding is about 1e-16).")
    ui.chart(charts.parity, frame,
             caption="Every point near 1e-16 is a number equal to torch's up to float64 rounding.")
    st.dataframe(frame, hide_index=True, width="stretch",
                 column_config={"rel_diff": st.column_config.NumberColumn("rel. difference", format="%.1e")})
    ui.download_csv(frame, "engine-torch-parity")

st.header("Versions")
st.dataframe(exp.versions(), hide_index=True)

torch_lines = f"""
    print(engine_check.torch_parity({seed}).rel_diff.max())   # needs torch
""" if with_torch and exp.torch_available() else ""
ui.reproduce(f"""
    from rnncore.experiments import engine_check

    result = engine_check.run(engine_check.{cfg!r}, seed={seed})
    print(result.summary.to_string(index=False))
    print(result.control[["array", "rel_error", "passed"]])   # the injected error: must fail
    print(engine_check.versions().to_string(index=False))
    print("headline:", result.table.rel_error.max())   # the worst relative error, as in the metric
""" + torch_lines)
