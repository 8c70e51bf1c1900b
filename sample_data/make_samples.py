"""Regenerate the bundled sample files: ``python sample_data/make_samples.py``.

Every file here is made by this project's own generator with a fixed seed; each has its
ground-truth parameters beside it (``<name>.truth.json``). A test checks that running this
script again reproduces the committed files byte for byte.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from pressure.simulator.simple import SimpleWalk, write_capture

HERE = Path(__file__).resolve().parent

WALKS = {
    "walk_simple.insole": SimpleWalk(seconds=10.0, rate_hz=100.0, sensors=16, seed=1),
}


def line_mode_example() -> tuple[str, dict[str, object]]:
    """The same kind of walk as a hobby board would print it: millis, side, 16 values."""
    walk = SimpleWalk(seconds=2.0, rate_hz=50.0, sensors=16, seed=2)
    left, right = walk.values()
    rows = ["# t_ms, side, 16 FSR readings (PROTOCOL.md section 5)"]
    for k in range(walk.n_frames):
        t_ms = round(k * 1000 / walk.rate_hz)
        rows.append(f"{t_ms}ms,L," + ",".join(str(v) for v in left[k]))
        rows.append(f"{t_ms}ms,R," + ",".join(str(v) for v in right[k]))
    return "\r\n".join(rows) + "\r\n", {"generator": "pressure.simulator.simple", **asdict(walk)}


def main() -> None:
    for name, walk in WALKS.items():
        write_capture(HERE / name, walk, ground_truth=True)
    text, truth = line_mode_example()
    (HERE / "line_mode_example.txt").write_bytes(text.encode("ascii"))
    (HERE / "line_mode_example.txt.truth.json").write_text(json.dumps(truth, indent=2) + "\n")


if __name__ == "__main__":
    main()
