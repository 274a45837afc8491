"""Sentiment page: the shipped default view, training behind the button, uploads good and bad, links, snippet."""

from __future__ import annotations

from apptest.conftest import assert_ran, charts, keys, open_page, unescaped
from helpers import assert_snippet_runs, reproduce_snippets

PAGE = "app/pages/sentiment.py"
K = keys(PAGE)  # widget keys of this page, by control name
QUICK = {"steps": "100", "cells": ["RNN"]}  # a budget that trains in well under a second


def test_default_view_is_shipped_and_draws_every_view():
    at = open_page(PAGE)
    assert_ran(at, n_charts=5)  # accuracy, loss curves, validation accuracy, word trace, hidden states
    assert not at.error and not at.info
    # nothing to train: the shipped results match the settings, and the button offers to recompute them live
    assert at.button(key=K("train")).label == "Recompute live"
    assert "Shown: the shipped runs for these settings." in [c.value for c in at.caption]
    text = " ".join(m.value for m in at.markdown)
    assert "0.23" in text and "-0.18" in text and "bag-of-words: **0.68**" in text and "LSTM: **1.00**" in text
    assert any("python -m rnncore.experiments make sentiment" in c.value for c in at.caption)
    assert "(5, 5)" in " ".join(str(d.value) for d in at.dataframe)
    assert "ambiguous" in at.code[0].value


def test_each_control_reruns_cleanly():
    at = open_page(PAGE)
    at.multiselect(key=K("cells")).set_value(["lstm"]).run()
    assert_ran(at, n_charts=5)
    at.radio(key=K("trace")).set_value("gru").run()  # not selected: the page traces the LSTM and says so
    assert_ran(at)
    assert any("not trained" in c.value for c in at.caption)
    at.text_input(key=K("sentence")).set_value("never boring , it was wonderful blorf").run()
    assert_ran(at, n_charts=5)
    assert any("`blorf`" in c.value for c in at.caption)
    at.text_input(key=K("sentence")).set_value("!!!").run()
    assert_ran(at, n_charts=3)
    assert any("no words" in i.value for i in at.info)
    for key, value in [("hidden", 16), ("embedding", 8), ("lr", 0.03), ("batch", 64), ("clip", 1.0),
                       ("max_len", 20), ("steps", 100)]:
        at.select_slider(key=K(key)).set_value(value).run()
        assert_ran(at, n_charts=1)  # new settings: only the baseline until the button is clicked
        assert at.button(key=K("train")).label.startswith("Train "), key


def test_the_train_button_trains_with_progress_and_the_result_stays():
    at = open_page(PAGE, query=QUICK)
    assert_ran(at, n_charts=1)
    assert at.button(key=K("train")).label == "Train RNN"
    assert any("on this machine now" in c.value for c in at.caption)  # the estimate, before the click
    at.button(key=K("train")).click().run()
    assert_ran(at, n_charts=5)
    assert not at.info
    at.text_input(key=K("sentence")).set_value("not good").run()  # a rerun keeps the trained model
    assert_ran(at, n_charts=5)
    assert K("train") not in [b.key for b in at.button]  # nothing left to train
    assert any(c.value.startswith("Shown: your live run of these settings") for c in at.caption)


def test_bad_link_values_are_clamped_or_ignored_with_a_note():
    at = open_page(PAGE, query={"steps": "7", "lr": "fast", "cells": ["RNN", "TRANSFORMER"], "trace": "bert",
                                "sentence": "good " * 100})
    assert_ran(at)
    notes = " ".join(w.value for w in at.warning)
    assert "not one of the choices" in notes and "not among the choices" in notes and "was cut" in notes
    assert at.select_slider(key=K("steps")).value == 1500 and at.multiselect(key=K("cells")).value == ["rnn"]
    assert len(at.text_input(key=K("sentence")).value) == 300


BAD_FILES = [  # (what, bytes, words the message must contain)
    ("empty", b"", "The file is empty"),
    ("header only", b"text,label\n", "no data rows"),
    ("binary", b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "PNG image"),
    ("not UTF-8", "text,label\ncafé très bon,1\n".encode("latin-1"), "not UTF-8"),
    ("one row", b"text,label\ngood film,1\n", "Only 1 usable row"),
    ("all missing", b"text,label\nsome words,\n,1\n", "lacks a text or a label"),
    ("bad label", b"text,label\ngood,1\nbad,maybe\n", "'maybe'"),
    ("duplicate columns", b"text,text,label\na,b,1\n", "repeats the column name"),
    ("missing label column", b"review,stars\ngreat,5\nawful,1\n", "label column"),
    ("one class", b"text,label\n" + b"fine film,1\n" * 25, "both classes"),
    ("oversized", b"text,label\n" + b"a long enough review of a film,1\n" * 170_000, "the limit is"),
    ("ragged", b"text,label\ngood,1,extra,cells\n", "has 4 cells"),
]
# The held-out uploads of issue 12: 60 reviews, each broken one way. Row 21 is on line 22 (the header is line 1).
REVIEWS = [f"{'a lovely' if i % 2 else 'a dull'} film number {i},{i % 2}" for i in range(60)]


