"""Real time series shipped offline. NumPy and the standard library only.

Real series come from the files bundled inside the ``vega_datasets`` package (0.9.0). They are read with the
``csv`` module straight from the package folder, so nothing touches the network and pandas is not needed; the
package itself is never imported. Only files listed in its ``local_datasets.json`` are used.

"""
from __future__ import annotations

import csv
import functools
import importlib.util
import json
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

import numpy as np


class Series(NamedTuple):
    """One real series. dates: (T,) datetime64[s], increasing and equally spaced; values: (T,) float64, finite."""

    name: str
    title: str
    dates: np.ndarray
    values: np.ndarray
    frequency: str      # "hourly", "daily", "monthly"
    season_length: int  # suggested season for the seasonal-naive baseline, in steps
    units: str
    source: str         # citation, plus any repair made while loading


_NOAA = ("NOAA public-domain observations, via the vega_datasets package 0.9.0 "
         "(https://github.com/vega/vega_datasets), file {file}.")
_STOCKS = ("Monthly (first of month) closing prices from the vega_datasets package 0.9.0, file stocks.csv "
           "(its description says daily; the file holds one price per month).")
_SPECS = {  # name -> (file, date column, value column, date format, frequency, season, units, title)
    "seattle_temp_max": ("seattle-weather.csv", "date", "temp_max", "%Y/%m/%d", "daily", 365, "°C",
                         "Seattle daily maximum temperature, 2012-2015"),
    "seattle_temp_hourly": ("seattle-temps.csv", "date", "temp", "%Y/%m/%d %H:%M", "hourly", 24, "°F",
                            "Seattle hourly temperature, 2010"),
    "seattle_temp_daily": ("seattle-temps.csv", "date", "temp", "%Y/%m/%d %H:%M", "daily", 7, "°F",
                           "Seattle daily mean temperature, 2010 (one year: no full seasonal cycle)"),
    "sf_temp_hourly": ("sf-temps.csv", "date", "temp", "%Y/%m/%d %H:%M:%S", "hourly", 24, "°F",
                       "San Francisco hourly temperature, 2010"),
    "sf_temp_daily": ("sf-temps.csv", "date", "temp", "%Y/%m/%d %H:%M:%S", "daily", 7, "°F",
                      "San Francisco daily mean temperature, 2010 (one year: no full seasonal cycle)"),
    **{f"stock_{s.lower()}": ("stocks.csv", "date", "price", "%b %d %Y", "monthly", 12, "USD",
                              f"{s} monthly stock price, {'2004' if s == 'GOOG' else '2000'}-2010")
       for s in ("MSFT", "AAPL", "AMZN", "IBM", "GOOG")},
}
SERIES_NAMES = tuple(_SPECS)


def _vega_rows(filename: str) -> tuple[list[str], list[list[str]]]:
    """Header and rows of one file bundled in vega_datasets, found without importing the package."""
    spec = importlib.util.find_spec("vega_datasets")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("The real series need the vega_datasets package: pip install 'vega_datasets>=0.9'.")
    root = Path(next(iter(spec.submodule_search_locations)))
    local = json.loads((root / "local_datasets.json").read_text(encoding="utf-8"))
    if f"_data/{filename}" not in local.values():
        raise FileNotFoundError(f"vega_datasets does not bundle {filename} locally; it would need the network.")
    with open(root / "_data" / filename, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


@functools.lru_cache(maxsize=16)
def _load(name: str) -> Series:
    file, dcol, vcol, fmt, freq, season, units, title = _SPECS[name]
    header, rows = _vega_rows(file)
    if file == "stocks.csv":
        rows = [r for r in rows if r[0] == name.split("_")[1].upper()]
    di, vi = header.index(dcol), header.index(vcol)
    dates = np.array([datetime.strptime(r[di], fmt) for r in rows], dtype="datetime64[s]")
    values = np.array([float(r[vi]) for r in rows], dtype=np.float64)
    order = np.argsort(dates, kind="stable")
    dates, values, note = dates[order], values[order], ""
    if freq == "hourly" or name.endswith("_daily"):
        # The hourly files lack one hour at the 2010-03-14 daylight-saving change; fill it so the steps are even.
        grid = np.arange(dates[0], dates[-1] + np.timedelta64(1, "h"), np.timedelta64(1, "h"))
        filled = len(grid) - len(dates)
        values = np.interp(grid.astype(np.int64), dates.astype(np.int64), values)
        dates = grid
        note = f" {filled} missing hour(s) filled by linear interpolation." if filled else ""
    if name.endswith("_daily"):
        days, inv = np.unique(dates.astype("datetime64[D]"), return_inverse=True)
        values = np.bincount(inv, weights=values) / np.bincount(inv)  # mean of each day's 24 readings
        dates, note = days.astype("datetime64[s]"), note + " Daily values are means of the hourly readings."
    source = (_STOCKS if file == "stocks.csv" else _NOAA.format(file=file)) + note
    return Series(name, title, dates, values, freq, season, units, source)


def load_series(name: str) -> Series:
    """Load one bundled real series by name (see SERIES_NAMES), offline.

    Returns:
        Series with dates (T,) datetime64[s] and values (T,) float64; fresh arrays that the caller may modify.
    """
    if name not in _SPECS:
        raise ValueError(f"Unknown series {name!r}; choose one of {', '.join(SERIES_NAMES)}.")
    s = _load(name)
    return s._replace(dates=s.dates.copy(), values=s.values.copy())
