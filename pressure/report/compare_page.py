"""A comparison of sessions (``pressure.analysis.compare``) as one standalone HTML page: the
findings first (each indicator whose difference exceeds the noise, or every difference when no
repeat trial was given), then the figures, then the whole table. Inline CSS, figures as PNG data
URIs, no script, nothing fetched (the same policy as the single-session report)."""

from __future__ import annotations

import base64
from html import escape
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any
from xml.sax.saxutils import escape as xml_escape

import numpy as np

from ..analysis.distribution import PRESSURE_TO_KPA
from .figures import COLOURS, _as_pressure, _figure, _mirror, _outline, _png, sensor_squares
from .html import CSS

if TYPE_CHECKING:
    from ..analysis.analyze import Analysis
    from ..analysis.compare import Comparison, Difference
    from ..model import FloatArray, Session

#: a colour per condition (the first the reference), distinguishable in grey print by marker
CONDITION_COLOURS = ("#444444", "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b")
MARKERS = ("o", "s", "^", "D", "v", "P")


def number(value: float | None, unit: str = "") -> str:
    """A comparison's number: three significant digits (whole numbers from 100), never
    "-0", "–" for none."""
    if value is None:
        return "–"
    text = f"{value:.3g}" if abs(value) < 100 else f"{value:.0f}"
    text = "0" if text in ("-0", "-0.0") else text
    return f"{text} {unit}".strip()


def _head(title: str, kind: str) -> list[str]:
    """The page's start up to its heading: the policy (nothing fetched, no script: images
    from data URIs, inline style only), the title and the shared CSS."""
    return [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "img-src data:; style-src 'unsafe-inline'\">",
        f"<title>{escape(title)} · pressure {escape(kind)}</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
    ]


def _figure_html(png: bytes, alt: str, caption: str) -> str:
    """A figure with its PNG inlined as a data URI."""
    data = base64.b64encode(png).decode("ascii")
    return (
        f'<figure><img src="data:image/png;base64,{data}" alt="{escape(alt)}">'
        f"<figcaption>{escape(caption)}</figcaption></figure>"
    )


def _finding(d: Difference) -> str:
    ci = (
        f" (95 % CI {number(d.ci95_low)} to {number(d.ci95_high)})"
        if d.ci95_low is not None
        else ""
    )
    verdict = {
        True: "larger than the trial-to-trial noise",
        False: "within the trial-to-trial noise",
        None: "",
    }[d.exceeds_noise]
    values = ", ".join(f"{k} {number(v, d.unit)}" for k, v in d.conditions.items())
    tail = f"; {verdict}" if verdict else ""
    return f"{d.label}: {values}; {d.compared} = {number(d.difference, d.unit)}{ci}{tail}."


def _cop_paths(c: Comparison) -> bytes | None:
    """Each condition's CoP over its steady stances, per foot, overlaid (foot frame, mm)."""
    fig = _figure(7.5, 4.2)
    axes = fig.subplots(1, 2, sharey=True)
    drawn = False
    for ax, side in zip(axes, ("left", "right"), strict=True):
        for k, (cond, analysis) in enumerate(zip(c.conditions, c.analyses, strict=True)):
            cop = analysis.cop
            if "cop_ml_mm" not in cop:
                continue
            mine = cop[cop["side"] == side]
            x = _mirror(side) * mine["cop_ml_mm"].to_numpy(dtype=np.float64)
            y = mine["cop_ap_mm"].to_numpy(dtype=np.float64)
            ok = np.isfinite(x) & np.isfinite(y)
            if not ok.any():
                continue
            colour = CONDITION_COLOURS[k % len(CONDITION_COLOURS)]
            ax.plot(x[ok], y[ok], ",", color=colour, alpha=0.35)
            ax.plot([], [], MARKERS[k % len(MARKERS)], color=colour, label=str(cond["label"]))
            drawn = True
        ax.set_title(f"{side} foot", color=COLOURS[side])
        ax.set_xlabel("medial → (mm)")
        ax.set_aspect("equal", adjustable="datalim")
    axes[0].set_ylabel("heel → toe (mm)")
    axes[1].legend(loc="lower right", fontsize=8)
    return _png(fig) if drawn else None


