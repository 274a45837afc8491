"""Validation of uploaded CSV files: a clear message for every bad file, and nothing ever evaluated.

Uploads are parsed with ``csv.reader`` as plain strings; numbers are recognised by a strict regular expression and
converted with ``float``. Nothing is ever evaluated or unpickled, so a cell such as ``=HYPERLINK(...)`` stays text.
Every problem raises ``CsvError`` (a ValueError) whose ``kind`` names it and whose message says what to fix;
softer issues come back as warnings. Decisions:
  - empty cells and "NA"/"nan"/"null" are missing: those rows are dropped, with a warning;
  - "inf", numbers that overflow float64 (1e400) and magnitudes above MAX_ABS_VALUE (1e15, so 1e308 too) are
    rejected, naming the row: they are not measurements, and squaring them while scaling or scoring overflows;
  - unsorted dates are sorted, and duplicated dates keep their last row, each with a warning;
  - text cells starting with = + - @ (spreadsheet formulas) are kept as text behind a leading apostrophe.
"""
from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timezone
from typing import NamedTuple

import numpy as np

MAX_BYTES, MAX_ROWS, MAX_ABS_VALUE = 5_000_000, 100_000, 1e15
CSV_ERROR_KINDS = ("too_large", "empty", "binary", "encoding", "malformed", "header_only", "duplicate_columns",
                   "missing_columns", "ambiguous_columns", "ragged", "too_many_rows", "not_numeric", "formula",
                   "non_finite", "all_missing", "too_few_rows", "bad_date", "bad_label", "one_class")


class CsvError(ValueError):
    """An upload that cannot be used. kind is one of CSV_ERROR_KINDS; str(err) says what is wrong and the fix."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


class ValidatedSeries(NamedTuple):
    """dates (T,) datetime64[s] strictly increasing; values (T,) float64 finite; warnings: list[str]."""

    dates: np.ndarray
    values: np.ndarray
    date_column: str
    value_column: str
    warnings: list


class ValidatedTexts(NamedTuple):
    """texts: list[str] (n), formula-like cells neutralised; labels (n,) int64, 1 = positive; warnings: list[str]."""

    texts: list
    labels: np.ndarray
    text_column: str
    label_column: str
    warnings: list


_MAGIC = {b"PK\x03\x04": "a ZIP archive or an .xlsx workbook", b"\xd0\xcf\x11\xe0": "an old .xls workbook",
          b"%PDF": "a PDF", b"\x89PNG": "a PNG image", b"\xff\xd8\xff": "a JPEG image", b"\x1f\x8b": "a gzip file",
          b"PAR1": "a Parquet file", b"\x80": "a Python pickle or other binary file"}
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_THOUSANDS = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?")
_MISSING = {"", "na", "n/a", "nan", "null", "none", "-", "?", "#n/a"}
_INF = {"inf", "+inf", "-inf", "infinity", "+infinity", "-infinity", "#div/0!", "#num!"}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _show(cell: str) -> str:
    """A user's cell, quoted and cut short, for messages."""
    return repr(cell if len(cell) <= 40 else cell[:37] + "...")


def _decode(raw: bytes, max_bytes: int) -> str:
    """Bytes -> text, or CsvError for oversized, empty, binary or non-UTF-8 input. A UTF-8 BOM is accepted."""
    if len(raw) > max_bytes:
        raise CsvError("too_large", f"The file is {len(raw):,} bytes; the limit is {max_bytes:,}. "
                                    "Upload a shorter extract (fewer rows or columns).")
    if not raw.strip():
        raise CsvError("empty", "The file is empty. Upload a CSV with a header row and at least one data row.")
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise CsvError("encoding", "The file is UTF-16 text, not UTF-8. Save it as 'CSV UTF-8' and upload again.")
    for magic, what in _MAGIC.items():
        if raw.startswith(magic):
            raise CsvError("binary", f"This looks like {what}, not a CSV text file. Export or save it as CSV.")
    head = raw[:65536]
    controls = sum(head.count(bytes([c])) for c in range(32) if c not in (9, 10, 12, 13))
    if b"\x00" in head or controls > 0.01 * len(head):
        raise CsvError("binary", "The file holds binary data, not text. Upload a CSV text file (comma-separated).")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise CsvError("encoding", f"The file is not UTF-8 text (byte 0x{raw[err.start]:02X} on line {line}). "
                                   "Save it as 'CSV UTF-8' (Excel: Save As > CSV UTF-8) and upload again.") from None


