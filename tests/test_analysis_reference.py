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
from pressure.analysis import analyze
from pressure.analysis.agreement import event_agreement, reference_stride_agreement
from pressure.analysis.events import FootEvents
from pressure.analysis.steps import foot_steps
from pressure.cop import foot_cop, sensor_weights
from pressure.layouts_builtin import foot_to_moticon_norm

from .conftest import shared_data

GAITNDD_GROUPS = ("control", "hunt", "park", "als")
#: The records the event detector's parameters were chosen on; every other record of the
#: folder is held out (README "Validation").
TUNING = (1, 2, 3, 4)
HELD_OUT = (5, 6, 7, 8)


def _gaitndd(group: str, numbers: tuple[int, ...]) -> tuple[int, int, int]:
    """(strides, strides within 20 ms, stances within 50 ms) of the left foot over records."""
    total = strides = stances = 0
    for k in numbers:
        session = load(shared_data("gaitndd", f"{group}{k}.hea"))
        a = reference_stride_agreement(session, analyze(session).steps)
        print(
            f"gaitndd {group}{k}: {a.strides} strides, {a.stride_pct:.1f}% within 20 ms, "
            f"stance {a.stance_pct:.1f}% within 50 ms, missed {a.missed}, extra {a.extra}"
        )
        total, strides, stances = (
            total + a.strides,
            strides + a.strides_within,
            stances + a.stances_within,
        )
    return total, strides, stances


@pytest.fixture(scope="module")
def gaitndd_figures() -> dict[tuple[str, str], tuple[int, int, int]]:
    figures = {}
    for group in GAITNDD_GROUPS:
        figures[group, "tuning"] = _gaitndd(group, TUNING)
        figures[group, "held out"] = _gaitndd(group, HELD_OUT)
    return figures


def _pct(parts: list[tuple[int, int, int]]) -> tuple[float, float]:
    n = sum(p[0] for p in parts)
    return 100 * sum(p[1] for p in parts) / n, 100 * sum(p[2] for p in parts) / n


@pytest.mark.parametrize("group", GAITNDD_GROUPS)
def test_gaitndd_tuning_records_agree_with_the_authors(gaitndd_figures, group):
    stride_pct, stance_pct = _pct([gaitndd_figures[group, "tuning"]])
    print(f"gaitndd {group} 1-4: stride within 20 ms {stride_pct:.1f}%, stance {stance_pct:.1f}%")
    assert stride_pct >= 95.0
    assert stance_pct >= 95.0


def test_gaitndd_overall_on_tuning_and_held_out_records(gaitndd_figures):
    """The figures of the README's validation table: the tuning records reach the targets
    (97 % of strides within 20 ms, 95 % of stances within 50 ms); the held-out records are
    held to what they gave when the parameters were fixed (short of the 97 % target, which the
    README says), so that a change that makes them worse fails."""
    tuning = _pct([gaitndd_figures[g, "tuning"] for g in GAITNDD_GROUPS])
    held_out = _pct([gaitndd_figures[g, "held out"] for g in GAITNDD_GROUPS])
    print(
        f"gaitndd tuning: {tuning[0]:.1f}% / {tuning[1]:.1f}%; held out: {held_out[0]:.1f}% / "
        f"{held_out[1]:.1f}%"
    )
    assert tuning[0] >= 97.0 and tuning[1] >= 95.0
    assert held_out[0] >= 93.5 and held_out[1] >= 95.0
    for group in ("control", "hunt", "park"):
        assert _pct([gaitndd_figures[group, "held out"]])[0] >= 92.0


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
    """The vendor's heel strikes and toe offs within 20 ms, on the first half of the walk
    (where the levels were chosen) and on the second (held out)."""
    session, result = moticon
    steps = result.steps
    middle = session.duration_s / 2
    for side in ("left", "right"):
        mine = steps[steps["side"] == side]
        for what in ("heel_strike_s", "toe_off_s"):
            theirs = session.events[side][what]
            for part in (theirs < middle, theirs >= middle):
                a = event_agreement(mine[what].to_numpy(), theirs[part])
                print(f"moticon {side} {what}: errors (ms) {np.round(a.errors_s * 1000).tolist()}")
                assert a.events >= 2 and a.within == a.events and a.extra == 0
        # the same steps, no extra ones (standing before and after the walk is not a step)
        walked = mine[mine["label"] != "standing"]
        assert len(walked) == len(session.events[side]["heel_strike_s"])
        assert result.summary["gait"]["steps"][side] == len(walked)


def test_moticon_manual_heel_strikes():
    """The walk whose heel strikes were set by hand (event 1: the load leaves the floor;
    event 2 lies mid-stance and is no gait event)."""
    session = load(shared_data("moticon", "walk_data_with_events", "text_export.txt"))
    steps = analyze(session).steps
    for side in ("left", "right"):
        mine = steps.loc[steps["side"] == side, "heel_strike_s"].to_numpy()
        a = event_agreement(mine, session.events[side]["event_1_s"])
        print(f"moticon manual {side}: errors (ms) {np.round(a.errors_s * 1000).tolist()}")
        assert a.events == 4 and a.within == a.events


