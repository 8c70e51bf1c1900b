"""The reader registry and the dispatcher ``pressure.io.load``: every reader listed once with its
interface, every example file claimed by its own reader alone, and files of no known format
named with what they look like.
"""

from __future__ import annotations

from fnmatch import fnmatch

import numpy as np
import pytest

from pressure.errors import FileFormatError
from pressure.io.load import detect_format, known_formats, load
from pressure.io.readers import reader_by_name, readers
from pressure.io.text import read_head

from ..conftest import ROOT, SHARED_DATA, shared_data


def test_registry_lists_each_reader_once_with_its_interface():
    names = [r.NAME for r in readers()]
    assert names == [
        "gaitndd",
        "gaitpdb",
        "moticon",
        "pedar",
        "pliance",
        "emed",
        "fscan",
        "iscan",
        "xsensor",
        "stappone",
        "footscan",
        "generic_csv",
        "insole",
    ]
    assert [n for n, _ in known_formats()] == names
    for reader in readers():
        assert reader_by_name(reader.NAME) is reader
        assert reader.DESCRIPTION and all(s.startswith(".") for s in reader.SUFFIXES)
        assert callable(reader.detect) and callable(reader.read)
    with pytest.raises(KeyError, match="known: gaitndd"):
        reader_by_name("tekscan")


def test_missing_empty_and_directory_are_named(tmp_path):
    with pytest.raises(FileFormatError, match="no such file") as err:
        load(tmp_path / "nothing.txt")
    assert err.value.path == tmp_path / "nothing.txt"
    (tmp_path / "empty.txt").write_bytes(b"")
    with pytest.raises(FileFormatError, match="the file is empty") as err:
        load(tmp_path / "empty.txt")
    assert str(tmp_path / "empty.txt") in str(err.value)
    assert "known formats" not in str(err.value)  # the message is short: no list of formats
    with pytest.raises(FileFormatError, match="is a folder; give one file") as err:
        load(tmp_path)


@pytest.mark.parametrize("suffix", [".txt", ".hea", ".insole", ".dat"])
def test_random_bytes_with_a_known_suffix(tmp_path, suffix):
    path = tmp_path / f"noise{suffix}"
    path.write_bytes(np.random.default_rng(7).integers(0, 256, 5000, dtype=np.uint8).tobytes())
    with pytest.raises(FileFormatError) as err:
        load(path)
    assert err.value.path == path and str(path) in str(err.value)
    assert err.value.offset is not None or err.value.line is not None
    if suffix in (".txt", ".dat"):  # no reader of its own: what it looks like, not a list
        assert "not a format this program reads: binary data" in str(err.value)
        assert "File formats" in str(err.value) and "gaitpdb" not in str(err.value)


def test_text_of_no_known_format(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("shopping list\neggs\n")
    with pytest.raises(FileFormatError, match="text starting 'shopping list'") as err:
        load(path)
    assert err.value.offset == 0


#: the session files among the example data, by format (``fnmatch`` patterns of their paths
#: under ../shared/data, or sample_data/NAME)
SESSIONS = {
    "gaitndd/*.hea": "gaitndd",  # a record is read from its header
    "gaitpdb/*_[0-9][0-9].txt": "gaitpdb",
    "moticon/230927_102114.txt": "moticon",
    "moticon/walk_data_with_events/text_export.txt": "moticon",
    "pressure_r_extdata/pedar_example.asc": "pedar",
    "pressure_r_extdata/pliance_test.asc": "pliance",
    "pressure_r_extdata/emed_test.lst": "emed",
    "pressure_r_extdata/fscan_testL.asf": "fscan",
    "pressure_r_extdata/iscan_test.csv": "iscan",
    "pressure_r_extdata/xsensor_data.csv": "xsensor",
    "pressure_r_extdata/stappone_example.csv": "stappone",
    "pressure_r_extdata/footscan_test.xls": "footscan",
    "fscan_footpress/FrasP01L.asf": "fscan",  # the pair is counted once, on its left file
    "sample_data/*.insole": "insole",
    "sample_data/line_mode_example.txt": "insole",
    "sample_data/fsr8_walk.csv": "generic_csv",  # a CSV with its layout file
}


def test_every_example_file_is_claimed_by_its_own_reader_alone():
    """Every reader is asked about every file of the example data: a session file is claimed by
    its own reader only, and detected as its format; no reader claims any other file (licences,
    geometry and demographic tables, a record's signal files, the right file of an F-Scan pair)."""
    shared_data()  # skips, or fails under PRESSURE_REQUIRE_DATA=1, without the data
    files = [(p, p.relative_to(SHARED_DATA).as_posix()) for p in sorted(SHARED_DATA.rglob("*"))]
    files += [(p, f"sample_data/{p.name}") for p in sorted((ROOT / "sample_data").iterdir())]
    files = [(path, name) for path, name in files if path.is_file()]
    for pattern in SESSIONS:
        assert any(fnmatch(name, pattern) for _, name in files), pattern
    for path, name in files:
        fmt = next((f for pattern, f in SESSIONS.items() if fnmatch(name, pattern)), None)
        head = read_head(path)
        assert [r.NAME for r in readers() if r.detect(path, head)] == ([fmt] if fmt else []), name
        assert detect_format(path) == fmt, name