def _distributions(c: Comparison) -> bytes | None:
    """Per-unit values per condition: the left share of each stride (or window) and the stance
    time and CPEI of each steady step, as strip plots with the condition's value marked."""
    from ..analysis.compare import condition_units, human_name

    units = [condition_units(a) for a in c.analyses]  # (no regions: not drawn here)
    shown = [
        n
        for n in ("left_share_pct", "stance_time_s.left", "cpei_pct.left", "cpei_pct.right")
        if all(n in u for u in units)
    ]
    if not shown:
        return None
    fig = _figure(7.5, 2.4 * len(shown) / 2 + 1.0)
    axes = np.atleast_1d(fig.subplots(1, len(shown)))
    rng = np.random.default_rng(0)
    for ax, name in zip(axes, shown, strict=True):
        for k, u in enumerate(units):
            one = u[name][0]
            if name == "left_share_pct":
                pairs = one.data
                per = 100 * pairs[:, 0] / np.where(pairs.sum(axis=1) > 0, pairs.sum(axis=1), np.nan)
            else:
                per = one.data[:, 0]
            colour = CONDITION_COLOURS[k % len(CONDITION_COLOURS)]
            x = k + rng.uniform(-0.15, 0.15, per.size)
            ax.plot(x, per, MARKERS[k % len(MARKERS)], ms=3, color=colour, alpha=0.6)
            ax.plot([k - 0.3, k + 0.3], [one.value()] * 2, "-", color="black", lw=1.5)
        ax.set_xticks(range(len(units)), [str(cond["label"]) for cond in c.conditions])
        human, unit = human_name(name)
        ax.set_title(f"{human} ({unit})" if unit else human, fontsize=8, wrap=True)
    return _png(fig)


def _sensor_values(
    session: Session, analysis: Analysis, side: str, kind: str
) -> tuple[FloatArray, str] | None:
    """Per sensor of a foot: its peak over the session (``kind`` "peak"), or its pressure-time
    integral per steady step (``"pti"``: the mean over the steady steps of the integral over
    each stance), in kPa (kPa·s) where the unit allows."""
    foot = session.feet.get(side)
    if foot is None or foot.layout is None or foot.layout.coordinate_unit != "mm":
        return None
    if kind == "peak":
        v = np.where(np.isfinite(foot.values), foot.values, -np.inf).max(axis=0)
        return _as_pressure(np.where(np.isfinite(v), v, np.nan), foot)
    scale = PRESSURE_TO_KPA.get(foot.unit)
    steps = analysis.steps
    if scale is None or not len(steps):
        return None
    mine = steps[(steps["side"] == side) & (steps["label"] == "steady")]
    t = foot.time_s
    per_step = []
    for hs, to in zip(mine["heel_strike_s"], mine["toe_off_s"], strict=True):
        i, j = int(np.searchsorted(t, hs)), int(np.searchsorted(t, to))
        if j - i > 1:
            p = np.nan_to_num(foot.values[i:j]) * scale
            per_step.append(np.gradient(t[i:j]) @ p)
    return (np.mean(per_step, axis=0), "kpa") if per_step else None


def _difference_map(c: Comparison, kind: str, what: str, unit_suffix: str) -> bytes | None:
    """Each sensor's ``kind`` value (``_sensor_values``) in the last condition minus the
    reference's, drawn at its position over the reference's foot outline (a diverging scale:
    red where the compared condition is higher). Only where both sessions of a foot share one
    layout."""
    if len(c.sessions) < 2 or len(c.analyses) < 2:
        return None
    import matplotlib

    first, last = c.sessions[0], c.sessions[-1]
    feet = []
    for side in ("left", "right"):
        a, b = first.feet.get(side), last.feet.get(side)
        if a is None or b is None or a.layout is None or b.layout is None:
            continue
        if a.n_sensors != b.n_sensors or not (
            np.allclose(a.layout.x_mm, b.layout.x_mm) and np.allclose(a.layout.y_mm, b.layout.y_mm)
        ):
            continue
        got = [
            _sensor_values(session, analysis, side, kind)
            for session, analysis in ((first, c.analyses[0]), (last, c.analyses[-1]))
        ]
        if got[0] is None or got[1] is None or got[0][1] != got[1][1]:
            continue
        feet.append((side, a, got[1][0] - got[0][0], got[0][1]))
    if not feet:
        return None
    top = max(float(np.nanmax(np.abs(d))) for _, _, d, _ in feet) or 1.0
    fig = _figure(3.0 * len(feet) + 1.2, 5.0)
    axes = np.atleast_1d(fig.subplots(1, len(feet)))
    cmap = matplotlib.colormaps["RdBu_r"].with_extremes(bad="0.92")
    collection = None
    for ax, (side, foot, diff, _) in zip(axes, feet, strict=True):
        _outline(ax, foot, side)
        collection = sensor_squares(ax, foot, side, cmap, edgecolor="0.6", linewidths=0.3)
        collection.set_array(np.ma.masked_invalid(diff))
        collection.set_clim(-top, top)
        ax.autoscale_view()
    unit = ("kPa" if feet[0][3] == "kpa" else feet[0][3]) + unit_suffix
    label = f"{what}: {c.conditions[-1]['label']} − {c.conditions[0]['label']} ({unit})"
    assert collection is not None
    fig.colorbar(collection, ax=list(axes), shrink=0.8, label=label)
    return _png(fig)


