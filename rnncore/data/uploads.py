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

import csv
import io
import itertools
import re
from collections import Counter
from datetime import UTC, datetime
from typing import NamedTuple

import numpy as np

MAX_BYTES, MAX_ROWS, MAX_ABS_VALUE, MAX_CELL_CHARS = 5_000_000, 100_000, 1e15, 100_000
SHOWN = 10  # the longest list of lines or names spelled out in a message; the rest are counted
#: Cells starting with these run as formulas in a spreadsheet (CSV injection); the app's CSV downloads use it too.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CSV_ERROR_KINDS = ("too_large", "empty", "binary", "encoding", "malformed", "cell_too_long", "no_header",
                   "header_only", "duplicate_columns", "missing_columns", "ambiguous_columns", "ragged",
                   "too_many_rows", "not_numeric", "formula", "non_finite", "all_missing", "too_few_rows", "bad_date",
                   "mixed_dates", "bad_label", "one_class")
if csv.field_size_limit() < 2**31 - 1:
    csv.field_size_limit(2**31 - 1)


class CsvError(ValueError):
    """An upload that cannot be used. kind is one of CSV_ERROR_KINDS; str(err) says what is wrong and the fix.

    line is the line of the (first) row concerned, when there is one; short says the problem in a few words.
    """

    def __init__(self, kind: str, message: str, *, line: int | None = None, short: str | None = None):
        super().__init__(message)
        self.kind, self.line, self.short = kind, line, short


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


_MAGIC = {b"PK\x03\x04": "a ZIP archive or an .xlsx workbook", b"\xd0\xcf\x11\xe0": "an old .xls workbook",
          b"%PDF": "a PDF", b"\x89PNG": "a PNG image", b"\xff\xd8\xff": "a JPEG image", b"\x1f\x8b": "a gzip file",
          b"PAR1": "a Parquet file", b"\x80": "a Python pickle or other binary file"}
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_THOUSANDS = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?")
_MISSING = {"", "na", "n/a", "nan", "null", "none", "-", "?", "#n/a"}
_INF = {"inf", "+inf", "-inf", "infinity", "+infinity", "-infinity", "#div/0!", "#num!"}
# Terminal escape sequences: CSI (colours, cursor moves: ESC [ ... m), OSC (titles, links: ESC ] ... BEL), and the
# two-character ones (ESC followed by one of @ to _).
_ANSI = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[@-Z\\-_])")


def _show(cell: str) -> str:
    """A user's cell, quoted and cut short, for messages (repr: control characters show as escapes)."""
    return repr(cell if len(cell) <= 40 else cell[:37] + "...")


def _lines(numbers, shown: int = SHOWN) -> str:
    """'line 5', 'lines 5, 9 and 12', or 'lines 5, 9, ... and 9,990 more' for a long list."""
    nums = [f"{n:,}" for n in numbers]
    if len(nums) == 1:
        return f"line {nums[0]}"
    if len(nums) <= shown:
        return f"lines {', '.join(nums[:-1])} and {nums[-1]}"
    return f"lines {', '.join(nums[:shown])} and {len(nums) - shown:,} more"


def _names(names: list[str], what: str = "columns") -> str:
    """"the columns 'a', 'b'", or "10,000 columns: 'col_0', ... and 9,990 more" for a long list."""
    if len(names) <= SHOWN + 2:
        return f"the {what[:-1] if len(names) == 1 else what} {', '.join(map(_show, names))}"
    return f"{len(names):,} {what}: {', '.join(map(_show, names[:SHOWN]))} and {len(names) - SHOWN:,} more"


def _rows_note(problems: list[CsvError], what: str = "Also unusable") -> str:
    """' Also unusable: line 9 ('x' is not a number); ... and 12 more.' for the problems after the first."""
    if not problems:
        return ""
    shown = "; ".join(f"line {p.line:,} ({p.short})" for p in problems[:5])
    more = f"; and {len(problems) - 5:,} more rows ({_lines([p.line for p in problems[5:]])})" \
        if len(problems) > 5 else ""
    return f" {what}: {shown}{more}."


