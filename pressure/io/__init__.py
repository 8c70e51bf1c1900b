"""Files: the project's recordings (crash-safe writer, reader, clock alignment), bare wire
captures, the recorder, and one reader per foreign format behind ``load``."""

from .capture import CaptureSummary, read_capture, summarize_capture

__all__ = ["CaptureSummary", "read_capture", "summarize_capture"]
