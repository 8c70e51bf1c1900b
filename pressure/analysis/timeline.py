"""A subject's sessions over time, from a batch output folder's summary table.

What a file says of its session
-------------------------------
``session_fields(metadata)`` gives the columns a batch adds to each summary row from what the
reader found in the file (``Session.metadata``; nothing is guessed from file names):

* ``start_time_utc``: when the session started, ISO 8601 in UTC to the millisecond
  (``2024-03-01T09:30:00.000Z``), from a ``start_time_utc`` key (at the top level or under
  ``session``, as recordings carry it) or from a ``start_time`` or ``start_time_local`` that
  states its offset from UTC. The Unix epoch itself is no start time: it is what a clock that
  was never set reads, and what the simulator writes so that its files are reproducible.
* ``start_time_local``: a start time the file gives without a time zone (Moticon, XSensor and
  Tekscan exports give the local wall-clock time), ISO 8601 as given, to the millisecond. A
  time of day without a date is no start time.
* ``subject.<field>``: each field of ``metadata["subject"]`` (the readers' convention: units
  in the names, ``subject_id``, ``body_mass_kg``, ``age_yr``, ...); ``subject.subject_id`` is
  text, so that ``007`` stays ``007``.

The timeline
------------
``timeline(summary, subject=..., indicators=...)`` picks one subject's sessions (by
``subject.subject_id``), orders them by start time and gives, per indicator, the value of each
session in that order and its change from the first session (value minus the first value).
The values are the batch's summary values; a batch keeps no per-step data in its summary, so
there is no confidence interval and no judgement against the trial-to-trial noise (``pressure
compare A B --repeat A2`` gives both for sessions given as files).

Order: by ``start_time_utc``; a session with only a local start time is placed by it as given
(its time zone unknown, so it can be off by the zone's offset), and the output says so;
sessions without a start time come after those with one, by ``session_id``, also said.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import FileFormatError, UsageError

if TYPE_CHECKING:
    import pandas as pd

START_TIME_UTC = "start_time_utc"
START_TIME_LOCAL = "start_time_local"
SUBJECT_PREFIX = "subject."
SUBJECT_ID = "subject.subject_id"
#: the summary tables of a batch output folder, the first found is read
SUMMARY_FILES = ("summary.parquet", "summary.csv")
#: the indicators of a timeline unless others are asked for (names as ``pressure compare``
#: gives them; ``indicator_column`` finds each one's summary column)
DEFAULT_INDICATORS = (
    "left_share_pct",
    "symmetry_index_pct",
    "cadence_steps_per_min",
    "stance_time_s.left",
    "stance_time_s.right",
    "cpei_pct.left",
    "cpei_pct.right",
    "mean_stance_force_n.left",
    "mean_stance_force_n.right",
)
#: the summary's sections an indicator's short name is looked up in
SECTIONS = ("gait.", "distribution.", "pronation.", "balance.")
#: the columns of the summary each session of a timeline lists
SESSION_COLUMNS = (
    "session_id",
    START_TIME_UTC,
    START_TIME_LOCAL,
    "format",
    "activity",
    "duration_s",
)
NO_INTERVALS = (
    "no confidence intervals: a batch's summary holds one value per session and no per-step "
    "data; `pressure compare A B --repeat A2` on the files gives intervals and the "
    "trial-to-trial noise"
)
_DATE = re.compile(r"\s*\d{4}-\d{2}-\d{2}")
_EPOCH_UTC = "1970-01-01T00:00:00.000Z"


# -- what a file says of its session ------------------------------------------------------------


def _time(value: Any) -> Any:
    """``value`` as a pandas Timestamp (aware when it states its offset), or None when it is
    not a date and time in ISO 8601."""
    import pandas as pd

    if not isinstance(value, str) or not _DATE.match(value):
        return None
    try:
        stamp = pd.Timestamp(value.strip())
    except (ValueError, TypeError, OverflowError):
        return None
    return None if pd.isna(stamp) else stamp


def _iso(stamp: Any) -> str:
    return str(stamp.isoformat(timespec="milliseconds"))


def session_fields(metadata: Mapping[str, Any]) -> dict[str, Any]:
    """The start time and subject fields a file gives (module docstring): ``start_time_utc``
    and ``start_time_local`` (None when the file does not say), and ``subject.<field>`` for
    each field the file gives."""
    out: dict[str, Any] = {}
    inner = metadata.get("session")
    sources = [metadata, inner if isinstance(inner, Mapping) else {}]
    for source in sources:
        for key in (START_TIME_UTC, "start_time", START_TIME_LOCAL):
            stamp = _time(source.get(key))
            if stamp is None:
                continue
            if stamp.tzinfo is None and key == START_TIME_UTC:
                stamp = stamp.tz_localize("UTC")  # the key says so
            if stamp.tzinfo is not None:
                utc = _iso(stamp.tz_convert("UTC")).replace("+00:00", "Z")
                if utc != _EPOCH_UTC and out.get(START_TIME_UTC) is None:
                    out[START_TIME_UTC] = utc
            elif out.get(START_TIME_LOCAL) is None:
                out[START_TIME_LOCAL] = _iso(stamp)
    out.setdefault(START_TIME_UTC, None)
    out.setdefault(START_TIME_LOCAL, None)
    subject = metadata.get("subject")
    if isinstance(subject, Mapping):
        for key, value in subject.items():
            if isinstance(value, Mapping):
                continue  # a nested record: not a column
            if isinstance(value, (list, tuple)):
                value = " ".join(map(str, value)) if value else None
            column = f"{SUBJECT_PREFIX}{key}"
            out[column] = str(value) if column == SUBJECT_ID and value is not None else value
    return out


# -- the timeline -----------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineIndicator:
    """One indicator over a subject's sessions, in time order."""

    name: str
    label: str  # the human name
    unit: str
    column: str  # the summary column it comes from
    values: tuple[float | None, ...]
    change_from_first: tuple[float | None, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": self.label,
            "unit": self.unit,
            "column": self.column,
            "values": list(self.values),
            "change_from_first": list(self.change_from_first),
        }


