"""Loading a long Moticon OpenGo text export, run on demand: ``python benchmarks/bench_load.py``.

Builds, in a temporary folder, an export of ``--minutes`` (default 60) from a real one
(``--source``, default ``../shared/data/moticon/230927_102114.txt``): its ``#`` header lines
are kept (``Duration`` rewritten to the new length), its data rows are repeated with the time
column shifted by one source length per copy (the rows keep all their cells, so each copy keeps
its steps events, its gaps where a foot has no sample, its user events), cut to
``minutes × 60 × rate`` rows. That one file is then read by:

* ``pressure.load``: this package;
* ``Measurement(path)``: the ``moticon-opengo`` package's own loader
  (``moticon_opengo.txt_export.Measurement``, ``np.genfromtxt`` twice over the file) with its
  defaults: ``trim=True`` drops the rows at both ends where one foot has no sample yet,
  ``fill_method="duplicate"`` fills a foot's missing samples with its previous one;
* ``Measurement(path, trim=False, fill_method="keep")``: the same loader reading the rows as
  they are, the like-for-like comparison (``pressure.load`` neither trims nor fills).

Each run is a fresh Python process (``--worker``), so no run inherits another's memory or
caches (the file itself is in the page cache: it was just written). Per loader:

* **time**: wall time of the load call alone (``time.perf_counter`` around it; interpreter
  start-up and imports excluded), the best of ``--repeat`` runs;
* **peak RSS**: the worker process's resident-memory high-water mark, ``VmHWM`` in
  ``/proc/self/status``, read right after the load returns: interpreter, imports and the load.
  **added by the load** is the high-water mark reached during the load minus the resident
  memory just before it (after the imports): the worker resets the mark there by writing ``5``
  to ``/proc/self/clear_refs``. The largest over the runs is shown. Not
  ``getrusage(...).ru_maxrss`` (``RUSAGE_SELF`` in the worker, ``RUSAGE_CHILDREN`` or
  ``wait4`` in this process): Linux carries the parent's high-water mark into a child across
  fork/vfork and exec, so a child of this process would report at least this process's own
  peak (measured: a child printing ``ru_maxrss`` of 511 MiB, ``VmHWM`` 9 MiB, after its parent
  touched 500 MiB). Not tracemalloc either: it slows the loaders and sees only what is
  allocated through Python's hooks. Without ``/proc`` (not Linux) the script falls back to
  ``ru_maxrss`` and says so.

Before the table is printed, the first run of each loader saves what it read and the results
are compared with ``pressure.load``'s: rows in the file, samples per foot, and the 16 pressures
per foot at every time both loaders give a sample for that foot (matched by the time column):
the largest absolute difference is printed (0 means identical). A sample that ``Measurement``
gives and ``pressure.load`` does not is counted as *filled* (its duplicate fill), one that
``pressure.load`` gives and ``Measurement`` does not as *absent* (cut by its trim). **steps**
per foot: heel strikes in ``pressure.load``'s ``events``; ``Measurement.steps`` for the other
(heel strikes and toe offs paired by ``zip``, so a heel strike without its toe off is left out).
"""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import importlib.util
import json
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from _machine import machine

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = ROOT.parent / "shared" / "data" / "moticon" / "230927_102114.txt"
OURS = "pressure.load"
OPENGO_DEFAULT = "opengo"
OPENGO_KEEP = "opengo-keep"
LABELS = {
    OURS: "`pressure.load(path)`",
    OPENGO_DEFAULT: "moticon-opengo `Measurement(path)` (trim, duplicate fill)",
    OPENGO_KEEP: 'moticon-opengo `Measurement(path, trim=False, fill_method="keep")`',
}
SIDES = ("left", "right")


# --- the long file -------------------------------------------------------------------------


@dataclass
class LongExport:
    path: Path
    rows: int
    copies: float
    rate_hz: float
    size_bytes: int


