"""Sensel grids (``pressure.layout.grid_layout``) and layout files (``pressure.io.layout_file``):
geometry in the foot frame, regions, real files written and read back, and errors that name
the file and the line."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from pressure.errors import FileFormatError
from pressure.io.layout_file import read_layout, write_layout
from pressure.layout import LENGTH_BANDS, SensorLayout, grid_layout, simulated_layout
from pressure.layouts_builtin import gaitpdb8_layout, moticon16_layout

# --- grid_layout ----------------------------------------------------------------------------


def test_full_grid_geometry_and_row_major_order() -> None:
    rows, cols, dy, dx = 7, 5, 12.5, 9.0
    layout = grid_layout(rows, cols, dy, dx)
    r, c = np.divmod(np.arange(rows * cols), cols)  # sensor k is cell (k // cols, k % cols)
    assert layout.n_sensors == rows * cols
    np.testing.assert_allclose(layout.y_mm, (r + 0.5) * dy)
    np.testing.assert_allclose(layout.x_mm, (c - (cols - 1) / 2) * dx)
    np.testing.assert_allclose(layout.area_mm2, dx * dy)
    assert layout.foot_length_mm == rows * dy
    assert layout.foot_width_mm == cols * dx
    # the outline is the grid's rectangle, closed, heel at y = 0 and centred on x = 0
    outline = layout.outline_mm
    assert np.array_equal(outline[0], outline[-1])
    assert outline[:, 1].min() == 0 and outline[:, 1].max() == rows * dy
    assert outline[:, 0].min() == -cols * dx / 2 and outline[:, 0].max() == cols * dx / 2
    assert len(outline) == 5  # four corners, collinear edge points dropped
    assert layout.name == f"grid{rows}x{cols}"


@pytest.mark.parametrize("cols", [8, 9])
def test_grid_regions_follow_the_bands_and_the_centre_line(cols: int) -> None:
    rows = 20
    layout = grid_layout(rows, cols, 13.0, 11.0)
    r, c = np.divmod(np.arange(rows * cols), cols)
    u = (r + 0.5) / rows
    for name, (low, high) in LENGTH_BANDS.items():
        assert np.array_equal(layout.regions[name], (u >= low) & (u < high)), name
    centre = (cols - 1) / 2
    # column 0 is lateral by default; a column on the centre line counts as lateral
    assert np.array_equal(layout.regions["medial"], c > centre)
    assert np.array_equal(layout.regions["lateral"], c <= centre)
    assert layout.regions["heel"].sum() == cols * int(np.sum((np.arange(rows) + 0.5) / rows < 0.27))


def test_grid_first_row_and_first_col_mirror_the_frame() -> None:
    rows, cols = 6, 4
    base = grid_layout(rows, cols, 10.0, 8.0)
    medial_first = grid_layout(rows, cols, 10.0, 8.0, first_col="medial")
    toe_first = grid_layout(rows, cols, 10.0, 8.0, first_row="toe")
    np.testing.assert_allclose(medial_first.x_mm, -base.x_mm)
    np.testing.assert_allclose(medial_first.y_mm, base.y_mm)
    np.testing.assert_allclose(toe_first.y_mm, base.foot_length_mm - base.y_mm)
    np.testing.assert_allclose(toe_first.x_mm, base.x_mm)
    # column 0 is the medial edge now: the medial region is the first half of every row
    c = np.arange(rows * cols) % cols
    assert np.array_equal(medial_first.regions["medial"], c < cols / 2)
    # row 0 is at the toes: the first row is in the toes band
    assert toe_first.regions["toes"][:cols].all() and base.regions["heel"][:cols].all()


def test_a_sheet_counted_from_one_edge_mirrors_between_the_feet() -> None:
    """The same physical sheet numbered from the viewer's left is lateral-first on a left
    insole and medial-first on a right one: both give +x medial, so the same cells land on
    the same positions, mirrored through the centre line."""
    rng = np.random.default_rng(5)
    mask = rng.random((9, 6)) > 0.3
    left = grid_layout(9, 6, 10.0, 7.0, mask=mask, first_col="lateral")
    right = grid_layout(9, 6, 10.0, 7.0, mask=mask[:, ::-1], first_col="medial")
    # physically mirrored sheets: the positions agree as sets
    assert sorted(zip(left.x_mm, left.y_mm, strict=True)) == sorted(
        zip(right.x_mm, right.y_mm, strict=True)
    )


def test_mask_drops_cells_and_the_extent_follows_the_kept_cells() -> None:
    rows, cols, dy, dx = 6, 7, 10.0, 8.0
    mask = np.zeros((rows, cols), dtype=bool)
    mask[1, 3] = True  # heel-most kept row is row 1: it starts the foot
    mask[2, 2:5] = True
    mask[3, 1:6] = True
    mask[4, 2:6] = True  # toe-most kept row is row 4; columns 1..5 kept
    layout = grid_layout(rows, cols, dy, dx, mask=mask)
    r, c = np.nonzero(mask)  # row-major: the documented sensor order
    assert layout.n_sensors == mask.sum()
    assert layout.name == f"grid{rows}x{cols}-{mask.sum()}"
    np.testing.assert_allclose(layout.y_mm, (r - r.min() + 0.5) * dy)
    np.testing.assert_allclose(layout.x_mm, (c - (c.min() + c.max()) / 2) * dx)
    assert layout.foot_length_mm == (r.max() - r.min() + 1) * dy
    assert layout.foot_width_mm == (c.max() - c.min() + 1) * dx
    # the outline: convex, closed, spans exactly the foot's box, every cell inside it
    outline = layout.outline_mm
    assert np.array_equal(outline[0], outline[-1])
    edges = np.diff(outline, axis=0)
    turns = edges[:-1, 0] * edges[1:, 1] - edges[:-1, 1] * edges[1:, 0]
    assert np.all(turns > 0)  # counter-clockwise, strictly convex
    assert outline[:, 1].min() == 0 and outline[:, 1].max() == layout.foot_length_mm
    assert np.isclose(outline[:, 0].max(), layout.foot_width_mm / 2)
    assert np.isclose(outline[:, 0].min(), -layout.foot_width_mm / 2)
    for x, y in zip(layout.x_mm, layout.y_mm, strict=True):
        for sx, sy in ((-1, -1), (1, -1), (1, 1), (-1, 1)):
            px, py = x + sx * dx / 2, y + sy * dy / 2
            # inside or on every edge of a counter-clockwise polygon
            cross = edges[:, 0] * (py - outline[:-1, 1]) - edges[:, 1] * (px - outline[:-1, 0])
            assert np.all(cross >= -1e-9)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"rows": 0}, "rows must be a positive integer"),
        ({"cols": 2.5}, "cols must be a positive integer"),
        ({"row_spacing_mm": 0.0}, "row_spacing_mm must be a positive"),
        ({"col_spacing_mm": float("nan")}, "col_spacing_mm must be a positive"),
        ({"mask": np.ones((3, 3), dtype=bool)}, "mask must have shape (4, 3)"),
        ({"mask": np.zeros((4, 3), dtype=bool)}, "keeps no cell"),
        ({"mask": np.full((4, 3), 2)}, "booleans"),
        ({"first_row": "middle"}, "first_row"),
        ({"first_col": "left"}, "first_col"),
        ({"rows": 100, "cols": 50}, "at most 4096"),
    ],
)
def test_grid_layout_rejects_bad_arguments(kwargs: dict[str, object], message: str) -> None:
    arguments: dict[str, object] = {
        "rows": 4,
        "cols": 3,
        "row_spacing_mm": 10.0,
        "col_spacing_mm": 10.0,
        **kwargs,
    }
    with pytest.raises(ValueError) as info:
        grid_layout(**arguments)  # type: ignore[arg-type]
    assert message in str(info.value)


# --- round trips ------------------------------------------------------------------------------


def _with_custom_regions(layout: SensorLayout) -> SensorLayout:
    n = layout.n_sensors
    hallux = (layout.u > 0.85) & (layout.x_mm > 0)
    return dataclasses.replace(
        layout,
        name="custom insole",
        regions={
            **dict(layout.regions),
            "hallux": hallux,
            # a region may be given as sensor indices too
            "arch": np.flatnonzero((layout.u > 0.3) & (layout.u < 0.5) & (layout.x_mm > 0)),  # type: ignore[dict-item]
            "never_loaded": np.zeros(n, dtype=bool),  # an empty region survives too
            "heel": layout.u < 0.2,  # a standard name that differs from its band
        },
    )


@pytest.mark.parametrize(
    "make",
    [
        lambda: simulated_layout(99),
        lambda: simulated_layout(1),
        gaitpdb8_layout,
        lambda: moticon16_layout(area_scale=0.7),
        lambda: grid_layout(31, 11, 8.4, 8.4, mask=np.random.default_rng(1).random((31, 11)) > 0.2),
        lambda: _with_custom_regions(simulated_layout(40)),
    ],
)
def test_write_then_read_gives_an_equal_layout_for_both_feet(tmp_path: Path, make) -> None:
    layout = make()
    path = tmp_path / "layout.csv"
    write_layout(path, layout)
    back = read_layout(path)
    assert set(back) == {"left", "right"}
    assert back["left"] is back["right"]
    assert back["left"] == layout
    assert "side" not in path.read_text().splitlines()[-layout.n_sensors - 1]
    assert not list(tmp_path.glob("*.tmp"))


def test_different_layouts_per_side_round_trip_with_a_side_column(tmp_path: Path) -> None:
    left = _with_custom_regions(moticon16_layout())
    right = dataclasses.replace(moticon16_layout(), name="right one", foot_length_mm=270.0)
    path = tmp_path / "pair.csv"
    write_layout(path, {"left": left, "right": right})
    text = path.read_text()
    assert "# foot_width_mm: 100" in text  # shared settings are written once
    assert "# left.name: custom insole" in text and "# right.name: right one" in text
    back = read_layout(path)
    assert back["left"] == left and back["right"] == right
    assert back["left"] != back["right"]


def test_two_equal_sides_are_written_once(tmp_path: Path) -> None:
    layout = gaitpdb8_layout()
    path = tmp_path / "both.csv"
    write_layout(path, {"left": layout, "right": layout})
    header = next(line for line in path.read_text().splitlines() if not line.startswith("#"))
    assert "side" not in header.split(",")
    assert read_layout(path)["right"] == layout


def test_one_side_alone_round_trips(tmp_path: Path) -> None:
    layout = simulated_layout(8)
    path = tmp_path / "right.csv"
    write_layout(path, {"right": layout})
    back = read_layout(path)
    assert list(back) == ["right"] and back["right"] == layout


# --- reading hand-written files -----------------------------------------------------------------


def test_a_hand_written_csv(tmp_path: Path) -> None:
    lines = [
        "# A layout measured with a ruler; the comment: with a colon is free text",
        "# name: bench insole",
        "",
        "sensor, x_mm, y_mm, area_mm2, regions",
        "3, 15, 200, 144, metatarsals;first_ray",
        "1, -10, 30, 100, ",
        '2, 12, 35, 100, "heel;first_ray"',
        "4, -20, 190, 144,",
    ]
    path = tmp_path / "bench.csv"
    path.write_bytes(("\ufeff" + "\n".join(lines) + "\n").encode("utf-8"))  # with a BOM
    layout = read_layout(path)["left"]
    # sensors by number, not by row
    np.testing.assert_allclose(layout.x_mm, [-10, 12, 15, -20])
    np.testing.assert_allclose(layout.y_mm, [30, 35, 200, 190])
    assert layout.name == "bench insole"
    pitch = np.sqrt(np.median([100, 100, 144, 144]))
    assert layout.foot_length_mm == pytest.approx(200 + pitch / 2)
    assert layout.foot_width_mm == pytest.approx(2 * 20 + pitch)
    # default outline: the foot's box
    assert layout.outline_mm[:, 0].max() == pytest.approx(layout.foot_width_mm / 2)
    assert layout.outline_mm[:, 1].max() == pytest.approx(layout.foot_length_mm)
    assert layout.regions["first_ray"].tolist() == [False, True, True, False]
    assert layout.regions["heel"].tolist() == [False, True, False, False]  # given by the file
    assert layout.regions["metatarsals"].tolist() == [False, False, True, False]
    # standard regions not in the file come from the bands
    assert layout.regions["medial"].tolist() == list(layout.x_mm > 0)


def test_a_side_column_and_per_side_settings(tmp_path: Path) -> None:
    lines = [
        "# foot_length_mm: 250",
        "# foot_width_mm: 90",
        "# right.foot_length_mm: 255",
        "# left.outline_mm: -45 0; 45 0; 40 250",
        "# left.outline_mm: -40 250",
        "sensor,x_mm,y_mm,area_mm2,side",
        "1,-10,30,100,left",
        "1,-11,31,101,RIGHT",
        "2,10,150,100,left",
        "2,11,151,101,right",
    ]
    path = tmp_path / "pair.csv"
    path.write_text("\n".join(lines))  # no final newline: fine
    back = read_layout(path)
    assert back["left"].foot_length_mm == 250 and back["right"].foot_length_mm == 255
    assert back["left"].foot_width_mm == back["right"].foot_width_mm == 90
    np.testing.assert_allclose(back["right"].x_mm, [-11, 11])
    np.testing.assert_allclose(
        back["left"].outline_mm, [(-45, 0), (45, 0), (40, 250), (-40, 250), (-45, 0)]
    )
    assert back["right"].outline_mm.shape == (5, 2)  # the default box


def test_a_json_grid(tmp_path: Path) -> None:
    mask = ["0110", "1111", "1111", "1110", "0100"]
    path = tmp_path / "grid.json"
    path.write_text(
        json.dumps(
            {
                "name": "sheet",
                "grid": {
                    "rows": 5,
                    "cols": 4,
                    "row_spacing_mm": 10,
                    "col_spacing_mm": 7.5,
                    "mask": mask,
                    "first_row": "toe",
                },
            },
            indent=2,
        )
    )
    back = read_layout(path)
    expected = grid_layout(
        5,
        4,
        10.0,
        7.5,
        mask=np.array([[ch == "1" for ch in row] for row in mask]),
        name="sheet",
        first_row="toe",
    )
    assert back["left"] is back["right"] and back["left"] == expected
    # and the CSV it writes reads back the same
    csv_path = tmp_path / "grid.csv"
    write_layout(csv_path, back["left"])
    assert read_layout(csv_path)["left"] == expected


def test_a_json_grid_per_side(tmp_path: Path) -> None:
    grid = {
        "rows": 3,
        "cols": 3,
        "row_spacing_mm": 10,
        "col_spacing_mm": 10,
        "mask": ["110", "111", "011"],
    }
    path = tmp_path / "sides.json"
    path.write_text(
        json.dumps(
            {
                "left": {"grid": grid},
                "right": {"name": "R", "grid": {**grid, "first_col": "medial"}},
            }
        )
    )
    back = read_layout(path)
    assert back["left"].name == "grid3x3-7" and back["right"].name == "R"
    np.testing.assert_allclose(back["right"].x_mm, -back["left"].x_mm)


# --- errors name the file and the line ---------------------------------------------------------

HEADER = "sensor,x_mm,y_mm,area_mm2"
GOOD = ["1,-10,30,100", "2,10,30,100", "3,0,150,100"]


def _csv_case(bad: str, *, extra: str = "", before: tuple[str, ...] = ()):
    """A table whose sensor 2 is ``bad``; the good rows get ``extra`` cells (``column=cell``)
    for the extra columns."""
    header = HEADER + ("," + ",".join(c.split("=")[0] for c in extra.split()) if extra else "")
    cells = "".join("," + c.split("=")[1] for c in extra.split())
    lines = [*before, header, GOOD[0] + cells, bad, *(g + cells for g in GOOD[2:])]
    return lines, lines.index(bad) + 1


CSV_ERRORS = [
    # (lines, line of the problem, words in the message)
    (["# name: x", "sensor,x_mm,area_mm2", *GOOD], 2, "missing column y_mm"),
    (["sensor,x_mm,y_mm,area_mm2,weight", *GOOD], 1, "unknown column 'weight'"),
    (["sensor,x_mm,x_mm,y_mm,area_mm2", *GOOD], 1, "appears twice"),
    (*_csv_case("2,ten,30,100"), "x_mm: 'ten' is not a"),
    (*_csv_case("2,10,30,0"), "area_mm2 must be positive"),
    (*_csv_case("2,10,30,-5"), "area_mm2 must be positive"),
    (*_csv_case("1,10,30,100"), "sensor 1 appears twice (first at line 2)"),
    (*_csv_case("2,10,30"), "has 3 fields, the header (line 1) 4"),
    (*_csv_case("2,10,30,100,7"), "has 5 fields"),
    (*_csv_case("2.5,10,30,100"), "sensor: '2.5' is not a whole number"),
    (*_csv_case("2,10,-3,100"), "behind the heel"),
    (*_csv_case("2,10,30,100,lft", extra="side=left"), "side: 'lft' is not 'left' or 'right'"),
    (*_csv_case("2,10,30,100,", extra="side=right"), "side: '' is not"),
    (*_csv_case("2,10,30,100", extra="side=left"), "has 4 fields, the header (line 1) 5"),
    (*_csv_case("2,10,30,100,heel,arch", extra="regions=heel"), "has 6 fields"),
    (*_csv_case("2,10,30,100,heel;arch!", extra="regions=heel"), "'arch!' is not a region"),
    (
        *_csv_case("2,10,30,100,arch", extra="regions=", before=("# regions: hallux",)),
        "not among the regions declared at line 1",
    ),
    (*_csv_case("2,60,30,100", before=("# foot_width_mm: 100",)), "x_mm 60 is outside the foot"),
    (*_csv_case("2,10,300,100", before=("# foot_length_mm: 260",)), "beyond the toe end"),
]


@pytest.mark.parametrize(("lines", "line", "words"), CSV_ERRORS)
def test_csv_errors_name_the_file_and_line(
    tmp_path: Path, lines: list[str], line: int, words: str
) -> None:
    path = tmp_path / "broken.csv"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(FileFormatError) as info:
        read_layout(path)
    error = info.value
    assert error.path == path
    assert error.line == line, str(error)
    assert words in str(error)
    assert str(error).startswith(f"{path}: line {line}:")


@pytest.mark.parametrize(
    ("lines", "bad", "words"),
    [
        (["# foot_length_mm: long", HEADER, *GOOD], "# foot_length_mm: long", "not a positive"),
        (["# foot_width_mm: -4", HEADER, *GOOD], "# foot_width_mm: -4", "not a positive"),
        (["# name: a", "# name: b", HEADER, *GOOD], "# name: b", "set twice (first at line 1)"),
        (["# outline_mm: 0 0; 1 x", HEADER, *GOOD], "# outline_mm: 0 0; 1 x", "not a vertex"),
        (["# outline_mm: 0 0; 1 1", HEADER, *GOOD], "# outline_mm: 0 0; 1 1", "three distinct"),
        (["# left.name: L", HEADER, *GOOD], "# left.name: L", "no side column"),
        (
            ["# right.name: R", HEADER + ",side", *(g + ",left" for g in GOOD)],
            "# right.name: R",
            "no right rows",
        ),
        (["# just a comment", HEADER], HEADER, "no sensors"),
        (
            ["# name: only settings", "# foot_length_mm: 3"],
            "# foot_length_mm: 3",
            "no column header",
        ),
        ([HEADER, "0,-10,30,100", "2,10,30,100"], "2,10,30,100", "sensor 1 is missing"),
        ([HEADER, *GOOD[:2], "4,0,150,100"], "4,0,150,100", "sensor 3 is missing"),
        ([HEADER, "3,-10,30,100", "4,10,30,100"], "3,-10,30,100", "must start at 1 (or 0)"),
        (
            [HEADER + ",side", "1,-10,30,100,left", "1,-10,30,100,right", "1,0,40,100,right"],
            "1,0,40,100,right",
            "sensor 1 of the right side appears twice (first at line 3)",
        ),
    ],
)
def test_more_csv_errors(tmp_path: Path, lines: list[str], bad: str, words: str) -> None:
    path = tmp_path / "broken.csv"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(FileFormatError) as info:
        read_layout(path)
    assert info.value.path == path
    assert info.value.line == len(lines) - lines[::-1].index(bad), str(info.value)
    assert words in str(info.value)


def test_a_cut_row_says_the_file_may_be_cut(tmp_path: Path) -> None:
    path = tmp_path / "cut.csv"
    path.write_text("\n".join([HEADER, *GOOD, "4,10"]))  # no final newline
    with pytest.raises(FileFormatError, match="cut short") as info:
        read_layout(path)
    assert info.value.line == 5


def _grid(**changes: object) -> dict[str, object]:
    grid: dict[str, object] = {
        "rows": 3,
        "cols": 4,
        "row_spacing_mm": 10,
        "col_spacing_mm": 8,
        "mask": ["0110", "1111", "0110"],
    }
    grid.update(changes)
    return {"name": "g", "grid": grid}


@pytest.mark.parametrize(
    ("document", "marker", "words"),
    [
        (_grid(rows=0), '"rows"', "grid.rows must be a positive integer"),
        (_grid(rows=True), '"rows"', "grid.rows must be a positive integer"),
        (_grid(col_spacing_mm="8"), '"col_spacing_mm"', "must be a positive number"),
        (_grid(mask=["0110", "1121", "0110"]), '"1121"', "mask row 1: '1121' is not 4"),
        (_grid(mask=["0110", "111", "0110"]), '"111"', "mask row 1"),
        (_grid(mask=["0110", "1111"]), '"mask"', "list of 3 strings"),
        (_grid(mask=["0000", "0000", "0000"]), '"grid"', "keeps no cell"),
        (_grid(first_col="left"), '"first_col"', "first_col must be"),
        (_grid(spacing=3), '"spacing"', "unknown key grid.'spacing'"),
        ({"name": "g", "grid": {"rows": 3}}, '"grid"', "has no 'cols'"),
        ({"name": "g"}, "{", "needs a 'grid' object"),
        ({"name": 5, "grid": _grid()["grid"]}, '"name"', "name must be a string"),
        ({"left": {"grid": _grid()["grid"]}, "grid": _grid()["grid"]}, '"left"', "not both"),
        ({"left": {"grid": _grid()["grid"], "side": 1}}, '"side"', "unknown key left.'side'"),
        ({"right": []}, '"right"', "right must be an object"),
    ],
)
def test_json_errors_name_the_file_and_line(
    tmp_path: Path, document: dict[str, object], marker: str, words: str
) -> None:
    text = json.dumps(document, indent=2)
    path = tmp_path / "grid.json"
    path.write_text(text)
    expected_line = text[: text.index(marker)].count("\n") + 1
    with pytest.raises(FileFormatError) as info:
        read_layout(path)
    assert info.value.path == path
    assert words in str(info.value)
    assert info.value.line == expected_line, str(info.value)


def test_json_syntax_errors_name_the_line(tmp_path: Path) -> None:
    lines = ["{", '  "name": "g",', '  "grid": {"rows": 3,,}', "}"]
    path = tmp_path / "bad.json"
    path.write_text("\n".join(lines))
    with pytest.raises(FileFormatError, match="not valid JSON") as info:
        read_layout(path)
    assert info.value.line == 3


def test_missing_and_empty_files(tmp_path: Path) -> None:
    with pytest.raises(FileFormatError, match="no such file"):
        read_layout(tmp_path / "absent.csv")
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(FileFormatError, match="empty"):
        read_layout(tmp_path / "empty.csv")


# --- what write_layout refuses ------------------------------------------------------------------


def test_write_layout_refuses_what_the_format_cannot_hold(tmp_path: Path) -> None:
    layout = simulated_layout(10)
    with pytest.raises(ValueError, match="CSV"):
        write_layout(tmp_path / "x.json", layout)
    odd_region = dataclasses.replace(layout, regions={"first ray": np.ones(10, dtype=bool)})
    with pytest.raises(ValueError, match="region name 'first ray'"):
        write_layout(tmp_path / "x.csv", odd_region)
    behind = dataclasses.replace(layout, y_mm=layout.y_mm - 50)
    with pytest.raises(ValueError, match="behind the heel"):
        write_layout(tmp_path / "x.csv", behind)
    with pytest.raises(ValueError, match="'left' and/or 'right'"):
        write_layout(tmp_path / "x.csv", {"middle": layout})
    with pytest.raises(ValueError, match="line breaks"):
        write_layout(tmp_path / "x.csv", dataclasses.replace(layout, name="a\nb"))
    assert not list(tmp_path.iterdir())  # nothing written, no temporary left
