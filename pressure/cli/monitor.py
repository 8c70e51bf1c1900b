"""``pressure monitor``: a live view of one insole link, or of two (``--right``).

Reading and drawing are apart: each link's reader thread only reads and decodes, a listener adds
each frame to a rolling window per foot, and the main thread draws a snapshot at most
``--refresh`` times a second (10 at most). A slow terminal therefore delays the picture, never a
frame. On a terminal the view redraws in place; otherwise (a pipe, a log file) it prints one
plain line per ``--interval`` seconds. When the monitor ends (``--seconds``, Ctrl-C, a link that
went away) it prints one summary line.

What the view shows is steady while walking, and says over what it was taken:

* the load shares and mean forces are over each foot's latest whole strides (heel strike to
  heel strike, ``heel_strikes``) whose length comes closest to ``--window-s`` (default 2 s,
  about two strides at a normal cadence): the integral of a periodic load over whole periods
  does not depend on where they start, so the share holds steady while walking. Standing (no
  strides), over the last ``--window-s`` seconds. The left share is 100 * F_L / (F_L + F_R) of
  the mean forces, i.e. of the force-time integrals sum(max(F, 0) * dt) over equal times, dt the
  interval to the previous frame, at most one nominal sampling interval, as
  ``pressure.analysis.distribution.left_share`` defines it (unlike there, a foot's dropout is
  not left out of the other foot's integral: the view counts lost frames instead);
* the rate is per foot, the frames of the same window over the time they span on the device's
  clock (the frames' times; the host's time of arrival for line-mode frames without a time),
  beside the nominal rate the device reports;
* the CoP is the latest loaded frame's.

With one link both feet are on one clock and their windows end together; with two links each
foot's window ends at its own latest frame (two devices, two clocks).

Time is passed in: ``LiveState.add(block, link, arrival_s)`` takes the host's time of arrival,
``Drawer.draw(counters, now_s)`` the time of the redraw, so a test gives it frames and times
(like ``VirtualInsole.due(now_s)``) and never depends on how fast a loaded machine ran.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from ._args import add_links, number_in

if TYPE_CHECKING:
    from firmware_protocol import DeviceInfo, SampleBlock

    from ..layout import SensorLayout

FloatArray = npt.NDArray[np.float64]

MAX_REFRESH_HZ = 10.0
DEFAULT_WINDOW_S = 2.0  # about two strides of walking at a normal cadence (110 steps/min)
FOOT_ROWS, FOOT_COLS = 12, 9  # characters per foot drawing
CONTACT_N = 20.0
#: a foot without a new frame for this long (or the window, if longer) shows a rate of 0: its
#: device stopped streaming; long enough that a loaded machine's late delivery does not
STALE_S = 5.0
SIDES = {0: "left", 1: "right"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_links(parser, side=False)
    parser.add_argument(
        "--seconds", type=number_in(0, 7 * 24 * 3600), metavar="S", help="stop after S seconds"
    )
    parser.add_argument(
        "--window-s",
        type=number_in(0, 600),
        default=DEFAULT_WINDOW_S,
        metavar="S",
        help="load shares and forces over the latest whole strides closest to S seconds "
        "(standing: the last S seconds), rates over the last S seconds "
        f"(default {DEFAULT_WINDOW_S:g}: about two strides of walking)",
    )
    parser.add_argument(
        "--refresh",
        type=number_in(0, MAX_REFRESH_HZ),
        default=MAX_REFRESH_HZ,
        metavar="HZ",
        help=f"redraws per second on a terminal (at most {MAX_REFRESH_HZ:g})",
    )
    parser.add_argument(
        "--interval",
        type=number_in(0, 3600),
        default=1.0,
        metavar="S",
        help="seconds between plain lines when not on a terminal (default 1)",
    )
    parser.add_argument("--no-start", action="store_true", help="do not send START/STOP")
    parser.add_argument("--baud", type=int, default=921_600, help="baud rate (default 921600)")


@dataclass
class Link:
    """What one link said about itself: its DEVICE_INFO and layout (None until it answered, or
    when it does not), and the foot of all its frames when it is one insole of two (0 left,
    1 right; None: each frame says its foot)."""

    info: DeviceInfo | None = None
    layout: SensorLayout | None = None
    side: int | None = None
    in_newtons: bool = False  # whether its last frames' forces could be put in N

    @property
    def nominal_hz(self) -> float | None:
        """The sample rate per foot the device reports, Hz (None when it did not say)."""
        return self.info.rate_hz if self.info is not None and self.info.rate_hz > 0 else None

    def unit(self) -> str:
        from firmware_protocol import Unit

        from ..io.capture import UNIT_SUFFIX

        return "raw" if self.info is None else UNIT_SUFFIX.get(Unit(self.info.unit), "raw")

    def layout_for(self, n_sensors: int) -> SensorLayout | None:
        layout = self.layout
        return layout if layout is not None and layout.n_sensors == n_sensors else None


@dataclass
class _Foot:
    """One foot's frames: totals since the start, and its recent frames for the window."""

    link: int = 0  # the link (and so the clock) its frames come on
    frames: int = 0
    fti: float = 0.0  # sum(max(F, 0) * dt) since the start, in the force unit times s
    first_s: float | None = None  # time of its first and latest frames, s
    last_s: float | None = None
    arrived_s: float | None = None  # when its latest frame arrived, s (the redraws' clock)
    timed: bool = True  # whether the times are the device's (else the host's on arrival)
    # (time_s, force, dt_s) of recent blocks, oldest first
    recent: deque[tuple[FloatArray, FloatArray, FloatArray]] = field(default_factory=deque)
    cop: tuple[float, float] | None = None  # (x medial, y anterior) in mm, latest loaded frame

    def interval_s(self, nominal_hz: float | None) -> float | None:
        """A frame's usual interval: the nominal one, else the mean so far (None: unknown)."""
        if nominal_hz:
            return 1.0 / nominal_hz
        if self.frames > 1 and self.first_s is not None and self.last_s is not None:
            span = self.last_s - self.first_s
            return span / (self.frames - 1) if span > 0 else None
        return None


