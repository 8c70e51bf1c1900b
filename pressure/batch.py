"""Batch processing: every session under a folder, analysed in parallel, into tables (and reports).

``run_batch(root, out)`` (and ``pressure batch DIR -o OUT``):

1. **Finds** the sessions under ``root`` (recursively, in sorted order). A file whose content a
   reader recognises is a session; the other parts of a multi-file record (a WFDB record's
   ``.let``, ``.rit`` and ``.ts``, the right file of an F-Scan pair, a generic table's
   ``.layout.csv``) belong to it, so a record counts once. A file no reader recognises but whose
   suffix only insole formats use (``SPECIFIC_SUFFIXES``: ``.insole``, ``.asc``, ...) is a
   session that will fail to load, with the reader's message; anything else (a README, a
   spreadsheet of demographics, a geometry table) is *skipped*, listed, not an error.
   ``pattern`` keeps the records of which a file's path relative to ``root`` matches it in
   the sense of ``PurePath.match``: matched from the right, so ``*.asc`` matches at any depth
   and ``site_a/*.asc`` only in folders named ``site_a``; ``*.hea`` keeps WFDB records whole.
2. **Analyses** each session (``process``: load, with an insole profile applied when one is
   given, ``analyze``, optionally a report) in worker
   processes (``jobs``; 1 runs in this process) or on a Dask cluster (``dask``: a scheduler
   address). A session that fails becomes a row of the errors table; it never stops the batch.
   Sessions are started largest first, so a long one does not finish alone at the end.
3. **Writes** to ``out``: ``summary.parquet`` and ``summary.csv`` (one row per session:
   ``session_id`` — the primary file's path relative to ``root`` —, ``source_path``,
   ``format``, what the file says of the session — ``start_time_utc``, ``start_time_local``
   and ``subject.<field>``, see ``pressure.analysis.timeline.session_fields`` — and the
   analysis summary flattened to dotted names, see ``flatten``, but for its data quality;
   with a profile, ``profile.applied`` and ``profile.notes`` say what it did
   to the data), ``quality.parquet`` and ``quality.csv`` (the same sessions' ``quality.*``
   columns, the readers' per-format counters among them, keyed by ``session_id``; see
   ``split_row``), ``steps.parquet`` (every step, with its ``session_id``), ``errors.csv``
   (``file, error``; an unexpected failure, a bug rather than a bad file, also leaves its
   whole traceback in ``tracebacks/<id>.txt``, named in the error), ``skipped.csv``
   (``file, reason``), ``index.html`` (a page listing every session with its key indicators
   and every failure, ``pressure.report.index``) and, with ``report``,
   ``reports/<name>.html`` or ``.pdf``, linked from the index (``<name>``: the session's path
   under ``root``, readable, see ``report_names``). Each file is replaced whole (written
   beside and renamed).
4. **Resumes**: each session's result is kept in ``out/.sessions/`` with a stamp (the size and
   modification time of every part and of the other files beside it that are not sessions —
   geometry tables, layouts, demographics a reader may look up —, the analysis options, the
   insole profile's settings and the content hashes of its files, and the package version),
   and whether its report was made. A later run
   reuses the results whose stamp still matches (failures too: a file that failed and has not
   changed fails again without being read) unless ``force``; results are saved as they arrive,
   so a killed batch resumes where it stopped.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from .errors import FileFormatError, OutputError, PressureError, UsageError
from .io.atomic import write_atomically

if TYPE_CHECKING:
    import pandas as pd

    from .analysis import Analysis, AnalysisOptions
    from .io.source import SessionSource
    from .profile import InsoleProfile

#: suffixes no general-purpose file uses: such a file is a damaged session, not an unknown file
GENERIC_SUFFIXES = frozenset(
    {".csv", ".txt", ".tsv", ".xls", ".xlsx", ".json", ".md", ".parquet", ".bin", ".log"}
)
CACHE_DIR = ".sessions"
REPORTS_DIR = "reports"
#: where the traceback of an unexpected failure (a bug) is kept, one file per session
TRACEBACK_DIR = "tracebacks"
#: summary keys left out of the table: the same text in every row
CONSTANT_KEYS = frozenset({"note", "red_flags_intro", "red_flags", "file"})
ID_COLUMNS = ("session_id", "source_path", "format")
#: the formats a batch writes its reports in (``--report html|pdf``)
REPORT_FORMATS = ("html", "pdf")
#: the prefixes of the flat row's columns that go to the quality table rather than the
#: summary: the data-quality section (the readers' own per-format counters among them) and
#: how the gait events were found (the detector's thresholds and the rule used per foot)
QUALITY_PREFIXES = ("quality.", "gait.event_detection.")
#: the columns that key the quality table to the summary
QUALITY_KEYS = ("session_id", "format")
INDEX = "index.html"
#: the layout of the kept results' tables: a result kept under another is redone (2: the step
#: table's load columns carry their unit, ``peak_load_n`` for ``peak_load``; 3: the summary
#: row carries the file's start time and subject fields)
TABLES_VERSION = 3


@dataclass(frozen=True)
class Job:
    """One session to analyse: its id (path of the primary file relative to the root, POSIX),
    the primary file and every part of the record (absolute paths)."""

    session_id: str
    primary: str
    parts: tuple[str, ...]
    #: other files in the primary's folder that are not sessions (geometry tables, layouts,
    #: demographics a reader may look up): part of the stamp, so editing one redoes the session
    companions: tuple[str, ...] = ()
    #: the format the primary file was found to be (None: not recognised; it will fail)
    format: str | None = None
    #: its report's file name without the suffix (``report_names``; empty: derived from the
    #: id alone)
    name: str = ""

    @property
    def report_name(self) -> str:
        """The report's file name without its suffix."""
        return self.name or _readable(self.session_id)


