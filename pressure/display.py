"""Numbers and ranges as people read them, shared by the terminal output of ``analyze`` and
the reports: one place decides how a missing value, a unit or a reference range is written."""

from __future__ import annotations

import math
from typing import Any

from .model import UNIT_TEXT as MODEL_UNIT_TEXT

#: units as written after a number (the summary's units and the model's)
UNIT_TEXT = {**MODEL_UNIT_TEXT, "1": "", "%": "%"}


def num(value: Any, fmt: str = ".3g", unit: str = "") -> str:
    """``value`` formatted with ``fmt`` and its unit; "n/a" when missing or not finite."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = _no_signed_zero(format(value, fmt))
    return f"{text} {UNIT_TEXT.get(unit, unit)}".rstrip()


def _no_signed_zero(text: str) -> str:
    """A zero written with a sign as plain zero: "-0.0" (a small negative value rounded, or
    negative zero) and "+0.0" become "0.0"."""
    mantissa = text.lower().partition("e")[0]
    if text[:1] in "+-" and not any(c in "123456789" for c in mantissa):
        return text[1:]
    return text


def reference_range(low: float | None, high: float | None, unit: str = "") -> str:
    """A published reference range: "a to b", "≤ b", "≥ a", or that there is none."""
    if low is None and high is None:
        return "no published range"
    if low is None:
        return f"≤ {num(high, 'g', unit)}"
    if high is None:
        return f"≥ {num(low, 'g', unit)}"
    return f"{num(low, 'g')} to {num(high, 'g', unit)}"
