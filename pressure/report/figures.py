"""The report's figures, drawn with matplotlib into PNG bytes.

Each function returns ``(png, None)`` or ``(None, why)``: the sentence shown in the figure's
place when the session cannot give it (no layout, no steps, one foot). Figures are
``matplotlib.figure.Figure`` objects rendered by the Agg canvas, never pyplot's global state,
so reports can be drawn in worker threads and processes. Feet are drawn seen from above, toes
up, in the foot frame of ``pressure.layout`` (``+x`` medial): a left foot with ``+x`` to the
right, a right foot with ``+x`` to the left. No text from the file goes into a figure.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from ..analysis.distribution import window_loads
from ..model import UNIT_TEXT, FootRecording, Session

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.collections import PatchCollection
    from matplotlib.figure import Figure

    from ..analysis import Analysis

FloatArray = npt.NDArray[np.float64]
SIDES = ("left", "right")
COLOURS = {"left": "#1f5fa8", "right": "#c0392b"}
STANCE_POINTS = 101  # 0, 1, ..., 100 % of stance
DPI = 150

Result = tuple[bytes | None, str | None]


def _figure(width_in: float, height_in: float) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=(width_in, height_in), dpi=DPI, layout="constrained")


def _png(fig: Figure) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    # The canvas's print_png draws the figure once, running its layout engine in the draw.
    # ``savefig`` would draw it twice (once without rendering, only for the layout): the same
    # PNG, byte for byte, for about 12 % more CPU (matplotlib 3.11, the bundled samples and the
    # shared data's formats). Unlike ``savefig`` it ignores the ``savefig.*`` rc settings: a
    # user's matplotlibrc does not change the report's DPI or background.
    buf = io.BytesIO()
    FigureCanvasAgg(fig).print_png(buf)
    return buf.getvalue()


def _mirror(side: str) -> float:
    """Plot x = sign · foot-frame x: medial to the right for a left foot, left for a right."""
    return 1.0 if side == "left" else -1.0


def stance_spans(foot: FootRecording, steps: pd.DataFrame, side: str) -> list[tuple[int, int]]:
    """Frame index spans [a, b) of the steps of ``side`` in ``steps``."""
    mine = steps[steps["side"] == side]
    a = np.searchsorted(foot.time_s, mine["heel_strike_s"].to_numpy(dtype=float), side="left")
    b = np.searchsorted(foot.time_s, mine["toe_off_s"].to_numpy(dtype=float), side="left")
    return [(int(i), int(j)) for i, j in zip(a, b, strict=True) if j - i >= 2]


def to_stance_pct(values: FloatArray) -> FloatArray | None:
    """``values`` over one stance resampled to 0..100 % of it (``STANCE_POINTS``), through its
    finite samples; None when fewer than two are finite."""
    ok = np.isfinite(values)
    if ok.sum() < 2:
        return None
    s = np.linspace(0.0, 100.0, len(values))
    return np.interp(np.linspace(0.0, 100.0, STANCE_POINTS), s[ok], values[ok])


def _outline(ax: Axes, foot: FootRecording, side: str) -> None:
    assert foot.layout is not None
    ring = np.vstack([foot.layout.outline_mm, foot.layout.outline_mm[:1]])
    ax.plot(_mirror(side) * ring[:, 0], ring[:, 1], color="0.55", lw=1.0)
    ax.set_aspect("equal")
    ax.set_xlabel("← lateral    medial →" if side == "left" else "← medial    lateral →")
    ax.set_xticks([])
    ax.set_ylabel("mm from the heel")
    ax.set_title(f"{side.capitalize()} foot")


def _no_positions(session: Session, what: str) -> str:
    """Why ``what`` cannot be drawn when no foot has sensor positions in millimetres."""
    units = {f.layout.coordinate_unit for f in session.feet.values() if f.layout is not None} - {
        "mm"
    }
    if units:
        return (
            f"No {what}: the file gives the sensor positions in {', '.join(sorted(units))} "
            "(arbitrary units), not millimetres, so they cannot be drawn to scale."
        )
    return f"No {what}: the file gives no sensor positions."


def _axes_per_foot(fig: Figure, n: int, **kw: Any) -> list[Axes]:
    axes = fig.subplots(1, n, squeeze=False, **kw)
    return list(axes[0])


def gait_lines(session: Session, analysis: Analysis) -> Result:
    """The centre of pressure of every step (thin) and their mean over the stance (thick) over
    the insole outline, per foot."""
    feet = [
        (side, f)
        for side, f in session.feet.items()
        if f.layout is not None and f.layout.coordinate_unit == "mm"
    ]
    if not feet:
        return None, _no_positions(session, "gait lines")
    steps = analysis.steps
    if not len(steps):
        return None, "No gait lines: no complete step was found (standing or too short)."
    cop = analysis.cop
    fig = _figure(3.2 * len(feet) + 0.4, 5.0)
    drawn = 0
    for ax, (side, foot) in zip(_axes_per_foot(fig, len(feet)), feet, strict=True):
        _outline(ax, foot, side)
        mine = cop[cop["side"] == side]
        t = mine["time_s"].to_numpy(dtype=float)
        x = mine["cop_ml_mm"].to_numpy(dtype=float) * _mirror(side)
        y = mine["cop_ap_mm"].to_numpy(dtype=float)
        curves = []
        for a, b in stance_spans(foot, steps, side):
            i, j = np.searchsorted(t, foot.time_s[a]), np.searchsorted(t, foot.time_s[b - 1]) + 1
            ax.plot(x[i:j], y[i:j], color=COLOURS[side], lw=0.5, alpha=0.35)
            rx, ry = to_stance_pct(x[i:j]), to_stance_pct(y[i:j])
            if rx is not None and ry is not None:
                curves.append((rx, ry))
        if curves:
            mx = np.mean([c[0] for c in curves], axis=0)
            my = np.mean([c[1] for c in curves], axis=0)
            ax.plot(
                mx,
                my,
                color="black",
                lw=2.2,
                label=f"mean of {len(curves)} step{'s' if len(curves) != 1 else ''}",
            )
            ax.plot(mx[0], my[0], "o", color="black", ms=4)
            ax.legend(loc="lower center", fontsize=7, frameon=False, bbox_to_anchor=(0.5, -0.02))
            drawn += 1
        else:
            ax.text(0.5, 0.5, "no steps", transform=ax.transAxes, ha="center")
    if not drawn:
        return None, "No gait lines: no step of a foot with sensor positions."
    return _png(fig), None


def pronation(session: Session, analysis: Analysis) -> Result:
    """Per foot, the step whose CPEI is the foot's median: its footprint (the loaded sensels'
    hull, or the insole outline), its CoP path, the chord from the first to the last CoP point,
    the distal-third line, and the CPEI: the chord's distance from the path on that line, over
    the footprint's width there (``analysis.footprint``; + lateral of the chord)."""
    from ..analysis.footprint import step_footprint

    steps = analysis.steps
    if not len(steps) or "cpei_pct" not in steps:
        return None, "No pronation figure: no complete step."
    cop = analysis.cop
    panels = []
    for side, foot in session.feet.items():
        mine = steps[(steps["side"] == side) & np.isfinite(steps["cpei_pct"].astype(float))]
        if foot.layout is None or foot.layout.coordinate_unit != "mm" or not len(mine):
            continue
        order = np.argsort(mine["cpei_pct"].to_numpy(dtype=float))
        step = mine.iloc[int(order[len(order) // 2])]
        a = int(np.searchsorted(foot.time_s, float(step["heel_strike_s"])))
        b = int(np.searchsorted(foot.time_s, float(step["toe_off_s"])))
        fp = step_footprint(foot.layout, foot.values[a:b])
        path = cop[(cop["side"] == side) & (cop["time_s"] >= foot.time_s[a])]
        path = path[path["time_s"] < foot.time_s[min(b, foot.n_frames - 1)]]
        x = path["cop_ml_mm"].to_numpy(dtype=float)
        y = path["cop_ap_mm"].to_numpy(dtype=float)
        ok = np.isfinite(x) & np.isfinite(y)
        if fp is None or ok.sum() < 2:
            continue
        panels.append((side, foot, fp, x[ok], y[ok], float(step["cpei_pct"])))
    if not panels:
        return None, "No pronation figure: no step with a CPEI and sensor positions."
    fig = _figure(3.2 * len(panels) + 0.4, 5.0)
    for ax, (side, foot, fp, x, y, cpei) in zip(
        _axes_per_foot(fig, len(panels)), panels, strict=True
    ):
        m = _mirror(side)
        _outline(ax, foot, side)
        hull = fp.hull_mm
        ax.fill(m * hull[:, 0], hull[:, 1], color="0.9", zorder=0, label="footprint")
        ax.plot(m * x, y, color=COLOURS[side], lw=1.6, label="CoP path")
        ax.plot(m * x[[0, -1]], y[[0, -1]], "--", color="black", lw=1.0, label="chord")
        line = fp.distal_third_y_mm
        half = fp.width_at(line) / 2 if np.isfinite(fp.width_at(line)) else 50.0
        centre = float(np.mean(hull[:, 0]))
        ax.plot(
            m * np.array([centre - half, centre + half]), [line, line], ":", color="0.3", lw=1.0,
            label="distal third",
        )  # fmt: skip
        k = int(np.searchsorted(y, line))
        if 0 < k < y.size:
            x_path = x[k - 1] + (line - y[k - 1]) * (x[k] - x[k - 1]) / (y[k] - y[k - 1])
            x_chord = x[0] + (line - y[0]) * (x[-1] - x[0]) / (y[-1] - y[0])
            ax.plot(m * np.array([x_path, x_chord]), [line, line], color="#b03a2e", lw=3.0)
        ax.set_title(f"{side.capitalize()} foot: CPEI {cpei:.1f} %")
        ax.legend(loc="lower center", fontsize=6.5, frameon=False, bbox_to_anchor=(0.5, -0.02))
    return _png(fig), None


def _analysed_load(analysis: Analysis, foot: FootRecording, side: str) -> tuple[FloatArray, str]:
    """The load per frame the analysis used for ``side`` (readings cleaned as for the CoP and
    the steps) and its unit; the foot's plain total when the analysis has no such column."""
    mine = analysis.cop[analysis.cop["side"] == side]
    columns = [c for c in mine.columns if c.startswith("load_")]
    if columns and len(mine) == foot.n_frames:
        return mine[columns[0]].to_numpy(dtype=float), columns[0].removeprefix("load_")
    return foot.load()


def force_curves(session: Session, analysis: Analysis) -> Result:
    """Each foot's load over the stance, normalised to 0–100 % of stance: mean ± SD of the
    steps, left beside right on one load scale."""
    steps = analysis.steps
    if not len(steps):
        return None, "No force curves: no complete step was found (standing or too short)."
    feet = [(side, f) for side, f in session.feet.items() if (steps["side"] == side).any()]
    fig = _figure(3.4 * len(feet) + 0.4, 3.0)
    axes = _axes_per_foot(fig, len(feet), sharey=True)
    s = np.linspace(0.0, 100.0, STANCE_POINTS)
    for ax, (side, foot) in zip(axes, feet, strict=True):
        load, unit = _analysed_load(analysis, foot, side)
        curves = [
            c
            for a, b in stance_spans(foot, steps, side)
            if (c := to_stance_pct(load[a:b])) is not None
        ]
        ax.set_title(
            f"{side.capitalize()} foot ({len(curves)} step{'s' if len(curves) != 1 else ''})"
        )
        ax.set_xlabel("% of stance")
        ax.grid(alpha=0.3)
        if not curves:
            continue
        arr = np.array(curves)
        mean = arr.mean(axis=0)
        if len(arr) > 1:
            sd = arr.std(axis=0, ddof=1)
            ax.fill_between(
                s, mean - sd, mean + sd, color=COLOURS[side], alpha=0.25, label="± 1 SD"
            )
        ax.plot(s, mean, color=COLOURS[side], lw=2, label="mean" if len(arr) > 1 else "the step")
        ax.legend(fontsize=7, frameon=False)
        ax.set_ylabel(f"load ({UNIT_TEXT.get(unit, unit)})")
    return _png(fig), None


def peak_pressure_map(session: Session) -> Result:
    """Each sensor's highest reading in the recording, at its position over the outline, as a
    square of the sensor's area (exact for grids, an equal-area stand-in for other shapes)."""
    feet = [
        (side, f)
        for side, f in session.feet.items()
        if f.layout is not None and f.layout.coordinate_unit == "mm" and f.n_frames
    ]
    if not feet:
        return None, _no_positions(session, "peak-pressure map")
    import matplotlib

    peaks: dict[str, FloatArray] = {}
    units: dict[str, str] = {}
    for side, f in feet:
        v = np.where(np.isfinite(f.values), f.values, -np.inf).max(axis=0)
        peaks[side], units[side] = _as_pressure(np.where(np.isfinite(v), v, np.nan), f)
    tops = {side: float(np.nanmax(p)) if np.isfinite(p).any() else 0.0 for side, p in peaks.items()}
    if not max(tops.values()) > 0:
        return None, "No peak-pressure map: no sensor ever read above zero."
    shared = len(set(units.values())) == 1  # one colour scale when the feet share a unit
    fig = _figure(3.0 * len(feet) + 1.0 * (1 if shared else len(feet)), 5.0)
    axes = _axes_per_foot(fig, len(feet))
    cmap = matplotlib.colormaps["turbo"].with_extremes(bad="0.92")
    collection = None
    for ax, (side, f) in zip(axes, feet, strict=True):
        _outline(ax, f, side)
        collection = sensor_squares(ax, f, side, cmap, edgecolor="none")
        value = np.clip(peaks[side], 0.0, None)
        collection.set_array(np.ma.masked_where(~(value > 0), value))
        top = max(tops.values()) if shared else tops[side]
        collection.set_clim(0.0, top if top > 0 else 1.0)
        ax.autoscale_view()
        if not shared:
            fig.colorbar(collection, ax=ax, shrink=0.8, label=f"peak ({_unit(units[side])})")
    if shared and collection is not None:
        label = f"peak ({_unit(next(iter(units.values())))})"
        fig.colorbar(collection, ax=axes, shrink=0.8, label=label)
    return _png(fig), None


def sensor_squares(
    ax: Axes, foot: FootRecording, side: str, cmap: Any, **style: Any
) -> PatchCollection:
    """The foot's sensors as squares of their areas at their positions (made smaller where
    they would overlap a neighbour, ``_half_sides_mm``), seen from above, added to ``ax`` as
    one collection coloured by ``cmap``; ``style``: the collection's edge colour and width."""
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import Rectangle

    layout = foot.layout
    assert layout is not None
    half = _half_sides_mm(layout.x_mm, layout.y_mm, layout.area_mm2)
    rects = [
        Rectangle((xi - h, yi - h), 2 * h, 2 * h)
        for xi, yi, h in zip(_mirror(side) * layout.x_mm, layout.y_mm, half, strict=True)
    ]
    collection = PatchCollection(rects, cmap=cmap, **style)
    ax.add_collection(collection)
    return collection


def _unit(unit: str) -> str:
    return UNIT_TEXT.get(unit, unit)


def _as_pressure(peak: FloatArray, foot: FootRecording) -> tuple[FloatArray, str]:
    """Peak readings as pressure in kPa where the unit allows (a force per sensor over the
    sensor's area; N/cm² is 10 kPa), else unchanged in their own unit."""
    layout = foot.layout
    if foot.unit == "kpa":
        return peak, "kpa"
    if foot.unit == "n_cm2":
        return peak * 10.0, "kpa"
    if foot.unit == "n" and layout is not None and np.all(layout.area_mm2 > 0):
        return peak / layout.area_mm2 * 1000.0, "kpa"  # N/mm² = MPa
    return peak, foot.unit


def _half_sides_mm(x_mm: FloatArray, y_mm: FloatArray, area_mm2: FloatArray) -> FloatArray:
    """Half the side of each sensor's square: a square of the sensor's area, made smaller
    where it would reach past half the distance to the nearest other sensor (so that squares
    never overlap, on sparse insoles with large sensors or on grids whose cells are not
    square)."""
    from scipy.spatial import cKDTree

    half = np.sqrt(np.asarray(area_mm2, dtype=float)) / 2.0
    xy = np.column_stack([x_mm, y_mm])
    if len(xy) < 2:
        return half
    # two squares of half side h, centres d apart in the larger of |Δx| and |Δy| (the
    # Chebyshev distance), do not overlap when 2h ≤ d
    nearest, _ = cKDTree(xy).query(xy, k=2, p=np.inf)
    return np.minimum(half, nearest[:, 1] / 2.0)


def shares(analysis: Analysis) -> Result:
    """Left/right, forefoot/rearfoot and medial/lateral shares as bars on 0–100 %, with the
    reference band shaded where a published range exists."""
    d = analysis.summary["distribution"]
    refs = {row["name"]: row for row in analysis.summary["indicators"]}
    rows: list[tuple[str, float | None, str, tuple[float | None, float | None]]] = []
    left = refs.get("left_share_pct", {})
    rows.append(
        (
            "left share of both feet",
            d.get("left_share_pct"),
            "left",
            (left.get("reference_low"), left.get("reference_high")),
        )
    )
    for key, label in (
        ("forefoot_share_pct", "forefoot share"),
        ("medial_share_pct", "medial share"),
    ):
        for side in SIDES:
            rows.append((f"{label}, {side}", d.get(key, {}).get(side), side, (None, None)))
    if all(value is None for _, value, _, _ in rows):
        if analysis.summary["activity"] in ("walking", "running", "roll_off") and not len(
            analysis.steps
        ):
            return None, (
                "No load shares: they are taken over the stances of complete steps, and "
                "this walk has none."
            )
        return None, "No load shares: the loads are uncalibrated or the feet have no layout."
    fig = _figure(6.4, 0.42 * len(rows) + 0.9)
    ax = fig.subplots()
    ypos = np.arange(len(rows))[::-1]
    for yi, (_label, value, side, (low, high)) in zip(ypos, rows, strict=True):
        if value is None:
            ax.text(1, yi, "not available", va="center", fontsize=8, color="0.4")
        else:
            ax.barh(yi, value, height=0.55, color=COLOURS[side])
        if low is not None and high is not None:  # over the bar, so the bar cannot hide it
            ax.fill_betweenx(
                [yi - 0.42, yi + 0.42], low, high, facecolor="#2e8b57", alpha=0.35,
                edgecolor="#1b5e20", lw=1.0, ls="--", zorder=3,
            )  # fmt: skip
        if value is None:
            continue
        ax.text(value + 1, yi, f"{value:.1f} %", va="center", fontsize=8)
    ax.axvline(50, color="0.4", lw=0.8, ls=":")
    ax.set_yticks(ypos, [r[0] for r in rows], fontsize=8)
    ax.set_xlim(0, 100)
    ax.set_xlabel("% of the load (shaded: published reference range, where one exists)")
    return _png(fig), None


def sway(analysis: Analysis) -> Result:
    """Standing: each foot's centre of pressure around its mean (foot frame, mm; medial to
    the right for both feet) and the left foot's share of the load over time (1 s windows)."""
    cop = analysis.cop
    if "cop_ml_mm" not in cop or not len(cop):
        return None, "No sway figure: the feet have no sensor positions in mm."
    fig = _figure(7.5, 3.4)
    paths, share_ax = fig.subplots(1, 2, width_ratios=[1, 1.4])
    for side in SIDES:
        mine = cop[cop["side"] == side]
        x = _mirror(side) * mine["cop_ml_mm"].to_numpy(dtype=np.float64)
        y = mine["cop_ap_mm"].to_numpy(dtype=np.float64)
        ok = np.isfinite(x) & np.isfinite(y)
        if ok.sum() > 1:
            paths.plot(
                x[ok] - x[ok].mean(), y[ok] - y[ok].mean(), lw=0.6, color=COLOURS[side],
                label=side,
            )  # fmt: skip
    paths.set_aspect("equal", adjustable="datalim")
    paths.set_xlabel("medial → (mm from the mean)")
    paths.set_ylabel("toe ↑ (mm from the mean)")
    paths.legend(fontsize=7)
    t = cop["time_s"].to_numpy(dtype=np.float64)
    edges = np.arange(float(t.min()), float(t.max()) + 1e-9, 1.0)
    loads = window_loads(cop, edges)  # (left, right) per second
    total = loads.sum(axis=1)
    ok = np.isfinite(total) & (total > 0)
    if ok.any():
        share = 100 * loads[ok, 0] / total[ok]
        share_ax.plot(edges[:-1][ok], share, "-o", ms=2.5, color=COLOURS["left"])
        share_ax.axhline(50, color="0.4", lw=0.8, ls=":")
        share_ax.set_ylim(min(40.0, float(share.min()) - 2), max(60.0, float(share.max()) + 2))
    share_ax.set_xlabel("time (s)")
    share_ax.set_ylabel("left foot's share of the load (%)")
    return _png(fig), None


def all_figures(session: Session, analysis: Analysis) -> Sequence[tuple[str, str, Result]]:
    """(title, caption, result) of every figure, in the order shown: a walk's gait lines and
    force curves, a standing session's sway instead."""
    load_shares = (
        "Load shares",
        "Shares of the load over the stances (walking) or loaded frames (standing). The "
        "dotted line is an even split; the shaded band is the published reference range "
        "(see Indicators), shown only where one exists.",
        shares(analysis),
    )
    peak = (
        "Peak pressure",
        "Each sensor's highest reading in the recording at its position, as pressure "
        "(kPa) where the file's unit allows, drawn as a square of the sensor's area, "
        "made smaller where it would overlap a neighbour: a picture of where the load "
        "went, not of the sensors' true shapes. Grey: never loaded.",
        peak_pressure_map(session),
    )
    if analysis.activity == "standing":
        return (
            load_shares,
            (
                "Sway",
                "Left: each foot's centre of pressure around its mean over the session, seen "
                "from above. Right: the left foot's share of the load in each second; the "
                "dotted line is an even split.",
                sway(analysis),
            ),
            peak,
        )
    return (
        load_shares,
        (
            "Gait lines",
            "Centre of pressure of every step (thin) and their mean over the stance (thick, "
            "the dot marks heel strike), over the insole outline, seen from above.",
            gait_lines(session, analysis),
        ),
        (
            "Pronation and supination",
            "The foot's median step by CPEI: its CoP path (colour), the chord from its first to "
            "its last point (dashed), the distal-third line of the footprint (dotted) and, in "
            "red, the chord's distance from the path there: the CPEI, as a percentage of the "
            "footprint's width (+: the path runs lateral of the chord, the supination "
            "direction; smaller: the pronation direction). A description of the step, not a "
            "diagnosis.",
            pronation(session, analysis),
        ),
        (
            "Force over the stance",
            "Each foot's load from heel strike (0 %) to toe off (100 %): mean of the steps "
            "and ± 1 standard deviation, both feet on one scale.",
            force_curves(session, analysis),
        ),
        peak,
    )
