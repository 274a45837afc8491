"""Tests for rnncore.data.series (offline real series) and rnncore.data.uploads (validation of uploaded CSV files)."""
import builtins
import csv
import io
import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnncore.data import series as rd
from rnncore.data import uploads
from rnncore.data.uploads import CsvError, validate_labelled_text_csv, validate_series_csv

EXPECTED_LENGTHS = {"seattle_temp_max": 1461, "seattle_temp_hourly": 8760, "seattle_temp_daily": 365,
                    "sf_temp_hourly": 8760, "sf_temp_daily": 365, "stock_msft": 123, "stock_aapl": 123,
                    "stock_amzn": 123, "stock_ibm": 123, "stock_goog": 68}


# ------------------------------------------------------------------------------------------------- real series
@pytest.mark.parametrize("name", rd.SERIES_NAMES)
def test_series_load_finite_sorted_and_evenly_spaced(name):
    s = rd.load_series(name)
    assert s.name == name and len(s.values) == len(s.dates) == EXPECTED_LENGTHS[name]
    assert s.values.dtype == np.float64 and np.isfinite(s.values).all()
    assert s.dates.dtype == np.dtype("datetime64[s]") and np.all(np.diff(s.dates) > np.timedelta64(0, "s"))
    if s.frequency in ("hourly", "daily"):
        assert len(np.unique(np.diff(s.dates))) == 1
    assert 1 < s.season_length < len(s.values) and s.source and s.units


def test_series_are_fresh_copies():
    a = rd.load_series("stock_msft")
    a.values[:] = 0.0
    assert rd.load_series("stock_msft").values.max() > 0


def test_unknown_series_names_the_choices():
    with pytest.raises(ValueError, match="seattle_temp_max"):
        rd.load_series("nope")


def test_series_match_the_vega_datasets_pandas_loader_offline():
    vd = pytest.importorskip("vega_datasets")
    weather, temps, stocks = vd.data.seattle_weather, vd.data.seattle_temps, vd.data.stocks
    assert weather.is_local and temps.is_local and stocks.is_local  # bundled, so no network is needed
    np.testing.assert_allclose(rd.load_series("seattle_temp_max").values, weather()["temp_max"].to_numpy())
    msft = stocks().query("symbol == 'MSFT'")
    np.testing.assert_allclose(rd.load_series("stock_msft").values, msft["price"].to_numpy())
    assert (rd.load_series("stock_msft").dates == msft["date"].to_numpy().astype("datetime64[s]")).all()
    hourly = temps()
    daily = hourly.groupby(hourly["date"].dt.date)["temp"].mean()  # the one DST gap is not filled here
    ours = rd.load_series("seattle_temp_daily")
    jan = ours.dates < np.datetime64("2010-03-01")  # before the gap both methods agree exactly
    np.testing.assert_allclose(ours.values[jan], daily.to_numpy()[: jan.sum()])


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
                                 GOOD.replace(b"\n", b"\r\n")])
def test_good_series_round_trip(raw):
    raw = b"\n\n" + raw  # leading blank lines are skipped
    out = validate_series_csv(raw)
    assert out.date_column == "date" and out.value_column == "value"
    np.testing.assert_array_equal(out.values, VALS)
    np.testing.assert_array_equal(out.dates, np.array(DAYS, dtype="datetime64[s]"))
    assert all("sorted" not in w for w in out.warnings)


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
    "utf-16 text": (GOOD.decode().encode("utf-16"), "encoding", ["UTF-16", "UTF-8"]),
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
def test_arbitrary_bytes_never_crash(raw):
    for check in (validate_series_csv, validate_labelled_text_csv):
        try:
            check(raw, min_rows=1)
        except CsvError:
            pass
