"""C3D export: a session's channels (``channels``) as C3D analog channels, its gait events as C3D
events, written with ezc3d (the optional extra ``pressure[c3d]``).

Why ezc3d: OpenSim's C3DFileAdapter reads C3D files with it (opensim-core pull request 2695),
so a file ezc3d reads back is read the same way by OpenSim; it reads and writes every group
and parameter (events, units, descriptions) from Python, C++ and MATLAB; it is kept by the
pyomeca group and installs from PyPI as a binary wheel (1.7.2 tested). The tests read each
file back with ezc3d and with a second reader that shares no code with it, the pure-Python
``c3d`` package, so that a file is not checked only by the library that wrote it.

What the file holds
-------------------
* **Analog channels** (``ANALOG:LABELS`` = the channel names, ``ANALOG:UNITS`` in C3D's text:
  ``N``, ``mm``, ``kPa``, ``N/cm2``, ``counts``, ``raw``; ``ANALOG:DESCRIPTIONS`` one line each)
  at ``ANALOG:RATE`` = the grid's rate, stored as floats (``POINT:SCALE`` = -1) with
  ``SCALE`` 1, ``OFFSET`` 0, ``GEN_SCALE`` 1: a reader gets the numbers as written, to float32
  precision. NaN where there is no value (an unloaded foot's centre of pressure, a foot without
  frames there): C3D has no "missing" marker for analog data.
* **No 3D points** (``POINT:USED`` = 0). A frame holds ``ANALOG:RATE / POINT:RATE`` analog
  samples: one, unless the session has more than ``MAX_FRAMES`` (32767) samples; then as few
  as keep the frames within ``MAX_FRAMES`` with a point rate exact in float32 (readers take
  the ratio of the rates as the samples per frame), and the last frame is filled up with NaN.
  32767: ezc3d writes ``POINT:FRAMES`` as a 16-bit integer, which a reader taking it as the
  signed integer C3D parameters are reads as negative above that (40000 as -25536), and a
  file ezc3d writes with more than 65535 frames reads back as its first 65535.
* **Events** (the ``EVENT`` group Oxford Metrics' Vicon software introduced, as c3d.org
  describes it): context ``Left`` or ``Right``, label ``Foot Strike`` (heel strike) or ``Foot
  Off`` (toe off), icon id 1 or 2 (the standard leaves icon ids to applications; these are
  the ones pyCGM2 gives Vicon Nexus), time (``EVENT:TIMES``: minutes and seconds) from the
  first sample, which is 0 s, as the C3D standard counts it (frame 1 at time 0). At most
  ``MAX_EVENTS``: a C3D parameter's size is one byte per dimension.
* ``MANUFACTURER`` (``COMPANY``, ``SOFTWARE``, ``VERSION_LABEL``) and ``PRESSURE:START_TIME_S``:
  the session's time of the first sample, s (float32), so that C3D times map back to the
  session's (``session time = C3D time + START_TIME_S``).

An insole is not a force platform: it moves with the foot, so its centre of pressure is in the
foot frame, not the laboratory's, and the file describes no ``FORCE_PLATFORM`` (``USED`` = 0)
that a program would place in the laboratory.
"""

from __future__ import annotations

import math
import os
import shutil
import struct
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from .._version import __version__
from ..errors import OutputError, UsageError
from ..io.atomic import write_output
from ..model import FloatArray, Session
from .channels import EVENT_KINDS, ExportGrid, Written, export_grid

SUFFIX = ".c3d"
INSTALL_HINT = "pip install 'pressure[c3d]'"
#: analog channels and events a C3D holds: a parameter's dimensions are one byte each
MAX_CHANNELS = 255
MAX_EVENTS = 255
#: frames in one file (module docstring)
MAX_FRAMES = 32767
#: units as C3D files write them (ASCII: ``ANALOG:UNITS`` is a text parameter)
UNIT_TEXT = {"n": "N", "kpa": "kPa", "n_cm2": "N/cm2", "adc": "counts", "raw": "raw", "mm": "mm"}
#: per kind of event: the C3D label, its icon id (pyCGM2's), and a description
EVENT_LABELS = {
    "heel_strike_s": ("Foot Strike", 1, "heel strike (initial contact)"),
    "toe_off_s": ("Foot Off", 2, "toe off (foot off)"),
}
CONTEXTS = {"left": "Left", "right": "Right"}
_BLOCK = 512


