"""Every reader's example, damaged as files get damaged (truncated, a ragged row, text in a
number, NaN, infinity, 1e308, −500, a duplicated or swapped line, bytes that are not UTF-8, CRLF
line ends, a byte-order mark, huge numbers in the header): each case ends in one clear error
(``PressureError``) or a session whose analysis has no absurd number, never a traceback."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import pytest

from pressure.analysis import analyze
from pressure.errors import PressureError
from pressure.io.load import load

from ..conftest import ROOT, shared_data

#: examples: the project's own, and the other systems' in ../shared/data (one per reader; the
#: project's recordings have their own damage suite, tests/test_recording_damage.py)
EXAMPLES = [
    ("sample", "fsr8_walk.csv"),
    ("sample", "line_mode_example.txt"),
    ("shared", "pressure_r_extdata/emed_test.lst"),
    ("shared", "pressure_r_extdata/pedar_example.asc"),
    ("shared", "pressure_r_extdata/pliance_test.asc"),
    ("shared", "pressure_r_extdata/iscan_test.csv"),
    ("shared", "pressure_r_extdata/fscan_testL.asf"),
    ("shared", "pressure_r_extdata/xsensor_data.csv"),
    ("shared", "pressure_r_extdata/stappone_example.csv"),
    ("shared", "pressure_r_extdata/footscan_test.xls"),
    ("shared", "moticon/230927_102114.txt"),
    ("shared", "gaitpdb/GaCo01_01.txt"),
    ("shared", "gaitndd/control1.hea"),
]
#: files that go with an example (its geometry, the other files of a WFDB record)
COMPANIONS = {
    "stappone_example.csv": ["stappone_geometry.csv"],
    "control1.hea": ["control1.let", "control1.rit", "control1.ts", "subject-description.txt"],
}
#: the largest magnitude a summary number may have (N, kPa, mm, s, %): beyond it is absurd
ABSURD = 1e7


def _mutations(data: bytes) -> Iterator[tuple[str, bytes]]:
    lines = data.split(b"\n")
    mid = len(lines) // 2

    def edit(k: int, old: bytes, new: bytes) -> bytes:
        changed = list(lines)
        for at in range(k, min(k + 3, len(changed))):
            changed[at] = changed[at].replace(old, new, 1)
        return b"\n".join(changed)

    yield "truncated", data[: len(data) // 3]
    yield "ragged", b"\n".join([*lines[:mid], lines[mid] + b",9", *lines[mid + 1 :]])
    yield "text", edit(mid, b"0", b"x")
    for token in (b"nan", b"inf", b"1e308", b"-500"):
        yield token.decode(), edit(mid, b"0", token)
    yield "duplicated", b"\n".join([*lines[: mid + 1], *lines[mid:]])
    swapped = list(lines)
    if mid + 5 < len(swapped):
        swapped[mid], swapped[mid + 5] = swapped[mid + 5], swapped[mid]
    yield "swapped", b"\n".join(swapped)
    yield "not utf-8", data.replace(b"\n", b"\xff\xfe\n", 3)
    yield "crlf", data.replace(b"\n", b"\r\n")
    yield "bom", b"\xef\xbb\xbf" + data
    yield "huge header numbers", data.replace(b"1", b"999999999", 2)


def _absurd(summary: object, key: str = "") -> list[tuple[str, float]]:
    if isinstance(summary, dict):
        return [bad for k, v in summary.items() for bad in _absurd(v, f"{key}.{k}")]
    number = isinstance(summary, int | float) and not isinstance(summary, bool)
    if number and not (math.isfinite(summary) and abs(summary) <= ABSURD):  # type: ignore[arg-type]
        return [(key, float(summary))]  # type: ignore[arg-type]
    return []


@pytest.mark.parametrize(("where", "name"), EXAMPLES, ids=[n for _, n in EXAMPLES])
def test_a_damaged_example_gives_one_error_or_a_sane_result(
    tmp_path: Path, where: str, name: str
) -> None:
    source = ROOT / "sample_data" / name if where == "sample" else shared_data(name)
    layout = source.with_name(source.stem + ".layout.csv")
    for kind, data in _mutations(source.read_bytes()):
        path = tmp_path / kind.replace(" ", "_") / source.name
        path.parent.mkdir()
        path.write_bytes(data)
        if layout.exists():  # a generic table's layout goes with it
            path.with_name(layout.name).write_bytes(layout.read_bytes())
        for companion in COMPANIONS.get(source.name, []):
            if source.with_name(companion).exists():
                path.with_name(companion).write_bytes(source.with_name(companion).read_bytes())
        try:
            session = load(path)
            result = analyze(session)
        except PressureError as exc:
            assert "\n" not in str(exc), (kind, str(exc))
            assert str(path) in str(exc) or path.name in str(exc), (kind, str(exc))
            continue
        assert _absurd(result.summary) == [], (kind, _absurd(result.summary))
