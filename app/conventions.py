"""The page conventions every page shares: the article box, the "Reproduce in Python" snippet, a run that stopped,
the sidebar seed, and user text made inert for Markdown."""

from __future__ import annotations

import re
import textwrap
from typing import Any

import streamlit as st

from app.controls import number

SEED_KEY = "seed"
DEFAULT_SEED = 0
MAX_SEED = 2**31 - 1


def article_box(*, said: str, code_does: str, measured: str) -> None:
    """The box "The article said / its code does / measured here", three columns in a bordered container.

    Args:
        said: the article's claim and numbers, paraphrased (markdown).
        code_does: what running the article's code sample actually does (markdown).
        measured: what this page measures, with its numbers when known (markdown).
    """
    with st.container(border=True):
        st.markdown("**The article said / its code does / measured here**")
        for column, (head, text) in zip(
            st.columns(3),
            ((":material/menu_book: The article said", said), (":material/code: Its code does", code_does),
             (":material/science: Measured here", measured)),
        ):
            column.markdown(f"**{head}**")
            column.markdown(text)


def reproduce(code: str, *, label: str = "Reproduce in Python") -> None:
    """A collapsed expander with a runnable rnncore snippet for exactly the settings on screen.

    Args:
        code: Python source; common indentation is removed. Build it from the same values the page used.

    Raises:
        ValueError: the snippet is not valid Python (a page bug, caught by the page's app test).
    """
    source = textwrap.dedent(code).strip() + "\n"
    try:
        compile(source, "<reproduce>", "exec")
    except SyntaxError as err:
        raise ValueError(f"The reproduce snippet is not valid Python (line {err.lineno}: {err.msg}).") from err
    with st.expander(label, icon=":material/terminal:"):
        st.caption("Runs as is from the repository root, after the install command in the README.")
        st.code(source, language="python")


def show_run_problem(*, step: int | None, reason: str | None, total: int | None = None, what: str = "The run",
                     hint: str | None = None) -> bool:
    """Say that a run stopped on non-finite values, at which step and why; the page still draws what ran.

    Args:
        step: the step at which the run stopped, or None when it finished (then nothing is shown).
        reason: why, as the engine reports it (e.g. "loss is inf").
        total: the steps that were planned, if known.
        what: the subject of the sentence, e.g. "Training" or "The forward pass".
        hint: what to change to avoid it; a generic hint by default.

    Returns:
        True when a problem was shown.
    """
    if step is None:
        return False
    of = f" of {total}" if total is not None else ""
    fix = hint or "Lower the learning rate or the spectral radius, or turn gradient clipping on."
    st.warning(f"{what} stopped at step {step}{of}: {reason or 'non-finite values'}. "
               f"The charts show the steps that ran. {fix}", icon=":material/warning:")
    return True


# ---- the global seed ---------------------------------------------------------------------------------------------

def seed_input() -> int:
    """The sidebar's seed control (drawn once, by ``streamlit_app.py``), bound to the URL as ``?seed=``."""
    return number("Seed", key=SEED_KEY, min_value=0, max_value=MAX_SEED, value=DEFAULT_SEED, step=1,
                  help="Every random draw on every page comes from this seed: same seed, same numbers.")


def global_seed() -> int:
    """The seed chosen in the sidebar, readable from any page (the default when the sidebar is not drawn)."""
    return int(st.session_state.get(SEED_KEY, DEFAULT_SEED))


def plain(text: Any) -> str:
    """User text made inert for Markdown (``st.error``, ``st.markdown`` render it): every ASCII punctuation mark is
    escaped, and newlines become spaces, so a file's contents can never render as a link, an image or HTML."""
    return re.sub(r"([!-/:-@\[-`{-~])", r"\\\1", str(text)).replace("\n", " ").replace("\r", " ")


def literal(text: Any) -> str:
    """User text (a file's name) shown as it is, as Markdown inline code: nothing inside a code span renders, so
    nothing needs escaping (escapes would show); backticks and line breaks, which could end the span, are replaced."""
    return "`" + str(text).replace("`", "'").replace("\n", " ").replace("\r", " ") + "`"