@dataclass
class Outcome:
    """What ``process`` made of one session: a summary row and its steps, or an error."""

    session_id: str
    row: dict[str, Any] | None = None
    steps: pd.DataFrame | None = None
    error: str | None = None
    #: the report drawn (``report``'s format), until it is written to the output folder
    report_bytes: bytes | None = None
    saved: bool = False  # the worker kept it in the output folder itself
    transient: bool = False  # the worker was lost: not kept, tried again next run
    report: str | None = None  # the format of the report made ("html", "pdf"), if any
    elapsed_s: float | None = None  # how long the work took (orders the next forced run)
    traceback: str | None = None  # of an unexpected failure (a bug, not a bad file)
    #: (file, why): the worker could not write its result (a full disk)
    output_error: tuple[str, str] | None = None


@dataclass
class BatchResult:
    """Tables and counts of a batch run (``run_batch``).

    Attributes
    ----------
    summary : pandas.DataFrame
        One row per session analysed: ``session_id`` (the primary file's path under the
        root), ``source_path``, ``format``, the start time and subject fields the file gives
        (``start_time_utc``, ``start_time_local``, ``subject.<field>``; empty where it gives
        none, ``pressure.analysis.timeline.session_fields``) and the analysis summary
        flattened to dotted names (``flatten``; units in the names, as in
        ``Analysis.summary``), but for its data quality, which is in ``quality``
        (``split_row``).
    quality : pandas.DataFrame
        The same sessions' data quality, keyed by ``session_id`` (and ``format``): the
        ``quality.*`` columns of the flat row (frames lost, invalid frames, frames per foot,
        saturated and dead sensors, and ``quality.reader.*``, each reader's own counters)
        and ``gait.event_detection.*`` (how the steps were found).
    steps : pandas.DataFrame
        Every step of every session (``Analysis.steps``, load columns named with their
        unit), with its ``session_id``.
    errors : pandas.DataFrame
        One row per session that failed: ``file``, ``error`` (one line).
    skipped : pandas.DataFrame
        Files that are not sessions: ``file``, ``reason``.
    analysed : int
        Sessions analysed in this run without an error.
    up_to_date : int
        Sessions whose kept result (without an error) from an earlier run was reused.
    failed : int
        Sessions that failed (rows of ``errors``), in this run or, unchanged since, in an
        earlier one. ``analysed + up_to_date + failed`` is ``sessions``.
    written : list of Path
        The table files written to the output folder (none without one).
    """

    summary: pd.DataFrame
    quality: pd.DataFrame
    steps: pd.DataFrame
    errors: pd.DataFrame
    skipped: pd.DataFrame
    analysed: int = 0
    up_to_date: int = 0
    failed: int = 0
    written: list[Path] = field(default_factory=list)

    @property
    def sessions(self) -> int:
        """The number of sessions found: analysed or failed."""
        return len(self.summary) + len(self.errors)


def _specific_suffixes() -> frozenset[str]:
    from .io.readers import readers

    return frozenset(s for r in readers() for s in r.SUFFIXES) - GENERIC_SUFFIXES


def _under(path: Path, folder: Path | None) -> bool:
    return folder is not None and (path == folder or folder in path.parents)


