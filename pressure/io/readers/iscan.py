"""Tekscan I-Scan (and any other Tekscan matrix sensor that is not F-Scan): the ASCII movie
export (``.csv`` or ``.asf``), read as a pressure platform.

Test data: ``iscan_test.csv`` of the pressuRe R package's example data (Telfer et al., MIT): a
6900 sensor (28 × 28 cells of 1.27 mm, four 11 × 11 quadrants, ``B`` between them), a finger
pressed on it (not a foot), 309 frames about 0.1 s apart, raw values.

Format: Tekscan's ASF text (``pressure.io.readers._tekscan``), here with ``Frame N, t,, date
time,,,Raw Sum=,,S`` lines: the frame's time in s and the sum of its raw values. Detection: a
Tekscan ASF header whose sensor is not an F-Scan insole (``_tekscan.family``), whatever the
suffix.

Session: the matrix is a platform: ``values`` = the frames reshaped to (frames, ROWS × COLS)
in the file's row-major order (``B`` cells NaN), cell ``(r, c)`` centred at
``X = (c + 0.5) · COL_SPACING``, ``Y = (r + 0.5) · ROW_SPACING`` (``_plate.grid_cells``), and
``_plate.plate_feet`` finds the footprint(s), keeps their sensels, aligns each to the foot frame
and infers the side (``metadata["plate"]``; for a finger or any contact that is not a foot the
"foot" is simply the contact area, its axes the contact's principal axes). Times: the frames'
own times where the Frame lines give them, else ``(N − START_FRAME) × SECONDS_PER_FRAME``; the
rate is the mean over the recording (``metadata["seconds_per_frame"]`` keeps the nominal one).
Units as ``fscan`` (kPa, PSI and other pressures to kPa; ``raw`` stays ``raw``).

Checks: with raw values, every frame's cells must add up to its ``Raw Sum=`` (they do, to the
unit, in the example); a frame that does not is damaged and is named by its ``Frame`` line.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ...errors import FileFormatError
from ...model import Session
from ._plate import LIBRARIES as _PLATE_LIBRARIES
from ._plate import grid_cells, plate_feet
from ._tekscan import family, frame_times, looks_like_asf, metadata, problems, read_movie

NAME = "iscan"
DESCRIPTION = (
    "Tekscan I-Scan / matrix sensor ASCII export (.csv/.asf: header, 'ASCII_DATA @@', "
    "'Frame N, t,, …, Raw Sum=,,S' and ROWS lines of COLS values), read as a platform"
)
SUFFIXES = (".csv",)  # (an .asf with a header nobody recognises goes to fscan to be named)
LIBRARIES = ("pandas", *_PLATE_LIBRARIES)
SYSTEM = "Tekscan I-Scan"


def detect(path: Path, head: bytes) -> bool:
    """A Tekscan ASF header (``_tekscan.looks_like_asf``) of a sensor that is not F-Scan."""
    fields = looks_like_asf(head)
    return fields is not None and family(fields) == "iscan"


def read(path: Path) -> Session:
    """Read the export (module docstring). FileFormatError names the line of the first damaged
    line, or the ``Frame`` line of a frame whose cells do not add up to its raw sum."""
    movie = read_movie(path)
    h = movie.header
    n = movie.n_frames
    raw = movie.raw_sums if h.unit == "raw" else None
    if raw is not None:  # NaN where a frame gives no sum: never "bad"
        with np.errstate(over="ignore"):  # a cell near 1e308 sums to inf: then named below
            sums = np.nansum(movie.values, axis=(1, 2))
        bad = np.abs(sums - raw) > 1e-6 * np.maximum(1.0, np.abs(sums))
        if bad.any():
            k = int(np.argmax(bad))
            raise FileFormatError(
                path,
                f"frame {movie.numbers[k]}: its cells add up to {sums[k]:g}, its 'Raw Sum=' "
                f"says {raw[k]:g}: a value in this frame is damaged",
                line=int(movie.frame_lines[k]),
            )
    time_s = frame_times(movie)
    span = float(time_s[-1] - time_s[0]) if n > 1 else 0.0
    spf = h.seconds_per_frame
    rate = (n - 1) / span if span > 0 else (1.0 / spf if spf is not None else 1.0)
    values = movie.values.reshape(n, h.rows * h.cols) * h.factor
    cells = grid_cells(h.rows, h.cols, h.row_spacing_mm, h.col_spacing_mm)
    name = f"iscan{h.rows}x{h.cols}"
    feet, plate = plate_feet(
        path, time_s, values, *cells, unit=h.unit, sampling_rate_hz=rate, name=name
    )
    device = {"sensels": int(movie.mask.sum()), "sensitivity": h.fields.get("SENSITIVITY")}
    more = {"seconds_per_frame": spf, "plate": plate, "raw_sum_checked": raw is not None}
    meta = metadata(
        movie, "Tekscan ASCII movie export", SYSTEM, h.fields.get("HARDWARE"), device, **more
    )
    found = problems(movie, values)
    # (feet.items(): the key of from_feet's Mapping[str, ...] is invariant, feet's is SideName)
    return Session.from_feet(
        path, NAME, dict(feet.items()), meta, quality=movie.quality(), problems=found
    )
