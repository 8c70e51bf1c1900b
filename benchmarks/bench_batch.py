"""Batch throughput, run on demand: ``python benchmarks/bench_batch.py [--repeat N]``.

Builds the test suite's mixed folder (``tests/batch_folder.py``: 32 good sessions in 13
formats from ``../shared/data``, the samples and simulator walks, plus 3 broken files and 4
files that are not sessions) in a temporary folder, with the simulator walks made longer
(``--sim-walks`` walks of ``--sim-s`` seconds) so the folder holds a realistic mix of short
and long sessions. Then, timed with ``time.perf_counter`` around ``run_batch`` (the whole job:
finding the sessions, analysing, writing the tables):

* ``--jobs 1`` (in this process) and ``--jobs 2`` (two worker processes, started per run), each
  with ``force=True`` so every session is analysed; best of ``--repeat`` runs;
* a first run into an empty output folder and the second, resumed run over the same folder.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _machine import machine

from pressure.batch import BatchResult, run_batch
from tests import batch_folder


def timed(root: Path, out: Path, jobs: int, force: bool = False) -> tuple[float, BatchResult]:
    t0 = time.perf_counter()
    result = run_batch(root, out, jobs=jobs, force=force)
    return time.perf_counter() - t0, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sim-walks", type=int, default=6)
    parser.add_argument("--sim-s", type=float, default=300.0)
    args = parser.parse_args()
    print(machine())
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "cohort"
        root.mkdir()
        good = batch_folder.build(root, simulated=args.sim_walks, simulated_s=args.sim_s)
        n = len(good) + len(batch_folder.BROKEN)
        size_mb = sum(p.stat().st_size for p in root.rglob("*") if p.is_file()) / 1e6
        print(
            f"folder: {n} sessions ({len(good)} good, {len(batch_folder.BROKEN)} broken), "
            f"{size_mb:.0f} MB"
        )

        out = Path(tmp) / "out"
        first, _ = timed(root=root, out=out, jobs=2)
        second, result = timed(root=root, out=out, jobs=2)
        assert result.up_to_date == n
        print(
            f"first run (2 jobs) {first:.2f} s; second, resumed run {second:.2f} s "
            f"({100 * second / first:.0f} % of the first)"
        )

        best = {}
        for jobs in (1, 2):
            times = [
                timed(root=root, out=out, jobs=jobs, force=True)[0] for _ in range(args.repeat)
            ]
            best[jobs] = min(times)
            print(
                f"--jobs {jobs}: best {best[jobs]:.2f} s of {args.repeat}, "
                f"{n / best[jobs]:.2f} sessions/s"
            )
        print(f"speed-up with 2 workers: {best[1] / best[2]:.2f}x")


if __name__ == "__main__":
    main()
