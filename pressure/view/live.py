"""Live view of one or two serial links, and recording them on request.

The serial sources' own threads read and decode; a listener adds each read's frames to
``LiveState`` under a lock (latest values per foot, a short CoP trail, the loads of the last
``SHARE_WINDOW_S`` seconds, the frames of the last second), and the page's WebSocket takes a
``snapshot`` at its own pace. Nothing in the reading path waits on the page.

Recording uses ``pressure record``'s own parts: on ``start_recording`` the view's links are
stopped and closed, and a ``Recorder`` with a ``RecordingWriter`` opens them again (DEVICE_INFO,
START) with the view's listener attached, so the file is the one ``record`` writes. On
``stop_recording`` the recorder finishes the file (STOP, footer) and the view opens the links
again. Times in this module are host monotonic seconds (``time.monotonic``).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from ..cli.monitor import STANCE_FRACTION, SWING_FRACTION
from ..errors import DeviceError, PressureError
from .replay import RATE_WINDOW_S, SHARE_WINDOW_S, layout_json, nice_ceiling, stride_window

if TYPE_CHECKING:
    from firmware_protocol import DeviceInfo

    from ..io.recorder import Recorder
    from ..io.recording import Role
    from ..layout import SensorLayout
    from ..sources.serial_source import Received, SerialSource

#: the CoP trail the page draws: this many seconds of each foot's CoP ...
TRAIL_S = 1.0
#: ... or the foot's latest stride, up to this long, when it walks
TRAIL_MAX_S = 3.0
#: ... a point every this many seconds of device time (a faster device's frames in between
#: would add nothing a drawn line shows)
TRAIL_STEP_S = 0.01
#: below this total force (N) a foot is unloaded and has no CoP (METHODS.md §4.1)
CONTACT_N = 20.0
SIDES = ("left", "right")
FloatArray = npt.NDArray[np.float64]


#: the live heel strikes' thresholds are shares of the highest load of this many seconds
PEAK_WINDOW_S = 10.0
#: reads wait to be folded in until a snapshot, or until this many wait (no page open)
BATCH_BLOCKS = 64
#: cadence from the median of this many latest strides of each foot
CADENCE_STRIDES = 6
#: each foot's loads are kept this long (the share's whole strides: about SHARE_WINDOW_S plus
#: one stride, which is at most a few seconds)
LOADS_KEPT_S = 2 * SHARE_WINDOW_S + 2.0


@dataclass
class _Strikes:
    """A foot's heel strikes as its frames come: the rule of the terminal monitor
    (``pressure.cli.monitor.heel_strikes``: the load rises above ``STANCE_FRACTION`` of its
    highest of the last ``PEAK_WINDOW_S`` after having been under ``SWING_FRACTION`` of it),
    applied frame by frame. Times are the device's where it sends them."""

    # (t, highest of a block), falling: a block's highest leaves when a later one tops it, so
    # the first is the highest of the window (a monotonic queue: O(1) a block)
    peaks: deque[tuple[float, float]] = field(default_factory=deque)
    region: int = 0  # the last region the load was clearly in: -1 swing, 1 stance, 0 none yet
    count: int = 0
    times: deque[float] = field(default_factory=lambda: deque(maxlen=CADENCE_STRIDES + 1))

    def add(self, time_s: FloatArray, load: FloatArray) -> None:
        if not load.size:
            return
        highest = float(np.max(load))
        while self.peaks and self.peaks[-1][1] <= highest:
            self.peaks.pop()
        self.peaks.append((float(time_s[-1]), highest))
        while self.peaks[0][0] < float(time_s[-1]) - PEAK_WINDOW_S:
            self.peaks.popleft()
        peak = self.peaks[0][1]
        if not peak > 0:
            return
        code = np.where(
            load < SWING_FRACTION * peak, -1, np.where(load > STANCE_FRACTION * peak, 1, 0)
        )
        clear = np.flatnonzero(code)
        if not clear.size:
            return
        regions = np.concatenate([[self.region], code[clear]])
        rises = np.flatnonzero((regions[1:] == 1) & (regions[:-1] == -1))
        for k in rises:
            self.count += 1
            self.times.append(float(time_s[clear[k]]))
        self.region = int(code[clear[-1]])

    def stride_s(self) -> float | None:
        """The median of the latest strides (s); None under two strikes."""
        if len(self.times) < 2:
            return None
        return float(np.median(np.diff(np.asarray(self.times))))