@dataclass(frozen=True)
class Timeline:
    """What ``timeline`` found: the subject, the sessions in time order (``SESSION_COLUMNS``
    and the subject's fields), the indicators, and how the sessions were ordered."""

    subject: str | None
    sessions: tuple[dict[str, Any], ...]
    indicators: tuple[TimelineIndicator, ...]
    ordered_by: str
    notes: tuple[str, ...] = field(default_factory=tuple)
    source: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "subject": self.subject,
            "ordered_by": self.ordered_by,
            "sessions": [dict(s) for s in self.sessions],
            "indicators": [d.to_dict() for d in self.indicators],
            "notes": list(self.notes),
        }


def read_summary(folder: str | os.PathLike[str]) -> tuple[pd.DataFrame, Path]:
    """A batch output folder's summary table (``SUMMARY_FILES``) and the file read.
    FileFormatError when the folder holds none or it cannot be read."""
    import pandas as pd

    base = Path(folder)
    if not base.is_dir():
        raise FileFormatError(base, "not a folder" if base.exists() else "no such folder")
    text_columns = {c: str for c in ("session_id", SUBJECT_ID, START_TIME_UTC, START_TIME_LOCAL)}
    for name in SUMMARY_FILES:
        path = base / name
        if not path.is_file():
            continue
        try:
            if path.suffix == ".parquet":
                return pd.read_parquet(path), path
            return pd.read_csv(path, dtype=text_columns, keep_default_na=True), path
        except (OSError, ValueError) as exc:
            raise FileFormatError(path, f"cannot be read as a batch summary: {exc}") from None
    raise FileFormatError(
        base,
        "holds no summary.parquet or summary.csv: not a batch output folder "
        "(`pressure batch DIR -o OUT` writes one)",
    )


def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    try:
        import pandas as pd

        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    text = str(value).strip()
    return text or None


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def subjects(summary: pd.DataFrame) -> dict[str, int]:
    """Each subject id in the summary with its number of sessions, in id order."""
    if SUBJECT_ID not in summary:
        return {}
    counts: dict[str, int] = {}
    for value in summary[SUBJECT_ID]:
        sid = _text(value)
        if sid is not None:
            counts[sid] = counts.get(sid, 0) + 1
    return dict(sorted(counts.items()))


def _listing(found: Mapping[str, int]) -> str:
    return ", ".join(f"{sid} ({n} session{'s' if n != 1 else ''})" for sid, n in found.items())