def _read_table(raw: bytes, max_bytes: int, max_rows: int) -> tuple[list[str], list[tuple[int, list[str]]], list]:
    """Decode and parse: header names, rows as (line number, cells), warnings. Blank rows are skipped."""
    text, warnings = _decode(raw, max_bytes), []
    first = next(line for line in text.splitlines() if line.strip())  # the header decides the delimiter
    delim = max(",;\t", key=first.count) if any(d in first for d in ",;\t") else ","
    if delim != ",":
        warnings.append(f"Read as {'tab' if delim == chr(9) else 'semicolon'}-separated values.")
    reader, rows, header, done = csv.reader(io.StringIO(text, newline=""), delimiter=delim), [], None, 0
    try:
        for cells in reader:
            start, done = done + 1, reader.line_num  # a quoted cell may span lines: the row began at `start`
            if not any(c.strip() for c in cells):
                continue
            if header is None:
                header = [c.strip().lstrip("\ufeff") for c in cells]
                continue
            if len(rows) >= max_rows:
                raise CsvError("too_many_rows", f"The file has more than {max_rows:,} data rows. "
                                                f"Upload at most {max_rows:,} rows (for example the latest ones).")
            rows.append((start, cells))
    except csv.Error as err:
        raise CsvError("malformed", f"The row starting on line {done + 1} could not be read as CSV ({err}). "
                                    "Check that line for a quote (\") that is never closed.") from None
    if header is None:  # only separators, e.g. ";;;"
        raise CsvError("empty", "The file holds no column names and no values, only separators. "
                                "Upload a CSV with a header row and data rows.")
    for i, name in enumerate(header):
        if not name:
            header[i] = f"column_{i + 1}"
            warnings.append(f"Column {i + 1} has no name; it is called {header[i]!r} here.")
    lowered = [h.lower() for h in header]
    dupes = sorted({h for h in header if lowered.count(h.lower()) > 1}, key=str.lower)
    if dupes:
        raise CsvError("duplicate_columns", f"The header repeats the column name(s) {', '.join(map(_show, dupes))}. "
                                            "Rename the columns so that every name is unique.")
    if not rows:
        raise CsvError("header_only", f"The file has a header ({', '.join(map(_show, header))}) but no data rows. "
                                      "Add the data below the header.")
    width = len(header)
    for k, (line, cells) in enumerate(rows):
        if len(cells) > width and any(c.strip() for c in cells[width:]):
            raise CsvError("ragged", f"Line {line} has {len(cells)} cells but the header has {width} columns. "
                                     "Quote text that contains commas, or add the missing column name.")
        rows[k] = (line, (cells + [""] * width)[:width])  # short rows: the trailing cells are missing
    return header, rows, warnings


def _column(header: list[str], wanted: str | None, role: str) -> int | None:
    """Index of the column named wanted (case-insensitive), None if wanted is None, else CsvError."""
    if wanted is None:
        return None
    for i, h in enumerate(header):
        if h.lower() == str(wanted).strip().lower():
            return i
    raise CsvError("missing_columns", f"There is no {role} column named {_show(str(wanted))}. The file has the "
                                      f"columns {', '.join(map(_show, header))}; choose one of those.")


def _one(found: list[int], header: list[str], role: str, fix: str) -> int:
    """The single auto-detected column, else CsvError listing the candidates or the columns found."""
    if len(found) == 1:
        return found[0]
    cols = ", ".join(map(_show, header))
    if not found:
        raise CsvError("missing_columns", f"No {role} column was found (the columns are {cols}). Choose the {role} "
                                          f"column. {fix}")
    which = ", ".join(_show(header[i]) for i in found)
    raise CsvError("ambiguous_columns", f"Several columns could be the {role}: {which} (the columns are {cols}). "
                                        f"Choose the {role} column.")


def _number(cell: str) -> float | None:
    """A strict decimal number, or None. Thousands separators like 1,234.5 are accepted."""
    s = cell.strip()
    if _THOUSANDS.fullmatch(s):
        s = s.replace(",", "")
    return float(s) if _NUMBER.fullmatch(s) else None