def discover(
    root: str | os.PathLike[str], pattern: str | None = None, exclude: Path | None = None
) -> tuple[list[Job], list[tuple[str, str]]]:
    """The sessions under ``root`` and the skipped files as (file, reason), both sorted
    (module docstring, step 1). ``exclude``: a folder left out (the batch's own output)."""
    from .io.load import detect_format, identify
    from .io.readers import primary_of, readers

    base = Path(root).resolve()
    exclude = exclude.resolve() if exclude is not None else None
    files: list[Path] = []
    special: list[tuple[Path, str]] = []  # what is in the folder but no file to read
    for p in sorted(base.rglob("*")):
        if _under(p, exclude):
            continue
        with contextlib.suppress(OSError):
            if p.is_file():
                files.append(p)
                continue
            if p.is_dir():
                continue
        special.append((p, _not_a_file(p)))
    specific = _specific_suffixes()
    primaries: dict[Path, list[Path]] = {}
    formats: dict[Path, str] = {}
    orphans: list[Path] = []
    for path in files:
        found = detect_format(path)
        if found is not None:
            primaries.setdefault(path, []).append(path)
            formats[path] = found
        else:
            orphans.append(path)
    others: list[Path] = []
    for path in orphans:
        owner = None
        for reader in readers():
            primary = primary_of(reader, path)
            if primary is not None and primary.resolve() != path and primary.is_file():
                owner = primary.resolve()
                break
        name = path.name.lower()
        if owner is None and name.endswith(".layout.csv"):  # a generic table's layout file
            stem = path.name[: -len(".layout.csv")]
            candidates = (path.with_name(stem + s) for s in (".csv", ".parquet"))
            owner = next((c for c in candidates if c in primaries), None)
        if owner is not None and _under(owner, base):
            primaries.setdefault(owner, [owner]).append(path)
            continue
        detection = identify(path)  # what load would say of it: nearly a known format?
        if path.suffix.lower() in specific or detection.closest is not None:
            primaries.setdefault(path, []).append(path)  # fails to load, with load's reason
        else:
            others.append(path)

    def rel(p: Path) -> str:
        return shown(p.relative_to(base).as_posix())

    def wanted(p: Path) -> bool:
        return pattern is None or PurePosixPath(rel(p)).match(pattern)

    beside: dict[Path, list[str]] = {}
    for path in others:
        beside.setdefault(path.parent, []).append(str(path))
    # named among every record found, not only those the pattern keeps: a report's name does
    # not depend on the pattern of the run that made it
    names = report_names(rel(p) for p in primaries)
    # the pattern picks records (any of whose files match), not single parts of them
    jobs = sorted(
        (
            Job(
                rel(p),
                str(p),
                tuple(sorted({str(x) for x in parts})),
                tuple(beside.get(p.parent, ())),
                formats.get(p),
                names[rel(p)],
            )
            for p, parts in primaries.items()
            if any(wanted(x) for x in parts)
        ),
        key=lambda job: job.session_id,
    )
    skipped = [(rel(p), "not a session file this program reads") for p in others if wanted(p)]
    skipped += [(rel(p), why) for p, why in special if wanted(p)]
    return jobs, sorted(skipped)


def _not_a_file(path: Path) -> str:
    """Why an entry of the folder is not read: what kind of special file it is."""
    import errno
    import stat

    try:
        mode = path.lstat().st_mode
    except OSError as exc:
        return f"cannot be examined ({exc.strerror or exc})"
    if stat.S_ISLNK(mode):
        try:
            path.stat()
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                return "a symbolic link loop"
            return "a symbolic link to nothing (its target is missing)"
        return "a symbolic link to something that is not a file"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO), not a file"
    if stat.S_ISSOCK(mode):
        return "a socket, not a file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device, not a file"
    return "not a regular file"


def shown(text: str) -> str:
    """A path (or a message naming one) as it can be written to a table and a terminal: bytes
    of a file name that are not UTF-8 (kept by Python as surrogates) become U+FFFD."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def safe_name(session_id: str) -> str:
    """A file name for a session id: readable, unique (a hash of the id), no separators."""
    readable = re.sub(r"[^A-Za-z0-9._-]+", "_", session_id).strip("._")[:80]
    digest = hashlib.sha1(session_id.encode("utf-8", "surrogateescape")).hexdigest()[:10]
    return f"{readable}-{digest}"


#: names Windows gives to devices, whatever the suffix: a report is never called one
_DEVICE_NAMES = frozenset(
    {"con", "prn", "aux", "nul"} | {f"{d}{i}" for d in ("com", "lpt") for i in range(1, 10)}
)
#: longest readable part of a report's name, in characters (all ASCII: bytes too)
_NAME_MAX = 120


def _readable(session_id: str) -> str:
    """A session id as a file name, before collisions are settled: the folders and the file
    name without its suffix joined by ``__``; accents dropped (``é`` becomes ``e``), every
    other character but ASCII letters, digits, ``.`` and ``-`` (a non-UTF-8 byte shown as
    U+FFFD, a space, a character Windows refuses) replaced by ``_``, a run of ``_`` made one
    (so ``__`` only ever separates folders) and each part stripped of ``._-`` at its ends
    (no hidden file)."""
    import unicodedata

    def clean(part: str) -> str:
        chars = []
        for ch in unicodedata.normalize("NFKD", part):
            if ch.isascii() and (ch.isalnum() or ch in "._-"):
                chars.append(ch)
            elif not unicodedata.combining(ch):
                chars.append("_")
        return re.sub(r"_+", "_", "".join(chars)).strip("._ -")

    path = PurePosixPath(session_id)
    parts = [*path.parent.parts, path.stem if path.suffix else path.name]
    name = "__".join(c for c in map(clean, parts) if c)[:_NAME_MAX].strip("._-")
    if not name:
        return "session"
    if name.split(".")[0].lower() in _DEVICE_NAMES:
        name = f"{name}_"
    return name


def report_names(session_ids: Iterable[str]) -> dict[str, str]:
    """Each session's report name (without its suffix): its path under the root made readable
    and safe for any file system (``walks/subject01/trial2.insole`` is
    ``walks__subject01__trial2``; see ``_readable``). Unique among ``session_ids``, letter
    case aside (a case-insensitive file system would merge them): sessions that would share a
    name each get a short hash of their id appended (``trial2-1a2b3c4d``), and only those.
    Stable from run to run: a name changes only when a new session comes to share it."""
    ids = sorted(set(session_ids))
    base = {sid: _readable(sid) for sid in ids}
    count: dict[str, int] = {}
    for name in base.values():
        count[name.lower()] = count.get(name.lower(), 0) + 1
    names: dict[str, str] = {}
    for sid in ids:
        name = base[sid]
        if count[name.lower()] > 1:
            name = f"{name}-{_digest(sid)[:8]}"
        names[sid] = name
    # a hashed name that meets a plain one (a file named like that): the full hash, then
    taken: dict[str, str] = {}
    for sid in ids:
        key = names[sid].lower()
        if key in taken:
            names[sid] = f"{base[sid]}-{_digest(sid)}"
            key = names[sid].lower()
        taken[key] = sid
    return names


def _digest(session_id: str) -> str:
    return hashlib.sha1(session_id.encode("utf-8", "surrogateescape")).hexdigest()


def flatten(summary: dict[str, Any]) -> dict[str, Any]:
    """The analysis summary as one flat row: nested keys joined by dots
    (``gait.stride_time_s.left``), lists of numbers as space-separated text
    (``quality.dead_sensors.left``), ``problems`` joined by "; ", each indicator as
    ``indicator.<name>.value`` and ``indicator.<name>.comparison``; the constant note and red
    flags are left out."""
    row: dict[str, Any] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(f"{prefix}.{k}" if prefix else str(k), v)
        elif isinstance(value, (list, tuple)):
            row[prefix] = " ".join(map(str, value)) if value else None
        else:
            row[prefix] = value

    for key, value in summary.items():
        if key in CONSTANT_KEYS:
            continue
        if key == "indicators":
            for ind in value:
                row[f"indicator.{ind['name']}.value"] = ind["value"]
                row[f"indicator.{ind['name']}.comparison"] = ind["comparison"]
        elif key == "problems":
            row["problems"] = "; ".join(value) if value else None
        else:
            walk(key, value)
    return row


def split_row(row: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A flat row (``flatten``, with the ids) as its summary part (what a lab compares: the
    ids, activity, gait, distribution, pronation, balance, indicators, problems) and its
    quality part (``QUALITY_KEYS`` and the columns under ``QUALITY_PREFIXES``: the
    data-quality section, the readers' per-format counters and the event detector's
    settings)."""
    summary: dict[str, Any] = {}
    quality: dict[str, Any] = {k: row.get(k) for k in QUALITY_KEYS}
    for key, value in row.items():
        if key.startswith(QUALITY_PREFIXES):
            quality[key] = value
        else:
            summary[key] = value
    return summary, quality


