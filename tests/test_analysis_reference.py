"""The analyses against reference data nobody on this project made (../shared/data).

* PhysioNet gaitndd (Hausdorff et al. 2000): the authors' per-stride table (.ts).
* Moticon OpenGo: the vendor software's step events and its gait report (.xlsx).
* PhysioNet gaitpdb: the authors' per-foot total force columns.

The figures are printed (``pytest -s``) and quoted in the README.
"""

from __future__ import annotations

import numpy as np
import pytest

from pressure import load
from pressure.analysis import analyze, detect_events
from pressure.layouts_builtin import foot_to_moticon_norm

from .conftest import shared_data

GAITNDD_GROUPS = {
    "control": ("control1", "control2", "control3", "control4"),
    "hunt": ("hunt1", "hunt2", "hunt3", "hunt4"),
    "park": ("park1", "park2", "park3", "park4"),
    "als": ("als1", "als2", "als3", "als4"),
}


def _gaitndd_agreement(record: str) -> tuple[int, int, int]:
    """(authors' strides, strides within 20 ms, stances within 50 ms) of the left foot.

    Each row of the authors' table is located by its heel-strike time (column 1): our heel
    strike nearest to it, within 100 ms. Our stride is that heel strike minus our previous
    one (column 2); our stance is the toe off after that previous heel strike minus it
    (column 8). A row we cannot locate counts as a miss.
    """
    session = load(shared_data("gaitndd", f"{record}.hea"))
    foot = session.left
    assert foot is not None
    load_, unit = foot.load()
    events = detect_events(load_, foot.sampling_rate_hz, physical_zero=unit != "raw")
    hs = foot.time_s[events.heel_strike]
    to = foot.time_s[events.toe_off]
    table = session.metadata["reference_strides"]
    strides_ok = stances_ok = 0
    for row in table:
        j = int(np.argmin(np.abs(hs - row[0])))
        if abs(hs[j] - row[0]) > 0.1 or j == 0:
            continue
        if abs((hs[j] - hs[j - 1]) - row[1]) <= 0.020:
            strides_ok += 1
        k = int(np.searchsorted(to, hs[j - 1], side="right"))
        if k < to.size and abs((to[k] - hs[j - 1]) - row[7]) <= 0.050:
            stances_ok += 1
    return len(table), strides_ok, stances_ok


@pytest.mark.parametrize("group", list(GAITNDD_GROUPS))
def test_gaitndd_strides_and_stances_agree_with_the_authors(group):
    total = strides = stances = 0
    for record in GAITNDD_GROUPS[group]:
        n, s, st = _gaitndd_agreement(record)
        print(
            f"gaitndd {record}: {n} strides, {100 * s / n:.1f}% within 20 ms, "
            f"stance {100 * st / n:.1f}% within 50 ms"
        )
        total, strides, stances = total + n, strides + s, stances + st
    stride_pct, stance_pct = 100 * strides / total, 100 * stances / total
    print(
        f"gaitndd group {group}: {total} strides; stride within 20 ms {stride_pct:.1f}%, "
        f"stance within 50 ms {stance_pct:.1f}%"
    )
    assert stride_pct >= 95.0
    assert stance_pct >= 90.0


def test_gaitndd_analysis_runs_without_a_layout():
    result = analyze(load(shared_data("gaitndd", "park1.hea")))
    s = result.summary
    assert s["activity"] == "walking"
    assert s["gait"]["steps"]["left"] > 200 and s["gait"]["steps"]["right"] > 200
    # the authors' mean left stride, outliers (turns) removed by the same median rule
    strides = load(shared_data("gaitndd", "park1.hea")).metadata["reference_strides"][:, 1]
    median = np.median(strides)
    theirs = strides[np.abs(strides - median) < 0.2 * median].mean()
    assert s["gait"]["stride_time_s"]["left"] == pytest.approx(theirs, abs=0.01)
    # raw units: no load shares, and the summary says why
    assert s["distribution"]["left_share_pct"] is None
    assert any("uncalibrated" in p for p in s["problems"])
    assert s["pronation"]["cpei_pct"] == {"left": None, "right": None}


# --- Moticon ---------------------------------------------------------------------------------


def _report(name: str) -> dict[str, list[object]]:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.load_workbook(
        shared_data("moticon", "gait_report_230927_10_21_14.xlsx"), read_only=True
    )
    try:
        rows = {
            str(r[0]): [v for v in r[1:] if v is not None]
            for r in book["Report Data"].iter_rows(values_only=True)
            if r[0] is not None
        }
    finally:
        book.close()
    return rows