def _raise_first(problems: list[CsvError]) -> None:
    """Raise the first problem, its message followed by the line and reason of every other one (cut when long)."""
    if problems:
        first = problems[0]
        raise CsvError(first.kind, str(first) + _rows_note(problems[1:]), line=first.line, short=first.short)


def _is_binary(sample: str) -> bool:
    """NUL, or more than 1% control characters other than tab, newlines and form feed (terminal colours aside)."""
    sample = _ANSI.sub("", sample)
    controls = sum(sample.count(chr(c)) for c in range(32) if c not in (9, 10, 12, 13))
    return "\x00" in sample or controls > 0.01 * max(1, len(sample))


def _utf16(raw: bytes) -> str | None:
    """'utf-16' with a byte-order mark; 'utf-16-le'/'utf-16-be' when every other byte is mostly zero; else None."""
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "utf-16"
    head = raw[:4096]
    if len(head) < 4:
        return None
    even, odd = head[0::2], head[1::2]
    zero_even, zero_odd = even.count(0) / len(even), odd.count(0) / len(odd)
    if zero_odd > 0.3 and zero_even < 0.05:
        return "utf-16-le"
    if zero_even > 0.3 and zero_odd < 0.05:
        return "utf-16-be"
    return None


def _decode(raw: bytes, max_bytes: int) -> tuple[str, list]:
    """Bytes -> (text, notes), or CsvError for oversized, empty, binary or undecodable input.

    UTF-8 (a BOM is accepted) and UTF-16 (with or without a BOM) are read; ANSI colour codes are removed, with a note.
    """
    if len(raw) > max_bytes:
        raise CsvError("too_large", f"The file is {len(raw):,} bytes; the limit is {max_bytes:,}. "
                                    "Upload a shorter extract (fewer rows or columns).")
    if not raw.strip():
        raise CsvError("empty", "The file is empty. Upload a CSV with a header row and at least one data row.")
    notes, encoding = [], _utf16(raw)
    if encoding is None:
        for magic, what in _MAGIC.items():
            if raw.startswith(magic):
                raise CsvError("binary", f"This looks like {what}, not a CSV text file. Export or save it as CSV.")
        if _is_binary(raw[:65536].decode("latin-1")):
            raise CsvError("binary", "The file holds binary data, not text. Upload a CSV text file "
                                     "(comma-separated).")
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as err:
            line = raw[: err.start].count(b"\n") + 1
            raise CsvError("encoding", f"The file is not UTF-8 text (byte 0x{raw[err.start]:02X} on line {line}). "
                                       "Save it as 'CSV UTF-8' (Excel: Save As > CSV UTF-8) and upload again.",
                           line=line) from None
    else:
        how = {"utf-16": "with a byte-order mark", "utf-16-le": "little-endian, without a byte-order mark",
               "utf-16-be": "big-endian, without a byte-order mark"}[encoding]
        try:
            text = raw.decode(encoding).lstrip("\ufeff")
        except UnicodeDecodeError as err:
            raise CsvError("encoding", f"The file looks like UTF-16 text ({how}) but byte {err.start:,} cannot be "
                                       "read as UTF-16. Save it as 'CSV UTF-8' (Excel: Save As > CSV UTF-8) and "
                                       "upload again.") from None
        if _is_binary(text[:65536]):
            raise CsvError("binary", "The file holds binary data, not text. Upload a CSV text file "
                                     "(comma-separated).")
        notes.append(f"The file is UTF-16 text ({how}); it was read as such, every row. Saving it as 'CSV UTF-8' "
                     "makes it readable by more programs.")
    if "\x1b" in text and _ANSI.search(text):
        lines = [n for n, line in enumerate(io.StringIO(text, newline=""), start=1) if _ANSI.search(line)]
        count = len(_ANSI.findall(text))
        text = _ANSI.sub("", text)
        notes.append(f"Removed {count:,} ANSI colour codes (terminal escape sequences such as ESC[32m, from copied "
                     f"terminal output) on {_lines(lines)}; the text around them was kept.")
    return text, notes


