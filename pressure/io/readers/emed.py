"""Novel emed platform printouts (``.lst``): one page per frame, read with ``_plate``.

Format (text, latin-1: the ``²`` of ``cm²`` is byte 0xB2; pages end with a form feed)::

    <TAB><TAB><TAB><TAB>Page 1

    <TAB>File: C:\\novel\\...\\2.dat <TAB>Matrix: 64x95
    <TAB>Sensor area: 0.25 cm²<TAB>Time/picture:10.0 ms
    <TAB>MV over frames
    <TAB>Sensor size: 0.500x0.500 cm
    <TAB>novel munich/st.paul/london
    <TAB>pedar is a registered trademark of novel
    <TAB>Pict-No.: 1  Force[N]=sum*sensor_area in row/column

    <TAB>26<TAB>27 ... <TAB>47<TAB>Force            ← the column numbers printed on this page
    30<TAB>0.00<TAB>... <TAB>0.00                   ← row number, pressures, the row's force
    ...
    Force<TAB>0.00<TAB>... <TAB>39.63               ← each column's force, the frame's force
    <FF>

``Matrix: 64x95`` is columns × rows (the emed's 64 × 95 sensors of 0.5 × 0.5 cm: 320 × 475
mm; the example's column numbers go to 47 and its row numbers to 83). Only the rectangle of
rows and columns that holds the print is listed, and it may differ from page to page: each
page's values are put at their row and column numbers (1-based) into the full matrix, the
cells not printed are 0. ``Sensor size: W x H`` is taken as the column pitch × the row pitch
(equal in every file we know). ``Time/picture`` gives the frame period; frame k (``Pict-No.:
k``) is at ``(k − 1) · period`` s.

``MV over frames`` heads every page of the example, whose 106 pages are pictures 1-106 with a
force rising and falling over 1.06 s: it names the printout (measured values, frame by frame),
not a summary picture. A page whose picture line is not ``Pict-No.: k`` (Novel's maximum
pictures ``MVP``/``MPP``, which pressuRe's loader also drops) is not a time frame: it is left
out of the time series and listed in ``metadata["summary_pages"]``.

Units: the file does not name the pressure unit. The force row says ``Force[N] = sum ×
sensor_area``: with the sensor area in cm², the frame's force divided by (its pressure sum ×
0.25 cm²) is 0.1 for kPa (1 kPa = 0.1 N/cm²) and 1 for N/cm²; the reader takes the unit this
ratio gives (0.1000 in the example: kPa) and reports it in ``metadata["unit_check"]``; without
force rows it assumes kPa and says so. The frame's force is kept per frame as
``vendor["plate_force_n"]`` (the whole plate's force, as printed with 2 decimals).

Geometry: cell (r, c) (0-based; sensor index ``r · 64 + c``, row-major in the file's own
order) has the plate coordinates X = (c + 0.5) · column pitch, Y = (95 − r − 0.5) · row pitch
(mm): the printout lists row numbers downward, so Y runs up the printed page and (X, Y) is the
page seen from above (taken as the plate seen from above, as pressuRe's plots show it).
``_plate.plate_feet`` finds the footprint(s), aligns each to the foot frame and infers its side
from the footprint (``metadata["plate"]``). The example's print (heel at rows 72-83, toes at
rows 30-38, the hallux and the arch toward low column numbers) is a right foot, as pressuRe's
own test of ``auto_detect_side`` on it expects (``tests/testthat/test_pressuRe.R``).

Reading is line by line (pages are small: the example loads in about 50 ms, 3000 frames in
about 1.3 s; the full matrix is kept, 48 kB per frame of a 64 × 95 plate); every row's fields
are checked, so a ragged row, a cell that is not a number, a row or column
outside the matrix or a picture number that does not increase raises FileFormatError with the
line.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

import numpy as np

from ...errors import FileFormatError
from ...model import FloatArray, Session
from ..text import LENGTH_MM, Header, head_lines, read_text_lines, sampling_rate_hz, to_numbers
from ._plate import LIBRARIES as _PLATE_LIBRARIES
from ._plate import grid_cells, plate_feet

NAME = "emed"
DESCRIPTION = "Novel emed platform printout (.lst: one page per frame, 'Pict-No.:', 'Matrix:')"
SUFFIXES = (".lst",)
LIBRARIES = _PLATE_LIBRARIES
SOURCE = "Novel emed .lst printout"
KPA_PER_N_CM2 = 10.0
_PAGE = re.compile(r"\s*Page\s+(\d+)\s*$")
_PICT = re.compile(r"\s*Pict-No\.\s*:\s*(\d+)")
#: the largest sensor matrix taken from a header (an emed-xl has about 25,000 sensors): a
#: larger ``Matrix:`` is damage, not an allocation to attempt
MAX_PLATE_SENSORS = 1_000_000
_MATRIX = re.compile(r"Matrix\s*:\s*(\d+)\s*x\s*(\d+)", re.I)
_SIZE = re.compile(r"Sensor size\s*:\s*([\d.]+)\s*x\s*([\d.]+)\s*(\S*)", re.I)
_FIELDS = {
    "matrix": _MATRIX,
    "area": re.compile(r"Sensor area\s*:\s*([\d.]+)\s*(\S*)", re.I),
    "time": re.compile(r"Time/picture\s*:\s*([\d.]+)\s*(\S*)", re.I),
    "size": _SIZE,
    "file": re.compile(r"File\s*:\s*(.*?)\s*(?:\tMatrix|$)"),
}
_TRUNCATED = " (the file ends inside this line: it is probably truncated)"


def detect(path: Path, head: bytes) -> bool:
    """A ``Page`` line, then ``Matrix:`` and ``Sensor size:`` fields and a picture line
    (``Pict-No.:``), in the first 40 lines."""
    lines = head_lines(head, 40)
    page = next((k for k, line in enumerate(lines) if _PAGE.fullmatch(line)), None)
    if page is None:
        return False
    rest = "\n".join(lines[page:])
    return bool(_MATRIX.search(rest) and _SIZE.search(rest) and "Pict-No." in rest)


@dataclasses.dataclass
class _Page:
    number: int  # the page number
    line: int  # 1-based line of the "Page" line
    picture: int | None  # Pict-No., None for a summary page
    picture_line: int
    title: str  # the picture line's text
    header_line: int  # 1-based line of the column numbers
    columns: list[int]
    rows: list[int]
    row_lines: list[int]  # 1-based line of each row
    values: FloatArray  # (len(rows), len(columns))
    force: float  # the frame's force (N), NaN without a force row


def _table(
    path: Path, lines: list[str], index: int, stop: int, page: int
) -> tuple[list[int], list[int], list[int], FloatArray, float]:
    """The page's table from the column header at ``lines[index]``: (columns, rows, the rows'
    line numbers, values, frame force)."""
    cells = lines[index].split("\t")
    has_force = cells[-1].strip().lower() == "force"
    names = cells[1 : len(cells) - 1] if has_force else cells[1:]
    if cells[0].strip() or not names:
        raise FileFormatError(
            path, f"page {page}: expected the column numbers after the picture line", line=index + 1
        )
    try:
        columns = [int(c) for c in names]
    except ValueError:
        raise FileFormatError(
            path, f"page {page}: the column numbers are not integers", line=index + 1
        ) from None
    width = len(cells)
    rows: list[list[str]] = []
    numbers: list[int] = []
    force = float("nan")
    k = index + 1
    while k < stop and lines[k].strip() not in ("", "\f"):
        fields = lines[k].split("\t")
        k += 1
        if len(fields) != width:
            raise FileFormatError(
                path,
                f"page {page}: row has {len(fields)} fields, expected {width}"
                + (_TRUNCATED if k == len(lines) else ""),
                line=k,
            )
        if fields[0].strip().lower() == "force":
            total = to_numbers(path, [fields[1:]], [k], ["Force"] * (width - 1))[0]
            force = float(total[-1]) if has_force else float("nan")
            break
        rows.append(fields)
        numbers.append(k)
    if not rows:
        raise FileFormatError(path, f"page {page}: no rows after the column numbers", line=k + 1)
    names_all = ["row number", *(f"column {c}" for c in columns)] + ["row force"] * has_force
    table = to_numbers(path, rows, numbers, names_all)
    bad = np.flatnonzero(table[:, 0] != np.round(table[:, 0]))
    if bad.size:
        raise FileFormatError(
            path,
            f"page {page}: row number {rows[bad[0]][0]!r} is not an integer",
            line=numbers[bad[0]],
        )
    values = table[:, 1 : 1 + len(columns)]
    return columns, [int(r) for r in table[:, 0]], numbers, values, force


def _pages(path: Path, lines: list[str]) -> tuple[list[_Page], Header]:
    """The pages, and the header fields (``matrix``, ``area``, ``time``, ``size``, ``file``)
    as the first page giving each has them."""
    numbered = [(k, int(m[1])) for k, line in enumerate(lines) if (m := _PAGE.fullmatch(line))]
    if not numbered:
        raise FileFormatError(path, "no 'Page' line: not an emed printout", line=1)
    header = Header(path)
    pages: list[_Page] = []
    framed = False
    for n, (start, page_no) in enumerate(numbered):
        stop = numbered[n + 1][0] if n + 1 < len(numbered) else len(lines)
        picture: int | None = None
        k = start + 1
        while k < stop:
            line = lines[k]
            for key, pattern in _FIELDS.items():
                found = None if framed else pattern.search(line)  # up to the first frame's
                if found is not None:
                    header.add(key, " ".join(g for g in found.groups() if g), k + 1)
            if (found := _PICT.match(line)) is not None:
                picture, picture_line, title = int(found[1]), k + 1, line.strip()
                break
            if re.match(r"\s*(MVP|MPP|Max)\b", line):
                picture_line, title = k + 1, line.strip()
                break
            if line.startswith("\t") and re.fullmatch(r"\t[\d\t]+(\tForce)?\s*", line):
                k -= 1  # a table without a picture line
                picture_line, title = k + 2, ""
                break
            k += 1
        else:
            raise FileFormatError(
                path,
                f"page {page_no} has no picture line ('Pict-No.: k') or table: truncated?",
                line=stop,
            )
        k += 1
        while k < stop and not lines[k].strip():
            k += 1
        if k >= stop:
            raise FileFormatError(
                path, f"page {page_no}: no table after the picture line: truncated?", line=stop
            )
        table = _table(path, lines, k, stop, page_no)
        pages.append(_Page(page_no, start + 1, picture, picture_line, title, k + 1, *table))
        framed = framed or picture is not None
    return pages, header


def _field(header: Header, key: str, what: str) -> list[str]:
    if key not in header:
        raise header.error(key, f"no '{what}' field in the first page's header")
    return header.fields[key].split()


def read(path: Path) -> Session:
    """Read an emed printout (module docstring)."""
    lines = read_text_lines(path, encoding="latin-1").lines
    pages, header = _pages(path, lines)
    frames = [p for p in pages if p.picture is not None]
    summary = [p for p in pages if p.picture is None]
    if not frames:
        raise FileFormatError(path, "no page is a frame ('Pict-No.: k')", line=pages[0].line)
    header.line = frames[0].line
    cols_n, rows_n = (int(v) for v in _field(header, "matrix", "Matrix: CxR"))
    if not 0 < cols_n * rows_n <= MAX_PLATE_SENSORS:
        raise header.error(
            "matrix",
            f"Matrix: {cols_n}x{rows_n} is no plate (1 to {MAX_PLATE_SENSORS:,} sensors)",
        )
    size = _field(header, "size", "Sensor size: WxH cm")
    to_mm = LENGTH_MM.get(size[2].lower() if len(size) > 2 else "cm")
    if to_mm is None:
        raise header.error("size", f"unknown sensor size unit {size[2]!r}")
    col_mm, row_mm = float(size[0]) * to_mm, float(size[1]) * to_mm
    period = _field(header, "time", "Time/picture")
    period_s = float(period[0]) * (1.0 if len(period) > 1 and period[1].lower() == "s" else 1e-3)
    if not period_s > 0 or not col_mm > 0 or not row_mm > 0:
        raise FileFormatError(
            path, "the picture period and sensor size must be positive", line=header.line
        )

    values = np.zeros((len(frames), rows_n * cols_n))
    pictures = np.array([p.picture for p in frames], dtype=np.int64)
    for k, page in enumerate(frames):
        if k and pictures[k] <= pictures[k - 1]:
            raise FileFormatError(
                path,
                f"picture {pictures[k]} follows picture {pictures[k - 1]}: not increasing",
                line=page.picture_line,
            )
        if min(page.columns) < 1 or max(page.columns) > cols_n:
            raise FileFormatError(
                path,
                f"page {page.number}: a column number is outside 1..{cols_n}",
                line=page.header_line,
            )
        for line, row in zip(page.row_lines, page.rows, strict=True):
            if not 1 <= row <= rows_n:
                raise FileFormatError(
                    path, f"page {page.number}: row number outside 1..{rows_n}", line=line
                )
        r = np.asarray(page.rows) - 1
        c = np.asarray(page.columns) - 1
        values[k].reshape(rows_n, cols_n)[np.ix_(r, c)] = page.values
    time_s = np.asarray((pictures - 1) * period_s, dtype=np.float64)
    rate = sampling_rate_hz(time_s, 1.0 / period_s) or 1.0 / period_s

    # the unit from the printed forces (module docstring)
    force = np.array([p.force for p in frames])
    sums = values.sum(axis=1)
    usable = np.isfinite(force) & (force > 0) & (sums > 0)
    meta_unit: dict[str, Any] = {}
    unit = "kpa"
    problems: list[str] = []
    if usable.any():
        area_cm2 = col_mm * row_mm / 100.0
        ratio = float(np.median(force[usable] / (sums[usable] * area_cm2)))
        meta_unit["unit_check"] = {"force_over_sum_times_area_cm2": ratio}
        if abs(ratio - 1.0) < 0.05:
            unit = "n_cm2"
        elif abs(ratio - 0.1) >= 0.005:
            problems.append(
                f"the printed forces do not fit kPa or N/cm² (force / (sum × area) = {ratio:.4g}):"
                " taken as kPa"
            )
    else:
        problems.append("no force row to check the pressure unit: taken as kPa")

    x, y, area = grid_cells(rows_n, cols_n, row_mm, col_mm)
    # the page lists row numbers downward: a view from above has Y up the page (module docstring)
    feet, plate = plate_feet(
        path,
        time_s,
        values,
        x,
        rows_n * row_mm - y,
        area,
        unit=unit,
        sampling_rate_hz=rate,
        name=f"emed-{cols_n}x{rows_n}",
        vendor={"plate_force_n": force} if np.isfinite(force).any() else None,
    )
    meta: dict[str, Any] = {
        "source": SOURCE,
        "record": Path((header.get("file") or "").replace("\\", "/")).stem or path.stem,
        "device": f"Novel emed, matrix {cols_n} x {rows_n}, sensors {size[0]} x {size[1]} cm",
        "header": dict(header.fields),
        "matrix_columns": cols_n,
        "matrix_rows": rows_n,
        "sensor_pitch_mm": [col_mm, row_mm],
        "frame_period_s": period_s,
        "pictures": [int(pictures[0]), int(pictures[-1])],
        "printout": sorted({line.strip() for line in lines[:40] if "over frames" in line}),
        **meta_unit,
        "plate": plate,
    }
    quality: dict[str, int] = {"frames": len(frames), "pages": len(pages)}
    if summary:
        meta["summary_pages"] = [
            {"page": p.number, "line": p.line, "title": p.title} for p in summary
        ]
        quality["summary_pages"] = len(summary)
    negative = int((values < 0).sum())
    if negative:
        quality["negative_values"] = negative
    return Session.from_feet(path, NAME, feet, meta, quality=quality, problems=problems)