def _ticks(cell: str, decimals: int) -> int:
    whole, _, frac = cell.strip().partition(".")
    sign = -1 if whole.startswith("-") else 1
    return sign * (abs(int(whole or "0")) * 10**decimals + int((frac + "0" * decimals)[:decimals]))


def _cell(ticks: int, decimals: int) -> str:
    if decimals == 0:
        return str(ticks)
    q, r = divmod(ticks, 10**decimals)
    return f"{q}.{r:0{decimals}d}"


def make_long_export(source: Path, minutes: float, out: Path) -> LongExport:
    """Repeat ``source``'s data rows with the time column shifted (module docstring)."""
    lines = source.read_text(encoding="utf-8").split("\n")
    header = [line for line in lines if line.startswith("#")]
    rows = [line.rstrip("\r") for line in lines if line.strip() and not line.startswith("#")]
    cells = [row.split("\t", 1) for row in rows]
    decimals = len(cells[0][0].strip().partition(".")[2])
    ticks = np.array([_ticks(c[0], decimals) for c in cells])
    step = int(np.median(np.diff(ticks)))
    period = int(ticks[-1] - ticks[0]) + step  # one copy, in ticks of the time column
    rate_hz = 10**decimals / step
    n_rows = round(minutes * 60 * rate_hz)
    rests = ["\t" + c[1] if len(c) > 1 else "" for c in cells]
    seconds = n_rows / rate_hz
    header = [
        f"# Duration: {int(seconds // 60):02d}:{seconds % 60:06.3f}"
        if line.startswith("# Duration:")
        else line
        for line in header
    ]
    with out.open("w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(header) + "\n")
        written, copy = 0, 0
        while written < n_rows:
            take = min(len(rows), n_rows - written)
            shift = copy * period
            f.write(
                "".join(
                    _cell(int(ticks[i]) + shift, decimals) + rests[i] + "\n" for i in range(take)
                )
            )
            written += take
            copy += 1
    return LongExport(out, n_rows, n_rows / len(rows), rate_hz, out.stat().st_size)


# --- one run, in a fresh process -----------------------------------------------------------


def _load(loader: str, path: Path) -> Any:
    if loader == OURS:
        import pressure

        return pressure.load(path)
    # imported by name: the package ships no type information (and is a benchmark-only tool)
    Measurement = importlib.import_module("moticon_opengo.txt_export").Measurement
    if loader == OPENGO_KEEP:
        return Measurement(str(path), trim=False, fill_method="keep")
    return Measurement(str(path))


def _import(loader: str) -> None:
    """The imports a user's script makes before loading (not timed)."""
    if loader == OURS:
        import pressure  # noqa: F401
    else:
        importlib.import_module("moticon_opengo.txt_export")


def _dump(loader: str, result: Any, out: Path) -> None:
    arrays: dict[str, np.ndarray] = {}
    if loader == OURS:
        arrays["rows"] = np.array(result.quality["rows"])
        for side in SIDES:
            foot = getattr(result, side)
            if foot is not None:
                arrays[f"{side}_time"] = foot.time_s
                arrays[f"{side}_pressure"] = foot.values
            strikes = result.events.get(side, {}).get("heel_strike_s", np.zeros(0))
            arrays[f"{side}_heel_strikes"] = np.array(len(strikes))
    else:
        Side = importlib.import_module("moticon_opengo.utils").Side
        data = result.data
        arrays["rows"] = np.array(0 if data is None else data.shape[0])
        for side in SIDES:
            side_data = result.side_data.get(Side[side.upper()])
            if side_data is not None and side_data.pressure is not None:
                arrays[f"{side}_time"] = result.time
                arrays[f"{side}_pressure"] = np.ascontiguousarray(side_data.pressure)
            steps = [s for s in result.steps if s.side == Side[side.upper()]]
            arrays[f"{side}_heel_strikes"] = np.array(len(steps))
    np.savez(out, **arrays)  # type: ignore[arg-type]


def _memory_kib() -> dict[str, int] | None:
    """``VmRSS`` and ``VmHWM`` of this process in KiB, or None without ``/proc``."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            fields = dict(line.split(":", 1) for line in f if line.startswith(("VmRSS", "VmHWM")))
    except OSError:
        return None
    return {key: int(value.split()[0]) for key, value in fields.items()}


def _reset_peak() -> bool:
    """Reset this process's VmHWM to its current RSS (Linux 4.0 and later)."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as f:
            f.write("5")
    except OSError:
        return False
    return True


def worker(loader: str, path: Path, dump: Path | None) -> None:
    _import(loader)
    reset = _reset_peak()
    before = _memory_kib()
    t0 = time.perf_counter()
    result = _load(loader, path)
    seconds = time.perf_counter() - t0
    after = _memory_kib()
    if before is not None and after is not None and reset:
        report: dict[str, float] = {
            "before_kib": before["VmRSS"],
            "peak_kib": after["VmHWM"],
            "proc": 1,
        }
    else:  # ru_maxrss: KiB on Linux, bytes on macOS; includes the parent's peak (docstring)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        scale = 1 / 1024 if sys.platform == "darwin" else 1
        report = {"before_kib": 0, "peak_kib": peak * scale, "proc": 0}
    if dump is not None:
        _dump(loader, result, dump)
    print(json.dumps({"seconds": seconds, **report}))


def run_once(loader: str, path: Path, dump: Path | None) -> dict[str, float]:
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", loader, str(path)]
    if dump is not None:
        command += ["--dump", str(dump)]
    proc = subprocess.run(command, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"{loader} failed ({proc.returncode}):\n{proc.stderr}")
    report: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    return report


# --- comparison ----------------------------------------------------------------------------


@dataclass
class Check:
    rows: int
    samples: dict[str, int]  # per foot: rows where the loader gives that foot's pressures
    matched: dict[str, int]  # per foot: of those, at times where pressure.load has a sample
    max_abs_diff: float  # over the matched samples, both feet, all 16 sensors
    steps: dict[str, int]


def check(dump: Path, reference: Path | None) -> Check:
    got = np.load(dump)
    ref = np.load(reference) if reference is not None else got
    samples, matched, heel = {}, {}, {}
    diff = 0.0
    for side in SIDES:
        heel[side] = int(got[f"{side}_heel_strikes"])
        if f"{side}_pressure" not in got.files:
            samples[side] = matched[side] = 0
            continue
        p, t = got[f"{side}_pressure"], got[f"{side}_time"]
        has = ~np.isnan(p).any(axis=1)
        samples[side] = int(has.sum())
        t_ref, p_ref = ref[f"{side}_time"], ref[f"{side}_pressure"]
        at = np.clip(np.searchsorted(t_ref, t), 0, len(t_ref) - 1)
        same_time = has & (t_ref[at] == t)
        matched[side] = int(same_time.sum())
        if matched[side]:
            diff = max(diff, float(np.max(np.abs(p[same_time] - p_ref[at[same_time]]))))
    return Check(int(got["rows"]), samples, matched, diff, heel)


# --- report --------------------------------------------------------------------------------


def opengo_version() -> str | None:
    if importlib.util.find_spec("moticon_opengo") is None:
        return None
    return importlib.metadata.version("moticon-opengo")


def mib(kib: float) -> str:
    return f"{kib / 1024:,.0f} MiB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--repeat", type=int, default=3, help="runs per loader (best time)")
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="a real export")
    parser.add_argument(
        "--keep-file", type=Path, help="also copy the long file here (outside the repository)"
    )
    parser.add_argument("--worker", nargs=2, metavar=("LOADER", "FILE"), help=argparse.SUPPRESS)
    parser.add_argument("--dump", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker[0], Path(args.worker[1]), args.dump)
        return
    if not args.source.is_file():
        raise SystemExit(f"{args.source}: no such file (give a real export with --source)")

    version = opengo_version()
    loaders = [OURS]
    if version is None:
        print(
            "moticon-opengo is not installed (`pip install moticon-opengo`): "
            "its columns are skipped, only pressure.load is measured."
        )
    else:
        loaders += [OPENGO_DEFAULT, OPENGO_KEEP]
    print(f"machine: {machine()}")
    if version is not None:
        print(f"moticon-opengo {version}")

    with tempfile.TemporaryDirectory(prefix="bench_load_") as tmp:
        work = Path(tmp)
        t0 = time.perf_counter()
        long = make_long_export(args.source, args.minutes, work / "long_export.txt")
        print(
            f"file: {args.minutes:g} min at {long.rate_hz:g} Hz, {long.rows:,} rows "
            f"({long.copies:.1f} copies of {args.source.name}), {long.size_bytes / 1e6:.1f} MB, "
            f"written in {time.perf_counter() - t0:.1f} s; best of {args.repeat} runs per loader, "
            "each in a fresh process",
            flush=True,
        )
        if args.keep_file is not None:
            args.keep_file.write_bytes(long.path.read_bytes())

        runs: dict[str, list[dict[str, float]]] = {}
        checks: dict[str, Check] = {}
        for loader in loaders:
            runs[loader] = []
            for k in range(args.repeat):
                dump = work / f"{loader}.npz" if k == 0 else None
                runs[loader].append(run_once(loader, long.path, dump))
                r = runs[loader][-1]
                print(
                    f"  {loader} run {k + 1}: {r['seconds']:.2f} s, peak RSS {mib(r['peak_kib'])}",
                    flush=True,
                )
            reference = None if loader == OURS else work / f"{OURS}.npz"
            checks[loader] = check(work / f"{loader}.npz", reference)

    ours = checks[OURS]
    best_ours = min(r["seconds"] for r in runs[OURS])
    print()
    print(
        "| loader | time (best of "
        f"{args.repeat}) | vs pressure.load | peak RSS | added by the load | rows | "
        "left samples | right samples | steps L/R | max abs diff of pressures "
        "(N/cm²) vs pressure.load |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    problems = []
    for loader in loaders:
        best = min(r["seconds"] for r in runs[loader])
        peak = max(r["peak_kib"] for r in runs[loader])
        added = max(r["peak_kib"] - r["before_kib"] for r in runs[loader])
        added_text = mib(added) if all(r["proc"] for r in runs[loader]) else "n/a"
        c = checks[loader]
        feet = []
        for side in SIDES:
            text = f"{c.samples[side]:,}"
            if loader != OURS:
                filled = c.samples[side] - c.matched[side]
                missing = ours.samples[side] - c.matched[side]
                if filled:
                    text += f" ({filled:,} filled)"
                if missing:
                    text += f" ({missing:,} of ours absent)"
                if loader == OPENGO_KEEP and (filled or missing):
                    problems.append(f"{loader}: {side} samples differ from pressure.load's")
            feet.append(text)
        diff = "—" if loader == OURS else f"{c.max_abs_diff:g}"
        if loader != OURS and c.max_abs_diff != 0:
            problems.append(f"{loader}: pressures differ by up to {c.max_abs_diff:g}")
        if loader == OPENGO_KEEP and c.rows != ours.rows:
            problems.append(f"{loader}: {c.rows} rows, pressure.load {ours.rows}")
        print(
            f"| {LABELS[loader]} | {best:.2f} s | {best / best_ours:.2f}x | {mib(peak)} | "
            f"{added_text} | {c.rows:,} | {feet[0]} | {feet[1]} | "
            f"{c.steps['left']:,} / {c.steps['right']:,} | {diff} |"
        )
    print()
    if not all(r["proc"] for rs in runs.values() for r in rs):
        print("memory: no /proc here, peak RSS is ru_maxrss and includes this process's own peak")
    if problems:
        print("DISAGREEMENT: " + "; ".join(problems))
    elif len(loaders) > 1:
        print(
            "agreement: the raw read (trim=False, keep) has the same rows and samples per foot "
            "as pressure.load, and every pressure matched by time is equal."
        )


if __name__ == "__main__":
    main()
