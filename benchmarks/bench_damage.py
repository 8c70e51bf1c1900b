"""What survives what, on a long recording (run on demand): ``python benchmarks/bench_damage.py``.

A 600 s two-foot walk (``pressure simulate --out --seconds 600 --seed 11``, 120,000 frames) is
damaged one way at a time and read back:

* bytes inserted (1 and 16), deleted (1 and 16) or a 4 KiB page zeroed, at 12 places each
  spread over the middle 80 % of the file (60 cases);
* a bit flipped in every header field of every kind of record: the lowest and the highest bit
  of each field (``tests/test_recording_damage.py`` lists the fields).

Each case is compared with the whole file (``measure``): whether it opens, frames lost a foot
(in flush blocks of 0.25 s), frames invented or moved (phantoms), the largest time difference
of a kept frame, and changes that no problem reports (silent ones).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _machine import machine  # noqa: E402

from pressure.cli import main  # noqa: E402
from pressure.errors import FileFormatError  # noqa: E402
from pressure.io.load import load  # noqa: E402
from tests.test_recording_damage import flip_cases, measure  # noqa: E402


def run(seconds: float, seed: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "rec.insole"
        argv = ["simulate", "--out", str(path), "--seconds", str(seconds), "--seed", str(seed)]
        assert main(argv) == 0
        whole = load(path)
        raw = path.read_bytes()
        rate = max(foot.sampling_rate_hz for foot in whole.feet.values())
        per_block = 0.25 * rate
        frames = sum(foot.n_frames for foot in whole.feet.values())
        print(f"{seconds:g} s, {frames} frames, {len(raw)} bytes; {machine()}")
        cases: dict[str, list[tuple[int, bytearray]]] = {}
        for kind in ("insert 1", "insert 16", "delete 1", "delete 16", "zero 4096"):
            name, amount = kind.split()
            n = int(amount)
            for k in range(12):
                at = int(len(raw) * (0.1 + 0.8 * k / 11))
                damaged = bytearray(raw)
                if name == "insert":
                    damaged[at:at] = bytes(range(7, 7 + n))
                elif name == "delete":
                    del damaged[at : at + n]
                else:
                    damaged[at : at + n] = bytes(n)
                cases.setdefault("bytes inserted, deleted or zeroed", []).append((at, damaged))
        for _, at, bit in flip_cases(raw):
            damaged = bytearray(raw)
            damaged[at] ^= 1 << bit
            cases.setdefault("a bit flipped in a header field", []).append((at, damaged))
        target = Path(folder) / "damaged.insole"
        for group, items in cases.items():
            opened, lost, phantom, shift, silent = 0, [], 0, 0.0, 0
            for _, case in items:
                target.write_bytes(bytes(case))
                try:
                    got = measure(load(target), whole)
                except FileFormatError:
                    continue
                opened += 1
                lost.append(max(got.lost.values()))
                phantom += got.phantom
                shift = max(shift, got.shift_s)
                silent += got.changed and not got.reported
            print(
                f"{group}: {len(items)} cases, opened {opened}, frames lost a foot median "
                f"{statistics.median(lost):g} max {max(lost)} ({max(lost) / per_block:.2f} "
                f"blocks), phantom frames {phantom}, largest time shift {shift * 1e3:.3f} ms, "
                f"silent changes {silent}"
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=600.0)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    run(args.seconds, args.seed)
