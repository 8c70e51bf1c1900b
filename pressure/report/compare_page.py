"""A comparison of sessions (``pressure.analysis.compare``) as one standalone HTML page: the
findings first (each indicator whose difference exceeds the noise, or every difference when no
repeat trial was given), then the figures, then the whole table. Inline CSS, figures as PNG data
URIs, no script, nothing fetched (the same policy as the single-session report)."""

from __future__ import annotations

import base64
from html import escape
from typing import TYPE_CHECKING

import numpy as np

from .figures import COLOURS, _figure, _mirror, _png
from .html import CSS

if TYPE_CHECKING:
    from ..analysis.compare import Comparison, Difference

#: a colour per condition (the first the reference), distinguishable in grey print by marker
CONDITION_COLOURS = ("#444444", "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b")
MARKERS = ("o", "s", "^", "D", "v", "P")


def _number(value: float | None, unit: str = "") -> str:
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
        f" (95 % CI {_number(d.ci95_low)} to {_number(d.ci95_high)})"
        if d.ci95_low is not None
        else ""
    )
    verdict = {
        True: "larger than the trial-to-trial noise",
        False: "within the trial-to-trial noise",
        None: "",
    }[d.exceeds_noise]
    values = ", ".join(f"{k} {_number(v, d.unit)}" for k, v in d.conditions.items())
    tail = f"; {verdict}" if verdict else ""
    return f"{d.label}: {values}; {d.compared} = {_number(d.difference, d.unit)}{ci}{tail}."


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

    units = [condition_units(a) for a in c.analyses]
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


def render(c: Comparison, title: str, version: str) -> str:
    """The page's HTML text."""
    judged = [d for d in c.indicators if d.exceeds_noise is not None]
    if judged:
        findings = [d for d in judged if d.exceeds_noise]
        lead = (
            f"{len(findings)} of {len(judged)} indicators changed by more than the "
            "trial-to-trial noise of the repeat trial:"
            if findings
            else f"None of the {len(judged)} indicators changed by more than the "
            "trial-to-trial noise of the repeat trial."
        )
    else:
        findings = [d for d in c.indicators if d.ci95_low is not None]
        lead = "No repeat trial was given: the differences below are not judged against noise."
    parts = [
        *_head(title, "comparison"),
        "<h2>Findings</h2>",
        f"<p>{escape(lead)}</p>",
        "<ul>" + "".join(f"<li>{escape(_finding(d))}</li>" for d in findings) + "</ul>",
    ]
    conditions = "".join(
        f"<tr><td>{escape(str(k['label']))}</td><td>{escape(str(k['file']))}</td>"
        f"<td>{escape(str(k['activity']))}</td><td>{escape(str(k['steady_steps']))}</td></tr>"
        for k in c.conditions
    )
    figures = (
        ("Centre-of-pressure paths", _cop_paths(c), "every frame's CoP per condition"),
        ("Step to step", _distributions(c), "one point per stride, window or steady step; "
         "the bar is the condition's value"),
        ("Regional peak pressure", _regional(c), "compared condition minus the reference"),
    )  # fmt: skip
    for name, png, caption in figures:
        if png is not None:
            parts.append(f"<h2>{escape(name)}</h2>{_figure_html(png, name, caption)}")
    parts.append("<h2>Conditions</h2>")
    parts.append(
        "<table><thead><tr><th>label</th><th>file</th><th>activity</th><th>steady steps"
        f"</th></tr></thead><tbody>{conditions}</tbody></table>"
    )
    if c.repeat:
        parts.append(f"<p>Repeat trial of {escape(c.reference)}: {escape(c.repeat)}.</p>")
    head = "".join(
        f"<th>{escape(h)}</th>"
        for h in ("indicator", "unit", *[str(k["label"]) for k in c.conditions], "compared",
                  "difference", "95 % CI", "SDC", "exceeds noise")
    )  # fmt: skip
    rows = []
    for d in c.indicators:
        cells = [
            escape(d.label),
            escape(d.unit),
            *[_number(d.conditions.get(str(k["label"]))) for k in c.conditions],
            escape(d.compared),
            _number(d.difference),
            f"{_number(d.ci95_low)} to {_number(d.ci95_high)}" if d.ci95_low is not None else "–",
            _number(d.sdc),
            {True: "yes", False: "no", None: "–"}[d.exceeds_noise],
        ]
        rows.append("<tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>")
    parts.append("<h2>All indicators</h2>")
    parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")
    parts.append(f"<p>Method: {escape(c.method)}.</p>")
    if c.notes:
        parts.append("<ul>" + "".join(f"<li>{escape(n)}</li>" for n in c.notes) + "</ul>")
    parts.append(
        '<p class="note">These are measurement indicators, not a diagnosis. A difference '
        "larger than the noise says that the measurement changed between the conditions, "
        "not that the change is good, bad or lasting.</p>"
    )
    parts.append(f"<footer>pressure {escape(version)}</footer></body></html>")
    return "\n".join(parts)