@dataclass
class _Foot:
    values: list[float] | None = None  # the latest frame, in the device's unit
    time_s: float = 0.0  # host time of the latest frame
    frames: int = 0
    trail: deque[tuple[float, float | None, float | None]] = field(
        default_factory=lambda: deque(maxlen=round(TRAIL_MAX_S / TRAIL_STEP_S) + 50)
    )
    # (t, load sum, frames) per read, t the latest frame's time on the strikes' clock
    loads: deque[tuple[float, float, int]] = field(default_factory=deque)
    counts: deque[tuple[float, int]] = field(default_factory=deque)  # (t, frames)
    strikes: _Strikes = field(default_factory=_Strikes)
    load_sum: float = 0.0  # the load of every frame since the start (the whole-session share)

    def restart(self) -> None:
        """Forget the rolling windows (their times are on a clock that has been reset); the
        counts since the start stay."""
        self.loads.clear()
        self.strikes.peaks.clear()
        self.strikes.times.clear()
        self.strikes.region = 0
        self.trail_bin = -1.0

    def mean_load(self) -> float | None:
        """Mean load over the foot's latest whole strides (``stride_window``), else over its
        last ``SHARE_WINDOW_S``; None before any frame."""
        if not self.loads:
            return None
        strikes = np.asarray(self.strikes.times, dtype=np.float64)
        start, end = stride_window(strikes, np.array([self.clock_s]))
        if np.isfinite(start[0]):
            lo, hi = float(start[0]), float(end[0])
        else:
            lo, hi = self.clock_s - SHARE_WINDOW_S, self.clock_s
        # a read's frames count in the window its latest frame is in: at worst a read (a few
        # milliseconds) off at either end
        chosen = [(load, n) for t, load, n in self.loads if lo < t <= hi]
        frames = sum(n for _, n in chosen)
        return sum(load for load, _ in chosen) / frames if frames else None

    trail_bin: float = -1.0  # the TRAIL_STEP_S bin of the trail's latest point
    clock_s: float = 0.0  # the latest frame's time on the clock the strikes use


