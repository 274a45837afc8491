"""Forecasting page: the shipped default view, honest claims, training behind the button, uploads, links, snippet."""

from __future__ import annotations

import re
from datetime import date, timedelta

from apptest.conftest import assert_ran, charts, keys, open_page, unescaped
from helpers import assert_snippet_runs, reproduce_snippets

PAGE = "app/pages/forecasting.py"
K = keys(PAGE)  # widget keys of this page, by control name
N_CHARTS = 6  # one-step, free-running, error by horizon, residuals, the series, training loss
QUICK = {"series": "IBM, monthly stock price", "steps": "100", "models": ["RNN"]}


def test_default_view_is_shipped_and_says_who_wins():
    at = open_page(PAGE)
    assert_ran(at, n_charts=N_CHARTS)
    assert not at.error and at.button(key=K("train")).label == "Recompute live"  # the shipped models, shown
    table = at.dataframe[0].value.set_index("model")
    assert list(table.index) == ["persistence", "AR", "RNN", "LSTM", "GRU", "RNN readout-only"]
    best = table["RMSE, one step"].idxmin()
    claims = " ".join(m.value for m in at.markdown)
    assert f"Lowest RMSE one step ahead: {best}" in claims
    if table.loc["AR", "RMSE, one step"] < table.loc["LSTM", "RMSE, one step"]:
        assert re.search(r"AR \([0-9.]+\) beats LSTM", claims)  # the page says so when AR wins
    assert "2.1e-4" in claims and "0.255" in claims and "below that floor" in claims
    # no seasonal naive on one period: said under the table, not as a box at the top of the page
    assert any("longer than the training part" in c.value for c in at.caption) and not at.info
    assert "non-broadcastable" in at.code[0].value


def test_each_control_reruns_cleanly():
    at = open_page(PAGE)
    at.multiselect(key=K("models")).set_value(["lstm:full", "lstm:readout"]).run()
    assert_ran(at, n_charts=N_CHARTS)
    for kind, key, value in [("select_slider", "ar", 2), ("number_input", "season", 100),
                             ("select_slider", "horizon", 6)]:  # scoring only: the shipped models stay
        getattr(at, kind)(key=K(key)).set_value(value).run()
        assert_ran(at, n_charts=N_CHARTS)
        assert at.button(key=K("train")).label == "Recompute live", key
    assert "seasonal naive" in set(at.dataframe[0].value.model)
    for kind, key, value in [("select_slider", "noise", 0.2), ("select_slider", "frequency", 0.5),
                             ("select_slider", "window", 8), ("select_slider", "hidden", 8),
                             ("select_slider", "truncate", 4), ("select_slider", "test", 0.3),
                             ("select_slider", "lr", 0.03), ("select_slider", "batch", 16),
                             ("select_slider", "clip", 10.0), ("select_slider", "steps", 100),
                             ("selectbox", "series", "seattle_temp_max")]:
        getattr(at, kind)(key=K(key)).set_value(value).run()
        assert_ran(at, n_charts=5)  # baselines only until the button is clicked: no training-loss chart
        assert at.button(key=K("train")).label.startswith("Train "), key


def test_the_train_button_trains_and_the_result_stays():
    at = open_page(PAGE, query=QUICK)
    assert_ran(at, n_charts=5)
    assert at.button(key=K("train")).label == "Train RNN"
    assert any("on this machine now" in c.value for c in at.caption)  # the estimate, before the click
    at.button(key=K("train")).click().run()
    assert_ran(at, n_charts=N_CHARTS)
    assert "RNN" in set(at.dataframe[0].value.model)
    at.select_slider(key=K("ar")).set_value(4).run()
    assert_ran(at, n_charts=N_CHARTS)
    assert K("train") not in [b.key for b in at.button]  # nothing left to train
    assert any(c.value.startswith("Shown: your live run of these settings") for c in at.caption)


def test_bad_link_values_are_clamped_or_ignored_with_a_note():
    at = open_page(PAGE, query={"window": "1000", "series": "bitcoin", "season": "-5", "models": ["GPT"]})
    assert_ran(at)
    notes = " ".join(w.value for w in at.warning)
    assert "not one of the choices" in notes and "below the minimum" in notes and "not among the choices" in notes
    assert at.selectbox(key=K("series")).value == "sine" and at.number_input(key=K("season")).value == 0