@dataclass(frozen=True)
class FootView:
    """A foot at one redraw.

    ``force`` is the mean force over the share window (N, or the device's unit when it cannot
    be put in N): the foot's latest whole strides, heel strike to heel strike, whose number
    makes their length closest to the window (``strides`` of them, ``share_window_s`` long),
    or, when it makes no strides (standing, or before its second heel strike), the last
    window, as much of it as its frames cover (``strides`` None). ``rate_hz`` is the frames of
    the last window over the time they span (None under two frames)."""

    frames: int
    force: float | None
    share_window_s: float
    strides: int | None
    rate_hz: float | None
    nominal_hz: float | None
    cop: tuple[float, float] | None
    layout: SensorLayout | None


#: a live heel strike: the load rises above this share of its recent highest ...
STANCE_FRACTION = 0.2
#: ... after having been under this share of it (a swing)
SWING_FRACTION = 0.05


def heel_strikes(time_s: FloatArray, force: FloatArray) -> FloatArray:
    """Times of the frames where the foot's load rises above ``STANCE_FRACTION`` of its
    highest in ``force`` after having been under ``SWING_FRACTION`` of it (a swing): its heel
    strikes, s. The two thresholds keep the noise of a loaded or an unloaded foot from making
    strikes."""
    peak = float(force.max()) if force.size else 0.0
    if not peak > 0:
        return np.zeros(0)
    code = np.where(
        force < SWING_FRACTION * peak, -1, np.where(force > STANCE_FRACTION * peak, 1, 0)
    )
    # the region each frame is in: the last one it was clearly in
    last = np.maximum.accumulate(np.where(code != 0, np.arange(code.size), 0))
    region = code[last]
    rises = np.flatnonzero((region[1:] == 1) & (region[:-1] == -1)) + 1
    return time_s[rises]


