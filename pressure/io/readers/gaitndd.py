"""PhysioNet *Gait in Neurodegenerative Disease* (gaitndd) 1.0.0 records.

Data: Hausdorff et al., J Appl Physiol 2000;88:2045; PhysioBank/PhysioNet (Goldberger et al.,
Circulation 2000;101:e215), https://physionet.org/content/gaitndd/1.0.0/, Open Data Commons
Attribution License v1.0 (ODC-By 1.0): credit the database when you use it.

Format: a WFDB record per walk: ``X.hea`` (header: 2 signals, 300 Hz, 90 000 samples = 5 min),
``X.let`` and ``X.rit`` (the left and right foot's force-sensitive-resistor signal, WFDB format
212, arbitrary units: high in stance, about -1800 to -2000 in swing), and ``X.ts`` (the authors'
per-stride table, 13 tab-separated columns, ``REFERENCE_STRIDE_COLUMNS``; not filtered by its
authors: turns give outliers). ``subject-description.txt`` beside them gives each subject's
group, age, height, weight, sex, gait speed and a duration/severity score (what it measures
depends on the group: see the database's description); one row of it (hunt20) is broken across
two lines and ``MISSING`` marks gaps.

Session: one ``FootRecording`` per foot, ``values`` shape (n, 1) holding the **digital** WFDB
values (``unit="raw"``: the headers' gains of 1000 or 3000 "mV" are arbitrary, and the digital
values are what the database describes), ``layout=None``. A sample the format marks invalid
(-2048 in format 212) is NaN and counted in ``quality["invalid_samples_<side>"]``.
``metadata["reference_strides"]``: the ``.ts`` table as a float array (strides, 13) with
``metadata["reference_stride_columns"]`` (a damaged ``.ts`` fails the read: it is part of the
record); ``metadata["subject"]`` from the description file (a damaged one is skipped and said
in ``metadata["subject_description_problem"]``: it is a folder-wide table).

The signal samples are decoded by the ``wfdb`` package (``wfdb.rdrecord``); we parse the header
ourselves too, to detect the format by content and to name the file, line or byte offset of
damage before ``wfdb`` meets it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ...errors import FileFormatError
from ...model import FootRecording, Session, SideName
from ..text import head_lines, read_head, read_text_lines, split_rows, to_numbers

NAME = "gaitndd"
DESCRIPTION = (
    "PhysioNet Gait in Neurodegenerative Disease WFDB record (X.hea with X.let, X.rit and "
    "X.ts; give any of them or the record name X)"
)
SUFFIXES = (".hea", ".let", ".rit", ".ts")
LIBRARIES = ("wfdb",)
SIDE_SUFFIXES: dict[str, SideName] = {".let": "left", ".rit": "right"}
COMPANION_SUFFIXES = (".let", ".rit", ".ts")
REFERENCE_STRIDE_COLUMNS: tuple[str, ...] = (
    "elapsed_time_s",  # the left heel strike that ends the left stride
    "left_stride_s",
    "right_stride_s",
    "left_swing_s",
    "right_swing_s",
    "left_swing_pct",  # % of the stride
    "right_swing_pct",
    "left_stance_s",
    "right_stance_s",
    "left_stance_pct",
    "right_stance_pct",
    "double_support_s",
    "double_support_pct",
)
SUBJECT_FILE = "subject-description.txt"
SOURCE = (
    "PhysioNet Gait in Neurodegenerative Disease 1.0.0 (Hausdorff et al. 2000), ODC-By 1.0, "
    "https://physionet.org/content/gaitndd/1.0.0/"
)
# bytes per sample of one signal, and the value each format reserves for "no sample"
_FORMATS: dict[str, tuple[float, int]] = {"212": (1.5, -2048), "16": (2.0, -32768), "80": (1, -128)}
_GROUPS = ("als", "control", "hunt", "park")  # the record name prefixes of the database


@dataclass
class Signal:
    file: str
    fmt: str
    description: str
    line: int  # in the header


@dataclass
class Header:
    path: Path
    record: str
    fs_hz: float
    n_samples: int | None
    signals: list[Signal]


_FS = re.compile(r"([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)")
_FMT = re.compile(r"([0-9]+)")


def parse_header(path: Path, lines: list[str]) -> Header:
    """Parse a WFDB header's record line and signal lines. Raises FileFormatError naming the
    line of the first problem."""
    # (1-based line number, tokens) of the lines that are not blank or comments
    items = [(k, line.split()) for k, line in enumerate(lines, 1) if line.strip()[:1] not in "#"]
    if not items:
        raise FileFormatError(path, "no record line: not a WFDB header")
    line_no, tokens = items[0]
    if len(tokens) < 2 or not tokens[1].isdigit():
        raise FileFormatError(
            path, "not a WFDB record line (expected: name, number of signals, ...)", line=line_no
        )
    record = tokens[0]
    if "/" in record:
        raise FileFormatError(path, "multi-segment WFDB records are not supported", line=line_no)
    n_signals = int(tokens[1])
    fs_hz = 250.0  # WFDB's default when the header gives no frequency
    if len(tokens) > 2:
        match = _FS.match(tokens[2])
        if match is None or not float(match.group(1)) > 0:
            raise FileFormatError(path, f"bad sampling frequency {tokens[2]!r}", line=line_no)
        fs_hz = float(match.group(1))
    n_samples: int | None = None
    if len(tokens) > 3:
        if not tokens[3].isdigit():
            raise FileFormatError(path, f"bad number of samples {tokens[3]!r}", line=line_no)
        n_samples = int(tokens[3])
    signals = []
    for line_no, tokens in items[1 : 1 + n_signals]:
        match = _FMT.match(tokens[1]) if len(tokens) > 1 else None
        if match is None:
            raise FileFormatError(
                path, "not a WFDB signal line (expected: file name, format, ...)", line=line_no
            )
        signals.append(Signal(tokens[0], match.group(1), " ".join(tokens[8:]), line_no))
    if len(signals) != n_signals:
        raise FileFormatError(
            path, f"the record line announces {n_signals} signals, the header has {len(signals)}"
        )
    return Header(path, record, fs_hz, n_samples, signals)


def _side(signal: Signal) -> SideName | None:
    side = SIDE_SUFFIXES.get(Path(signal.file).suffix.lower())
    if side is None:
        description = signal.description.lower()
        side = "left" if "left" in description else "right" if "right" in description else None
    return side


def _two_feet_header(path: Path, head: bytes) -> Header | None:
    """The WFDB header at the start of ``head`` when its signals are a left and a right foot
    (files ``.let``/``.rit`` or descriptions ``left-foot``/``right-foot``), else None."""
    if not head or b"\x00" in head:
        return None
    try:
        header = parse_header(path, head_lines(head, 64))
    except FileFormatError:
        return None
    feet = sorted(s for s in map(_side, header.signals) if s is not None)
    return header if feet == ["left", "right"] else None


def detect(path: Path, head: bytes) -> bool:
    """A WFDB header of a left and a right foot (``_two_feet_header``) whose record line names
    this file's stem."""
    header = _two_feet_header(path, head)
    return header is not None and header.record == path.stem


