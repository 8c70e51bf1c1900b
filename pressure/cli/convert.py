"""``pressure convert``: any file ``pressure.load`` reads (the project's recordings and captures
included) to a tidy table, one row per frame per foot, so that ``pressure.load(OUT)`` gives the
session back; or to a C3D file or an OpenSim ``.mot`` for the gait lab's tools.

The table is ``pressure.io.write.write_table``'s (see there for the columns and
the precision of the numbers): ``time_s``, ``side``, for the project's own files ``seq`` (the
device's sequence number) and ``device_time_s`` (the device clock, unwrapped),
``total_force_n`` where the device gives one, then one column per sensor named
``sensor_<k>_<unit>``. The feet's sensor layouts go with it (``OUT.layout.csv`` beside a CSV;
the schema key ``pressure.layout`` of a Parquet file, whose key ``pressure`` also holds the
session's metadata).

``OUT.c3d`` (``pressure.export.c3d``): per foot the total force, the centre of pressure in the
foot frame and, with ``--sensors``, every sensor, as analog channels on one time grid, and the
gait events of ``pressure analyze`` (or, with ``--events file``, the file's own) as C3D events.
``OUT.mot`` (``pressure.export.mot``): per foot the force and centre of pressure as OpenSim's
``ExternalForce`` reads them. ``--start-s``/``--end-s`` convert a time window.

OUT appears whole or not at all, and is not replaced unless ``--overwrite``. What the reader
noted (a foot it left out, a rate that disagrees with the times) and what the export changed
(a foot resampled, samples without a frame) are printed as notes.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import FileFormatError, UsageError
from ._args import check_outputs, number_in

if TYPE_CHECKING:
    from ..model import FloatArray, Session

#: the suffixes OUT can have
SUFFIXES = (".parquet", ".csv", ".c3d", ".mot")
EVENT_SOURCES = ("analysis", "file", "none")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "file", metavar="RECORDING", help="recording, capture, or any file `pressure analyze` reads"
    )
    parser.add_argument(
        "out",
        metavar="OUT",
        help="file to write: OUT.parquet or OUT.csv (a table of every sensor), OUT.c3d (C3D: "
        "forces, centres of pressure and gait events; needs pip install 'pressure[c3d]') or "
        "OUT.mot (OpenSim: forces and centres of pressure)",
    )
    parser.add_argument("--overwrite", action="store_true", help="replace an existing OUT")
    parser.add_argument(
        "--sensors",
        action="store_true",
        help="OUT.c3d: every sensor's value as a channel too (at most 255 channels in all)",
    )
    parser.add_argument(
        "--events",
        choices=EVENT_SOURCES,
        default=None,
        help="OUT.c3d: the gait events to write: those of `pressure analyze` (default), the "
        "file's own (a vendor's, e.g. Moticon's), or none",
    )
    parser.add_argument(
        "--start-s",
        type=number_in(0, math.inf, low_open=False),
        default=None,
        metavar="S",
        help="convert from S seconds after the start of the recording (default: its start); "
        "times stay measured from the recording's start",
    )
    parser.add_argument(
        "--end-s",
        type=number_in(0, math.inf),
        default=None,
        metavar="S",
        help="convert up to S seconds after the start of the recording (default: its end)",
    )


def run(args: argparse.Namespace) -> int:
    from ..io.load import load

    out = Path(args.out)
    suffix = out.suffix.lower()
    if suffix not in SUFFIXES:
        raise UsageError("OUT must end in .parquet, .csv, .c3d or .mot")
    if args.sensors and suffix != ".c3d":
        raise UsageError("--sensors goes with OUT.c3d (a table has every sensor already)")
    if args.events is not None and suffix != ".c3d":
        raise UsageError("--events goes with OUT.c3d (a table or a .mot holds no events)")
    if args.start_s is not None and args.end_s is not None and args.start_s >= args.end_s:
        raise UsageError(f"--start-s ({args.start_s:g}) must be before --end-s ({args.end_s:g})")
    if suffix == ".c3d":
        from ..export.c3d import import_ezc3d

        import_ezc3d()  # before reading: say how to install it first
    check_outputs([args.out], [args.file], args.overwrite)  # before reading: the writers too
    session = load(args.file)
    if not session.feet:
        raise FileFormatError(session.path, "no sample frames to convert")
    if args.start_s is not None or args.end_s is not None:
        session = session.window(args.start_s, args.end_s)
    for problem in session.problems:
        print(f"pressure convert: note: {problem}", file=sys.stderr)
    counts = ", ".join(f"{f.n_frames} {side}" for side, f in session.feet.items())
    what = f"{session.format} session ({counts} frames)"
    if suffix in (".csv", ".parquet"):
        from ..io.write import write_table

        write_table(session, out, overwrite=args.overwrite)
        print(f"wrote {out}: {what}", file=sys.stderr)
        return 0
    if suffix == ".mot":
        from ..export.mot import write_mot

        written = write_mot(session, out, overwrite=args.overwrite)
        detail = ""
    else:
        from ..export.c3d import write_c3d

        source = args.events or "analysis"
        events = _events(session, source)
        written = write_c3d(
            session,
            out,
            events=events,
            event_source="pressure analysis" if source == "analysis" else "from the file",
            sensors=args.sensors,
            overwrite=args.overwrite,
        )
        detail = f", {len(written.grid.channels)} analog channels, {written.n_events} events"
        if source != "none":
            detail += f" ({source})"
    for note in written.notes:
        print(f"pressure convert: note: {note}", file=sys.stderr)
    grid = written.grid
    print(
        f"wrote {out}: {what} as {grid.n_samples} samples at {grid.sampling_rate_hz:g} Hz{detail}",
        file=sys.stderr,
    )
    return 0


def _events(session: Session, source: str) -> dict[str, dict[str, FloatArray]]:
    """The gait events to write: the analysis', the file's own, or none."""
    if source == "none":
        return {}
    if source == "file":
        if not session.events:
            print(
                "pressure convert: note: the file carries no events of its own; none written",
                file=sys.stderr,
            )
        return {side: dict(kinds) for side, kinds in session.events.items()}
    from ..analysis import analyze
    from ..export.channels import analysis_events

    events = analysis_events(analyze(session))
    if not events:
        print(
            "pressure convert: note: the analysis found no complete step: no events written",
            file=sys.stderr,
        )
    return events
