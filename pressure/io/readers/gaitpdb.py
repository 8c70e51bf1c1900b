"""PhysioNet *Gait in Parkinson's Disease* (gaitpdb) 1.0.0 walks.

Data: Goldberger et al., PhysioBank/PhysioNet (Circulation 2000;101:e215); gaitpdb by Hausdorff
et al., https://physionet.org/content/gaitpdb/1.0.0/, Open Data Commons Attribution License
v1.0 (ODC-By 1.0): credit the database when you use it.

Format (the database's ``format.txt``): one walk per text file ``<Study><Co|Pt><NN>_<WW>.txt``
(e.g. ``GaCo01_01.txt``), tab-separated, CRLF, no header, sampled at 100 Hz, 19 columns:
time (s); L1..L8, the vertical force under the left foot's 8 sensors (N); R1..R8 the same for the
right foot; the total force under the left foot (N); the same for the right foot. The totals
are the authors' own (they equal the sum of the 8 sensors in the copies we checked).

Session: per foot ``values`` shape (n, 8) in N (``unit="n"``) with the ``gaitpdb8`` layout
(``pressure.layouts_builtin``; arbitrary coordinate units), ``total_force_n`` = the authors'
total. ``metadata["subject"]`` comes from ``demographics_from_xls.csv`` beside the file when
present (a CSV export of the database's ``demographics.xls``, whose Ju study heights are in cm:
converted to m here).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np

from ...errors import FileFormatError
from ...model import FootRecording, Session, SideName
from ..table import read_table
from ..text import check_increasing, head_lines, read_bytes, sampling_rate_hz

NAME = "gaitpdb"
DESCRIPTION = (
    "PhysioNet Gait in Parkinson's Disease walk (.txt: 19 tab-separated columns, time, "
    "8 + 8 sensor forces and 2 totals in N)"
)
SUFFIXES = (".txt",)
LIBRARIES = ("pandas",)
RATE_HZ = 100.0
N_SENSORS = 8
COLUMNS: tuple[str, ...] = (
    "time_s",
    *(f"L{k}_n" for k in range(1, N_SENSORS + 1)),
    *(f"R{k}_n" for k in range(1, N_SENSORS + 1)),
    "total_left_n",
    "total_right_n",
)
DEMOGRAPHICS_FILE = "demographics_from_xls.csv"
SOURCE = (
    "PhysioNet Gait in Parkinson's Disease 1.0.0 (Hausdorff et al.), ODC-By 1.0, "
    "https://physionet.org/content/gaitpdb/1.0.0/"
)
_NAME_RE = re.compile(r"(?P<id>(?P<study>[A-Za-z]{2})(?P<group>Co|Pt)\d+)_(?P<walk>\d+)")


def _numeric_row(line: str) -> bool:
    fields = line.split("\t")
    # the time has decimals: this keeps out line-mode captures of 19 integer sensor values
    if len(fields) != len(COLUMNS) or "." not in fields[0]:
        return False
    try:
        [float(f) for f in fields]
    except ValueError:
        return False
    return True


def detect(path: Path, head: bytes) -> bool:
    """Rows of 19 tab-separated numbers, the first a time with decimals: at least 2 of the
    first 5 non-blank lines (so a file damaged further on still reaches ``read``, which names
    the bad line)."""
    lines = [line for line in head_lines(head, 20) if line.strip()][:5]
    return sum(_numeric_row(line) for line in lines) >= min(2, len(lines)) > 0


_SEPARATORS = ((",", "comma"), (";", "semicolon"), (" ", "space"))


def near(path: Path, head: bytes) -> str | None:
    """Rows of 19 numbers, the first a time with decimals, separated otherwise than by tabs
    (a walk re-saved by a spreadsheet or an editor): which separator it has."""
    lines = [line.strip() for line in head_lines(head, 20) if line.strip()][:5]
    if len(lines) < 2:
        return None
    for sep, name in _SEPARATORS:
        for decimal in (".", ","):
            rows = [
                [f.replace(decimal, ".") for f in line.split(sep) if f or sep != " "]
                for line in lines
            ]
            if decimal == sep or sum(_numeric_row("\t".join(r)) for r in rows) < 2:
                continue
            found, expected = f"{name}-separated", "tab-separated"
            if decimal == ",":
                found += " with decimal commas"
                expected += " with decimal points"
            return f"a PhysioNet gaitpdb walk, but its 19 columns are {found} (expected {expected})"
    return None


def _number(value: str) -> float | None:
    try:
        number = float(value)
    except ValueError:
        return None
    return None if np.isnan(number) else number


def demographics(csv_path: Path, subject_id: str, walk: str | None) -> dict[str, Any] | None:
    """The subject's row of ``demographics_from_xls.csv`` as subject fields, or None when the
    file has no row for ``subject_id``. Heights over 3 (the Ju study's cm) are converted to m.
    ``gait_speed_m_s`` is the speed of this walk when the table has it (walks 01 and 10)."""
    import csv

    with csv_path.open(newline="", encoding="utf-8-sig") as f:
        for row in csv.DictReader(f):
            if row.get("ID", "").strip() != subject_id:
                continue
            height = _number(row.get("Height (meters)", ""))
            if height is not None and height > 3.0:  # the Ju study wrote cm
                height = height / 100.0
            speed_column = {"01": "Speed_01 (m/sec)", "10": "Speed_10"}.get(walk or "")
            groups = {"PD": "parkinson", "CO": "control"}
            age = _number(row.get("Age", ""))
            return {
                "subject_id": subject_id,
                "study": row.get("Study") or None,
                "group": groups.get(row.get("Group", ""), row.get("Group") or None),
                "sex": row.get("Gender") or None,
                "age_yr": age,
                "height_m": height,
                "body_mass_kg": _number(row.get("Weight (kg)", "")),
                "hoehn_yahr": _number(row.get("HoehnYahr", "")),
                "updrs": _number(row.get("UPDRS", "")),
                "updrs_motor": _number(row.get("UPDRSM", "")),
                "tug_s": _number(row.get("TUAG", "")),  # timed up and go
                "gait_speed_m_s": _number(row[speed_column]) if speed_column in row else None,
            }
    return None


def read(path: Path) -> Session:
    """Read one walk (module docstring); FileFormatError names the line of a bad row or cell."""
    from ...layouts_builtin import gaitpdb8_layout

    parsed = read_table(path, read_bytes(path), COLUMNS, sep="\t", encoding="ascii")
    table = parsed.values
    check_increasing(path, table[:, 0], parsed.line_numbers)
    time_s = table[:, 0].copy()
    rate = sampling_rate_hz(time_s, RATE_HZ) or RATE_HZ
    layout = gaitpdb8_layout()
    placement: tuple[tuple[SideName, int, int], ...] = (("left", 1, 17), ("right", 9, 18))
    feet: dict[str, FootRecording] = {
        side: FootRecording(
            side=side,
            time_s=time_s,
            values=table[:, first : first + N_SENSORS].copy(),
            unit="n",
            sampling_rate_hz=rate,
            layout=layout,
            total_force_n=table[:, total].copy(),
        )
        for side, first, total in placement
    }
    metadata: dict[str, Any] = {
        "source": SOURCE,
        "record": path.stem,
        "columns": COLUMNS,
        # format.txt's coordinates: the insoles' centre lines (X = ∓500) are 1000 units apart
        "standing_separation_mm": 1000.0,
    }
    match = _NAME_RE.fullmatch(path.stem)
    if match is not None:
        metadata["study"] = match["study"]
        metadata["walk"] = match["walk"]
        metadata["subject"] = {
            "subject_id": match["id"],
            "group": "control" if match["group"] == "Co" else "parkinson",
        }
        csv_path = path.with_name(DEMOGRAPHICS_FILE)
        if csv_path.is_file():
            try:
                found = demographics(csv_path, match["id"], match["walk"])
            except (OSError, UnicodeDecodeError, ValueError) as exc:
                raise FileFormatError(csv_path, f"cannot be read as demographics: {exc}") from None
            if found is not None:
                metadata["subject"] = found
                metadata["demographics_file"] = str(csv_path)
    return Session.from_feet(path, NAME, feet, metadata)
