"""Regenerate the bundled sample files: ``python sample_data/make_samples.py``.

Every file here is made by this project's own generator (``pressure.simulator.gait``) with a
fixed seed; each has its ground truth beside it (``<name>.truth.json``). A test checks that
running this script again reproduces the committed files byte for byte.
"""

from __future__ import annotations

import json
from pathlib import Path

from pressure.io.layout_file import write_layout
from pressure.layout import simulated_layout
from pressure.simulator.gait import SyntheticGait
from pressure.simulator.output import write_recording
from pressure.simulator.signals import GaitSignal

HERE = Path(__file__).resolve().parent

RECORDINGS = {
    # a typical healthy walk: even load, gait line on the insole's centre line
    "walk_normal.insole": SyntheticGait(seconds=20.0, seed=1),
    # the left foot carries 58% of the load
    "walk_left_heavy.insole": SyntheticGait(seconds=20.0, seed=2, left_share_pct=58.0),
    # gait line shifted medially by 15% of foot width (pronation-like)
    "walk_medial_shift.insole": SyntheticGait(seconds=20.0, seed=3, ml_offset_pct=15.0),
    # quiet standing, 4 mm RMS sway, slightly more on the left
    "stand_quiet.insole": SyntheticGait(
        seconds=20.0, seed=4, activity="stand", left_share_pct=52.0, sway_mm=4.0
    ),
}


def line_mode_example() -> tuple[str, dict[str, object]]:
    """A walk as a hobby board would print it: millis, side, 16 values (0.1 kPa counts)."""
    gait = SyntheticGait(seconds=2.0, rate_hz=50.0, seed=5)
    left, right = gait.values()
    rows = ["# t_ms, side, 16 FSR readings (PROTOCOL.md section 5)"]
    for k in range(gait.n_frames):
        t_ms = round(k * 1000 / gait.rate_hz)
        rows.append(f"{t_ms}ms,L," + ",".join(str(v) for v in left[k]))
        rows.append(f"{t_ms}ms,R," + ",".join(str(v) for v in right[k]))
    return "\r\n".join(rows) + "\r\n", gait.truth()


def fsr_csv_example() -> tuple[str, dict[str, object]]:
    """A home-made 8-FSR insole pair as a generic CSV (``pressure.io.readers.generic_csv``):
    a time column and one column per sensor and foot, in kPa; its layout file is beside it."""
    gait = SyntheticGait(seconds=20.0, rate_hz=50.0, sensors=8, seed=6)
    left, right = gait.values()
    n = gait.sensors
    header = ["time_s", *(f"L{k}" for k in range(1, n + 1)), *(f"R{k}" for k in range(1, n + 1))]
    rows = ["# unit: kpa", ",".join(header)]
    for k in range(gait.n_frames):
        cells = [f"{k / gait.rate_hz:.2f}"]
        cells += [f"{v * gait.pressure_scale_kpa:.1f}" for v in (*left[k], *right[k])]
        rows.append(",".join(cells))
    return "\n".join(rows) + "\n", gait.truth()


def _write_truth(path: Path, truth: dict[str, object]) -> None:
    path.with_name(path.name + ".truth.json").write_text(json.dumps(truth, indent=2) + "\n")


def main() -> None:
    for name, gait in RECORDINGS.items():
        path = HERE / name
        truth = gait.truth()
        write_recording(path, GaitSignal(gait), session={"simulated": truth}, overwrite=True)
        _write_truth(path, truth)
    text, truth = line_mode_example()
    (HERE / "line_mode_example.txt").write_bytes(text.encode("ascii"))
    _write_truth(HERE / "line_mode_example.txt", truth)
    text, truth = fsr_csv_example()
    (HERE / "fsr8_walk.csv").write_bytes(text.encode("ascii"))
    _write_truth(HERE / "fsr8_walk.csv", truth)
    write_layout(HERE / "fsr8_walk.layout.csv", simulated_layout(8))


if __name__ == "__main__":
    main()
