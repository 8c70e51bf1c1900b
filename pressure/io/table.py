"""The one numeric-table parser of the text readers (after ``pressure.io.text`` in the
leaf-first order of ``pressure.io``).

A table is a run of lines ``data[start:end]`` of a file, each line one row of ``len(names)``
fields separated by ``sep`` (``","``, ``"\\t"``, or None: runs of spaces and tabs), optionally
followed by one empty field (``trailing_empty``: lines that end in a separator). Blank lines are
skipped (their numbers are kept). Every field of a numeric column must be a finite number
(an empty one is NaN with ``allow_empty``); ``text_columns`` are kept as text.

Two paths give the same ``Table``:

* **fast**: pandas' C parser, column by column (a reader may take a run of columns, one
  insole's sensors, as a view), floats rounded correctly on every pandas the project allows
  (``float_precision="round_trip"`` before pandas 3.1, the default after). It is used only
  where its result can be checked to be what the line-by-line path gives; on anything else
  (a ragged row, a blank line, a lone ``\\r``, a quote, a word such as ``nan``, ``inf`` or
  ``true`` that pandas reads and Python's ``float`` reads otherwise or refuses) it declines;
* **by lines**: each line split and each cell converted by ``pressure.io.text.to_numbers``,
  raising ``FileFormatError`` at the first ragged row (with a hint when the file ends inside
  it) or bad cell, naming its line and column.

``tests/test_table.py`` proves with hypothesis that the two paths agree.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import FileFormatError
from ..model import FloatArray
from .text import to_numbers

#: rows parsed per pandas chunk (bounds the parser's temporary memory)
CHUNK_ROWS = 1 << 15
# pandas reads true/false (any case) in a number column as 1/0, which the line-by-line path
# refuses: a table holding these words is left to that path (the NaN spellings make pandas
# raise; infinities are caught after parsing)
_BOOLEAN = re.compile(rb"true|false", re.IGNORECASE)
# a line that is empty or holds only spaces, tabs and carriage returns
_BLANK_LINE = re.compile(rb"(?:^|\n)[ \t\r]*(?:\n|\Z)")


@dataclass
class Table:
    """Rows of a table: ``values`` (rows, columns) float64, NaN for empty cells and for the
    text columns; the text columns' cells by column index; each row's 1-based line number."""

    values: FloatArray
    line_numbers: Sequence[int]
    text: dict[int, list[str]] = field(default_factory=dict)


def read_table(
    path: Path,
    data: bytes,
    names: Sequence[str],
    *,
    start: int = 0,
    end: int | None = None,
    first_line: int = 1,
    sep: str | None = ",",
    trailing_empty: bool = False,
    text_columns: Sequence[int] = (),
    allow_empty: bool = False,
    encoding: str = "utf-8",
    what: str = "row",
    no_rows: tuple[str, int | None] | None = None,
    fast: bool = True,
) -> Table:
    """The table in ``data[start:end]``, whose first line is line ``first_line`` (1-based) of
    ``path`` (see the module docstring). Raises FileFormatError naming the line of the first
    ragged row or bad cell, the offset of a NUL byte (binary data), or, when there is no row at
    all, ``no_rows`` (message, line) or else "no data rows" at ``first_line``. ``fast=False``
    reads line by line only (the reference the fast path is checked against)."""
    stop = len(data) if end is None else end
    nul = data.find(b"\x00", start, stop)
    if nul >= 0:  # text never holds NUL; decoding would not notice
        raise FileFormatError(path, "binary data in a text file", offset=nul)
    if no_rows is not None and not data[start:stop].strip():
        raise FileFormatError(path, no_rows[0], line=no_rows[1])
    table = None
    if fast:
        table = _by_pandas(
            data, start, stop, first_line, len(names), sep, trailing_empty, text_columns, encoding
        )
    if table is not None and (
        allow_empty or not np.isnan(np.delete(table.values, list(text_columns), axis=1)).any()
    ):
        return table
    return _by_lines(
        path,
        data,
        start,
        stop,
        first_line,
        names,
        sep,
        trailing_empty,
        text_columns,
        allow_empty,
        encoding,
        what,
    )


def _by_pandas(
    data: bytes,
    start: int,
    end: int,
    first_line: int,
    n_cols: int,
    sep: str | None,
    trailing_empty: bool,
    text_columns: Sequence[int],
    encoding: str,
) -> Table | None:
    """The table parsed by pandas, or None wherever that could differ from ``_by_lines``."""
    body = data[start:end]
    if not body or n_cols == 0 or b"\x00" in body or b'"' in body:
        return None
    if body.startswith(b"\xef\xbb\xbf"):
        return None  # a byte-order mark: pandas drops it at the start of what it reads
    if body.count(b"\r") != body.count(b"\r\n"):
        return None  # a lone carriage return: pandas would end a line there
    if _BLANK_LINE.search(body[:-1] if body.endswith(b"\n") else body):
        return None  # blank lines (or only blanks): the other path skips them
    numeric = [k for k in range(n_cols) if k not in text_columns]
    letters = any(body.find(c) >= 0 for c in (b"a", b"A", b"u", b"U"))  # in every spelling
    if letters and _BOOLEAN.search(body):
        return None
    try:
        body.decode(encoding)
    except UnicodeDecodeError:
        return None
    n_rows = body.count(b"\n") + (0 if body.endswith(b"\n") else 1)
    n_fields = n_cols + (1 if trailing_empty else 0)
    if sep is not None:
        if body.count(sep.encode()) != n_rows * (n_fields - 1):
            return None  # a ragged row
    elif trailing_empty:
        return None
    import pandas as pd

    options: dict[str, Any] = {}
    version = re.match(r"(\d+)\.(\d+)", pd.__version__)
    if version is None or (int(version[1]), int(version[2])) < (3, 1):
        # correctly rounded, as Python's float() is (the default from pandas 3.1 on, which
        # deprecates the option)
        options["float_precision"] = "round_trip"
    dtype: dict[int, Any] = {k: object if k in text_columns else np.float64 for k in range(n_cols)}
    if trailing_empty:
        dtype[n_cols] = object
    columns = np.full((n_cols, n_rows), np.nan)
    text: dict[int, list[str]] = {k: [] for k in text_columns}
    done = 0
    try:
        with pd.read_csv(
            io.BytesIO(body),
            sep=r"\s+" if sep is None else sep,
            header=None,
            index_col=False,
            dtype=dtype,
            keep_default_na=False,
            na_values={k: [""] for k in numeric},
            quoting=csv.QUOTE_NONE,
            skip_blank_lines=False,
            encoding=encoding,
            engine="c",
            chunksize=CHUNK_ROWS,
            **options,
        ) as chunks:
            for chunk in chunks:
                stop = done + len(chunk)
                if chunk.shape[1] != n_fields or stop > n_rows:
                    return None
                if trailing_empty and any(cell not in ("", None) for cell in chunk[n_cols]):
                    return None
                for k in numeric:
                    columns[k, done:stop] = chunk[k].to_numpy(dtype=np.float64)
                for k in text_columns:
                    text[k].extend("" if c is None else str(c) for c in chunk[k].tolist())
                done = stop
    except (ValueError, TypeError, OverflowError):  # pandas' ParserError is a ValueError
        return None
    if done != n_rows or np.isinf(columns).any():
        return None
    if sep is None and np.isnan(columns[numeric]).any():
        return None  # blanks cannot write an empty cell: pandas filled a short row
    return Table(columns.T, range(first_line, first_line + n_rows), text)


def _by_lines(
    path: Path,
    data: bytes,
    start: int,
    end: int,
    first_line: int,
    names: Sequence[str],
    sep: str | None,
    trailing_empty: bool,
    text_columns: Sequence[int],
    allow_empty: bool,
    encoding: str,
    what: str,
) -> Table:
    """The table read line by line: FileFormatError at the first ragged row or bad cell."""
    body = data[start:end]
    try:
        decoded = body.decode(encoding)
    except UnicodeDecodeError as exc:
        raise FileFormatError(path, f"not {encoding} text", offset=start + exc.start) from None
    if start == 0:
        decoded = decoded.removeprefix("\ufeff")  # a byte-order mark at the start of the file
    lines = decoded.split("\n")
    ends_with_newline = lines[-1] == ""
    if ends_with_newline:
        lines.pop()
    file_ends_here = end >= len(data)
    n_fields = len(names) + (1 if trailing_empty else 0)
    rows: list[list[str]] = []
    numbers: list[int] = []
    for index, raw in enumerate(lines):
        line = raw.rstrip("\r")
        if not line.strip():
            continue
        fields = line.split(sep)
        if len(fields) != n_fields or (trailing_empty and fields[-1].strip()):
            hint = ""
            if index == len(lines) - 1 and file_ends_here and not ends_with_newline:
                hint = " (the file ends inside this line: it is probably truncated)"
            raise FileFormatError(
                path,
                f"{what} has {len(fields)} fields, expected {n_fields}{hint}",
                line=first_line + index,
            )
        rows.append(fields[: len(names)])
        numbers.append(first_line + index)
    if not rows:
        raise FileFormatError(path, f"no data rows (a {what} expected)", line=first_line)
    numeric = [k for k in range(len(names)) if k not in text_columns]
    values = np.full((len(rows), len(names)), np.nan)
    values[:, numeric] = to_numbers(
        path,
        [[row[k] for k in numeric] for row in rows],
        numbers,
        [names[k] for k in numeric],
        allow_empty=allow_empty,
    )
    text = {k: [row[k] for row in rows] for k in text_columns}
    return Table(values, numbers, text)


def line_start(data: bytes, line_index: int) -> int:
    """The byte offset where line ``line_index`` (0-based) starts (``len(data)`` past the end)."""
    pos = 0
    for _ in range(line_index):
        nxt = data.find(b"\n", pos)
        if nxt < 0:
            return len(data)
        pos = nxt + 1
    return pos


def rows_after(
    path: Path, data: bytes, header_index: int, names: Sequence[str], **options: Any
) -> Table:
    """The table below the column header on line ``header_index`` (0-based) of ``data``
    (``read_table`` with its ``options``); FileFormatError "no data rows after the column
    header" at the header's line when there is none."""
    return read_table(
        path,
        data,
        names,
        start=line_start(data, header_index + 1),
        first_line=header_index + 2,
        no_rows=("no data rows after the column header", header_index + 1),
        **options,
    )


__all__ = ["CHUNK_ROWS", "Table", "line_start", "read_table", "rows_after"]
