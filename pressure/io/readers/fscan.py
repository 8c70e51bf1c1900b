"""Tekscan F-Scan in-shoe insoles: the ASCII movie export (``.asf``), one file per foot.

Test data: ``fscan_testL.asf`` of the pressuRe R package's example data (Telfer et al., MIT)
and ``FrasP01L.asf`` + ``FrasP01R.asf`` of the footPress repository (MIT): one overground walk,
60 × 21 sensels of 5.08 mm, 205 frames at 0.032 s per frame, kPa. (The pressuRe file is the
footPress left file with LF line ends.)

Format: Tekscan's ASF text (``pressure.io.readers._tekscan``): ``KEY value`` header lines,
``ASCII_DATA @@``, then per frame ``Frame N`` and ``ROWS`` lines of ``COLS`` values, ``B``
outside the insole as the sensor was trimmed.

Geometry (the foot frame of ``pressure.layout``)
------------------------------------------------
The sensels are the non-``B`` cells (the same in every frame, checked), laid out by
``grid_layout`` with the file's ``ROWS``, ``COLS``, ``ROW_SPACING`` and ``COL_SPACING``;
sensors are those cells in row-major order of the file's own indexing. Which grid end is the
heel and which edge medial is read from the ``B`` outline (``_tekscan.insole_orientation``):

* the widest rows of the outline (the metatarsal heads) lie in the first third of the rows of
  both example files, so row 0 is the toe end, the last row the heel (``first_row="toe"``);
* the toe end's apex (the hallux) lies 1.25 columns toward the high columns from the heel's
  centre in ``…L.asf`` and toward column 0 in ``…R.asf`` (the two outlines are mirror images),
  so the left file's column 0 is lateral and the right file's medial. Drawn as Tekscan shows
  the matrix (row 0 at the top), that is a view from above of a left and of a right foot:
  the outline's chirality agrees with the file names.

The outline decides, not ``MIRROR_ROW``/``MIRROR_COL`` (0 in the examples; kept in
``metadata["device"]``): it is read from the matrix as the file has it, whatever the display
flags were. Where the outline does not decide (an untrimmed rectangle), the convention is used
(toes at row 0, a view from above) and ``metadata["orientation"]`` says so.

Which foot: the file name (``…L.asf`` / ``…R.asf``, ``_L``/``_R``), else the name of the
original movie in the ``FILENAME`` field, else the outline's chirality (then
``metadata["side_inferred"]``). A name that disagrees with the outline is noted in
``Session.problems``.

Two files, one session
----------------------
``XL.asf`` and ``XR.asf`` in one folder are one walk: ``detect`` claims the left file only (a
lone file of either side is claimed itself), ``primary_file`` maps the right file (or the
record name ``X``) to the left one, and ``read`` of either loads both. Times: frame ``N`` of a
file is at ``(N − START_FRAME) × SECONDS_PER_FRAME`` after that file's ``TIME`` (+
``MICRO_SECOND``); the later file is shifted by the difference of the two ``TIME`` fields, so
both feet share the time axis of the earlier start (0 s). F-Scan records both insoles in one
movie, so in the examples both ``TIME`` fields and frame ranges are equal and the frames are
simply simultaneous. A ``TIME`` that cannot be read gives no shift (noted in
``metadata["time_alignment"]``).

Units: kPa as written; PSI × 6.894757, mmHg × 0.133322387415 (and other pressure units, see
``pressure.io.text.PRESSURE_UNITS``) to kPa; ``raw`` stays ``raw``. ``metadata["unit_conversion"]``
says what was done. Regions: ``pressure.masks`` ``auto.*`` regions from the insole outline.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ...errors import FileFormatError
from ...model import FootRecording, Session, SideName
from ..text import read_head
from ._tekscan import (
    Movie,
    family,
    frame_times,
    grid_foot,
    insole_orientation,
    looks_like_asf,
    metadata,
    problems,
    read_movie,
    start_time,
)

NAME = "fscan"
DESCRIPTION = (
    "Tekscan F-Scan insole ASCII export (.asf: header, 'ASCII_DATA @@', 'Frame N' and ROWS "
    "lines of COLS values, B outside the insole); XL.asf + XR.asf load as one session"
)
SUFFIXES = (".asf",)
LIBRARIES = ("pandas",)
SYSTEM = "Tekscan F-Scan"
_SIDE_NAME = re.compile(r"(?:(?<![A-Z])(?P<upper>[LR])|[-_ .](?P<lower>[lr]))$")


def name_side(stem: str) -> SideName | None:
    """The side a file name's stem ends with: ``FrasP01L``, ``walk_R``, ``trial-l`` (an upper
    case L/R not after another capital, or a lower case one after a separator)."""
    match = _SIDE_NAME.search(stem)
    if match is None:
        return None
    letter = (match.group("upper") or match.group("lower")).upper()
    return "left" if letter == "L" else "right"


def _is_fscan(path: Path) -> bool:
    fields = looks_like_asf(read_head(path)) if path.is_file() else None
    return fields is not None and family(fields) == "fscan"


def _sibling(path: Path, side: SideName) -> Path | None:
    """The other foot's file of ``path`` (side ``side``) when it exists and is F-Scan."""
    stem = path.stem
    letter = stem[-1]
    other = {"L": "R", "R": "L", "l": "r", "r": "l"}[letter]
    for suffix in dict.fromkeys((path.suffix, path.suffix.lower(), path.suffix.upper())):
        candidate = path.with_name(stem[:-1] + other + suffix)
        if candidate != path and _is_fscan(candidate):
            return candidate
    return None


