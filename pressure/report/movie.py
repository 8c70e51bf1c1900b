"""A movie of a session: each foot's pressure map frame by frame, with the centre of pressure's
trail over the last second and a time stamp, as an animated GIF (Pillow) or an MP4 (FFmpeg).

Frames are drawn through ``matplotlib.animation``'s movie writers: one figure, drawn once, whose
artists are updated in place (``set_array``, ``set_data``, ``set_text``) for every frame. The
movie's frame ``k`` is at ``start_s + k * speed / fps`` seconds on the recording's time axis and
shows, per foot, the session frame nearest that time (the feet may have different rates). Feet
are drawn as the report's figures draw them (``figures``: seen from above, toes up, a square of
each sensor's area at its position). One colour scale for the whole movie: 0 to the 99th
percentile of the session frames shown, so a colour means the same pressure in every frame.

MP4 needs the ``movie`` extra (``imageio-ffmpeg``, whose wheel holds a static ffmpeg binary).
"""

from __future__ import annotations

import contextlib
import math
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt
from matplotlib.animation import AbstractMovieWriter, FFMpegWriter

from ..errors import FileFormatError, UsageError
from ..model import FootRecording, Session
from .figures import _as_pressure, _axes_per_foot, _figure, _mirror, _outline, sensor_squares
from .figures import _unit as unit_text

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.artist import Artist
    from matplotlib.figure import Figure

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
MovieFormat = Literal["gif", "mp4"]

#: the movie formats by output suffix
SUFFIXES: dict[str, MovieFormat] = {".gif": "gif", ".mp4": "mp4"}
#: the most frames a movie may have: bounds the time and the size of the file
MAX_FRAMES = 10_000
#: how far back the centre of pressure's trail reaches, s
TRAIL_S = 1.0
#: pixels per inch of the frames: a two-foot frame is 544 × 400 pixels
MOVIE_DPI = 80
INSTALL_HINT = "pip install 'pressure[movie]'"


def frame_count(start_s: float, end_s: float, speed: float = 1.0, fps: int = 20) -> int:
    """How many frames ``frame_times`` gives, without making them (to refuse a movie that
    is too long before allocating anything)."""
    return max(0, math.ceil((end_s - start_s) * fps / speed - 1e-9))


def frame_times(start_s: float, end_s: float, speed: float = 1.0, fps: int = 20) -> FloatArray:
    """The movie's frame times, s on the recording's time axis: ``start_s + k * speed / fps``
    for every ``k >= 0`` with a time before ``end_s``."""
    n = frame_count(start_s, end_s, speed, fps)
    return start_s + np.arange(n, dtype=np.float64) * (speed / fps)


def nearest_frames(time_s: FloatArray, at_s: FloatArray) -> IntArray:
    """The index into ``time_s`` (increasing, at least one frame) of the frame nearest each
    time of ``at_s`` (the earlier of two equally near)."""
    if len(time_s) == 1:
        return np.zeros(len(at_s), dtype=np.intp)
    k = np.clip(np.searchsorted(time_s, at_s), 1, len(time_s) - 1)
    earlier = at_s - time_s[k - 1] <= time_s[k] - at_s
    return np.where(earlier, k - 1, k).astype(np.intp)


def ffmpeg_exe() -> str:
    """The ffmpeg binary of the ``movie`` extra (imageio-ffmpeg). UsageError without it."""
    try:
        import imageio_ffmpeg
    except ImportError:
        raise UsageError(f"an MP4 needs ffmpeg: {INSTALL_HINT} (or write a .gif)") from None
    try:
        return str(imageio_ffmpeg.get_ffmpeg_exe())
    except RuntimeError as exc:  # no binary for this platform, none on IMAGEIO_FFMPEG_EXE
        raise UsageError(f"an MP4 needs ffmpeg, and imageio-ffmpeg has none: {exc}") from None