def _frame(
    rows: Sequence[dict[str, Any]], keys: Sequence[str], leading: tuple[str, ...] = ()
) -> pd.DataFrame:
    """The rows as a table, ``keys`` and then the columns that start with one of ``leading``
    first (in the order first seen), the others after them; a column that holds text in some
    rows and numbers in others (a subject field one format gives as a number, another as
    text) is made text throughout, so that it can be written to Parquet."""
    import pandas as pd

    if not rows:
        return pd.DataFrame(columns=list(keys))
    frame = pd.DataFrame.from_records(list(rows))
    first = [c for c in keys if c in frame.columns]
    first += [c for c in frame.columns if c not in first and str(c).startswith(leading)]
    frame = frame[first + [c for c in frame.columns if c not in first]]
    for column in frame.columns:
        if frame[column].dtype != object:
            continue
        if len({isinstance(v, str) for v in frame[column].dropna()}) > 1:
            frame[column] = frame[column].map(
                lambda v: v if v is None or isinstance(v, str) else str(v)
            )
    return frame


def _one_line(exc: BaseException) -> str:
    text = str(exc) if isinstance(exc, PressureError) else f"{type(exc).__name__}: {exc}"
    return shown(" ".join(text.split())) or type(exc).__name__


def report_format(report: bool | str | None) -> str | None:
    """A batch's ``report`` argument as a format: None (no report), "html" (also for True)
    or "pdf"; UsageError for anything else."""
    if report is None or report is False:
        return None
    if report is True:
        return "html"
    if isinstance(report, str) and report.lower() in REPORT_FORMATS:
        return report.lower()
    raise UsageError(f"reports are written as {' or '.join(REPORT_FORMATS)}, not {report!r}")


def process(
    job: Job,
    report: bool | str | None = False,
    keep: tuple[str, dict[str, Any]] | None = None,
    options: AnalysisOptions | None = None,
    profile: InsoleProfile | None = None,
) -> Outcome:
    """Load, analyse and (with ``report``: "html", "pdf"; True is "html") draw the report of
    one session. Never raises: a failure is the outcome's ``error``. ``keep``: (output
    folder, stamp) when this process can write there (a local worker): the result is kept in
    the folder's cache, and the report written (``reports/<job.report_name>.<format>``), here
    rather than by the parent, which spares the parent that serial work; without it (a Dask
    worker, maybe on another machine) the report comes back as bytes. ``options``:
    the analysis options (``pressure.analysis.AnalysisOptions``; None: the defaults).
    ``profile``: an insole profile applied to the session as it is read
    (``pressure.profile.load_with_profile``; None: none)."""
    t0 = time.perf_counter()
    outcome = _analyse(job, report_format(report), options, profile)
    outcome.elapsed_s = time.perf_counter() - t0
    if keep is not None:
        folder, stamp = keep
        try:
            _keep(Path(folder), outcome, stamp, job.report_name)
        except OutputError as exc:  # a full disk: the parent stops the batch and says so
            outcome.output_error = (str(exc.path), exc.detail)
    return outcome


