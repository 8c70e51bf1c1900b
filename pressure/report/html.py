"""The report as one standalone HTML page: inline CSS, figures as PNG data URIs, no script,
nothing fetched. Every string is escaped with ``html.escape``."""

from __future__ import annotations

import base64
from html import escape

from .content import FINDING_LEGEND, FINDING_MARKS, ReportContent

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#222;
max-width:1050px;margin:1.5em auto;padding:0 1em;line-height:1.4}
h1{font-size:1.5em;margin-bottom:.2em;overflow-wrap:anywhere}
h2{font-size:1.15em;border-bottom:1px solid #ccc;padding-bottom:.15em;margin-top:1.6em}
.note{background:#fff8e1;border-left:4px solid #f0ad00;padding:.6em .9em;margin:1em 0}
.flags{background:#fdecea;border-left:4px solid #c0392b;padding:.6em .9em;margin:1em 0}
.flags ul{margin:.3em 0 .2em 1.2em;padding:0}
table{border-collapse:collapse;font-size:.85em;margin:.4em 0}
th,td{border:1px solid #ddd;padding:.2em .45em;text-align:left;vertical-align:top;
overflow-wrap:break-word}
.kv td{overflow-wrap:anywhere}
th{background:#f2f2f2}
td.n{text-align:right;font-variant-numeric:tabular-nums}
tr.unused td{color:#888}
.kv th{width:16em;font-weight:normal;background:#fafafa}
figure{margin:1em 0}
figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:.85em;color:#555}
.missing{color:#666;font-style:italic;border:1px dashed #bbb;padding:.6em}
.cols{display:flex;flex-wrap:wrap;gap:1.5em}.cols>div{flex:1 1 420px}
footer{margin-top:2em;font-size:.8em;color:#777}
.facts{color:#555;margin-top:0}
ul.findings{list-style:none;padding-left:0}ul.findings li{margin:.25em 0}
.mark{display:inline-block;width:1.2em;font-weight:bold}
li.outside{font-weight:600}
.legend{font-size:.8em;color:#555}
details summary{cursor:pointer;color:#444}
@media print{details>*{display:block}}
"""


def _kv(rows: list[tuple[str, str]]) -> str:
    body = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in rows)
    return f'<table class="kv">{body}</table>'


def _is_number(text: str) -> bool:
    try:
        float(text.split()[0])
    except (ValueError, IndexError):
        return False
    return True


def _table(header: list[str], rows: list[list[str]], row_class: list[str] | None = None) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    out = []
    for i, row in enumerate(rows):
        cls = f' class="{row_class[i]}"' if row_class and row_class[i] else ""
        cells = "".join(
            f'<td class="n">{escape(c)}</td>' if _is_number(c) else f"<td>{escape(c)}</td>"
            for c in row
        )
        out.append(f"<tr{cls}>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(out)}</tbody></table>"


def _findings(c: ReportContent) -> str:
    if not c.findings:
        return "<p>No indicator could be computed for this session (see the notes below).</p>"
    items = []
    for sentence, where in c.findings:
        mark, kind, colour = FINDING_MARKS[where]
        items.append(
            f'<li class="{kind}"><span class="mark" style="color:{colour}">{mark}</span> '
            f"{escape(sentence)}</li>"
        )
    legend = " ".join(
        f'<span style="color:{colour}">{symbols}</span> {escape(meaning)}'
        for symbols, meaning, colour in FINDING_LEGEND
    )
    return f'<ul class="findings">{"".join(items)}</ul><p class="legend">{legend}</p>'


def render(c: ReportContent, version: str) -> str:
    """The page's HTML text: the findings first, the figures next, then the regional table,
    the indicators with their sources, the steps, the data quality in plain words (the
    counters behind a fold), the session's facts, and the short non-diagnostic note last."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        # no script, no fetch: the page shows only what is inline
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "img-src data:; style-src 'unsafe-inline'\">",
        f"<title>{escape(c.title)} · pressure report</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>{escape(c.title)}</h1>",
        f'<p class="facts">{escape(_one_line_facts(c))}</p>',
        "<h2>Findings</h2>",
        _findings(c),
    ]
    for fig in c.figures:
        parts.append(f"<h2>{escape(fig.title)}</h2>")
        if fig.png is None:
            parts.append(f'<p class="missing">{escape(fig.missing or "")}</p>')
            continue
        data = base64.b64encode(fig.png).decode("ascii")
        parts.append(
            f'<figure><img src="data:image/png;base64,{data}" alt="{escape(fig.title)}">'
            f"<figcaption>{escape(fig.caption)}</figcaption></figure>"
        )
    if c.balance:
        parts.append("<h2>Standing balance</h2>")
        parts.append(
            "<p>Sway of the centre of pressure while standing (low-pass filtered; AP: front to "
            "back, ML: side to side). No reference range is given: published values depend on "
            "the stance, the eyes open or closed, the duration and the device.</p>"
        )
        parts.append(_kv(c.balance))
    if c.region_rows:
        parts.append("<h2>Regions</h2>")
        parts.append(
            "<p>Per foot region of the insole's layout, over the whole session.</p>"
            + _table(c.region_header, c.region_rows)
        )
    parts.append("<h2>Indicators and their sources</h2>")
    parts.append(
        "<p>Each value beside one study's range; <em>compared</em> says whether it lies below, "
        "within or above that range, not what it means for this person.</p>"
    )
    parts.append(_table(c.indicator_header, c.indicator_rows))
    if c.walking:
        parts.append(f"<h2>Steps ({len(c.step_rows)})</h2>")
        if c.step_rows:
            used = c.step_header.index("used")
            classes = ["" if row[used] == "yes" else "unused" for row in c.step_rows]
            parts.append(
                "<p>Grey rows are not used for the stride statistics (a foot's first and last "
                "stride, turns, pauses, outliers).</p>"
            )
            parts.append(_table(c.step_header, c.step_rows, classes))
        else:
            parts.append('<p class="missing">No complete step in this session.</p>')
    parts.append("<h2>Data quality</h2>")
    parts.append("<ul>" + "".join(f"<li>{escape(q)}</li>" for q in c.quality_said) + "</ul>")
    if c.problems:
        items = "".join(f"<li>{escape(p)}</li>" for p in c.problems)
        parts.append(f"<p>Notes from the analysis:</p><ul>{items}</ul>")
    parts.append(f"<details><summary>The counters</summary>{_kv(c.quality)}</details>")
    parts.append("<h2>Session</h2>")
    parts.append(_kv(c.facts))
    parts.append(
        "<details><summary>What the file says about itself</summary>"
        + (_kv(c.about_file) if c.about_file else "<p>Nothing.</p>")
        + "</details>"
    )
    parts.append(f'<p class="note">{escape(c.note)}</p>')
    parts.append(f"<footer>pressure {escape(version)}</footer></body></html>")
    return "\n".join(parts)


def _one_line_facts(c: ReportContent) -> str:
    """The session in one line under the title: duration, activity, sampling rate."""
    facts = dict(c.facts)
    said = [facts.get(k) for k in ("activity", "duration", "sampling rate", "format")]
    return " · ".join(v for v in said if v)
