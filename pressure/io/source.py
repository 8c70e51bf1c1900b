"""Sessions read a range of frames at a time: ``SessionSource``, for recordings of any length.

A ``Session`` holds every frame in memory (a 2 × 16-sensor hour at 100 Hz is 92 MB of float64;
a pedar-sized 8 hours is 4.6 GB). A ``SessionSource`` holds what a session holds except the
sensor values: each foot's ``FootSource`` keeps its frame times (8 bytes a frame) and reads
the values of frames ``[start, stop)`` when asked (``FootSource.frames``), as a
``FootRecording`` of those frames. ``pressure.analysis.analyze`` reads a source a chunk at a
time.

Two kinds of source:

* ``SessionSource.of(session)``: a session already in memory; ``frames`` gives views of its
  arrays (nothing is copied).
* ``open_source(path)``: any file ``pressure.load`` reads. Recordings of this project
  (``.insole``) whose links are binary are decoded once, block by block, into temporary
  spill files (in the system's temporary folder), from which ``frames`` reads
  (``pressure.io.recording_source``, which says what it keeps in memory); every other file,
  and a recording in line mode, is loaded whole (``pressure.load``) and served as above. Use
  it as a context manager (or call ``close``) so the temporary files go (else they go when
  the source is dropped, or when the process exits).

Whatever the kind, ``source.frames`` of a range equals the same range of ``pressure.load``'s
session (tested), so an analysis cannot tell them apart.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from ..layout import SensorLayout
from ..model import (
    TIME_TOLERANCE_S,
    FloatArray,
    FootRecording,
    Session,
    SideName,
    cut_window,
    extent,
    window_events,
    window_metadata,
)

#: frames per chunk when a caller does not say (a minute at 100 Hz; 99 sensors: 4.8 MB)
CHUNK_FRAMES = 6_000


@dataclass(frozen=True, eq=False)
class FootSource:
    """One foot of a ``SessionSource``: its frame times whole, its values on request.

    ``read(start, stop)`` returns the ``FootRecording`` of frames ``[start, stop)`` of the
    whole foot (``0 <= start <= stop <= n_frames`` of the unwindowed foot); ``first`` is
    where this (possibly windowed) foot starts in it.
    """

    side: SideName
    time_s: FloatArray
    unit: str
    sampling_rate_hz: float
    n_sensors: int
    read: Callable[[int, int], FootRecording]
    layout: SensorLayout | None = None
    first: int = 0
    has_total_force: bool = False

    @property
    def n_frames(self) -> int:
        """The number of frames."""
        return len(self.time_s)

    def frames(self, start: int = 0, stop: int | None = None) -> FootRecording:
        """Frames ``[start, stop)`` of this foot (``stop`` None: to the end)."""
        n = self.n_frames
        stop = n if stop is None else min(int(stop), n)
        start = max(0, min(int(start), stop))
        return self.read(self.first + start, self.first + stop)

    @property
    def values(self) -> FrameValues:
        """The sensor values, read a slice at a time (``FrameValues``)."""
        return FrameValues(self)

    def chunks(self, frames: int = CHUNK_FRAMES) -> Iterator[tuple[int, FootRecording]]:
        """``(start, FootRecording)`` of consecutive ranges of ``frames`` frames."""
        for start in range(0, self.n_frames, max(1, int(frames))):
            yield start, self.frames(start, start + frames)

    def window(self, start_s: float, end_s: float) -> FootSource:
        """The frames with ``start_s <= time_s < end_s`` (as ``FootRecording.window``)."""
        a, b = np.searchsorted(self.time_s, [start_s - TIME_TOLERANCE_S, end_s - TIME_TOLERANCE_S])
        return replace(self, time_s=self.time_s[a:b], first=self.first + int(a))


class FrameValues:
    """A foot's sensor values (frames, sensors) read on demand: ``values[a:b]`` is the array
    of frames ``[a, b)``, as ``FootRecording.values[a:b]`` would be. Only slices of whole
    frames are served (no steps, no fancy indexing): code that would touch every value at
    once fails loudly instead of reading a long recording into memory."""

    def __init__(self, foot: FootSource) -> None:
        self._foot = foot

    @property
    def shape(self) -> tuple[int, int]:
        """``(frames, sensors)``."""
        return self._foot.n_frames, self._foot.n_sensors

    def __len__(self) -> int:
        return self._foot.n_frames

    def __getitem__(self, key: slice) -> FloatArray:
        if not isinstance(key, slice) or key.step not in (None, 1):
            raise TypeError("FrameValues serve slices of consecutive frames only")
        start, stop, _ = key.indices(self._foot.n_frames)
        return self._foot.frames(start, max(start, stop)).values


def foot_source(foot: FootRecording) -> FootSource:
    """The ``FootSource`` of a foot in memory: ``frames`` are views of its arrays."""
    return FootSource(
        side=foot.side,
        time_s=foot.time_s,
        unit=foot.unit,
        sampling_rate_hz=foot.sampling_rate_hz,
        n_sensors=foot.n_sensors,
        read=foot.frames,
        layout=foot.layout,
        has_total_force=foot.total_force_n is not None,
    )


@dataclass(frozen=True, eq=False)
class SessionSource:
    """A session whose feet give their frames a range at a time (module docstring).

    Parameters
    ----------
    path : Path
        The file it was read from.
    format : str
        The reader's name for the file's format.
    feet : dict of str to FootSource
        The feet present, by side: their frame times whole, their frames on request.
    metadata : dict
        As ``Session.metadata``.
    events : dict
        As ``Session.events``.
    quality : dict of str to int
        As ``Session.quality``.
    problems : list of str
        As ``Session.problems``.
    cleanup : callable, optional
        Removes what the source keeps on disk (None: nothing), called by ``close``.
    """

    path: Path
    format: str
    feet: dict[str, FootSource]
    metadata: dict[str, Any] = field(default_factory=dict)
    events: dict[str, dict[str, FloatArray]] = field(default_factory=dict)
    quality: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    #: removes what the source keeps on disk (None: nothing)
    cleanup: Callable[[], None] | None = None

    @classmethod
    def of(cls, session: Session) -> SessionSource:
        """The source of a session in memory.

        Parameters
        ----------
        session : Session
            The session; its arrays are not copied (``frames`` gives views of them).

        Returns
        -------
        SessionSource
            The source.
        """
        return cls(
            path=session.path,
            format=session.format,
            feet={side: foot_source(f) for side, f in session.feet.items()},
            metadata=session.metadata,
            events=session.events,
            quality=session.quality,
            problems=session.problems,
        )

    @property
    def duration_s(self) -> float:
        """As ``Session.duration_s``."""
        return extent(self.feet.values())[0]

    @property
    def end_s(self) -> float:
        """As ``Session.end_s``."""
        return extent(self.feet.values())[1]

    @property
    def sampling_rate_hz(self) -> float | None:
        """As ``Session.sampling_rate_hz``."""
        rates = [f.sampling_rate_hz for f in self.feet.values()]
        return max(rates) if rates else None

    def session(self) -> Session:
        """Everything in memory, as ``pressure.load`` gives it."""
        return Session.from_feet(
            self.path,
            self.format,
            {side: f.frames() for side, f in self.feet.items()},
            self.metadata,
            events=self.events,
            quality=self.quality,
            problems=self.problems,
        )

    def window(self, start_s: float | None = None, end_s: float | None = None) -> SessionSource:
        """The part from ``start_s`` to ``end_s``, checked and recorded as ``Session.window``
        does (the same errors, ``metadata["window_s"]``, ``frames_lost`` left out).

        Parameters
        ----------
        start_s : float, optional
            Start, s on the recording's time axis (default: 0).
        end_s : float, optional
            End, s, exclusive (default: the end of the recording).

        Returns
        -------
        SessionSource
            The window (its feet read the same files or arrays).
        """
        feet, start, end = cut_window(self.path, self.feet, FootSource.window, start_s, end_s)
        return replace(
            self,
            feet=feet,
            metadata=window_metadata(self.metadata, start, end),
            events=window_events(self.events, start, end),
            quality={k: v for k, v in self.quality.items() if k != "frames_lost"},
        )

    def close(self) -> None:
        """Remove what the source keeps on disk (a no-op for a source in memory)."""
        if self.cleanup is not None:
            self.cleanup()

    def __enter__(self) -> SessionSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_source(path: str | os.PathLike[str]) -> SessionSource:
    """Open any file ``pressure.load`` reads, to be read a range of frames at a time.

    This project's binary recordings are decoded block by block into temporary spill files
    (module docstring); other files are loaded whole. When the temporary folder has no room
    for the spill files (a full disk), the file is loaded whole instead, as ``load`` would:
    reading a file should not need free disk space.

    Parameters
    ----------
    path : str or path
        The file.

    Returns
    -------
    SessionSource
        The session's metadata, quality and problems, each foot's frame times and, through
        ``FootSource.frames(start, stop)``, its frames. Use it as a context manager (or call
        ``close``) so that the spill files go; ``pressure.analyze`` takes it.

    Raises
    ------
    FileFormatError
        As ``pressure.load`` raises it.
    """
    from ..errors import OutputError
    from .load import load
    from .recording import is_recording
    from .recording_source import open_recording

    path = Path(path)
    if is_recording(path):
        try:
            opened = open_recording(path, FootSource)
        except OutputError:  # no room to spill (open_recording removed what it wrote)
            opened = None
        if opened is not None:
            return SessionSource(
                path=path,
                format=opened.format,
                feet=opened.feet,
                metadata=opened.metadata,
                quality=opened.quality,
                problems=opened.problems,
                cleanup=opened.cleanup,
            )
    return SessionSource.of(load(path))