def _quoted_cells(lines: list[str], start: int, end: int, delim: str) -> list[list]:
    """The quoted cells of lines start..end (1-based), read as csv does, as [line opened, line closed or None, True
    when text follows the closing quote, index of the opening quote in its line]."""
    cells, quoted, at_start, closing = [], False, True, False
    for n in range(start, end + 1):
        line, i = lines[n - 1], 0
        while i < len(line):
            ch = line[i]
            if closing:  # just after a closing quote: a separator or a line end, else text follows it
                cells[-1][2], closing = ch not in (delim, "\n", "\r"), False
            if quoted:
                if ch == '"' and line[i + 1:i + 2] == '"':
                    i += 1  # a doubled quote inside a quoted cell
                elif ch == '"':
                    quoted, closing, cells[-1][1] = False, True, n
            elif ch == '"' and at_start:
                quoted, at_start = True, False
                cells.append([n, None, False, i])
            else:
                at_start = ch in (delim, "\n", "\r")
            i += 1
    return cells


_QUOTE_FIX = "Remove that quote, or add the closing quote where the cell ends; a quote inside a quoted cell is written " \
             "twice (\"\")."


def _refuse_swallowing_quote(lines: list[str], start: int, end: int, delim: str, at_end: bool) -> int:
    """CsvError if the row that csv could not read strictly (lines start..end) has a quote taking in later lines:
    never closed (at_end: csv met the end of the file inside a quoted cell), or closed on a later line and followed
    by text. Else returns the line where text follows a closing quote on the quote's own line (the row's fault)."""
    cells = _quoted_cells(lines, start, end, delim)
    unclosed = [c for c in cells if c[1] is None]
    if at_end and unclosed:
        opened = unclosed[0][0]
        n = len(lines) - opened + 1
        lost = f", so lines {opened:,} to {len(lines):,} ({n:,} lines) would be read as one cell and their rows " \
               "lost" if n > 1 else ""
        raise CsvError("malformed", f"A quote (\") on line {opened:,} opens a cell that is never closed{lost}. "
                                    f"{_QUOTE_FIX}", line=opened, short="a quote never closed")
    opened, closed, _, _ = next((c for c in cells if c[2]), (start, start, True, 0))
    if closed > opened:
        raise CsvError("malformed", f"A quote (\") on line {opened:,} opens a cell that runs on to line {closed:,}, "
                                    f"where text follows the closing quote: lines {opened:,} to {closed:,} would be "
                                    f"read as one cell and their rows lost. {_QUOTE_FIX}", line=opened,
                       short="a quote that takes in the next lines")
    return closed


def _parse(lines: list[str], delim: str, max_rows: int) -> tuple[list[tuple[int, int, list[str]]], list[int]]:
    """Rows as (first line, last line, cells), blank rows skipped, and the lines with text after a closing quote.

    Strict csv first; a row it refuses is either a quote that takes in later lines (CsvError naming the line) or
    text after a closing quote on one line (read as csv's lenient mode does, and listed).
    """
    source, done, rows, stray, retry = iter(lines), 0, [], [], None
    while True:
        strict, base = retry is None, done
        reader = csv.reader(source if strict else itertools.chain(retry, source), delimiter=delim, strict=strict)
        try:
            for cells in reader:
                start, done = done + 1, base + reader.line_num
                if any(c.strip() for c in cells):
                    if len(rows) > max_rows:  # the header and max_rows data rows are already in
                        raise CsvError("too_many_rows", f"The file has more than {max_rows:,} data rows. Upload at "
                                                        f"most {max_rows:,} rows (for example the latest ones).")
                    rows.append((start, done, cells))
                if not strict:  # one row read leniently (its quote may yet be unclosed); back to strict reading
                    _refuse_swallowing_quote(lines, start, done, delim, done == len(lines))
                    break
            else:
                return rows, stray
        except csv.Error as err:
            start, end = done + 1, base + reader.line_num
            if not strict:
                raise CsvError("malformed", f"The row starting on line {start:,} could not be read as CSV ({err}). "
                                            "Check that line for a quote (\") that is never closed.",
                               line=start) from None
            stray.append(_refuse_swallowing_quote(lines, start, end, delim, "unexpected end of data" in str(err)))
            retry, done = lines[start - 1:end], start - 1
            continue
        retry = None


