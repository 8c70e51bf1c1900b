"""Synthetic insole signals with known ground truth, and a virtual insole that streams them (or
replays a file of any format ``pressure.load`` reads) as a device on a pseudo-terminal."""

from .gait import GaitChunk, SyntheticGait
from .output import write_capture, write_recording
from .signals import GaitSignal, ReplaySignal, Signal, SignalBlock

__all__ = [
    "GaitChunk",
    "GaitSignal",
    "ReplaySignal",
    "Signal",
    "SignalBlock",
    "SyntheticGait",
    "write_capture",
    "write_recording",
]
