"""Lab Streaming Layer (LSL): insoles' frames and gait events as LSL streams, and another
application's markers into a recording.

LSL (https://labstreaminglayer.org) is how gait and neuroscience labs put motion capture, force
plates, EMG and EEG on one time axis: each device publishes *streams* on the local network, a
recorder (LabRecorder, which writes XDF) or any program subscribes to them, and every sample
carries a time stamp on its publisher's ``local_clock()``, which a subscriber maps onto its own
(``time_correction``). ``pylsl``, the optional extra ``pressure[lsl]``, ships liblsl in its
wheels, so nothing else is installed.

Streams (``Publisher``; NAME is ``--lsl-name``, default ``pressure``)
--------------------------------------------------------------------
* ``NAME-left`` and ``NAME-right`` (type ``Pressure``): one per foot, one channel per sensor
  (``float32``), the values in the session's unit (the device's counts times its scale, as
  ``pressure.load`` gives them), one sample per frame at the device's nominal rate. The stream's
  ``desc`` follows the XDF meta-data conventions: ``channels/channel`` with ``label``
  (``left_1`` ... from 1, the sensor numbers of ``--invert``), ``unit`` (``kPa``, ``N/cm^2``,
  ``N``, ``counts``, ``raw``), ``type`` and, with a known layout, ``location`` (``X`` medial,
  ``Y`` anterior, ``Z`` 0, mm, the project's foot frame: ``coordinates``) and ``area_mm2``;
  ``acquisition`` (manufacturer, model = layout, serial number = device id, firmware, ADC bits,
  software).
* ``NAME-forces`` (type ``Force``): per foot its total force and centre of pressure:
  ``left_force_n`` (N; ``left_load_<unit>``, the sum of the values, when they cannot be put in
  newtons), ``left_cop_ml_mm``, ``left_cop_ap_mm`` (foot frame; NaN below 20 N of contact, or
  without load or layout), then the right foot's. One sample per pair of frames, a left and a
  right one within half a sample period of each other (a foot without a frame there is NaN).
* ``NAME-events`` (type ``Markers``, one string channel, irregular): ``left_heel_strike``,
  ``left_toe_off``, ``right_heel_strike``, ``right_toe_off``, stamped with the time of the
  frame of the event (``LiveEvents``).

Time
----
A frame's time stamp is the recording's: each link's device clock is mapped onto the host's
monotonic clock as frames come (``LiveClock``: the recording's own ``align_clock`` on the
frames so far, so the stamp is where ``pressure.load`` will place the frame, up to what later
frames teach the fit), and the host's monotonic clock onto ``local_clock()`` (both are
CLOCK_MONOTONIC on Linux; their difference is measured once, ``host_to_lsl_s``). A recording
made with LSL stores the LSL time of its time 0 in its session record (``lsl.time_at_start_s``):
recording time + that = LSL time. Line-mode lines that carry no time are stamped on arrival.

Gait events as they happen
--------------------------
``LiveEvents`` runs the analysis' own detector (``pressure.analysis.events.detect_events``) on
each foot's latest frames, every ``DETECT_EVERY_S``, and reports an event once
``EventOptions.window_s / 2 + floor_window_s + STRIDE_S`` (5 s by default) of frames follow it
and as many precede it: then the detector sees around it what it sees in the whole recording,
and finds the same frame. A marker therefore comes about 5-6 s after its event, stamped with
the event's own time (LSL markers may carry past stamps); the last ones come when the
publisher closes. The terminal monitor's quicker rule (``cli.monitor.heel_strikes``) says
when a foot lands, not at which frame the analysis will put the event.

Markers in (``MarkerInlet``, ``record --lsl-markers NAME``)
----------------------------------------------------------
The first stream named NAME on the network (waited for in the background) is subscribed to,
and each sample becomes a ``marker`` event of the recording (``RecordingWriter.event``: ``label``
= the sample's first channel as text, ``stream``, ``lsl_time_s`` as sent, ``time_correction_s``)
at its own time stamp mapped onto the recording's clock: remote stamp + the inlet's
``time_correction()`` = local LSL time, minus ``host_to_lsl_s``, minus the recording's start.

Network
-------
liblsl reads its configuration (``lsl_api.cfg``; the environment variable ``LSLAPICFG`` names
one) the first time it is used; this package writes none, so streams go where LSL's defaults
send them (the local network). The tests keep every packet on 127.0.0.1 with a config of
their own (README: Lab Streaming Layer).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from .errors import UsageError

if TYPE_CHECKING:
    from firmware_protocol import DeviceInfo, SampleBlock

    from .analysis.events import EventOptions
    from .layout import SensorLayout
    from .sources.serial_source import Received

FloatArray = npt.NDArray[np.float64]

#: the streams' name without ``--lsl-name``
DEFAULT_NAME = "pressure"
#: LSL's words for the session's units (XDF ``unit``)
LSL_UNITS = {"kpa": "kPa", "n_cm2": "N/cm^2", "n": "N", "adc": "counts", "raw": "raw"}
#: XDF channel ``type`` of a sensor by its unit
CHANNEL_TYPES = {"kpa": "Pressure", "n_cm2": "Pressure", "n": "Force", "adc": "ADC", "raw": "Raw"}
#: below this total force (N) a foot's CoP is NaN (METHODS §4.1; ``pressure.cop``)
CONTACT_N = 20.0
#: seconds between two runs of the live event detector
DETECT_EVERY_S = 1.0
#: seconds of a slow stride, part of the context ``LiveEvents`` wants around an event
STRIDE_S = 2.0
#: a frame of one foot waits this long (s) for the other foot's to pair with on ``NAME-forces``
PAIR_WAIT_S = 0.1
#: seconds an outlet stays after its last push when it has a consumer, so that it gets them
LINGER_S = 0.5
#: seconds between two tries to find a marker stream
RESOLVE_S = 1.0


def import_pylsl() -> ModuleType:
    """The ``pylsl`` module; UsageError saying how to install it when it is missing (or its
    liblsl does not load)."""
    try:
        import pylsl
    except (ImportError, RuntimeError, OSError) as exc:
        raise UsageError(
            f"LSL needs pylsl, which brings liblsl ({exc}): pip install 'pressure[lsl]'"
        ) from None
    return pylsl


def check_pylsl() -> None:
    """UsageError (how to install it) when pylsl is not installed, without loading it."""
    from importlib.util import find_spec

    if find_spec("pylsl") is None:
        raise UsageError("LSL needs pylsl, which brings liblsl: pip install 'pressure[lsl]'")


def host_to_lsl_s(lsl: ModuleType) -> float:
    """LSL's ``local_clock()`` minus ``time.monotonic()``, s: what turns a host time into an
    LSL time stamp (near 0 on Linux, where both read CLOCK_MONOTONIC). The two clocks are read
    back to back, the pair read closest together kept."""
    best: tuple[float, float] | None = None
    for _ in range(5):
        a = time.monotonic()
        stamp = float(lsl.local_clock())
        b = time.monotonic()
        if best is None or b - a < best[0]:
            best = (b - a, stamp - (a + b) / 2)
    assert best is not None
    return best[1]


# -- the recording's clock, live ----------------------------------------------------------------


class LiveClock:
    """One link's device clock mapped onto the host's, as frames come.

    The recording's own alignment (``pressure.io.recording.align_clock``), done on the frames
    so far: the least-delayed frame of each ``window_s`` of device time (from the first
    frame's), and through these minima the offset alone (under ``MIN_DRIFT_SPAN_S`` of frames)
    or the lower envelope with the drift. A stamp given now is where ``pressure.load`` will
    place the frame, up to what later frames change in the fit.

    Parameters
    ----------
    window_s : float
        The windows of device time, s (``align_clock``'s).
    """

    def __init__(self, window_s: float = 1.0) -> None:
        self.window_s = window_s
        self.offset_s = 0.0
        self.slope = 1.0
        self._first_s: float | None = None
        self._minima: dict[int, tuple[float, float]] = {}  # window -> (device_s, delay_s)
        self._low_s = np.inf
        self._high_s = -np.inf
        self._fitted = 0  # windows at the last fit

    @property
    def known(self) -> bool:
        """Whether a frame has been seen (before, the map is the identity)."""
        return self._first_s is not None

    def add(self, device_s: FloatArray, host_s: float | FloatArray) -> None:
        """Frames stamped ``device_s`` (s, the device clock) arrived at ``host_s`` (s)."""
        from .io.recording import MIN_DRIFT_SPAN_S, fit_clock

        if device_s.size == 0:
            return
        if self._first_s is None:
            self._first_s = float(device_s[0])
        delay = np.broadcast_to(host_s - device_s, device_s.shape)
        bins = np.floor((device_s - self._first_s) / self.window_s).astype(np.int64)
        for b, x, y in zip(bins.tolist(), device_s.tolist(), delay.tolist(), strict=True):
            old = self._minima.get(b)
            if old is None or y < old[1]:
                self._minima[b] = (x, y)
        self._low_s = min(self._low_s, float(device_s.min()))
        self._high_s = max(self._high_s, float(device_s.max()))
        span = self._high_s - self._low_s
        if span < MIN_DRIFT_SPAN_S or len(self._minima) < 3:
            self.offset_s = min(y for _, y in self._minima.values())
            self.slope = 1.0
        elif len(self._minima) != self._fitted:  # a new window: refit (about once a second)
            minima = np.array([self._minima[k] for k in sorted(self._minima)])
            self.offset_s, self.slope = fit_clock(minima[:, 0], minima[:, 1], span)
            self._fitted = len(self._minima)

    def host_s(self, device_s: FloatArray) -> FloatArray:
        """The host times (s) of frames stamped ``device_s`` on the device clock."""
        return self.offset_s + self.slope * device_s


# -- gait events, live --------------------------------------------------------------------------


@dataclass(frozen=True)
class LiveEvent:
    """A gait event found live: ``kind`` (``heel_strike`` or ``toe_off``), the index of its
    frame among the foot's frames since the start, and that frame's time (s, the times given
    to ``LiveEvents.add``)."""

    kind: str
    index: int
    time_s: float


def force_unit(unit: str, layout: SensorLayout | None) -> str:
    """The unit of a foot's load: ``n`` when its values in ``unit`` with ``layout`` give
    forces (``pressure.model.sensor_force_n``), else ``unit`` itself."""
    if unit == "n" or (unit in ("kpa", "n_cm2") and layout is not None):
        return "n"
    return unit


def frame_load(
    values: FloatArray, unit: str, layout: SensorLayout | None
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, str]:
    """Per frame: the load the analysis finds events on (``analysis.analyze``: the sum of the
    per-sensor forces, negative and missing ones as 0, in N when the unit and layout give it,
    else the plain sum of the values), the total force for ``NAME-forces`` (the same sum of
    the weights), the CoP (ml, ap; mm, NaN below contact) and the force's unit (``n`` or the
    values' unit).

    Parameters
    ----------
    values : ndarray of float, shape (frames, sensors)
        The frames' values in ``unit``.
    unit : str
        Their unit (``pressure.model.UNITS``).
    layout : SensorLayout or None
        The sensors' positions and areas.
    """
    from .model import sensor_force_n

    force = sensor_force_n(values, unit, None if layout is None else layout.area_mm2)
    weights = (values if force is None else force).copy()
    np.maximum(weights, 0.0, out=weights)  # as pressure.cop.sensor_weights
    weights[~np.isfinite(weights)] = 0.0
    total = weights.sum(axis=1)
    load = total if force is not None else values.sum(axis=1)
    load = np.array(load, dtype=np.float64)
    load[~np.isfinite(values).any(axis=1)] = np.nan  # a frame without a valid sensor: a gap
    nan = np.full(len(values), np.nan)
    ml, ap = nan, nan.copy()
    if layout is not None:
        contact = total >= (CONTACT_N if force is not None else np.finfo(float).tiny)
        with np.errstate(invalid="ignore", divide="ignore"):
            ml = np.where(contact, weights @ layout.x_mm / total, np.nan)
            ap = np.where(contact, weights @ layout.y_mm / total, np.nan)
    return load, total, ml, ap, "n" if force is not None else unit


class LiveEvents:
    """One foot's gait events as its frames come (module docstring: "Gait events as they
    happen").

    ``add`` the frames' times and loads as they come, ``events()`` now and then: it runs the
    analysis' detector on the latest frames and returns the events that now have ``margin_s``
    of frames on either side, each once; ``events(final=True)`` at the end returns the rest.
    The buffer holds ``3 × margin_s`` and starts at a whole number of the detector's
    decimation steps from the first frame, so it decimates the very frames the whole-recording
    detector does.

    Parameters
    ----------
    rate_hz : float or None
        The foot's sampling rate (None: measured from the first seconds of frames, as
        ``pressure.load`` measures it).
    physical_zero, unit_is_newton : bool
        As ``detect_events`` takes them (the analysis: the unit is one of
        ``PHYSICAL_ZERO_UNITS``; the load is in N).
    options : EventOptions, optional
        The detector's parameters (default: the analysis' defaults).
    """

    def __init__(
        self,
        rate_hz: float | None,
        *,
        physical_zero: bool,
        unit_is_newton: bool,
        options: EventOptions | None = None,
    ) -> None:
        from .analysis.events import EventOptions

        self.options = options or EventOptions()
        self.rate_hz = rate_hz
        self.physical_zero = physical_zero
        self.unit_is_newton = unit_is_newton
        self.margin_s = self.options.window_s / 2 + self.options.floor_window_s + STRIDE_S
        self._time: list[FloatArray] = []
        self._load: list[FloatArray] = []
        self._start = 0  # the buffer's first frame, counted from the foot's first
        self._count = 0  # frames added
        self._done = -1  # events up to this frame were reported (or passed)
        self._skip = 0  # frames still to drop after a restart, to keep the decimation grid

    @property
    def step(self) -> int:
        """The detector's decimation (``events.local_range``: to about 25 Hz)."""
        return max(1, round((self.rate_hz or 25.0) / 25.0))

    def add(self, time_s: FloatArray, load: FloatArray) -> None:
        """Frames of the foot, in order: their times (s, increasing) and loads."""
        n = time_s.size
        drop = min(self._skip, n)
        self._skip -= drop
        self._count += n
        if drop < n:
            if not self._time:
                self._start = self._count - (n - drop)
            self._time.append(np.asarray(time_s[drop:], dtype=np.float64))
            self._load.append(np.asarray(load[drop:], dtype=np.float64))

    def restart(self) -> None:
        """The frames to come do not follow the ones so far (a reconnected device, whose
        clock may have restarted): forget the buffer; the frame count goes on."""
        self._time, self._load = [], []
        self._skip = (-self._count) % self.step
        self._done = self._count - 1

    def events(self, *, final: bool = False) -> list[LiveEvent]:
        """The events found since the last call, in frame order (see the class docstring)."""
        from .analysis.events import detect_events

        if not self._time:
            return []
        time_s = np.concatenate(self._time)
        load = np.concatenate(self._load)
        self._time, self._load = [time_s], [load]
        if self.rate_hz is None:
            if not final and time_s[-1] - time_s[0] < self.margin_s:
                return []
            from .io.text import sampling_rate_hz

            self.rate_hz = sampling_rate_hz(time_s)
            if self.rate_hz is None:
                return []
        found = detect_events(
            load,
            self.rate_hz,
            physical_zero=self.physical_zero,
            unit_is_newton=self.unit_is_newton,
            options=self.options,
            time_s=time_s,
        )
        n = time_s.size
        horizon = n - 1 if final else int(np.searchsorted(time_s, time_s[-1] - self.margin_s)) - 1
        earliest = (
            0 if self._start == 0 else int(np.searchsorted(time_s, time_s[0] + self.margin_s))
        )
        out = []
        if found.walking:
            for k in np.flatnonzero(found.complete):
                for kind, i in (
                    ("heel_strike", found.heel_strike[k]),
                    ("toe_off", found.toe_off[k]),
                ):
                    at = self._start + int(i)
                    if self._done < at <= self._start + horizon and i >= earliest:
                        out.append(LiveEvent(kind, at, float(time_s[i])))
        self._done = max(self._done, self._start + horizon)
        # keep 3 margins, from a frame on the decimation grid
        cut = int(np.searchsorted(time_s, time_s[-1] - 3 * self.margin_s))
        cut -= (self._start + cut) % self.step
        if cut > 0:
            self._time, self._load = [time_s[cut:]], [load[cut:]]
            self._start += cut
        return sorted(out, key=lambda e: e.index)