def _kind(cell: str) -> str | None:
    """'number', 'date' or None: what a cell holds, for telling a header from data."""
    if _number(cell) is not None:
        return "number"
    return "date" if cell.strip() and _date_format([cell]) is not None else None


_KINDS = {"label": lambda c: c.strip().lower() in _LABELS, "number": lambda c: _number(c) is not None,
          "date": lambda c: _kind(c) == "date"}


def _line_kinds(lines: list[str], after: int, width: int, delim: str) -> list[str | None]:
    """Per column, 'label', 'number' or 'date' when that column of at least 90% of the file's lines (the first 200
    after line `after`, each read as a row of its own) is one; else None. A file whose lines are not its rows (many
    texts over several lines) thus has no typed column."""
    sample = [next(csv.reader([line], delimiter=delim), []) for line in lines[after:after + 200] if line.strip()]
    kinds = []
    for i in range(width):
        col = [c[i] for c in sample if len(c) == width and c[i].strip().lower() not in _MISSING]
        kinds.append(next((k for k, fits in _KINDS.items() if len(col) >= 5 and sum(map(fits, col)) >= 0.9 * len(
            sample)), None))
    return kinds


def _refuse_swallowed_rows(lines, rows, width: int, delim: str) -> None:
    """CsvError when a cell spanning lines holds lines shaped like the file's rows (same columns, same kinds): the
    line of its opening quote (read without that quote) or the lines after it, up to the one that closes it."""
    multi = [(s, e) for s, e, _ in rows[1:] if e > s]
    if not multi:
        return
    kinds = _line_kinds(lines, rows[0][1], width, delim)
    if not any(kinds):
        return  # no typed column: a line inside a cell cannot be told from a row

    def row_like(line: str) -> bool:
        cells = next(csv.reader([line], delimiter=delim), [])
        return len(cells) == width and all(k is None or _KINDS[k](c) for c, k in zip(cells, kinds))

    for s, e in multi:
        opened, _, _, at = next((c for c in _quoted_cells(lines, s, e, delim) if c[1] is None or c[1] > c[0]),
                                (s, None, False, None))
        first = lines[opened - 1]
        found = [opened] if at is not None and row_like(first[:at] + first[at + 1:]) else []
        found += [n for n in range(opened + 1, e) if row_like(lines[n - 1])]
        if found:
            raise CsvError("malformed", f"A quote (\") on line {opened:,} opens a cell that runs on to line {e:,}, "
                                        f"so lines {opened:,} to {e:,} would be read as one row, though "
                                        f"{_lines(found)} {'looks like a row' if len(found) == 1 else 'look like rows'}"
                                        f" of {'its' if len(found) == 1 else 'their'} own. {_QUOTE_FIX}",
                           line=opened, short="a quote that takes in the next rows")


def _refuse_missing_header(header: list[str], rows, line: int, example: str) -> None:
    """CsvError when header cells are numbers or dates, like most of the column below them: the header is missing."""
    data_like = []
    for i, name in enumerate(header):
        kind = _kind(name)
        col = [c[i] for _, _, c in rows[:50] if i < len(c) and c[i].strip().lower() not in _MISSING]
        if kind and col and sum(_kind(c) == kind for c in col) >= 0.9 * len(col):
            data_like.append(f"{_show(name)} is a {kind}")
    if data_like:
        shown = ", ".join(data_like[:3]) + (f" and {len(data_like) - 3:,} more" if len(data_like) > 3 else "")
        raise CsvError("no_header", f"Line {line} looks like data, not column names ({shown}, like the values below "
                                    "it): the file seems to have no header row, and its first row would be lost as "
                                    f"names. Add a first line with the column names, e.g. {example}.", line=line,
                       short="no header row")


