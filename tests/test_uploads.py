"""Tests for rnncore.data.uploads: uploaded CSV files are read whole, or refused with a message that names the real
problem, its line and the fix; no row is dropped without its line and reason. Every bad file is built here, in memory.
"""
import builtins
import csv
import io
import pickle
import re
from datetime import date, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.downloads import _csv_safe
from rnncore.data import uploads
from rnncore.data.uploads import CsvError, validate_labelled_text_csv, validate_series_csv


# ----------------------------------------------------------------------------------------------- CSV: good files
def _series_csv(dates, values, header=("date", "value"), delim=",", bom=False) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delim, lineterminator="\n")
    w.writerow(header)
    w.writerows(zip(dates, values))
    return (b"\xef\xbb\xbf" if bom else b"") + buf.getvalue().encode("utf-8")


DAYS = [f"2021-03-{d:02d}" for d in range(1, 32)] + [f"2021-04-{d:02d}" for d in range(1, 10)]
VALS = [round(np.sin(i / 3) * 10 + i, 3) for i in range(len(DAYS))]
GOOD = _series_csv(DAYS, VALS)


@pytest.mark.parametrize("raw", [GOOD, _series_csv(DAYS, VALS, bom=True), _series_csv(DAYS, VALS, delim=";"),
                                 GOOD.replace(b"\n", b"\r\n"), GOOD.replace(b"\n", b"\r")])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-16-le", "utf-16-be"])
def test_good_series_round_trip(raw, encoding):
    raw = (b"\n\n" + raw).decode("utf-8-sig").encode(encoding)  # leading blank lines are skipped
    out = validate_series_csv(raw)
    assert out.date_column == "date" and out.value_column == "value"
    np.testing.assert_array_equal(out.values, VALS)
    np.testing.assert_array_equal(out.dates, np.array(DAYS, dtype="datetime64[s]"))
    assert all("sorted" not in w for w in out.warnings) and out.dropped == ()
    assert any("UTF-16" in w for w in out.warnings) == (encoding != "utf-8")  # read whole, and said so


def test_series_columns_by_name_and_other_date_formats():
    raw = _series_csv([f"{d:02d}/05/2020" for d in range(1, 32)], range(31), header=("Day", "Sales"))
    out = validate_series_csv(raw)  # day-first dates: 31/05 rules out month-first
    assert out.date_column == "Day" and out.dates[30] == np.datetime64("2020-05-31")
    three = b"id,when,temp\n" + b"".join(f"{i},2020-01-{i:02d},{i / 2}\n".encode() for i in range(1, 32))
    with pytest.raises(CsvError) as err:
        validate_series_csv(three)
    assert err.value.kind == "ambiguous_columns" and "'id'" in str(err.value) and "'temp'" in str(err.value)
    out = validate_series_csv(three, value_column="TEMP")
    assert out.value_column == "temp" and out.values[-1] == 15.5
    monthly = _series_csv([f"{y}-{m:02d}" for y in (2019, 2020, 2021) for m in range(1, 13)], range(36))
    assert validate_series_csv(monthly).warnings == []  # calendar months count as evenly spaced


def test_series_warnings_sort_dedupe_and_drop_missing():
    rows = list(zip(DAYS, VALS))
    shuffled = rows[::-1] + [(DAYS[5], 999.0), (DAYS[7], "")]
    out = validate_series_csv(_series_csv(*zip(*shuffled)))
    text = " ".join(out.warnings)
    assert "sorted" in text and "repeated" in text and "dropped" in text
    assert np.all(np.diff(out.dates) > np.timedelta64(0, "s")) and len(out.values) == len(DAYS)
    assert out.values[5] == 999.0  # the last row for a duplicated date wins
    assert out.dropped == ((36, "repeats an earlier date"), (43, "no value"))  # DAYS[5] was first on line 36
    assert "line 36" in text and "line 43" in text


def test_text_round_trip_with_quotes_commas_and_word_labels():
    texts = [f'review {i}, with "quotes" and a\nnew line' for i in range(24)]
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["Review", "Sentiment"])
    w.writerows((t, "positive" if i % 2 else "NEG") for i, t in enumerate(texts))
    out = validate_labelled_text_csv(buf.getvalue().encode())
    assert out.texts == texts and out.labels.tolist() == [i % 2 for i in range(24)]
    assert (out.text_column, out.label_column) == ("Review", "Sentiment") and out.warnings == []


