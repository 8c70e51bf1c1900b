"""Load + CoP for every example file of every format, run on demand:
``python benchmarks/bench_formats.py [--repeat N] [--data DIR]``.

For each example file in ``../shared/data`` (the pressuRe example exports, the footPress
F-Scan walk, a gaitpdb walk, the Moticon walk): ``pressure.load(path)`` followed by the CoP of
every foot (``pressure.cop.foot_cop``), timed with ``time.perf_counter`` around the two
calls, in this one process after a warm-up run of the same file (imports and first-call costs
excluded). Best and median of ``--repeat`` runs (default 5).

Where the file holds one plain table, ``pandas.read_csv`` of that table alone (the C parser,
the header skipped, no checks, no geometry, no CoP) is timed the same way for comparison: the
floor any reader built on pandas can reach. The formats that are not one table (frame blocks:
F-Scan, iScan, emed, XSENSOR; a workbook: footscan) have no such line.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _machine import machine

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
R = "pressure_r_extdata"


def _header_lines(path: Path, starts: str) -> int:
    with path.open(encoding="latin-1") as f:
        for index, line in enumerate(f):
            if line.lstrip().startswith(starts):
                return index
    raise ValueError(f"{path}: no line starts with {starts!r}")


def _pandas(path: Path, fmt: str) -> Callable[[], Any] | None:
    """A call of ``pandas.read_csv`` that reads the file's one table, or None."""
    import pandas as pd

    if fmt == "pedar":
        skip = _header_lines(path, "time[secs]")
        return lambda: pd.read_csv(path, sep="\t", skiprows=skip, engine="c")
    if fmt == "pliance":
        skip = _header_lines(path, "time[secs]")
        with path.open(encoding="latin-1") as f:
            lines = f.readlines()[skip + 1 :]
        rows = next(k for k, line in enumerate(lines) if not line.strip()[:1].isdigit())
        return lambda: pd.read_csv(
            path, sep=r"\s+", skiprows=skip, nrows=rows, engine="c", encoding="latin-1"
        )
    if fmt == "stappone":
        return lambda: pd.read_csv(path, engine="c")
    if fmt == "moticon":
        return lambda: pd.read_csv(path, sep="\t", comment="#", header=None, engine="c")
    if fmt == "gaitpdb":
        return lambda: pd.read_csv(path, sep="\t", header=None, engine="c")
    return None


FILES = [
    (R, "pedar_example.asc"),
    (R, "fscan_testL.asf"),
    ("fscan_footpress", "FrasP01L.asf"),
    (R, "xsensor_data.csv"),
    (R, "stappone_example.csv"),
    (R, "emed_test.lst"),
    (R, "pliance_test.asc"),
    (R, "footscan_test.xls"),
    (R, "iscan_test.csv"),
    ("moticon", "230927_102114.txt"),
    ("gaitpdb", "GaCo01_01.txt"),
]


def _time(call: Callable[[], Any], repeat: int) -> tuple[float, float]:
    call()  # warm-up: imports, first-call costs, the page cache
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        runs.append(time.perf_counter() - start)
    return min(runs), statistics.median(runs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args()
    from pressure.cop import foot_cop
    from pressure.io.load import load

    print(machine())
    print(f"best / median of {args.repeat} runs, one process, after a warm-up run\n")
    print(
        f"{'file':<24} {'format':<9} {'size':>8} {'frames':>7} {'sensors':>9} "
        f"{'load+CoP s':>16} {'pandas.read_csv s':>18}"
    )
    for folder, name in FILES:
        path = args.data / folder / name
        if not path.exists():
            print(f"{name:<24} missing ({path})")
            continue
        try:
            session = load(path)
        except Exception as exc:  # a benchmark reports and goes on
            print(f"{name:<24} cannot be read: {exc}")
            continue

        def load_and_cop(path: Path = path) -> None:
            s = load(path)
            for foot in s.feet.values():
                foot_cop(foot)

        best, median = _time(load_and_cop, args.repeat)
        pandas_call = _pandas(path, session.format)
        pandas_text = "—"
        if pandas_call is not None:
            p_best, p_median = _time(pandas_call, args.repeat)
            pandas_text = f"{p_best:.3f} / {p_median:.3f}"
        frames = "/".join(str(f.n_frames) for f in session.feet.values())
        sensors = "/".join(str(f.n_sensors) for f in session.feet.values())
        size = f"{path.stat().st_size / 1e6:.1f} MB"
        ours = f"{best:.3f} / {median:.3f}"
        print(
            f"{name:<24} {session.format:<9} {size:>8} {frames:>7} {sensors:>9} "
            f"{ours:>16} {pandas_text:>18}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
