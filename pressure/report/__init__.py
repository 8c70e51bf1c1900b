"""Reports of one session: a standalone HTML page or an A4 PDF with the same content.

The content (``content.build``): session facts and data quality; the load shares against their
reference ranges; per-foot gait lines over the insole outline; force over the stance (mean ±
SD, left beside right); a peak-pressure map per foot; every indicator with its range and
source; the per-step table; the non-diagnostic note and the red flags; and what the file says
about itself. The HTML page needs no network and runs no script; every text a file brings is
escaped. matplotlib and reportlab are imported only when a report is drawn.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import UsageError
from ..io.atomic import write_output

if TYPE_CHECKING:
    from ..analysis import Analysis, AnalysisOptions
    from ..io.source import SessionSource
    from ..model import Session

SUFFIXES = (".html", ".htm", ".pdf")


def preload(pdf: bool = False) -> None:
    """Import what drawing a report uses (matplotlib; reportlab with ``pdf``), imported on
    first use; a batch calls this before forking its workers."""
    import matplotlib.backends.backend_agg
    import matplotlib.collections
    import matplotlib.figure
    import matplotlib.patches  # noqa: F401

    from . import content, figures, html  # noqa: F401

    if pdf:
        import reportlab.platypus  # noqa: F401

        from . import pdf as pdf_module  # noqa: F401


def write_report(
    source: Session | SessionSource | str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    analysis: Analysis | None = None,
    title: str | None = None,
    options: AnalysisOptions | None = None,
    overwrite: bool = True,
) -> Path:
    """Write a standalone report of one session: HTML, or an A4 PDF with the same content.

    The file appears whole or not at all (written beside and renamed).

    Parameters
    ----------
    source : Session or SessionSource or str or path
        The session, or a file ``load`` reads (read a chunk of frames at a time: a long
        recording's figures are drawn from a part of it, said in the report).
    out : str or path
        The report to write: HTML for ``.html``/``.htm``, PDF for ``.pdf``.
    analysis : Analysis, optional
        The session's analysis (default: computed here with ``options``).
    title : str, optional
        The report's title (default: the session's own name, or the file name).
    options : AnalysisOptions, optional
        For the analysis when it is not given; a time window in it cuts the session the
        figures draw, too.
    overwrite : bool
        Replace an existing ``out`` (default); False raises ``UsageError`` instead.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    PressureError
        For another suffix, or when the file cannot be written; ``FileFormatError`` when
        ``source`` cannot be read.
    """
    from .._version import __version__

    target = Path(out)
    suffix = target.suffix.lower()
    if suffix not in SUFFIXES:
        raise UsageError(
            f"{target}: a report is written as .html or .pdf, not {suffix or 'no suffix'!r}"
        )
    report = _content(source, analysis, title, options)
    if suffix == ".pdf":
        from . import pdf

        def write(path: Path) -> None:
            pdf.render(report, __version__, path)
    else:
        from . import html

        page = html.render(report, __version__)

        def write(path: Path) -> None:
            path.write_text(page, encoding="utf-8")

    write_output(target, write, overwrite=overwrite, what="report")
    return target


def report_html(
    source: Session | SessionSource | str | os.PathLike[str],
    *,
    analysis: Analysis | None = None,
    title: str | None = None,
    options: AnalysisOptions | None = None,
) -> str:
    """The HTML report ``write_report`` writes, as text (nothing is written): for a batch
    whose worker hands its reports back, and for a page served without a file. Parameters as
    ``write_report``'s."""
    from .._version import __version__
    from . import html

    return html.render(_content(source, analysis, title, options), __version__)


def report_pdf(
    source: Session | SessionSource | str | os.PathLike[str],
    *,
    analysis: Analysis | None = None,
    title: str | None = None,
    options: AnalysisOptions | None = None,
) -> bytes:
    """The PDF report ``write_report`` writes, as bytes (nothing is written): for a batch
    whose worker hands its reports back or writes them itself. Parameters as
    ``write_report``'s."""
    import io

    from .._version import __version__
    from . import pdf

    buffer = io.BytesIO()
    pdf.render(_content(source, analysis, title, options), __version__, buffer)
    return buffer.getvalue()


#: the figures draw a session whole up to this many sensor values (both feet: 32 MiB of
#: float64, 22 minutes of a 2 × 16-sensor insole at 100 Hz); a longer one is drawn from the
#: window of that size with the most steps used by the summary (``_figure_window``)
FIGURE_VALUES = 1 << 22


def _content(
    source: Session | SessionSource | str | os.PathLike[str],
    analysis: Analysis | None,
    title: str | None,
    options: AnalysisOptions | None,
) -> Any:
    from ..io.source import SessionSource, open_source

    if isinstance(source, (str, os.PathLike)):
        with open_source(source) as opened:
            return _content(opened, analysis, title, options)
    from ..analysis import analyze
    from . import content

    session = SessionSource.of(source) if not isinstance(source, SessionSource) else source
    if analysis is None and options is not None and options.windowed:
        # the figures draw the session: the window's part of it, as analysed
        session = session.window(options.start_s, options.end_s)
        options = replace(options, start_s=None, end_s=None)
    result = analysis if analysis is not None else analyze(session, options)
    cut = analysis.window_s if analysis is not None else None
    if cut is not None and "window_s" not in session.metadata:
        # an analysis of a window (a batch's): the figures draw the same window
        session = session.window(*cut)
    drawn = _figure_window(session, result)
    if drawn is None:
        return content.build(session, result, title, session.session(), result)
    window = session.window(*drawn)
    said = (
        f"{drawn[0]:.0f} to {drawn[1]:.0f} s of the recording, the "
        f"{(drawn[1] - drawn[0]) / 60:.0f} minutes with the most steps in the summary (the "
        "whole recording is too long to draw); the numbers and tables are the whole recording's"
    )
    return content.build(session, result, title, window.session(), analyze(window), said)


def _figure_window(session: SessionSource, analysis: Analysis) -> tuple[float, float] | None:
    """None when the session's values fit ``FIGURE_VALUES``; else the part the figures draw:
    a window holding that many values, placed where most of the summary's steps are."""
    values = sum(f.n_frames * max(1, f.n_sensors) for f in session.feet.values())
    if values <= FIGURE_VALUES:
        return None
    duration = session.duration_s
    width = duration * FIGURE_VALUES / values
    first = min(float(f.time_s[0]) for f in session.feet.values() if f.n_frames)
    steps = analysis.steps
    used = steps[steps["used"]] if "used" in steps and steps["used"].any() else steps
    strikes = used["heel_strike_s"].to_numpy(dtype=float) if len(used) else np.zeros(0)
    start = first
    if strikes.size:
        strikes = np.sort(strikes)
        inside = np.searchsorted(strikes, strikes + width) - np.arange(strikes.size)
        start = float(strikes[int(np.argmax(inside))])
    start = min(max(first, start), first + duration - width)
    return start, start + width


__all__ = ["SUFFIXES", "preload", "report_html", "report_pdf", "write_report"]
