"""The Lab's page list, declared once: file, title, URL path, icon, section, and a one-line blurb.

``streamlit_app.py`` turns it into ``st.navigation``; the home page draws its map of the challenges from it; the
tests check it. Nothing here imports Streamlit, so tests can read the list without running the app.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

#: Folder that holds ``streamlit_app.py``; page paths are relative to it.
APP_ROOT = Path(__file__).resolve().parent.parent


class PageSpec(NamedTuple):
    """One page of the Lab."""

    path: str  # script, relative to the app root, e.g. "app/pages/gradients.py"
    title: str  # shown in the navigation and the browser tab
    url_path: str  # "" for the default page, else the path after the host, e.g. "gradients"
    icon: str  # a Material icon, ":material/name:"
    section: str  # navigation section; "" means no header
    blurb: str  # one line for the home page's map


PAGES: tuple[PageSpec, ...] = (
    PageSpec("app/pages/home.py", "Home", "", ":material/home:", "", "What the Lab is, and the article fact-checked."),
    PageSpec(
        "app/pages/basics.py", "RNN basics", "basics", ":material/route:", "Challenges",
        "Step through a sequence: input, hidden state and outputs, with every shape.",
    ),
    PageSpec(
        "app/pages/gradients.py", "Vanishing & exploding gradients", "gradients", ":material/trending_down:",
        "Challenges", "How the gradient shrinks or blows up through time, against Pascanu's bound.",
    ),
    PageSpec(
        "app/pages/long_term.py", "Long-term dependencies", "long-term", ":material/timeline:", "Challenges",
        "Tasks that need a memory of the distant past, trained with real BPTT, against their baselines.",
    ),
    PageSpec(
        "app/pages/slow_training.py", "Slow training & convergence", "slow-training", ":material/hourglass_top:",
        "Challenges", "Loss against steps and wall time for optimizers and learning rates.",
    ),
    PageSpec(
        "app/pages/parallelism.py", "Limited parallelization", "parallelism", ":material/account_tree:", "Challenges",
        "Honest timings of the step loop, batching, a parallel scan and self-attention.",
    ),
    PageSpec(
        "app/pages/sentiment.py", "Sentiment analysis", "sentiment", ":material/sentiment_satisfied:",
        "Real-life uses", "RNN, LSTM and GRU on sentences where word order matters, against bag-of-words.",
    ),
    PageSpec(
        "app/pages/forecasting.py", "Time-series prediction", "forecasting", ":material/show_chart:",
        "Real-life uses", "Forecasts of sine and real series, against persistence, seasonal and AR baselines.",
    ),
    PageSpec(
        "app/pages/gated_cells.py", "LSTM & GRU", "gated-cells", ":material/memory:", "Remedies",
        "Gated cells: gradient flow and success against lag.",
    ),
    PageSpec(
        "app/pages/clipping.py", "Gradient clipping", "clipping", ":material/content_cut:", "Remedies",
        "The same run with and without clipping by global norm, clip events marked.",
    ),
    PageSpec(
        "app/pages/initialization.py", "Initialization", "initialization", ":material/tune:", "Remedies",
        "Small-random, Xavier, orthogonal and identity initial weights compared.",
    ),
    PageSpec(
        "app/pages/attention.py", "Attention & transformers", "attention", ":material/center_focus_strong:",
        "Remedies", "Attention maps over RNN states, and a transformer block.",
    ),
    PageSpec(
        "app/pages/engine_check.py", "Engine check", "engine-check", ":material/verified:", "Trust",
        "Every gradient checked against finite differences, live; the versions in use.",
    ),
)

#: Section order in the navigation.
SECTIONS: tuple[str, ...] = ("", "Challenges", "Real-life uses", "Remedies", "Trust")

#: The page every unknown URL path and the bare host land on.
DEFAULT_PAGE = "app/pages/home.py"


def by_path(path: str) -> PageSpec:
    """The spec of the page at ``path`` (e.g. "app/pages/gradients.py").

    Raises:
        ValueError: no declared page has that path.
    """
    for spec in PAGES:
        if spec.path == path:
            return spec
    raise ValueError(f"No page is declared at {path!r}; declare it in app/nav.py PAGES first.")