def test_text_formulas_are_neutralised_not_evaluated(monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("user data must never be evaluated or unpickled")
    monkeypatch.setattr(builtins, "eval", forbidden)
    monkeypatch.setattr(builtins, "exec", forbidden)
    monkeypatch.setattr(pickle, "loads", forbidden)
    rows = ["=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)"] + [f"fine text {i}" for i in range(20)]
    raw = ("text,label\n" + "".join(f'"{t}",{i % 2}\n' for i, t in enumerate(rows))).encode()
    out = validate_labelled_text_csv(raw)
    assert out.texts[:4] == ["'=1+1", "'+cmd|' /C calc'!A0", "'-2+3", "'@SUM(A1)"]
    assert any("formula" in w and "4 text" in w for w in out.warnings)


# ------------------------------------------------------------------------------------------ CSV: the bad files
def _cell(column: int, row: int, cell: str) -> bytes:
    """GOOD with one cell replaced; data row `row` is on line row + 2 (the header is line 1)."""
    cols = [list(DAYS), list(VALS)]
    cols[column][row] = cell
    return _series_csv(*cols)


BAD_SERIES = {  # name -> (raw bytes, expected kind, words the message must contain)
    "empty": (b"", "empty", ["empty"]),
    "blank lines only": (b"\n \r\n\n", "empty", ["empty"]),
    "header only": (b"date,value\n", "header_only", ["no data rows", "'date'"]),
    "binary": (bytes(range(256)) * 8, "binary", ["binary"]),
    "xlsx workbook": (b"PK\x03\x04" + bytes(200), "binary", ["xlsx", "CSV"]),
    "pickle": (pickle.dumps({"a": 1}), "binary", ["pickle"]),
    "latin-1 text": ("date,value\n2021-03-01,caf\xe9\n".encode("latin-1"), "encoding", ["not UTF-8", "line 2"]),
    "one row": (b"date,value\n2021-03-01,1.5\n", "too_few_rows", ["1 usable row", "30"]),
    "all values missing": (b"date,value\n" + b"".join(f"{d},\n".encode() for d in DAYS), "all_missing",
                           ["missing", "'value'"]),
    "not numeric": (_cell(1, 3, "abc"), "not_numeric", ["Line 5", "'abc'", "number"]),
    "formula in values": (_cell(1, 3, "=SUM(B2:B4)"), "formula",
                          ["Line 5", "formula", "not evaluated"]),
    "duplicate columns": (GOOD.replace(b"date,value", b"value,value", 1), "duplicate_columns", ["'value'", "Rename"]),
    "missing named column": (GOOD, "missing_columns", ["'price'", "'date', 'value'"]),
    "no date column": (b"a,b\n" + b"".join(f"{i},{i}\n".encode() for i in range(40)), "missing_columns",
                       ["date", "'a', 'b'"]),
    "huge value": (_cell(1, 3, "1e308"), "non_finite", ["Line 5", "1e308", "too large"]),
    "overflow": (_cell(1, 3, "1e400"), "non_finite", ["Line 5", "too large"]),
    "inf": (_cell(1, 3, "-inf"), "non_finite", ["Line 5", "'-inf'", "finite"]),
    "bad date": (_cell(0, 5, "last tuesday"), "bad_date", ["Line 7", "'last tuesday'", "YYYY-MM-DD"]),
    "formula date": (_cell(0, 5, "=TODAY()"), "bad_date", ["Line 7", "formula"]),
    "ragged row": (GOOD.replace(b"2021-03-06,", b"2021-03-06,1,", 1), "ragged", ["Line 7", "3 cells", "2 columns"]),
    "unbalanced quote": (b'date,value\n"2021-03-01,1\n' + b"2021-03-02,2\n" * 12000, "malformed",
                         ["line 2", "quote"]),
    "no header": (GOOD.split(b"\n", 1)[1], "no_header", ["Line 1", "'2021-03-01' is a date", "date,value"]),
    "mixed date formats": (_cell(0, 5, "06/03/2021"), "mixed_dates",
                           ["2 formats", "YYYY-MM-DD on 39 row(s) (e.g. line 2", "MM/DD/YYYY on 1 row(s) (e.g. line 7"]),
    "oversized": (GOOD, "too_large", ["bytes", "limit"]),
    "too many rows": (GOOD, "too_many_rows", ["more than 10", "rows"]),
}
OPTIONS = {"missing named column": {"value_column": "price"}, "oversized": {"max_bytes": 100},
           "too many rows": {"max_rows": 10}}


@pytest.mark.parametrize("case", list(BAD_SERIES))
def test_bad_series_file_gets_its_own_clear_message(case):
    raw, kind, words = BAD_SERIES[case]
    with pytest.raises(CsvError) as err:
        validate_series_csv(raw, **OPTIONS.get(case, {}))
    assert err.value.kind == kind and isinstance(err.value, ValueError)
    for word in words:
        assert word in str(err.value), (word, str(err.value))
    assert "Traceback" not in str(err.value) and len(str(err.value)) < 400


BAD_TEXT = {
    "bad label": (b"text,label\n" + b"".join(f"nice {i},{i % 2}\n".encode() for i in range(30)).replace(
        b"nice 3,1", b"nice 3,maybe"), "bad_label", ["Line 5", "'maybe'", "positive"]),
    "one class": (b"text,label\n" + b"".join(f"nice {i},1\n".encode() for i in range(30)), "one_class",
                  ["positive", "negative"]),
    "no label column": (b"text,note\n" + b"".join(f"nice {i},meh\n".encode() for i in range(30)),
                        "missing_columns", ["label", "'text', 'note'"]),
    "two text columns": (b"a,b,label\n" + b"".join(f"x {i},y {i},{i % 2}\n".encode() for i in range(30)),
                         "ambiguous_columns", ["'a', 'b'"]),
    "all texts empty": (b"text,label\n" + b"".join(f",{i % 2}\n".encode() for i in range(30)), "all_missing",
                        ["lacks a text"]),
    "too few rows": (b"text,label\ngood,1\nbad,0\n", "too_few_rows", ["2 usable", "20"]),
    "header only": (b"\xef\xbb\xbftext,label\r\n", "header_only", ["no data rows"]),
    "a cell too long": (b"text,label\n" + b"".join(f"nice {i},{i % 2}\n".encode() for i in range(30)).replace(
        b"nice 3,", b"x" * 100_001 + b","), "cell_too_long", ["'text' on line 5", "100,001 characters", "100,000"]),
}


@pytest.mark.parametrize("case", list(BAD_TEXT))
def test_bad_text_file_gets_its_own_clear_message(case):
    raw, kind, words = BAD_TEXT[case]
    with pytest.raises(CsvError) as err:
        validate_labelled_text_csv(raw)
    assert err.value.kind == kind
    for word in words:
        assert word in str(err.value), (word, str(err.value))


def test_every_error_kind_is_exercised():
    kinds = {k for _, k, _ in BAD_SERIES.values()} | {k for _, k, _ in BAD_TEXT.values()}
    assert kinds == set(uploads.CSV_ERROR_KINDS)


def test_a_file_of_separators_only_is_empty():
    for check in (validate_series_csv, validate_labelled_text_csv):
        with pytest.raises(CsvError) as err:
            check(b";", min_rows=1)
        assert err.value.kind == "empty"


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=400))
def test_arbitrary_bytes_never_crash_and_messages_hold_no_raw_control_characters(raw):
    for check in (validate_series_csv, validate_labelled_text_csv):
        try:
            check(raw, min_rows=1)
        except CsvError as err:  # user text in a message is shown by repr: "\x1b", not an escape character
            assert not re.search(r"[\x00-\x1f\x7f]", str(err)), str(err)


