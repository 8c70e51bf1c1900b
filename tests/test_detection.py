"""One detection, one message: ``info``, ``analyze`` and ``convert`` (and ``batch``, for the
files it takes as sessions) detect a file through ``pressure.io.load.identify`` and say the same
thing, with the same exit status, when they cannot read it: the closest format and what is
missing when a reader says the file is nearly its format, else what the file looks like, never
the list of every format.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from pressure.cli import main
from pressure.errors import FileFormatError
from pressure.io.load import identify, load, near_miss
from pressure.io.readers import near_of, readers

from .conftest import ROOT, shared_data

INPUT = 3
SINGLE_FILE_COMMANDS = ("info", "analyze", "convert")


def _gaitpdb_rows(separator: str, decimal: str = ".") -> str:
    """A PhysioNet gaitpdb walk's first rows (time, 8 + 8 forces, 2 totals) with another
    separator than its tabs, as a spreadsheet saves it."""
    rows = []
    for k in range(20):
        cells = [f"{k / 100:.2f}", *(f"{(k * 7 + j) % 500:.1f}" for j in range(18))]
        rows.append(separator.join(c.replace(".", decimal) for c in cells))
    return "\r\n".join(rows) + "\r\n"


def _stappone_semicolons() -> str:
    names = ["sole_id", "timestamp", *(f"accel_{a}" for a in "xyz")]
    names += [f"pressure_{k:02d}" for k in range(1, 13)] + ["corrupt"]
    rows = [";".join(names)]
    rows += [";".join(["1", str(1768494979568 + 16 * k), *["0"] * 16]) for k in range(5)]
    return "\n".join(rows) + "\n"


def _pedar_without_sensor_type() -> str:
    header = ["file name:  S001.sol\tdate/time  25.04.23 10.49", "pressure values in  kPa", ""]
    columns = "time[secs]\t" + "\t".join(str(k) for k in range(1, 199))
    rows = ["\t".join([f"{k / 100:.5f}", *["10.000"] * 198]) for k in range(1, 6)]
    return "\n".join([*header, columns, *rows]) + "\n"


def _moticon_with_commas() -> bytes:
    """Case (a): a Moticon OpenGo export re-saved as comma-separated CSV."""
    text = shared_data("moticon", "230927_102114.txt").read_bytes()
    return text.replace(b"\t", b",")


def _generic_without_layout() -> bytes:
    """Case (e): the README's generic form (``sample_data/fsr8_walk.csv``) without its layout
    file."""
    return (ROOT / "sample_data" / "fsr8_walk.csv").read_bytes()


#: files no reader reads, by name: (file name, content, what the message must say)
UNREADABLE: dict[str, tuple[str, Callable[[], bytes | str], str]] = {
    "random-csv": (
        "people.csv",
        lambda: "name,age,city\nalice,31,Paris\nbob,42,Lyon\n",
        "not a format this program reads: text starting 'name,age,city'",
    ),
    "junk": ("junk.dat", lambda: random.Random(3).randbytes(3000), "binary data"),
    "empty": ("empty.csv", lambda: b"", "the file is empty"),
    "gaitpdb-commas": (
        "walk.txt",
        lambda: _gaitpdb_rows(","),
        "looks like a PhysioNet gaitpdb walk, but its 19 columns are comma-separated "
        "(expected tab-separated)",
    ),
    "gaitpdb-decimal-commas": (
        "walk.txt",
        lambda: _gaitpdb_rows(";", ","),
        "looks like a PhysioNet gaitpdb walk, but its 19 columns are semicolon-separated with "
        "decimal commas (expected tab-separated with decimal points)",
    ),
    "stappone-semicolons": (
        "sole.csv",
        _stappone_semicolons,
        "looks like a stappone insole export, but its columns are semicolon-separated "
        "(expected comma-separated)",
    ),
    "pedar-no-sensor-type": (
        "walk.asc",
        _pedar_without_sensor_type,
        "looks like a Novel pedar insole export, but its header has no 'sensor type:' line",
    ),
}


def _write(folder: Path, name: str, content: bytes | str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8", newline="")
    else:
        path.write_bytes(content)
    return path


def _said(
    capsys: pytest.CaptureFixture[str], path: Path, tmp_path: Path
) -> dict[str, tuple[int, list[str]]]:
    """Each single-file command's exit status and stderr lines on ``path``."""
    out: dict[str, tuple[int, list[str]]] = {}
    for command in SINGLE_FILE_COMMANDS:
        argv = [command, str(path)]
        if command == "convert":
            argv.append(str(tmp_path / "out" / f"{path.stem}.csv"))
            (tmp_path / "out").mkdir(exist_ok=True)
        code = main(argv)
        out[command] = (code, capsys.readouterr().err.splitlines())
    return out


