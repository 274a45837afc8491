"""The catalogue of bad input, run through the real pages, with what each page showed.

    python benchmarks/bad_inputs.py            # prints a markdown table: input, page, what the user saw

Uploads use the files of the page tests (tests/apptest/test_page_sentiment.py and test_page_forecasting.py: the bad
files, and the files read whole with a note), plus a text column full of spreadsheet formulas; links carry odd URL
parameters; training is pushed until it diverges.
Every row also says whether an exception reached the page (it never should) and whether the page's other settings
kept their values. The tests assert the same things; this prints them for people.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]

import streamlit as st  # noqa: E402
from streamlit import config  # noqa: E402

from apptest import test_page_forecasting as forecasting_tests  # noqa: E402
from apptest import test_page_sentiment as sentiment_tests  # noqa: E402
from apptest.conftest import open_page  # noqa: E402

ROWS: list[tuple[str, str, str, str]] = []


def shown(at) -> str:
    """What the user sees as feedback: errors, then warnings, then notes; shortened, escapes removed."""
    parts = [f"error: {e.value}" for e in at.error] + [f"warning: {w.value}" for w in at.warning]
    text = re.sub(r"\\(.)", r"\1", " | ".join(parts)) or "(no message)"
    text = text.replace("\n", " ")
    return text if len(text) < 170 else f"{text[:167]}... ({len(text):,} characters in all)"


def record(what: str, page: str, at, kept: bool | None = None) -> None:
    status = "EXCEPTION" if at.exception else ("ok" if kept in (None, True) else "SETTINGS LOST")
    ROWS.append((what, page, status, shown(at)))
    st.cache_data.clear()


def uploads() -> None:
    at = open_page("app/pages/forecasting.py", query={"ar": "4"})
    at.selectbox(key="series").set_value("upload").run()
    for what, raw, _ in forecasting_tests.BAD_FILES + forecasting_tests.NOTED_FILES:
        at.file_uploader(key="upload").set_value(("bad.csv", raw, "text/csv")).run()
        record(f"upload: {what}", "forecasting", at, kept=at.select_slider(key="ar").value == 4)
    at = open_page("app/pages/sentiment.py")
    at.select_slider(key="hidden").set_value(16).run()
    at.radio(key="data").set_value("upload").run()
    cases = sentiment_tests.BAD_FILES + sentiment_tests.NOTED_FILES
    formulas = "text,label\n" + "".join(f"{'=HYPERLINK(1)' if i % 2 else 'a fine film'} {i},{i % 2}\n"
                                        for i in range(40))
    cases.append(("text that looks like a formula", formulas.encode(), ""))
    for what, raw, _ in cases:
        at.file_uploader(key="upload").set_value(("bad.csv", raw, "text/csv")).run()
        record(f"upload: {what}", "sentiment", at, kept=at.select_slider(key="hidden").value == 16)


LINKS = [
    ("gradients", "app/pages/gradients.py", {"T": "100000"}, "a number that is not a choice"),
    ("gradients", "app/pages/gradients.py", {"radius": "99"}, "a number above a slider's maximum"),
    ("gradients", "app/pages/gradients.py", {"T": "abc"}, "a number of the wrong type"),
    ("gradients", "app/pages/gradients.py", {"nonlinearity": "softsign"}, "an unknown option"),
    ("long-term", "app/pages/long_term.py", {"lr": "1e400"}, "a value that overflows"),
    ("slow-training", "app/pages/slow_training.py", {"nonsense": "1", "T": "-3"}, "an unknown key and a negative"),
    ("home", None, {"seed": "inf"}, "an infinite seed"),
    ("home", None, {"seed": "-5"}, "a negative seed"),
    ("forecasting", "app/pages/forecasting.py", {"models": ["GPT"]}, "an unknown item in a list"),
]


def links() -> None:
    for page, path, query, what in LINKS:
        at = open_page(path, query=query)
        notes = " | ".join([m.value for m in at.warning] + [m.value for m in at.info if "setting named" in m.value])
        at_text = notes or shown(at)
        ROWS.append((f"link: {what} ({'&'.join(f'{k}={v}' for k, v in query.items())})", page,
                     "EXCEPTION" if at.exception else "ok", at_text[:170]))
        st.cache_data.clear()


def divergence() -> None:
    at = open_page("app/pages/slow_training.py")
    at.select_slider(key="spike_lr").set_value(at.select_slider(key="spike_lr").options[-1]).run()
    record("training that diverges (largest learning rate of the spike demo)", "slow-training", at)
    at = open_page("app/pages/gradients.py", query={"nonlinearity": "identity", "T": "500", "sweep_max": "8",
                                                    "radii": ["0.8", "3", "8"]})
    record("numbers that overflow (identity RNN, radius up to 8, T = 500)", "gradients", at)


def main() -> None:
    config.set_option("client.showErrorDetails", "full")
    uploads()
    links()
    divergence()
    print("| input | page | result | what the page showed |")
    print("|---|---|---|---|")
    for what, page, status, text in ROWS:
        print(f"| {what} | {page} | {status} | {text.replace('|', '/')} |")


if __name__ == "__main__":
    main()
