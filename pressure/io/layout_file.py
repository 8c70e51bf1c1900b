"""Sensor layouts from files: a CSV table of sensors, or a JSON description of a sensel grid.

``read_layout(path)`` tells the two apart by content (JSON starts with ``{``) and returns
``{"left": layout, "right": layout}`` — the same object under both keys when the file describes
one layout for both feet, or only the sides the file has. ``write_layout`` writes the CSV form;
reading it back gives layouts equal to those written (``SensorLayout.__eq__``).

Coordinates are in the foot frame of ``pressure.layout``: mm, origin at the back of the heel,
+y anterior, **+x medial on both feet** (a left insole's table is already mirrored).

CSV
---
UTF-8 text (a byte-order mark is allowed), comma-separated, blank lines ignored::

    # name: my-insole
    # foot_length_mm: 260
    # foot_width_mm: 100
    # regions: hallux;arch
    sensor,x_mm,y_mm,area_mm2,side,regions
    1,-20.5,30,150,left,
    2,20.5,30,150,left,arch
    ...

Lines starting with ``#`` are comments. A comment of the form ``# key: value`` with one of the
keys below is a setting; any other comment is free text. A key may be prefixed ``left.`` or
``right.`` to apply to one side only (``# right.foot_length_mm: 262``); the bare key applies to
both. Each setting may appear once per side, except ``outline_mm``, whose lines add vertices.

* ``name``: the layout's name (default: the file name without its suffix);
* ``coordinate_unit``: what the ``*_mm`` columns really hold when it is not mm (e.g. ``au``,
  arbitrary units); default ``mm``;
* ``foot_length_mm``, ``foot_width_mm``: positive numbers. Default: the length runs from the
  heel (``y = 0``) to half a typical pitch beyond the most anterior sensor, ``max(y) + p/2``;
  the width is centred on the centre line and reaches half a pitch beyond the sensor furthest
  from it, ``2·max|x| + p``; the typical pitch ``p = sqrt(median area)``;
* ``outline_mm``: the insole outline as vertices ``x y`` separated by ``;`` (closed if the last
  vertex does not repeat the first). Default: the rectangle ``|x| ≤ width/2, 0 ≤ y ≤ length``;
* ``regions``: the region names this side declares, separated by ``;``. When given, the
  ``regions`` column may only use these names, and a declared name without sensors is an
  empty region (which a column alone cannot express).

The first other line is the column header; every row below it has one field per column.

* ``sensor`` (required): the sensor's number. Numbers run 1..n (or 0..n-1), each once per
  side, rows in any order; the layout lists the sensors by number, which must be the order of
  the values on the wire;
* ``x_mm``, ``y_mm`` (required): the sensor's centroid; every sensor must lie within the
  foot's box: ``0 ≤ y ≤ foot_length_mm``, ``|x| ≤ foot_width_mm / 2``;
* ``area_mm2`` (required): the sensor's area, positive;
* ``side`` (optional): ``left`` or ``right``. Without this column the file is one layout for
  both feet; with it, each side's rows make that side's layout;
* ``regions`` (optional): the names of the regions the sensor belongs to, separated by ``;``
  (``heel;medial``); names are letters, digits, ``_``, ``.``, ``+`` and ``-``. Standard regions
  (``pressure.layout.REGION_NAMES``) not named in the file come from the length bands.

JSON (a sensel grid, ``pressure.layout.grid_layout``)
-----------------------------------------------------
::

    {"name": "grid-insole",
     "grid": {"rows": 4, "cols": 4, "row_spacing_mm": 10, "col_spacing_mm": 8,
              "mask": ["0110", "1111", "1111", "0110"],
              "first_row": "heel", "first_col": "lateral"}}

``mask`` (optional) has one string per row, one ``0``/``1`` per column, row 0 first, in the
grid's own indexing; ``first_row`` (``heel``/``toe``) and ``first_col`` (``lateral``/
``medial``) are optional too (see ``grid_layout``). Instead of ``grid``, the top level may have
``left`` and/or ``right``, each ``{"name": ... (optional), "grid": {...}}`` — e.g. a sensor
sheet that counts columns from the same physical edge on both insoles is lateral-first on one
and medial-first on the other. The top-level ``name`` is the default for both; without it,
``grid_layout``'s default name.

Errors
------
Every problem raises ``pressure.errors.FileFormatError`` naming the file and the line.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import FileFormatError
from ..layout import FloatArray, SensorLayout, grid_layout
from .atomic import write_atomically
from .text import TextLines, read_text_lines, to_numbers

SIDES = ("left", "right")
#: Required and optional CSV columns, in the order ``write_layout`` writes them.
REQUIRED_COLUMNS = ("sensor", "x_mm", "y_mm", "area_mm2")
OPTIONAL_COLUMNS = ("side", "regions")
#: Settings in ``# key: value`` comments.
SETTINGS = (
    "name",
    "coordinate_unit",
    "foot_length_mm",
    "foot_width_mm",
    "outline_mm",
    "regions",
)
GRID_KEYS = ("rows", "cols", "row_spacing_mm", "col_spacing_mm", "mask", "first_row", "first_col")

_SETTING = re.compile(r"(?:(left|right)\.)?(" + "|".join(SETTINGS) + r")\s*:(.*)")
_REGION_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.+\-]*")
_OUTLINE_PER_LINE = 6  # vertices per "# outline_mm:" line written


# ---------------------------------------------------------------------------------------------
# reading


def read_layout(path: str | Path) -> dict[str, SensorLayout]:
    """The layout(s) a CSV or JSON layout file describes (module docstring), by side.

    Parameters
    ----------
    path : str or Path
        A layout file: CSV (one row per sensor: position in mm, area in mm², regions) or
        JSON (a sensel grid).

    Returns
    -------
    dict of str to SensorLayout
        ``{"left": ..., "right": ...}`` (the same object twice when the file holds one layout
        for both feet), or only the sides a CSV file with a ``side`` column has.

    Raises
    ------
    FileFormatError
        Naming the file and the line of the first problem.
    """
    path = Path(path)
    return _read_lines(path, read_text_lines(path, encoding="utf-8-sig"))


def read_layout_text(text: str, path: str | Path) -> dict[str, SensorLayout]:
    """``read_layout`` of a layout file's text kept elsewhere (e.g. inside a Parquet file's
    metadata, as ``layout_text`` wrote it); errors name ``path`` and the line in ``text``."""
    path = Path(path)
    lines = text.removeprefix("\ufeff").split("\n")
    ends = lines[-1] == ""
    if ends:
        lines.pop()
    return _read_lines(path, TextLines(path, [line.rstrip("\r") for line in lines], ends))


def _read_lines(path: Path, text: TextLines) -> dict[str, SensorLayout]:
    first = next((line.lstrip() for line in text.lines if line.strip()), "")
    if first.startswith("{"):
        return _read_json(path, "\n".join(text.lines))
    return _read_csv(path, text)


@dataclasses.dataclass
class _Setting:
    value: str
    line: int


@dataclasses.dataclass
class _Row:
    line: int
    sensor: int
    side: str | None
    regions: list[str]


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in next(csv.reader([line], skipinitialspace=True))]


def _read_csv(path: Path, text: TextLines) -> dict[str, SensorLayout]:
    lines = text.lines
    settings: dict[tuple[str | None, str], _Setting] = {}
    header: list[str] | None = None
    header_line = 0
    rows: list[_Row] = []
    numbers: list[list[str]] = []
    for index, line in enumerate(lines):
        line_no = index + 1
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            _add_setting(path, settings, stripped[1:].strip(), line_no)
            continue
        cells = _cells(stripped)
        if header is None:
            header, header_line = _check_header(path, cells, line_no), line_no
            continue
        if len(cells) != len(header):
            hint = ""
            if index == len(lines) - 1 and not text.ends_with_newline:
                hint = " (the file ends inside this row: is it cut short?)"
            raise FileFormatError(
                path,
                f"this row has {len(cells)} fields, the header (line {header_line}) "
                f"{len(header)}: {', '.join(header)}{hint}",
                line=line_no,
            )
        cell = dict(zip(header, cells, strict=True))
        rows.append(
            _Row(
                line=line_no,
                sensor=_sensor_number(path, cell["sensor"], line_no),
                side=_side(path, cell["side"], line_no) if "side" in cell else None,
                regions=_region_cell(path, cell.get("regions", ""), line_no),
            )
        )
        numbers.append([cell["x_mm"], cell["y_mm"], cell["area_mm2"]])
    if header is None:
        raise FileFormatError(
            path,
            f"no column header: expected a line '{','.join(REQUIRED_COLUMNS)}' "
            "(optionally with side and regions) after the '#' settings",
            line=len(lines),
        )
    if not rows:
        raise FileFormatError(path, "the table has no sensors", line=header_line)
    xya = to_numbers(path, numbers, [r.line for r in rows], ("x_mm", "y_mm", "area_mm2"))
    for parsed, area in zip(rows, xya[:, 2], strict=True):
        if not area > 0:
            raise FileFormatError(
                path, f"area_mm2 must be positive, got {area:g}", line=parsed.line
            )

    has_sides = "side" in header
    for (side, key), setting in settings.items():
        if side is not None and not has_sides:
            raise FileFormatError(
                path,
                f"'{side}.{key}' applies to one side, but the table has no side column "
                "(it is one layout for both feet): drop the prefix or add the column",
                line=setting.line,
            )
        if side is not None and all(r.side != side for r in rows):
            raise FileFormatError(
                path, f"'{side}.{key}' is set, but the table has no {side} rows", line=setting.line
            )
    if not has_sides:
        layout = _build(path, None, rows, xya, settings)
        return {"left": layout, "right": layout}
    result: dict[str, SensorLayout] = {}
    for side in SIDES:
        picked = [i for i, r in enumerate(rows) if r.side == side]
        if picked:
            result[side] = _build(path, side, [rows[i] for i in picked], xya[picked], settings)
    return result


def _add_setting(
    path: Path, settings: dict[tuple[str | None, str], _Setting], body: str, line_no: int
) -> None:
    match = _SETTING.fullmatch(body)
    if match is None:
        return  # a free comment
    side, key, value = match.group(1), match.group(2), match.group(3).strip()
    known = settings.get((side, key))
    if known is None:
        settings[(side, key)] = _Setting(value, line_no)
    elif key == "outline_mm":  # vertices continue on the next line
        known.value = f"{known.value};{value}"
    else:
        label = key if side is None else f"{side}.{key}"
        raise FileFormatError(
            path, f"'{label}' is set twice (first at line {known.line})", line=line_no
        )


def _check_header(path: Path, cells: list[str], line_no: int) -> list[str]:
    known = (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)
    seen: set[str] = set()
    for cell in cells:
        if cell in seen:
            raise FileFormatError(path, f"column {cell!r} appears twice", line=line_no)
        seen.add(cell)
        if cell not in known:
            raise FileFormatError(
                path,
                f"unknown column {cell!r} (a header line is expected here; columns are "
                f"{', '.join(REQUIRED_COLUMNS)} and optionally {', '.join(OPTIONAL_COLUMNS)})",
                line=line_no,
            )
    missing = [c for c in REQUIRED_COLUMNS if c not in seen]
    if missing:
        raise FileFormatError(
            path, f"missing column{'s' * (len(missing) > 1)} {', '.join(missing)}", line=line_no
        )
    return cells


def _sensor_number(path: Path, cell: str, line_no: int) -> int:
    try:
        return int(cell)
    except ValueError:
        raise FileFormatError(
            path, f"sensor: {cell!r} is not a whole number", line=line_no
        ) from None


def _side(path: Path, cell: str, line_no: int) -> str:
    side = cell.lower()
    if side not in SIDES:
        raise FileFormatError(path, f"side: {cell!r} is not 'left' or 'right'", line=line_no)
    return side


def _region_names(path: Path, cell: str, line_no: int, what: str) -> list[str]:
    names: list[str] = []
    for piece in cell.split(";"):
        name = piece.strip()
        if not name:
            continue  # "heel;" or an empty cell
        if _REGION_NAME.fullmatch(name) is None:
            raise FileFormatError(
                path,
                f"{what}: {name!r} is not a region name (letters, digits, _ . + -; "
                "names separated by ';')",
                line=line_no,
            )
        if name not in names:
            names.append(name)
    return names


def _region_cell(path: Path, cell: str, line_no: int) -> list[str]:
    return _region_names(path, cell, line_no, "regions")


def _setting(
    settings: Mapping[tuple[str | None, str], _Setting], side: str | None, key: str
) -> _Setting | None:
    return settings.get((side, key)) or settings.get((None, key))


def _positive(path: Path, setting: _Setting, key: str) -> float:
    try:
        value = float(setting.value)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise FileFormatError(
            path, f"{key}: {setting.value!r} is not a positive number", line=setting.line
        )
    return value


def _outline(path: Path, setting: _Setting) -> FloatArray:
    vertices: list[tuple[float, float]] = []
    for piece in setting.value.split(";"):
        if not piece.strip():
            continue
        parts = piece.split()
        try:
            x, y = (float(p) for p in parts)
        except ValueError:
            x = y = math.nan
        if not (math.isfinite(x) and math.isfinite(y)):
            raise FileFormatError(
                path,
                f"outline_mm: {piece.strip()!r} is not a vertex 'x y' (two numbers; "
                "vertices separated by ';')",
                line=setting.line,
            )
        vertices.append((x, y))
    if vertices and vertices[-1] != vertices[0]:
        vertices.append(vertices[0])
    if len(vertices) < 4:  # three corners and the closing vertex
        raise FileFormatError(
            path, "outline_mm needs at least three distinct vertices", line=setting.line
        )
    return np.array(vertices, dtype=np.float64)


def _rectangle(length: float, width: float) -> FloatArray:
    half = width / 2
    return np.array([(-half, 0.0), (half, 0.0), (half, length), (-half, length), (-half, 0.0)])


def _build(
    path: Path,
    side: str | None,
    rows: list[_Row],
    xya: FloatArray,
    settings: Mapping[tuple[str | None, str], _Setting],
) -> SensorLayout:
    what = "" if side is None else f" of the {side} side"
    # sensor numbers: 1..n or 0..n-1, each once
    first_line: dict[int, int] = {}
    for row in rows:
        if row.sensor in first_line:
            raise FileFormatError(
                path,
                f"sensor {row.sensor}{what} appears twice (first at line {first_line[row.sensor]})",
                line=row.line,
            )
        first_line[row.sensor] = row.line
    order = np.argsort([row.sensor for row in rows], kind="stable")
    ordered = [rows[i] for i in order]
    base = ordered[0].sensor
    if base not in (0, 1):
        raise FileFormatError(
            path,
            f"sensor numbers{what} must start at 1 (or 0); the lowest is {base}",
            line=ordered[0].line,
        )
    for expected, row in enumerate(ordered, start=base):
        if row.sensor != expected:
            raise FileFormatError(
                path,
                f"sensor {expected}{what} is missing (numbers must run without gaps; "
                f"the next is {row.sensor})",
                line=row.line,
            )
    xya = xya[order]
    x, y, area = xya[:, 0], xya[:, 1], xya[:, 2]

    name_setting = _setting(settings, side, "name")
    name = path.stem if name_setting is None else name_setting.value
    unit_setting = _setting(settings, side, "coordinate_unit")
    unit = "mm" if unit_setting is None else unit_setting.value.strip()
    pitch = float(np.sqrt(np.median(area)))
    length_setting = _setting(settings, side, "foot_length_mm")
    width_setting = _setting(settings, side, "foot_width_mm")
    if length_setting is None:
        length = float(max(y.max(), 0.0)) + pitch / 2
    else:
        length = _positive(path, length_setting, "foot_length_mm")
    if width_setting is None:
        width = 2 * float(np.abs(x).max()) + pitch
    else:
        width = _positive(path, width_setting, "foot_width_mm")
    for row, xi, yi in zip(ordered, x, y, strict=True):
        problem = _outside(float(xi), float(yi), length, width)
        if problem:
            raise FileFormatError(path, f"sensor {row.sensor}{what}: {problem}", line=row.line)
    outline_setting = _setting(settings, side, "outline_mm")
    outline = (
        _rectangle(length, width) if outline_setting is None else _outline(path, outline_setting)
    )

    declared_setting = _setting(settings, side, "regions")
    declared: list[str] = []
    if declared_setting is not None:
        declared = _region_names(path, declared_setting.value, declared_setting.line, "regions")
    names = list(declared)
    for row in ordered:
        for region in row.regions:
            if region in names:
                continue
            if declared_setting is not None:
                raise FileFormatError(
                    path,
                    f"region {region!r} is not among the regions declared at line "
                    f"{declared_setting.line}: {', '.join(declared) or '(none)'}",
                    line=row.line,
                )
            names.append(region)
    regions = {n: np.array([n in row.regions for row in ordered], dtype=np.bool_) for n in names}
    try:
        return SensorLayout(
            name=name,
            x_mm=x,
            y_mm=y,
            area_mm2=area,
            foot_length_mm=length,
            foot_width_mm=width,
            outline_mm=outline,
            regions=regions,
            coordinate_unit=unit,
        )
    except ValueError as exc:  # e.g. more sensors than a frame carries
        line = ordered[-1].line
        raise FileFormatError(path, f"not a valid layout{what}: {exc}", line=line) from None


def _outside(x: float, y: float, length: float, width: float) -> str:
    """Why (x, y) lies outside the foot's box, or "" when it is inside."""
    if y < 0:
        return (
            f"y_mm {y:g} is behind the heel (the foot frame's origin is the back of the heel, "
            "so y >= 0)"
        )
    if y > length:
        return f"y_mm {y:g} is beyond the toe end (foot_length_mm {length:g})"
    if abs(x) > width / 2:
        return (
            f"x_mm {x:g} is outside the foot (foot_width_mm {width:g}: |x| <= {width / 2:g}, "
            "x = 0 on the centre line)"
        )
    return ""


