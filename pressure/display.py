"""Numbers and ranges as people read them, shared by the terminal output of ``analyze`` and
the reports: one place decides how a missing value, a unit or a reference range is written."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence
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


def _compared(comparison: dict[str, str | None]) -> str:
    """Where the values lie against the range: "within", "both within", "left above, right
    within"."""
    known = {side: c for side, c in comparison.items() if c is not None}
    if len(known) == 1 and len(comparison) == 1:
        return next(iter(known.values()))
    if len(known) == 2 and len(set(known.values())) == 1:
        return f"both {next(iter(known.values()))}"
    return ", ".join(f"{side} {c}" for side, c in known.items())


def finding(records: Sequence[Mapping[str, Any]], label: str | None = None) -> str:
    """One sentence for one indicator (``summary["indicators"]`` records: one, or one per foot
    of the same indicator): its human name (or ``label``), the value(s), the reference range and
    where the value lies against it (below, within, above), e.g. "Left/right load: left carries
    52.0 % (reference 47.5 to 52.5 %: within)". Never an interpretation."""
    from .analysis.indicators import NO_RUNNING_REFERENCE, wording

    words, _ = wording(str(records[0]["name"]))
    key = str(records[0]["name"]).partition(".")[0]
    unit = str(records[0]["unit"])
    by_side = {wording(str(r["name"]))[1] or "": r for r in records}  # "": both feet
    values = {side: r["value"] for side, r in by_side.items()}
    value = records[0]["value"]
    if key == "left_share_pct":
        said = f"left carries {num(value, words.fmt, unit)}"
    elif key == "symmetry_index_pct":
        shown = num(value, words.fmt, unit)
        lean = "" if value is None or shown.startswith("0") else "right" if value > 0 else "left"
        said = f"{shown}, {lean} carries more" if lean else shown
    elif len(records) == 1 and not next(iter(values)):
        said = num(value, words.fmt, unit)
    else:
        said = ", ".join(f"{side} {num(v, words.fmt, unit)}" for side, v in values.items())
    notes = [words.sign] if words.sign and key != "symmetry_index_pct" else []
    low, high = records[0]["reference_low"], records[0]["reference_high"]
    if low is None and high is None:
        running = records[0]["reference"] == NO_RUNNING_REFERENCE.description
        notes.append("no reference range for running" if running else "no published range")
    else:
        compared = _compared({side: r["comparison"] for side, r in by_side.items()})
        notes.append(f"reference {reference_range(low, high, unit)}: {compared}")
    return f"{label or words.label}: {said} ({'; '.join(notes)})"


def finding_sentences(
    indicators: Sequence[Mapping[str, Any]], labels: Mapping[str, str] | None = None
) -> list[tuple[str, str]]:
    """``(sentence, where)`` for each indicator with a value (both feet's records in one
    sentence, ``finding``), in the summary's order; ``where`` is ``"above"`` or ``"below"``
    when a value lies above (first) or below its reference range, ``"within"`` when every value
    lies within it, and ``"none"`` when there is no range. ``labels``: names to use instead of
    the usual ones."""
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for record in indicators:
        groups.setdefault(str(record["name"]).partition(".")[0], []).append(record)
    out = []
    for key, records in groups.items():
        if all(r["value"] is None for r in records):
            continue
        compared = {r["comparison"] for r in records if r["value"] is not None}
        where = next((w for w in ("above", "below", "within") if w in compared), "none")
        out.append((finding(records, (labels or {}).get(key)), where))
    return out


def findings(
    indicators: Sequence[Mapping[str, Any]],
    width: int = 96,
    labels: Mapping[str, str] | None = None,
) -> list[str]:
    """``finding_sentences`` wrapped to ``width`` columns, each continuation indented."""
    lines = []
    for sentence, _ in finding_sentences(indicators, labels):
        lines += textwrap.wrap(
            sentence,
            width,
            initial_indent="  ",
            subsequent_indent="      ",
            break_long_words=False,
            break_on_hyphens=False,
        )
    return lines
