"""``pressure convert``: any file ``pressure.load`` reads (the project's recordings and captures
included) to a tidy table, one row per frame per foot, so that ``pressure.load(OUT)`` gives the
session back.

The table is ``pressure.io.write.write_table``'s (see there for the columns and
the precision of the numbers): ``time_s``, ``side``, for the project's own files ``seq`` (the
device's sequence number) and ``device_time_s`` (the device clock, unwrapped),
``total_force_n`` where the device gives one, then one column per sensor named
``sensor_<k>_<unit>``. The feet's sensor layouts go with it (``OUT.layout.csv`` beside a CSV;
the schema key ``pressure.layout`` of a Parquet file, whose key ``pressure`` also holds the
session's metadata). OUT appears whole or not at all, and is not replaced unless
``--overwrite``. What the reader noted (a foot it left out, a rate that disagrees with the
times) is printed as notes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import FileFormatError, UsageError
from ._args import check_outputs


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "file", metavar="RECORDING", help="recording, capture, or any file `pressure analyze` reads"
    )
    parser.add_argument("out", metavar="OUT", help="table to write: OUT.parquet or OUT.csv")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing OUT")


def run(args: argparse.Namespace) -> int:
    from ..io.load import load
    from ..io.write import SUFFIXES, write_table

    out = Path(args.out)
    if out.suffix.lower() not in SUFFIXES:
        raise UsageError("OUT must end in .parquet or .csv")
    check_outputs([args.out], [args.file], args.overwrite)  # before reading: write_table too
    session = load(args.file)
    if not session.feet:
        raise FileFormatError(session.path, "no sample frames to convert")
    write_table(session, out, overwrite=args.overwrite)
    for problem in session.problems:
        print(f"pressure convert: note: {problem}", file=sys.stderr)
    counts = ", ".join(f"{f.n_frames} {side}" for side, f in session.feet.items())
    print(f"wrote {out}: {session.format} session ({counts} frames)", file=sys.stderr)
    return 0
