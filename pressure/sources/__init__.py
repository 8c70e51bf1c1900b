"""Everything that produces frames: a serial port (USB insole, pty, pyserial URL), and later the
simulated insole and replayed recordings. Downstream code cannot tell them apart."""

from .serial_source import Received, SerialSource

__all__ = ["Received", "SerialSource"]