def _vendor_steps(session, side: str):
    """Our per-step table of ``side`` over the vendor's own events (its ``steps[]`` column)."""
    foot = session.feet[side]
    t = foot.time_s
    hs = np.array([int(np.argmin(np.abs(t - x))) for x in session.events[side]["heel_strike_s"]])
    to = np.array([int(np.argmin(np.abs(t - x))) for x in session.events[side]["toe_off_s"]])
    events = FootEvents(
        hs, to, np.ones(hs.size, dtype=bool), np.zeros(t.size), np.ones(t.size), True
    )
    cop = foot_cop(foot, sensor_weights(foot))
    force = foot.total_force_n.astype(float)
    return foot_steps(side, t, force, events, cop, {}, foot.layout, load_unit="n")


def test_moticon_mean_stance_force_agrees_with_the_gait_report(moticon):
    """The report's "Mean total force during stance phase (<side>) (N)" is over the steps it
    used for statistics: all of them in this file ("Number of steps used for statistics" =
    "Number of steps"). Per step: the mean over heel strike to toe off, both samples
    included (``steps.mean_load_n``). With the vendor's own events this definition must give the
    report's figure within 0.5 %; with ours, over the same steps, within 2 % (the issue's
    goal); the summary, over our steady steps only (initiation and termination left out,
    which this report keeps), within 2 % too."""
    session, result = moticon
    report = _report("Report Data")
    n_steps = int(str(report["Number of steps"][0]))
    assert int(str(report["Number of steps used for statistics"][0])) == n_steps
    assert n_steps == sum(len(session.events[s]["heel_strike_s"]) for s in ("left", "right"))
    steps = result.steps
    for side in ("left", "right"):
        theirs = float(str(report[f"Mean total force during stance phase ({side}) (N)"][0]))
        definition = float(_vendor_steps(session, side)["mean_load_n"].mean())
        walked = (steps["side"] == side) & (steps["label"] != "standing")
        ours_all = float(steps.loc[walked, "mean_load_n"].mean())
        summary = result.summary["distribution"]["mean_stance_force_n"][side]
        print(
            f"moticon {side}: mean stance force, report {theirs:.1f} N; ours over the vendor's "
            f"events {definition:.1f} N ({100 * (definition / theirs - 1):+.2f}%), over our "
            f"events, all steps {ours_all:.1f} N ({100 * (ours_all / theirs - 1):+.2f}%), "
            f"summary (steady steps) {summary:.1f} N ({100 * (summary / theirs - 1):+.2f}%)"
        )
        assert definition == pytest.approx(theirs, rel=0.005)
        assert ours_all == pytest.approx(theirs, rel=0.02)
        assert summary == pytest.approx(theirs, rel=0.02)
        used = steps[(steps["side"] == side) & steps["used"]]
        assert summary == pytest.approx(float(used["mean_load_n"].mean()), rel=1e-12)


def _report_steps(side: str) -> list[dict[str, object]]:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.load_workbook(
        shared_data("moticon", "gait_report_230927_10_21_14.xlsx"), read_only=True
    )
    try:
        rows = list(book[f"{side.capitalize()} Steps"].iter_rows(values_only=True))
    finally:
        book.close()
    return [dict(zip(rows[0], r, strict=False)) for r in rows[1:] if r[0] is not None]


def test_moticon_gait_line_excursion_agrees_with_the_gait_report(moticon):
    """The report's per-step "Gaitline length" is the CoP's heel-to-toe progression from the
    stance's start to its end, as a fraction of the insole length (its normalised x): our
    ``gait_line_excursion_pct_fl`` / 100, not the path length (``gait_line_length_mm``)."""
    session, result = moticon
    report = _report("Report Data")
    for side in ("left", "right"):
        theirs = np.array([float(str(r["Gaitline length"])) for r in _report_steps(side)]) * 100
        mine = result.steps[(result.steps["side"] == side) & (result.steps["label"] != "standing")]
        ours = mine["gait_line_excursion_pct_fl"].to_numpy()
        at_theirs = _vendor_steps(session, side)["gait_line_excursion_pct_fl"].to_numpy()
        assert ours.size == theirs.size == at_theirs.size  # the same steps (events test)
        mean_row = float(str(report[f"Mean length/width of gait line ({side})"][0])) * 100
        print(
            f"moticon {side}: gait line excursion (% insole length), report per step "
            f"{np.round(theirs, 1).tolist()}, ours {np.round(ours, 1).tolist()}; mean "
            f"difference {np.mean(ours - theirs):+.2f} (over the vendor's events "
            f"{np.mean(at_theirs - theirs):+.2f}), largest {np.max(np.abs(ours - theirs)):.1f}; "
            f"report's mean gait line {mean_row:.1f}, our summary "
            f"{result.summary['pronation']['gait_line_excursion_pct_fl'][side]:.1f}"
        )
        assert abs(np.mean(at_theirs - theirs)) < 1.0
        assert abs(np.mean(ours - theirs)) < 1.0


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
