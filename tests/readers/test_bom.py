"""A UTF-8 byte-order mark at the start of a text file (Excel's "CSV UTF-8", Notepad) changes
nothing: a copy of each text format's example file with a mark before its first byte reads as
the same session (``pressure.io.text`` drops the mark in one place for every reader).

The copy is written to tmp_path; the files the reader needs beside it (the other foot of a
pair, geometry tables, a WFDB record's signal files) are linked there unchanged. Binary formats
(the project's ``.insole`` recordings, footscan's ``.xls``) have no text to mark and are not
here. Data: ../shared/data (see ``test_conformance``) and sample_data.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pressure.errors import FileFormatError
from pressure.io.load import detect_format, load
from pressure.io.readers import generic_csv
from pressure.io.text import UTF8_BOM

from ..conftest import ROOT, shared_data
from .helpers import assert_same_feet

R = "pressure_r_extdata"
#: (format, the file under ../shared/data or sample_data)
EXAMPLES = [
    ("gaitpdb", ("gaitpdb", "GaCo01_01.txt")),
    ("gaitndd", ("gaitndd", "als1.hea")),
    ("moticon", ("moticon", "230927_102114.txt")),
    ("moticon", ("moticon", "walk_data_with_events", "text_export.txt")),
    ("pedar", (R, "pedar_example.asc")),
    ("pliance", (R, "pliance_test.asc")),
    ("emed", (R, "emed_test.lst")),
    ("stappone", (R, "stappone_example.csv")),
    ("fscan", (R, "fscan_testL.asf")),
    ("fscan", ("fscan_footpress", "FrasP01L.asf")),
    ("iscan", (R, "iscan_test.csv")),
    ("xsensor", (R, "xsensor_data.csv")),
    ("generic_csv", ("sample_data", "fsr8_walk.csv")),
    ("insole", ("sample_data", "line_mode_example.txt")),
]


def _source(parts: tuple[str, ...]) -> Path:
    return ROOT.joinpath(*parts) if parts[0] == "sample_data" else shared_data(*parts)


def _with_bom(source: Path, folder: Path) -> Path:
    """A copy of ``source`` starting with a byte-order mark, its siblings linked beside it."""
    for sibling in source.parent.iterdir():
        if sibling.is_file() and sibling != source:
            (folder / sibling.name).symlink_to(sibling)
    target = folder / source.name
    target.write_bytes(UTF8_BOM + source.read_bytes())
    return target


@pytest.mark.parametrize(
    ("fmt", "parts"),
    [pytest.param(*example, id=f"{example[0]}-{example[1][-1]}") for example in EXAMPLES],
)
def test_a_byte_order_mark_gives_the_same_session(
    fmt: str, parts: tuple[str, ...], tmp_path: Path
) -> None:
    source = _source(parts)
    target = _with_bom(source, tmp_path)
    assert target.read_bytes().startswith(UTF8_BOM)
    assert detect_format(target) == fmt
    original, marked = load(source), load(target)
    assert marked.format == original.format == fmt
    assert_same_feet(marked, original)
    for side, foot in original.feet.items():
        again = marked.feet[side]
        assert again.vendor.keys() == foot.vendor.keys()
        for name, column in foot.vendor.items():
            np.testing.assert_array_equal(again.vendor[name], column, err_msg=name)
    assert marked.events.keys() == original.events.keys()
    for side, kinds in original.events.items():
        for name, times in kinds.items():
            np.testing.assert_array_equal(marked.events[side][name], times)
    quality = dict(original.quality)
    if "bytes_total" in quality:  # a wire capture counts the bytes it read: the mark's too
        quality["bytes_total"] += len(UTF8_BOM)
    assert marked.quality == quality
    assert marked.problems == [p.replace(str(source), str(target)) for p in original.problems]


def test_a_file_holding_only_a_byte_order_mark_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(UTF8_BOM)
    with pytest.raises(FileFormatError, match="empty"):
        generic_csv.read(path)
