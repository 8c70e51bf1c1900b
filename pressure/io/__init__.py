"""Reading and writing files: captures of the wire stream (and, later, every other format)."""

from .capture import CaptureSummary, read_capture, summarize_capture

__all__ = ["CaptureSummary", "read_capture", "summarize_capture"]