def _read_table(raw: bytes, max_bytes: int, max_rows: int, *, example: str, named: tuple = ()
                ) -> tuple[list[str], list[tuple[int, list[str]]], list]:
    """Decode and parse: header names, rows as (line number, cells), warnings. Blank rows are skipped.

    example: a header line to suggest when the header is missing. named: column names the user gave (a header that
    holds one of them is taken as a header).
    """
    text, warnings = _decode(raw, max_bytes)
    lines = io.StringIO(text, newline="").readlines()
    first = next((line for line in lines if line.strip()), None)
    if first is None:
        raise CsvError("empty", "The file is empty. Upload a CSV with a header row and at least one data row.")
    delim = max(",;\t", key=first.count) if any(d in first for d in ",;\t") else ","  # the header decides
    if delim != ",":
        warnings.append(f"Read as {'tab' if delim == chr(9) else 'semicolon'}-separated values.")
    parsed, stray = _parse(lines, delim, max_rows)
    if not parsed:  # only separators, e.g. ";;;"
        raise CsvError("empty", "The file holds no column names and no values, only separators. "
                                "Upload a CSV with a header row and data rows.")
    header_line, _, header = parsed[0]
    header = [c.strip().lstrip("\ufeff") for c in header]
    def column(i: int) -> str:
        return _show(header[i]) if i < len(header) else f"{i + 1}"

    long_lines = {n for n, line in enumerate(lines, start=1) if len(line) > MAX_CELL_CHARS}
    _raise_first([CsvError("cell_too_long", f"The cell in column {column(i)} on line {s:,} is too long ({len(c):,} "
                                            f"characters; the limit is {MAX_CELL_CHARS:,}). Shorten it, or delete "
                                            "that row.", line=s, short=f"a cell of {len(c):,} characters")
                  for s, e, cells in parsed if e > s or s in long_lines  # a cell is no longer than its lines
                  for i, c in enumerate(cells) if len(c) > MAX_CELL_CHARS])
    width = len(header)
    _refuse_swallowed_rows(lines, parsed, width, delim)
    if stray:
        warnings.append(f"Text follows a closing quote on {_lines(stray)} (e.g. \"a\" b); those cells were read "
                        "without their quotes. To keep the quotes, quote the whole cell and write each quote inside "
                        "it twice.")
    if not any(n and n.strip().lower() in {h.lower() for h in header} for n in named):
        _refuse_missing_header(header, parsed[1:], header_line, example)
    for i, name in enumerate(header):
        if not name:
            header[i] = f"column_{i + 1}"
            warnings.append(f"Column {i + 1} has no name; it is called {header[i]!r} here.")
    counts = Counter(h.lower() for h in header)
    dupes = sorted({h for h in header if counts[h.lower()] > 1}, key=str.lower)
    if dupes:
        raise CsvError("duplicate_columns", f"The header repeats {_names(dupes, 'column names')}. "
                                            "Rename the columns so that every name is unique.")
    if len(parsed) == 1:
        raise CsvError("header_only", f"The file has a header ({_names(header)}) but no data rows. "
                                      "Add the data below the header.")
    ragged = [CsvError("ragged", f"Line {line:,} has {len(cells)} cells but the header has {width} columns. Quote "
                                 "text that contains commas, or add the missing column name.", line=line,
                       short=f"{len(cells)} cells") for line, _, cells in parsed[1:]
              if len(cells) > width and any(c.strip() for c in cells[width:])]
    _raise_first(ragged)
    rows = [(line, cells if len(cells) == width else (cells + [""] * width)[:width])  # short rows: cells missing
            for line, _, cells in parsed[1:]]
    return header, rows, warnings