def _regional(c: Comparison) -> bytes | None:
    """The regional peak pressure of each compared condition minus the reference's, per
    foot and region."""
    rows = [d for d in c.indicators if d.name.startswith("peak_pressure_kpa") and d.difference]
    if not rows:
        return None
    fig = _figure(7.5, 0.25 * len(rows) + 1.2)
    ax = fig.subplots()
    labels = [d.label.replace("Peak pressure, ", "") + f" ({d.compared})" for d in rows]
    values = [d.difference or 0.0 for d in rows]
    ax.barh(range(len(rows)), values, color=["#c0392b" if v > 0 else "#1f5fa8" for v in values])
    ax.set_yticks(range(len(rows)), labels, fontsize=7)
    ax.axvline(0, color="black", lw=0.8)
    ax.set_xlabel("difference in peak pressure (kPa)")
    ax.invert_yaxis()
    return _png(fig)


NOTE = (
    "These are measurement indicators, not a diagnosis. A difference larger than the noise "
    "says that the measurement changed between the conditions, not that the change is good, "
    "bad or lasting."
)


def lead_and_findings(c: Comparison) -> tuple[str, list[str]]:
    """The findings' opening sentence and one sentence per finding: the differences that
    exceed the noise (with a repeat trial), else every difference with an interval."""
    judged = [d for d in c.indicators if d.exceeds_noise is not None]
    if judged:
        found = [d for d in judged if d.exceeds_noise]
        lead = (
            f"{len(found)} of {len(judged)} indicators changed by more than the "
            "trial-to-trial noise of the repeat trial:"
            if found
            else f"None of the {len(judged)} indicators changed by more than the "
            "trial-to-trial noise of the repeat trial."
        )
    else:
        found = [d for d in c.indicators if d.ci95_low is not None]
        lead = "No repeat trial was given: the differences below are not judged against noise."
    return lead, [_finding(d) for d in found]


def all_figures(c: Comparison) -> list[tuple[str, bytes, str]]:
    """(title, PNG, caption) of each figure the comparison can draw, in the order shown."""
    figures = (
        ("Centre-of-pressure paths", _cop_paths(c), "every frame's CoP per condition"),
        ("Step to step", _distributions(c), "one point per stride, window or steady step; "
         "the bar is the condition's value"),
        ("Peak pressure, sensor by sensor", _difference_map(c, "peak", "peak", ""),
         "each sensor's peak pressure in the last condition minus the reference's, over the "
         "foot outline (red: higher, blue: lower); where both share one insole layout"),
        ("Pressure-time integral, sensor by sensor", _difference_map(c, "pti", "PTI", "·s"),
         "each sensor's pressure-time integral per steady step (the mean over the steps) in "
         "the last condition minus the reference's; where both share one insole layout"),
        ("Regional peak pressure", _regional(c), "compared condition minus the reference"),
    )  # fmt: skip
    return [(name, png, caption) for name, png, caption in figures if png is not None]


def table(c: Comparison) -> tuple[list[str], list[list[str]]]:
    """The whole table: header and one row of text per indicator and compared condition."""
    header = [
        "indicator", "unit", *[str(k["label"]) for k in c.conditions], "compared",
        "difference", "95 % CI", "SDC", "exceeds noise",
    ]  # fmt: skip
    rows = [
        [
            d.label,
            d.unit,
            *[number(d.conditions.get(str(k["label"]))) for k in c.conditions],
            d.compared,
            number(d.difference),
            f"{number(d.ci95_low)} to {number(d.ci95_high)}" if d.ci95_low is not None else "–",
            number(d.sdc),
            {True: "yes", False: "no", None: "–"}[d.exceeds_noise],
        ]
        for d in c.indicators
    ]
    return header, rows


