"""What a report says, independent of HTML or PDF: plain strings and rows, unescaped.

Both renderers escape every string from here (a file's names, notes and tags are shown as
text, never interpreted as markup).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..analysis.indicators import NOTE_SHORT, wording
from ..analysis.steps import LOAD_COLUMN_PATTERNS
from ..display import UNIT_TEXT, finding_sentences, num, reference_range
from ..model import UNITS, Session
from . import figures

if TYPE_CHECKING:
    from ..analysis import Analysis
    from ..io.source import SessionSource

#: step-table columns shown (all are in ``Analysis.steps``), with their headings; the load
#: columns once per load unit in the table (``pressure.analysis.steps.step_columns``)
STEP_COLUMNS = (
    ("side", "side"),
    ("step", "step"),
    ("heel_strike_s", "heel strike (s)"),
    ("toe_off_s", "toe off (s)"),
    ("stance_s", "stance (s)"),
    ("swing_s", "swing (s)"),
    ("stride_s", "stride (s)"),
    ("stance_pct", "stance (% stride)"),
    ("double_support_s", "double support (s)"),
    (LOAD_COLUMN_PATTERNS[0], "peak load"),
    (LOAD_COLUMN_PATTERNS[1], "mean load"),
    ("gait_line_length_mm", "gait line (mm)"),
    ("cpei_pct", "CPEI-like (%)"),
    ("medial_lateral_index", "ML index"),
    ("used", "used"),
)
MAX_METADATA_ROWS = 40
MAX_VALUE_CHARS = 300


@dataclass(frozen=True)
class Figure:
    title: str
    caption: str
    png: bytes | None
    missing: str | None  # the sentence shown instead when png is None


@dataclass(frozen=True)
class ReportContent:
    title: str
    facts: list[tuple[str, str]]
    about_file: list[tuple[str, str]]  # what the file says about itself (metadata)
    quality: list[tuple[str, str]]
    problems: list[str]
    figures: list[Figure]
    step_header: list[str]
    step_rows: list[list[str]]
    indicator_header: list[str]
    indicator_rows: list[list[str]]
    balance: list[tuple[str, str]]  # standing sway, when the session is a standing one
    note: str
    red_flags_intro: str
    red_flags: list[str]
    #: (sentence, "above" | "below" | "within" | "none"): each indicator against its range
    findings: list[tuple[str, str]] = field(default_factory=list)
    #: what the data quality means, in plain words; ``quality`` holds the counters behind it
    quality_said: list[str] = field(default_factory=list)
    region_header: list[str] = field(default_factory=list)
    region_rows: list[list[str]] = field(default_factory=list)
    #: whether the session is a walk (steps, gait figures) or not (standing: no empty sections)
    walking: bool = True


def pair(d: dict[str, Any] | None, fmt: str = ".3g", unit: str = "") -> str:
    d = d or {}
    return f"left {num(d.get('left'), fmt, unit)}, right {num(d.get('right'), fmt, unit)}"


def sensor_list(d: dict[str, Any] | None) -> str:
    """Sensor numbers per foot; a long list as its count and first few."""
    out = []
    for side in ("left", "right"):
        v = (d or {}).get(side)
        if v is None:
            text = "n/a"
        elif len(v) > 12:
            text = f"{len(v)} sensors ({', '.join(map(str, v[:10]))}, …)"
        else:
            text = ", ".join(map(str, v)) or "none"
        out.append(f"{side} {text}")
    return "; ".join(out)


def _flatten(prefix: str, value: Any, out: list[tuple[str, str]]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _flatten(f"{prefix}.{k}" if prefix else str(k), v, out)
    elif isinstance(value, (list, tuple)) and value and all(isinstance(v, dict) for v in value):
        for i, v in enumerate(value, 1):
            _flatten(f"{prefix}[{i}]", v, out)
    else:
        shown = ", ".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)
        if len(shown) > MAX_VALUE_CHARS:
            shown = shown[:MAX_VALUE_CHARS] + " …"
        out.append((prefix, text(shown)))


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


#: what a file may say of the session, by the keys readers give it (top level or under
#: ``session``), shown among the session facts
SAID = (
    ("start time", ("start_time_local", "start_time_utc", "start_time", "date")),
    ("subject", ("subject", "subject_id", "patient", "participant")),
    ("notes", ("notes", "note", "comment", "comments", "description")),
    ("tags", ("tags", "tag", "labels")),
)


def _said(meta: dict[str, Any], keys: tuple[str, ...]) -> str | None:
    inner = meta.get("session")
    for source in (meta, inner if isinstance(inner, dict) else {}):
        for key in keys:
            value = source.get(key)
            if isinstance(value, dict) and value:  # a subject record: its fields
                shown = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in value.items())
                return text(shown)[:MAX_VALUE_CHARS]
            if isinstance(value, (list, tuple)) and value:
                return text(", ".join(map(str, value)))[:MAX_VALUE_CHARS]
            if isinstance(value, (str, int, float)) and str(value).strip():
                return text(str(value))[:MAX_VALUE_CHARS]
    return None


def _balance(balance: dict[str, Any] | None) -> list[tuple[str, str]]:
    """Standing sway per foot and of the combined CoP (both feet as one), from the analysis'
    ``balance`` summary."""
    if not balance:
        return []
    rows: list[tuple[str, str]] = []
    parts = [(side, (balance.get("per_foot") or {}).get(side)) for side in ("left", "right")]
    parts.append(("both feet (combined CoP)", balance.get("combined")))
    for name, sway in parts:
        if not sway:
            continue
        rows.append(
            (
                name,
                f"95 % ellipse {num(sway.get('ellipse_area_mm2'), '.3g', 'mm²')}, "
                f"RMS distance {num(sway.get('rms_distance_mm'), '.2f', 'mm')}, "
                f"mean velocity {num(sway.get('mean_velocity_mm_s'), '.3g', 'mm/s')}, "
                f"range AP {num(sway.get('range_ap_mm'), '.3g', 'mm')} × "
                f"ML {num(sway.get('range_ml_mm'), '.3g', 'mm')}, "
                f"over {num(sway.get('duration_s'), '.1f', 's')}",
            )
        )
    if balance.get("left_share_sd_pct") is not None:
        rows.append(("left share, SD over time", num(balance["left_share_sd_pct"], ".2f", "%")))
    if balance.get("standing_separation_mm") is not None:
        rows.append(
            (
                "feet placed apart (for the combined CoP)",
                num(balance["standing_separation_mm"], "g", "mm"),
            )
        )
    return rows


def text(value: str) -> str:
    """File-derived text made printable: a file name that is not UTF-8 (surrogate escapes from
    the file system) shows replacement characters instead of breaking the writers."""
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def session_title(session: Session | SessionSource) -> str:
    """The session's own name when the file gives one, else the file name."""
    meta = session.metadata
    inner = meta.get("session")
    for source in (meta, inner if isinstance(inner, dict) else {}):
        for key in ("name", "title", "session_name", "trial"):
            if isinstance(source.get(key), str) and source[key].strip():
                return str(source[key])
    return text(session.path.name)