# -- publishing ---------------------------------------------------------------------------------


def scaled(counts: npt.NDArray[Any], scale: float) -> FloatArray:
    """``counts × scale`` rounded to the scale's own decimals: the values ``pressure.load``
    gives (``io.readers.insole``)."""
    from decimal import Decimal

    if scale == 1.0:
        return counts.astype(np.float64)
    decimals = max(0, -Decimal(repr(scale)).as_tuple().exponent)  # type: ignore[operator]
    return np.round(counts * scale, decimals)


@dataclass
class _Link:
    url: str
    role: str  # "left" | "right" | "both"
    info: DeviceInfo | None = None
    clock: LiveClock = field(default_factory=LiveClock)
    connections: int = 0


@dataclass
class _Foot:
    side: str
    link: int
    n_sensors: int
    unit: str
    scale: float
    layout: SensorLayout | None
    rate_hz: float | None
    outlet: Any
    events: LiveEvents
    frames: int = 0  # pushed
    untimed: bool = False  # its frames carry no device time: stamped on arrival


class Publisher:
    """The LSL streams of one insole, or two on two links, as their frames come (module
    docstring). A ``pressure.io.recorder.Companion``: ``connected`` with each link's
    DEVICE_INFO, ``ready`` once every link answered (the streams are made there; with
    ``wait_s`` it waits for a consumer of each), ``received`` with every read; ``close`` at the
    end reports the last events and takes the streams down.

    Parameters
    ----------
    lsl : module
        ``pylsl`` (``import_pylsl``).
    links : sequence of (str, str)
        Each link's port and role (``left``, ``right`` or ``both``), as ``Recorder`` takes them.
    name : str
        The streams' names start with it (``NAME-left`` ...).
    wait_s : float, optional
        At ``ready``, wait up to this long for every stream to have a consumer.
    on_note : callable
        Told what is published, in one line each.
    offset_s : float, optional
        ``host_to_lsl_s`` (default: measured now).
    event_options : EventOptions, optional
        The live event detector's parameters (default: the analysis').
    """

    def __init__(
        self,
        lsl: ModuleType,
        links: Sequence[tuple[str, str]],
        *,
        name: str = DEFAULT_NAME,
        wait_s: float | None = None,
        on_note: Callable[[str], None] = lambda _: None,
        offset_s: float | None = None,
        event_options: EventOptions | None = None,
    ) -> None:
        self.lsl = lsl
        self.name = name
        self.wait_s = wait_s
        self.on_note = on_note
        self.offset_s = host_to_lsl_s(lsl) if offset_s is None else offset_s
        self.event_options = event_options
        self._links = [_Link(url, role) for url, role in links]
        self._feet: dict[str, _Foot] = {}
        self._forces: _ForceStream | None = None
        self._markers: Any = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.markers_sent = 0
        self.skipped_frames = 0  # frames whose sensor count is not their stream's
        self._said: set[str] = set()
        self._closed = False
        self._published: dict[str, int] = {}

    # -- Companion ----------------------------------------------------------------------------
    def connected(self, link: int, info: DeviceInfo | None) -> None:
        with self._lock:
            state = self._links[link]
            state.info = info
            state.connections += 1
            if state.connections > 1:  # a reconnect: the device clock may have restarted
                state.clock = LiveClock()
                for foot in self._feet.values():
                    if foot.link == link:
                        foot.events.restart()

    def ready(self) -> None:
        with self._lock:
            for index, state in enumerate(self._links):
                if state.info is not None:
                    for side in _sides(state.role, state.info.side):
                        self._foot(side, index, state.info.sensor_count)
            self._forces = self._force_stream()
            markers = self.lsl.StreamInfo(
                f"{self.name}-events",
                "Markers",
                1,
                self.lsl.IRREGULAR_RATE,
                "string",
                self._source_id("events"),
            )
            markers.desc().append_child("channels").append_child("channel").append_child_value(
                "label", "gait_event"
            )
            self._markers = self.lsl.StreamOutlet(markers)
            outlets = [f.outlet for f in self._feet.values()] + [self._markers]
            if self._forces is not None:
                outlets.append(self._forces.outlet)
        self.on_note(
            "LSL: publishing "
            + ", ".join(
                [
                    f"{self.name}-{f.side} ({f.n_sensors} sensors, "
                    f"{LSL_UNITS.get(f.unit, f.unit)}, {f.rate_hz or 0:g} Hz)"
                    for f in self._feet.values()
                ]
                + ([f"{self.name}-forces"] if self._forces else [])
                + [f"{self.name}-events (gait events, about 6 s after they happen)"]
            )
        )
        if self.wait_s:
            self.on_note(f"LSL: waiting up to {self.wait_s:g} s for a consumer of every stream")
            deadline = time.monotonic() + self.wait_s
            for outlet in outlets:
                while not self._stop.is_set() and not outlet.wait_for_consumers(
                    min(0.1, max(0.0, deadline - time.monotonic()))
                ):
                    if time.monotonic() >= deadline:
                        break
            missing = [o.get_info().name() for o in outlets if not o.have_consumers()]
            if missing and not self._stop.is_set():
                self.on_note(f"LSL: no consumer of {', '.join(missing)}; starting all the same")
        self._thread = threading.Thread(target=self._detect, name="lsl-events", daemon=True)
        self._thread.start()

    def received(self, link: int, received: Received) -> None:
        from firmware_protocol import SampleBlock

        blocks = [m for m in received.messages if isinstance(m, SampleBlock) and len(m)]
        if not blocks:
            return
        host_s = received.host_ns / 1e9
        with self._lock:
            if self._closed or not self._links[link].connections:
                return  # before its DEVICE_INFO is known (a device streaming on its own)
            for block in blocks:
                self._frames(link, block, host_s)
            if self._forces is not None:
                self._forces.drain()

    def finishing(self) -> None:
        """Nothing: the frames still to come are delivered when the links close; ``close``."""

    def stop(self) -> None:
        """Stop waiting for consumers (Ctrl-C); ``close`` ends the rest."""
        self._stop.set()

    def close(self) -> None:
        """Report the last events, send the last paired forces and take the streams down."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        with self._lock:
            self._emit(final=True)
            if self._forces is not None:
                self._forces.drain(final=True)
            outlets = [f.outlet for f in self._feet.values()]
            if self._markers is not None:
                outlets.append(self._markers)
            if self._forces is not None:
                outlets.append(self._forces.outlet)
            if any(o.have_consumers() for o in outlets):
                time.sleep(LINGER_S)  # liblsl sends from its own threads: let them
            self._closed = True
            self._feet.clear()
            self._forces = None
            self._markers = None

    @property
    def frames(self) -> dict[str, int]:
        """Frames published per foot."""
        return dict(self._published)

    # -- inside --------------------------------------------------------------------------------
    def _source_id(self, what: str) -> str:
        ids = [f"{s.info.device_id:08x}" for s in self._links if s.info is not None]
        return f"pressure-{'-'.join(ids) or self.name}-{what}"

    def _foot(self, side: str, link: int, n_sensors: int) -> _Foot:
        """The foot's stream, made the first time (with a DEVICE_INFO at ``ready``; for a
        line-mode board at its first frame)."""
        foot = self._feet.get(side)
        if foot is not None:
            return foot
        from firmware_protocol import Unit

        from .io.capture import UNIT_SUFFIX, device_info_dict
        from .layouts_builtin import builtin_layout

        info = self._links[link].info
        unit = "raw" if info is None else UNIT_SUFFIX.get(Unit(info.unit), "raw")
        layout = None
        if info is not None and info.layout:
            try:
                layout = builtin_layout(info.layout)
            except KeyError:
                layout = None
            if layout is not None and layout.n_sensors != n_sensors:
                layout = None
        rate = info.rate_hz if info is not None and info.rate_hz > 0 else None
        stream = self.lsl.StreamInfo(
            f"{self.name}-{side}",
            "Pressure",
            n_sensors,
            rate or self.lsl.IRREGULAR_RATE,
            "float32",
            self._source_id(side),
        )
        desc = stream.desc()
        channels = desc.append_child("channels")
        for k in range(n_sensors):
            channel = channels.append_child("channel")
            channel.append_child_value("label", f"{side}_{k + 1}")
            channel.append_child_value("unit", LSL_UNITS.get(unit, unit))
            channel.append_child_value("type", CHANNEL_TYPES.get(unit, "Raw"))
            if layout is not None:
                location = channel.append_child("location")
                location.append_child_value("X", repr(float(layout.x_mm[k])))
                location.append_child_value("Y", repr(float(layout.y_mm[k])))
                location.append_child_value("Z", "0.0")
                channel.append_child_value("area_mm2", repr(float(layout.area_mm2[k])))
        _foot_frame(desc)
        acquisition = desc.append_child("acquisition")
        acquisition.append_child_value("manufacturer", "pressure (protocol v1 insole)")
        acquisition.append_child_value("software", _software())
        if info is not None:
            values = device_info_dict(info)
            acquisition.append_child_value("model", str(values["layout"]))
            acquisition.append_child_value("serial_number", f"{info.device_id:08x}")
            acquisition.append_child_value("firmware_version", str(values["firmware_version"]))
            acquisition.append_child_value("adc_bits", str(values["adc_bits"]))
            acquisition.append_child_value("scale", repr(info.scale))
        desc.append_child_value("side", side)
        load_unit = force_unit(unit, layout)
        events = LiveEvents(
            rate,
            physical_zero=load_unit in _physical_zero_units(),
            unit_is_newton=load_unit == "n",
            options=self.event_options,
        )
        foot = _Foot(
            side=side,
            link=link,
            n_sensors=n_sensors,
            unit=unit,
            scale=1.0 if info is None else info.scale,
            layout=layout,
            rate_hz=rate,
            outlet=self.lsl.StreamOutlet(stream),
            events=events,
        )
        self._feet[side] = foot
        return foot

    def _force_stream(self) -> _ForceStream | None:
        sides: list[str] = []
        for state in self._links:
            for side in _sides(state.role, None if state.info is None else state.info.side):
                if side not in sides:
                    sides.append(side)
        sides.sort(key=("left", "right").index)
        if not sides:
            return None
        units, rates = {}, []
        for side in sides:
            foot = self._feet.get(side)
            units[side] = "raw" if foot is None else force_unit(foot.unit, foot.layout)
            if foot is not None and foot.rate_hz:
                rates.append(foot.rate_hz)
        rate = max(rates) if rates else None
        stream = self.lsl.StreamInfo(
            f"{self.name}-forces",
            "Force",
            3 * len(sides),
            rate or self.lsl.IRREGULAR_RATE,
            "float32",
            self._source_id("forces"),
        )
        desc = stream.desc()
        channels = desc.append_child("channels")
        for side in sides:
            unit = units[side]
            load = f"{side}_force_n" if unit == "n" else f"{side}_load_{unit}"
            for label, lsl_unit, kind in (
                (load, LSL_UNITS.get(unit, unit), "Force"),
                (f"{side}_cop_ml_mm", "mm", "Position"),
                (f"{side}_cop_ap_mm", "mm", "Position"),
            ):
                channel = channels.append_child("channel")
                channel.append_child_value("label", label)
                channel.append_child_value("unit", lsl_unit)
                channel.append_child_value("type", kind)
        _foot_frame(desc)
        desc.append_child("acquisition").append_child_value("software", _software())
        half = 0.5 / rate if rate else 0.005
        one_clock = len(self._links) == 1  # both feet on one link: one device clock
        return _ForceStream(self.lsl.StreamOutlet(stream), sides, half, one_clock=one_clock)

    def _frames(self, link: int, block: SampleBlock, host_s: float) -> None:
        from firmware_protocol import Side

        state = self._links[link]
        timed = bool(np.all(block.time_us >= 0))
        if timed:
            device_s = block.time_us / 1e6
            state.clock.add(device_s, host_s)
            stamps = state.clock.host_s(device_s)
        else:  # lines without a time: on arrival
            device_s = np.full(len(block), host_s)
            stamps = device_s
        stamps = stamps + self.offset_s
        if state.role in ("left", "right"):
            masks = {state.role: np.ones(len(block), bool)}
        else:
            masks = {"left": block.side == Side.LEFT, "right": block.side == Side.RIGHT}
        for side, mask in masks.items():
            if not mask.any():
                continue
            foot = self._foot(side, link, block.n_sensors)
            if foot.link != link or foot.n_sensors != block.n_sensors:
                self.skipped_frames += int(mask.sum())
                self._say(
                    f"{side}: frames of {block.n_sensors} sensors on link {link}, not published "
                    f"(its stream has {foot.n_sensors} from link {foot.link})"
                )
                continue
            foot.untimed = not timed
            values = scaled(block.values[mask], foot.scale)
            foot.outlet.push_chunk(values.astype(np.float32), stamps[mask].tolist())
            foot.frames += int(mask.sum())
            self._published[side] = foot.frames
            load, total, ml, ap, _ = frame_load(values, foot.unit, foot.layout)
            foot.events.add(device_s[mask], load)
            if self._forces is not None:
                self._forces.add(side, stamps[mask], device_s[mask], total, ml, ap)

    def _say(self, text: str) -> None:
        if text not in self._said:
            self._said.add(text)
            self.on_note(f"LSL: {text}")

    def _detect(self) -> None:
        while not self._stop.wait(DETECT_EVERY_S):
            with self._lock:
                self._emit(final=False)

    def _emit(self, *, final: bool) -> None:
        """Run each foot's event detector; send what it found, in time order."""
        found = []
        for side, foot in self._feet.items():
            clock = self._links[foot.link].clock
            for event in foot.events.events(final=final):
                t = np.array([event.time_s])
                host = t if foot.untimed else clock.host_s(t)
                found.append((float(host[0]) + self.offset_s, f"{side}_{event.kind}"))
        if self._markers is None:
            return
        for stamp, label in sorted(found):
            self._markers.push_sample([label], stamp)
            self.markers_sent += 1


