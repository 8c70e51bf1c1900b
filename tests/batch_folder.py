"""A folder of mixed sessions for the batch tests and benchmark: the shared reference data
(several formats), the bundled samples, simulator walks, three broken files and a few files
that are not sessions. Built by copying into a temporary folder, never into the repository."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

from pressure.simulator import GaitSignal, SyntheticGait
from pressure.simulator.output import write_recording

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"

GAITNDD = ("als1", "als2", "als3", "control1", "control2", "control3", "hunt1", "park1")
GAITPDB = ("GaCo01_01", "GaCo02_01", "GaCo03_01", "JuCo01_01", "SiCo01_01", "GaPt03_01")
EXTDATA = (
    "pedar_example.asc",
    "pliance_test.asc",
    "emed_test.lst",
    "fscan_testL.asf",
    "xsensor_data.csv",
    "stappone_example.csv",
    "footscan_test.xls",
    "iscan_test.csv",
)
#: files that are not sessions: listed as skipped, not errors
NOT_SESSIONS = ("README.txt", "notes/demographics.csv", "gaitpdb/PROVENANCE.tsv", "LICENSE.md")
#: damaged copies of readable files: errors
BROKEN = ("extdata/broken_pedar.asc", "gaitpdb/GaCo99_01.txt", "sim/damaged.insole")


#: a few bundled samples, one of them a table with its layout file
SMALL_SAMPLES = (
    "walk_normal.insole",
    "stand_quiet.insole",
    "fsr8_walk.csv",
    "fsr8_walk.layout.csv",
)


def copy_samples(dest: Path, names: tuple[str, ...] = SMALL_SAMPLES) -> None:
    """Copy bundled samples into ``dest``."""
    for name in names:
        shutil.copy(ROOT / "sample_data" / name, dest)


def build(dest: Path, *, simulated: int = 3, simulated_s: float = 30.0) -> set[str]:
    """Fill ``dest``; returns the ids (paths relative to ``dest``) of the good sessions."""
    good: set[str] = set()
    (dest / "gaitndd").mkdir(parents=True)
    for record in GAITNDD:
        for suffix in (".hea", ".let", ".rit", ".ts"):
            shutil.copy(SHARED_DATA / "gaitndd" / f"{record}{suffix}", dest / "gaitndd")
        good.add(f"gaitndd/{record}.hea")
    (dest / "gaitpdb").mkdir()
    for name in GAITPDB:
        shutil.copy(SHARED_DATA / "gaitpdb" / f"{name}.txt", dest / "gaitpdb")
        good.add(f"gaitpdb/{name}.txt")
    shutil.copy(SHARED_DATA / "gaitpdb" / "PROVENANCE.tsv", dest / "gaitpdb")
    (dest / "extdata").mkdir()
    for name in (
        *EXTDATA,
        "pedar_geometry.csv",
        "pedar_sensor_areas_mm2.csv",
        "stappone_geometry.csv",
    ):
        shutil.copy(SHARED_DATA / "pressure_r_extdata" / name, dest / "extdata")
    good.update(f"extdata/{name}" for name in EXTDATA)
    (dest / "moticon").mkdir()
    shutil.copy(SHARED_DATA / "moticon" / "230927_102114.txt", dest / "moticon")
    good.add("moticon/230927_102114.txt")
    (dest / "fscan_pair").mkdir()
    for name in ("FrasP01L.asf", "FrasP01R.asf"):
        shutil.copy(SHARED_DATA / "fscan_footpress" / name, dest / "fscan_pair")
    good.add("fscan_pair/FrasP01L.asf")
    (dest / "samples").mkdir()
    for name in (
        "walk_normal.insole",
        "walk_left_heavy.insole",
        "walk_medial_shift.insole",
        "stand_quiet.insole",
        "fsr8_walk.csv",
        "fsr8_walk.layout.csv",
    ):
        shutil.copy(ROOT / "sample_data" / name, dest / "samples")
    good.update(
        f"samples/{n}"
        for n in ("walk_normal.insole", "walk_left_heavy.insole", "walk_medial_shift.insole")
    )
    good.update({"samples/stand_quiet.insole", "samples/fsr8_walk.csv"})
    (dest / "sim").mkdir()
    for seed in range(simulated):
        gait = SyntheticGait(seconds=simulated_s, seed=100 + seed, left_share_pct=45.0 + 3 * seed)
        write_recording(dest / "sim" / f"walk_{seed}.insole", GaitSignal(gait))
        good.add(f"sim/walk_{seed}.insole")

    # three broken files
    lines = (dest / "extdata" / "pedar_example.asc").read_text(encoding="latin-1").splitlines()
    lines[-3] = lines[-3].replace("\t", "\tabc", 1) if "\t" in lines[-3] else lines[-3] + " abc"
    (dest / BROKEN[0]).write_text("\n".join(lines) + "\n", encoding="latin-1")
    rows = (dest / "gaitpdb" / "GaCo01_01.txt").read_text().splitlines()
    rows[50] = " ".join(rows[50].split()[:7])  # a ragged row
    (dest / BROKEN[1]).write_text("\n".join(rows) + "\n")
    (dest / BROKEN[2]).write_bytes(np.random.default_rng(7).bytes(4096))

    (dest / "README.txt").write_text("Pilot study, site A. Files as exported.\n")
    (dest / "notes").mkdir()
    (dest / "notes" / "demographics.csv").write_text("subject,age,sex\nS01,54,f\nS02,61,m\n")
    (dest / "LICENSE.md").write_text("CC-BY 4.0\n")
    return good