# ------------------------------------------------------------------------ issue 12's held-out uploads, one by one
REVIEWS = [f"{'a lovely' if i % 2 else 'a dull'} film number {i},{i % 2}" for i in range(60)]  # row 21 is line 22
DAYS100 = [str(date(2021, 1, 1) + timedelta(days=i)) for i in range(100)]
ROWS100 = [f"{d},{10 + i % 7}" for i, d in enumerate(DAYS100)]


def _file(rows: list[str], header: str) -> bytes:
    return (header + "\n".join(rows) + "\n").encode()


def _error(check, raw: bytes, **options) -> CsvError:
    with pytest.raises(CsvError) as err:
        check(raw, **options)
    return err.value


def test_an_unclosed_quote_refuses_the_file_naming_its_line_instead_of_keeping_20_rows_of_60():
    err = _error(validate_labelled_text_csv, _file(REVIEWS[:20] + ['"oops ' + REVIEWS[20]] + REVIEWS[21:],
                                                   "text,label\n"))
    assert err.kind == "malformed" and err.line == 22
    assert 'quote (") on line 22 opens a cell that is never closed' in str(err) and "22 to 61 (40 lines)" in str(err)
    err = _error(validate_series_csv, _file(ROWS100[:40] + ['"' + ROWS100[40]] + ROWS100[41:], "date,value\n"))
    assert err.kind == "malformed" and "line 42" in str(err) and "42 to 101 (60 lines)" in str(err)
    err = _error(validate_labelled_text_csv, _file(REVIEWS[:59] + ['"' + REVIEWS[59]], "text,label\n"))
    assert "line 61 opens a cell that is never closed" in str(err)  # even on the last line: the row is one cell
    err = _error(validate_labelled_text_csv, _file(REVIEWS[:5] + ['"a" b,"unclosed'] + REVIEWS[6:], "text,label\n"))
    assert "line 7 opens a cell that is never closed, so lines 7 to 61 (55 lines)" in str(err)  # after a stray quote