def detect(path: Path, head: bytes) -> bool:
    """A Tekscan ASF header (``_tekscan.looks_like_asf``) of an F-Scan sensor
    (``_tekscan.family``), and not the right file of a left/right pair."""
    fields = looks_like_asf(head)
    if fields is None or family(fields) != "fscan":
        return False
    return not (name_side(path.stem) == "right" and _sibling(path, "right") is not None)


def primary_file(path: Path) -> Path | None:
    """The left file for the right file of a pair, or for the record name ``X`` of
    ``XL.asf``; None otherwise."""
    if path.exists():
        if name_side(path.stem) == "right" and _is_fscan(path):
            return _sibling(path, "right")
        return None
    for suffix in (".asf", ".ASF"):
        for letter in ("L", "_L"):
            candidate = path.with_name(path.name + letter + suffix)
            if _is_fscan(candidate):
                return candidate
    return None


def _header_side(fields: dict[str, str]) -> SideName | None:
    for key, value in fields.items():
        word = value.strip().lower()[:1]
        if key.upper() in ("SIDE", "FOOT", "SENSOR_SIDE", "FOOT_SIDE") and word in ("l", "r"):
            return "left" if word == "l" else "right"
    original = fields.get("FILENAME", "").replace("\\", "/").rsplit("/", 1)[-1]
    return name_side(original.rsplit(".", 1)[0]) if original else None