class LiveState:
    """What the links delivered, for snapshots (thread-safe)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.feet = {side: _Foot() for side in SIDES}
        self.infos: dict[str, DeviceInfo] = {}  # per foot, the device that streams it
        self.meta_version = 0
        self.top = 0.0  # the highest value seen, for the colour scale
        self.load_unit: dict[str, str] = {}
        self._layouts: dict[str, SensorLayout | None] = {}  # by name: built once, not per read
        self._pending: list[tuple[Any, float, DeviceInfo | None]] = []  # reads not folded in

    def set_info(self, roles: tuple[str, ...], info: DeviceInfo) -> None:
        """The device of the feet ``roles`` (``left``/``right``) is ``info``."""
        with self.lock:
            changed = False
            for side in roles:
                if self.infos.get(side) != info:
                    self.infos[side] = info
                    changed = True
            if changed:
                self.meta_version += 1

    def add(self, block: Any, now_s: float, info: DeviceInfo | None) -> None:
        """One ``SampleBlock`` received at ``now_s`` from a link whose device is ``info``
        (None: not known yet, values as they came). Kept as it is and folded in with the
        others at the next snapshot (or once ``BATCH_BLOCKS`` wait): one pass of numpy over
        many reads costs a fraction of one pass per read, and the reader's thread only
        appends."""
        with self.lock:
            self._pending.append((block, now_s, info))
            if len(self._pending) >= BATCH_BLOCKS:
                self._fold()

    def _fold(self) -> None:
        """Fold the waiting reads in, the reads of each device at once, in the order they
        came (under the lock)."""
        pending, self._pending = self._pending, []
        runs: dict[int, list[tuple[Any, float, DeviceInfo | None]]] = {}
        for read in pending:
            runs.setdefault(id(read[2]), []).append(read)
        for run in runs.values():
            self._add_run(run)

    def _add_run(self, run: list[tuple[Any, float, DeviceInfo | None]]) -> None:
        from firmware_protocol import Side

        from ..layout import layout_by_name
        from ..model import sensor_force_n

        info = run[0][2]
        blocks = [block for block, _, _ in run if len(block)]
        if not blocks:
            return
        values = np.concatenate([np.asarray(b.values, dtype=np.float64) for b in blocks])
        sides = np.concatenate([np.asarray(b.side) for b in blocks])
        device_s = np.concatenate([np.asarray(b.time_us) for b in blocks]) / 1e6
        host_s = np.concatenate([np.full(len(b), now) for b, now, _ in run if len(b)])
        block_id = np.repeat(np.arange(len(blocks)), [len(b) for b in blocks])
        unit = "raw"
        layout = None
        if info is not None:
            values = values * info.scale
            unit = _unit(info)
            if info.layout not in self._layouts:
                self._layouts[info.layout] = None
                with contextlib.suppress(KeyError):
                    self._layouts[info.layout] = layout_by_name(info.layout)
            layout = self._layouts[info.layout]
            if layout is not None and layout.n_sensors != values.shape[1]:
                layout = None
        force = sensor_force_n(values, unit, None if layout is None else layout.area_mm2)
        newtons = force is not None
        weights = np.maximum(force if force is not None else values, 0.0)
        total = weights.sum(axis=1)
        if values.size:
            self.top = max(self.top, float(np.nanmax(values)))
        for side_code, side in ((Side.LEFT, "left"), (Side.RIGHT, "right")):
            mine = sides == side_code
            n = int(mine.sum())
            if not n:
                continue
            foot = self.feet[side]
            self.load_unit[side] = "n" if newtons else unit
            foot.values = [round(float(v), 2) for v in values[mine][-1]]
            host = host_s[mine]
            foot.time_s = float(host[-1])
            foot.frames += n
            dev = device_s[mine]
            frame_s = dev if (dev >= 0).all() else host
            load = total[mine]
            if foot.loads and frame_s[0] < foot.clock_s - 1.0:
                # the clock went back: the device started a new stream (a recording started
                # from the page restarts it): the rolling windows start again
                foot.restart()
            foot.strikes.add(frame_s, load)
            foot.load_sum += float(load.sum())
            foot.clock_s = float(frame_s[-1])
            # per read, as it came: its frames at its arrival (the rate), and its load at its
            # latest frame's time (the share's windows end on a read, a few ms at most)
            ids = block_id[mine]
            starts = np.flatnonzero(np.diff(ids, prepend=-1) != 0)
            ends = np.append(starts[1:], n) - 1
            counts = np.diff(np.append(starts, n))
            foot.counts.extend(zip(host[ends].tolist(), counts.tolist(), strict=True))
            sums = np.add.reduceat(load, starts)
            foot.loads.extend(
                zip(frame_s[ends].tolist(), sums.tolist(), counts.tolist(), strict=True)
            )
            while foot.loads[0][0] < foot.clock_s - LOADS_KEPT_S:
                foot.loads.popleft()
            # the trail: the first frame of each TRAIL_STEP_S of device time (at 1 kHz,
            # every tenth), which is all a drawn line shows
            bins = np.floor(frame_s / TRAIL_STEP_S)
            keep = np.flatnonzero(np.diff(bins, prepend=foot.trail_bin) != 0)
            foot.trail_bin = float(bins[-1])
            if not keep.size:
                continue
            t = load[keep]
            when = host[keep]
            loaded = t > (CONTACT_N if newtons else 0.0)
            if layout is None or not loaded.any():
                foot.trail.extend((float(h), None, None) for h in when)
                continue
            w = weights[mine][keep]
            with np.errstate(invalid="ignore", divide="ignore"):
                x = (w @ layout.x_mm) / t
                y = (w @ layout.y_mm) / t
            foot.trail.extend(
                (float(h), float(a), float(b)) if on else (float(h), None, None)
                for h, a, b, on in zip(when, x, y, loaded, strict=True)
            )

    def snapshot(self, now_s: float) -> dict[str, Any]:
        """The latest frame per foot, the CoP trail of its latest stride when it walks (the
        median of its last strides, at most ``TRAIL_MAX_S``), else of the last ``TRAIL_S``
        (None breaks it),
        frames in the last second, its heel strikes so far (``steps``), the left share of the
        feet's mean loads (``_Foot.mean_load``; %, None unless both feet have loads in one
        unit), and the cadence (steps/min from each walking foot's median stride of its last
        ``CADENCE_STRIDES``; None when no foot has struck twice lately)."""
        with self.lock:
            self._fold()
            feet: dict[str, Any] = {}
            means: dict[str, float] = {}
            strides: dict[str, float] = {}
            for side, foot in self.feet.items():
                while foot.counts and foot.counts[0][0] < now_s - RATE_WINDOW_S:
                    foot.counts.popleft()
                mean = foot.mean_load()
                if mean is not None:
                    means[side] = mean
                fresh = now_s - foot.time_s <= 1.0
                stride = foot.strikes.stride_s()
                walking = (
                    stride is not None
                    and fresh
                    and foot.clock_s - foot.strikes.times[-1] <= 2.0 * stride
                )
                span = TRAIL_S
                if walking and stride is not None and stride > 0:
                    strides[side] = stride
                    span = min(stride, TRAIL_MAX_S)  # the trail of a stride
                trail = [
                    None if x is None or y is None else [round(x, 1), round(y, 1)]
                    for t, x, y in foot.trail
                    if t >= now_s - span
                ]
                feet[side] = {
                    "values": foot.values if fresh else None,
                    "trail": trail,
                    "rate": sum(k for _, k in foot.counts) / RATE_WINDOW_S,
                    "frames": foot.frames,
                    "steps": foot.strikes.count,
                }
            share = None
            units = set(self.load_unit.values())
            if len(means) == 2 and len(units) == 1 and means["left"] + means["right"] > 0:
                share = round(100.0 * means["left"] / (means["left"] + means["right"]), 2)
            # a stride holds two steps: steps/min = 2 × 60 / stride (s), the feet's mean
            cadence = round(120.0 / float(np.mean(list(strides.values()))), 1) if strides else None
            return {
                "feet": feet,
                "share_left_pct": share,
                "cadence_spm": cadence,
                "scale_max": nice_ceiling(self.top),
                "meta_version": self.meta_version,
            }

    def totals(self) -> dict[str, Any]:
        """Since the start: each foot's heel strikes (``steps``), and the left share of the
        load over every frame (``share_left_pct``: each foot's mean load per frame, so the
        share of the force-time integrals when both feet cover the same time at one rate, as
        the analysis' ``left_share_pct`` is; None unless both feet have loads in one unit)."""
        with self.lock:
            self._fold()
            steps = {side: foot.strikes.count for side, foot in self.feet.items()}
            means = {
                side: foot.load_sum / foot.frames for side, foot in self.feet.items() if foot.frames
            }
            share = None
            if (
                len(means) == 2
                and len(set(self.load_unit.values())) == 1
                and means["left"] + means["right"] > 0
            ):
                share = 100.0 * means["left"] / (means["left"] + means["right"])
            return {"steps": steps, "share_left_pct": share}

    def frames(self) -> dict[str, int]:
        with self.lock:
            self._fold()
            return {side: foot.frames for side, foot in self.feet.items()}

    def layouts(self) -> dict[str, Any]:
        """Per foot with a known device: its layout for the page (``layout_json``), unit."""
        from ..layout import layout_by_name

        out: dict[str, Any] = {}
        with self.lock:
            infos = dict(self.infos)
        for side, info in infos.items():
            layout = None
            with contextlib.suppress(KeyError):
                layout = layout_by_name(info.layout)
            if layout is not None and layout.n_sensors != info.sensor_count:
                layout = None
            out[side] = {
                "layout": layout_json(layout, info.sensor_count),
                "unit": _unit(info),
            }
        return out


def _unit(info: DeviceInfo) -> str:
    """The unit of a device's values (``pressure.model.UNITS``); ``raw`` when unknown."""
    from firmware_protocol import Unit

    from ..io.capture import UNIT_SUFFIX

    try:
        return UNIT_SUFFIX.get(Unit(info.unit), "raw")
    except ValueError:
        return "raw"


@dataclass
class _Recording:
    path: Path
    recorder: Recorder
    thread: threading.Thread
    started_s: float
    frames_at_start: dict[str, int]
    error: str | None = None


def new_recording_path(out_dir: Path, now: _dt.datetime | None = None) -> Path:
    """A file name in ``out_dir`` that does not exist yet: ``view-YYYYmmdd-HHMMSS.insole``,
    with ``-2``, ``-3`` … when taken (the writer still refuses to replace one made meanwhile)."""
    stamp = (now or _dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
    path = out_dir / f"view-{stamp}.insole"
    k = 2
    while path.exists():
        path = out_dir / f"view-{stamp}-{k}.insole"
        k += 1
    return path


class LiveView:
    """One or two links shown live, and recorded on request.

    Parameters
    ----------
    links : list of (url, role)
        As ``Recorder`` takes them: ``[(url, "both")]`` or ``[(left, "left"), (right,
        "right")]``.
    out_dir : Path
        Where recordings go (``new_recording_path``).
    baudrate : int
        Of every link.
    start : bool
        Send START (and STOP) to binary-mode devices.
    clock : callable
        Host monotonic seconds.
    """

    def __init__(
        self,
        links: list[tuple[str, Role]],
        out_dir: Path,
        *,
        baudrate: int = 921_600,
        start: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.links = links
        self.out_dir = out_dir
        self.baudrate = baudrate
        self.start_streams = start
        self.clock = clock
        self.state = LiveState()
        self.notes: deque[str] = deque(maxlen=20)
        self._sources: list[SerialSource] = []
        self._earlier: dict[str, int] = {}  # counters of connections already closed
        self._control = threading.Lock()
        self._recording: _Recording | None = None
        self.last_recording: dict[str, Any] | None = None

    # -- the links ------------------------------------------------------------------------------
    def _roles(self, role: str) -> tuple[str, ...]:
        return SIDES if role == "both" else (role,)

    def _make_sources(self) -> list[SerialSource]:
        """The links opened (not started), with the view's listener. DeviceError when one
        cannot be opened (those already opened are closed)."""
        from firmware_protocol import SampleBlock

        from ..sources.serial_source import SerialSource

        made: list[SerialSource] = []
        try:
            for url, role in self.links:
                source = SerialSource(url, baudrate=self.baudrate, side=role)
                roles = self._roles(role)

                def listen(
                    received: Received,
                    source: SerialSource = source,
                    roles: tuple[str, ...] = roles,
                ) -> None:
                    info = source.info
                    if info is not None:
                        self.state.set_info(roles, info)
                    for m in received.messages:
                        if isinstance(m, SampleBlock):
                            self.state.add(m, received.host_ns / 1e9, info)

                source.listen(listen)
                made.append(source)
        except BaseException:
            for source in made:
                source.close()
            raise
        return made

    def open(self) -> None:
        """Open the links and start them streaming (DeviceError when a link cannot be
        opened)."""
        from firmware_protocol import Command, CommandCode

        sources = self._make_sources()
        self._sources = sources
        for source in sources:
            source.start()
        for source in sources:
            try:
                info = source.request_info(timeout_s=1.0)
            except DeviceError:
                self._note(f"{source.url}: no DEVICE_INFO answer; showing whatever arrives")
                continue
            role = dict(self.links).get(source.url, "both")
            self.state.set_info(self._roles(role), info)
            if self.start_streams:
                try:
                    source.command(Command(CommandCode.START))
                except DeviceError as exc:
                    self._note(f"START not acknowledged ({exc})")

    def _close_sources(self) -> None:
        from firmware_protocol import Command, CommandCode

        for source in self._sources:
            if source.alive and source.info is not None and self.start_streams:
                # wait for the OK: the frames sent before it are read, none come after
                with contextlib.suppress(DeviceError):
                    source.command(Command(CommandCode.STOP), timeout_s=0.5)
            source.close()
            self._fold(source)
        self._sources = []

    def _fold(self, source: SerialSource) -> None:
        counters = source.decoder.counters
        if counters is not None:
            for name, value in counters.as_dict().items():
                self._earlier[name] = self._earlier.get(name, 0) + value

    def counters(self) -> dict[str, int]:
        """The decoders' counters summed over every connection of every link."""
        out = dict(self._earlier)
        for source in list(self._sources):
            live = source.decoder.counters
            if live is not None:
                for name, value in live.as_dict().items():
                    out[name] = out.get(name, 0) + value
        return out

    def _note(self, text: str) -> None:
        self.notes.append(text)

    # -- recording ------------------------------------------------------------------------------
    def start_recording(self) -> Path:
        """Stop viewing, and record the links (with the view still fed) into a new file in
        ``out_dir``. DeviceError or OutputError when that fails (the view is opened again)."""
        from ..io.recorder import Recorder
        from ..io.recording import RecordingWriter

        with self._control:
            if self._recording is not None:
                return self._recording.path
            path = new_recording_path(self.out_dir)
            self._close_sources()
            session = {"links": [url for url, _ in self.links], "recorded_by": "pressure view"}
            try:
                sources = self._make_sources()
                try:
                    writer = RecordingWriter(path, session=session)
                except BaseException:
                    for source in sources:
                        source.close()
                    raise
                recorder = Recorder(
                    writer,
                    list(self.links),
                    baudrate=self.baudrate,
                    start=self.start_streams,
                    on_note=self._note,
                    opened=list(sources),
                )
            except PressureError:
                self.open()
                raise
            self._sources = sources
            recording = _Recording(
                path=path,
                recorder=recorder,
                thread=threading.Thread(target=lambda: None),
                started_s=self.clock(),
                frames_at_start=self.state.frames(),
            )
            recording.thread = threading.Thread(
                target=self._record, args=(recording,), name="view-recorder", daemon=True
            )
            self._recording = recording
            recording.thread.start()
            return path

    def _record(self, recording: _Recording) -> None:
        try:
            recording.recorder.run()
        except PressureError as exc:  # the device went away: the file is whole
            recording.error = str(exc)
            self._note(f"recording ended: {exc}")

    def stop_recording(self) -> dict[str, Any] | None:
        """Finish the recording (the file is closed whole) and view the links again; what was
        recorded (path, frames per foot, error), or None when none was running."""
        with self._control:
            recording = self._recording
            if recording is None:
                return self.last_recording
            recording.recorder.stop()
            recording.thread.join()
            for source in self._sources:
                self._fold(source)
            self._sources = []
            self._recording = None
            now = self.state.frames()
            self.last_recording = {
                "path": str(recording.path),
                "seconds": round(self.clock() - recording.started_s, 1),
                "frames": {s: now[s] - recording.frames_at_start[s] for s in SIDES},
                "error": recording.error,
            }
            try:
                self.open()
            except DeviceError as exc:
                self._note(str(exc))
            return self.last_recording

    def recording_status(self) -> dict[str, Any]:
        recording = self._recording
        if recording is None:
            return {"active": False, "last": self.last_recording}
        now = self.state.frames()
        return {
            "active": recording.thread.is_alive(),
            "path": str(recording.path),
            "seconds": round(self.clock() - recording.started_s, 1),
            "frames": {s: now[s] - recording.frames_at_start[s] for s in SIDES},
            "error": recording.error,
            "last": self.last_recording,
        }

    # -- the page ---------------------------------------------------------------------------------
    def meta(self) -> dict[str, Any]:
        layouts = self.state.layouts()
        units = {side: entry["unit"] for side, entry in layouts.items()}
        unit = next(iter(units.values()), "raw")
        from ..model import UNIT_TEXT

        return {
            "mode": "live",
            "links": [url for url, _ in self.links],
            "feet": {side: entry["layout"] for side, entry in layouts.items()},
            "unit": unit,
            "unit_text": UNIT_TEXT.get(unit, unit),
            "share_band_pct": [47.5, 52.5],
            "share_window_s": SHARE_WINDOW_S,
            "meta_version": self.state.meta_version,
            "out_dir": str(self.out_dir),
        }

    def snapshot(self) -> dict[str, Any]:
        snap = self.state.snapshot(time.monotonic_ns() / 1e9)
        counters = self.counters()
        snap["frames_lost"] = counters.get("frames_lost", 0)
        snap["crc_errors"] = counters.get("crc_errors", 0)
        snap["recording"] = self.recording_status()
        snap["notes"] = list(self.notes)[-3:]
        alive = [s.alive for s in list(self._sources)]
        snap["connected"] = bool(alive) and all(alive)
        return snap

    def close(self) -> None:
        """Finish a recording still running, stop the streams, close the links."""
        self.stop_recording_quietly()
        with self._control:
            self._close_sources()

    def stop_recording_quietly(self) -> None:
        with self._control:
            recording = self._recording
            if recording is None:
                return
            recording.recorder.stop()
            recording.thread.join()
            self._sources = []
            self._recording = None