def test_a_quote_closed_on_a_later_line_and_followed_by_text_refuses_the_file():
    rows = REVIEWS[:20] + ['"oops ' + REVIEWS[20]] + REVIEWS[21:30] + ['"quoted" words,1'] + REVIEWS[31:]
    err = _error(validate_labelled_text_csv, _file(rows, "text,label\n"))
    assert err.kind == "malformed" and "line 22 opens a cell that runs on to line 32" in str(err)


def test_a_quote_that_swallows_rows_then_closes_cleanly_is_refused_by_the_shape_of_the_lines_inside():
    rows = REVIEWS[:20] + ['"oops ' + REVIEWS[20]] + REVIEWS[21:25] + ['wow",1'] + REVIEWS[26:]
    err = _error(validate_labelled_text_csv, _file(rows, "text,label\n"))
    assert err.kind == "malformed" and err.line == 22
    assert "lines 22 to 27 would be read as one row, though lines 22, 23, 24, 25 and 26 look like rows" in str(err)
    one = REVIEWS[:20] + ['"oops ' + REVIEWS[20]] + ['wow",1'] + REVIEWS[22:]  # one row swallowed, no line between
    err = _error(validate_labelled_text_csv, _file(one, "text,label\n"))
    assert "lines 22 to 23 would be read as one row, though line 22 looks like a row of its own" in str(err)


def test_real_multi_line_texts_and_quotes_inside_a_cell_are_read_whole():
    texts = ["first line\nsecond line, still the same review", 'he said "wow"\nthen left', "top\nI give it, 5\nend"]
    buf = io.StringIO()
    csv.writer(buf).writerows([("text", "label")] + [(texts[i % 3] + f" {i}", i % 2) for i in range(30)])
    out = validate_labelled_text_csv(buf.getvalue().encode())
    assert out.texts == [texts[i % 3] + f" {i}" for i in range(30)] and out.dropped == () and out.warnings == []


def test_text_after_a_closing_quote_on_one_line_is_kept_and_its_line_named():
    rows = list(REVIEWS)
    rows[4], rows[9] = '"The Matrix" is great,1', '"Heat" is long,0'
    out = validate_labelled_text_csv(_file(rows, "text,label\n"))
    assert len(out.texts) == 60 and out.texts[4] == "The Matrix is great" and out.labels[4] == 1
    assert any("closing quote on lines 6 and 11" in w for w in out.warnings), out.warnings