# --- JSON grids --------------------------------------------------------------------------------


def _json_line(text: str, *keys: str | int) -> int:
    """Best-effort line of the value at ``keys`` (object keys, then array indices of string
    items) in already-parsed JSON text; the line of the deepest part found."""
    pos = 0
    for key in keys:
        if isinstance(key, str):
            match = re.compile(rf'"{re.escape(key)}"\s*:').search(text, pos)
        else:
            strings = re.compile(r'"(?:[^"\\]|\\.)*"').finditer(text, text.find("[", pos) + 1)
            match = next((m for i, m in enumerate(strings) if i == key), None)
        if match is None:
            break
        pos = match.start()
    return text.count("\n", 0, pos) + 1


def _read_json(path: Path, text: str) -> dict[str, SensorLayout]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FileFormatError(path, f"not valid JSON: {exc.msg}", line=exc.lineno) from None
    if not isinstance(data, dict):
        raise FileFormatError(path, "a JSON layout is an object {...}", line=1)
    _no_unknown_keys(path, text, data, ("name", "grid", *SIDES), ())
    default_name = data.get("name")
    if default_name is not None and not isinstance(default_name, str):
        raise FileFormatError(path, "name must be a string", line=_json_line(text, "name"))
    sides = [s for s in SIDES if s in data]
    if "grid" in data and sides:
        raise FileFormatError(
            path,
            f"give either 'grid' (both feet) or per-side objects ({', '.join(sides)}), not both",
            line=_json_line(text, sides[0]),
        )
    if "grid" in data:
        layout = _json_grid(path, text, data["grid"], default_name, ())
        return {"left": layout, "right": layout}
    if not sides:
        raise FileFormatError(
            path, "a JSON layout needs a 'grid' object, or 'left'/'right' objects with one", line=1
        )
    result: dict[str, SensorLayout] = {}
    for side in sides:
        entry = data[side]
        if not isinstance(entry, dict):
            raise FileFormatError(
                path, f"{side} must be an object with a 'grid'", line=_json_line(text, side)
            )
        _no_unknown_keys(path, text, entry, ("name", "grid"), (side,))
        if "grid" not in entry:
            raise FileFormatError(path, f"{side} has no 'grid'", line=_json_line(text, side))
        name = entry.get("name", default_name)
        if name is not None and not isinstance(name, str):
            raise FileFormatError(
                path, f"{side}.name must be a string", line=_json_line(text, side, "name")
            )
        result[side] = _json_grid(path, text, entry["grid"], name, (side,))
    return result