def near(path: Path, head: bytes) -> str | None:
    """A WFDB header of a left and a right foot whose record line names another record than
    the file's name (a renamed file: WFDB finds a record's files by that name)."""
    header = _two_feet_header(path, head)
    if header is None or header.record == path.stem:
        return None
    return (
        f"a PhysioNet gaitndd record, but its header names the record {header.record!r} and "
        f"the file is {path.name!r} (a record's files are found by its name: name them "
        f"{header.record}.hea, .let, .rit and .ts again)"
    )


def _header_for(path: Path) -> Path | None:
    if path.suffix.lower() in COMPANION_SUFFIXES:
        return path.with_suffix(".hea")
    if not path.exists():
        return path.with_name(path.name + ".hea")
    return None


def primary_file(path: Path) -> Path | None:
    """``X.hea`` for ``X.let``, ``X.rit``, ``X.ts`` or the record name ``X``, when it exists
    and is a gaitndd header."""
    hea = _header_for(path)
    return hea if hea is not None and hea.is_file() and detect(hea, read_head(hea)) else None


def _check_size(header: Header, signal: Signal, file: Path, n_in_file: int) -> None:
    if not file.is_file():
        raise FileFormatError(
            header.path, f"its signal file {file.name} is missing", line=signal.line
        )
    spec = _FORMATS.get(signal.fmt)
    if spec is None:
        raise FileFormatError(
            header.path,
            f"WFDB format {signal.fmt} is not supported (known: {', '.join(_FORMATS)})",
            line=signal.line,
        )
    if header.n_samples is None:
        return
    need = math.ceil(header.n_samples * n_in_file * spec[0])
    size = file.stat().st_size
    if size < need:
        raise FileFormatError(
            file,
            f"truncated: {header.n_samples} samples of format {signal.fmt} need {need} bytes, "
            f"the file has {size}",
            offset=size,
        )


def read_reference_strides(path: Path) -> np.ndarray[Any, np.dtype[np.float64]]:
    """The authors' ``.ts`` per-stride table, shape (strides, 13), columns
    ``REFERENCE_STRIDE_COLUMNS``. Raises FileFormatError at the first bad line."""
    text = read_text_lines(path, encoding="ascii")
    rows, numbers = split_rows(text, 0, len(REFERENCE_STRIDE_COLUMNS), None, "stride row")
    return to_numbers(path, rows, numbers, REFERENCE_STRIDE_COLUMNS)


_SUBJECT_KEYS = (
    ("group", "group"),
    ("age", "age_yr"),
    ("height", "height_m"),
    ("weight", "body_mass_kg"),
    ("gender", "sex"),
    ("sex", "sex"),
    ("gaitspeed", "gait_speed_m_s"),
    ("duration", "duration_severity"),
)


def _subject_key(column: str) -> str:
    simple = re.sub(r"[^a-z]", "", column.lower())
    for prefix, key in _SUBJECT_KEYS:
        if simple.startswith(prefix):
            return key
    return re.sub(r"[^a-z0-9]+", "_", column.lower()).strip("_") or "column"