def write_c3d(
    session: Session,
    path: str | os.PathLike[str],
    *,
    events: Mapping[str, Mapping[str, FloatArray]] | None = None,
    event_source: str = "pressure analysis",
    sensors: bool = False,
    overwrite: bool = True,
) -> Written:
    """Write ``session`` as a C3D file (module docstring).

    Parameters
    ----------
    session : Session
        The session; it is not changed.
    path : str or path
        The file, ending in ``.c3d``. It appears whole or not at all
        (``pressure.io.atomic``).
    events : mapping, optional
        Gait events per side in ``Session.events``' form (``{"left": {"heel_strike_s": times,
        "toe_off_s": times}}``, s on the session's time axis), e.g.
        ``channels.analysis_events(pressure.analyze(session))``; other kinds are left out.
        Default: none.
    event_source : str
        Where the events come from, for their descriptions.
    sensors : bool
        A channel per sensor besides the loads and centres of pressure.
    overwrite : bool
        Replace an existing file (default); False raises UsageError for one.

    Returns
    -------
    Written
        What was written: the grid and its channels, the number of events, notes.

    Raises
    ------
    UsageError
        For a suffix other than ``.c3d``, ezc3d not installed, more channels or events than a
        C3D holds, or an existing file without ``overwrite``.
    FileFormatError
        When the session has no frame.
    OutputError
        When the file cannot be written.
    """
    path = Path(path)
    if path.suffix.lower() != SUFFIX:
        raise UsageError(f"{path}: a C3D file ends in .c3d, not {path.suffix or 'no suffix'!r}")
    ezc3d = import_ezc3d()
    grid = export_grid(session, sensors=sensors)
    if len(grid.channels) > MAX_CHANNELS:
        raise UsageError(
            f"{path}: a C3D holds at most {MAX_CHANNELS} analog channels (one byte gives the "
            f"size of ANALOG:LABELS), and this session's sensors make {len(grid.channels)}: "
            "leave out --sensors, or write every sensor to a .csv or .parquet table"
        )
    table, outside = _event_table(grid, events or {}, event_source)
    if len(table) > MAX_EVENTS:
        raise UsageError(
            f"{path}: a C3D holds at most {MAX_EVENTS} events (one byte gives the size of "
            f"EVENT:TIMES), and this session has {len(table)} heel strikes and toe offs: "
            "convert a shorter time window (--start-s, --end-s) or write no events "
            "(--events none)"
        )
    notes = list(grid.notes)
    if outside:
        notes.append(f"{outside} event(s) outside the exported samples left out")
    per_frame = _samples_per_frame(path, grid)
    frames = math.ceil(grid.n_samples / per_frame)
    if per_frame > 1:
        point_rate = grid.sampling_rate_hz / per_frame
        padding = frames * per_frame - grid.n_samples
        notes.append(
            f"{grid.n_samples} samples are more than the {MAX_FRAMES} frames a C3D holds: "
            f"{per_frame} analog samples per frame (POINT:RATE {point_rate:g} Hz)"
            + (f", the last frame filled up with {padding} NaN" if padding else "")
        )
    c3d = _build(ezc3d, grid, table, per_frame, frames)
    n_channels = len(grid.channels)
    with _scratch_folder(path) as folder:
        scratch = folder / "export.c3d"
        try:
            c3d.write(str(scratch))
        except (OSError, RuntimeError) as exc:
            raise OutputError(path, f"cannot write: ezc3d: {exc}") from None
        _check_complete(path, scratch, frames, n_channels * per_frame)
        write_output(
            path, lambda temporary: shutil.copyfile(scratch, temporary), overwrite=overwrite
        )
    return Written(path, grid, len(table), tuple(notes))


def _samples_per_frame(path: Path, grid: ExportGrid) -> int:
    """The fewest analog samples per frame that keep the frames within ``MAX_FRAMES`` and
    whose point rate, ``ANALOG:RATE / k``, is exact in float32 (the readers take
    ``ANALOG:RATE / POINT:RATE`` as the samples per frame: 1000 / float32(1000 / 3) is
    2.99999994, read as 2)."""
    rate = float(np.float32(grid.sampling_rate_hz))
    least = max(1, math.ceil(grid.n_samples / MAX_FRAMES))
    for k in range(least, 64 * least + 1):
        if float(np.float32(rate / k)) * k == rate:
            return k
    raise UsageError(
        f"{path}: {grid.n_samples} samples at {grid.sampling_rate_hz:g} Hz do not fit in the "
        f"{MAX_FRAMES} frames of a C3D: convert a shorter time window (--start-s, --end-s)"
    )


def import_ezc3d() -> Any:
    """The ezc3d module; UsageError, with how to install it, when it is missing."""
    try:
        import ezc3d
    except ImportError:
        raise UsageError(f"a C3D file is written with ezc3d: {INSTALL_HINT}") from None
    return ezc3d


def _event_table(
    grid: ExportGrid, events: Mapping[str, Mapping[str, FloatArray]], source: str
) -> tuple[list[tuple[float, str, str, str, int]], int]:
    """(time from the first sample, context, label, description, icon) of each event of an
    exported foot in time order, and the number left out for lying outside the samples."""
    t0 = float(grid.time_s[0])
    end = float(grid.time_s[-1]) + 1.0 / grid.sampling_rate_hz
    table = []
    outside = 0
    for side in grid.sides:
        for kind in EVENT_KINDS:
            times = np.asarray(events.get(side, {}).get(kind, ()), dtype=np.float64)
            times = times[np.isfinite(times)]
            keep = (times >= t0 - 1e-9) & (times < end)
            outside += int((~keep).sum())
            label, icon, what = EVENT_LABELS[kind]
            table += [
                (float(t) - t0, CONTEXTS[side], label, f"{what}, {source}", icon)
                for t in times[keep]
            ]
    table.sort()
    return table, outside


