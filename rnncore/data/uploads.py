"""Validation of uploaded CSV files: a clear message for every bad file, no row lost unsaid, nothing evaluated.

Uploads are parsed with ``csv.reader`` as plain strings; numbers are recognised by a strict regular expression and
converted with ``float``. Nothing is ever evaluated or unpickled, so a cell such as ``=HYPERLINK(...)`` stays text.
Every problem raises ``CsvError`` (a ValueError) whose ``kind`` names it and whose message says what to fix, with the
line numbers of every row concerned (long lists are cut: "and 9,990 more"); softer issues come back as warnings, and
every row that was read but not used is listed in ``dropped`` as (line, reason). Decisions:
  - line numbers are physical lines of the file, the header being line 1 (as a text editor numbers them);
  - a quote (") that opens a cell and takes in the following lines (never closed, or closed only on a later line and
    followed by more text, or closed after lines that look like rows of their own) refuses the file, naming the line:
    those rows would otherwise vanish into one cell. Text after a closing quote on the same line is kept, without
    the quotes, with a warning;
  - a first row that looks like data (numbers or dates like the column below them) is a missing header: refused;
  - a cell longer than MAX_CELL_CHARS is refused as too long; UTF-16 text (with or without a byte-order mark) is
    read, with a note; ANSI colour codes (copied terminal output) are removed, with a note;
  - empty cells and "NA"/"nan"/"null" are missing: those rows are dropped, with a warning naming their lines;
  - "inf", numbers that overflow float64 (1e400) and magnitudes above MAX_ABS_VALUE (1e15, so 1e308 too) are
    rejected, naming the row: they are not measurements, and squaring them while scaling or scoring overflows;
  - dates must share one format: mixed formats are reported as such, with an example and a line of each;
  - unsorted dates are sorted, and duplicated dates keep their last row, each with a warning;
  - text cells starting with = + - @ (spreadsheet formulas) are kept as text behind a leading apostrophe.
The csv module's per-cell limit (131,072 characters by default) is raised, process-wide, to the largest accepted file,
so that a long cell is measured and reported by MAX_CELL_CHARS here rather than cut short by the parser.
"""
from __future__ import annotations

import re
from typing import NamedTuple

import numpy as np

from rnncore.data.csv_cells import (  # noqa: F401
    LABELS,
    MAX_ABS_VALUE,
    MISSING,
    looks_like_dates,
    number,
    numeric_value,
    parse_dates,
)
from rnncore.data.csv_errors import (  # noqa: F401
    CSV_ERROR_KINDS,
    FORMULA_START,
    CsvError,
    line_list,
    raise_first,
    show_cell,
)
from rnncore.data.csv_table import (  # noqa: F401
    MAX_BYTES,
    MAX_CELL_CHARS,
    MAX_ROWS,
    find_column,
    one_column,
    read_table,
)


class ValidatedSeries(NamedTuple):
    """dates (T,) datetime64[s] strictly increasing; values (T,) float64 finite; warnings: list[str];
    dropped: the rows read but not used, as (line, reason) pairs in line order."""

    dates: np.ndarray
    values: np.ndarray
    date_column: str
    value_column: str
    warnings: list
    dropped: tuple = ()


class ValidatedTexts(NamedTuple):
    """texts: list[str] (n), formula-like cells neutralised; labels (n,) int64, 1 = positive; warnings: list[str];
    dropped: the rows read but not used, as (line, reason) pairs in line order."""

    texts: list
    labels: np.ndarray
    text_column: str
    label_column: str
    warnings: list
    dropped: tuple = ()


def _evenly_spaced(dates: np.ndarray) -> bool:
    """Equal steps in time, or in calendar months (monthly, quarterly, yearly data) at a fixed day of the month."""
    if len(np.unique(np.diff(dates))) <= 1:
        return True
    months = dates.astype("datetime64[M]")
    return len(np.unique(np.diff(months))) == 1 and len(np.unique(dates - months.astype(dates.dtype))) == 1


def _dropped_note(lines: list[int], why: str) -> str:
    return f"{len(lines):,} row(s) {why} were dropped: {line_list(lines)}."


