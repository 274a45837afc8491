"""RNN basics: step through a sequence, see the input, the hidden state and the outputs at every t, with every shape."""

import streamlit as st

from app import ui
from rnncore.charts import basics as charts
from rnncore.experiments import basics as exp

st.title("RNN basics")
st.markdown(
    "A recurrent network reads a sequence one step at a time and carries a **hidden state** from step to step: "
    r"$h_t = \tanh(x_t W_x + h_{t-1} W_h + b)$, then a readout $y_t = h_t W_y + b_y$. "
    "Pick a cell and an input signal, "
    "then move the time slider: the input at t, the whole hidden state over time with step t boxed, and the "
    "outputs are all drawn from one forward pass of `rnncore`, with the shape of every array beside them."
)

example = ui.cached(max_entries=8)(exp.article_example)(ui.global_seed())
ui.article_box(
    said="A `SimpleRNN` with input size 10, hidden size 20 and output size 5, fed a sequence of 5 random "
         "inputs, returns **5 outputs**, the last of **shape (5, 1)**.",
    code_does="Exactly that: we ran it. It keeps **column vectors** (x is (10, 1), `Wxh` is (20, 10)) and a "
              "Python list of steps, with all weights drawn as N(0, 0.01²).",
    measured=f"The same pass in rnncore, **batch-first**: xs (1, 5, 10) in, outputs (1, 5, 5) out, one step "
             f"(1, 5): the article's (5, 1) as a row. On the same weights (ours are theirs transposed) the two "
             f"agree to **{example.max_abs_diff:.1e}** (float64 rounding). Details below.",
)

cols = st.columns(5)
with cols[0]:
    cell = ui.select("Cell", ["rnn", "lstm", "gru"], key="cell", value="rnn",
                     format_func=lambda c: {"rnn": "rnn (tanh)"}.get(c, c),
                     help="The vanilla tanh RNN, or a gated cell (LSTM: 4 gate blocks, GRU: 3).")
with cols[1]:
    hidden = ui.select_slider("Hidden size H", [4, 8, 16, 20, 32, 64], key="H", value=20)
with cols[2]:
    signal = ui.select("Input signal", list(exp.SIGNALS), key="signal", value="random",
                       help="random: N(0, 1) noise, as in the article. sine: a wave across the 10 channels. "
                            "step: 0 then 1. impulse: 1 at t = 1 only, to watch the state forget it.")
with cols[3]:
    T = ui.slider("Sequence length T", key="T", min_value=5, max_value=60, value=20, step=1)
with cols[4]:
    scheme = ui.select("Weight init", ["xavier", "small", "orthogonal", "uniform"], key="init", value="xavier",
                       help="small is the article's N(0, 0.01²): the hidden state then stays near 0.")
cfg = exp.Config(cell=cell, hidden_size=hidden, signal=signal, T=T, scheme=scheme)
seed = ui.global_seed()

t = ui.slider("Time step t", key="t", min_value=1, max_value=T, value=1, step=1,
              help="The step whose input and state are shown; the heatmap boxes its column.")


@ui.cached(max_entries=32)
def run(cfg: exp.Config, seed: int) -> exp.Trace:
    return exp.trace(cfg, seed)


result = run(cfg, seed)
left, right = st.columns([1, 2])
with left:
    ui.chart(charts.input_at, result.inputs, t, caption="The ten numbers fed in at this step; move t to step through.")
    st.markdown("**Shapes** (B = 1 sequence, T steps, D = 10 inputs, H hidden, O = 5 outputs)")
    st.dataframe(result.shapes, hide_index=True, width="stretch")
with right:
    ui.chart(charts.state_heatmap, result.hidden, t,
             caption="Each column is the memory after one step: it is built from the column before and the input.")
    ui.chart(charts.outputs_over_time, result.outputs, t,
             caption="Each output is read from that step's hidden state alone, by the same weights at every step.")
step = exp.at_step(result, t)
st.caption(f"At t = {t}: ‖h_t‖ = {step.h_norm:.3f}, "
           f"y_t = [{', '.join(f'{v:.3f}' for v in step.y)}]. Hover a cell for its value.")
for frame, name in ((result.inputs, "basics-inputs"), (result.hidden, "basics-hidden-states"),
                    (result.outputs, "basics-outputs")):
    ui.download_csv(frame, name)

st.header("The article's example, reproduced")
st.markdown(
    f"The article's `SimpleRNN(10, 20, 5)` returns a list of **{example.n_outputs}** outputs, each a column vector "
    f"of shape **{example.article_last_shape}**. rnncore returns one array of shape **{example.pred_shape}**: "
    f"(batch, time, outputs), so one step is **{example.step_shape}**. The maths is the same with every product "
    "transposed: the article computes `Wxh @ x` with `Wxh` (20, 10) and x (10, 1); rnncore computes `x @ W_x` "
    "with x (1, 10) and `W_x` (10, 20) = `Wxh.T`. Running the article's loop on our weights, transposed, gives "
    f"outputs that differ from ours by at most **{example.max_abs_diff:.1e}**."
)
st.dataframe(example.outputs, hide_index=True, width="stretch", height=220)
ui.download_csv(example.outputs, "article-example-outputs")

ui.reproduce(f"""
    import numpy as np
    import rnncore as rc
    from rnncore.experiments import basics

    # The view on screen: {cfg.cell}, H={cfg.hidden_size}, {cfg.signal} input, T={cfg.T}, {cfg.scheme} init
    result = basics.trace(basics.{cfg!r}, seed={seed})
    print(result.shapes)
    h_t = result.hidden[result.hidden.t == {t}].h.to_numpy()   # h_t at t = {t}
    print(h_t.round(3))

    # The article's example with the engine directly: xs (1, 5, 10) -> outputs (1, 5, 5)
    spec = rc.ModelSpec(cell="rnn", input_size=10, hidden_size=20, output_size=5, output="all")
    rng = np.random.default_rng({seed})
    params = rc.init_model(spec, rng=rng, scheme="small")
    pred, cache = rc.forward(spec, params, rng.standard_normal((1, 5, 10)))
    print(len(pred[0]), pred[:, -1].shape, pred.shape)   # 5 outputs; the last is (1, 5), the article's (5, 1)
    print("headline:", np.linalg.norm(h_t))   # ‖h_t‖ at t = {t}, as the caption under the charts shows it
""")