class LiveState:
    """Rolling windows per foot that listeners add frames to and the drawer takes views of.

    Parameters
    ----------
    links : sequence of Link
        The links, in the order ``add`` names them (one, or the left and right insoles).
    window_s : float
        The window of the shares, forces and rates, s.
    """

    def __init__(self, links: Sequence[Link], *, window_s: float = DEFAULT_WINDOW_S) -> None:
        self.links = list(links)
        self.window_s = window_s
        self.feet = {0: _Foot(), 1: _Foot()}
        self.lock = threading.Lock()

    def force_unit(self) -> str:
        """What the force figures are in: N when every link's unit and layout allow it."""
        if all(link.in_newtons for link in self.links):
            return "N"
        return "counts" if any(link.unit() == "adc" for link in self.links) else "sum"

    def add(self, block: SampleBlock, link: int = 0, *, arrival_s: float) -> None:
        """Add the frames of ``block``, which came on link ``link`` and arrived at
        ``arrival_s`` (s, on the clock of the redraws: for frames without a device time, and to
        tell a foot whose frames stopped coming)."""
        from ..model import sensor_force_n

        source = self.links[link]
        info = source.info
        values = block.values * (1.0 if info is None else info.scale)
        layout = source.layout_for(values.shape[1])
        force = sensor_force_n(values, source.unit(), None if layout is None else layout.area_mm2)
        source.in_newtons = force is not None
        if force is None:
            force = values  # no way to newtons: plain sums, in the device's unit
        total = np.asarray(force.sum(axis=1), dtype=np.float64)
        timed = bool(len(block)) and bool(np.all(block.time_us >= 0))
        time_s = block.time_us / 1e6 if timed else np.full(len(block), arrival_s, dtype=np.float64)
        # below a contact force the CoP is undefined (METHODS.md §4.1: 20 N; else any load)
        contact = CONTACT_N if source.in_newtons else 0.0
        with self.lock:
            for side in (0, 1):
                mine = (
                    np.full(len(block), source.side == side)
                    if source.side is not None
                    else block.side == side
                )
                if not mine.any():
                    continue
                foot = self.feet[side]
                self._add_foot(foot, link, time_s[mine], total[mine], timed, source.nominal_hz)
                foot.arrived_s = arrival_s
                if layout is not None and total[mine][-1] > contact:
                    f = force[mine][-1]
                    foot.cop = (
                        float(f @ layout.x_mm / f.sum()),
                        float(f @ layout.y_mm / f.sum()),
                    )
                else:
                    foot.cop = None

    def _add_foot(
        self,
        foot: _Foot,
        link: int,
        time_s: FloatArray,
        force: FloatArray,
        timed: bool,
        nominal_hz: float | None,
    ) -> None:
        usual = foot.interval_s(nominal_hz)
        if timed:
            # each frame stands for the time since the previous one, at most one usual
            # interval (a gap counts for the frames either side only: left_share's rule)
            previous = foot.last_s if foot.last_s is not None else time_s[0] - (usual or 0.0)
            steps = np.diff(time_s, prepend=previous)
            dt = np.clip(steps, 0.0, usual if usual is not None else np.inf)
        else:  # arrival times come in bursts: every frame weighs one usual interval
            dt = np.full(time_s.size, usual or 0.0)
        foot.link, foot.timed = link, timed
        foot.frames += time_s.size
        foot.fti += float(np.sum(np.maximum(force, 0.0) * dt))
        if foot.first_s is None:
            foot.first_s = float(time_s[0])
        foot.last_s = float(time_s[-1])
        foot.recent.append((time_s, force, dt))
        # keep enough for whole strides up to half as long again as the window, and a second
        # more: the other foot's window may end a little later
        while foot.recent and foot.recent[0][0][-1] < foot.last_s - 2 * self.window_s - 1.0:
            foot.recent.popleft()

    def _window_end(self, side: int) -> float | None:
        """Where the foot's window ends: on one clock with the other foot, at the older of the
        two latest frames (both feet have frames up to there), unless the other foot went
        quiet a window ago; else at its own latest frame."""
        foot = self.feet[side]
        if foot.last_s is None:
            return None
        other = self.feet[1 - side]
        same_clock = other.link == foot.link and other.last_s is not None
        if same_clock and other.last_s is not None and other.last_s >= foot.last_s - self.window_s:
            return min(foot.last_s, other.last_s)
        return foot.last_s

    def view(self, now_s: float) -> dict[int, FootView]:
        """Each foot over the window, at ``now_s`` (s, the clock ``add`` is given)."""
        with self.lock:
            return {side: self._view(side, now_s) for side in self.feet}

    def _view(self, side: int, now_s: float) -> FootView:
        foot = self.feet[side]
        link = self.links[foot.link] if foot.frames else None
        nominal = None if link is None else link.nominal_hz
        layout = None if link is None else link.layout
        end = self._window_end(side)
        if end is None or foot.first_s is None:
            return FootView(0, None, 0.0, None, None, nominal, None, layout)
        time_s = np.concatenate([t for t, _, _ in foot.recent])
        force = np.concatenate([f for _, f, _ in foot.recent])
        dt = np.concatenate([d for _, _, d in foot.recent])
        upto = time_s <= end
        time_s, force, dt = time_s[upto], force[upto], dt[upto]
        last = time_s > end - self.window_s
        t = time_s[last]
        span = float(t[-1] - t[0]) if t.size > 1 else 0.0
        rate = (t.size - 1) / span if span > 0 else None
        if foot.arrived_s is not None and now_s - foot.arrived_s > max(STALE_S, self.window_s):
            rate = 0.0  # nothing new: the window's frames are old news
        # whole strides: the integral of a periodic load over whole periods is the same
        # wherever they start, so the share does not swing with the phase of the gait
        strikes = heel_strikes(time_s, force) if foot.timed else np.zeros(0)
        strides = None
        if strikes.size > 1 and strikes[-1] > end - self.window_s:
            stride_s = float(np.median(np.diff(strikes)))
            strides = min(max(1, round(self.window_s / stride_s)), strikes.size - 1)
            chosen = (time_s >= strikes[-1 - strides]) & (time_s < strikes[-1])
            covered = float(strikes[-1] - strikes[-1 - strides])
        else:
            chosen = last
            usual = foot.interval_s(nominal) or 0.0
            covered = min(self.window_s, end - foot.first_s + usual)
        f, d = force[chosen], dt[chosen]
        duration = float(d.sum())
        mean = float(np.sum(np.maximum(f, 0.0) * d) / duration) if duration > 0 else None
        return FootView(
            frames=foot.frames,
            force=mean,
            share_window_s=covered,
            strides=strides,
            rate_hz=rate,
            nominal_hz=nominal,
            cop=foot.cop,
            layout=layout,
        )

    def totals(self) -> dict[int, dict[str, Any]]:
        """Per foot since the start: frames, the mean rate over the time they span (Hz, None
        under two frames), the nominal rate and the force-time integral."""
        with self.lock:
            out = {}
            for side, foot in self.feet.items():
                span = (
                    foot.last_s - foot.first_s
                    if foot.first_s is not None and foot.last_s is not None
                    else 0.0
                )
                link = self.links[foot.link] if foot.frames else None
                out[side] = {
                    "frames": foot.frames,
                    "rate_hz": (foot.frames - 1) / span if span > 0 else None,
                    "nominal_hz": None if link is None else link.nominal_hz,
                    "fti": foot.fti,
                }
            return out