_DATE_FORMATS = ("iso", "%Y/%m/%d", "%Y/%m/%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y-%m", "%Y/%m", "%d.%m.%Y",
                 "%d.%m.%Y %H:%M", "%m/%d/%Y", "%d/%m/%Y", "%m/%d/%Y %H:%M", "%d/%m/%Y %H:%M", "%m/%d/%y",
                 "%d/%m/%y", "%b %d %Y", "%b %d, %Y", "%d %b %Y", "%B %d %Y", "%B %d, %Y", "%d %B %Y", "%b %Y",
                 "%B %Y", "%Y")


def _parse_date(cell: str, fmt: str) -> datetime:
    if fmt != "iso":
        return datetime.strptime(cell.strip(), fmt)
    d = datetime.fromisoformat(cell.strip())
    return d.astimezone(timezone.utc).replace(tzinfo=None) if d.tzinfo else d


def _ok(cell: str, fmt: str) -> bool:
    try:
        _parse_date(cell, fmt)
        return True
    except ValueError:
        return False


def _date_format(cells: list[str]) -> str | None:
    """The first format in _DATE_FORMATS that parses every cell, or None."""
    return next((fmt for fmt in _DATE_FORMATS if all(_ok(c, fmt) for c in cells)), None)


def _looks_like_dates(cells: list[str]) -> bool:
    sample = [c for c in cells if c.strip()][:20]
    return bool(sample) and _date_format(sample) is not None and not all(_number(c) is not None for c in sample)


def _dates(cells: list[tuple[int, str]], name: str, warnings: list) -> np.ndarray:
    """(line, cell) pairs -> (n,) datetime64[s]; one format for the whole column, else CsvError naming the line."""
    texts = [c for _, c in cells]
    guess = fmt = _date_format(texts[:50])
    if fmt is None or not all(_ok(c, fmt) for c in texts):
        fmt = _date_format(texts)  # e.g. day-first dates whose first 50 days were all <= 12
    if fmt is None:
        bad = (lambda c: not _ok(c, guess)) if guess else (lambda c: not any(_ok(c, f) for f in _DATE_FORMATS))
        line, cell = next(((ln, c) for ln, c in cells if bad(c)), cells[0])
        hint = " It looks like a spreadsheet formula; it was not evaluated." if cell.strip().startswith(
            _FORMULA_START) else ""
        raise CsvError("bad_date", f"Line {line}: {_show(cell)} in column {_show(name)} is not a date.{hint} Write "
                                   "dates as YYYY-MM-DD (or YYYY-MM-DD HH:MM), the same way on every row.")
    day_first = {"%m/%d/%Y": "%d/%m/%Y", "%m/%d/%y": "%d/%m/%y", "%m/%d/%Y %H:%M": "%d/%m/%Y %H:%M"}.get(fmt)
    if day_first and all(_ok(c, day_first) for c in texts):
        warnings.append(f"Dates in {_show(name)} were read as month/day/year, but day/month/year fits too. "
                        "Write dates as YYYY-MM-DD to be sure.")
    return np.array([_parse_date(c, fmt) for c in texts], dtype="datetime64[s]")


def _value(line: int, cell: str, name: str) -> float | None:
    """One numeric cell -> float, None if missing, else CsvError naming the line and the cell."""
    low = cell.strip().lower()
    if low in _MISSING:
        return None
    v = _number(cell)
    if v is None and low in _INF:
        raise CsvError("non_finite", f"Line {line}: {_show(cell)} in column {_show(name)} is not a finite number. "
                                     "Delete that value (leave the cell empty) or fix the formula that made it.")
    if v is None:
        if cell.strip().startswith(_FORMULA_START) and cell.strip()[1:2] not in ".0123456789":
            raise CsvError("formula", f"Line {line}: {_show(cell)} in column {_show(name)} looks like a spreadsheet "
                                      "formula. It was not evaluated. Export the values, not the formulas "
                                      "(copy, then Paste Special > Values).")
        raise CsvError("not_numeric", f"Line {line}: {_show(cell)} in column {_show(name)} is not a number. "
                                      "Use plain numbers with a dot as decimal mark, e.g. 12.5, or leave it empty.")
    if not np.isfinite(v) or abs(v) > MAX_ABS_VALUE:
        raise CsvError("non_finite", f"Line {line}: {_show(cell)} in column {_show(name)} is too large "
                                     f"(|value| > {MAX_ABS_VALUE:g}). Rescale the column (e.g. to millions).")
    return v