def _analyse(
    job: Job, report: str | None, options: AnalysisOptions | None, profile: InsoleProfile | None
) -> Outcome:
    try:
        from .analysis import analyze
        from .profile import open_with_profile

        # a recording is read a chunk of frames at a time (bounded memory; a long one's
        # report figures are drawn from a part of it)
        with open_with_profile(job.primary, profile) as session:
            return _outcome(job, session, analyze(session, options), report, profile)
    except PressureError as exc:  # a file that cannot be read or analysed: a row of errors
        return Outcome(job.session_id, error=_one_line(exc))
    except Exception as exc:  # a bug: the row names the file kept with the whole traceback
        import traceback

        return Outcome(
            job.session_id,
            error=_one_line(exc),
            traceback="".join(traceback.format_exception(exc)),
        )


def _outcome(
    job: Job,
    session: SessionSource,
    analysis: Analysis,
    report: str | None,
    profile: InsoleProfile | None,
) -> Outcome:
    """The row, the steps and the report of one analysed session (``_analyse``)."""
    from .analysis.timeline import session_fields
    from .profile import profile_notes

    row: dict[str, Any] = {
        "session_id": job.session_id,
        "source_path": shown(job.primary),
        "format": session.format,
    }
    row.update(session_fields(session.metadata))  # start time, subject: for a timeline
    row.update(flatten(analysis.summary))
    if profile is not None:  # what the profile and options did to this session's data
        applied, notes = profile_notes(session)
        row["profile.applied"] = "; ".join(applied) or None
        row["profile.notes"] = "; ".join(notes) or None
    steps = analysis.steps.copy()
    steps.insert(0, "session_id", job.session_id)
    drawn = None
    # drawn in memory, both: the one write is _keep's, which turns a full disk into the
    # batch's one line (and a Dask worker hands the bytes back)
    if report == "pdf":
        from .report import report_pdf

        drawn = report_pdf(session, analysis=analysis)
    elif report == "html":
        from .report import report_html

        drawn = report_html(session, analysis=analysis).encode("utf-8")
    return Outcome(job.session_id, row=row, steps=steps, report_bytes=drawn, report=report)


def _keep(target: Path, outcome: Outcome, stamp: dict[str, Any], report_name: str) -> None:
    """Write the outcome's report (``reports/<report_name>.<format>``) and cache entry into
    the output folder ``target``; OutputError (naming the file) when the file system refuses
    (a full disk)."""
    try:
        _keep_in(target, outcome, stamp, report_name)
    except OSError as exc:
        raise OutputError(
            target, f"cannot write the batch's results there: {exc.strerror or exc}"
        ) from None


def _keep_in(target: Path, outcome: Outcome, stamp: dict[str, Any], report_name: str) -> None:
    name = safe_name(outcome.session_id)
    if outcome.traceback is not None:
        (target / TRACEBACK_DIR).mkdir(exist_ok=True)
        text = outcome.traceback.encode("utf-8", "backslashreplace")
        write_atomically(target / TRACEBACK_DIR / f"{name}.txt", partial(_write_bytes, text))
        outcome.error = f"{outcome.error} (traceback in {TRACEBACK_DIR}/{name}.txt)"
        outcome.traceback = None
    if outcome.report_bytes is not None and outcome.report is not None:
        (target / REPORTS_DIR).mkdir(exist_ok=True)
        write_atomically(
            target / REPORTS_DIR / f"{report_name}.{outcome.report}",
            partial(_write_bytes, outcome.report_bytes),
        )
        outcome.report_bytes = None
    _save(target / CACHE_DIR / name, outcome, stamp)
    outcome.saved = True


# ---------------------------------------------------------------------------- the cache


def _stamp(
    job: Job, options: AnalysisOptions | None = None, profile: InsoleProfile | None = None
) -> dict[str, Any]:
    """What a kept result depends on: the package version, the tables' layout
    (``TABLES_VERSION``), the analysis options (their dataclass text; None: the defaults), the
    insole profile and options (``InsoleProfile.stamp``: its settings and the content hashes
    of the profile and layout files) and every file of the session and beside it (size and
    modification time; a missing file as -1)."""
    from ._version import __version__

    parts = []
    for part in (*job.parts, *job.companions):
        try:
            st = os.stat(part)
            parts.append([part, st.st_size, st.st_mtime_ns])
        except OSError:
            parts.append([part, -1, -1])
    from .analysis import AnalysisOptions

    return {
        "version": __version__,
        "tables": TABLES_VERSION,
        "options": repr(options or AnalysisOptions()),
        "profile": None if profile is None else profile.stamp(),
        "parts": parts,
    }


def _write_bytes(data: bytes, path: Path) -> None:
    path.write_bytes(data)