def _no_unknown_keys(
    path: Path, text: str, data: Mapping[str, Any], known: tuple[str, ...], at: tuple[str, ...]
) -> None:
    for key in data:
        if key not in known:
            where = ".".join(at) + "." if at else ""
            raise FileFormatError(
                path,
                f"unknown key {where}{key!r}; known: {', '.join(known)}",
                line=_json_line(text, *at, key),
            )


def _json_grid(
    path: Path, text: str, grid: object, name: str | None, at: tuple[str, ...]
) -> SensorLayout:
    prefix = ".".join((*at, "grid"))
    if not isinstance(grid, dict):
        raise FileFormatError(
            path, f"{prefix} must be an object", line=_json_line(text, *at, "grid")
        )
    _no_unknown_keys(path, text, grid, GRID_KEYS, (*at, "grid"))

    def line(*keys: str | int) -> int:
        return _json_line(text, *at, "grid", *keys)

    for key in ("rows", "cols", "row_spacing_mm", "col_spacing_mm"):
        if key not in grid:
            raise FileFormatError(path, f"{prefix} has no {key!r}", line=line())
    counts: list[int] = []
    for key in ("rows", "cols"):
        value = grid[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise FileFormatError(
                path, f"{prefix}.{key} must be a positive integer, got {value!r}", line=line(key)
            )
        counts.append(value)
    spacing: list[float] = []
    for key in ("row_spacing_mm", "col_spacing_mm"):
        value = grid[key]
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not (ok and math.isfinite(value) and value > 0):
            raise FileFormatError(
                path, f"{prefix}.{key} must be a positive number, got {value!r}", line=line(key)
            )
        spacing.append(float(value))
    rows, cols = counts
    mask = None
    if "mask" in grid:
        given = grid["mask"]
        if not isinstance(given, list) or len(given) != rows:
            raise FileFormatError(
                path,
                f"{prefix}.mask must be a list of {rows} strings (one per row)",
                line=line("mask"),
            )
        mask = np.zeros((rows, cols), dtype=np.bool_)
        for r, row in enumerate(given):
            if not (isinstance(row, str) and len(row) == cols and set(row) <= {"0", "1"}):
                raise FileFormatError(
                    path,
                    f"{prefix}.mask row {r}: {row!r} is not {cols} characters 0 or 1",
                    line=line("mask", r),
                )
            mask[r] = [ch == "1" for ch in row]
    options: dict[str, Any] = {}
    for key, allowed in (("first_row", ("heel", "toe")), ("first_col", ("lateral", "medial"))):
        if key in grid:
            if grid[key] not in allowed:
                raise FileFormatError(
                    path,
                    f"{prefix}.{key} must be {' or '.join(map(repr, allowed))}, got {grid[key]!r}",
                    line=line(key),
                )
            options[key] = grid[key]
    try:
        return grid_layout(rows, cols, spacing[0], spacing[1], mask=mask, name=name, **options)
    except ValueError as exc:
        raise FileFormatError(path, f"{prefix}: {exc}", line=line()) from None


# ---------------------------------------------------------------------------------------------
# writing


def write_layout(path: str | Path, layout: SensorLayout | Mapping[str, SensorLayout]) -> None:
    """Write one layout for both feet, or a layout per side (``{"left": ..., "right": ...}``,
    either side alone allowed), as the CSV of the module docstring.

    Two equal layouts are written once, without a ``side`` column. Settings the sides share
    are written bare, the others per side; an outline equal to the default rectangle and the
    standard regions equal to their length bands are left out (reading fills them in). The
    file is written to a temporary name and renamed, so a failed write leaves no half file.

    Parameters
    ----------
    path : str or Path
        The CSV file to write (``.csv``; JSON is an input format only).
    layout : SensorLayout or dict of side to SensorLayout
        One layout for both feet, or ``{"left": ..., "right": ...}`` (either side alone
        allowed).

    Raises
    ------
    ValueError
        For a ``.json`` path, or what the format cannot hold or ``read_layout`` would refuse.
    """
    path = Path(path)
    if path.suffix.lower() == ".json":
        raise ValueError(
            f"{path}: write_layout writes the CSV format (.csv); JSON is an input format "
            "for sensel grids only"
        )
    text = layout_text(layout)
    write_atomically(path, lambda p: p.write_text(text, encoding="utf-8"))


def layout_text(layout: SensorLayout | Mapping[str, SensorLayout]) -> str:
    """The CSV text ``write_layout`` writes (its docstring), for keeping a layout inside
    another file; ``read_layout_text`` reads it back."""
    by_side: dict[str | None, SensorLayout]
    if isinstance(layout, SensorLayout):
        by_side = {None: layout}
    elif isinstance(layout, Mapping):
        unknown = [k for k in layout if k not in SIDES]
        if unknown or not layout:
            raise ValueError(f"layouts must be keyed by 'left' and/or 'right', got {list(layout)}")
        for key, value in layout.items():
            if not isinstance(value, SensorLayout):
                raise ValueError(f"layout for {key!r} is not a SensorLayout: {value!r}")
        if set(layout) == set(SIDES) and layout["left"] == layout["right"]:
            by_side = {None: layout["left"]}
        else:
            by_side = {key: layout[key] for key in SIDES if key in layout}
    else:
        raise ValueError(f"expected a SensorLayout or a dict of them by side, got {layout!r}")

    custom = {side: _custom_regions(one) for side, one in by_side.items()}
    for side, one in by_side.items():
        _check_writable(one, side, custom[side])
    lines = _setting_lines(by_side, custom)
    columns = list(REQUIRED_COLUMNS)
    if None not in by_side:
        columns.append("side")
    if any(custom.values()):
        columns.append("regions")
    lines.append(",".join(columns))
    for side, one in by_side.items():
        for i in range(one.n_sensors):
            cells = [str(i + 1), _num(one.x_mm[i]), _num(one.y_mm[i]), _num(one.area_mm2[i])]
            if side is not None:
                cells.append(side)
            if "regions" in columns:
                cells.append(";".join(n for n in custom[side] if one.regions[n][i]))
            lines.append(",".join(cells))
    return "\n".join(lines) + "\n"


def _num(value: float) -> str:
    """The shortest text that reads back as the same float (no trailing ``.0``)."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def _custom_regions(layout: SensorLayout) -> list[str]:
    """Region names whose masks the length bands would not give back."""
    bands = dataclasses.replace(layout, regions={}).regions
    return [
        name
        for name, mask in layout.regions.items()
        if name not in bands or not np.array_equal(mask, bands[name])
    ]


def _check_writable(layout: SensorLayout, side: str | None, custom: list[str]) -> None:
    what = f"layout {layout.name!r}" + ("" if side is None else f" ({side})")
    if layout.name != layout.name.strip() or "\n" in layout.name or "\r" in layout.name:
        raise ValueError(f"{what}: a name with surrounding spaces or line breaks cannot be written")
    for name in custom:
        if _REGION_NAME.fullmatch(name) is None:
            raise ValueError(
                f"{what}: region name {name!r} cannot be written (letters, digits, _ . + - only)"
            )
    for i in range(layout.n_sensors):
        problem = _outside(
            float(layout.x_mm[i]),
            float(layout.y_mm[i]),
            layout.foot_length_mm,
            layout.foot_width_mm,
        )
        if problem:
            raise ValueError(f"{what}: sensor {i + 1}: {problem}")


def _setting_lines(
    by_side: Mapping[str | None, SensorLayout], custom: Mapping[str | None, list[str]]
) -> list[str]:
    values: dict[str, dict[str | None, list[str]]] = {key: {} for key in SETTINGS}
    for side, one in by_side.items():
        values["name"][side] = [one.name]
        if one.coordinate_unit != "mm":
            values["coordinate_unit"][side] = [one.coordinate_unit]
        values["foot_length_mm"][side] = [_num(one.foot_length_mm)]
        values["foot_width_mm"][side] = [_num(one.foot_width_mm)]
        if not np.array_equal(one.outline_mm, _rectangle(one.foot_length_mm, one.foot_width_mm)):
            vertices = [f"{_num(x)} {_num(y)}" for x, y in one.outline_mm]
            values["outline_mm"][side] = [
                "; ".join(vertices[k : k + _OUTLINE_PER_LINE])
                for k in range(0, len(vertices), _OUTLINE_PER_LINE)
            ]
        if custom[side]:
            values["regions"][side] = [";".join(custom[side])]
    lines: list[str] = []
    for key in SETTINGS:
        per_side = values[key]
        shared = len(per_side) == len(by_side) and all(
            v == next(iter(per_side.values())) for v in per_side.values()
        )
        if shared and per_side:
            lines.extend(f"# {key}: {v}" for v in next(iter(per_side.values())))
            continue
        for side, items in per_side.items():
            lines.extend(f"# {side}.{key}: {v}" for v in items)
    return lines


__all__ = [
    "GRID_KEYS",
    "OPTIONAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "SETTINGS",
    "SIDES",
    "layout_text",
    "read_layout",
    "read_layout_text",
    "write_layout",
]