def _column(header: list[str], wanted: str | None, role: str) -> int | None:
    """Index of the column named wanted (case-insensitive), None if wanted is None, else CsvError."""
    if wanted is None:
        return None
    for i, h in enumerate(header):
        if h.lower() == str(wanted).strip().lower():
            return i
    raise CsvError("missing_columns", f"There is no {role} column named {_show(str(wanted))}. The file has "
                                      f"{_names(header)}; choose one of those.")


def _one(found: list[int], header: list[str], role: str, fix: str) -> int:
    """The single auto-detected column, else CsvError listing the candidates or the columns found (cut when long)."""
    if len(found) == 1:
        return found[0]
    if not found:
        raise CsvError("missing_columns", f"No {role} column was found (the file has {_names(header)}). Choose "
                                          f"the {role} column. {fix}")
    which = ", ".join(_show(header[i]) for i in found) if len(found) <= SHOWN + 2 else ("all " if len(found) == len(
        header) else "") + _names([header[i] for i in found]).replace(" columns: ", " columns (", 1) + ")"
    among = f" (the file has {_names(header)})" if len(found) < len(header) else ""
    raise CsvError("ambiguous_columns", f"Several columns could be the {role}: {which}{among}. Choose the {role} "
                                        "column.")


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


def _format_name(fmt: str) -> str:
    """'%d/%m/%Y' -> 'DD/MM/YYYY', as people write date formats."""
    if fmt == "iso":
        return "YYYY-MM-DD"
    for code, name in (("%Y", "YYYY"), ("%y", "YY"), ("%m", "MM"), ("%d", "DD"), ("%H", "hh"), ("%M", "mm"),
                       ("%S", "ss"), ("%b", "Mon"), ("%B", "Month")):
        fmt = fmt.replace(code, name)
    return fmt


def _parse_date(cell: str, fmt: str) -> datetime:
    if fmt != "iso":
        return datetime.strptime(cell.strip(), fmt)
    d = datetime.fromisoformat(cell.strip())
    return d.astimezone(UTC).replace(tzinfo=None) if d.tzinfo else d


_MONTHS = {datetime(2000, m, 1).strftime(f).lower() for m in range(1, 13) for f in ("%b", "%B")}
_DATE_CHARS = re.compile(r"[0-9A-Za-z ,./:+-]{1,40}")


def _maybe_date(cell: str) -> bool:
    """A quick test that rules out most cells no date format can read (strptime is slow): a digit, no odd
    character, and no word other than a month name or the T and Z of ISO times."""
    s = cell.strip()
    return bool(_DATE_CHARS.fullmatch(s)) and any(c.isdigit() for c in s) and all(
        w.lower() in _MONTHS or w in ("T", "Z") for w in re.findall(r"[A-Za-z]+", s))


def _ok(cell: str, fmt: str) -> bool:
    if not _maybe_date(cell):
        return False
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
    return bool(sample) and not all(_number(c) is not None for c in sample) and _date_format(sample) is not None


def _format_groups(cells: list[tuple[int, str]]) -> tuple[list[tuple[str, list]], list[tuple[int, str]]]:
    """Cells -> ([(format, the cells it reads)], the cells no format reads); greedy: the format that reads most of
    the (first 200) cells left takes all it reads, then the next."""
    groups, rest = [], cells
    while rest:
        sample = [c for _, c in rest[:200]]
        best = max(_DATE_FORMATS, key=lambda f: sum(_ok(c, f) for c in sample))
        if not any(_ok(c, best) for c in sample):
            break
        fits = [_ok(c, best) for _, c in rest]
        groups.append((best, [lc for lc, ok in zip(rest, fits) if ok]))
        rest = [lc for lc, ok in zip(rest, fits) if not ok]
    return groups, rest


