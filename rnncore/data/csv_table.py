"""Reading an uploaded CSV file into a header and rows, refusing what would lose rows unsaid.

Decoding (UTF-8 with or without a BOM, UTF-16 with or without one, ANSI colour codes removed), strict parsing with
the csv module (a quote that takes in later lines refuses the file, naming the line), a missing header row, ragged
rows, and finding a column by name: every refusal is a :class:`~rnncore.data.csv_errors.CsvError` whose message says
what to fix. The csv module's per-cell limit (131,072 characters by default) is raised, process-wide, to the largest
accepted file, so that a long cell is measured and reported by MAX_CELL_CHARS here rather than cut short by the
parser.
"""
from __future__ import annotations

import csv
import io
import itertools
import re
from collections import Counter

from rnncore.data.csv_cells import LABELS, MISSING, date_format, number
from rnncore.data.csv_errors import (
    SHOWN,
    CsvError,
    line_list,
    name_list,
    raise_first,
    show_cell,
)

MAX_BYTES, MAX_ROWS, MAX_CELL_CHARS = 5_000_000, 100_000, 100_000


if csv.field_size_limit() < 2**31 - 1:
    csv.field_size_limit(2**31 - 1)


_MAGIC = {b"PK\x03\x04": "a ZIP archive or an .xlsx workbook", b"\xd0\xcf\x11\xe0": "an old .xls workbook",
          b"%PDF": "a PDF", b"\x89PNG": "a PNG image", b"\xff\xd8\xff": "a JPEG image", b"\x1f\x8b": "a gzip file",
          b"PAR1": "a Parquet file", b"\x80": "a Python pickle or other binary file"}


# Terminal escape sequences: CSI (colours, cursor moves: ESC [ ... m), OSC (titles, links: ESC ] ... BEL), and the
# two-character ones (ESC followed by one of @ to _).
_ANSI = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[@-Z\\-_])")


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
                     f"terminal output) on {line_list(lines)}; the text around them was kept.")
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


_QUOTE_FIX = ("Remove that quote, or add the closing quote where the cell ends; a quote inside a quoted cell is "
              "written twice (\"\").")


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
    if number(cell) is not None:
        return "number"
    return "date" if cell.strip() and date_format([cell]) is not None else None


_KINDS = {"label": lambda c: c.strip().lower() in LABELS, "number": lambda c: number(c) is not None,
          "date": lambda c: _kind(c) == "date"}


def _line_kinds(lines: list[str], after: int, width: int, delim: str) -> list[str | None]:
    """Per column, 'label', 'number' or 'date' when that column of at least 90% of the file's lines (the first 200
    after line `after`, each read as a row of its own) is one; else None. A file whose lines are not its rows (many
    texts over several lines) thus has no typed column."""
    sample = [next(csv.reader([line], delimiter=delim), []) for line in lines[after:after + 200] if line.strip()]
    kinds = []
    for i in range(width):
        col = [c[i] for c in sample if len(c) == width and c[i].strip().lower() not in MISSING]
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
                                        f"{line_list(found)} "
                                        f"{'looks like a row' if len(found) == 1 else 'look like rows'}"
                                        f" of {'its' if len(found) == 1 else 'their'} own. {_QUOTE_FIX}",
                           line=opened, short="a quote that takes in the next rows")


def _refuse_missing_header(header: list[str], rows, line: int, example: str) -> None:
    """CsvError when header cells are numbers or dates, like most of the column below them: the header is missing."""
    data_like = []
    for i, name in enumerate(header):
        kind = _kind(name)
        col = [c[i] for _, _, c in rows[:50] if i < len(c) and c[i].strip().lower() not in MISSING]
        if kind and col and sum(_kind(c) == kind for c in col) >= 0.9 * len(col):
            data_like.append(f"{show_cell(name)} is a {kind}")
    if data_like:
        shown = ", ".join(data_like[:3]) + (f" and {len(data_like) - 3:,} more" if len(data_like) > 3 else "")
        raise CsvError("no_header", f"Line {line} looks like data, not column names ({shown}, like the values below "
                                    "it): the file seems to have no header row, and its first row would be lost as "
                                    f"names. Add a first line with the column names, e.g. {example}.", line=line,
                       short="no header row")


def read_table(raw: bytes, max_bytes: int, max_rows: int, *, example: str, named: tuple = ()
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
        return show_cell(header[i]) if i < len(header) else f"{i + 1}"

    long_lines = {n for n, line in enumerate(lines, start=1) if len(line) > MAX_CELL_CHARS}
    raise_first([CsvError("cell_too_long", f"The cell in column {column(i)} on line {s:,} is too long ({len(c):,} "
                                            f"characters; the limit is {MAX_CELL_CHARS:,}). Shorten it, or delete "
                                            "that row.", line=s, short=f"a cell of {len(c):,} characters")
                  for s, e, cells in parsed if e > s or s in long_lines  # a cell is no longer than its lines
                  for i, c in enumerate(cells) if len(c) > MAX_CELL_CHARS])
    width = len(header)
    _refuse_swallowed_rows(lines, parsed, width, delim)
    if stray:
        warnings.append(f"Text follows a closing quote on {line_list(stray)} (e.g. \"a\" b); those cells were read "
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
        raise CsvError("duplicate_columns", f"The header repeats {name_list(dupes, 'column names')}. "
                                            "Rename the columns so that every name is unique.")
    if len(parsed) == 1:
        raise CsvError("header_only", f"The file has a header ({name_list(header)}) but no data rows. "
                                      "Add the data below the header.")
    ragged = [CsvError("ragged", f"Line {line:,} has {len(cells)} cells but the header has {width} columns. Quote "
                                 "text that contains commas, or add the missing column name.", line=line,
                       short=f"{len(cells)} cells") for line, _, cells in parsed[1:]
              if len(cells) > width and any(c.strip() for c in cells[width:])]
    raise_first(ragged)
    rows = [(line, cells if len(cells) == width else (cells + [""] * width)[:width])  # short rows: cells missing
            for line, _, cells in parsed[1:]]
    return header, rows, warnings


def find_column(header: list[str], wanted: str | None, role: str) -> int | None:
    """Index of the column named wanted (case-insensitive), None if wanted is None, else CsvError."""
    if wanted is None:
        return None
    for i, h in enumerate(header):
        if h.lower() == str(wanted).strip().lower():
            return i
    raise CsvError("missing_columns", f"There is no {role} column named {show_cell(str(wanted))}. The file has "
                                      f"{name_list(header)}; choose one of those.")


def one_column(found: list[int], header: list[str], role: str, fix: str) -> int:
    """The single auto-detected column, else CsvError listing the candidates or the columns found (cut when long)."""
    if len(found) == 1:
        return found[0]
    if not found:
        raise CsvError("missing_columns", f"No {role} column was found (the file has {name_list(header)}). Choose "
                                          f"the {role} column. {fix}")
    which = ", ".join(show_cell(header[i]) for i in found) if len(found) <= SHOWN + 2 else ("all " if len(found) == len(
        header) else "") + name_list([header[i] for i in found]).replace(" columns: ", " columns (", 1) + ")"
    among = f" (the file has {name_list(header)})" if len(found) < len(header) else ""
    raise CsvError("ambiguous_columns", f"Several columns could be the {role}: {which}{among}. Choose the {role} "
                                        "column.")