def _step_columns(columns: Any) -> list[tuple[str, str]]:
    """The step-table columns shown and their headings: the load columns once for each load
    unit the table has (a session whose feet differ in unit has two sets), the unit in the
    heading."""
    units = [u for u in UNITS if LOAD_COLUMN_PATTERNS[0].format(unit=u) in set(columns)]
    shown: list[tuple[str, str]] = []
    for column, heading in STEP_COLUMNS:
        if column in LOAD_COLUMN_PATTERNS:
            shown += [(column.format(unit=u), f"{heading} ({UNIT_TEXT.get(u, u)})") for u in units]
        else:
            shown.append((column, heading))
    return shown


#: how a finding is marked by where its value lies (``ReportContent.findings``): a symbol that
#: reads in grey print, the kind of line, and a colour
FINDING_MARKS = {
    "above": ("▲", "outside", "#b03a2e"),
    "below": ("▼", "outside", "#b03a2e"),
    "within": ("●", "within", "#2e7d32"),
    "none": ("○", "none", "#666666"),
}
#: the legend under the findings: (symbols, meaning, colour)
FINDING_LEGEND = (
    ("▲▼", "outside its reference range", "#b03a2e"),
    ("●", "within its reference range", "#2e7d32"),
    ("○", "no published range", "#666666"),
)

