"""``pressure convert``: a recording, a capture or any file ``pressure.load`` reads, to a tidy
table, one row per frame per foot.

Other formats than the project's own are written by ``pressure.io.readers.generic_csv``'s
``write_table`` (columns ``time_s``, ``side``, ``sensor_<k>_<unit>``, and the layouts beside),
which its reader reads back.

For the project's recordings and captures:

Columns: ``time_s`` (seconds from the start of the recording, host-aligned), ``side``
(``left``/``right``), ``seq`` (the device's sequence number), ``device_time_s`` (the device clock,
unwrapped), then one column per sensor named ``sensor_<k>_<unit>`` with k from 1 and the unit
the device declared (``kpa``, ``n``, ``n_cm2``; ``adc`` for raw counts; ``raw`` when unknown).
Parquet files also carry the session metadata (key ``pressure``) in their schema. The feet's
sensor layouts go with the table (``OUT.layout.csv`` beside a CSV; the schema key
``pressure.layout`` of a Parquet file), so ``pressure.load(OUT)`` reads it back whole.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import FileFormatError

if TYPE_CHECKING:
    import pandas as pd

    from ..io.frames import Frames


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "file", metavar="RECORDING", help="recording, capture, or any file `pressure analyze` reads"
    )
    parser.add_argument("out", metavar="OUT", help="table to write: OUT.parquet or OUT.csv")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing OUT")


def frames_table(frames: Frames) -> pd.DataFrame:
    """The tidy table described in the module docstring, rows in time order."""
    import numpy as np
    import pandas as pd

    parts = []
    for side in frames.sides.values():
        n_sensors = side.values.shape[1]
        width = len(str(n_sensors))
        names = [f"sensor_{k + 1:0{width}d}_{side.unit}" for k in range(n_sensors)]
        values = side.values if side.scale == 1.0 else side.scaled()
        table = pd.DataFrame(values, columns=names)
        table.insert(0, "time_s", side.time_s)
        table.insert(1, "side", side.side)
        table.insert(2, "seq", side.seq.astype(np.int32))
        table.insert(3, "device_time_s", side.device_time_s)
        parts.append(table)
    if not parts:
        return pd.DataFrame(columns=["time_s", "side", "seq", "device_time_s"])
    table = pd.concat(parts, ignore_index=True)
    table["side"] = table["side"].astype(pd.CategoricalDtype(["left", "right"]))
    return table.sort_values(["time_s", "side"], kind="stable", ignore_index=True)


def run(args: argparse.Namespace) -> int:
    import json

    from ..io.frames import read_frames
    from ..io.layout_file import layout_text, write_layout
    from ..io.readers.generic_csv import LAYOUT_KEY, META_KEY

    out = Path(args.out)
    suffix = out.suffix.lower()
    if suffix not in (".parquet", ".csv"):
        print("pressure convert: error: OUT must end in .parquet or .csv", file=sys.stderr)
        return 2
    if out.exists() and not args.overwrite:
        raise FileFormatError(out, "already exists; choose another name or pass --overwrite")
    from ..io.load import format_of

    if format_of(args.file) not in (None, "insole"):  # another format, through its reader
        return _convert_session(args.file, out)
    frames = read_frames(args.file)
    for side, problem in frames.problems.items():
        raise FileFormatError(frames.path, f"cannot tabulate the {side} foot: {problem}")
    if not frames.sides:
        raise FileFormatError(frames.path, "no sample frames to convert")
    table = frames_table(frames)
    layouts = _layouts(frames.path)
    try:
        if suffix == ".csv":
            table.to_csv(out, index=False)
            sidecar = out.with_name(f"{out.stem}.layout.csv")
            if layouts:
                write_layout(sidecar, layouts)
            else:
                sidecar.unlink(missing_ok=True)
        else:
            import pyarrow as pa
            import pyarrow.parquet as pq

            arrow = pa.Table.from_pandas(table, preserve_index=False)
            meta = {
                "source": str(frames.path),
                "session": frames.recording.session if frames.recording else {},
                "counters": frames.counters,
            }
            schema_meta = dict(arrow.schema.metadata or {})
            schema_meta[META_KEY] = json.dumps(meta).encode()
            if layouts:
                schema_meta[LAYOUT_KEY] = layout_text(layouts).encode()
            pq.write_table(arrow.replace_schema_metadata(schema_meta), out)
    except OSError as exc:
        raise FileFormatError(out, f"cannot write: {exc.strerror or exc}") from None
    counts = {s: len(f) for s, f in frames.sides.items()}
    print(
        f"wrote {out}: {len(table)} rows ({', '.join(f'{n} {s}' for s, n in counts.items())})",
        file=sys.stderr,
    )
    return 0


def _layouts(path: Path) -> dict[str, Any]:
    """The sensor layouts of a recording's feet (by the layout name its devices announced),
    written beside the table so that ``pressure.load`` of the table has them too."""
    from ..io.load import load

    try:
        session = load(path)
    except FileFormatError:  # a capture whose frames were readable but not as a session
        return {}
    return {side: f.layout for side, f in session.feet.items() if f.layout is not None}


def _convert_session(path: str, out: Path) -> int:
    """Any format ``pressure.load`` reads, as the generic CSV reader's tidy table (with the
    layouts in ``OUT.layout.csv`` beside a CSV, or in a Parquet file's metadata), so that
    ``pressure.load(OUT)`` gives the session back."""
    from ..io.load import load
    from ..io.readers.generic_csv import write_table

    session = load(path)
    if not session.feet:
        raise FileFormatError(session.path, "no foot recorded: nothing to convert")
    write_table(session, out)
    counts = ", ".join(f"{f.n_frames} {side}" for side, f in session.feet.items())
    print(f"wrote {out}: {session.format} session ({counts} frames)", file=sys.stderr)
    return 0