class _ForceStream:
    """``NAME-forces``: per foot force and CoP, the two feet's frames paired by time.

    Feet on one link are paired by their device time: the frames of one instant carry the same
    one, whereas their stamps may differ a little when a read ends between them and the live
    clock learns in between. Feet on two links (two clocks) are paired by their stamps."""

    def __init__(
        self, outlet: Any, sides: list[str], half_period_s: float, *, one_clock: bool
    ) -> None:
        self.outlet = outlet
        self.sides = sides
        self.half_s = half_period_s
        self.one_clock = one_clock
        # per foot: (pairing time, stamp, force, ml, ap)
        self.queues: dict[str, deque[tuple[float, float, float, float, float]]] = {
            side: deque() for side in sides
        }
        self.samples = 0

    def add(
        self,
        side: str,
        stamps: FloatArray,
        device_s: FloatArray,
        total: FloatArray,
        ml: FloatArray,
        ap: FloatArray,
    ) -> None:
        queue = self.queues.get(side)
        if queue is not None:
            keys = device_s if self.one_clock else stamps
            queue.extend(
                zip(
                    keys.tolist(),
                    stamps.tolist(),
                    total.tolist(),
                    ml.tolist(),
                    ap.tolist(),
                    strict=True,
                )
            )

    def drain(self, *, final: bool = False) -> None:
        """Send every pair (or lone frame) that is complete."""
        nan = (np.nan, np.nan, np.nan)
        rows: list[tuple[float, ...]] = []
        stamps: list[float] = []
        if len(self.sides) == 1:
            queue = self.queues[self.sides[0]]
            while queue:
                _, t, *values = queue.popleft()
                rows.append(tuple(values))
                stamps.append(t)
        else:
            left, right = (self.queues[s] for s in self.sides)
            while left and right:
                a, b = left[0], right[0]
                if abs(a[0] - b[0]) <= self.half_s:
                    rows.append((*a[2:], *b[2:]))
                    stamps.append((a[1] + b[1]) / 2)
                    left.popleft()
                    right.popleft()
                elif a[0] < b[0]:
                    rows.append((*left.popleft()[2:], *nan))
                    stamps.append(a[1])
                else:
                    rows.append((*nan, *right.popleft()[2:]))
                    stamps.append(b[1])
            for k, queue in enumerate((left, right)):
                # a frame whose partner is late (another link) or never comes (a lost frame)
                while queue and (final or queue[-1][0] - queue[0][0] > PAIR_WAIT_S):
                    _, t, *values = queue.popleft()
                    rows.append((*values, *nan) if k == 0 else (*nan, *values))
                    stamps.append(t)
        if rows:
            self.outlet.push_chunk(np.array(rows, dtype=np.float32), stamps)
            self.samples += len(rows)