def validate_series_csv(raw: bytes, *, date_column: str | None = None, value_column: str | None = None,
                        max_bytes: int = MAX_BYTES, max_rows: int = MAX_ROWS, min_rows: int = 30) -> ValidatedSeries:
    """Check an uploaded time-series CSV and return its dates and values, sorted, or raise CsvError.

    Args:
        raw: the file's bytes (UTF-8, optionally with a BOM, or UTF-16; comma, semicolon or tab separated).
        date_column, value_column: column names (case-insensitive); None auto-detects when unambiguous.
        max_bytes, max_rows: size limits. min_rows: fewest usable rows accepted.
    Returns:
        ValidatedSeries(dates (T,) datetime64[s], values (T,) float64, date_column, value_column, warnings,
        dropped: ((line, reason), ...) for every data row not used).
    """
    header, rows, warnings = read_table(raw, max_bytes, max_rows, example="date,value",
                                         named=(date_column, value_column))
    di, vi = find_column(header, date_column, "date"), find_column(header, value_column, "value")
    if di is None:  # prefer columns that parse as dates and are named like dates; a "year" of plain numbers counts
        score = {i: 2 * looks_like_dates([r[i] for _, r in rows]) + bool(re.search(
            r"date|time|day|month|year|period|^ds$", h.lower())) for i, h in enumerate(header) if i != vi}
        best = max(score.values(), default=0)
        found = [i for i, sc in score.items() if sc == best and sc > 0]
        di = one_column(found, header, "date", "Add a column of dates written as YYYY-MM-DD.")
    if vi is None:
        others = [i for i in range(len(header)) if i != di]
        numeric = [i for i in others if sum(number(r[i]) is not None for _, r in rows[:50]) >=
                   0.9 * max(1, sum(r[i].strip().lower() not in MISSING for _, r in rows[:50]))]
        found = numeric if len(numeric) == 1 or len(others) != 1 else others
        vi = one_column(found, header, "value", "Upload a file with one date column and one numeric column.")
    if di == vi:
        raise CsvError("missing_columns", "The date and value columns must differ; choose two different columns.")
    dname, vname = header[di], header[vi]
    kept, no_value, no_date, problems = [], [], [], []
    for line, cells in rows:
        try:
            v = numeric_value(line, cells[vi], vname)
        except CsvError as err:
            problems.append(err)
            continue
        if v is None:
            no_value.append(line)
        elif not cells[di].strip():
            no_date.append(line)
        else:
            kept.append((line, cells[di], v))
    raise_first(problems)
    if not kept:
        what = f"value in column {show_cell(vname)}" if len(no_value) == len(rows) else "row lacks a date or a value"
        raise CsvError("all_missing", f"Every {what} is missing. Fill in the values, or choose the columns that "
                                      "hold them.")
    warnings += [_dropped_note(ls, why) for ls, why in ((no_value, f"with no value in {show_cell(vname)}"),
                                                        (no_date, f"with no date in {show_cell(dname)}")) if ls]
    if len(kept) < min_rows:
        raise CsvError("too_few_rows", f"Only {len(kept)} usable row(s); at least {min_rows} are needed to train "
                                       "and test a forecaster. Upload a longer series.")
    dates = parse_dates([(line, d) for line, d, _ in kept], dname, warnings)
    values = np.array([v for _, _, v in kept], dtype=np.float64)
    lines = np.array([line for line, _, _ in kept], dtype=np.int64)
    if np.any(np.diff(dates) < np.timedelta64(0, "s")):
        order = np.argsort(dates, kind="stable")
        dates, values, lines = dates[order], values[order], lines[order]
        warnings.append("The dates were not in order; the rows were sorted by date.")
    last = np.append(dates[1:] != dates[:-1], True)  # keep the last row of each run of equal dates
    repeated = sorted(lines[~last].tolist())
    if repeated:
        warnings.append(_dropped_note(repeated, "that repeated an earlier date") + " The last row for each date "
                        "was kept.")
        dates, values = dates[last], values[last]
    if not _evenly_spaced(dates):
        warnings.append("The dates are not evenly spaced; the models treat consecutive rows as equal time steps.")
    if np.ptp(values) == 0:
        warnings.append(f"Every value in {show_cell(vname)} is the same; there is nothing to forecast.")
    dropped = sorted([(n, "no value") for n in no_value] + [(n, "no date") for n in no_date]
                     + [(n, "repeats an earlier date") for n in repeated])
    return ValidatedSeries(dates, values, dname, vname, warnings, tuple(dropped))


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
        ValidatedTexts(texts (n), labels (n,) int64, text_column, label_column, warnings,
        dropped: ((line, reason), ...) for every data row not used).
    """
    header, rows, warnings = read_table(raw, max_bytes, max_rows, example="text,label",
                                         named=(text_column, label_column))
    ti, li = find_column(header, text_column, "text"), find_column(header, label_column, "label")
    if li is None:  # a column named like labels wins, so that a bad label in it is reported as such
        found = [i for i, h in enumerate(header) if i != ti and h.lower() in _LABEL_NAMES] or [
            i for i in range(len(header)) if i != ti and all(r[i].strip().lower() in LABELS for _, r in rows[:50])]
        li = one_column(found, header, "label", "Labels must be 0/1 or positive/negative.")
    if ti is None:  # a column named like text wins; otherwise the one column that is not all numbers
        others = [i for i in range(len(header)) if i != li]
        found = [i for i in others if header[i].lower() in _TEXT_NAMES] or [
            i for i in others if not all(number(r[i]) is not None for _, r in rows[:50])]
        ti = one_column(found, header, "text", "Add a column with the texts.")
    if ti == li:
        raise CsvError("missing_columns", "The text and label columns must differ; choose two different columns.")
    texts, labels, dropped, cut, neutralised, problems = [], [], [], [], [], []
    for line, cells in rows:
        text, lab = cells[ti].strip(), cells[li].strip().lower()
        if not text or not lab:
            dropped.append(line)
            continue
        if lab not in LABELS:
            problems.append(CsvError("bad_label", f"Line {line:,}: label {show_cell(cells[li])} in column "
                                                  f"{show_cell(header[li])} is not a label. Use 1 or positive for "
                                                  "positive, 0 or negative for negative.", line=line,
                                     short=f"label {show_cell(cells[li])}"))
            continue
        if len(text) > max_chars:
            text = text[:max_chars]
            cut.append(line)
        if text.startswith(FORMULA_START):
            text = "'" + text  # OWASP CSV-injection advice: a leading apostrophe keeps it text in any spreadsheet
            neutralised.append(line)
        texts.append(text)
        labels.append(LABELS[lab])
    raise_first(problems)
    if not texts:
        raise CsvError("all_missing", f"Every row lacks a text or a label (columns {show_cell(header[ti])} and "
                                      f"{show_cell(header[li])}). Fill them in, or choose other columns.")
    if dropped:
        warnings.append(_dropped_note(dropped, "with an empty text or label"))
    if cut:
        warnings.append(f"{len(cut):,} text(s) longer than {max_chars:,} characters were cut to that length: "
                        f"{line_list(cut)}.")
    if neutralised:
        warnings.append(f"{len(neutralised):,} text(s) start like a spreadsheet formula (=, +, -, @), on "
                        f"{line_list(neutralised)}. They were never evaluated; a leading ' was added so they stay "
                        "text.")
    if len(texts) < min_rows:
        raise CsvError("too_few_rows", f"Only {len(texts)} usable row(s); at least {min_rows} are needed to train "
                                       "and test a classifier. Upload more labelled texts.")
    if len(set(labels)) < 2:
        which = "positive" if labels[0] else "negative"
        raise CsvError("one_class", f"Every label is {which}; a classifier needs examples of both classes. Add "
                                    f"{'negative' if labels[0] else 'positive'} examples.")
    return ValidatedTexts(texts, np.array(labels, dtype=np.int64), header[ti], header[li], warnings,
                          tuple((n, "an empty text or label") for n in dropped))
