"""The numeric-table parser's two paths agree (pressure.io.table).

Whatever the text, the pandas path either declines or gives exactly what reading line by line
gives (values bit for bit, NaN where NaN, the same line numbers); and ``read_table`` gives the
line-by-line result or raises the same error. Run on the oldest pandas the project allows as
well as the newest (``.ci/run`` does both).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pressure.errors import FileFormatError
from pressure.io.table import _by_lines, _by_pandas, line_start, read_table

PATH = Path("table.txt")

finite = st.floats(allow_nan=False, allow_infinity=False, width=64)


def _number_text(x: float, style: int) -> str:
    if style == 0:
        return repr(x)
    if style == 1:
        return f"{x:.15g}"
    if style == 2:
        return f"{x:.17e}"
    return f"{x:.3f}"


# cells as a device, a vendor export or a damaged file might print them
cell = st.one_of(
    st.builds(_number_text, finite, st.integers(0, 3)),
    st.integers(-(10**6), 10**6).map(str),
    st.sampled_from(
        [
            "",
            " 1",
            "2 ",
            "nan",
            "NaN",
            "inf",
            "-inf",
            "Infinity",
            "true",
            "FALSE",
            "1e999",
            "x",
            "1_000",
            "+3",
            ".5",
            "5.",
            "0x10",
            "1,5",
            "\r",
            '"1"',
            "\ufeff1",
        ]
    ),
)


@st.composite
def tables(draw: st.DrawFn) -> tuple[bytes, int, str | None, bool]:
    n_cols = draw(st.integers(1, 5))
    sep = draw(st.sampled_from([",", "\t", None]))
    joiner = " " if sep is None else sep
    trailing = draw(st.booleans()) and sep is not None
    clean = draw(st.booleans())
    rows = []
    for _ in range(draw(st.integers(1, 8))):
        width = n_cols if clean or draw(st.integers(0, 9)) else draw(st.integers(1, n_cols + 2))
        cells = [
            draw(st.builds(_number_text, finite, st.integers(0, 3)) if clean else cell)
            for _ in range(width)
        ]
        line = joiner.join(cells) + (sep if trailing and sep else "")
        if not clean and draw(st.integers(0, 9)) == 0:
            line = draw(st.sampled_from(["", " ", "\r", "\t", "\t\t", " \t "]))  # blank-looking
        rows.append(line)
    end = draw(st.sampled_from(["\n", "\r\n"]))
    text = end.join(rows) + (end if draw(st.booleans()) else "")
    return text.encode("utf-8"), n_cols, sep, trailing


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and bool(np.all((a == b) | (np.isnan(a) & np.isnan(b))))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables(), st.booleans(), st.integers(0, 2))
def test_fast_path_declines_or_agrees(
    table: tuple[bytes, int, str | None, bool], allow_empty: bool, header_lines: int
) -> None:
    body, n_cols, sep, trailing = table
    data = b"header\n" * header_lines + body
    names = [f"c{k}" for k in range(n_cols)]
    start = line_start(data, header_lines)
    first = header_lines + 1
    try:
        slow = _by_lines(
            PATH,
            data,
            start,
            len(data),
            first,
            names,
            sep,
            trailing,
            (),
            allow_empty,
            "utf-8",
            "row",
        )
    except FileFormatError as exc:
        slow_error: FileFormatError | None = exc
    else:
        slow_error = None
    fast = _by_pandas(data, start, len(data), first, n_cols, sep, trailing, (), "utf-8")
    if fast is not None and (allow_empty or not np.isnan(fast.values).any()):
        assert slow_error is None, f"pandas read what the line path refuses: {slow_error}"
        assert _same(fast.values, slow.values)
        assert list(fast.line_numbers) == list(slow.line_numbers)
    # read_table is the line path's result, or its error
    try:
        got = read_table(
            PATH,
            data,
            names,
            start=start,
            first_line=first,
            sep=sep,
            trailing_empty=trailing,
            allow_empty=allow_empty,
        )
    except FileFormatError as exc:
        assert slow_error is not None and str(exc) == str(slow_error)
    else:
        assert slow_error is None
        assert _same(got.values, slow.values)
        assert list(got.line_numbers) == list(slow.line_numbers)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(finite, min_size=3, max_size=3), min_size=1, max_size=20))
def test_clean_tables_take_the_fast_path_and_round_trip(rows: list[list[float]]) -> None:
    """15- and 17-digit decimals read back to the float they came from on the fast path."""
    data = "".join(",".join(repr(x) for x in row) + "\n" for row in rows).encode()
    fast = _by_pandas(data, 0, len(data), 1, 3, ",", False, (), "utf-8")
    assert fast is not None
    assert _same(fast.values, np.array(rows))


def test_a_line_of_separators_only_is_blank_on_both_paths() -> None:
    data = b"1\t2\n\t\n3\t4\n"
    got = read_table(PATH, data, ["a", "b"], sep="\t", allow_empty=True)
    assert list(got.line_numbers) == [1, 3]


def test_space_separated_rows_with_leading_blanks_take_the_fast_path() -> None:
    data = b"  1.5  2\n\t3 4.25\n"
    fast = _by_pandas(data, 0, len(data), 1, 2, None, False, (), "utf-8")
    assert fast is not None
    assert _same(fast.values, np.array([[1.5, 2.0], [3.0, 4.25]]))


def test_a_short_space_separated_row_is_named_not_filled() -> None:
    """pandas fills a short row of a whitespace-separated table with NaN; the fast path must not
    pass that off as empty cells (found by hypothesis)."""
    with pytest.raises(FileFormatError, match=r"line 2: row has 1 fields, expected 2"):
        read_table(PATH, b"0 0.0\n0.0\n", ["a", "b"], sep=None, allow_empty=True)


def test_nul_bytes_and_no_rows_are_named() -> None:
    with pytest.raises(FileFormatError, match=r"offset 4.*binary data"):
        read_table(PATH, b"1,2\n\x003,4\n", ["a", "b"])
    with pytest.raises(FileFormatError, match=r"line 3.*nothing below"):
        read_table(PATH, b"h\n\n \n", ["a"], start=2, first_line=2, no_rows=("nothing below", 3))


def test_text_columns_and_a_bad_cell_named_by_line_and_column() -> None:
    data = b"time_s,side,v\n0.0,left,1\n0.01,right,2\n"
    t = read_table(
        PATH,
        data,
        ["time_s", "side", "v"],
        start=line_start(data, 1),
        first_line=2,
        text_columns=[1],
    )
    assert t.text[1] == ["left", "right"]
    assert list(t.line_numbers) == [2, 3]
    bad = data + b"0.02,left,x\n"
    with pytest.raises(FileFormatError, match=r"line 4.*v: 'x'"):
        read_table(
            PATH,
            bad,
            ["time_s", "side", "v"],
            start=line_start(bad, 1),
            first_line=2,
            text_columns=[1],
        )


def test_a_truncated_last_row_says_so() -> None:
    data = b"1,2,3\n4,5"
    with pytest.raises(FileFormatError, match=r"line 2.*truncated"):
        read_table(PATH, data, ["a", "b", "c"])
