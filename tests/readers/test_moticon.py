"""The Moticon OpenGo text export reader and the Moticon 16-sensor layout.

Data read from ../shared/data/moticon (the moticon-opengo package's example exports, Apache-2.0;
never copied into the repository: damaged variants are written to pytest's tmp_path).
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from pressure.errors import FileFormatError
from pressure.io import table as table_parser
from pressure.io.load import detect_format, load
from pressure.io.readers import moticon, readers
from pressure.io.text import read_head
from pressure.layouts_builtin import (
    builtin_layout,
    foot_to_moticon_norm,
    moticon16_layout,
    moticon_norm_to_foot,
)
from pressure.model import Session

from ..conftest import shared_data
from .helpers import check_session, inside, read_by_lines


def moticon_cop_norm(session: Session, side: str) -> tuple[np.ndarray, np.ndarray]:
    """Our CoP (force-weighted centroid of the layout's sensors) in Moticon's normalised units,
    next to the vendor's, over the frames where the vendor gives one."""
    foot = session.feet[side]
    assert foot.layout is not None
    force = foot.sensor_force_n()
    assert force is not None
    total = force.sum(axis=1)
    valid = ~np.isnan(foot.vendor["cop_ap_norm"])
    x_mm = force[valid] @ foot.layout.x_mm / total[valid]
    y_mm = force[valid] @ foot.layout.y_mm / total[valid]
    ap, ml = foot_to_moticon_norm(x_mm, y_mm, foot.layout)
    ours = np.column_stack([ap, ml])
    theirs = np.column_stack([foot.vendor["cop_ap_norm"], foot.vendor["cop_ml_norm"]])[valid]
    return ours, theirs


def test_moticon_walk_cop_force_and_steps():
    path = shared_data("moticon", "230927_102114.txt")
    session = load(path)
    check_session(session, "moticon")
    assert session.metadata["insole_size"] == 7
    assert session.duration_s == pytest.approx(17.5, abs=0.05)
    assert session.metadata["duration_s"] == pytest.approx(17.496)
    assert session.sampling_rate_hz == 100.0
    rows = session.quality["rows"]
    for side, foot in session.feet.items():
        assert (foot.n_sensors, foot.unit) == (16, "n_cm2")
        assert foot.layout == moticon16_layout()
        assert foot.n_frames == rows - session.quality[f"rows_without_{side}"]
        assert foot.values.min() >= 0.0
        assert set(foot.vendor) >= {"cop_ap_norm", "cop_ml_norm", "acc_z_g", "gyro_x_dps"}
        # the insole lies flat: gravity on the z axis, about 1 g
        assert np.median(foot.vendor["acc_z_g"]) == pytest.approx(1.0, abs=0.1)

        ours, theirs = moticon_cop_norm(session, side)
        rms = np.sqrt(np.mean((ours - theirs) ** 2, axis=0))
        print(f"moticon {side}: CoP RMS (AP, ML) = {rms[0]:.2e}, {rms[1]:.2e} normalised units")
        assert len(ours) > 1000 and np.all(rms < 0.005)

        force = foot.sensor_force_n()
        assert force is not None and foot.total_force_n is not None
        error = force.sum(axis=1) - foot.total_force_n
        loaded = foot.total_force_n >= 50
        ratio = np.median(force.sum(axis=1)[loaded] / foot.total_force_n[loaded])
        force_rms = np.sqrt(np.mean(error**2))
        print(f"moticon {side}: total force RMS error {force_rms:.2f} N, ratio {ratio:.4f}")
        assert force_rms < 1.0  # the vendor's total is whole newtons
        assert ratio == pytest.approx(1.0, abs=0.005)
        assert session.metadata["layout_area_scale"] == pytest.approx(1.0, abs=0.005)

    # 7 steps a side: heel strike then toe off, alternating
    for side in ("left", "right"):
        strikes = session.events[side]["heel_strike_s"]
        offs = session.events[side]["toe_off_s"]
        assert len(strikes) == len(offs) == 7
        assert np.all(strikes < offs) and np.all(offs[:-1] < strikes[1:])
    assert session.quality["unknown_step_codes"] == 0


def test_moticon_steps_match_the_vendor_gait_report():
    openpyxl = pytest.importorskip("openpyxl")
    session = load(shared_data("moticon", "230927_102114.txt"))
    book = openpyxl.load_workbook(
        shared_data("moticon", "gait_report_230927_10_21_14.xlsx"), read_only=True
    )
    for side, sheet in (("left", "Left Steps"), ("right", "Right Steps")):
        rows = [r for r in book[sheet].iter_rows(min_row=2, values_only=True) if r[0] is not None]
        report = np.array([(r[1], r[2]) for r in rows], dtype=float)
        # the report has ms; the export marks the 10 ms row that holds the event
        np.testing.assert_allclose(session.events[side]["heel_strike_s"], report[:, 0], atol=0.011)
        np.testing.assert_allclose(session.events[side]["toe_off_s"], report[:, 1], atol=0.011)
    book.close()


def test_moticon_size3_export_with_user_events():
    session = load(shared_data("moticon", "walk_data_with_events", "text_export.txt"))
    check_session(session, "moticon")
    assert session.metadata["insole_size"] == 3
    # a size-3 insole's sensors are 0.70 times as large as size 7's (fitted to the total force)
    scale = session.metadata["layout_area_scale"]
    assert scale == pytest.approx(0.70, abs=0.01)
    for side, foot in session.feet.items():
        assert foot.layout is not None and foot.layout.name.startswith("moticon16*")
        ours, theirs = moticon_cop_norm(session, side)
        rms = np.sqrt(np.mean((ours - theirs) ** 2, axis=0))
        print(f"moticon size 3 {side}: CoP RMS (AP, ML) = {rms[0]:.2e}, {rms[1]:.2e}")
        assert np.all(rms < 0.005)
        force = foot.sensor_force_n()
        assert force is not None and foot.total_force_n is not None
        assert np.sqrt(np.mean((force.sum(axis=1) - foot.total_force_n) ** 2)) < 3.0
        assert set(session.events[side]) == {"event_1_s", "event_2_s"}
        assert len(session.events[side]["event_1_s"]) == 4
        assert "cop_velocity_norm_per_s" in foot.vendor
    events = session.metadata["vendor_events"]
    assert len(events) == 16 and {e["label"] for e in events} == {"Event"}
    assert {e["group"] for e in events} == {"Left Events", "Right Events"}


def test_moticon16_layout_map_is_exact_and_inside_the_outline():
    layout = builtin_layout("moticon16")
    assert layout.n_sensors == 16 and layout.foot_length_mm == 260.0
    ap, ml = foot_to_moticon_norm(layout.x_mm, layout.y_mm, layout)
    x, y = moticon_norm_to_foot(ap, ml, layout)
    np.testing.assert_allclose(x, layout.x_mm, atol=1e-12)
    np.testing.assert_allclose(y, layout.y_mm, atol=1e-12)
    np.testing.assert_allclose(ap[[0, 13]], [-0.4037, 0.4131], atol=1e-12)
    np.testing.assert_allclose(ml[[6, 12]], [0.2422, -0.4623], atol=1e-12)
    assert layout.area_mm2[0] == pytest.approx(1236.4)
    assert inside(layout.outline_mm, layout.x_mm, layout.y_mm).all()
    smaller = moticon16_layout(0.7)
    np.testing.assert_allclose(smaller.u, layout.u)
    np.testing.assert_allclose(smaller.w, layout.w)
    np.testing.assert_allclose(smaller.area_mm2, 0.7 * layout.area_mm2)
    assert builtin_layout("sim16").n_sensors == 16
    with pytest.raises(KeyError, match="gaitpdb8, moticon16"):
        builtin_layout("pedar99")


def _moticon_text() -> tuple[str, list[str]]:
    lines = shared_data("moticon", "230927_102114.txt").read_text(encoding="utf-8").split("\n")
    return "\n".join(lines), lines


def test_moticon_damaged(tmp_path):
    path = tmp_path / "walk.txt"
    text, lines = _moticon_text()
    data = text.encode()
    path.write_bytes(data[: len(data) - 300])
    with pytest.raises(FileFormatError, match="probably truncated") as err:
        load(path)
    assert err.value.line == data[: len(data) - 300].count(b"\n") + 1

    header_end = next(k for k, line in enumerate(lines) if line.startswith("# time"))
    damaged = list(lines)
    damaged[header_end + 500] = damaged[header_end + 500] + "\t1.0"
    path.write_text("\n".join(damaged), encoding="utf-8")
    with pytest.raises(FileFormatError, match="54 fields, expected 53") as err:
        load(path)
    assert err.value.line == header_end + 501

    damaged = list(lines)
    cells = damaged[header_end + 700].split("\t")
    cells[23] = "12,5"  # a decimal comma in the left total force (column 24)
    damaged[header_end + 700] = "\t".join(cells)
    path.write_text("\n".join(damaged), encoding="utf-8")
    with pytest.raises(FileFormatError, match=r"left total force\[N\]: '12,5'") as err:
        load(path)
    assert err.value.line == header_end + 701

    damaged = list(lines)
    cells = damaged[header_end + 800].split("\t")
    cells[3] = ""  # one empty cell in a sample of the left foot
    damaged[header_end + 800] = "\t".join(cells)
    path.write_text("\n".join(damaged), encoding="utf-8")
    with pytest.raises(FileFormatError, match="left foot's sample has 1 of 25 cells empty") as e:
        load(path)
    assert e.value.line == header_end + 801

    path.write_text("\n".join(lines[:5]) + "\n", encoding="utf-8")
    with pytest.raises(FileFormatError, match="ends in its header") as err:
        load(path)
    assert err.value.line == 5


def assert_same(a: object, b: object, where: str = "session") -> None:
    """Equal bit for bit: arrays by dtype, shape, layout and bytes (NaN where NaN), dataclasses
    field by field, dicts in the same key order."""
    if isinstance(a, np.ndarray):
        assert isinstance(b, np.ndarray), where
        assert (a.dtype, a.shape, a.flags.c_contiguous) == (b.dtype, b.shape, b.flags.c_contiguous)
        assert a.tobytes() == b.tobytes(), where
    elif isinstance(a, dict):
        assert isinstance(b, dict) and list(a) == list(b), where
        for key in a:
            assert_same(a[key], b[key], f"{where}[{key!r}]")
    elif isinstance(a, (list, tuple)):
        assert type(a) is type(b) and len(a) == len(b), where
        for k, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same(x, y, f"{where}[{k}]")
    elif dataclasses.is_dataclass(a) and not isinstance(a, type):
        assert type(a) is type(b), where
        for f in dataclasses.fields(a):
            assert_same(getattr(a, f.name), getattr(b, f.name), f"{where}.{f.name}")
    else:
        assert type(a) is type(b) and (a == b or (a != a and b != b)), (where, a, b)


def _pandas_reads(path: Path) -> bool:
    """Whether the table parser's pandas path reads the Moticon file's data block."""
    tables: list[object] = []
    by_pandas = table_parser._by_pandas

    def spy(*args: Any) -> object:
        tables.append(by_pandas(*args))
        return tables[-1]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(table_parser, "_by_pandas", spy)
        with contextlib.suppress(FileFormatError):
            moticon.read(path)
    return bool(tables) and tables[0] is not None


@pytest.mark.parametrize(
    "parts", [("230927_102114.txt",), ("walk_data_with_events", "text_export.txt")]
)
def test_moticon_pandas_and_line_by_line_reads_agree(parts):
    path = shared_data("moticon", *parts)
    assert _pandas_reads(path), "a clean export takes the pandas path"
    assert_same(moticon.read(path), read_by_lines(moticon.read, path))


def _edit_cell(line: str, column: int, value: str) -> str:
    cells = line.split("\t")
    cells[column] = value
    return "\t".join(cells)


def _edit_line(row: int, edit: Callable[[str], str]) -> Callable[[list[str]], list[str]]:
    return lambda rows: [edit(line) if k == row else line for k, line in enumerate(rows)]


def _only_step_code(code: str) -> Callable[[list[str]], list[str]]:
    """The left steps column (52) empty but for one cell."""
    return lambda rows: [
        _edit_cell(line, 52, code if k == 40 else "") for k, line in enumerate(rows)
    ]


# (what, edit of the data lines (text after the column header), whether pandas may read them)
MOTICON_EDITS: list[tuple[str, Callable[[list[str]], list[str]], bool]] = [
    ("crlf line ends", lambda rows: [line + "\r" for line in rows], True),
    ("no final newline", lambda rows: rows, True),
    ("spaces around a number", _edit_line(40, lambda line: _edit_cell(line, 5, " 2.5 ")), True),
    ("one empty cell of a foot", _edit_line(40, lambda line: _edit_cell(line, 3, "")), True),
    ("time going back", _edit_line(40, lambda line: _edit_cell(line, 0, "0.01")), True),
    ("a steps code 21 alone", _only_step_code("21"), True),
    ("True as the only steps code", _only_step_code("True"), False),  # pandas: 1.0
    ("nan as the only steps code", _only_step_code("nan"), False),
    (
        "-Infinity in a pressure",
        _edit_line(40, lambda line: _edit_cell(line, 5, "-Infinity")),
        False,
    ),
    ("1_000 in a pressure", _edit_line(40, lambda line: _edit_cell(line, 5, "1_000")), False),
    ("a short row", _edit_line(40, lambda line: line.rsplit("\t", 1)[0]), False),
    ("a long row", _edit_line(40, lambda line: line + "\t1"), False),
    ("a blank line", _edit_line(40, lambda line: "\n" + line), False),
    # a line of tabs is a blank line to the line parse; pandas would read a row of empty
    # cells, so it declines. An empty time cell is the same error either way
    ("a line of tabs", _edit_line(40, lambda line: "\t" * 52 + "\n" + line), False),
    ("a lone carriage return", _edit_line(40, lambda line: line.replace("\t", "\r", 1)), False),
    ("an empty time cell", _edit_line(40, lambda line: _edit_cell(line, 0, "")), True),
]


@pytest.mark.parametrize(
    ("what", "edit", "pandas_path"), MOTICON_EDITS, ids=[e[0] for e in MOTICON_EDITS]
)
def test_moticon_pandas_path_leaves_what_it_cannot_match_to_the_line_reader(
    tmp_path, what, edit, pandas_path
):
    """The file is read as the line-by-line reader reads it, or refused with its error (same
    message, same line), whichever path takes it; pandas takes only what it reads the same."""
    _, lines = _moticon_text()
    header_end = next(k for k, line in enumerate(lines) if line.startswith("# time"))
    assert lines[-1] == ""  # the file ends with a newline
    rows = edit(lines[header_end + 1 : -1])
    path = tmp_path / "walk.txt"
    text = "\n".join(lines[: header_end + 1] + rows) + ("" if what == "no final newline" else "\n")
    path.write_bytes(text.encode("utf-8"))
    assert _pandas_reads(path) == pandas_path
    try:
        expected = read_by_lines(moticon.read, path)
    except FileFormatError as err:
        with pytest.raises(FileFormatError) as got:
            load(path)
        assert (str(got.value), got.value.line) == (str(err), err.line)
    else:
        assert_same(load(path), expected)


# --- an export re-saved by a spreadsheet (issue 16) -----------------------------------------


def _resaved(source: Path, sep: str, decimal_comma: bool, encoding: str, bom: bool) -> bytes:
    """The tab-separated export as a spreadsheet saves it as CSV: every cell joined by ``sep``,
    header lines padded with empty cells to the table's width and quoted where they hold the
    separator, CRLF line ends, numbers with a decimal comma where asked."""
    lines = source.read_text(encoding="utf-8").split("\n")
    at = next(k for k, line in enumerate(lines) if line.startswith("# time"))
    width = len(lines[at].split("\t"))
    out = []
    for line in lines[:at]:
        cell = '"' + line.replace('"', '""') + '"' if sep in line or '"' in line else line
        out.append(cell + sep * (width - 1))
    out.append(sep.join(lines[at].split("\t")))
    for line in lines[at + 1 :]:
        if line:
            cells = line.split("\t")
            out.append(sep.join(c.replace(".", ",") if decimal_comma else c for c in cells))
    text = "\r\n".join(out) + "\r\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding)


@pytest.mark.parametrize(
    "parts", [("230927_102114.txt",), ("walk_data_with_events", "text_export.txt")]
)
@pytest.mark.parametrize(
    ("sep", "decimal_comma", "encoding", "bom"),
    [(",", False, "utf-8", True), (";", True, "cp1252", False), (",", False, "cp1252", False)],
    ids=["comma-utf8-bom", "semicolon-decimal-comma-cp1252", "comma-cp1252"],
)
def test_moticon_export_resaved_as_csv_reads_the_same(
    tmp_path, parts, sep, decimal_comma, encoding, bom
):
    source = shared_data("moticon", *parts)
    path = tmp_path / "export.csv"
    path.write_bytes(_resaved(source, sep, decimal_comma, encoding, bom))
    assert detect_format(path) == "moticon"
    head = read_head(path)
    assert [r.NAME for r in readers() if r.detect(path, head)] == ["moticon"]  # moticon alone
    original, again = moticon.read(source), load(path)
    check_session(again, "moticon")
    assert again.metadata.pop("separator") == sep
    assert again.metadata.pop("decimal_comma", False) == decimal_comma
    assert_same(again.metadata, original.metadata)
    for name in ("left", "right", "events", "quality", "problems"):
        assert_same(getattr(again, name), getattr(original, name), name)
    # a damaged cell is still named by its line
    lines = path.read_bytes().split(b"\r\n")
    at = next(k for k, line in enumerate(lines) if line.lstrip(b'"').startswith(b"# time"))
    cells = lines[at + 300].split(sep.encode())
    cells[5] = b"abc"
    lines[at + 300] = sep.encode().join(cells)
    path.write_bytes(b"\r\n".join(lines))
    with pytest.raises(FileFormatError, match="'abc' is not a") as err:
        load(path)
    assert err.value.line == at + 301