def indicator_column(summary: pd.DataFrame, name: str) -> str:
    """The summary column of an indicator: ``name`` itself when it is a column, else the one
    column of the summary's sections (``SECTIONS``) that ends with ``.name``
    (``stance_time_s.left`` is ``gait.stance_time_s.left``). UsageError when there is none, or
    more than one."""
    if name in summary.columns:
        return name
    found = [c for c in summary.columns if c.startswith(SECTIONS) and c.endswith(f".{name}")]
    if len(found) == 1:
        return str(found[0])
    if found:
        raise UsageError(
            f"--indicators: {name!r} is ambiguous; name one of the columns {', '.join(found)}"
        )
    raise UsageError(
        f"--indicators: {name!r} is no column of the batch summary (names such as "
        f"{', '.join(DEFAULT_INDICATORS[:4])}, or a column name of summary.csv)"
    )


def _label(name: str) -> tuple[str, str]:
    from .compare import human_name

    short = name
    for section in SECTIONS:
        if short.startswith(section):
            short = short[len(section) :]
            break
    return human_name(short)


def _pick(summary: pd.DataFrame, subject: str | None) -> tuple[pd.DataFrame, str | None, list[str]]:
    """The rows of one subject (module docstring), the subject's id and notes."""
    found = subjects(summary)
    ids = (
        summary[SUBJECT_ID].map(_text)
        if SUBJECT_ID in summary
        else summary["session_id"].map(lambda _: None)
    )
    notes: list[str] = []
    if subject is not None:
        if not found:
            raise UsageError(f"--subject {subject}: no session of the batch names its subject")
        if subject not in found:
            raise UsageError(f"--subject {subject}: not in the batch; it holds {_listing(found)}")
        unnamed = int(ids.isna().sum())
        if unnamed:
            notes.append(f"{unnamed} session(s) that name no subject left out")
        return summary[ids == subject], subject, notes
    if len(found) > 1:
        raise UsageError(
            f"the batch holds {len(found)} subjects; choose one with --subject: {_listing(found)}"
        )
    if not found:
        notes.append(
            f"no session names its subject: all {len(summary)} sessions taken as one person's"
        )
        return summary, None, notes
    (only,) = found
    unnamed = int(ids.isna().sum())
    if unnamed:
        notes.append(f"{unnamed} session(s) that name no subject taken as {only}'s")
    return summary, only, notes


def _order(rows: pd.DataFrame) -> tuple[list[int], str, list[str]]:
    """Row positions in time order (module docstring), what they were ordered by, notes."""
    import pandas as pd

    keys: list[tuple[int, Any, str]] = []
    local = untimed = 0
    for k in range(len(rows)):
        row = rows.iloc[k]
        sid = _text(row.get("session_id")) or ""
        utc = _time(_text(row.get(START_TIME_UTC)))
        if utc is not None:
            when = utc.tz_convert("UTC").tz_localize(None) if utc.tzinfo else utc
            keys.append((0, when, sid))
            continue
        given = _time(_text(row.get(START_TIME_LOCAL)))
        if given is not None:
            local += 1
            keys.append((0, given.tz_localize(None) if given.tzinfo else given, sid))
        else:
            untimed += 1
            keys.append((1, pd.Timestamp(0), sid))
    order = sorted(range(len(rows)), key=lambda k: keys[k])
    notes = []
    if local:
        notes.append(
            f"{local} session(s) give only a local start time (no time zone): placed by it as "
            "given, which can be off by the time zone's offset"
        )
    if untimed == len(rows):
        ordered_by = "session_id"
        if len(rows) > 1:
            notes.append("no session gives its start time: ordered by session_id")
    elif untimed:
        ordered_by = "start time, then session_id"
        notes.append(
            f"{untimed} session(s) give no start time: placed after the others, by session_id"
        )
    else:
        ordered_by = "start time"
    return order, ordered_by, notes


