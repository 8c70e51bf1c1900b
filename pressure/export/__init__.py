"""Exports for the gait lab's tools: C3D (``write_c3d``: analog channels and gait events, read by
every biomechanics program) and OpenSim storage (``write_mot``: forces and centres of pressure
for an ``ExternalForce``).

Both take a ``Session`` and put its feet on one uniform time grid (``channels.export_grid``:
the feet's own samples where they lie on it, linear interpolation where they do not, NaN where
a foot has no frame). The gait events come from the caller, usually the analysis'
(``analysis_events(pressure.analyze(session))``), which is why this package sits beside the
reports, above ``pressure.analysis``, and not in ``pressure.io``. ezc3d, which writes the C3D
file, is the optional extra ``pressure[c3d]`` and imported only when writing one::

    import pressure
    from pressure.export import analysis_events, write_c3d, write_mot

    session = pressure.load("walk.insole")
    write_c3d(session, "walk.c3d", events=analysis_events(pressure.analyze(session)))
    write_mot(session, "walk.mot")
"""

from .c3d import write_c3d
from .channels import Channel, ExportGrid, Written, analysis_events, export_grid
from .mot import write_mot

__all__ = [
    "Channel",
    "ExportGrid",
    "Written",
    "analysis_events",
    "export_grid",
    "write_c3d",
    "write_mot",
]
