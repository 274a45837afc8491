"""The upload box that every page taking a CSV shows: the file, the names of its two columns, and the verdict.

The page supplies ``read(digest, first_column, second_column, *, _raw) -> (value, notes)``, a ``ui.cached``
function that validates the bytes with ``rnncore.data.uploads`` (it raises ``CsvError``, never evaluates or unpickles
anything). The digest of the bytes is its cache key; ``_raw`` is not hashed. Until a valid file arrives the page
keeps its built-in data and every setting: a bad file gives one ``st.error`` that names the problem and the fix.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any, NamedTuple

import streamlit as st

from app.controls import key
from app.ui import plain
from rnncore.data.uploads import CsvError


class Upload(NamedTuple):
    """What the box holds: ``value`` is what ``read`` returned for a valid file, else None."""

    value: Any
    name: str | None    # the file's name, as the user uploaded it
    digest: str | None  # sha256 of its bytes: a key for results made from it


def csv_upload(label: str, columns: tuple[tuple[str, str], tuple[str, str]],
               read: Callable[..., tuple[Any, list[str]]], *, waiting: str, fallback: str) -> Upload:
    """Draw the box and read the file.

    Args:
        label: the file uploader's label (say what the columns hold and the 5 MB limit).
        columns: two (label, key) pairs for the text inputs naming the columns; blank means "detect it".
        read: validates the bytes; raises ``CsvError`` with a message naming the problem and the fix.
        waiting: shown until a file is uploaded (what the page shows meanwhile).
        fallback: what the page shows while the file cannot be used.

    Returns:
        An ``Upload``; its ``value`` is None until a valid file is uploaded.
    """
    with st.container(border=True):
        file = st.file_uploader(label, type=["csv", "tsv", "txt"], key=key("upload"))
        left, right = st.columns(2)
        first = left.text_input(columns[0][0], key=key(columns[0][1]), max_chars=100)
        second = right.text_input(columns[1][0], key=key(columns[1][1]), max_chars=100)
        if file is None:
            st.info(waiting, icon=":material/upload_file:")
            return Upload(None, None, None)
        raw = file.getvalue()
        digest = hashlib.sha256(raw).hexdigest()
        try:
            value, notes = read(digest, first.strip(), second.strip(), _raw=raw)
        except CsvError as err:
            st.error(f"This file cannot be used: {plain(err)}", icon=":material/error:")
            st.caption(f"The page shows {fallback} until a valid file is uploaded; your settings are kept.")
            return Upload(None, None, None)
        for note in notes:
            st.warning(plain(note), icon=":material/info:")
        return Upload(value, file.name, digest)
