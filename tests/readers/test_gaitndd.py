"""The PhysioNet gaitndd reader (WFDB records: ``.hea`` header, ``.let``/``.rit`` force signals,
``.ts`` stride table), on the real records.

Data read from ../shared/data/gaitndd (PhysioNet gaitndd 1.0.0, ODC-By 1.0; never copied into the
repository: damaged copies are written to pytest's tmp_path).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pressure.errors import FileFormatError
from pressure.io.load import detect_format, load
from pressure.io.readers import gaitndd

from ..conftest import shared_data
from .helpers import check_session


def test_gaitndd_records():
    folder = shared_data("gaitndd")
    headers = sorted(folder.glob("*.hea"))
    # the folder grows: every record in it must read, whatever their number
    assert {f"{g}{k}.hea" for g in ("control", "hunt", "park", "als") for k in (1, 2, 3, 4)} <= {
        p.name for p in headers
    }
    for hea in headers:
        session = load(hea)
        check_session(session, "gaitndd")
        assert session.path == hea
        assert session.duration_s == pytest.approx(300.0)
        assert session.sampling_rate_hz == 300.0
        for foot in session.feet.values():
            assert (foot.n_frames, foot.n_sensors, foot.unit) == (90000, 1, "raw")
            assert foot.layout is None and foot.total_force_n is None
            values = foot.values[:, 0]
            assert np.isnan(values).sum() == session.quality[f"invalid_samples_{foot.side}"]
            # the database: about -1800 to -2000 in swing, high in stance
            assert -2100 < np.nanpercentile(values, 5) < -1200 < np.nanpercentile(values, 95)
        strides = session.metadata["reference_strides"]
        columns = session.metadata["reference_stride_columns"]
        assert strides.shape[1] == len(columns) == 13 and len(strides) > 100
        # the authors' table holds together: stride = swing + stance, per foot
        for side in ("left", "right"):
            stride = strides[:, columns.index(f"{side}_stride_s")]
            swing = strides[:, columns.index(f"{side}_swing_s")]
            stance = strides[:, columns.index(f"{side}_stance_s")]
            assert np.median(np.abs(stride - swing - stance)) < 0.01
        subject = session.metadata["subject"]
        assert subject["subject_id"] == hea.stem
        assert subject["group"] == hea.stem.rstrip("0123456789")
        assert 0.5 < np.median(strides[:, 1]) < 2.0
    # a folder scan finds each record once, on its header
    detected = [p.name for p in sorted(folder.iterdir()) if detect_format(p) == "gaitndd"]
    assert detected == [p.name for p in headers]


def test_gaitndd_record_by_any_of_its_files_or_its_name():
    hea = shared_data("gaitndd", "control2.hea")
    whole = load(hea)
    assert whole.quality["invalid_samples_left"] == 1  # sample 7581 is -2048: no sample
    for other in (hea.with_suffix(".let"), hea.with_suffix(".rit"), hea.with_suffix(".ts")):
        again = load(other)
        assert again.path == hea
        np.testing.assert_array_equal(again.feet["right"].values, whole.feet["right"].values)
    by_name = load(hea.with_suffix(""))
    assert by_name.metadata["record"] == "control2"


def test_gaitndd_subject_descriptions_broken_row_and_missing():
    subjects = gaitndd.subject_descriptions(shared_data("gaitndd", "subject-description.txt"))
    hunt20 = subjects["hunt20"]  # broken over two lines in the file
    assert hunt20["gait_speed_m_s"] is None and hunt20["duration_severity"] == 9.0
    assert (hunt20["age_yr"], hunt20["height_m"], hunt20["body_mass_kg"]) == (33.0, 1.57, 45.0)
    assert subjects["als4"]["gait_speed_m_s"] is None
    assert subjects["als13"]["body_mass_kg"] is None
    assert subjects["als1"]["group"] == "als" and subjects["als1"]["group_in_file"] == "subjects"
    assert subjects["park15"]["sex"] == "m"
    assert {s["group"] for s in subjects.values()} == {"als", "control", "hunt", "park"}


def _gaitndd_copy(tmp_path: Path, record: str = "park1") -> Path:
    for suffix in (".hea", ".let", ".rit", ".ts"):
        source = shared_data("gaitndd", record + suffix)
        (tmp_path / source.name).write_bytes(source.read_bytes())
    return tmp_path / f"{record}.hea"


def test_gaitndd_truncated_signal_file(tmp_path):
    hea = _gaitndd_copy(tmp_path)
    let = hea.with_suffix(".let")
    let.write_bytes(let.read_bytes()[:100_000])
    with pytest.raises(FileFormatError, match="truncated: 90000 samples") as err:
        load(hea)
    assert err.value.path == let and err.value.offset == 100_000


def test_gaitndd_damaged_header_and_stride_table(tmp_path):
    hea = _gaitndd_copy(tmp_path)
    good = hea.read_text()
    hea.write_text(good.replace("park1 2 300 90000", "park1 2 300 9x000"))
    with pytest.raises(FileFormatError, match="bad number of samples") as err:
        load(hea)
    assert err.value.line == 1
    hea.write_text(good)
    hea.with_suffix(".rit").unlink()
    with pytest.raises(FileFormatError, match=r"park1\.rit is missing") as err:
        load(hea)
    assert err.value.line == 3
    _gaitndd_copy(tmp_path)
    ts = hea.with_suffix(".ts")
    lines = ts.read_text().splitlines()
    lines[4] = lines[4].replace("\t", "\tx", 1)
    ts.write_text("\n".join(lines) + "\n")
    with pytest.raises(FileFormatError, match="left_stride_s: 'x") as err:
        load(hea)
    assert err.value.path == ts and err.value.line == 5
    (tmp_path / "park9.let").write_bytes(hea.with_suffix(".let").read_bytes())
    with pytest.raises(FileFormatError, match=r"record header park9\.hea is not beside it"):
        load(tmp_path / "park9.let")