def test_a_missing_header_row_is_detected_and_the_fix_named():
    err = _error(validate_series_csv, _file(ROWS100, ""))
    assert err.kind == "no_header" and "Line 1 looks like data, not column names" in str(err)
    assert "'2021-01-01' is a date" in str(err) and "'10' is a number" in str(err) and "date,value" in str(err)
    err = _error(validate_labelled_text_csv, _file(REVIEWS, ""))
    assert err.kind == "no_header" and "'0' is a number" in str(err) and "text,label" in str(err)
    err = _error(validate_labelled_text_csv, _file(REVIEWS, "\n\n"))  # after blank lines: the line is named
    assert "Line 3 looks like data" in str(err)


def test_headers_that_hold_numbers_unlike_their_column_or_named_by_the_user_are_headers():
    out = validate_series_csv(_file(ROWS100, "date,2021\n"), value_column="2021")  # named: it is a header
    assert out.value_column == "2021" and len(out.values) == 100
    words = [f"{r.rsplit(',', 1)[0]},{'positive' if i % 2 else 'negative'}" for i, r in enumerate(REVIEWS)]
    out = validate_labelled_text_csv(_file(words, "review,1\n"))  # a number over words is a name
    assert out.label_column == "1" and len(out.texts) == 60


def test_a_200000_character_field_is_too_long_not_an_unclosed_quote():
    err = _error(validate_labelled_text_csv, _file(REVIEWS[:5] + ["x" * 200_000 + ",1"] + REVIEWS[6:],
                                                   "text,label\n"))
    assert err.kind == "cell_too_long" and err.line == 7
    assert "column 'text' on line 7 is too long (200,000 characters; the limit is 100,000)" in str(err)
    assert "quote" not in str(err)
    out = validate_labelled_text_csv(_file(REVIEWS[:5] + ["y" * 5_000 + ",1"] + REVIEWS[6:], "text,label\n"))
    assert len(out.texts[5]) == 2000 and any("cut to that length: line 7" in w for w in out.warnings)


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-16"])
def test_utf16_text_is_read_whole_not_called_binary(encoding):
    out = validate_labelled_text_csv(_file(REVIEWS, "text,label\n").decode().encode(encoding))
    assert out.texts == [r.rsplit(",", 1)[0] for r in REVIEWS] and out.dropped == ()
    (note,) = out.warnings
    assert "UTF-16" in note and "every row" in note and "CSV UTF-8" in note
    broken = _file(ROWS100, "date,value\n").decode().encode("utf-16-le") + b"\x00\xd8"  # a lone surrogate at the end
    err = _error(validate_series_csv, broken)
    assert err.kind == "encoding" and "UTF-16" in str(err) and "CSV UTF-8" in str(err)


def test_ansi_colour_codes_are_removed_with_a_note_not_called_binary():
    coloured = [f"\x1b[1;32m{r[:-2]}\x1b[0m{r[-2:]}" for r in REVIEWS]
    coloured[3] = "\x1b]0;title\x07" + coloured[3]  # a window-title sequence too
    out = validate_labelled_text_csv(_file(coloured, "text,label\n"))
    assert out.texts == [r.rsplit(",", 1)[0] for r in REVIEWS] and out.dropped == ()
    (note,) = out.warnings
    assert "Removed 121 ANSI colour codes" in note and "lines 2, 3, 4" in note and "and 50 more" in note
    err = _error(validate_series_csv, b"\x1b\x01\x02\x03" * 100)  # control characters that are not colours
    assert err.kind == "binary"


def test_mixed_date_formats_are_reported_as_such_with_examples_and_lines():
    mixed = ROWS100[:50] + [f"{date.fromisoformat(r[:10]):%d/%m/%Y}{r[10:]}" for r in ROWS100[50:]]
    err = _error(validate_series_csv, _file(mixed, "date,value\n"))
    assert err.kind == "mixed_dates" and err.line == 52
    assert "written in 2 formats: YYYY-MM-DD on 50 row(s) (e.g. line 2: '2021-01-01') and DD/MM/YYYY on 50 " \
           "row(s) (e.g. line 52: '20/02/2021')" in str(err)
    mixed[70] = "someday,3"  # a cell that is no date at all is named as such, before the mix
    err = _error(validate_series_csv, _file(mixed, "date,value\n"))
    assert err.kind == "bad_date" and "Line 72: 'someday'" in str(err)