def _sides(role: str, device_side: int | None) -> list[str]:
    """The feet a link carries: its role's, or for a link of both roles the device's."""
    if role in ("left", "right"):
        return [role]
    return {0: ["left"], 1: ["right"]}.get(device_side if device_side is not None else -1,
                                           ["left", "right"])  # fmt: skip


def _physical_zero_units() -> tuple[str, ...]:
    from .analysis.analyze import PHYSICAL_ZERO_UNITS

    return PHYSICAL_ZERO_UNITS


def _software() -> str:
    from ._version import __version__

    return f"pressure {__version__}"


def _foot_frame(desc: Any) -> None:
    """The foot frame of the locations and CoP in a stream's ``desc`` (``pressure.layout``)."""
    frame = desc.append_child("coordinates")
    frame.append_child_value("frame", "foot")
    frame.append_child_value("origin", "back of the heel (most posterior point of the insole)")
    frame.append_child_value("X", "medial (both feet)")
    frame.append_child_value("Y", "anterior (heel to toe)")
    frame.append_child_value("unit", "mm")


# -- markers in ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Marker:
    """One sample of another application's marker stream, received: its ``label`` (the first
    channel as text; ``values`` all of them), its stamp as sent (``lsl_time_s``, the sender's
    clock), the inlet's ``time_correction_s`` then, and the host time (s, ``time.monotonic``)
    it maps to."""

    label: str
    values: tuple[str, ...]
    lsl_time_s: float
    time_correction_s: float
    host_s: float