#: the regional table's columns: (column of ``Analysis.regions``, heading, format)
REGION_COLUMNS = (
    ("peak_pressure_kpa", "peak pressure (kPa)", ".0f"),
    ("pressure_time_integral_kpa_s", "pressure-time integral (kPa·s)", ".0f"),
    ("contact_area_mm2", "contact area (mm²)", ".0f"),
    ("relative_load_pct", "share of the foot's load (%)", ".1f"),
)


def _regions(analysis: Analysis) -> tuple[list[str], list[list[str]]]:
    """The regional table (``--regions-csv``'s values): per foot and region, the columns of
    ``REGION_COLUMNS`` the analysis gives."""
    regions = analysis.regions
    if not len(regions):
        return [], []
    shown = [(c, h, f) for c, h, f in REGION_COLUMNS if c in regions]
    header = ["foot", "region", *[h for _, h, _ in shown]]
    rows = [
        [str(row["side"]), str(row["region"]).replace("_", " ")]
        + [num(_value(row[c]), f) for c, _, f in shown]
        for _, row in regions.iterrows()
    ]
    return header, rows


def _value(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number else None


def _quality_said(q: dict[str, Any], s: dict[str, Any]) -> list[str]:
    """The data quality in plain words: what was lost and what it means."""
    said = []
    lost = int(q.get("frames_lost") or 0)
    invalid = int(q.get("invalid_frames") or 0)
    if lost:
        said.append(
            f"{plural(lost, 'frame')} did not arrive (gaps in the data): the steps across a "
            "gap are left out of the statistics."
        )
    if invalid:
        said.append(f"{plural(invalid, 'frame')} held no valid value and are left out.")
    for kind, meaning in (
        ("saturated_sensors", "read at their top for much of the loading, so peaks are low"),
        ("dead_sensors", "never read a load, so their area counts as unloaded"),
    ):
        if any((q.get(kind) or {}).get(side) for side in ("left", "right")):
            listed = sensor_list(q.get(kind))
            said.append(f"Sensors that look {kind.split('_')[0]}: {listed} ({meaning}).")
    if not said:
        said.append("Nothing was lost: every frame arrived and every sensor read as expected.")
    if s["problems"]:
        said.append(f"The analysis has {plural(len(s['problems']), 'note')}, listed below.")
    return said


#: steps the report's table lists at most (a day's recording has 150,000)
MAX_STEP_ROWS = 2_000


def build(
    session: Session | SessionSource,
    analysis: Analysis,
    title: str | None = None,
    drawn: Session | None = None,
    drawn_analysis: Analysis | None = None,
    drawn_said: str | None = None,
) -> ReportContent:
    """The report's content: ``session`` and its ``analysis`` give the facts, numbers and
    tables; the figures are drawn from ``drawn`` and ``drawn_analysis`` (default: the
    session, which must then be a ``Session``), a part of a long session, which
    ``drawn_said`` describes."""
    s = analysis.summary
    g, d, q = s["gait"], s["distribution"], s["quality"]
    load_unit = d.get("load_unit") or ""
    facts = [
        ("file", text(str(session.path))),
        ("format", str(s["format"])),
        ("duration", num(s["duration_s"], ".1f", "s")),
        ("sampling rate", num(s["sampling_rate_hz"], "g", "Hz")),
        ("activity", str(s["activity"])),
    ]
    if s.get("window_s"):
        start, end = s["window_s"]
        facts.append(("time window analysed", f"{start:g} to {end:g} s of the recording"))
    for label, keys in SAID:
        said = _said(session.metadata, keys)
        if said is not None:
            facts.append((label, said))
    for side, foot in session.feet.items():
        layout = "no layout" if foot.layout is None else f"layout {text(str(foot.layout.name))}"
        facts.append(
            (
                f"{side} foot",
                f"{plural(foot.n_sensors, 'sensor')}, {plural(foot.n_frames, 'frame')}, values in "
                f"{UNIT_TEXT.get(foot.unit, foot.unit)}, {layout}",
            )
        )
    if s["activity"] in ("walking", "running"):
        facts += [
            (
                "steps (used for statistics)",
                f"{pair(g['steps'], 'd')} ({pair(g['steps_used'], 'd')})",
            ),
            ("cadence", num(g["cadence_steps_per_min"], ".1f", "steps/min")),
            ("stride time", pair(g["stride_time_s"], ".3f", "s")),
            ("stance time", pair(g["stance_time_s"], ".3f", "s")),
            ("swing", pair(g["swing_pct"], ".1f", "% of stride")),
        ]
    facts += [
        ("left share of the load", num(d["left_share_pct"], ".1f", "%")),
        ("symmetry index (+: right carries more)", num(d["symmetry_index_pct"], "+.1f", "%")),
        ("forefoot share", pair(d["forefoot_share_pct"], ".1f", "%")),
        ("medial share", pair(d["medial_share_pct"], ".1f", "%")),
        ("mean stance load", pair(d["mean_stance_load"], ".4g", load_unit)),
    ]
    if d.get("body_mass_kg") is not None:
        facts += [
            ("body mass (given)", num(d["body_mass_kg"], "g", "kg")),
            ("mean stance load", pair(d.get("mean_stance_force_bw"), ".3g", "× body weight")),
        ]
    about: list[tuple[str, str]] = []
    _flatten("", session.metadata, about)
    if len(about) > MAX_METADATA_ROWS:
        more = len(about) - MAX_METADATA_ROWS
        about = [*about[:MAX_METADATA_ROWS], ("…", f"{more} more entries (see pressure info)")]
    quality = [
        ("frames lost", str(q["frames_lost"])),
        ("invalid frames", str(q["invalid_frames"])),
        ("saturated sensors", sensor_list(q["saturated_sensors"])),
        ("dead sensors", sensor_list(q["dead_sensors"])),
    ]
    quality += [(f"reader: {k}", str(v)) for k, v in (q.get("reader") or {}).items()]

    steps = analysis.steps
    shown = _step_columns(steps.columns)
    step_header = [heading for _, heading in shown]
    step_rows = []
    left_out = max(0, len(steps) - MAX_STEP_ROWS)
    if left_out:  # a long recording: the first steps, and where to find every one
        steps = steps.iloc[:MAX_STEP_ROWS]
    for row in steps.itertuples(index=False):
        values = row._asdict()
        cells = []
        for column, _ in shown:
            v = values.get(column)
            if column in ("side", "step"):
                cells.append(str(v))
            elif column == "used":
                cells.append("yes" if v else "no")
            else:
                cells.append(num(None if v is None else float(v), ".4g"))
        step_rows.append(cells)

    if left_out:
        tail = f"and {left_out:,} more steps (pressure analyze FILE --steps-csv F writes every one)"
        step_rows.append([tail, *[""] * (len(step_header) - 1)])
    indicator_header = ["indicator", "value", "reference range", "compared", "reference, source"]
    indicator_rows = []
    for ind in s["indicators"]:
        ref = reference_range(ind["reference_low"], ind["reference_high"], ind["unit"])
        words, which = wording(str(ind["name"]))
        indicator_rows.append(
            [
                f"{words.label}{f', {which}' if which else ''} ({ind['name']})",
                num(ind["value"], ".3g", ind["unit"]),
                ref,
                ind["comparison"] or "-",
                f"{ind['reference']}. Source: {ind['source']}",
            ]
        )
    if drawn is None:
        assert isinstance(session, Session)
        drawn = session
    if drawn_said is not None:
        facts.append(("figures drawn from", drawn_said))
    figs = [
        Figure(title_, caption, png, missing)
        for title_, caption, (png, missing) in figures.all_figures(
            drawn, drawn_analysis or analysis
        )
    ]
    region_header, region_rows = _regions(analysis)
    return ReportContent(
        findings=finding_sentences(s["indicators"]),
        quality_said=_quality_said(q, s),
        region_header=region_header,
        region_rows=region_rows,
        walking=s["activity"] in ("walking", "running", "roll_off"),
        title=text(title) if title else session_title(session),
        facts=facts,
        about_file=about,
        quality=quality,
        problems=list(s["problems"]),
        figures=figs,
        step_header=step_header,
        step_rows=step_rows,
        indicator_header=indicator_header,
        indicator_rows=indicator_rows,
        balance=_balance(s.get("balance")) if s["activity"] == "standing" else [],
        note=NOTE_SHORT,
        red_flags_intro=s["red_flags_intro"],
        red_flags=list(s["red_flags"]),
    )