def drawable_feet(session: Session) -> dict[str, FootRecording]:
    """The feet with frames and sensor positions in mm, by side. FileFormatError when none."""
    feet = {
        side: f
        for side, f in session.feet.items()
        if f.n_frames and f.layout is not None and f.layout.coordinate_unit == "mm"
    }
    if not feet:
        units = {f.layout.coordinate_unit for f in session.feet.values() if f.layout is not None}
        why = (
            f"gives the sensor positions in {', '.join(sorted(units - {'mm'}))}, not mm"
            if units - {"mm"}
            else "gives no sensor positions"
        )
        raise FileFormatError(
            session.path,
            f"no movie: the file {why}, so the feet cannot be drawn to scale (give the "
            "positions in mm with --layout FILE or a profile)",
        )
    return feet


def write_movie(
    session: Session,
    cop: pd.DataFrame,
    path: str | Path,
    times_s: FloatArray,
    *,
    fps: int = 20,
    format: MovieFormat = "gif",
) -> None:
    """Write the movie of ``session`` at the frame times ``times_s`` (``frame_times``) to
    ``path``.

    Parameters
    ----------
    session : Session
        The recording; its feet with sensor positions in mm are drawn (``drawable_feet``).
    cop : DataFrame
        The centre of pressure per frame (``Analysis.cop``: ``side``, ``time_s``,
        ``cop_ml_mm``, ``cop_ap_mm``, foot frame); its last ``TRAIL_S`` before each frame's
        time is drawn.
    path : str or Path
        The file to fill; its name is not read (the format is ``format``), so it may be the
        atomic writer's unnamed file.
    times_s : ndarray of float, shape (frames,)
        The movie's frame times, s on the recording's time axis, at least one.
    fps : int
        Frames per second of the movie.
    format : "gif" or "mp4"
        The container: an animated GIF through Pillow, or H.264 in MP4 through ffmpeg.

    Raises
    ------
    FileFormatError
        When no foot has sensor positions in mm.
    UsageError
        For an MP4 without the ``movie`` extra.
    OSError
        When the file cannot be written (ffmpeg failing is one too).
    """
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    feet = drawable_feet(session)
    if not len(times_s):
        raise ValueError("a movie needs one frame time or more")
    exe = ffmpeg_exe() if format == "mp4" else None
    fig, moving, update = _animated_figure(feet, cop, times_s)
    canvas = FigureCanvasAgg(fig)
    for artist in moving:  # left out of the full draw: the background without them
        artist.set_animated(True)
    canvas.draw()
    # the layout is worked out once, on that draw: the time stamp changing width must not
    # move the feet between frames
    fig.set_layout_engine("none")
    background = canvas.copy_from_bbox(fig.bbox)
    writer = GifWriter(fps=fps) if format == "gif" else Mp4Writer(fps=fps)
    # the writers take the format from the file name, and ffmpeg, being another process,
    # cannot open the atomic writer's unnamed file: the movie is made under a name of its own,
    # then copied
    with tempfile.TemporaryDirectory(prefix="pressure-movie-") as folder:
        made = Path(folder) / f"movie.{format}"
        ffmpeg = (
            matplotlib.rc_context({"animation.ffmpeg_path": exe})
            if exe is not None
            else contextlib.nullcontext()
        )
        try:
            with ffmpeg, writer.saving(fig, str(made), MOVIE_DPI):
                for k in range(len(times_s)):
                    update(k)
                    # only what moves is drawn, over the background (blitting): the axes,
                    # outlines and colour bar are drawn once, not once per frame
                    canvas.restore_region(background)
                    for artist in moving:
                        fig.draw_artist(artist)
                    writer.grab_frame()
        except (subprocess.CalledProcessError, BrokenPipeError) as exc:
            raise _ffmpeg_failed(exc) from None
        shutil.copyfile(made, path)


