"""``pressure monitor``: a live view of one insole link.

Reading and drawing are apart: the serial reader thread only reads and decodes, a listener adds
each frame to running sums, and the main thread draws a snapshot at most ``--refresh`` times a
second (10 at most). A slow terminal therefore delays the picture, never a frame. On a terminal
the view redraws in place; otherwise (a pipe, a log file) it prints one plain line per
``--interval`` seconds.

Time is passed in: ``Drawer.draw(counters, now_s)`` takes the time of the redraw, and the rate it
shows is the frames counted since the previous redraw over the time between the two, so a test
gives it frames and times (like ``VirtualInsole.due(now_s)``) and never depends on how fast a
loaded machine ran.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ._args import number_in

if TYPE_CHECKING:
    from firmware_protocol import DeviceInfo

    from ..layout import SensorLayout

MAX_REFRESH_HZ = 10.0
FOOT_ROWS, FOOT_COLS = 12, 9  # characters per foot drawing
CONTACT_N = 20.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("device", metavar="DEVICE", help="serial port path or pyserial URL")
    parser.add_argument(
        "--seconds", type=number_in(0, 7 * 24 * 3600), metavar="S", help="stop after S seconds"
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
class _Foot:
    frames: int = 0
    force_sum: float = 0.0  # since the last snapshot
    force_count: int = 0  # frames in force_sum
    cop: tuple[float, float] | None = None  # (x medial, y anterior) in mm, latest loaded frame


@dataclass
class LiveState:
    """Running sums the listener adds to and the drawer takes snapshots of."""

    info: DeviceInfo | None
    layout: SensorLayout | None
    feet: dict[int, _Foot] = field(default_factory=lambda: {0: _Foot(), 1: _Foot()})
    lock: threading.Lock = field(default_factory=threading.Lock)
    in_newtons: bool = False  # whether the last frames' forces could be put in N

    def _unit(self) -> str:
        from firmware_protocol import Unit

        from ..io.capture import UNIT_SUFFIX

        return "raw" if self.info is None else UNIT_SUFFIX.get(Unit(self.info.unit), "raw")

    def _layout_for(self, n_sensors: int) -> SensorLayout | None:
        layout = self.layout
        return layout if layout is not None and layout.n_sensors == n_sensors else None

    def force_unit(self) -> str:
        """What the force figures are in: N when the device's unit and layout allow it."""
        if self.in_newtons:
            return "N"
        return "counts" if self._unit() == "adc" else "sum"

    def add(self, block: Any) -> None:
        from ..model import sensor_force_n

        values = block.values * (1.0 if self.info is None else self.info.scale)
        layout = self._layout_for(values.shape[1])
        force = sensor_force_n(values, self._unit(), None if layout is None else layout.area_mm2)
        self.in_newtons = force is not None
        if force is None:
            force = values  # no way to newtons: plain sums, in the device's unit
        total = force.sum(axis=1)
        # below a contact force the CoP is undefined (METHODS.md §4.1: 20 N; else any load)
        contact = CONTACT_N if self.in_newtons else 0.0
        with self.lock:
            for side in (0, 1):
                mine = block.side == side
                if not mine.any():
                    continue
                foot = self.feet[side]
                foot.frames += int(mine.sum())
                foot.force_sum += float(total[mine].sum())
                foot.force_count += int(mine.sum())
                if layout is not None and total[mine][-1] > contact:
                    f = force[mine][-1]
                    foot.cop = (
                        float(f @ layout.x_mm / f.sum()),
                        float(f @ layout.y_mm / f.sum()),
                    )
                else:
                    foot.cop = None

    def snapshot(self) -> dict[int, Any]:
        with self.lock:
            out: dict[int, Any] = {}
            for side, foot in self.feet.items():
                mean = foot.force_sum / foot.force_count if foot.force_count else None
                out[side] = {"frames": foot.frames, "force": mean, "cop": foot.cop}
                foot.force_sum, foot.force_count = 0.0, 0
            return out


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
    monotonic clock): take a snapshot, work out the rate since the previous redraw, render."""

    def __init__(self, state: LiveState, now_s: float) -> None:
        self.state = state
        self.started_s = now_s
        self._last_frames = 0
        self._last_s = now_s

    def draw(self, counters: dict[str, int], now_s: float) -> tuple[str, str]:
        """(full view for a terminal, one plain line) at ``now_s``; the rate is in frames per
        second (both feet) since the previous redraw."""
        snap = self.state.snapshot()
        frames = snap[0]["frames"] + snap[1]["frames"]
        span = now_s - self._last_s
        rate = (frames - self._last_frames) / span if span > 0 else 0.0
        self._last_frames, self._last_s = frames, now_s
        return render(self.state, snap, counters, rate, now_s - self.started_s)


def render(
    state: LiveState,
    snap: dict[int, Any],
    counters: dict[str, int],
    rate: float,
    elapsed: float,
) -> tuple[str, str]:
    """(full view for a terminal, one plain line); ``elapsed`` in s since the view started."""
    unit = state.force_unit()
    left, right = snap[0]["force"], snap[1]["force"]
    share = None
    if left is not None and right is not None and left + right > 0:
        share = 100.0 * left / (left + right)

    def fmt(v: float | None) -> str:
        return "   -  " if v is None else f"{v:6.0f}"

    share_text = "  -  " if share is None else f"{share:5.1f}"
    right_share = "  -  " if share is None else f"{100 - share:5.1f}"
    line = (
        f"t {elapsed:7.1f} s  left {share_text} %  right {right_share} %  "
        f"force L {fmt(left)} R {fmt(right)} {unit}  rate {rate:7.1f} frames/s  "
        f"lost {counters.get('frames_lost', 0)}  CRC errors {counters.get('crc_errors', 0)}"
    )
    pictures = [
        _foot_picture(state.layout, snap[0]["cop"], True),
        _foot_picture(state.layout, snap[1]["cop"], False),
    ]
    view = [
        f"pressure monitor   {elapsed:7.1f} s   Ctrl-C to stop",
        "",
        f"   LEFT  {share_text} %        RIGHT {right_share} %",
        f"   {fmt(left)} {unit:<8}      {fmt(right)} {unit}",
        "",
    ]
    for a, b in zip(*pictures, strict=True):
        view.append(f"    {a}          {b}")
    view += [
        "",
        f"   frames L {snap[0]['frames']}  R {snap[1]['frames']}   rate {rate:7.1f} frames/s",
        f"   frames lost {counters.get('frames_lost', 0)}   "
        f"CRC errors {counters.get('crc_errors', 0)}   "
        f"bytes skipped {counters.get('bytes_skipped', 0)}",
    ]
    if state.layout is None:
        view.append("   (no layout known for this device: no centre of pressure)")
    return "\n".join(view), line


def run(args: argparse.Namespace, clock: Callable[[], float] = time.monotonic) -> int:
    import signal

    from firmware_protocol import Command, CommandCode, SampleBlock

    from ..errors import DeviceError
    from ..layout import layout_by_name
    from ..sources.serial_source import Received, SerialSource

    source = SerialSource(args.device, baudrate=args.baud)
    state = LiveState(None, None)
    drawer = Drawer(state, clock())  # the view's clock starts with the state's sums

    def listen(received: Received) -> None:
        for m in received.messages:
            if isinstance(m, SampleBlock):
                state.add(m)

    source.listen(listen)
    source.start()
    stop = threading.Event()
    previous = {
        sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)
    }
    tty = sys.stdout.isatty()
    started = False
    deadline = None if args.seconds is None else clock() + args.seconds
    try:
        try:
            state.info = source.request_info(timeout_s=1.0)
        except DeviceError:
            state.info = None  # line mode or a silent device: show what arrives
            if source.decoder.mode is None:
                print(
                    f"pressure monitor: {args.device}: no answer and no data yet; waiting",
                    file=sys.stderr,
                    flush=True,
                )
        if state.info is not None:
            try:
                state.layout = layout_by_name(state.info.layout)
            except KeyError:
                state.layout = None
            if not args.no_start:
                source.command(Command(CommandCode.START))
                started = True
        period = 1.0 / args.refresh if tty else args.interval
        while not stop.is_set():
            wait = period if deadline is None else min(period, deadline - clock())
            if wait <= 0 or stop.wait(wait):
                break
            live = source.decoder.counters
            counters = live.as_dict() if live is not None else {}
            view, line = drawer.draw(counters, clock())
            if tty:
                sys.stdout.write("\x1b[H\x1b[2J" + view + "\n")
            else:
                sys.stdout.write(line + "\n")
            sys.stdout.flush()
            if not source.alive:
                raise DeviceError(source.error or f"{args.device}: the device went away")
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if started and source.alive:
            with contextlib.suppress(DeviceError):
                source.send(Command(CommandCode.STOP))
        source.close()
    return 0
