"""A page of the Lab, whole and runnable: copy this file to start a new page (``tests/apptest/test_template.py`` runs it).

A page reads top to bottom like the screen it draws: controls -> cached experiment call -> findings -> charts ->
words around the returned numbers -> downloads -> the "Reproduce in Python" snippet. It holds no maths and computes no
facts: the experiment returns the numbers its sentences quote. It imports only the app helpers, its experiment and
its charts (``tests/test_architecture.py`` checks it). To publish a page, declare it in ``app/nav.py``.
"""

import streamlit as st

from app import ui
from rnncore.charts import gradients as charts
from rnncore.experiments import gradients as exp

st.title("Template: the gradient through time")
st.markdown("One paragraph: what this page measures and why it matters. Here: how much of a loss at the last step "
            "reaches the first step of a vanilla RNN, for a few spectral radii of its recurrent matrix.")
ui.article_box(said="The article's claim and numbers, paraphrased.",
               code_does="What running the article's code sample really does.",
               measured="What this page measures, with its numbers.")

# Controls: each is bound to the URL under its key, and a bad link value gets a note, not a crash.
left, right = st.columns(2)
with left:
    nonlinearity = ui.select("Nonlinearity", list(exp.NONLINEARITIES), key="nonlinearity", value="tanh")
with right:
    T = ui.select_slider("Sequence length T", [10, 25, 50], key="T", value=25)
cfg = exp.Config(nonlinearity=nonlinearity, T=T, hidden_size=8, sweep_steps=5, compare=(0.8, 1.0, 1.2))
seed = ui.global_seed()


@ui.cached(max_entries=8, spinner=False)  # keyed by this function, its arguments and the engine's fingerprint
def measure(cfg: exp.Config, seed: int) -> exp.Result:
    with ui.progress("Backpropagating through time") as report:  # made inside the cached call: replayed on a hit
        return exp.run(cfg, seed, callback=report)


result = measure(cfg, seed)
facts = exp.findings(result, cfg)  # the numbers the words below quote

ui.chart(charts.norms_by_t, result.norms,
         caption="‖dL/dh_1‖ is " + ", ".join(f"**{v}** at radius {r:g}" for r, v in facts.norm_at_t1.items()) + ".")
ui.download_csv(result.norms, "template-gradient-norms")
ui.reproduce(f"""
    from rnncore.experiments import gradients as exp

    cfg = exp.{cfg!r}
    result = exp.run(cfg, seed={seed})
    print(exp.findings(result, cfg).norm_at_t1)
""")