def _dates(cells: list[tuple[int, str]], name: str, warnings: list) -> np.ndarray:
    """(line, cell) pairs -> (n,) datetime64[s]; one format for the whole column, else CsvError naming the lines."""
    texts = [c for _, c in cells]
    fmt = _date_format(texts[:50])
    if fmt is None or not all(_ok(c, fmt) for c in texts):
        fmt = _date_format(texts)  # e.g. day-first dates whose first 50 days were all <= 12
    if fmt is None:
        groups, bad = _format_groups(cells)
        if bad:
            _raise_first([CsvError("bad_date", f"Line {line:,}: {_show(cell)} in column {_show(name)} is not a date."
                                               + (" It looks like a spreadsheet formula; it was not evaluated." if
                                                  cell.strip().startswith(FORMULA_START) else "")
                                               + " Write dates as YYYY-MM-DD (or YYYY-MM-DD HH:MM), the same way on "
                                                 "every row.", line=line, short=f"{_show(cell)} is not a date")
                          for line, cell in bad])
        shown = [f"{_format_name(f)} on {len(g):,} row(s) (e.g. line {g[0][0]:,}: {_show(g[0][1])})"
                 for f, g in groups[:3]]
        more = f", and {len(groups) - 3} more formats" if len(groups) > 3 else ""
        raise CsvError("mixed_dates", f"The dates in column {_show(name)} are written in {len(groups)} formats: "
                                      f"{', '.join(shown[:-1])} and {shown[-1]}{more}. Write every date the same "
                                      "way, e.g. YYYY-MM-DD.", line=groups[1][1][0][0], short="mixed date formats")
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
    if v is not None and abs(v) <= MAX_ABS_VALUE:  # False for inf and nan too
        return v
    where = f"Line {line:,}: {_show(cell)} in column {_show(name)}"
    if v is None and low in _INF:
        raise CsvError("non_finite", f"{where} is not a finite number. Delete that value (leave the cell empty) or "
                                     "fix the formula that made it.", line=line, short=f"{_show(cell)} is not finite")
    if v is None:
        if cell.strip().startswith(FORMULA_START) and cell.strip()[1:2] not in ".0123456789":
            raise CsvError("formula", f"{where} looks like a spreadsheet formula. It was not evaluated. Export the "
                                      "values, not the formulas (copy, then Paste Special > Values).", line=line,
                           short=f"{_show(cell)} is a formula")
        raise CsvError("not_numeric", f"{where} is not a number. Use plain numbers with a dot as decimal mark, e.g. "
                                      "12.5, or leave it empty.", line=line, short=f"{_show(cell)} is not a number")
    raise CsvError("non_finite", f"{where} is too large (|value| > {MAX_ABS_VALUE:g}). Rescale the column (e.g. to "
                                 "millions).", line=line, short=f"{_show(cell)} is too large")


def _evenly_spaced(dates: np.ndarray) -> bool:
    """Equal steps in time, or in calendar months (monthly, quarterly, yearly data) at a fixed day of the month."""
    if len(np.unique(np.diff(dates))) <= 1:
        return True
    months = dates.astype("datetime64[M]")
    return len(np.unique(np.diff(months))) == 1 and len(np.unique(dates - months.astype(dates.dtype))) == 1