def timeline(
    summary: pd.DataFrame,
    *,
    subject: str | None = None,
    indicators: Sequence[str] | None = None,
    source: str = "",
) -> Timeline:
    """One subject's sessions of a batch summary over time (module docstring).

    Parameters
    ----------
    summary : pandas.DataFrame
        A batch's summary table (``read_summary``; ``pressure.batch``), one row per session.
    subject : str, optional
        The ``subject.subject_id`` of the sessions to take. Needed when the summary holds
        several subjects; without one, when it holds one subject or none names its subject,
        every session is taken.
    indicators : sequence of str, optional
        Indicator names (``DEFAULT_INDICATORS`` by default) or summary column names.
    source : str
        The file the summary was read from, kept in the result.

    Raises
    ------
    UsageError
        Several subjects and no ``subject``, an unknown ``subject``, an unknown indicator.
    FileFormatError
        A summary without sessions.
    """
    if not len(summary) or "session_id" not in summary:
        raise FileFormatError(source or "summary", "holds no analysed session")
    asked = list(indicators) if indicators is not None else None
    columns: list[tuple[str, str]] = []
    missing: list[str] = []
    for name in asked if asked is not None else DEFAULT_INDICATORS:
        try:
            columns.append((name, indicator_column(summary, name)))
        except UsageError:
            if asked is not None:
                raise
            missing.append(name)
    rows, chosen, notes = _pick(summary, subject)
    if missing:
        notes.append(f"not in the batch summary: {', '.join(missing)}")
    if START_TIME_UTC not in summary:
        notes.append(
            "the summary has no start_time_utc column (written by an earlier version): run "
            "`pressure batch` on the folder again to add the start times and subjects"
        )
    order, ordered_by, ordering = _order(rows)
    notes += ordering
    rows = rows.iloc[order]
    sessions = []
    for k in range(len(rows)):
        row = rows.iloc[k]
        entry: dict[str, Any] = {}
        for column in SESSION_COLUMNS:
            value = row.get(column)
            entry[column] = _number(value) if column == "duration_s" else _text(value)
        for column in rows.columns:
            if str(column).startswith(SUBJECT_PREFIX):
                value = row.get(column)
                number = _number(value) if not isinstance(value, str) else None
                entry[str(column)] = number if number is not None else _text(value)
        sessions.append(entry)
    activities = {s["activity"] for s in sessions if s.get("activity")}
    if len(activities) > 1:
        notes.append(
            f"the sessions are of different activities ({', '.join(sorted(activities))}): "
            "gait indicators are empty for standing sessions"
        )
    found = []
    for name, column in columns:
        values = tuple(_number(v) for v in rows[column])
        first = values[0] if values else None
        change = tuple(None if v is None or first is None else v - first for v in values)
        label, unit = _label(name)
        found.append(TimelineIndicator(name, label, unit, column, values, change))
    notes.append(NO_INTERVALS)
    return Timeline(
        subject=chosen,
        sessions=tuple(sessions),
        indicators=tuple(found),
        ordered_by=ordered_by,
        notes=tuple(notes),
        source=source,
    )


def _shown(value: float | None, signed: bool = False) -> str:
    if value is None:
        return "-"
    text = f"{value:.3g}" if abs(value) < 100 else f"{value:.0f}"
    text = "0" if text in ("-0", "-0.0") else text
    return f"+{text}" if signed and value > 0 and text != "0" else text


def text_lines(t: Timeline) -> list[str]:
    """The timeline as lines of text: the sessions in order (numbered), then a table of the
    indicators, each session's value and, for the later ones, its change from the first in
    brackets, then the notes."""
    who = f"subject {t.subject}" if t.subject else "every session (no subject named)"
    n = len(t.sessions)
    lines = [f"timeline of {who}: {n} session{'s' if n != 1 else ''}, ordered by {t.ordered_by}"]
    for k, s in enumerate(t.sessions, 1):
        when = s.get(START_TIME_UTC) or (
            f"{s[START_TIME_LOCAL]} (local)" if s.get(START_TIME_LOCAL) else "no start time"
        )
        lines.append(f"  {k}. {when}  {s.get('session_id')}  {s.get('activity') or ''}".rstrip())
    rows = [["", *[str(k) for k in range(1, n + 1)]]]
    for d in t.indicators:
        cells = [f"{d.label} ({d.unit})" if d.unit else d.label]
        for k, (value, change) in enumerate(zip(d.values, d.change_from_first, strict=True)):
            later = k > 0 and value is not None
            cells.append(
                f"{_shown(value)} ({_shown(change, signed=True)})" if later else _shown(value)
            )
        rows.append(cells)
    widths = [max(len(row[c]) for row in rows) for c in range(len(rows[0]))]
    for row in rows:
        line = row[0].ljust(widths[0]) + "".join(
            "  " + cell.ljust(w) for cell, w in zip(row[1:], widths[1:], strict=True)
        )
        lines.append("  " + line.rstrip())
    lines += [f"note: {note}" for note in t.notes]
    return lines


__all__ = [
    "DEFAULT_INDICATORS",
    "START_TIME_LOCAL",
    "START_TIME_UTC",
    "SUBJECT_ID",
    "SUBJECT_PREFIX",
    "Timeline",
    "TimelineIndicator",
    "indicator_column",
    "read_summary",
    "session_fields",
    "subjects",
    "text_lines",
    "timeline",
]