class MarkerInlet:
    """Subscribes to the marker stream named ``name`` (waited for in the background) and
    hands each marker to ``on_marker`` with its time on the host's clock (module docstring:
    "Markers in"). A ``pressure.io.recorder.Companion``: ``start`` it with the recording,
    ``finishing`` stops it after taking what has arrived.

    Parameters
    ----------
    lsl : module
        ``pylsl``.
    name : str
        The stream's name (its ``name`` field on the network).
    on_marker : callable
        Called with each ``Marker``, from the inlet's thread.
    on_note : callable
        Told when the stream is found, and of trouble.
    offset_s : float, optional
        ``host_to_lsl_s`` (default: measured now).
    """

    def __init__(
        self,
        lsl: ModuleType,
        name: str,
        on_marker: Callable[[Marker], None],
        *,
        on_note: Callable[[str], None] = lambda _: None,
        offset_s: float | None = None,
    ) -> None:
        self.lsl = lsl
        self.name = name
        self.on_marker = on_marker
        self.on_note = on_note
        self.offset_s = host_to_lsl_s(lsl) if offset_s is None else offset_s
        self.count = 0  # markers received
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="lsl-markers", daemon=True)
        self._correction_s = 0.0

    def start(self) -> MarkerInlet:
        self.on_note(f"LSL: looking for the marker stream {self.name!r}")
        self._thread.start()
        return self

    def stop(self) -> None:
        """Take what has arrived, then stop."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    # -- Companion
    def connected(self, link: int, info: DeviceInfo | None) -> None:
        """Nothing to do."""

    def received(self, link: int, received: Received) -> None:
        """Nothing to do."""

    def ready(self) -> None:
        """Nothing to do."""

    def finishing(self) -> None:
        self.stop()

    # -- inside
    def _run(self) -> None:
        lsl = self.lsl
        found: list[Any] = []
        while not found and not self._stop.is_set():
            found = list(lsl.resolve_byprop("name", self.name, 1, RESOLVE_S))
        if not found:
            self.on_note(f"LSL: the marker stream {self.name!r} never appeared")
            return
        info = found[0]
        self.on_note(
            f"LSL: recording the markers of {self.name!r} (type {info.type()!r}, from "
            f"{info.hostname()}, source {info.source_id()!r})"
        )
        inlet = lsl.StreamInlet(info, recover=True)
        try:
            inlet.open_stream(timeout=5.0)
            self._update_correction(inlet, timeout_s=2.0)
            while True:
                stopping = self._stop.is_set()
                samples, stamps = inlet.pull_chunk(timeout=0.0 if stopping else 0.1)
                if samples:
                    self._update_correction(inlet, timeout_s=0.5)
                    for sample, stamp in zip(samples, stamps, strict=True):
                        self._deliver(sample, float(stamp))
                elif stopping:
                    break
        except Exception as exc:  # liblsl's LostError, TimeoutError: the stream went away
            self.on_note(f"LSL: the marker stream {self.name!r} stopped: {exc}")
        finally:
            inlet.close_stream()

    def _update_correction(self, inlet: Any, timeout_s: float) -> None:
        """The inlet's clock offset (liblsl re-measures it every few seconds); the last one
        known when it cannot say in time."""
        with contextlib.suppress(Exception):  # a TimeoutError: keep the last one
            self._correction_s = float(inlet.time_correction(timeout=timeout_s))

    def _deliver(self, sample: Sequence[Any], stamp: float) -> None:
        values = tuple(str(v) for v in sample)
        local = stamp + self._correction_s
        self.count += 1
        self.on_marker(
            Marker(
                label=values[0] if values else "",
                values=values,
                lsl_time_s=stamp,
                time_correction_s=self._correction_s,
                host_s=local - self.offset_s,
            )
        )