def _save(folder: Path, outcome: Outcome, stamp: dict[str, Any]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    if outcome.steps is not None and len(outcome.steps):
        steps = outcome.steps
        write_atomically(folder / "steps.parquet", lambda p: steps.to_parquet(p, index=False))
    else:
        (folder / "steps.parquet").unlink(missing_ok=True)
    record = {
        "stamp": stamp,
        "row": outcome.row,
        "error": outcome.error,
        "reported": outcome.report,
        "elapsed_s": outcome.elapsed_s,
    }
    # the stamp is written last: a half-saved result does not match and is redone
    write_atomically(folder / "result.json", lambda p: p.write_text(json.dumps(record)))


def _cached(folder: Path, job: Job, stamp: dict[str, Any]) -> Outcome | None:
    import pandas as pd

    try:
        record = json.loads((folder / "result.json").read_text())
    except (OSError, ValueError):
        return None
    if record.get("stamp") != stamp:
        return None
    steps = None
    if record.get("row") is not None and (folder / "steps.parquet").exists():
        try:
            steps = pd.read_parquet(folder / "steps.parquet")
        except (OSError, ValueError):
            return None
    return Outcome(
        job.session_id,
        row=record.get("row"),
        steps=steps,
        error=record.get("error"),
        # True: kept by a version that wrote HTML reports only
        report="html" if record.get("reported") is True else record.get("reported") or None,
    )


# ---------------------------------------------------------------------------- running


def _local(
    jobs: Sequence[Job],
    workers: int,
    report: str | None,
    keep: Callable[[Job], Any],
    options: AnalysisOptions | None = None,
    profile: InsoleProfile | None = None,
) -> Iterator[Outcome]:
    """Outcomes as they complete, from ``workers`` processes (1: in this process). The pool
    is started and every job submitted before this returns, so the workers fork before the
    caller starts any thread (the progress bar's)."""
    if workers <= 1 or len(jobs) <= 1:
        return _here(jobs, report, keep, options, profile)
    import multiprocessing
    import threading
    from concurrent.futures import ProcessPoolExecutor

    _preload({job.format for job in jobs if job.format is not None}, report)

    # fork: a worker starts in milliseconds with everything imported; a process with other
    # threads running is not forked (a lock held by one of them would stay held in the child)
    context: Any
    parent: int | None = None  # the workers' parent, when it is this process
    if threading.active_count() == 1:
        context = multiprocessing.get_context("fork")
        parent = os.getpid()
    else:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["pressure.batch", "pressure.analysis", "pressure.io.load"])
    pool = ProcessPoolExecutor(
        max_workers=min(workers, len(jobs)),
        mp_context=context,
        initializer=_worker_start,
        initargs=(parent,),
    )
    futures = {pool.submit(process, job, report, keep(job), options, profile): job for job in jobs}
    return _completed(pool, futures)


def _here(
    jobs: Sequence[Job],
    report: str | None,
    keep: Callable[[Job], Any],
    options: AnalysisOptions | None = None,
    profile: InsoleProfile | None = None,
) -> Iterator[Outcome]:
    """The outcomes, one after the other, from this process, with the numeric libraries' thread
    pools limited to one thread as in a worker: ``jobs`` is the number of cores a batch uses
    (idle BLAS threads spin on the other cores, with no gain in speed here)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        for job in jobs:
            yield process(job, report, keep(job), options, profile)


def _preload(formats: set[str], report: bool | str | None) -> None:
    """Import in this process what the workers will import on first use (scipy, the readers'
    libraries, matplotlib for reports, reportlab for PDF ones), so that forked workers inherit
    it rather than each importing it again: scipy alone takes about half a second."""
    import pyarrow.parquet  # noqa: F401  (the cache)

    from . import analysis
    from .io.readers import preload, readers

    analysis.preload()
    for reader in readers():
        if reader.NAME in formats:
            preload(reader)
    drawn = report_format(report)
    if drawn is not None:
        from . import report as report_module

        report_module.preload(pdf=drawn == "pdf")


def _worker_start(parent: int | None) -> None:
    """In a worker, first: it ends when its parent does (``_exit_with_parent``), and the
    numeric libraries' thread pools run one thread. The workers are the parallelism; BLAS
    threads on top of them spin on the same cores and slow every worker."""
    from threadpoolctl import threadpool_limits

    _exit_with_parent(parent)
    threadpool_limits(1)


def _exit_with_parent(parent: int | None) -> None:
    """Ask the kernel to end this worker (SIGTERM) when its parent dies, so that a batch killed
    with ``kill -9`` leaves no worker behind (Linux ``prctl(PR_SET_PDEATHSIG)``; the parent is
    the batch, or the forkserver, which ends with the batch). ``parent``: the pid the parent
    should have, to catch one that died before the request was made."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes
    import signal

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM))
    if parent is not None and os.getppid() != parent:
        os._exit(1)  # orphaned already