@pytest.fixture(scope="module")
def moticon():
    session = load(shared_data("moticon", "230927_102114.txt"))
    return session, analyze(session)


def test_moticon_events_agree_with_the_vendor(moticon):
    session, result = moticon
    steps = result.steps
    for side in ("left", "right"):
        mine = steps[steps["side"] == side]
        for what, column in (("heel_strike_s", "heel_strike_s"), ("toe_off_s", "toe_off_s")):
            theirs = session.events[side][what]
            ours = mine[column].to_numpy()
            error = np.array([np.min(np.abs(ours - t)) for t in theirs])
            within = np.mean(error <= 0.020 + 1e-9)
            print(
                f"moticon {side} {what}: {len(theirs)} vendor events, errors (ms) "
                f"{np.round(error * 1000).astype(int).tolist()}, {100 * within:.0f}% ≤ 20 ms"
            )
            assert within >= 0.95
        # the same steps, no extra ones (standing before and after the walk is not a step)
        assert len(mine) == len(session.events[side]["heel_strike_s"])


def test_moticon_mean_stance_force_agrees_with_the_gait_report(moticon):
    _, result = moticon
    report = _report("Report Data")
    for side in ("left", "right"):
        theirs = float(str(report[f"Mean total force during stance phase ({side}) (N)"][0]))
        ours = result.summary["distribution"]["mean_stance_force_n"][side]
        print(
            f"moticon {side}: mean stance force {ours:.1f} N, report {theirs:.1f} N "
            f"({100 * (ours / theirs - 1):+.2f}%)"
        )
        assert ours == pytest.approx(theirs, rel=0.02)


def test_moticon_cop_from_pressures_and_layout_agrees_with_the_vendor(moticon):
    session, result = moticon
    cop = result.cop
    for side, foot in session.feet.items():
        assert foot.layout is not None
        mine = cop[cop["side"] == side]
        their_ap, their_ml = foot.vendor["cop_ap_norm"], foot.vendor["cop_ml_norm"]
        both = np.isfinite(mine["cop_ml_mm"].to_numpy()) & np.isfinite(their_ap)
        ap, ml = foot_to_moticon_norm(
            mine["cop_ml_mm"].to_numpy()[both], mine["cop_ap_mm"].to_numpy()[both], foot.layout
        )
        rms = np.sqrt(
            np.mean(
                (np.column_stack([ap, ml]) - np.column_stack([their_ap[both], their_ml[both]]))
                ** 2,
                axis=0,
            )
        )
        print(f"moticon {side}: CoP RMS AP {rms[0]:.2e}, ML {rms[1]:.2e} over {both.sum()} frames")
        assert both.sum() > 1000
        assert np.all(rms < 0.005)


# --- gaitpdb ---------------------------------------------------------------------------------

GAITPDB_WALKS = (
    "GaCo01_01",
    "GaCo02_01",
    "GaCo02_02",
    "GaCo03_01",
    "GaCo03_02",
    "GaCo04_01",
    "GaCo04_02",
    "GaCo05_01",
    "GaPt03_01",
    "JuCo01_01",
    "JuPt01_01",
    "SiCo01_01",
    "SiPt02_01",
)


@pytest.mark.parametrize("walk", GAITPDB_WALKS)
def test_gaitpdb_total_force_left_share_and_cadence(walk):
    session = load(shared_data("gaitpdb", f"{walk}.txt"))
    result = analyze(session)
    s = result.summary
    for foot in session.feet.values():
        force = foot.sensor_force_n()
        assert force is not None and foot.total_force_n is not None
        # our per-foot total is the sum of the sensors, and equals the authors' column
        np.testing.assert_allclose(force.sum(axis=1), foot.total_force_n, atol=1e-6)
    share = s["distribution"]["left_share_pct"]
    cadence = s["gait"]["cadence_steps_per_min"]
    print(
        f"gaitpdb {walk}: left share {share:.1f}%, cadence {cadence:.1f} steps/min, "
        f"steps L {s['gait']['steps']['left']} R {s['gait']['steps']['right']}"
    )
    assert 35.0 < share < 65.0
    assert 70.0 < cadence < 140.0
    # cadence agrees with the stride count over the walking time (an independent estimate)
    steps = result.steps
    used = steps[steps["used"]]
    assert 120.0 / used["stride_s"].median() == pytest.approx(cadence, rel=0.03)