def _foot(
    movie: Movie, hint: SideName | None, offset_s: float
) -> tuple[FootRecording, dict[str, Any], list[str]]:
    """One foot from one file: (recording, per-foot metadata, problems)."""
    h, mask = movie.header, movie.mask
    orientation = insole_orientation(mask, hint)
    outline_side = orientation.side_from_outline()
    side: SideName = hint or outline_side
    found = []
    if orientation.row_decided and orientation.col_decided and outline_side != side:
        found.append(
            f"{movie.path.name}: the name says {side} foot, the insole outline is a "
            f"{outline_side} foot seen from above (kept: {side}; the medial edge is "
            "taken from the outline)"
        )
    time_s = frame_times(movie)
    rate = h.seconds_per_frame and 1.0 / h.seconds_per_frame
    if not rate:
        span = float(time_s[-1] - time_s[0]) if time_s.size > 1 else 0.0
        rate = (time_s.size - 1) / span if span > 0 else 1.0
    name = f"fscan{h.rows}x{h.cols}-{int(mask.sum())}"
    spacing = (h.row_spacing_mm, h.col_spacing_mm)
    foot = grid_foot(
        side,
        time_s + offset_s,
        movie.values,
        mask,
        spacing,
        orientation,
        name,
        h.factor,
        unit=h.unit,
        sampling_rate_hz=float(rate),
    )
    info = {
        "file": str(movie.path),
        "side_inferred": hint is None,
        "orientation": orientation.describe(),
        "outline_side": outline_side,
        "frames": movie.n_frames,
        "first_frame": int(movie.numbers[0]),
        "sensels": int(mask.sum()),
    }
    return foot, info, found + problems(movie, foot.values, f"{movie.path.name}: ")


def read(path: Path) -> Session:
    """Read an F-Scan ``.asf`` file, with the other foot's file when there is one (module
    docstring). FileFormatError names the file and line of the first damaged line."""
    primary = primary_file(path)
    if primary is not None:  # the right file of a pair, or a record name: read from the left
        path = primary
    elif not path.exists():
        raise FileFormatError(path, "no such file")
    side = name_side(path.stem)
    other = _sibling(path, side) if side == "left" else None
    files: dict[SideName | None, Path] = {side: path} | ({"right": other} if other else {})
    movies = {s: read_movie(p) for s, p in files.items()}
    starts = {s: start_time(m.header.fields) for s, m in movies.items()}
    offsets = {s: 0.0 for s in movies}
    alignment = "one file"
    if len(movies) == 2:
        known = [t for t in starts.values() if t is not None]
        if len(known) == 2:
            earliest = min(known)
            offsets = {s: (t - earliest).total_seconds() for s, t in starts.items() if t}
            alignment = (
                "frame N at (N - START_FRAME) × SECONDS_PER_FRAME after the file's TIME; "
                f"shifts {', '.join(f'{s} {o:g} s' for s, o in offsets.items())}"
            )
        else:
            alignment = (
                "frame N at (N - START_FRAME) × SECONDS_PER_FRAME in both files; a TIME field "
                "could not be read, so no shift between the files"
            )
    feet: dict[str, FootRecording] = {}
    per_foot: dict[str, Any] = {}
    found: list[str] = []
    quality: dict[str, int] = {}
    headers: dict[str, dict[str, str]] = {}
    for s, movie in movies.items():
        fields = movie.header.fields.fields
        foot, info, foot_problems = _foot(movie, s or _header_side(fields), offsets[s])
        if foot.side in feet:
            raise FileFormatError(
                movie.path, f"both files are the {foot.side} foot (by their outlines)"
            )
        feet[foot.side] = foot
        per_foot[foot.side] = info
        headers[foot.side] = dict(fields)
        found += foot_problems
        quality.update(movie.quality(f"{foot.side}_"))
    hardware = {s: h["HARDWARE"] for s, h in headers.items() if h.get("HARDWARE")}
    first = movies[side].header.fields
    mirror = {"mirror_row": first.get("MIRROR_ROW"), "mirror_col": first.get("MIRROR_COL")}
    meta = metadata(
        movies[side],
        "Tekscan F-Scan ASCII export (.asf)",
        SYSTEM,
        hardware,
        mirror,
        files={s: i["file"] for s, i in per_foot.items()},
        headers=headers,  # every file's, by side ("header": the primary, left or only, file's)
        time_alignment=alignment,
        feet=per_foot,
        orientation={s: i["orientation"] for s, i in per_foot.items()},
        side_inferred=any(i["side_inferred"] for i in per_foot.values()),
    )
    if side is not None and len(movies) == 2:
        meta["record"] = path.stem[:-1].rstrip("_-. ")
    return Session.from_feet(path, NAME, feet, meta, quality=quality, problems=found)
