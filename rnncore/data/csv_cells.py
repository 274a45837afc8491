"""What one CSV cell holds: a strict number, a missing value, a date in one of the common formats, a class label.

Numbers are recognised by a regular expression and converted with ``float``: nothing is evaluated. Dates must share
one format per column; :func:`parse_dates` names the lines that break it.
"""
from __future__ import annotations

import re
from datetime import UTC, datetime

import numpy as np

from rnncore.data.csv_errors import FORMULA_START, CsvError, raise_first, show_cell

MAX_ABS_VALUE = 1e15  # the largest magnitude a numeric cell may hold


_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


_THOUSANDS = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?")


MISSING = {"", "na", "n/a", "nan", "null", "none", "-", "?", "#n/a"}


_INF = {"inf", "+inf", "-inf", "infinity", "+infinity", "-infinity", "#div/0!", "#num!"}


def number(cell: str) -> float | None:
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


def date_format(cells: list[str]) -> str | None:
    """The first format in _DATE_FORMATS that parses every cell, or None."""
    return next((fmt for fmt in _DATE_FORMATS if all(_ok(c, fmt) for c in cells)), None)


def looks_like_dates(cells: list[str]) -> bool:
    sample = [c for c in cells if c.strip()][:20]
    return bool(sample) and not all(number(c) is not None for c in sample) and date_format(sample) is not None


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


def parse_dates(cells: list[tuple[int, str]], name: str, warnings: list) -> np.ndarray:
    """(line, cell) pairs -> (n,) datetime64[s]; one format for the whole column, else CsvError naming the lines."""
    texts = [c for _, c in cells]
    fmt = date_format(texts[:50])
    if fmt is None or not all(_ok(c, fmt) for c in texts):
        fmt = date_format(texts)  # e.g. day-first dates whose first 50 days were all <= 12
    if fmt is None:
        groups, bad = _format_groups(cells)
        if bad:
            raise_first([CsvError("bad_date", f"Line {line:,}: {show_cell(cell)} in column {show_cell(name)} is "
                                              "not a date."
                                              + (" It looks like a spreadsheet formula; it was not evaluated." if
                                                 cell.strip().startswith(FORMULA_START) else "")
                                              + " Write dates as YYYY-MM-DD (or YYYY-MM-DD HH:MM), the same way on "
                                                "every row.", line=line, short=f"{show_cell(cell)} is not a date")
                         for line, cell in bad])
        shown = [f"{_format_name(f)} on {len(g):,} row(s) (e.g. line {g[0][0]:,}: {show_cell(g[0][1])})"
                 for f, g in groups[:3]]
        more = f", and {len(groups) - 3} more formats" if len(groups) > 3 else ""
        raise CsvError("mixed_dates", f"The dates in column {show_cell(name)} are written in {len(groups)} formats: "
                                      f"{', '.join(shown[:-1])} and {shown[-1]}{more}. Write every date the same "
                                      "way, e.g. YYYY-MM-DD.", line=groups[1][1][0][0], short="mixed date formats")
    day_first = {"%m/%d/%Y": "%d/%m/%Y", "%m/%d/%y": "%d/%m/%y", "%m/%d/%Y %H:%M": "%d/%m/%Y %H:%M"}.get(fmt)
    if day_first and all(_ok(c, day_first) for c in texts):
        warnings.append(f"Dates in {show_cell(name)} were read as month/day/year, but day/month/year fits too. "
                        "Write dates as YYYY-MM-DD to be sure.")
    return np.array([_parse_date(c, fmt) for c in texts], dtype="datetime64[s]")


def numeric_value(line: int, cell: str, name: str) -> float | None:
    """One numeric cell -> float, None if missing, else CsvError naming the line and the cell."""
    low = cell.strip().lower()
    if low in MISSING:
        return None
    v = number(cell)
    if v is not None and abs(v) <= MAX_ABS_VALUE:  # False for inf and nan too
        return v
    where = f"Line {line:,}: {show_cell(cell)} in column {show_cell(name)}"
    if v is None and low in _INF:
        raise CsvError("non_finite", f"{where} is not a finite number. Delete that value (leave the cell empty) or "
                                     "fix the formula that made it.", line=line,
                       short=f"{show_cell(cell)} is not finite")
    if v is None:
        if cell.strip().startswith(FORMULA_START) and cell.strip()[1:2] not in ".0123456789":
            raise CsvError("formula", f"{where} looks like a spreadsheet formula. It was not evaluated. Export the "
                                      "values, not the formulas (copy, then Paste Special > Values).", line=line,
                           short=f"{show_cell(cell)} is a formula")
        raise CsvError("not_numeric", f"{where} is not a number. Use plain numbers with a dot as decimal mark, e.g. "
                                      "12.5, or leave it empty.", line=line, short=f"{show_cell(cell)} is not a number")
    raise CsvError("non_finite", f"{where} is too large (|value| > {MAX_ABS_VALUE:g}). Rescale the column (e.g. to "
                                 "millions).", line=line, short=f"{show_cell(cell)} is too large")


LABELS = {**dict.fromkeys(("1", "1.0", "pos", "positive", "true", "yes"), 1),
           **dict.fromkeys(("0", "0.0", "neg", "negative", "false", "no"), 0)}
