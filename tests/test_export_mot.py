"""``pressure convert FILE OUT.mot``: OpenSim storage that reads back equal to the session's
forces and centres of pressure (``pressure.cop``), mapped from the foot frame to OpenSim's axes
as ``pressure.export.mot`` documents; sessions a ``.mot`` cannot hold are refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import pressure
from pressure.cli import main
from pressure.cop import foot_cop
from pressure.export import write_mot
from pressure.export.mot import mot_columns
from pressure.layout import simulated_layout
from pressure.model import FootRecording, Session

from .conftest import ROOT, shared_data

WALK = ROOT / "sample_data" / "walk_normal.insole"  # 20 s, both feet, kPa with sensor areas
RAW = ROOT / "sample_data" / "line_mode_example.txt"  # raw units, no sensor layout


def read_mot(path: Path) -> tuple[list[str], pd.DataFrame]:
    """The header lines (to ``endheader``) and the table, parsed here without OpenSim."""
    lines = path.read_text("utf-8").splitlines()
    end = lines.index("endheader")
    columns = lines[end + 1].split("\t")
    rows = [line.split("\t") for line in lines[end + 2 :]]
    table = pd.DataFrame(np.array(rows, dtype=np.float64), columns=columns)
    return lines[:end], table


def expected_columns(session: Session) -> dict[str, np.ndarray]:
    """The columns the module docstring promises, from the session's own load and CoP."""
    out: dict[str, np.ndarray] = {}
    for side, foot in session.feet.items():
        cop = foot_cop(foot)
        assert cop is not None
        force, unit = foot.load()
        assert unit == "n"
        defined = np.isfinite(cop.x_mm) & np.isfinite(cop.y_mm) & np.isfinite(force)
        zero = np.zeros(foot.n_frames)
        sign = 1.0 if side == "left" else -1.0  # +x medial: right of a left foot, left of a right
        values = [
            zero,
            np.where(defined, force, 0.0),
            zero,
            np.where(defined, cop.y_mm / 1000.0, 0.0),
            zero,
            np.where(defined, sign * cop.x_mm / 1000.0, 0.0),
            zero,
            zero,
            zero,
        ]
        out.update(zip(mot_columns(side), values, strict=True))
    return out


