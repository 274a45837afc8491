"""The message side of CSV uploads: the error every refusal raises, and how a message names cells, lines and columns.

A message must say what is wrong and how to fix it, and never hide a row: lists of lines or names are spelled out up
to SHOWN items and then counted ("lines 5, 9, ... and 9,990 more").
"""
from __future__ import annotations

SHOWN = 10  # the longest list of lines or names spelled out in a message; the rest are counted


#: Cells starting with these run as formulas in a spreadsheet (CSV injection); the app's CSV downloads use it too.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


CSV_ERROR_KINDS = ("too_large", "empty", "binary", "encoding", "malformed", "cell_too_long", "no_header",
                   "header_only", "duplicate_columns", "missing_columns", "ambiguous_columns", "ragged",
                   "too_many_rows", "not_numeric", "formula", "non_finite", "all_missing", "too_few_rows", "bad_date",
                   "mixed_dates", "bad_label", "one_class")


class CsvError(ValueError):
    """An upload that cannot be used. kind is one of CSV_ERROR_KINDS; str(err) says what is wrong and the fix.

    line is the line of the (first) row concerned, when there is one; short says the problem in a few words.
    """

    def __init__(self, kind: str, message: str, *, line: int | None = None, short: str | None = None):
        super().__init__(message)
        self.kind, self.line, self.short = kind, line, short


def show_cell(cell: str) -> str:
    """A user's cell, quoted and cut short, for messages (repr: control characters show as escapes)."""
    return repr(cell if len(cell) <= 40 else cell[:37] + "...")


def line_list(numbers, shown: int = SHOWN) -> str:
    """'line 5', 'lines 5, 9 and 12', or 'lines 5, 9, ... and 9,990 more' for a long list."""
    nums = [f"{n:,}" for n in numbers]
    if len(nums) == 1:
        return f"line {nums[0]}"
    if len(nums) <= shown:
        return f"lines {', '.join(nums[:-1])} and {nums[-1]}"
    return f"lines {', '.join(nums[:shown])} and {len(nums) - shown:,} more"


def name_list(names: list[str], what: str = "columns") -> str:
    """"the columns 'a', 'b'", or "10,000 columns: 'col_0', ... and 9,990 more" for a long list."""
    if len(names) <= SHOWN + 2:
        return f"the {what[:-1] if len(names) == 1 else what} {', '.join(map(show_cell, names))}"
    return f"{len(names):,} {what}: {', '.join(map(show_cell, names[:SHOWN]))} and {len(names) - SHOWN:,} more"


def rows_note(problems: list[CsvError], what: str = "Also unusable") -> str:
    """' Also unusable: line 9 ('x' is not a number); ... and 12 more.' for the problems after the first."""
    if not problems:
        return ""
    shown = "; ".join(f"line {p.line:,} ({p.short})" for p in problems[:5])
    more = f"; and {len(problems) - 5:,} more rows ({line_list([p.line for p in problems[5:]])})" \
        if len(problems) > 5 else ""
    return f" {what}: {shown}{more}."


def raise_first(problems: list[CsvError]) -> None:
    """Raise the first problem, its message followed by the line and reason of every other one (cut when long)."""
    if problems:
        first = problems[0]
        raise CsvError(first.kind, str(first) + rows_note(problems[1:]), line=first.line, short=first.short)