def conditions_table(c: Comparison) -> tuple[list[str], list[list[str]]]:
    header = ["label", "file", "activity", "steady steps"]
    rows = [
        [str(k["label"]), str(k["file"]), str(k["activity"]), str(k["steady_steps"])]
        for k in c.conditions
    ]
    return header, rows


def _html_table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render(c: Comparison, title: str, version: str) -> str:
    """The page's HTML text."""
    lead, findings = lead_and_findings(c)
    parts = [
        *_head(title, "comparison"),
        "<h2>Findings</h2>",
        f"<p>{escape(lead)}</p>",
        "<ul>" + "".join(f"<li>{escape(f)}</li>" for f in findings) + "</ul>",
    ]
    for name, png, caption in all_figures(c):
        parts.append(f"<h2>{escape(name)}</h2>{_figure_html(png, name, caption)}")
    parts.append("<h2>Conditions</h2>")
    parts.append(_html_table(*conditions_table(c)))
    if c.repeat:
        parts.append(f"<p>Repeat trial of {escape(c.reference)}: {escape(c.repeat)}.</p>")
    parts.append("<h2>All indicators</h2>")
    parts.append(_html_table(*table(c)))
    parts.append(f"<p>Method: {escape(c.method)}.</p>")
    if c.notes:
        parts.append("<ul>" + "".join(f"<li>{escape(n)}</li>" for n in c.notes) + "</ul>")
    parts.append(f'<p class="note">{escape(NOTE)}</p>')
    parts.append(f"<footer>pressure {escape(version)}</footer></body></html>")
    return "\n".join(parts)


def render_pdf(c: Comparison, title: str, version: str, out: Path | IO[bytes]) -> None:
    """The same content as an A4 PDF (reportlab), written to ``out``."""
    import io

    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import cm
    from reportlab.lib.utils import ImageReader
    from reportlab.platypus import Image, KeepTogether, LongTable, Paragraph, SimpleDocTemplate

    styles = getSampleStyleSheet()
    body = styles["BodyText"]
    small = ParagraphStyle("small", parent=body, fontSize=7, leading=8.5)
    h2 = ParagraphStyle("h2", parent=styles["Heading2"], keepWithNext=1)
    note = ParagraphStyle("note", parent=body, backColor=colors.HexColor("#fff8e1"))

    def p(text: str, style: Any = body) -> Any:
        return Paragraph(xml_escape(text), style)

    def grid(header: list[str], rows: list[list[str]]) -> Any:
        data = [[p(h, small) for h in header]] + [[p(v, small) for v in r] for r in rows]
        t = LongTable(data, repeatRows=1)
        t.setStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#cccccc")),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f2f2f2")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
        return t

    lead, findings = lead_and_findings(c)
    story: list[Any] = [p(title, styles["Title"]), p("Findings", h2), p(lead)]
    story += [p(f"• {f}") for f in findings]
    page_w, page_h = landscape(A4)
    # two figures a page: each at most half the page high
    width_max, height_max = page_w - 4 * cm, (page_h - 7 * cm) / 2
    for name, png, caption in all_figures(c):
        w_px, h_px = ImageReader(io.BytesIO(png)).getSize()
        scale = min(width_max / w_px, height_max / h_px, 17 * cm / w_px)
        image = Image(io.BytesIO(png), w_px * scale, h_px * scale)
        story.append(KeepTogether([p(name, h2), image, p(caption, small)]))
    story += [p("Conditions", h2), grid(*conditions_table(c))]
    story += [p("All indicators", h2), grid(*table(c)), p(f"Method: {c.method}.", small)]
    story += [p(n, small) for n in c.notes]
    story.append(p(NOTE, note))
    doc = SimpleDocTemplate(
        out if not isinstance(out, Path) else str(out),
        pagesize=landscape(A4),
        leftMargin=2 * cm, rightMargin=2 * cm, topMargin=1.5 * cm, bottomMargin=1.5 * cm,
        title=title, author=f"pressure {version}",
    )  # fmt: skip
    doc.build(story)