_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _completed(pool: Any, futures: dict[Any, Job]) -> Iterator[Outcome]:
    from concurrent.futures import as_completed

    try:
        for future in as_completed(futures):
            try:
                yield future.result()
            except Exception as exc:  # the worker died (out of memory, killed)
                yield Outcome(
                    futures[future].session_id,
                    error=f"worker failed: {_one_line(exc)}",
                    transient=True,
                )
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _on_dask(
    jobs: Sequence[Job],
    address: str,
    report: str | None,
    timeout_s: float,
    options: AnalysisOptions | None = None,
    profile: InsoleProfile | None = None,
) -> Iterator[Outcome]:
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise PressureError("--dask needs Dask distributed: pip install 'pressure[dask]'") from None
    try:
        client = Client(address, timeout=f"{timeout_s}s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise PressureError(
            f"cannot reach the Dask scheduler at {address}: {_one_line(exc)}"
        ) from None
    try:
        futures = client.map(
            process, list(jobs), report=report, options=options, profile=profile, pure=False
        )
        owner = {f.key: job for f, job in zip(futures, jobs, strict=True)}
        for future in as_completed(futures):
            try:
                yield future.result()
            except Exception as exc:  # a worker lost while holding the task
                yield Outcome(
                    owner[future.key].session_id,
                    error=f"worker failed: {_one_line(exc)}",
                    transient=True,
                )
    finally:
        client.close()


def _progress(total: int, show: bool | None) -> Any:
    from tqdm import tqdm

    class Bar(tqdm):
        monitor_interval = 0  # no monitor thread: later batches fork workers from here

    return Bar(
        total=total,
        unit="session",
        file=sys.stderr,
        disable=(not sys.stderr.isatty()) if show is None else not show,
        dynamic_ncols=True,
    )


def _took(target: Path, job: Job) -> float:
    """Seconds the session took when last analysed into ``target``; 0 when not known."""
    try:
        record = json.loads(
            (target / CACHE_DIR / safe_name(job.session_id) / "result.json").read_text()
        )
        return float(record.get("elapsed_s") or 0.0)
    except (OSError, ValueError, TypeError):
        return 0.0


def _size(job: Job) -> int:
    total = 0
    for part in job.parts:
        with contextlib.suppress(OSError):
            total += os.stat(part).st_size
    return total