@pytest.mark.parametrize("case", list(UNREADABLE))
def test_every_command_says_the_same_about_a_file_it_cannot_read(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name, content, expected = UNREADABLE[case]
    path = _write(tmp_path / "in", name, content())
    said = _said(capsys, path, tmp_path)
    lines = {command: err for command, (_, err) in said.items()}
    assert {code for code, _ in said.values()} == {INPUT}, said
    assert all(len(err) == 1 for err in lines.values()), lines
    messages = {err[0] for err in lines.values()}
    assert len(messages) == 1, messages  # the same words from every command
    (message,) = messages
    assert message.startswith(f"pressure: error: {path}: ")
    assert expected in message
    assert "known formats" not in message and "gaitndd" not in message  # no list of formats
    with pytest.raises(FileFormatError) as err:
        load(path)
    assert message == f"pressure: error: {err.value}"
    assert not list((tmp_path / "out").iterdir())  # convert wrote nothing


@pytest.mark.parametrize(
    ("name", "content"),
    [("moticon_comma.csv", _moticon_with_commas), ("walk.csv", _generic_without_layout)],
    ids=["a-moticon-with-commas", "e-generic-without-layout"],
)
def test_the_commands_agree_on_the_issues_examples(
    name: str, content: Callable[[], bytes], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Cases (a) and (e) of the issue: whether a reader reads them is the Moticon and generic
    readers' business; here, that every command does what ``load`` does with them: read them
    all, or refuse them all with its one line, whose reader-independent part is short."""
    path = _write(tmp_path / "in", name, content())
    said = _said(capsys, path, tmp_path)
    try:
        load(path)
    except FileFormatError as exc:
        expected: tuple[int, str] | None = (INPUT, f"pressure: error: {exc}")
    else:
        expected = None
    for command, (code, err) in said.items():
        if expected is None:
            assert code == 0 and not any("error" in line for line in err), (command, err)
        else:
            assert (code, err[-1:]) == (expected[0], [expected[1]]), (command, err)
            assert "known formats" not in expected[1]


def test_batch_says_what_load_says_of_the_sessions_it_cannot_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Files whose suffix only insole formats use are sessions to batch: its errors table and
    its failure lines carry the words ``info`` prints."""
    folder = tmp_path / "sessions"
    pedar = _write(folder, "walk.asc", _pedar_without_sensor_type())
    empty = _write(folder, "empty.asc", b"")
    assert main(["batch", str(folder), "-o", str(tmp_path / "out"), "--jobs", "1"]) == 1
    err = capsys.readouterr().err
    errors = pd.read_csv(tmp_path / "out" / "errors.csv")
    for path in (pedar, empty):
        assert main(["info", str(path)]) == INPUT
        message = capsys.readouterr().err.strip().removeprefix("pressure: error: ")
        assert message in errors["error"].tolist()
        assert f"pressure batch: failed: {message}" in err


def test_the_closest_format_is_the_first_near_miss_in_registry_order(tmp_path: Path) -> None:
    """A file that two readers say is nearly theirs is named after the one asked first; a file
    no reader says anything of has no closest format; a reader without ``near`` is passed over."""
    with_near = [r.NAME for r in readers() if near_of(r) is not None]
    assert {"gaitpdb", "gaitndd", "pedar", "stappone", "xsensor"} <= set(with_near)
    # every reader is asked (those without ``near`` passed over); the first that speaks wins
    path = _write(tmp_path, "walk.txt", _gaitpdb_rows(","))
    head = path.read_bytes()
    found = near_miss(path, head)
    assert found is not None and found[0].NAME == "gaitpdb"
    speaking = [r.NAME for r in readers() if (n := near_of(r)) is not None and n(path, head)]
    assert speaking[0] == "gaitpdb"
    detection = identify(path)
    assert detection.reader is None and detection.closest == "gaitpdb"
    other = _write(tmp_path, "people.csv", "name,age\nann,3\n")
    assert near_miss(other, other.read_bytes()) is None and identify(other).closest is None


def test_a_renamed_wfdb_record_is_named_with_the_name_its_header_gives(tmp_path: Path) -> None:
    record = shared_data("gaitndd", "als1.hea")
    renamed = _write(tmp_path, "patient.hea", record.read_bytes())
    with pytest.raises(FileFormatError) as err:
        load(renamed)
    assert "looks like a PhysioNet gaitndd record, but its header names the record 'als1'" in str(
        err.value
    )


def test_an_xsensor_export_with_semicolons_is_named(tmp_path: Path) -> None:
    original = shared_data("pressure_r_extdata", "xsensor_data.csv")
    path = _write(tmp_path, "x.csv", original.read_bytes().replace(b",", b";"))
    with pytest.raises(FileFormatError, match="looks like an XSENSOR export, but its cells are "):
        load(path)


def test_a_folder_and_a_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("info", "analyze"):
        assert main([command, str(tmp_path)]) == INPUT
        assert "is a folder; give one file (`pressure batch` takes a folder)" in (
            capsys.readouterr().err
        )
        assert main([command, str(tmp_path / "none.csv")]) == INPUT
        assert capsys.readouterr().err.strip().endswith("none.csv: no such file")


#: an ESP32's boot log, as a terminal saved it before the sketch printed its samples
_BOOT = (
    b"ets Jun  8 2016 00:22:57\r\n\r\nrst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\n"
    b"I (1234) wifi:wifi driver task: 3ffc1e4c, prio:23, stack:6656, core=0\r\n"
    b"I (1240) wifi:wifi firmware version: 3ce09e5\r\n"
)


@pytest.mark.parametrize("junk", ["boot log", "noise"])
@pytest.mark.parametrize("capture", ["binary", "line mode"])
def test_a_capture_after_more_junk_than_the_head_holds(
    tmp_path: Path, junk: str, capture: str
) -> None:
    """150 KiB of an ESP32's boot text or of bytes that are no frame before a capture (a
    terminal left logging through a long boot): the file is still a capture, every frame of
    it is read, and the junk is counted as skipped bytes and named in the first problems."""
    if capture == "binary":
        clean = tmp_path / "clean.bin"
        assert main(["simulate", "--out", str(clean), "--raw", "--seconds", "3"]) == 0
    else:
        clean = ROOT / "sample_data" / "line_mode_example.txt"
    data = clean.read_bytes()
    rng = random.Random(5)
    if junk == "noise":  # no sync word, no printable lines
        prefix = bytes(rng.choice(range(0x80, 0xA5)) for _ in range(150_000))
    else:
        prefix = _BOOT * (150_000 // len(_BOOT))
    path = tmp_path / ("junk.bin" if capture == "binary" else "junk.txt")
    path.write_bytes(prefix + data)
    whole, got = load(clean), load(path)
    assert got.format == whole.format
    for side, foot in whole.feet.items():
        assert got.feet[side].n_frames == foot.n_frames
    if capture == "binary" or junk == "noise":
        assert got.quality["bytes_skipped"] >= len(prefix)
    else:  # the boot lines of the last window are read as the text lines they are
        assert got.quality["bytes_skipped"] >= len(prefix) - 65536
        assert got.quality["text_lines"] > 0
    errors = got.metadata["wire"]["first_errors"]
    assert any("hold no frame and no sample lines" in e for e in errors), errors
