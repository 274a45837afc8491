"""CSV downloads of the data behind a chart, safe to open in a spreadsheet."""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from app.controls import key
from rnncore.data.uploads import FORMULA_START as _FORMULA_START  # one list for uploads and downloads


def _csv_safe(df: pd.DataFrame) -> pd.DataFrame:
    """Text cells that a spreadsheet would run as a formula get a leading quote (CSV injection)."""
    text_columns = [c for c in df.columns if not pd.api.types.is_numeric_dtype(df[c])
                    and not pd.api.types.is_bool_dtype(df[c]) and not pd.api.types.is_datetime64_any_dtype(df[c])]
    if not text_columns:
        return df
    out = df.copy()
    for column in text_columns:
        out[column] = out[column].map(lambda v: f"'{v}" if isinstance(v, str) and v.startswith(_FORMULA_START) else v)
    return out


def download_csv(df: pd.DataFrame, name: str, *, label: str | None = None) -> None:
    """A button that downloads ``df`` (the data behind a chart) as ``<name>.csv``, without rerunning the page.

    Args:
        df: the tidy frame the chart was drawn from.
        name: file stem, unique on the page (it is also the widget key), e.g. "gradient-norms".
        label: button text; defaults to "Download <name>.csv".
    """
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") or "data"
    frame = df  # the CSV is made only when the button is clicked
    st.download_button(
        label or f"Download {stem}.csv", data=lambda: _csv_safe(frame).to_csv(index=False), file_name=f"{stem}.csv",
        mime="text/csv", key=key(f"download-{stem}"), on_click="ignore", icon=":material/download:",
    )
