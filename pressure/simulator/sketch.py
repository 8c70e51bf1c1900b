"""A home-made insole as it really talks: an Arduino or ESP32 sketch printing its readings as text.

Most hobby sketches read their force-sensing resistors through the ADC and print one line per
reading: the board's ``millis()``, then the counts, with a few boot messages first and sometimes a
header line naming the columns. ``SketchFormat`` turns a signal's frames into such lines
(PROTOCOL.md §5, line mode), and ``SketchInsole`` is a device that prints them in real time on a
pseudo-terminal (``PtyInsole``), so the maker's whole path (record, profile, analyse) can be tried
without a board.

The model of the electronics, stated once:

* a pressure of ``FULL_SCALE_KPA`` or more reads the ADC's top count (``2**adc_bits - 1``), and
  counts are proportional to pressure below it (a linearised FSR divider; real FSRs are not
  linear, which is why makers calibrate: the profile's curve);
* ``invert``: the divider is wired the other way round, so a sensor reads the top count unloaded
  and falls under load (the naming of the ESP32 insole logs this was modelled on);
* ``start_ms``: the board's ``millis()`` at the first reading (a board that has been on for a
  while: over 65535 ms is the common case), wrapping at 2**32 like ``unsigned long``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from firmware_protocol import DeviceInfo, Side, Unit

from .signals import Pacer, Signal, SignalBlock

SketchStyle = Literal["bare", "header"]
FULL_SCALE_KPA = 600.0
BOOT_LINES = ("[boot] insole sketch v1.2", "[adc] sensors ready, printing readings")
_WRAP_MS = 1 << 32
MAX_BURST_S = 0.5  # at most this much signal is printed in one call, however late the caller is


@dataclass(frozen=True)
class SketchFormat:
    """How a sketch prints: ``bare`` lines ``millis,v1,...,vn`` (no header: how nearly every
    sketch prints), or ``header``: a first line naming the columns (``millis,L1..Ln,R1..Rn``, or
    ``millis,fsr1..fsrn`` for one foot). Both feet of one instant go on one line, left first.

    Parameters
    ----------
    style : "bare" or "header"
        Whether a header line names the columns.
    adc_bits : int
        The ADC's resolution (10 on an Arduino Uno, 12 on an ESP32).
    invert : bool
        Sensors read the top count unloaded and fall under load.
    start_ms : int
        The board's ``millis()`` at the first reading.
    """

    style: SketchStyle = "bare"
    adc_bits: int = 10
    invert: bool = False
    start_ms: int = 0

    @property
    def top(self) -> int:
        """The ADC's top count."""
        return (1 << self.adc_bits) - 1

    def preamble(self, info: DeviceInfo) -> bytes:
        """The boot messages, and the header line in the ``header`` style."""
        lines = list(BOOT_LINES)
        if self.style == "header":
            n = info.sensor_count
            if info.side == Side.BOTH:
                names = [f"L{k}" for k in range(1, n + 1)] + [f"R{k}" for k in range(1, n + 1)]
            else:
                names = [f"fsr{k}" for k in range(1, n + 1)]
            lines.append(",".join(["millis", *names]))
        return "".join(line + "\r\n" for line in lines).encode("ascii")

    def counts(self, block: SignalBlock, info: DeviceInfo) -> npt.NDArray[np.int64]:
        """The ADC counts of a block's frames (frames × sensors)."""
        if info.unit != Unit.KPA:
            raise ValueError("a sketch is simulated on a signal in kPa (the synthetic gait)")
        kpa = block.values.astype(np.float64) * info.scale
        counts = np.round(np.clip(kpa / FULL_SCALE_KPA, 0.0, 1.0) * self.top).astype(np.int64)
        return self.top - counts if self.invert else counts

    def lines(self, block: SignalBlock, info: DeviceInfo) -> bytes:
        """The text lines of a block: one per sample instant (both feet of it on one line, left
        first; an instant one of whose feet the signal dropped is not printed)."""
        if not len(block.seq):
            return b""
        counts = self.counts(block, info)
        both = info.side == Side.BOTH
        out = []
        i = 0
        n = len(block.seq)
        while i < n:
            j = i + 1
            while j < n and block.seq[j] == block.seq[i]:
                j += 1
            if not both or (j - i == 2 and block.side[i] == Side.LEFT):
                ms = (self.start_ms + int(block.t_us[i]) // 1000) % _WRAP_MS
                values = counts[i:j].reshape(-1)
                out.append(f"{ms}," + ",".join(map(str, values.tolist())) + "\r\n")
            i = j
        return "".join(out).encode("ascii")


class SketchInsole:
    """A board running a sketch, streaming ``signal`` as text lines in real time (time passed in,
    as ``VirtualInsole``). Line mode has no commands: it prints from power-up and ignores what
    the host sends."""

    def __init__(self, signal: Signal, fmt: SketchFormat, *, now_s: float = 0.0) -> None:
        self._signal = signal
        self._format = fmt
        self._info = signal.info()
        self._start_s = now_s
        self._pacer = Pacer(signal.blocks(), MAX_BURST_S, whole_instants=True)
        self.boot_bytes = fmt.preamble(self._info)

    @property
    def streaming(self) -> bool:
        return not self._pacer.done

    @property
    def finished(self) -> bool:
        return self._pacer.done

    @property
    def frames_sent(self) -> int:
        """Frames printed so far (two a line when both feet share it)."""
        return self._pacer.frames

    def info(self) -> DeviceInfo:
        return self._info

    def receive(self, data: bytes, now_s: float) -> bytes:
        """A sketch reads nothing from its serial port."""
        return b""

    def port_opened(self, now_s: float) -> bytes:
        """The host opened the port. An Arduino Uno or Nano, and most ESP32 boards, are reset by
        the opening (the USB-serial chip's DTR line): ``setup()`` runs again and prints the boot
        messages and the header line again. The signal and the clock go on (a real reset would
        restart ``millis()``; a board that had been running long is what ``--start-ms`` is
        for)."""
        return self.boot_bytes

    def due(self, now_s: float) -> bytes:
        """The lines of every reading due by ``now_s`` (at most ``MAX_BURST_S`` of signal at
        once); one instant's feet always go out together, on one line."""
        blocks = self._pacer.take(now_s - self._start_s)
        return b"".join(self._format.lines(block, self._info) for block in blocks)


__all__ = ["BOOT_LINES", "FULL_SCALE_KPA", "SketchFormat", "SketchInsole"]
