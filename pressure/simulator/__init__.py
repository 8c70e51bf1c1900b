"""Synthetic insole signals with known ground truth."""

from .simple import SimpleWalk, write_capture

__all__ = ["SimpleWalk", "write_capture"]
