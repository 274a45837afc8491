"""Home: what the Lab is and for whom, a map of the challenges, and the article's claims fact-checked."""

import streamlit as st

from app import nav
from rnncore.experiments.claims import claims

VERDICT_BADGE = {
    "reproduces": ":green-badge[:material/check: reproduces]",
    "other numbers": ":orange-badge[:material/difference: other numbers]",
    "does not run": ":red-badge[:material/error: does not run]",
}


def link(spec: nav.PageSpec, label: str | None = None) -> None:
    st.page_link(spec.path, label=label or spec.title, icon=spec.icon)


st.title("RNN Challenges Lab")
st.markdown(
    "Recurrent neural networks are hard to train: gradients vanish or explode through time, long-range memory "
    "fades, training is slow, and the steps of a sequence cannot run in parallel. This Lab lets you **see and "
    "measure** each of those challenges, and the remedies that fix them: LSTM and GRU cells, gradient clipping, "
    "careful initialization, attention and transformers."
)
st.markdown(
    "It is for **learners** who want to watch a gradient vanish rather than read that it does, for **teachers** "
    "who need a live demonstration, and for **practitioners** who want honest numbers. Every number on screen is "
    "computed live by `rnncore`, a small NumPy engine with hand-written backpropagation through time, "
    "gradient-checked and compared against PyTorch."
)
with st.container(border=True):
    st.markdown(
        ":material/tips_and_updates: **How to use it.** Pick a page below or in the sidebar. Every setting is in "
        "the address bar, so a copied link reproduces your view, and the **seed** in the sidebar fixes every random "
        "draw. Each page has a **Reproduce in Python** box with the code for what it shows, and a CSV download of "
        "the data behind each chart."
    )

st.header("The challenges, and what fixes them")
for section in nav.SECTIONS[1:]:
    specs = [spec for spec in nav.PAGES if spec.section == section]
    st.subheader(section)
    for row in range(0, len(specs), 3):
        for column, spec in zip(st.columns(3), specs[row:row + 3]):
            with column.container(border=True):
                link(spec)
                st.caption(spec.blurb)

st.header("The article, fact-checked")
st.markdown(
    "This Lab answers a tutorial, *Challenges of Recurrent Neural Networks*. We ran each of its code samples as "
    "printed. Most do not print what the article says they print; each page shows the corrected experiment."
)
table = claims()
# One card per code sample, each part under its own small label: at phone width the columns stack, and a card still
# says what each part is (a header row above the cards would stack away from them).
widths = [1.2, 1.5, 2.5, 1.4, 2.4]
heads = ["Code sample", "The article prints", "Running its code", "Verdict", "Measured here"]
for claim in table.itertuples(index=False):
    with st.container(border=True):
        cells = st.columns(widths)
        for column, head, text in zip(cells, heads, (claim.sample, claim.article_prints, claim.running_it,
                                                     VERDICT_BADGE[claim.verdict], claim.measured_here)):
            column.caption(head)
            column.markdown(text)
        with cells[-1]:
            spec = nav.by_path(claim.page)
            link(spec, label=f"Open {spec.title}")
