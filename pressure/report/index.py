"""A batch's ``index.html``: one page listing every session with its key indicators, each
linked to its report when the batch made them, and the sessions that failed with their error.

Like the session report: one standalone page, inline CSS, no script, nothing fetched (the
same Content-Security-Policy), every string escaped. The rows are the batch's flat summary rows
(``pressure.batch.flatten``: dotted names), so an index can be drawn from kept results too.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any
from urllib.parse import quote

from ..display import num
from .content import FINDING_MARKS
from .html import CSS

#: the columns of the sessions' table: (heading, flat-row key, format, the indicator whose
#: comparison with its reference range marks the cell, or None)
COLUMNS: tuple[tuple[str, str, str, str | None], ...] = (
    ("left share (%)", "distribution.left_share_pct", ".1f", "left_share_pct"),
    ("symmetry index (%)", "distribution.symmetry_index_pct", ".1f", "symmetry_index_pct"),
    ("cadence (steps/min)", "gait.cadence_steps_per_min", ".1f", "cadence_steps_per_min"),
    ("mean stance force L (N)", "distribution.mean_stance_force_n.left", ".0f", None),
    ("mean stance force R (N)", "distribution.mean_stance_force_n.right", ".0f", None),
    ("CPEI L (%)", "pronation.cpei_pct.left", ".1f", "cpei_pct.left"),
    ("CPEI R (%)", "pronation.cpei_pct.right", ".1f", "cpei_pct.right"),
)
#: the tables a batch writes beside the index, linked from it
TABLES = ("summary.csv", "quality.csv", "steps.parquet", "errors.csv", "skipped.csv")
MISSING = "–"

INDEX_CSS = """
body{max-width:none}
td.out{background:#fdecea}
.legend{font-size:.85em;color:#555}
"""


def _value(row: Mapping[str, Any], key: str) -> Any:
    value = row.get(key)
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _number_cell(row: Mapping[str, Any], key: str, fmt: str, indicator: str | None) -> str:
    value = _value(row, key)
    if value is None:
        return f'<td class="n">{MISSING}</td>'
    text = num(value, fmt)
    comparison = _value(row, f"indicator.{indicator}.comparison") if indicator else None
    if comparison in ("above", "below"):
        mark = FINDING_MARKS[str(comparison)][0]
        return (
            f'<td class="n out" title="{escape(str(comparison))} the reference range">'
            f"{escape(text)} {mark}</td>"
        )
    return f'<td class="n">{escape(text)}</td>'


def _problems(row: Mapping[str, Any]) -> int:
    """How many notes the analysis made (the flat row joins them with "; ")."""
    text = _value(row, "problems")
    return len(str(text).split("; ")) if text else 0


def render_index(
    *,
    title: str,
    rows: Sequence[Mapping[str, Any]],
    failed: Sequence[tuple[str, str]],
    skipped: int,
    links: Mapping[str, str],
    version: str,
) -> str:
    """The page's HTML text.

    Parameters
    ----------
    title : str
        What the batch read (its folder's name).
    rows : sequence of mappings
        The sessions analysed, in order: flat summary rows (``session_id``, ``format``,
        ``activity``, dotted analysis keys).
    failed : sequence of (str, str)
        The sessions that failed: (session id, the error in one line).
    skipped : int
        How many files were not sessions (``skipped.csv`` lists them).
    links : mapping
        Session id to its report, a path relative to the index (``reports/x.html``); a
        session without one is not linked.
    version : str
        The package version, for the footer.
    """
    from ..analysis.indicators import NOTE

    head = "".join(
        f"<th>{escape(h)}</th>"
        for h in ("session", "format", "activity", *(c[0] for c in COLUMNS), "problems")
    )
    body = []
    for row in rows:
        sid = str(row.get("session_id", ""))
        link = links.get(sid)
        name = (
            f'<a href="{escape(quote(link), quote=True)}">{escape(sid)}</a>'
            if link
            else escape(sid)
        )
        cells = [
            f"<td>{name}</td>",
            f"<td>{escape(str(_value(row, 'format') or MISSING))}</td>",
            f"<td>{escape(str(_value(row, 'activity') or MISSING))}</td>",
            *(_number_cell(row, key, fmt, ind) for _, key, fmt, ind in COLUMNS),
            f'<td class="n">{_problems(row)}</td>',
        ]
        body.append(f"<tr>{''.join(cells)}</tr>")
    counts = (
        f"{len(rows) + len(failed)} sessions ({len(failed)} failed); "
        f"{skipped} files skipped (not sessions)."
    )
    tables = ", ".join(f'<a href="{quote(t)}">{escape(t)}</a>' for t in TABLES)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        # no script, no fetch: the page shows only what is inline (links are followed, not
        # fetched)
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'\">",
        f"<title>{escape(title)} · pressure batch</title>",
        f"<style>{CSS}{INDEX_CSS}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        f'<p class="note">{escape(NOTE)}</p>',
        f"<p>{escape(counts)} Tables: {tables}.</p>",
        f"<h2>Sessions ({len(rows)})</h2>",
    ]
    if rows:
        parts.append(
            '<p class="legend">Values as in each session\'s report (walking: means over the used '
            "steps). ▲ / ▼: above / below one study's reference range (the report names it), "
            "not a finding about the person."
            + ("" if links else " No reports were made in this run (--report).")
            + "</p>"
        )
        parts.append(
            f'<table class="sessions"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table>"
        )
    else:
        parts.append('<p class="missing">No session was analysed.</p>')
    if failed:
        parts.append(f"<h2>Failed ({len(failed)})</h2>")
        items = "".join(
            f"<tr><td>{escape(sid)}</td><td>{escape(error)}</td></tr>" for sid, error in failed
        )
        parts.append(
            f"<table><thead><tr><th>session</th><th>error</th></tr></thead>"
            f"<tbody>{items}</tbody></table>"
        )
    parts.append(f"<footer>pressure {escape(version)}</footer></body></html>")
    return "\n".join(parts)


__all__ = ["render_index"]