def _build(
    ezc3d: Any,
    grid: ExportGrid,
    events: list[tuple[float, str, str, str, int]],
    per_frame: int,
    frames: int,
) -> Any:
    """The ezc3d object of the module docstring."""
    n_channels = len(grid.channels)
    data = np.full((1, n_channels, frames * per_frame), np.nan)
    for k, channel in enumerate(grid.channels):
        data[0, k, : grid.n_samples] = channel.values
    c3d = ezc3d.c3d()
    point, analog = c3d["parameters"]["POINT"], c3d["parameters"]["ANALOG"]
    point["RATE"]["value"] = np.array([grid.sampling_rate_hz / per_frame])
    point["LABELS"]["value"] = []
    point["DESCRIPTIONS"]["value"] = []
    analog["RATE"]["value"] = np.array([grid.sampling_rate_hz])
    analog["LABELS"]["value"] = [c.name for c in grid.channels]
    analog["DESCRIPTIONS"]["value"] = [c.description for c in grid.channels]
    analog["UNITS"]["value"] = [UNIT_TEXT.get(c.unit, c.unit) for c in grid.channels]
    analog["SCALE"]["value"] = np.ones(n_channels)
    analog["GEN_SCALE"]["value"] = np.array([1.0])
    c3d["data"]["points"] = np.zeros((4, 0, frames))
    c3d["data"]["analogs"] = data
    if events:
        seconds = np.array([t for t, *_ in events])
        minutes = np.floor(seconds / 60.0)
        c3d.add_parameter("EVENT", "USED", len(events))
        c3d.add_parameter("EVENT", "TIMES", np.vstack([minutes, seconds - 60.0 * minutes]))
        c3d.add_parameter("EVENT", "CONTEXTS", [e[1] for e in events])
        c3d.add_parameter("EVENT", "LABELS", [e[2] for e in events])
        c3d.add_parameter("EVENT", "DESCRIPTIONS", [e[3] for e in events])
        c3d.add_parameter("EVENT", "SUBJECTS", ["" for _ in events])
        c3d.add_parameter("EVENT", "ICON_IDS", [e[4] for e in events])
        c3d.add_parameter("EVENT", "GENERIC_FLAGS", [0 for _ in events])
    c3d.add_parameter("MANUFACTURER", "COMPANY", "pressure (open plantar-pressure analyzer)")
    c3d.add_parameter("MANUFACTURER", "SOFTWARE", "pressure convert")
    c3d.add_parameter("MANUFACTURER", "VERSION_LABEL", __version__)
    c3d.add_parameter("PRESSURE", "START_TIME_S", np.array([float(grid.time_s[0])]))
    return c3d


class _scratch_folder:
    """A hidden folder beside ``path`` for ezc3d's file (ezc3d writes to a name of its own
    choosing, ending in .c3d, so not to the unnamed file ``write_atomically`` gives), removed
    on exit."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._folder: tempfile.TemporaryDirectory[str] | None = None

    def __enter__(self) -> Path:
        try:
            self._folder = tempfile.TemporaryDirectory(
                prefix=f".{self._path.name}.", suffix=".tmp", dir=self._path.parent
            )
        except OSError as exc:
            raise OutputError(self._path, f"cannot write: {exc.strerror or exc}") from None
        return Path(self._folder.name)

    def __exit__(self, *exc: object) -> None:
        if self._folder is not None:
            self._folder.cleanup()


def _check_complete(path: Path, scratch: Path, frames: int, analog_per_frame: int) -> None:
    """OutputError unless ezc3d's file is all there: ezc3d reports no failed write (a full
    disk leaves a cut file, a folder it cannot write no file, and neither raises)."""
    try:
        size = scratch.stat().st_size
        with scratch.open("rb") as file:
            header = file.read(18)
    except OSError:
        raise OutputError(path, "cannot write: ezc3d wrote no file") from None
    if len(header) < 18:
        raise OutputError(path, f"cannot write: ezc3d wrote {size} bytes, not a C3D file")
    (data_block,) = struct.unpack_from("<H", header, 16)  # header word 9: the data's block
    needed = (data_block - 1) * _BLOCK + frames * analog_per_frame * 4
    if size < needed:
        raise OutputError(
            path,
            f"cannot write: ezc3d wrote {size} of its {needed} bytes (is the disk full?)",
        )


__all__ = [
    "CONTEXTS",
    "EVENT_LABELS",
    "INSTALL_HINT",
    "MAX_CHANNELS",
    "MAX_EVENTS",
    "MAX_FRAMES",
    "SUFFIX",
    "UNIT_TEXT",
    "import_ezc3d",
    "write_c3d",
]
