"""A subject's sessions over time (``pressure.analysis.timeline``) as one standalone HTML page:
what was taken and how it was ordered, one small line chart per indicator, the sessions, then
every value with its change from the first session. The same policy and CSS as the comparison
page (``compare_page``): inline CSS, figures as PNG data URIs, no script, nothing fetched."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

from ..analysis.timeline import NO_INTERVALS
from .compare_page import _figure_html, _head, number
from .figures import _figure, _png

if TYPE_CHECKING:
    from ..analysis.timeline import Timeline, TimelineIndicator

LINE_COLOUR = "#1f5fa8"
#: the smallest height of a chart's value axis, as a fraction of the largest |value| drawn
MIN_SPAN = 0.1


def _times(t: Timeline) -> list[Any] | None:
    """Each session's start time (UTC, or local as given) as a naive datetime, or None when a
    session has none: then the charts are drawn over the session number."""
    import pandas as pd

    out = []
    for s in t.sessions:
        text = s.get("start_time_utc") or s.get("start_time_local")
        if not text:
            return None
        stamp = pd.Timestamp(text)
        if stamp.tzinfo is not None:
            stamp = stamp.tz_convert("UTC").tz_localize(None)
        out.append(stamp.to_pydatetime())
    return out


def _chart(d: TimelineIndicator, times: list[Any] | None) -> bytes | None:
    """The indicator's value per session in time order, as a small line chart; the first
    session's value as a dotted line. None when no session has a value."""
    points = [(k, v) for k, v in enumerate(d.values) if v is not None]
    if not points:
        return None
    fig = _figure(3.6, 2.1)
    ax = fig.subplots()
    x: list[Any] = [times[k] if times else k + 1 for k, _ in points]
    y = [v for _, v in points]
    ax.plot(x, y, "-o", color=LINE_COLOUR, ms=4, lw=1.2)
    if d.values[0] is not None:
        ax.axhline(d.values[0], color="#888888", lw=0.8, ls=":")
    if times:
        from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

        locator = AutoDateLocator(maxticks=5)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
        if len(set(x)) == 1:  # one instant: a day either side, so the axis has a width
            import datetime as dt

            ax.set_xlim(x[0] - dt.timedelta(days=1), x[0] + dt.timedelta(days=1))
    else:
        ax.set_xticks(range(1, len(d.values) + 1))
        ax.set_xlabel("session", fontsize=8)
    ax.set_title(f"{d.label} ({d.unit})" if d.unit else d.label, fontsize=8, wrap=True)
    ax.tick_params(labelsize=7)
    ax.margins(x=0.08)
    # at least MIN_SPAN of the largest value's size from bottom to top, so that a change of a
    # few thousandths does not fill the chart as if it were large
    low, high = min(y), max(y)
    span = max(high - low, MIN_SPAN * max(abs(low), abs(high)))
    if span > 0:
        mid = 0.5 * (low + high)
        ax.set_ylim(mid - 0.65 * span, mid + 0.65 * span)
    return _png(fig)


def _change(value: float | None, unit: str) -> str:
    if value is None:
        return "–"
    sign = "+" if value > 0 else ""
    return f"{sign}{number(value, unit)}"


def render(t: Timeline, title: str, version: str) -> str:
    """The page's HTML text."""
    n = len(t.sessions)
    first = t.sessions[0] if t.sessions else {}
    last = t.sessions[-1] if t.sessions else {}
    span = ""
    if first.get("start_time_utc") or first.get("start_time_local"):
        start = first.get("start_time_utc") or first.get("start_time_local")
        end = last.get("start_time_utc") or last.get("start_time_local")
        span = f", from {start} to {end}"
    who = f"Subject {t.subject}" if t.subject else "Every session (no subject named)"
    lead = f"{who}: {n} session{'s' if n != 1 else ''}{span}, ordered by {t.ordered_by}."
    parts = [*_head(title, "timeline"), f"<p>{escape(lead)}</p>"]
    parts.append(
        '<p class="note">Each value is the batch summary\'s value of one session; the change '
        "is from the first session. There are no confidence intervals here: a batch keeps no "
        "per-step data in its summary. To judge a change against the trial-to-trial noise, "
        "compare the session files with a repeat trial (<code>pressure compare A B --repeat "
        "A2</code>).</p>"
    )
    times = _times(t)
    charts = []
    for d in t.indicators:
        png = _chart(d, times)
        if png is None:
            continue
        moved = _change(d.change_from_first[-1], d.unit) if d.change_from_first else "–"
        caption = f"{d.label}: last session {moved} from the first (dotted line)"
        charts.append(f"<div>{_figure_html(png, d.label, caption)}</div>")
    if charts:
        parts.append("<h2>Over time</h2>")
        parts.append(f'<div class="cols">{"".join(charts)}</div>')
    parts.append("<h2>Sessions</h2>")
    rows = []
    for k, s in enumerate(t.sessions, 1):
        when = s.get("start_time_utc") or (
            f"{s['start_time_local']} (local)" if s.get("start_time_local") else "–"
        )
        cells = [
            str(k),
            escape(str(s.get("session_id") or "")),
            escape(when),
            escape(str(s.get("activity") or "–")),
            escape(str(s.get("format") or "–")),
            number(s.get("duration_s"), "s"),
        ]
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    head = "".join(
        f"<th>{h}</th>" for h in ("#", "session", "start time", "activity", "format", "duration")
    )
    parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")
    parts.append("<h2>All indicators</h2>")
    parts.append("<p>Each session's value, and in brackets its change from session 1.</p>")
    head = "".join(
        f"<th>{escape(h)}</th>" for h in ("indicator", "unit", *[str(k) for k in range(1, n + 1)])
    )
    rows = []
    for d in t.indicators:
        cells = [f"<td>{escape(d.label)}</td>", f"<td>{escape(d.unit)}</td>"]
        for k, (value, change) in enumerate(zip(d.values, d.change_from_first, strict=True)):
            text = number(value) if k == 0 else f"{number(value)} ({_change(change, '')})"
            cells.append(f'<td class="n">{escape(text)}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")
    notes = [note for note in t.notes if note != NO_INTERVALS]  # said above, in full
    if notes:
        parts.append("<ul>" + "".join(f"<li>{escape(note)}</li>" for note in notes) + "</ul>")
    if t.source:
        parts.append(f"<p>From {escape(t.source)}.</p>")
    parts.append(
        '<p class="note">These are measurement indicators, not a diagnosis. A change over time '
        "says that the measurement changed, not why, nor that the change is good, bad or "
        "lasting.</p>"
    )
    parts.append(f"<footer>pressure {escape(version)}</footer></body></html>")
    return "\n".join(parts)