def reviews(rows: list[str], header: str = "text,label\n") -> bytes:
    return (header + "\n".join(rows) + "\n").encode()


BAD_FILES += [
    ("a quote never closed (row 21 of 60)", reviews(REVIEWS[:20] + ['"oops ' + REVIEWS[20]] + REVIEWS[21:]),
     "quote (\") on line 22 opens a cell that is never closed"),
    ("no header row", reviews(REVIEWS, header=""), "looks like data, not column names"),
    ("a 200,000-character text", reviews(REVIEWS[:5] + ["x" * 200_000 + ",1"] + REVIEWS[6:]),
     "line 7 is too long (200,000 characters; the limit is 100,000)"),
    ("10,000 columns", (",".join(f"col_{j}" for j in range(10_000)) + "\n" + ",".join(["0"] * 10_000) + "\n").encode(),
     "and 9,990 more"),
]
NOTED_FILES = [  # read whole, with a note that says how: (what, bytes, words the note must contain)
    ("UTF-16LE without a byte-order mark", reviews(REVIEWS).decode().encode("utf-16-le"), "UTF-16"),
    ("ANSI colour codes", reviews([f"\x1b[1;32m{r[:-2]}\x1b[0m{r[-2:]}" for r in REVIEWS]),
     "ANSI colour codes"),
]


def test_every_bad_file_gets_a_clear_error_and_the_settings_stay():
    at = open_page(PAGE)
    at.select_slider(key=K("hidden")).set_value(16).run()
    at.radio(key=K("data")).set_value("upload").run()
    assert_ran(at)
    assert any("Upload a file" in i.value for i in at.info)
    for what, raw, expected in BAD_FILES:
        at.file_uploader(key=K("upload")).set_value(("bad.csv", raw, "text/csv")).run()
        assert_ran(at)
        errors = [unescaped(e.value) for e in at.error]
        assert len(errors) == 1 and expected in errors[0], (what, errors)
        assert at.select_slider(key=K("hidden")).value == 16 and at.radio(key=K("data")).value == "upload", what
        assert charts(at), what  # the built-in corpus is still shown


def test_files_read_whole_with_a_note_keep_every_row():
    at = open_page(PAGE, query={"data": "Upload a CSV"})
    for what, raw, expected in NOTED_FILES:
        at.file_uploader(key=K("upload")).set_value(("noted.csv", raw, "text/csv")).run()
        assert_ran(at)
        assert not at.error, (what, [e.value for e in at.error])
        assert any(expected in unescaped(w.value) for w in at.warning), (what, [w.value for w in at.warning])
        assert any("Uploaded CSV (60 rows)" in c.value for c in at.caption), what


def test_user_text_in_messages_is_inert():
    at = open_page(PAGE, query={"data": "Upload a CSV"})
    evil = b"text,label\ngood,1\nbad,[click](http://evil.example) **x**\n"
    at.file_uploader(key=K("upload")).set_value(("x.csv", evil, "text/csv")).run()
    assert_ran(at)
    (error,) = at.error
    assert "[click](" not in error.value and r"\[click\]\(http" in error.value  # no link, no bold


def test_a_good_upload_trains_and_formula_texts_are_neutralised():
    rows = [f"{'=cmd|calc' if i == 0 else ''}{'a fine and lovely' if i % 2 else 'a dull and tedious'} film {i},{i % 2}"
            for i in range(80)]
    at = open_page(PAGE, query={**QUICK, "data": "Upload a CSV"})
    at.file_uploader(key=K("upload")).set_value(("reviews.csv", ("text,label\n" + "\n".join(rows)).encode(), "text/csv"))
    at.run()
    assert_ran(at, n_charts=1)
    assert any("spreadsheet formula" in unescaped(w.value) for w in at.warning)
    assert any("Uploaded CSV (80 rows)" in c.value and "reviews" in c.value for c in at.caption)
    at.button(key=K("train")).click().run()
    assert_ran(at, n_charts=5)
    subsets = set(at.dataframe[0].value.columns)
    assert subsets == {"all"}  # uploads have no phenomena tags


def test_the_reproduce_snippet_runs():
    at = open_page(PAGE, query=QUICK)
    (snippet,) = reproduce_snippets(at)
    assert "steps=100" in snippet and "('rnn',)" in snippet
    out = assert_snippet_runs(snippet)
    assert "bag-of-words" in out and "negated" in out and "p_positive" in out