def left_share_pct(left: float, right: float) -> float | None:
    """100 * L / (L + R) of the two feet's force-time integrals over the same time (or their
    mean forces), None when neither foot carried load."""
    total = left + right
    return 100.0 * left / total if total > 0 else None


def _rate_text(rate_hz: float | None, nominal_hz: float | None) -> str:
    """``99.8/100 Hz``: the measured rate against the nominal one."""
    measured = "-" if rate_hz is None else f"{rate_hz:.1f}"
    return f"{measured}/{nominal_hz:g} Hz" if nominal_hz else f"{measured} Hz"


def _foot_picture(
    layout: SensorLayout | None, cop: tuple[float, float] | None, left: bool
) -> list[str]:
    """A small character drawing of the foot seen from above, toes up, CoP as ``@``."""
    grid = [[" "] * FOOT_COLS for _ in range(FOOT_ROWS)]
    if layout is None:
        return ["".join(r) for r in grid]

    def cell(x_mm: float, y_mm: float) -> tuple[int, int]:
        w = x_mm / layout.foot_width_mm  # -0.5..0.5, + medial
        # seen from above, the medial side of the left foot is on the right, of the right foot
        # on the left
        col = round((0.5 + (w if left else -w)) * (FOOT_COLS - 1))
        row = round((1.0 - y_mm / layout.foot_length_mm) * (FOOT_ROWS - 1))
        return min(max(row, 0), FOOT_ROWS - 1), min(max(col, 0), FOOT_COLS - 1)

    outline = layout.outline_mm
    for i in range(len(outline)):
        (x0, y0), (x1, y1) = outline[i], outline[(i + 1) % len(outline)]
        for t in (0.0, 0.25, 0.5, 0.75):
            r, c = cell(x0 + t * (x1 - x0), y0 + t * (y1 - y0))
            grid[r][c] = "."
    if cop is not None:
        r, c = cell(*cop)
        grid[r][c] = "@"
    return ["".join(r) for r in grid]