def test_a_sample_walk_reads_back_equal_to_the_session(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "walk.mot"
    assert main(["convert", str(WALK), str(out)]) == 0
    err = capsys.readouterr().err
    assert err.splitlines()[-1] == (
        f"wrote {out}: insole session (2000 left, 2000 right frames) as 2000 samples at 100 Hz"
    )
    header, table = read_mot(out)
    assert header == ["walk.mot", "version=1", "nRows=2000", "nColumns=19", "inDegrees=no"]
    assert list(table.columns) == ["time", *mot_columns("left"), *mot_columns("right")]
    assert [c[:2] for c in table.columns[1:]] == ["l_"] * 9 + ["r_"] * 9
    session = pressure.load(WALK)
    np.testing.assert_allclose(table["time"], session.feet["left"].time_s, rtol=0, atol=5e-7)
    for name, values in expected_columns(session).items():
        # 9 significant digits: relative error under 5e-9
        np.testing.assert_allclose(table[name], values, rtol=5e-9, atol=1e-12, err_msg=name)
    left_loaded = table["l_ground_force_vy"] > 0
    assert 0.5 < left_loaded.mean() < 0.7  # stance, with the swing written as 0
    assert (table.loc[left_loaded, "l_ground_force_px"] > 0).all()  # anterior of the heel
    assert "force and point written as 0 at 780 of 2000 samples" in err

    # pandas reads it as OpenSim's own examples are read (header skipped)
    again = pd.read_csv(out, sep="\t", skiprows=len(header) + 1)
    pd.testing.assert_frame_equal(again, table, check_dtype=False, check_exact=False, rtol=1e-12)


#: the ExternalLoads the README shows, with OpenSim's document around it
EXTERNAL_LOADS = (
    """<?xml version="1.0" encoding="UTF-8" ?>
<OpenSimDocument Version="40000">
<ExternalLoads name="insoles">
  <objects>
"""
    + "".join(
        f"""    <ExternalForce name="{side}_insole">
      <applied_to_body>calcn_{side}</applied_to_body>
      <force_expressed_in_body>calcn_{side}</force_expressed_in_body>
      <point_expressed_in_body>calcn_{side}</point_expressed_in_body>
      <force_identifier>{side}_ground_force_v</force_identifier>
      <point_identifier>{side}_ground_force_p</point_identifier>
      <torque_identifier>{side}_ground_torque_</torque_identifier>
    </ExternalForce>
"""
        for side in ("l", "r")
    )
    + """  </objects>
  <datafile>walk.mot</datafile>
</ExternalLoads>
</OpenSimDocument>
"""
)


def test_opensim_applies_the_columns_as_external_forces(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """OpenSim's own reader and ``ExternalLoads`` (when OpenSim is installed): the force and
    point each ``ExternalForce`` takes at a time are the session's."""
    monkeypatch.chdir(tmp_path)  # OpenSim writes opensim.log into the working folder
    osim: Any = pytest.importorskip(
        "opensim", reason="OpenSim has wheels for CPython 3.11 on x86-64 Linux only"
    )
    session = pressure.load(WALK)
    write_mot(session, tmp_path / "walk.mot")
    storage = osim.Storage(str(tmp_path / "walk.mot"))
    assert storage.getSize() == 2000 and not storage.isInDegrees()
    (tmp_path / "insoles.xml").write_text(EXTERNAL_LOADS, encoding="utf-8")
    model = osim.Model()
    for side in ("l", "r"):
        body = osim.Body(f"calcn_{side}", 1.0, osim.Vec3(0), osim.Inertia(0.01))
        model.addBody(body)
        model.addJoint(osim.FreeJoint(f"free_{side}", model.getGround(), body))
    loads = osim.ExternalLoads(str(tmp_path / "insoles.xml"), True)
    model.addModelComponent(loads)
    model.initSystem()
    expected = expected_columns(session)
    for side, foot in (("l", "left"), ("r", "right")):
        force = osim.ExternalForce.safeDownCast(loads.get(f"{side}_insole"))
        for k in (0, 52, 137, 1500):
            t = float(session.feet[foot].time_s[k])
            f, p = force.getForceAtTime(t), force.getPointAtTime(t)
            got = [f.get(0), f.get(1), f.get(2), p.get(0), p.get(1), p.get(2)]
            want = [expected[c][k] for c in mot_columns(foot)[:6]]
            np.testing.assert_allclose(got, want, rtol=1e-7, atol=1e-9)


def test_moticon_walk_with_the_devices_forces(tmp_path: Path) -> None:
    """A real export: the device's own total force, the feet starting 0.5 s apart, frames
    lost; where a foot has no frame its force and point are 0."""
    source = shared_data("moticon", "230927_102114.txt")
    session = pressure.load(source)
    out = tmp_path / "moticon.mot"
    assert main(["convert", str(source), str(out)]) == 0
    _, table = read_mot(out)
    assert len(table) == 1751
    at = np.rint(session.feet["left"].time_s * 100).astype(int)
    foot = session.feet["left"]
    cop = foot_cop(foot)
    assert cop is not None and foot.total_force_n is not None
    defined = np.isfinite(cop.x_mm)
    np.testing.assert_allclose(
        table["l_ground_force_vy"].to_numpy()[at], np.where(defined, foot.total_force_n, 0.0),
        rtol=5e-9,
    )  # fmt: skip
    assert (table["l_ground_force_vy"].to_numpy()[:50] == 0).all()  # before its first frame


def _foot(side: Any, unit: str = "n", layout: Any = None) -> FootRecording:
    t = np.arange(100) / 100.0
    values = np.full((100, 16), 10.0)
    return FootRecording(side, t, values, unit, 100.0, layout=layout)


def test_a_one_foot_session_has_its_columns_only(tmp_path: Path) -> None:
    session = Session(Path("x"), "x", None, _foot("right", layout=simulated_layout(16)))
    write_mot(session, tmp_path / "right.mot")
    header, table = read_mot(tmp_path / "right.mot")
    assert "nColumns=10" in header
    assert list(table.columns) == ["time", *mot_columns("right")]
    np.testing.assert_allclose(table["r_ground_force_vy"], 160.0)


@pytest.mark.parametrize(
    ("session", "message"),
    [
        (Session(Path("raw.txt"), "x", _foot("left", "raw"), None), "load is in raw units"),
        (Session(Path("nolayout.csv"), "x", _foot("left"), None), "has no sensor layout"),
    ],
    ids=["raw units", "no layout"],
)
def test_what_a_mot_cannot_hold_is_refused(tmp_path: Path, session: Session, message: str) -> None:
    with pytest.raises(pressure.FileFormatError, match=message):
        write_mot(session, tmp_path / "out.mot")
    assert list(tmp_path.iterdir()) == []


def test_refusals_on_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "raw.mot"
    assert main(["convert", str(RAW), str(out)]) == 3
    (line,) = capsys.readouterr().err.splitlines()
    assert "the left foot's load is in raw units, not newtons" in line
    existing = tmp_path / "walk.mot"
    existing.write_text("keep me")
    assert main(["convert", str(WALK), str(existing)]) == 2
    assert existing.read_text() == "keep me"
    assert main(["convert", str(WALK), str(existing), "--overwrite"]) == 0
    assert existing.read_text().startswith("walk.mot\nversion=1\n")
    with pytest.raises(pressure.UsageError, match=r"ends in \.mot"):
        write_mot(pressure.load(WALK), tmp_path / "walk.sto")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["walk.mot"]