def _evenly_spaced(dates: np.ndarray) -> bool:
    """Equal steps in time, or in calendar months (monthly, quarterly, yearly data) at a fixed day of the month."""
    if len(np.unique(np.diff(dates))) <= 1:
        return True
    months = dates.astype("datetime64[M]")
    return len(np.unique(np.diff(months))) == 1 and len(np.unique(dates - months.astype(dates.dtype))) == 1


def _missing_note(lines: list[int], what: str) -> str:
    shown = ", ".join(map(str, lines[:5])) + (", ..." if len(lines) > 5 else "")
    return f"{len(lines)} row(s) with {what} were dropped (line {shown})."


def validate_series_csv(raw: bytes, *, date_column: str | None = None, value_column: str | None = None,
                        max_bytes: int = MAX_BYTES, max_rows: int = MAX_ROWS, min_rows: int = 30) -> ValidatedSeries:
    """Check an uploaded time-series CSV and return its dates and values, sorted, or raise CsvError.

    Args:
        raw: the file's bytes (UTF-8, optionally with a BOM; comma, semicolon or tab separated).
        date_column, value_column: column names (case-insensitive); None auto-detects when unambiguous.
        max_bytes, max_rows: size limits. min_rows: fewest usable rows accepted.
    Returns:
        ValidatedSeries(dates (T,) datetime64[s], values (T,) float64, date_column, value_column, warnings).
    """
    header, rows, warnings = _read_table(raw, max_bytes, max_rows)
    di, vi = _column(header, date_column, "date"), _column(header, value_column, "value")
    if di is None:  # prefer columns that parse as dates and are named like dates; a "year" of plain numbers counts
        score = {i: 2 * _looks_like_dates([r[i] for _, r in rows]) + bool(re.search(
            r"date|time|day|month|year|period|^ds$", h.lower())) for i, h in enumerate(header) if i != vi}
        found = [i for i, sc in score.items() if sc == max(score.values()) and sc > 0]
        di = _one(found, header, "date", "Add a column of dates written as YYYY-MM-DD.")
    if vi is None:
        others = [i for i in range(len(header)) if i != di]
        numeric = [i for i in others if sum(_number(r[i]) is not None for _, r in rows[:50]) >=
                   0.9 * max(1, sum(r[i].strip().lower() not in _MISSING for _, r in rows[:50]))]
        found = numeric if len(numeric) == 1 or len(others) != 1 else others
        vi = _one(found, header, "value", "Upload a file with one date column and one numeric column.")
    if di == vi:
        raise CsvError("missing_columns", "The date and value columns must differ; choose two different columns.")
    dname, vname = header[di], header[vi]
    kept, no_value, no_date = [], [], []
    for line, cells in rows:
        v = _value(line, cells[vi], vname)
        if v is None:
            no_value.append(line)
        elif not cells[di].strip():
            no_date.append(line)
        else:
            kept.append((line, cells[di], v))
    if not kept:
        what = f"value in column {_show(vname)}" if len(no_value) == len(rows) else "row lacks a date or a value"
        raise CsvError("all_missing", f"Every {what} is missing. Fill in the values, or choose the columns that "
                                      "hold them.")
    warnings += [_missing_note(ls, what) for ls, what in ((no_value, "no value"), (no_date, "no date")) if ls]
    if len(kept) < min_rows:
        raise CsvError("too_few_rows", f"Only {len(kept)} usable row(s); at least {min_rows} are needed to train "
                                       "and test a forecaster. Upload a longer series.")
    dates = _dates([(line, d) for line, d, _ in kept], dname, warnings)
    values = np.array([v for _, _, v in kept], dtype=np.float64)
    if np.any(np.diff(dates) < np.timedelta64(0, "s")):
        order = np.argsort(dates, kind="stable")
        dates, values = dates[order], values[order]
        warnings.append("The dates were not in order; the rows were sorted by date.")
    last = np.append(dates[1:] != dates[:-1], True)  # keep the last row of each run of equal dates
    if not last.all():
        warnings.append(f"{int((~last).sum())} row(s) repeated an earlier date; the last row for each date was kept.")
        dates, values = dates[last], values[last]
    if not _evenly_spaced(dates):
        warnings.append("The dates are not evenly spaced; the models treat consecutive rows as equal time steps.")
    if np.ptp(values) == 0:
        warnings.append(f"Every value in {_show(vname)} is the same; there is nothing to forecast.")
    return ValidatedSeries(dates, values, dname, vname, warnings)