class Drawer:
    """What the drawing thread does at each redraw, at a time it is given (seconds on any
    monotonic clock): take a view of the windows and render it."""

    def __init__(self, state: LiveState, now_s: float) -> None:
        self.state = state
        self.started_s = now_s

    def draw(self, counters: dict[str, int], now_s: float) -> tuple[str, str]:
        """(full view for a terminal, one plain line) at ``now_s``."""
        return render(self.state, self.state.view(now_s), counters, now_s - self.started_s)

    def summary(self, counters: dict[str, int], now_s: float) -> str:
        """The line printed when the monitor ends, at ``now_s``: how long it ran, frames and
        mean rate per foot against the nominal rate, frames lost, CRC errors, and the left
        share of the force-time integrals since the start."""
        totals = self.state.totals()
        share = left_share_pct(totals[0]["fti"], totals[1]["fti"])
        feet = ", ".join(
            f"{SIDES[side]} {t['frames']} frames at {_rate_text(t['rate_hz'], t['nominal_hz'])}"
            for side, t in totals.items()
        )
        share_text = "-" if share is None else f"{share:.1f} %"
        return (
            f"pressure monitor: {now_s - self.started_s:.1f} s, {feet}, "
            f"{counters.get('frames_lost', 0)} frames lost, "
            f"{counters.get('crc_errors', 0)} CRC errors, left share {share_text} (whole run)"
        )


def render(
    state: LiveState,
    feet: dict[int, FootView],
    counters: dict[str, int],
    elapsed: float,
) -> tuple[str, str]:
    """(full view for a terminal, one plain line); ``elapsed`` in s since the view started."""
    unit = state.force_unit()
    left, right = feet[0], feet[1]
    share = (
        left_share_pct(left.force, right.force)
        if left.force is not None and right.force is not None
        else None
    )
    window = f"last {max(left.share_window_s, right.share_window_s):.1f} s"
    if left.strides is not None and left.strides == right.strides:
        window += f", {left.strides} stride{'s' if left.strides > 1 else ''}"

    def fmt(v: float | None) -> str:
        return "   -  " if v is None else f"{v:6.0f}"

    share_text = "  -  " if share is None else f"{share:5.1f}"
    right_share = "  -  " if share is None else f"{100 - share:5.1f}"
    rates = (
        f"left {_rate_text(left.rate_hz, left.nominal_hz)}  "
        f"right {_rate_text(right.rate_hz, right.nominal_hz)}"
    )
    lost = counters.get("frames_lost", 0)
    crc = counters.get("crc_errors", 0)
    line = (
        f"t {elapsed:7.1f} s  left share {share_text} % ({window})  "
        f"force L {fmt(left.force)} R {fmt(right.force)} {unit}  rate {rates}  "
        f"lost {lost}  CRC errors {crc}"
    )
    pictures = [
        _foot_picture(left.layout, left.cop, True),
        _foot_picture(right.layout, right.cop, False),
    ]
    view = [
        f"pressure monitor   {elapsed:7.1f} s   Ctrl-C to stop",
        "",
        f"   LEFT  {share_text} %        RIGHT {right_share} %     load share ({window})",
        f"   {fmt(left.force)} {unit:<8}      {fmt(right.force)} {unit:<8}   mean force",
        "",
    ]
    for a, b in zip(*pictures, strict=True):
        view.append(f"    {a}          {b}")
    view += [
        "",
        f"   rate {rates}",
        f"   frames L {left.frames}  R {right.frames}",
        f"   frames lost {lost}   CRC errors {crc}   "
        f"bytes skipped {counters.get('bytes_skipped', 0)}",
    ]
    if left.layout is None and right.layout is None:
        view.append("   (no layout known for this device: no centre of pressure)")
    return "\n".join(view), line