def run_batch(
    root: str | os.PathLike[str],
    out: str | os.PathLike[str] | None = None,
    *,
    jobs: int | None = None,
    pattern: str | None = None,
    report: bool | str | None = False,
    force: bool = False,
    dask: str | None = None,
    dask_timeout_s: float = 10.0,
    progress: bool | None = None,
    options: AnalysisOptions | None = None,
    profile: InsoleProfile | None = None,
) -> BatchResult:
    """Analyse every session under a folder, in parallel, into tables (module docstring).

    A session that fails becomes a row of ``errors``; it never stops the batch.

    Parameters
    ----------
    root : str or path
        The folder searched, with its subfolders.
    out : str or path, optional
        The output folder for ``summary.parquet``/``.csv``, ``quality.parquet``/``.csv``,
        ``steps.parquet``, ``errors.csv``, ``skipped.csv``, ``index.html`` (and
        ``reports/``), created if needed; it also keeps each session's result so that a later
        run redoes only what changed. None: tables in memory only, nothing reused.
    jobs : int, optional
        Worker processes (default: one per CPU; 1 runs in this process).
    pattern : str, optional
        Keep only the records one of whose files' path under ``root`` matches this glob,
        matched from the right (``PurePath.match``: ``"*.asc"``, ``"site_a/*.asc"``).
    report : bool or str
        Also write a report per session, "html" (or True) or "pdf", to
        ``out/reports/<name>.html`` or ``.pdf`` (needs ``out``; ``<name>``: the session's
        path under ``root``, ``report_names``), linked from ``index.html``.
    force : bool
        Redo every session, even those whose kept result is up to date.
    dask : str, optional
        A Dask scheduler address (``tcp://host:8786``) to run on instead of local processes.
    dask_timeout_s : float
        Give up on a scheduler that does not answer within this many seconds (default 10).
    progress : bool, optional
        Show a progress bar on stderr (default: when stderr is a terminal).
    options : AnalysisOptions, optional
        The analysis options of every session (a time window, turns counted or not); part of
        each kept result's stamp, so a run with other options redoes the sessions.
    profile : InsoleProfile, optional
        A home-made insole's profile (and the insole options), applied to every session as it
        is read (``pressure.profile``); part of the stamp too, with the content hashes of the
        profile and layout files, so editing either redoes the sessions.

    Returns
    -------
    BatchResult
        The tables (``summary``, ``quality``, ``steps``, ``errors``, ``skipped``), the counts
        and the files written.

    Raises
    ------
    PressureError
        When ``root`` is not a folder, ``out`` cannot be created or written, reports are asked
        without ``out`` or in another format, or the Dask scheduler cannot be reached.
    """
    import pandas as pd

    from .analysis.timeline import START_TIME_LOCAL, START_TIME_UTC, SUBJECT_PREFIX

    drawn = report_format(report)

    base = Path(root)
    if not base.is_dir():
        raise FileFormatError(base, "not a folder" if base.exists() else "no such folder")
    target = Path(out) if out is not None else None
    if target is not None:
        if target.exists() and not target.is_dir():
            raise OutputError(target, "exists and is not a folder")
        try:
            target.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(target, f"cannot create it: {exc.strerror or exc}") from None
    if drawn is not None and target is None:
        raise UsageError("reports need an output folder")
    found, skipped = discover(base, pattern, exclude=target)
    workers = jobs if jobs is not None else len(os.sched_getaffinity(0))

    outcomes: dict[str, Outcome] = {}
    stamps: dict[str, dict[str, Any]] = {}
    pending: list[Job] = []
    for job in found:
        stamp = stamps[job.session_id] = _stamp(job, options, profile)
        done = None
        if target is not None and not force:
            done = _cached(target / CACHE_DIR / safe_name(job.session_id), job, stamp)
            report_path = target / REPORTS_DIR / f"{job.report_name}.{drawn}"
            if (
                done is not None
                and drawn is not None
                and done.row is not None
                and not (done.report == drawn and report_path.exists())
            ):
                done = None  # analysed without this report (or it is gone, or was renamed)
        if done is None:
            pending.append(job)
        else:
            outcomes[job.session_id] = done
    up_to_date = sum(o.error is None for o in outcomes.values())
    # the longest first (by the time it took last run, else by size), so that no long session
    # runs alone at the end
    if target is not None:
        took = {job.session_id: _took(target, job) for job in pending}
        pending.sort(key=lambda job: (took[job.session_id], _size(job)), reverse=True)
    else:
        pending.sort(key=_size, reverse=True)

    stream: Iterable[Outcome] = (
        _on_dask(pending, dask, drawn, dask_timeout_s, options, profile)
        if dask
        else _local(
            pending,
            workers,
            drawn,
            lambda job: None if target is None else (str(target), stamps[job.session_id]),
            options,
            profile,
        )
    )
    by_id = {job.session_id: job for job in found}
    failed_now = 0
    with _progress(len(pending), progress) as bar:
        for outcome in stream:
            if outcome.output_error is not None:  # the disk is full for every session
                raise OutputError(*outcome.output_error)
            outcomes[outcome.session_id] = outcome
            if target is not None and not outcome.saved and not outcome.transient:
                job = by_id[outcome.session_id]
                _keep(target, outcome, stamps[outcome.session_id], job.report_name)
            failed_now += outcome.error is not None
            bar.set_postfix(failed=failed_now, refresh=False)
            bar.update(1)

    ordered = [outcomes[job.session_id] for job in found]
    rows = [o.row for o in ordered if o.row is not None]
    summary_rows, quality_rows = zip(*map(split_row, rows), strict=True) if rows else ((), ())
    # what the file says of the session (start time, subject) right after the ids
    summary = _frame(summary_rows, ID_COLUMNS, (START_TIME_UTC, START_TIME_LOCAL, SUBJECT_PREFIX))
    quality = _frame(quality_rows, QUALITY_KEYS)
    step_frames = [o.steps for o in ordered if o.steps is not None and len(o.steps)]
    steps = (
        pd.concat(step_frames, ignore_index=True)
        if step_frames
        else pd.DataFrame(columns=["session_id"])
    )
    errors = pd.DataFrame(
        [(o.session_id, o.error) for o in ordered if o.error is not None], columns=["file", "error"]
    )
    skipped_frame = pd.DataFrame(skipped, columns=["file", "reason"])
    result = BatchResult(
        summary=summary,
        quality=quality,
        steps=steps,
        errors=errors,
        skipped=skipped_frame,
        analysed=len(pending) - failed_now,
        up_to_date=up_to_date,
        failed=len(errors),
    )
    if target is not None:
        links = {
            job.session_id: f"{REPORTS_DIR}/{job.report_name}.{drawn}"
            for job in found
            if drawn is not None and outcomes[job.session_id].report == drawn
        }
        page = _index_page(base, ordered, skipped, links)
        outputs: list[tuple[str, Callable[[Path], object]]] = [
            ("summary.parquet", lambda p: summary.to_parquet(p, index=False)),
            ("summary.csv", lambda p: summary.to_csv(p, index=False)),
            ("quality.parquet", lambda p: quality.to_parquet(p, index=False)),
            ("quality.csv", lambda p: quality.to_csv(p, index=False)),
            ("steps.parquet", lambda p: steps.to_parquet(p, index=False)),
            ("errors.csv", lambda p: errors.to_csv(p, index=False)),
            ("skipped.csv", lambda p: skipped_frame.to_csv(p, index=False)),
            (INDEX, partial(_write_bytes, page.encode("utf-8"))),
        ]
        for name, write in outputs:
            try:
                write_atomically(target / name, write)
            except OSError as exc:
                raise OutputError(target / name, f"cannot write: {exc.strerror or exc}") from None
            result.written.append(target / name)
    return result


def _index_page(
    root: Path,
    ordered: Sequence[Outcome],
    skipped: Sequence[tuple[str, str]],
    links: dict[str, str],
) -> str:
    """``index.html``: one row per session with its key indicators (``report.index``)."""
    from ._version import __version__
    from .report.index import render_index

    return render_index(
        title=shown(root.resolve().name or str(root)),
        rows=[o.row for o in ordered if o.row is not None],
        failed=[(o.session_id, o.error) for o in ordered if o.error is not None],
        skipped=len(skipped),
        links=links,
        version=__version__,
    )


__all__ = [
    "BatchResult",
    "Job",
    "Outcome",
    "discover",
    "flatten",
    "process",
    "report_names",
    "run_batch",
    "split_row",
]