def _canvas_rgb(fig: Figure, size: tuple[int, int]) -> npt.NDArray[np.uint8]:
    """The pixels on the figure's canvas as they are (nothing is drawn), height × width × 3."""
    rgba = np.asarray(fig.canvas.buffer_rgba())  # type: ignore[attr-defined]
    if rgba.shape[:2] != (size[1], size[0]):
        raise RuntimeError(f"the canvas is {rgba.shape[1]}×{rgba.shape[0]}, not {size}")
    return np.ascontiguousarray(rgba[:, :, :3])


def _ffmpeg_failed(exc: subprocess.CalledProcessError | BrokenPipeError) -> OSError:
    """ffmpeg stopping, as the OSError of a file that cannot be written."""
    code = exc.returncode if isinstance(exc, subprocess.CalledProcessError) else None
    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        how = f"ffmpeg was stopped by {name}" + (
            " (file too large for the disk or its limit)" if name == "SIGXFSZ" else ""
        )
    elif code is not None:
        how = f"ffmpeg failed with exit status {code}"
    else:
        how = "ffmpeg stopped reading the frames"
    return OSError(0, how)


class GifWriter(AbstractMovieWriter):
    """An animated GIF written frame by frame with Pillow's GIF encoder, each frame with its
    own colour table, from the canvas as it is (the caller draws it). matplotlib's
    ``PillowWriter`` keeps every frame in memory until the end (gigabytes for a movie of
    ``MAX_FRAMES``) and merges frames that look alike; this one writes each frame as it
    comes, so the memory stays one frame's and the GIF has one image per frame."""

    def setup(self, fig: Figure, outfile: Any, dpi: float | None = None) -> None:
        super().setup(fig, outfile, dpi=dpi)
        self._file = open(outfile, "wb")  # noqa: SIM115 (closed in finish)
        self._frames = 0

    def grab_frame(self, **savefig_kwargs: Any) -> None:
        from PIL import GifImagePlugin, Image

        frame = Image.fromarray(_canvas_rgb(self.fig, self.frame_size), "RGB")
        # fast octree: a sixth of median cut's time, and the frame is flat colours and text
        frame = frame.quantize(256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
        if self._frames == 0:  # the screen's size, the first colour table, loop for ever
            header, _ = GifImagePlugin.getheader(frame, info={"loop": 0})
            self._file.writelines(header)
        duration_ms = round(1000 / self.fps)
        self._file.writelines(
            GifImagePlugin.getdata(frame, duration=duration_ms, include_color_table=True)
        )
        self._frames += 1

    def finish(self) -> None:
        try:
            if self._frames:
                self._file.write(b";")  # the GIF trailer
        finally:
            self._file.close()


class Mp4Writer(FFMpegWriter):
    """H.264 in MP4 (yuv420p, matplotlib's choice for h264: what browsers and players take)
    through ffmpeg, fed the canvas as it is (the caller draws it) rather than a fresh
    ``savefig`` of the whole figure per frame."""

    def __init__(self, fps: int) -> None:
        super().__init__(fps=fps, codec="h264")

    def grab_frame(self, **savefig_kwargs: Any) -> None:
        rgba = np.asarray(self.fig.canvas.buffer_rgba())  # type: ignore[attr-defined]
        if rgba.shape[:2] != (self.frame_size[1], self.frame_size[0]):
            raise RuntimeError(f"the canvas is not {self.frame_size} pixels")
        proc: subprocess.Popen[bytes] = self._proc  # type: ignore[attr-defined]
        assert proc.stdin is not None  # the pipe matplotlib opened to ffmpeg in setup
        proc.stdin.write(rgba.tobytes())


def _colour_scales(
    feet: dict[str, FootRecording], shown: dict[str, IntArray]
) -> tuple[dict[str, str], dict[str, float]]:
    """Each foot's unit as drawn (kPa where the file's unit allows) and the top of its colour
    scale: the 99th percentile of the session frames shown, over the feet that share its
    unit (1 when none is above zero)."""
    units: dict[str, str] = {}
    values: dict[str, list[FloatArray]] = {}
    for side, foot in feet.items():
        pressure, units[side] = _as_pressure(foot.values[np.unique(shown[side])], foot)
        ok = pressure[np.isfinite(pressure)]
        values.setdefault(units[side], []).append(ok)
    tops: dict[str, float] = {}
    for unit, parts in values.items():
        every = np.concatenate(parts)
        top = float(np.percentile(every, 99)) if every.size else 0.0
        if not top > 0 and every.size:
            top = float(every.max())
        tops[unit] = top if top > 0 else 1.0
    return units, {side: tops[unit] for side, unit in units.items()}


def _animated_figure(
    feet: dict[str, FootRecording], cop: pd.DataFrame, times_s: FloatArray
) -> tuple[Figure, list[Artist], Callable[[int], None]]:
    """The figure, the artists that change from frame to frame, and ``update(k)``, which
    sets them to frame ``k``."""
    import matplotlib
    from matplotlib.collections import PatchCollection

    shown = {side: nearest_frames(f.time_s, times_s) for side, f in feet.items()}
    units, tops = _colour_scales(feet, shown)
    shared = len(set(units.values())) == 1
    fig = _figure(2.8 * len(feet) + 1.2 * (1 if shared else len(feet)), 5.0)
    fig.set_dpi(MOVIE_DPI)
    axes = _axes_per_foot(fig, len(feet))
    cmap = matplotlib.colormaps["turbo"].with_extremes(bad="0.92")
    maps: dict[str, PatchCollection] = {}
    trails: dict[str, tuple[Any, Any, FloatArray, FloatArray, FloatArray]] = {}
    for ax, (side, foot) in zip(axes, feet.items(), strict=True):
        _outline(ax, foot, side)
        maps[side] = sensor_squares(ax, foot, side, cmap, edgecolor="none")
        maps[side].set_clim(0.0, tops[side])
        mine = cop[cop["side"] == side] if "cop_ml_mm" in cop else cop.iloc[:0]
        t = mine["time_s"].to_numpy(dtype=float) if len(mine) else np.zeros(0)
        x = _mirror(side) * mine["cop_ml_mm"].to_numpy(dtype=float) if len(mine) else t
        y = mine["cop_ap_mm"].to_numpy(dtype=float) if len(mine) else t
        (trail,) = ax.plot([], [], color="black", lw=1.4, alpha=0.8)
        (head,) = ax.plot([], [], "o", color="black", ms=4)
        trails[side] = (trail, head, t, x, y)
        ax.autoscale_view()
        if not shared:
            label = f"pressure ({unit_text(units[side])})"
            fig.colorbar(maps[side], ax=ax, shrink=0.8, label=label)
    if shared:
        label = f"pressure ({unit_text(next(iter(units.values())))})"
        fig.colorbar(next(iter(maps.values())), ax=axes, shrink=0.8, label=label)
    stamp = fig.suptitle("t = 0.00 s", family="monospace")

    def update(k: int) -> None:
        now = float(times_s[k])
        for side, foot in feet.items():
            reading = foot.values[shown[side][k]]
            pressure, _ = _as_pressure(reading, foot)
            maps[side].set_array(np.ma.masked_where(~(pressure > 0), pressure))
            trail, head, t, x, y = trails[side]
            a, b = np.searchsorted(t, [now - TRAIL_S, now], side="right")
            trail.set_data(x[a:b], y[a:b])
            ok = np.isfinite(x[a:b]) & np.isfinite(y[a:b])
            last = np.flatnonzero(ok)[-1:] + a
            head.set_data(x[last], y[last])
        stamp.set_text(f"t = {now:.2f} s")

    update(0)
    moving: list[Artist] = [*maps.values(), stamp]
    for trail, head, *_ in trails.values():
        moving += [trail, head]
    return fig, moving, update
