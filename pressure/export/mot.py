"""OpenSim storage (``.mot``) export: each foot's force and centre of pressure as the columns an
OpenSim ``ExternalForce`` reads, on the grid of ``channels``.

The file is OpenSim's storage format, version 1: the file name, ``version=1``, ``nRows=``,
``nColumns=`` (time included), ``inDegrees=no``, ``endheader``, then a tab-separated table
with a header row. Per foot present (``l`` left, ``r`` right)::

    time  l_ground_force_vx  l_ground_force_vy  l_ground_force_vz
          l_ground_force_px  l_ground_force_py  l_ground_force_pz
          l_ground_torque_x  l_ground_torque_y  l_ground_torque_z   (then r_...)

so that an ``ExternalForce`` takes ``force_identifier`` ``l_ground_force_v``,
``point_identifier`` ``l_ground_force_p`` and ``torque_identifier`` ``l_ground_torque_``.

From the foot frame to the columns
----------------------------------
The insole's foot frame (``pressure.layout``: origin at the back of the heel on the insole's
long axis, +y toward the toes, +x medial on both feet, mm) is turned into OpenSim's axes (X
forward, Y up, Z to the subject's right), in metres:

* ``px`` = CoP y / 1000 (anterior), ``py`` = 0 (the insole's surface), ``pz`` = CoP x / 1000
  on the left foot and -CoP x / 1000 on the right (medial is to the right of a left foot
  and to the left of a right one);
* ``vy`` = the foot's total force, N: the force *normal to the insole*, which is what its
  sensors measure; ``vx`` = ``vz`` = 0 and the torques 0: an insole measures no shear and no
  free moment.

These are foot-relative, **not** laboratory coordinates: the point moves with the foot, and
the force is normal to the sole (vertical only while the foot is flat). To apply them in
OpenSim, express both in the foot's body (``force_expressed_in_body`` and
``point_expressed_in_body`` = e.g. ``calcn_l``), with the point shifted by where the insole's
heel lies in that body, or transform them into the laboratory frame with the foot's motion.

Where a foot's centre of pressure is not defined (its load below the contact threshold of
``pressure.cop``, or no frame of that foot at that time) its force and point are written as 0:
OpenSim fits splines through these columns, and NaN would spread through them. Forces must be
in newtons and the layout in mm: other sessions are refused (``FileFormatError``). Numbers
are written with 9 significant digits (relative error below 5e-9), times with 6 decimals.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..errors import FileFormatError, UsageError
from ..io.atomic import write_output
from ..io.write import TIME_DECIMALS
from ..model import UNIT_TEXT, FloatArray, Session
from .channels import ExportGrid, Written, export_grid

SUFFIX = ".mot"
PREFIX = {"left": "l", "right": "r"}
#: the columns of one foot, ``{p}`` its prefix
COLUMNS = (
    "{p}_ground_force_vx",
    "{p}_ground_force_vy",
    "{p}_ground_force_vz",
    "{p}_ground_force_px",
    "{p}_ground_force_py",
    "{p}_ground_force_pz",
    "{p}_ground_torque_x",
    "{p}_ground_torque_y",
    "{p}_ground_torque_z",
)
#: significant digits of the forces and points
DIGITS = 9


def mot_columns(side: str) -> list[str]:
    """The nine columns of one foot, in file order."""
    return [c.format(p=PREFIX[side]) for c in COLUMNS]


def write_mot(session: Session, path: str | os.PathLike[str], *, overwrite: bool = True) -> Written:
    """Write ``session``'s forces and centres of pressure as an OpenSim ``.mot`` file (module
    docstring).

    Parameters
    ----------
    session : Session
        The session; it is not changed. Its loads must be forces in N and its sensor layout
        in mm.
    path : str or path
        The file, ending in ``.mot``. It appears whole or not at all
        (``pressure.io.atomic``).
    overwrite : bool
        Replace an existing file (default); False raises UsageError for one.

    Returns
    -------
    Written
        What was written (no events: a ``.mot`` holds none).

    Raises
    ------
    UsageError
        For a suffix other than ``.mot``, or an existing file without ``overwrite``.
    FileFormatError
        When the session has no frame, a foot's load is not in N, or a foot has no sensor
        layout in mm.
    OutputError
        When the file cannot be written.
    """
    path = Path(path)
    if path.suffix.lower() != SUFFIX:
        raise UsageError(
            f"{path}: an OpenSim storage file ends in .mot, not {path.suffix or 'no suffix'!r}"
        )
    grid = export_grid(session)
    columns, notes = _columns(session, grid)
    times = np.round(grid.time_s, TIME_DECIMALS)
    lines = [
        path.name,
        "version=1",
        f"nRows={grid.n_samples}",
        f"nColumns={len(columns) + 1}",
        "inDegrees=no",
        "endheader",
        "\t".join(["time", *columns]),
    ]

    import pandas as pd

    table = pd.DataFrame({"time": np.char.mod(f"%.{TIME_DECIMALS}f", times), **columns})

    def write(temporary: Path) -> None:
        with temporary.open("w", encoding="utf-8", newline="") as out:
            out.write("\n".join(lines) + "\n")
            table.to_csv(
                out,
                sep="\t",
                header=False,
                index=False,
                float_format=f"%.{DIGITS}g",
                lineterminator="\n",
            )

    write_output(path, write, overwrite=overwrite)
    return Written(path, grid, 0, tuple(notes))


def _columns(session: Session, grid: ExportGrid) -> tuple[dict[str, FloatArray], list[str]]:
    """The table's columns by name (module docstring) and the notes about them."""
    columns: dict[str, FloatArray] = {}
    notes = list(grid.notes)
    zero = np.zeros(grid.n_samples)
    for side in grid.sides:
        load = grid.channel(side, "load")
        ml, ap = grid.channel(side, "cop_ml"), grid.channel(side, "cop_ap")
        assert load is not None
        if load.unit != "n":
            raise FileFormatError(
                session.path,
                f"the {side} foot's load is in {UNIT_TEXT.get(load.unit, load.unit)}, not "
                "newtons: an OpenSim .mot holds forces in N (calibrate the session, or write a "
                ".c3d, which keeps the session's unit)",
            )
        if ml is None or ap is None:
            raise FileFormatError(
                session.path,
                f"the {side} foot has no sensor layout, so no centre of pressure to apply its "
                "force at: an OpenSim .mot needs one (give the layout, or write a .c3d)",
            )
        if ml.unit != "mm":
            raise FileFormatError(
                session.path,
                f"the {side} foot's sensor positions are in {ml.unit}, not mm: an OpenSim .mot "
                "holds points in metres",
            )
        defined = np.isfinite(load.values) & np.isfinite(ml.values) & np.isfinite(ap.values)
        medial_to_z = 1.0 if side == "left" else -1.0
        force = np.where(defined, load.values, 0.0)
        px = np.where(defined, ap.values / 1000.0, 0.0)
        pz = np.where(defined, medial_to_z * ml.values / 1000.0, 0.0)
        values = (zero, force, zero, px, zero, pz, zero, zero, zero)
        columns.update(zip(mot_columns(side), values, strict=True))
        undefined = int((~defined).sum())
        if undefined:
            notes.append(
                f"{side} foot: force and point written as 0 at {undefined} of {grid.n_samples} "
                "samples without a centre of pressure (unloaded, or no frame)"
            )
    return columns, notes


__all__ = ["COLUMNS", "DIGITS", "PREFIX", "SUFFIX", "mot_columns", "write_mot"]