_LABELS = {**dict.fromkeys(("1", "1.0", "pos", "positive", "true", "yes"), 1),
           **dict.fromkeys(("0", "0.0", "neg", "negative", "false", "no"), 0)}
_LABEL_NAMES = ("label", "labels", "sentiment", "target", "class", "y", "polarity")
_TEXT_NAMES = ("text", "review", "sentence", "comment", "content", "body", "tweet", "message")


def validate_labelled_text_csv(raw: bytes, *, text_column: str | None = None, label_column: str | None = None,
                               max_bytes: int = MAX_BYTES, max_rows: int = 20_000, min_rows: int = 20,
                               max_chars: int = 2000) -> ValidatedTexts:
    """Check an uploaded sentiment CSV (a text column and a 0/1 or positive/negative label column), or raise CsvError.

    Args:
        raw: the file's bytes. text_column, label_column: names, or None to auto-detect.
        max_bytes, max_rows, min_rows: limits. max_chars: longer texts are cut to this many characters.
    Returns:
        ValidatedTexts(texts (n), labels (n,) int64, text_column, label_column, warnings).
    """
    header, rows, warnings = _read_table(raw, max_bytes, max_rows)
    ti, li = _column(header, text_column, "text"), _column(header, label_column, "label")
    if li is None:  # a column named like labels wins, so that a bad label in it is reported as such
        found = [i for i, h in enumerate(header) if i != ti and h.lower() in _LABEL_NAMES] or [
            i for i in range(len(header)) if i != ti and all(r[i].strip().lower() in _LABELS for _, r in rows[:50])]
        li = _one(found, header, "label", "Labels must be 0/1 or positive/negative.")
    if ti is None:  # a column named like text wins; otherwise the one column that is not all numbers
        others = [i for i in range(len(header)) if i != li]
        found = [i for i in others if header[i].lower() in _TEXT_NAMES] or [
            i for i in others if not all(_number(r[i]) is not None for _, r in rows[:50])]
        ti = _one(found, header, "text", "Add a column with the texts.")
    if ti == li:
        raise CsvError("missing_columns", "The text and label columns must differ; choose two different columns.")
    texts, labels, dropped, cut, neutralised = [], [], [], 0, []
    for line, cells in rows:
        text, lab = cells[ti].strip(), cells[li].strip().lower()
        if not text or not lab:
            dropped.append(line)
            continue
        if lab not in _LABELS:
            raise CsvError("bad_label", f"Line {line}: label {_show(cells[li])} in column {_show(header[li])} is "
                                        "not a label. Use 1 or positive for positive, 0 or negative for negative.")
        if len(text) > max_chars:
            text, cut = text[:max_chars], cut + 1
        if text.startswith(_FORMULA_START):
            text = "'" + text  # OWASP CSV-injection advice: a leading apostrophe keeps it text in any spreadsheet
            neutralised.append(line)
        texts.append(text)
        labels.append(_LABELS[lab])
    if not texts:
        raise CsvError("all_missing", f"Every row lacks a text or a label (columns {_show(header[ti])} and "
                                      f"{_show(header[li])}). Fill them in, or choose other columns.")
    if dropped:
        warnings.append(_missing_note(dropped, "an empty text or label"))
    if cut:
        warnings.append(f"{cut} text(s) longer than {max_chars} characters were cut to that length.")
    if neutralised:
        warnings.append(f"{len(neutralised)} text(s) start like a spreadsheet formula (=, +, -, @), e.g. line "
                        f"{neutralised[0]}. They were never evaluated; a leading ' was added so they stay text.")
    if len(texts) < min_rows:
        raise CsvError("too_few_rows", f"Only {len(texts)} usable row(s); at least {min_rows} are needed to train "
                                       "and test a classifier. Upload more labelled texts.")
    if len(set(labels)) < 2:
        which = "positive" if labels[0] else "negative"
        raise CsvError("one_class", f"Every label is {which}; a classifier needs examples of both classes. Add "
                                    f"{'negative' if labels[0] else 'positive'} examples.")
    return ValidatedTexts(texts, np.array(labels, dtype=np.int64), header[ti], header[li], warnings)