DAYS = [f"2021-01-{d:02d}" for d in range(1, 32)] + [f"2021-02-{d:02d}" for d in range(1, 29)]
BAD_FILES = [  # (what, bytes, words the message must contain)
    ("empty", b"", "The file is empty"),
    ("header only", b"date,value\n", "no data rows"),
    ("binary", b"PK\x03\x04" + bytes(200), "ZIP archive"),
    ("not UTF-8", "date,value\n2021-01-01,1\n2021-01-02,température\n".encode("latin-1"), "not UTF-8"),
    ("one row", b"date,value\n2021-01-01,3.5\n", "Only 1 usable row"),
    ("all missing", ("date,value\n" + "".join(f"{d},\n" for d in DAYS)).encode(), "is missing"),
    ("not numeric", ("date,value\n" + "".join(f"{d},{'abc' if i == 5 else i}\n" for i, d in enumerate(DAYS))).encode(),
     "'abc' in column 'value' is not a number"),
    ("duplicate columns", b"date,value,value\n2021-01-01,1,2\n", "repeats the column name"),
    ("huge value", ("date,value\n" + "".join(f"{d},{'1e308' if i == 3 else i}\n" for i, d in enumerate(DAYS))).encode(),
     "too large"),
    ("inf", ("date,value\n" + "".join(f"{d},{'inf' if i == 3 else i}\n" for i, d in enumerate(DAYS))).encode(),
     "not a finite number"),
    ("formula", ("date,value\n" + "".join(f"{d},{'=SUM(A1:A3)' if i == 3 else i}\n" for i, d in enumerate(DAYS))
                 ).encode(), "spreadsheet formula"),
    ("bad date", ("date,value\n" + "".join(f"{'soon' if i == 3 else d},{i}\n" for i, d in enumerate(DAYS))).encode(),
     "is not a date"),
    ("oversized", b"date,value\n" + b"2021-01-01,1.000000000000\n" * 220_000, "the limit is"),
    ("too short", ("date,value\n" + "".join(f"{d},{i}\n" for i, d in enumerate(DAYS[:10]))).encode(),
     "at least 30 are needed"),
]
# The held-out uploads of issue 12: a 100-day series, each broken one way. Row 41 is on line 42.
DAYS100 = [str(date(2021, 1, 1) + timedelta(days=i)) for i in range(100)]
ROWS100 = [f"{d},{10 + i % 7}" for i, d in enumerate(DAYS100)]


def series(rows: list[str], header: str = "date,value\n") -> bytes:
    return (header + "\n".join(rows) + "\n").encode()


BAD_FILES += [
    ("a quote before row 41's date", series(ROWS100[:40] + ['"' + ROWS100[40]] + ROWS100[41:]),
     "quote (\") on line 42 opens a cell that is never closed"),
    ("no header row", series(ROWS100, header=""), "looks like data, not column names"),
    ("mixed date formats", series(ROWS100[:50] + [f"{date.fromisoformat(r[:10]):%d/%m/%Y}{r[10:]}"
                                                  for r in ROWS100[50:]]), "written in 2 formats"),
    ("10,000 columns", (",".join(f"col_{j}" for j in range(10_000)) + "\n" + ",".join(["0"] * 10_000) + "\n").encode(),
     "and 9,990 more"),
]
NOTED_FILES = [  # read whole, with a note that says how: (what, bytes, words the note must contain)
    ("UTF-16LE without a byte-order mark", series(ROWS100).decode().encode("utf-16-le"), "UTF-16"),
]


def test_every_bad_file_gets_a_clear_error_and_the_settings_stay():
    at = open_page(PAGE, query={"ar": "4"})
    at.selectbox(key=K("series")).set_value("upload").run()
    assert_ran(at)
    assert any("Upload a file" in i.value for i in at.info)
    for what, raw, expected in BAD_FILES:
        at.file_uploader(key=K("upload")).set_value(("bad.csv", raw, "text/csv")).run()
        assert_ran(at)
        errors = [unescaped(e.value) for e in at.error]
        assert len(errors) == 1 and expected in errors[0], (what, errors)
        assert at.select_slider(key=K("ar")).value == 4 and at.selectbox(key=K("series")).value == "upload", what
        assert charts(at), what  # the article's sine is still shown


def test_files_read_whole_with_a_note_keep_every_row():
    at = open_page(PAGE, query={"series": "Upload a CSV"})
    for what, raw, expected in NOTED_FILES:
        at.file_uploader(key=K("upload")).set_value(("noted.csv", raw, "text/csv")).run()
        assert_ran(at)
        assert not at.error, (what, [e.value for e in at.error])
        assert any(expected in unescaped(w.value) for w in at.warning), (what, [w.value for w in at.warning])
        assert any("100 values" in c.value for c in at.caption), what


def test_a_good_upload_is_forecast_and_a_too_short_one_is_explained():
    values = "".join(f"{d},{10 + (i % 7)}\n" for i, d in enumerate(DAYS))
    at = open_page(PAGE, query={"series": "Upload a CSV", "steps": "100", "models": ["GRU"], "window": "8",
                                "ar": "2"})
    at.file_uploader(key=K("upload")).set_value(("sales [v2].csv", f"day,sales\n{values}".encode(), "text/csv")).run()
    assert_ran(at, n_charts=5)
    captions = " ".join(c.value for c in at.caption)
    assert "(file `sales [v2].csv`)" in captions  # the name as typed, as inline code: no visible escapes
    assert "season of 7 steps (daily values: a week)" in unescaped(captions)  # and the guessed season is said
    assert "seasonal naive" in set(at.dataframe[0].value.model)  # daily data: a weekly season
    at.button(key=K("train")).click().run()
    assert_ran(at, n_charts=N_CHARTS)
    at.select_slider(key=K("window")).set_value(48).run()  # 59 values cannot feed windows of 48
    assert_ran(at, n_charts=0)
    assert any("too short" in unescaped(e.value) for e in at.error)


def test_the_reproduce_snippet_runs():
    at = open_page(PAGE, query=QUICK)
    (snippet,) = reproduce_snippets(at)
    assert "steps=100" in snippet and "stock_ibm" in snippet and "(('rnn', 'full'),)" in snippet
    out = assert_snippet_runs(snippet)
    assert "persistence" in out and "RNN" in out and "RMSE" in out