def _counters(sources: Sequence[Any]) -> dict[str, int]:
    """The decoders' counters, summed over the links."""
    out: dict[str, int] = {}
    for source in sources:
        live = source.decoder.counters
        for name, value in (live.as_dict() if live is not None else {}).items():
            out[name] = out.get(name, 0) + value
    return out


def run(args: argparse.Namespace, clock: Callable[[], float] = time.monotonic) -> int:
    from firmware_protocol import Command, CommandCode, SampleBlock

    from ..errors import DeviceError
    from ..layout import layout_by_name
    from ..signals import stop_on_signals
    from ..sources.serial_source import Received, SerialSource, stop_and_close

    urls = [args.device] if args.right is None else [args.device, args.right]
    roles: list[str | None] = [None] if args.right is None else ["left", "right"]
    links = [Link(side=None if role is None else (0 if role == "left" else 1)) for role in roles]
    sources: list[SerialSource] = []
    try:  # a wrong port fails here, before anything is drawn
        for url, role in zip(urls, roles, strict=True):
            sources.append(SerialSource(url, baudrate=args.baud, side=role))
    except BaseException:
        for source in sources:
            source.close()
        raise
    state = LiveState(links, window_s=args.window_s)
    drawer = Drawer(state, clock())  # the view's clock starts with the windows

    def listener(index: int) -> Callable[[Received], None]:
        def listen(received: Received) -> None:
            for m in received.messages:
                if isinstance(m, SampleBlock) and len(m):
                    state.add(m, index, arrival_s=clock())

        return listen

    for index, source in enumerate(sources):
        source.listen(listener(index))
        source.start()
    stop = threading.Event()
    restore_signals = stop_on_signals(lambda *_: stop.set())
    tty = sys.stdout.isatty()
    started: list[SerialSource] = []
    deadline = None if args.seconds is None else clock() + args.seconds
    try:
        for url, source, link in zip(urls, sources, links, strict=True):
            try:
                link.info = source.request_info(timeout_s=1.0)
            except DeviceError:
                link.info = None  # line mode or a silent device: show what arrives
                if source.decoder.mode is None:
                    print(
                        f"pressure monitor: {url}: no answer and no data yet; waiting",
                        file=sys.stderr,
                        flush=True,
                    )
            if link.info is not None:
                try:
                    link.layout = layout_by_name(link.info.layout)
                except KeyError:
                    link.layout = None
                if not args.no_start:
                    source.command(Command(CommandCode.START))
                    started.append(source)
        period = 1.0 / args.refresh if tty else args.interval
        try:
            while not stop.is_set():
                wait = period if deadline is None else min(period, deadline - clock())
                if wait <= 0 or stop.wait(wait):
                    break
                view, line = drawer.draw(_counters(sources), clock())
                sys.stdout.write(("\x1b[H\x1b[2J" + view if tty else line) + "\n")
                sys.stdout.flush()
                for url, source in zip(urls, sources, strict=True):
                    if not source.alive:
                        raise DeviceError(source.error or f"{url}: the device went away")
        finally:
            # the summary says what arrived, however the monitor ended
            print(drawer.summary(_counters(sources), clock()), flush=True)
    finally:
        restore_signals()
        stop_and_close(started, sources)
    return 0