def _subject_value(text: str) -> float | str | None:
    text = text.strip()
    if not text or text.upper() == "MISSING":
        return None
    try:
        return float(text)
    except ValueError:
        return text


def subject_descriptions(path: Path) -> dict[str, dict[str, Any]]:
    """``subject-description.txt`` as {record: subject fields}, tolerantly: a row broken over
    lines (a line whose first cell is empty continues a short row) is joined, ``MISSING`` and
    empty cells are None, numbers are floats, lines that fit nowhere are skipped."""
    text = read_text_lines(path, encoding="latin-1")
    header: list[str] | None = None
    rows: dict[str, list[str]] = {}
    last: list[str] | None = None
    for line in text.lines:
        if not line.strip():
            continue
        cells = line.split("\t")
        if header is None:
            if cells[0].strip() == "" and len(cells) > 2:  # the header's first cell is empty
                header = [c.strip() for c in cells]
            continue
        name = cells[0].strip()
        if name:
            last = rows[name] = [name, *cells[1:]]
        elif last is not None and len(last) < len(header):
            last.extend(cells[1:])  # the rest of a row broken over two lines
    if header is None:
        return {}
    subjects = {}
    for name, cells in rows.items():
        fields: dict[str, Any] = {"subject_id": name}
        cells = cells + [""] * (len(header) - len(cells))  # a short row's missing cells: None
        for column, cell in zip(header[1:], cells[1:], strict=False):  # extra cells: ignored
            fields[_subject_key(column)] = _subject_value(cell)
        prefix = re.match(r"[a-z]+", name.lower())
        if prefix is not None and prefix.group(0) in _GROUPS:
            # the file calls the ALS group "subjects"; the record names say which group
            if fields.get("group") != prefix.group(0):
                fields["group_in_file"] = fields.get("group")
            fields["group"] = prefix.group(0)
        subjects[name] = fields
    return subjects


def _wfdb() -> Any:
    """wfdb (imported on first use: ``import pressure`` stays quick), without its own
    deprecation notices from newer pandas."""
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", module=r"wfdb\.")
        import wfdb  # type: ignore[import-untyped]
    return wfdb


def read(path: Path) -> Session:
    """Read a record given by its ``.hea``, ``.let``, ``.rit``, ``.ts`` or name (module
    docstring). Raises FileFormatError naming the file, and the line or byte offset."""
    wfdb = _wfdb()
    hea = _header_for(path) or path
    if hea != path and not hea.is_file():
        raise FileFormatError(path, f"its record header {hea.name} is not beside it")
    text = read_text_lines(hea, encoding="latin-1")
    header = parse_header(hea, text.lines)
    sides: dict[SideName, int] = {}
    files: dict[str, int] = {}
    for signal in header.signals:
        files[signal.file] = files.get(signal.file, 0) + 1
    for k, signal in enumerate(header.signals):
        side = _side(signal)
        if side is None or side in sides:
            raise FileFormatError(
                hea, "expected one left-foot and one right-foot signal", line=signal.line
            )
        sides[side] = k
        _check_size(header, signal, hea.with_name(signal.file), files[signal.file])
    if len(sides) != 2:
        raise FileFormatError(hea, "expected one left-foot and one right-foot signal")
    try:
        record = wfdb.rdrecord(str(hea.with_suffix("")), physical=False)
    except Exception as exc:  # wfdb raises bare ValueError/TypeError/... on damaged records
        raise FileFormatError(hea, f"the WFDB record cannot be decoded: {exc}") from None
    digital = np.asarray(record.d_signal, dtype=np.float64)
    if digital.ndim != 2 or digital.shape[1] != len(header.signals):
        raise FileFormatError(hea, f"decoded {digital.shape} samples, expected 2 signals")
    fs = float(record.fs)
    time_s = np.arange(len(digital), dtype=np.float64) / fs
    feet: dict[str, FootRecording] = {}
    quality: dict[str, int] = {}
    for side, k in sides.items():
        values = digital[:, k : k + 1].copy()
        invalid = values == _FORMATS[header.signals[k].fmt][1]
        values[invalid] = np.nan
        quality[f"invalid_samples_{side}"] = int(invalid.sum())
        feet[side] = FootRecording(
            side=side, time_s=time_s, values=values, unit="raw", sampling_rate_hz=fs
        )
    metadata: dict[str, Any] = {
        "source": SOURCE,
        "record": header.record,
        "signals": [s.description for s in header.signals],
    }
    ts = hea.with_suffix(".ts")
    if ts.is_file():
        metadata["reference_strides"] = read_reference_strides(ts)
        metadata["reference_stride_columns"] = REFERENCE_STRIDE_COLUMNS
    description = hea.with_name(SUBJECT_FILE)
    if description.is_file():
        # a folder-wide table, not part of the record: its damage must not cost the signals
        try:
            subject = subject_descriptions(description).get(header.record)
        except FileFormatError as exc:
            metadata["subject_description_problem"] = str(exc)
        else:
            if subject is not None:
                metadata["subject"] = subject
    return Session.from_feet(hea, NAME, feet, metadata, quality=quality)