@pytest.mark.parametrize("check", [validate_series_csv, validate_labelled_text_csv])
def test_a_10000_column_file_gets_a_short_message(check):
    raw = (",".join(f"col_{j}" for j in range(10_000)) + "\n" + ",".join(["0"] * 10_000) + "\n").encode()
    err = _error(check, raw, min_rows=1)
    assert err.kind in ("missing_columns", "ambiguous_columns") and len(str(err)) < 400, len(str(err))
    assert re.search(r"10,000 columns:? \(?'col_0', 'col_1'", str(err)) and "'col_9' and 9,990 more" in str(err)
    assert "'col_10'" not in str(err)


def test_every_unusable_row_is_named_with_its_reason_and_long_lists_are_cut():
    rows = [f"{d},{'abc' if i % 2 else i}" for i, d in enumerate(DAYS100)]
    rows[10] = f"{DAYS100[10]},inf"
    err = _error(validate_series_csv, _file(rows, "date,value\n"))
    assert err.kind == "not_numeric" and str(err).startswith("Line 3: 'abc' in column 'value' is not a number.")
    assert "Also unusable: line 5 ('abc' is not a number); line 7" in str(err)
    assert "and 45 more rows (lines 13, 15" in str(err) and "and 35 more)" in str(err) and len(str(err)) < 600
    labels = _error(validate_labelled_text_csv, _file([r.replace(",1", ",maybe") for r in REVIEWS], "text,label\n"))
    assert labels.kind == "bad_label" and "Line 3: label 'maybe'" in str(labels) and "and 24 more rows" in str(labels)
    ragged = _error(validate_labelled_text_csv, _file([r + ",x" for r in REVIEWS], "text,label\n"))
    assert ragged.kind == "ragged" and "Line 2 has 3 cells" in str(ragged) and "and 54 more rows" in str(ragged)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 99), st.sampled_from(["no value", "no date", "repeat"])), max_size=30))
def test_an_accepted_series_accounts_for_every_row(damage):
    rows, expected = list(ROWS100), {}
    for k, what in damage:
        line = k + 2
        if what == "no value":
            rows[k], expected[line] = f"{DAYS100[k]},", "no value"
        elif what == "no date":
            rows[k], expected[line] = f",{k}", "no date"
        elif k > 0:  # the date of the row above: one of the two goes, if both have a date and a value
            rows[k], expected[line] = f"{DAYS100[k - 1]},{k}", None
    try:
        out = validate_series_csv(_file(rows, "date,value\n"))
    except CsvError as err:
        assert err.kind in ("too_few_rows", "all_missing"), str(err)
        return
    assert len(out.values) + len(out.dropped) == 100  # every data row is used, or listed with its reason
    listed = dict(out.dropped)
    assert {n: r for n, r in listed.items() if r != "repeats an earlier date"} == {
        n: r for n, r in expected.items() if r is not None and listed.get(n) != "repeats an earlier date"}
    text = " ".join(out.warnings)
    assert all(f"{n:,}" in text for n in list(listed)[:10])


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(0, 1, exclude_max=True), min_size=1, max_size=3), st.booleans())
def test_quotes_anywhere_are_refused_with_their_line_or_every_row_is_accounted_for(where, series):
    body, check, n = ("\n".join(ROWS100) + "\n", validate_series_csv, 100) if series else (
        "\n".join(REVIEWS) + "\n", validate_labelled_text_csv, 60)
    for k in sorted((int(w * len(body)) for w in where), reverse=True):
        body = body[:k] + '"' + body[k:]
    try:
        out = check(("date,value\n" if series else "text,label\n").encode() + body.encode())
    except CsvError as err:  # e.g. a quote that swallows rows, or one inside a label: 'maybe"' on line 5
        assert re.search(r"[Ll]ine \d+", str(err)), str(err)
        return
    assert len(out.values if series else out.texts) + len(out.dropped) == n, out.warnings


def test_one_formula_prefix_list_guards_uploads_and_downloads():
    import pandas as pd

    assert uploads.FORMULA_START == ("=", "+", "-", "@", "\t", "\r")
    safe = _csv_safe(pd.DataFrame({"t": [p + "x" for p in uploads.FORMULA_START] + ["ok"]}))
    assert safe["t"].tolist() == ["'" + p + "x" for p in uploads.FORMULA_START] + ["ok"]