def _dropped_note(lines: list[int], why: str) -> str:
    return f"{len(lines):,} row(s) {why} were dropped: {_lines(lines)}."


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
    header, rows, warnings = _read_table(raw, max_bytes, max_rows, example="date,value",
                                         named=(date_column, value_column))
    di, vi = _column(header, date_column, "date"), _column(header, value_column, "value")
    if di is None:  # prefer columns that parse as dates and are named like dates; a "year" of plain numbers counts
        score = {i: 2 * _looks_like_dates([r[i] for _, r in rows]) + bool(re.search(
            r"date|time|day|month|year|period|^ds$", h.lower())) for i, h in enumerate(header) if i != vi}
        best = max(score.values(), default=0)
        found = [i for i, sc in score.items() if sc == best and sc > 0]
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
    kept, no_value, no_date, problems = [], [], [], []
    for line, cells in rows:
        try:
            v = _value(line, cells[vi], vname)
        except CsvError as err:
            problems.append(err)
            continue
        if v is None:
            no_value.append(line)
        elif not cells[di].strip():
            no_date.append(line)
        else:
            kept.append((line, cells[di], v))
    _raise_first(problems)
    if not kept:
        what = f"value in column {_show(vname)}" if len(no_value) == len(rows) else "row lacks a date or a value"
        raise CsvError("all_missing", f"Every {what} is missing. Fill in the values, or choose the columns that "
                                      "hold them.")
    warnings += [_dropped_note(ls, why) for ls, why in ((no_value, f"with no value in {_show(vname)}"),
                                                        (no_date, f"with no date in {_show(dname)}")) if ls]
    if len(kept) < min_rows:
        raise CsvError("too_few_rows", f"Only {len(kept)} usable row(s); at least {min_rows} are needed to train "
                                       "and test a forecaster. Upload a longer series.")
    dates = _dates([(line, d) for line, d, _ in kept], dname, warnings)
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
        warnings.append(f"Every value in {_show(vname)} is the same; there is nothing to forecast.")
    dropped = sorted([(n, "no value") for n in no_value] + [(n, "no date") for n in no_date]
                     + [(n, "repeats an earlier date") for n in repeated])
    return ValidatedSeries(dates, values, dname, vname, warnings, tuple(dropped))


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
        ValidatedTexts(texts (n), labels (n,) int64, text_column, label_column, warnings,
        dropped: ((line, reason), ...) for every data row not used).
    """
    header, rows, warnings = _read_table(raw, max_bytes, max_rows, example="text,label",
                                         named=(text_column, label_column))
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
    texts, labels, dropped, cut, neutralised, problems = [], [], [], [], [], []
    for line, cells in rows:
        text, lab = cells[ti].strip(), cells[li].strip().lower()
        if not text or not lab:
            dropped.append(line)
            continue
        if lab not in _LABELS:
            problems.append(CsvError("bad_label", f"Line {line:,}: label {_show(cells[li])} in column "
                                                  f"{_show(header[li])} is not a label. Use 1 or positive for "
                                                  "positive, 0 or negative for negative.", line=line,
                                     short=f"label {_show(cells[li])}"))
            continue
        if len(text) > max_chars:
            text = text[:max_chars]
            cut.append(line)
        if text.startswith(FORMULA_START):
            text = "'" + text  # OWASP CSV-injection advice: a leading apostrophe keeps it text in any spreadsheet
            neutralised.append(line)
        texts.append(text)
        labels.append(_LABELS[lab])
    _raise_first(problems)
    if not texts:
        raise CsvError("all_missing", f"Every row lacks a text or a label (columns {_show(header[ti])} and "
                                      f"{_show(header[li])}). Fill them in, or choose other columns.")
    if dropped:
        warnings.append(_dropped_note(dropped, "with an empty text or label"))
    if cut:
        warnings.append(f"{len(cut):,} text(s) longer than {max_chars:,} characters were cut to that length: "
                        f"{_lines(cut)}.")
    if neutralised:
        warnings.append(f"{len(neutralised):,} text(s) start like a spreadsheet formula (=, +, -, @), on "
                        f"{_lines(neutralised)}. They were never evaluated; a leading ' was added so they stay text.")
    if len(texts) < min_rows:
        raise CsvError("too_few_rows", f"Only {len(texts)} usable row(s); at least {min_rows} are needed to train "
                                       "and test a classifier. Upload more labelled texts.")
    if len(set(labels)) < 2:
        which = "positive" if labels[0] else "negative"
        raise CsvError("one_class", f"Every label is {which}; a classifier needs examples of both classes. Add "
                                    f"{'negative' if labels[0] else 'positive'} examples.")
    return ValidatedTexts(texts, np.array(labels, dtype=np.int64), header[ti], header[li], warnings,
                          tuple((n, "an empty text or label") for n in dropped))
