"""The analyses against the simulator's ground truth, the command line, and bad input."""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pressure import load
from pressure.analysis import STABLE_KEYS, STEP_COLUMNS, AnalysisOptions, analyze
from pressure.analysis.balance import ellipse_area, sway
from pressure.cli import main
from pressure.model import FootRecording, Session
from pressure.simulator import SyntheticGait
from pressure.simulator.output import write_recording
from pressure.simulator.signals import GaitSignal

from .conftest import ROOT, event_level_phases, simulated_session

GRID = [
    (share, cadence, offset)
    for share in (40.0, 50.0, 60.0)
    for cadence in (80.0, 105.0, 130.0)
    for offset in (-10.0, 0.0, 10.0)
]


@pytest.mark.parametrize(("share", "cadence", "offset"), GRID)
def test_ground_truth_is_recovered_over_a_grid(share, cadence, offset):
    gait = SyntheticGait(
        seconds=30.0,
        seed=int(share + cadence + 3 * offset),
        left_share_pct=share,
        cadence_steps_per_min=cadence,
        ml_offset_pct=offset,
    )
    truth = gait.truth()
    result = analyze(simulated_session(gait))
    s = result.summary
    d = s["distribution"]
    assert s["activity"] == "walking"
    assert d["left_share_pct"] == pytest.approx(share, abs=0.5)
    assert s["gait"]["cadence_steps_per_min"] == pytest.approx(cadence, rel=0.01)
    for side in ("left", "right"):
        assert d["cop_ml_pct"][side] == pytest.approx(truth["model_ml_offset_pct"], abs=0.5)
        assert d["forefoot_share_pct"][side] == pytest.approx(
            truth["model_forefoot_share_pct"], abs=0.5
        )
        stride = s["gait"]["stride_time_s"][side]
        assert stride == pytest.approx(truth["stride_time_s"], rel=0.01)
        # the events are level crossings (3 % and 10 % of the step's peak), not the first and
        # last instants of nonzero force the simulator's truth gives
        on, off = event_level_phases()
        stance = truth["stance_time_s"] * (off - on)
        assert s["gait"]["stance_time_s"][side] == pytest.approx(stance, abs=0.02)
    # symmetry index and left share describe the same integrals
    si = d["symmetry_index_pct"]
    assert si == pytest.approx(100 * (100 - 2 * d["left_share_pct"]) / 50, abs=1e-9)


def test_events_match_the_simulated_ones():
    gait = SyntheticGait(seconds=30.0, seed=7, cadence_steps_per_min=100.0)
    events = gait.events()
    steps = analyze(simulated_session(gait)).steps
    on, off = event_level_phases()
    for side in ("left", "right"):
        truth = getattr(events, side)
        mine = steps[steps["side"] == side]
        # the model's force crosses the detector's levels at these instants of each stance
        stance = truth.toe_off_s - truth.heel_strike_s
        for column, true_times in (
            ("heel_strike_s", truth.heel_strike_s + on * stance),
            ("toe_off_s", truth.heel_strike_s + off * stance),
        ):
            ours = mine[column].to_numpy()
            err = np.array([np.min(np.abs(true_times - t)) for t in ours])
            # level crossings find the simulated events within two samples (10 ms each)
            assert err.max() <= 0.0201, (side, column, err.max())
        # every complete simulated stance is a step of ours
        complete = np.sum((truth.heel_strike_s > 0.05) & (truth.heel_strike_s < 29.0))
        assert len(mine) >= complete - 1


def test_medial_lateral_indicators_follow_the_offset():
    by_offset = {}
    for offset in (-15.0, -5.0, 5.0, 15.0):
        gait = SyntheticGait(seconds=20.0, seed=3, ml_offset_pct=offset)
        by_offset[offset] = analyze(simulated_session(gait)).summary
    for side in ("left", "right"):
        for key, section in (
            ("medial_share_pct", "distribution"),
            ("cop_ml_pct", "distribution"),
            ("medial_lateral_index", "pronation"),
        ):
            values = [by_offset[o][section][key][side] for o in sorted(by_offset)]
            assert all(b > a for a, b in itertools.pairwise(values)), (key, values)
        mli = [by_offset[o]["pronation"]["medial_lateral_index"][side] for o in sorted(by_offset)]
        assert mli[0] < 0 < mli[-1]


@pytest.mark.parametrize("sensors", [16, 8, 99])
def test_indicator_signs_agree_with_the_truth_on_neutral_medial_and_lateral_walks(sensors):
    """Each indicator at its neutral value on the neutral walk, and on the published side of
    it on a medial (pronation direction) and a lateral (supination direction) walk."""
    measured, truth = {}, {}
    for offset in (-10.0, 0.0, 10.0):
        gait = SyntheticGait(seconds=20.0, seed=11, sensors=sensors, ml_offset_pct=offset)
        truth[offset] = gait.truth()
        s = analyze(simulated_session(gait)).summary
        for side in ("left", "right"):
            measured[offset, side] = {
                "share": s["distribution"]["medial_share_pct"][side],
                "mli": s["pronation"]["medial_lateral_index"][side],
                "cop": s["distribution"]["cop_ml_pct"][side],
                "cpei": s["pronation"]["cpei_pct"][side],
            }
    keys = {
        "share": "model_medial_share_pct",
        "mli": "model_medial_lateral_index",
        "cop": "model_ml_offset_pct",
        "cpei": "model_cpei_pct",
    }
    # + is medial for all but the CPEI, whose + is a gait line lateral of its chord
    medial_sign = {"share": 1, "mli": 1, "cop": 1, "cpei": -1}
    tolerance = {"share": 1.0, "mli": 0.02, "cop": 0.5, "cpei": 2.0}
    for (offset, side), values in measured.items():
        for name, value in values.items():
            model = truth[offset][keys[name]]
            assert value == pytest.approx(model, abs=tolerance[name]), (offset, side, name)
            if offset:
                # the walk's side of the neutral value, in the truth and in the analysis
                direction = medial_sign[name] * math.copysign(1.0, offset)
                neutral_model = truth[0.0][keys[name]]
                neutral = measured[0.0, side][name]
                assert (model - neutral_model) * direction > 0, (offset, name)
                assert (value - neutral) * direction > 0, (offset, side, name)
        # the published signs: a medial walk has a medial share over 50 % and an MLI over 0
        if offset:
            assert (values["share"] - 50.0) * offset > 0
            assert values["mli"] * offset > 0
    # the neutral walk: mean CoP on the centre line; the loads either side balance to within
    # a few percent (the moments balance, not the loads); its gait line bows laterally of its
    # chord (CPEI > 0) where the layout can represent it
    for side in ("left", "right"):
        neutral = measured[0.0, side]
        assert neutral["cop"] == pytest.approx(0.0, abs=0.5)
        assert neutral["share"] == pytest.approx(50.0, abs=3.0)
        assert neutral["mli"] == pytest.approx(0.0, abs=0.06)
        if sensors >= 16:
            assert neutral["cpei"] > 5.0


def test_standing_recording_gets_a_standing_analysis():
    gait = SyntheticGait(seconds=30.0, seed=5, activity="stand", left_share_pct=55.0, sway_mm=4.0)
    result = analyze(simulated_session(gait))
    s = result.summary
    assert s["activity"] == "standing"
    assert s["gait"]["steps"] == {"left": 0, "right": 0}
    assert s["gait"]["cadence_steps_per_min"] is None
    assert s["distribution"]["left_share_pct"] == pytest.approx(55.0, abs=0.5)
    combined = s["balance"]["combined"]
    # the simulated combined CoP sways with an RMS of sway_mm on each axis
    assert combined["rms_ap_mm"] == pytest.approx(4.0, rel=0.1)
    assert combined["rms_ml_mm"] == pytest.approx(4.0, rel=0.1)
    assert len(result.steps) == 0 and list(result.steps.columns) == list(STEP_COLUMNS)


def test_sway_measures_of_a_known_path():
    t = np.arange(0, 60, 0.01)
    # a circle of radius 5 mm, once every 10 s: path 6 × 2π·5, distance always 5
    x, y = 5 * np.cos(2 * np.pi * t / 10), 5 * np.sin(2 * np.pi * t / 10)
    m = sway(t, x, y)
    assert m is not None
    assert m["mean_distance_mm"] == pytest.approx(5.0, rel=1e-3)
    assert m["path_length_mm"] == pytest.approx(6 * 2 * np.pi * 5, rel=1e-3)
    assert m["mean_velocity_mm_s"] == pytest.approx(6 * 2 * np.pi * 5 / t[-1], rel=1e-3)
    assert m["mean_frequency_hz"] == pytest.approx(0.1, rel=1e-2)
    # Gaussian scatter: the 95% prediction ellipse holds about 95% of new points
    rng = np.random.default_rng(1)
    pts = rng.normal(size=(2, 5000)) * np.array([[3.0], [1.0]])
    area = ellipse_area(pts[0], pts[1])
    assert area == pytest.approx(np.pi * 5.991 * 3.0 * 1.0, rel=0.05)


def test_json_has_the_stable_keys_and_the_note(tmp_path, capsys):
    assert main(["analyze", "sample_data/walk_normal.insole", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    for key in STABLE_KEYS:
        node = summary
        for part in key.split("."):
            assert part in node, key
            node = node[part]
    assert summary["gait"]["steps"]["left"] > 10
    assert "not a diagnosis" in summary["note"]
    assert len(summary["red_flags"]) >= 6
    for indicator in summary["indicators"]:
        assert indicator["source"] and indicator["reference"]
        assert indicator["comparison"] in (None, "below", "within", "above")
    text = json.dumps(summary)
    for label in ("pronator", "flat foot", "risk of back pain", "diagnosed"):
        assert label not in text.lower()


def test_steps_csv_and_the_python_api_agree(tmp_path, capsys):
    out = tmp_path / "steps.csv"
    cop = tmp_path / "cop.csv"
    assert (
        main(
            [
                "analyze",
                "sample_data/walk_left_heavy.insole",
                "--steps-csv",
                str(out),
                "--cop-csv",
                str(cop),
            ]
        )
        == 0
    )
    text = capsys.readouterr().out
    assert "Gait" in text and "not a diagnosis" in text
    table = pd.read_csv(out)
    for column in ("side", "heel_strike_s", "toe_off_s", "stance_s", "swing_s", "stride_s"):
        assert column in table.columns
    api = analyze(load("sample_data/walk_left_heavy.insole")).steps
    assert len(table) == len(api)
    np.testing.assert_allclose(table["heel_strike_s"], api["heel_strike_s"], rtol=1e-5)
    # stride = next heel strike of the same foot − this one
    for _, mine in table.groupby("side"):
        hs = mine["heel_strike_s"].to_numpy()
        np.testing.assert_allclose(mine["stride_s"].to_numpy()[:-1], np.diff(hs), atol=1e-5)
        assert math.isnan(mine["stride_s"].to_numpy()[-1])
    frames = pd.read_csv(cop)
    assert list(frames.columns[:4]) == ["time_s", "side", "cop_ml_mm", "cop_ap_mm"]


def test_body_weight_and_sample_truth(capsys):
    truth = json.loads(Path("sample_data/walk_left_heavy.insole.truth.json").read_text())
    assert (
        main(
            [
                "analyze",
                "sample_data/walk_left_heavy.insole",
                "--json",
                "--body-mass-kg",
                str(truth["body_mass_kg"]),
            ]
        )
        == 0
    )
    s = json.loads(capsys.readouterr().out)
    assert s["distribution"]["left_share_pct"] == pytest.approx(truth["left_share_pct"], abs=0.5)
    bw = s["distribution"]["mean_stance_force_bw"]
    assert 0.5 < bw["left"] < 1.5 and bw["left"] > bw["right"]


# --- bad input -------------------------------------------------------------------------------


def _cli(capsys, *args):
    code = main(["analyze", *args])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured


def test_empty_file(tmp_path, capsys):
    path = tmp_path / "empty.insole"
    path.write_bytes(b"")
    code, captured = _cli(capsys, str(path))
    assert code == 3  # an input that cannot be read
    assert str(path) in captured.err and "empty" in captured.err
    assert captured.err.count("\n") == 1


def test_truncated_recording_is_analysed_up_to_the_cut(tmp_path, capsys):
    data = Path("sample_data/walk_normal.insole").read_bytes()
    path = tmp_path / "cut.insole"
    path.write_bytes(data[: len(data) // 2])
    code, captured = _cli(capsys, str(path), "--json")
    assert code == 0
    s = json.loads(captured.out)
    assert 8.0 < s["duration_s"] < 12.0
    assert s["gait"]["steps"]["left"] >= 6


def _session(values_left, values_right, rate=100.0):
    layout = SyntheticGait(sensors=values_left.shape[1]).layout
    t = np.arange(len(values_left)) / rate
    return Session(
        path=Path("made-up"),
        format="test",
        left=FootRecording("left", t, values_left, "kpa", rate, layout),
        right=FootRecording("right", t, values_right, "kpa", rate, layout),
    )


def test_all_zero_sensors_give_a_documented_partial_result():
    zeros = np.zeros((1000, 16))
    s = analyze(_session(zeros, zeros)).summary
    assert s["gait"]["steps"] == {"left": 0, "right": 0}
    assert s["distribution"]["left_share_pct"] is None
    assert any("every sensor reads zero" in p for p in s["problems"])
    json.dumps(s, allow_nan=False)


def test_nans_are_bridged_and_counted():
    gait = SyntheticGait(seconds=20.0, seed=2)
    session = simulated_session(gait)
    assert session.left is not None
    left = session.left.values.copy()
    left[500:505] = np.nan  # 50 ms of garbage in swing or stance
    left[:, 3][::97] = np.nan
    broken = Session(
        path=session.path,
        format="test",
        left=FootRecording("left", session.left.time_s, left, "kpa", 100.0, gait.layout),
        right=session.right,
    )
    s = analyze(broken).summary
    assert s["quality"]["invalid_frames"] > 5
    assert s["gait"]["cadence_steps_per_min"] == pytest.approx(110.0, rel=0.02)
    json.dumps(s, allow_nan=False)


def test_a_walk_with_a_single_step():
    gait = SyntheticGait(seconds=30.0, seed=4, cadence_steps_per_min=60.0)
    session = simulated_session(gait, keep_dropped=True)
    # keep one stance of each foot: cut the recording to the first 2.5 s
    cut = {}
    for side, foot in session.feet.items():
        keep = foot.time_s < 2.5
        cut[side] = FootRecording(
            foot.side, foot.time_s[keep], foot.values[keep], "kpa", 100.0, foot.layout
        )
    result = analyze(Session(session.path, "test", cut["left"], cut["right"]))
    s = result.summary
    assert s["activity"] == "walking"
    assert 1 <= s["gait"]["steps"]["left"] <= 2
    assert s["gait"]["cadence_steps_per_min"] is None  # no stride to measure
    assert any("too few strides" in p for p in s["problems"])
    assert np.isnan(result.steps["stride_s"]).any()
    json.dumps(s, allow_nan=False)


def test_one_foot_only():
    gait = SyntheticGait(seconds=20.0, seed=6)
    session = simulated_session(gait)
    s = analyze(Session(session.path, "test", session.left, None)).summary
    assert s["gait"]["steps"]["left"] > 10 and s["gait"]["steps"]["right"] == 0
    assert s["distribution"]["left_share_pct"] is None
    assert any("no right foot" in p for p in s["problems"])


def test_options_override_the_files_geometry():
    gait = SyntheticGait(seconds=20.0, seed=5, activity="stand")
    session = simulated_session(gait)
    narrow = analyze(session, AnalysisOptions(standing_separation_mm=100.0)).summary
    wide = analyze(session).summary
    # the medio-lateral sway comes from the load shifting between the feet: it scales with
    # the distance between them
    ratio = narrow["balance"]["combined"]["rms_ml_mm"] / wide["balance"]["combined"]["rms_ml_mm"]
    assert ratio == pytest.approx(100.0 / gait.truth()["standing_separation_mm"], rel=0.05)


def test_recording_file_round_trip(tmp_path):
    gait = SyntheticGait(seconds=15.0, seed=9, left_share_pct=45.0)
    path = tmp_path / "walk.insole"
    write_recording(path, GaitSignal(gait), session={"simulated": gait.truth()})
    s = analyze(load(path)).summary
    assert s["distribution"]["left_share_pct"] == pytest.approx(45.0, abs=0.5)


# --- found in review -------------------------------------------------------------------------


def _with_left(session: Session, values: np.ndarray, time_s: np.ndarray | None = None) -> Session:
    left = session.left
    assert left is not None
    t = left.time_s if time_s is None else time_s
    return Session(
        session.path,
        "test",
        FootRecording("left", t, values, left.unit, left.sampling_rate_hz, left.layout),
        session.right,
    )


def test_a_gap_inside_a_stance_makes_no_extra_step():
    gait = SyntheticGait(seconds=20.0, seed=2)
    session = simulated_session(gait)
    assert session.left is not None
    clean = analyze(session).summary["gait"]["steps"]["left"]
    hs = gait.events().left.heel_strike_s
    values = session.left.values.copy()
    middle = int((hs[5] + 0.3) * gait.rate_hz)  # 100 ms of nothing mid-stance
    values[middle : middle + 10] = np.nan
    s = analyze(_with_left(session, values)).summary
    assert s["gait"]["steps"]["left"] == clean - 1  # that stance is not measured, not split
    assert s["quality"]["invalid_frames"] == 10


@pytest.mark.parametrize("offset_kpa", [10.0, 20.0])
def test_an_untared_offset_does_not_move_the_toe_off(offset_kpa):
    plain = analyze(simulated_session(SyntheticGait(seconds=30.0, seed=3))).summary
    offset = SyntheticGait(seconds=30.0, seed=3, offset_kpa=offset_kpa)
    s = analyze(simulated_session(offset)).summary
    for side in ("left", "right"):
        assert s["gait"]["stance_time_s"][side] == pytest.approx(
            plain["gait"]["stance_time_s"][side], abs=0.02
        )


def test_a_large_offset_is_reported_and_tare_removes_it():
    from pressure.calibration import tare

    gait = SyntheticGait(seconds=30.0, seed=3, offset_kpa=60.0)
    session = simulated_session(gait)
    s = analyze(session).summary
    if s["activity"] != "walking":  # taken for standing: the summary must say why
        assert any("tare first" in p for p in s["problems"])
    tared = analyze(tare(session)).summary
    assert tared["activity"] == "walking"
    assert tared["gait"]["cadence_steps_per_min"] == pytest.approx(110.0, rel=0.01)


def test_a_dropout_of_one_foot_does_not_skew_the_left_share():
    gait = SyntheticGait(seconds=20.0, seed=8)
    session = simulated_session(gait)
    assert session.left is not None
    keep = (session.left.time_s < 7.3) | (session.left.time_s >= 8.8)  # 1.5 s lost
    s = analyze(_with_left(session, session.left.values[keep], session.left.time_s[keep]))
    assert s.summary["distribution"]["left_share_pct"] == pytest.approx(50.0, abs=0.5)


def test_a_foot_without_frames_is_not_a_crash():
    session = load("sample_data/stand_quiet.insole")
    assert session.right is not None and session.right.layout is not None
    empty = FootRecording(
        "right", np.zeros(0), np.zeros((0, 16)), "kpa", 100.0, session.right.layout
    )
    s = analyze(Session(session.path, "test", session.left, empty)).summary
    assert s["distribution"]["left_share_pct"] is None
    json.dumps(s, allow_nan=False)


def test_gaitndd_can_be_calibrated_and_then_has_shares():
    from pressure.calibration import scale_to_body_weight, tare

    from .conftest import shared_data

    session = load(shared_data("gaitndd", "als1.hea"))
    s = analyze(scale_to_body_weight(tare(session), 70.0)).summary
    assert 40.0 < s["distribution"]["left_share_pct"] < 60.0
    assert s["distribution"]["mean_stance_force_n"]["left"] > 0


def test_strides_quantised_to_the_sample_period_are_all_used():
    """At 50 Hz the strides are whole numbers of 20 ms (and their float differences differ in
    the last bits): none may be taken for an outlier. The generic-CSV sample (an 8-FSR walk,
    ground truth beside it) has 17 strides per foot; all but the first and last count."""
    path = ROOT / "sample_data" / "fsr8_walk.csv"
    truth = json.loads(path.with_name(path.name + ".truth.json").read_text())
    result = analyze(load(path))
    gait = result.summary["gait"]
    for side in ("left", "right"):
        steps = result.steps[result.steps["side"] == side]
        strides = int(steps["stride_s"].notna().sum())
        assert gait["steps_used"][side] >= strides - 2, (side, gait["steps_used"])
    assert gait["cadence_steps_per_min"] == pytest.approx(truth["cadence_steps_per_min"], rel=0.01)


@pytest.mark.parametrize("offset_kpa", [50.0, 400.0])
def test_a_walk_on_offset_sensors_is_flagged_and_quiet_standing_is_not(offset_kpa):
    """Sensors that never return to zero (an offset of up to ``offset_kpa`` each) hide the
    swing phases from the event detector: the analysis says so and suggests taring. Quiet
    standing, whose load also never drops to zero, is not flagged."""
    gait = SyntheticGait(seconds=20.0, seed=2, offset_kpa=offset_kpa)
    result = analyze(simulated_session(gait))
    flagged = [p for p in result.summary["problems"] if "a sensor offset?" in p]
    assert result.summary["activity"] == "standing"
    assert len(flagged) == 2 and all(" N)" in p and "tare first" in p for p in flagged)
    for sway_mm in (4.0, 20.0):
        standing = SyntheticGait(seconds=20.0, seed=2, activity="stand", sway_mm=sway_mm)
        problems = analyze(simulated_session(standing)).summary["problems"]
        assert not [p for p in problems if "offset" in p]
    problems = analyze(load(ROOT / "sample_data" / "stand_quiet.insole")).summary["problems"]
    assert not [p for p in problems if "offset" in p]


# --- walking bouts, step labels, running -----------------------------------------------------


def _stand_walk_stand(walk: SyntheticGait, stand_s: float) -> Session:
    """``stand_s`` of quiet standing, the walk, standing again, the walk again, standing:
    two walking bouts, each started and stopped from standing."""
    standing = SyntheticGait(
        seconds=stand_s, seed=walk.seed, activity="stand", sensors=walk.sensors
    )
    s_left, s_right = standing.values()
    w_left, w_right = walk.values()
    left = np.concatenate([s_left, w_left, s_left, w_left, s_left]).astype(float)
    right = np.concatenate([s_right, w_right, s_right, w_right, s_right]).astype(float)
    return _session(left * walk.pressure_scale_kpa, right * walk.pressure_scale_kpa)


def test_bouts_start_and_stop_from_standing_and_only_steady_steps_count():
    walk = SyntheticGait(seconds=20.0, seed=11, cadence_steps_per_min=100.0)
    truth = walk.truth()
    result = analyze(_stand_walk_stand(walk, stand_s=4.0))
    steps, gait = result.steps, result.summary["gait"]
    assert set(steps["label"]) <= {"initiation", "steady", "termination", "turn", "standing"}
    # a foot standing still between the walks is a row, labelled so and never counted
    standing = steps["label"] == "standing"
    typical = steps.loc[steps["label"] == "steady", "stance_s"].median()
    assert standing.any() and (steps.loc[standing, "stance_s"] > 2 * typical).all()
    assert not steps.loc[standing, "used"].any()
    assert sorted(steps["bout"].unique()) == [1, 2]
    for _, bout in steps[~standing].groupby("bout"):
        labels = bout["label"].tolist()
        # each foot's first stride starts the bout, its last ones end it
        assert labels[:2] == ["initiation", "initiation"]
        assert labels[-1] == labels[-2] == "termination"
        assert labels.count("steady") >= len(labels) - 6
    steady = steps["label"] == "steady"
    assert (steps["used"] == (steady & steps["stride_s"].notna())).all()
    for side in ("left", "right"):
        mine = steps["side"] == side
        assert gait["steps_steady"][side] == int((mine & steady).sum())
        assert gait["steps_used"][side] == int((mine & steps["used"]).sum())
        assert gait["steps_by_label"]["steady"][side] == gait["steps_steady"][side]
        # the summary is over the steady steps: no stride takes in the standing
        assert gait["stride_time_s"][side] == pytest.approx(truth["stride_time_s"], rel=0.01)
        assert steps.loc[mine & steady, "stride_s"].max() < 1.3 * truth["stride_time_s"]
        mean = steps.loc[mine & steps["used"], "mean_load_n"].mean()
        assert result.summary["distribution"]["mean_stance_force_n"][side] == pytest.approx(mean)
    assert result.summary["activity"] == "walking"
    assert gait["flight_time_s"] == 0.0  # walking: the other foot lands before this one lifts


def _foot_rows(side: str, heel_strikes: list[float], stance_s: float) -> pd.DataFrame:
    """A foot's step rows as ``foot_steps`` gives them, for the labelling alone."""
    hs = np.asarray(heel_strikes)
    stride = np.append(np.diff(hs), np.nan)
    return pd.DataFrame(
        {
            **{column: np.nan for column in STEP_COLUMNS if column != "step"},
            "side": side,
            "heel_strike_s": hs,
            "toe_off_s": hs + stance_s,
            "stance_s": stance_s,
            "swing_s": stride - stance_s,
            "stride_s": stride,
            "_follows_gap": False,
            "_standing": False,
            "_sample_period_s": 0.01,
        }
    )


def test_a_stride_far_from_the_bouts_median_is_a_turn_unless_turns_are_included():
    from pressure.analysis.steps import steps_table

    left = [1.0 * k for k in range(20)]
    left[10:] = [t + 0.5 for t in left[10:]]  # one stride of 1.5 s in a walk of 1.0 s strides
    right = [t + 0.5 for t in left]
    right[9] = left[9] + 0.75  # the right foot's step in the middle of that long stride
    feet = [_foot_rows("left", left, 0.62), _foot_rows("right", right, 0.62)]
    table = steps_table(feet)
    turn = table[table["label"] == "turn"]
    # the strides off the 1 s rhythm: left 1.5 s, and the right's two of 1.25 s around it
    irregular = (table["stride_s"] - 1.0).abs() > 0.1
    assert turn.index.tolist() == table.index[irregular].tolist()
    assert sorted(turn["stride_s"].round(2)) == [1.25, 1.25, 1.5]
    assert not turn["used"].any()
    assert (table["bout"] == 1).all()
    included = steps_table(feet, exclude_turns=False)
    assert included.loc[included["label"] == "turn", "used"].all()
    assert int(included["used"].sum()) == int(table["used"].sum()) + 3


def test_a_pause_splits_the_walk_into_bouts():
    from pressure.analysis.steps import steps_table

    left = [1.0 * k for k in range(10)] + [15.0 + k for k in range(10)]  # 6 s without a step
    right = [t + 0.5 for t in left]
    table = steps_table([_foot_rows("left", left, 0.62), _foot_rows("right", right, 0.62)])
    assert sorted(table["bout"].unique()) == [1, 2]
    second = table[table["bout"] == 2]
    assert second["label"].tolist()[:2] == ["initiation", "initiation"]
    # the long stride over the pause is its bout's last: termination, never counted
    assert not table.loc[table["stride_s"] > 2, "used"].any()


@pytest.mark.parametrize("rate_hz", [200.0, 100.0])
def test_running_is_detected_with_contact_and_flight_times(rate_hz):
    """A run (170 steps/min, stance 35 % of the stride: flight phases between the steps).
    Contact and flight times within 10 ms of the truth (the model's first and last instants of
    force; the detector's level crossings sit a few ms inside them)."""
    tolerance_s = 0.010
    gait = SyntheticGait(
        seconds=20.0, seed=12, cadence_steps_per_min=170.0, stance_fraction=0.35, rate_hz=rate_hz
    )
    truth = gait.truth()
    assert truth["flight_time_s"] > 0.09
    result = analyze(simulated_session(gait))
    s, steps = result.summary, result.steps
    assert s["activity"] == "running"
    assert (steps["label"] == "running").sum() > 0.7 * len(steps)
    assert (steps["used"] == ((steps["label"] == "running") & steps["stride_s"].notna())).all()
    g = s["gait"]
    for side in ("left", "right"):
        contact = g["contact_time_s"][side]
        print(
            f"running at {rate_hz:g} Hz, {side}: contact {1000 * contact:.1f} ms, truth "
            f"{1000 * truth['contact_time_s']:.1f} ms"
        )
        assert contact == pytest.approx(truth["contact_time_s"], abs=tolerance_s)
        assert g["steps_steady"][side] == int(
            ((steps["side"] == side) & (steps["label"] == "running")).sum()
        )
    print(
        f"running at {rate_hz:g} Hz: flight {1000 * g['flight_time_s']:.1f} ms, truth "
        f"{1000 * truth['flight_time_s']:.1f} ms"
    )
    assert g["flight_time_s"] == pytest.approx(truth["flight_time_s"], abs=tolerance_s)
    assert g["cadence_steps_per_min"] == pytest.approx(170.0, rel=0.01)
    # no walking reference is applied to a run
    walking_only = ("cadence_steps_per_min", "stride_time_s", "swing_pct", "stride_time_cv_pct")
    for ind in s["indicators"]:
        if ind["name"].split(".")[0] in walking_only:
            assert ind["comparison"] is None and "no reference for running" in ind["reference"]


def test_a_walk_is_not_running():
    for cadence in (80.0, 130.0):
        gait = SyntheticGait(seconds=20.0, seed=13, cadence_steps_per_min=cadence)
        result = analyze(simulated_session(gait))
        assert result.summary["activity"] == "walking"
        assert not (result.steps["label"] == "running").any()
        assert result.summary["gait"]["flight_time_s"] == 0.0
        assert gait.truth()["flight_time_s"] == 0.0
        comparisons = {i["name"]: i["comparison"] for i in result.summary["indicators"]}
        assert comparisons["cadence_steps_per_min"] is not None


def test_gait_line_excursion_is_the_heel_to_toe_progression():
    gait = SyntheticGait(seconds=20.0, seed=14)
    result = analyze(simulated_session(gait))
    steps = result.steps
    excursion = steps["gait_line_excursion_pct_fl"].to_numpy()
    assert np.isfinite(excursion).all()
    # the simulated CoP rolls from the heel to the toes: forward, and never more than the
    # CoP's whole range along the foot
    assert (excursion > 30.0).all()
    assert (excursion <= steps["gait_line_ap_pct_fl"].to_numpy() + 1e-9).all()
    used = steps[(steps["side"] == "left") & steps["used"]]
    assert result.summary["pronation"]["gait_line_excursion_pct_fl"]["left"] == pytest.approx(
        used["gait_line_excursion_pct_fl"].mean()
    )


def test_include_turns_on_the_command_line(capsys):
    assert main(["analyze", "sample_data/walk_normal.insole", "--json", "--include-turns"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["gait"]["exclude_turns"] is False
    assert main(["analyze", "sample_data/walk_normal.insole", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["gait"]["exclude_turns"] is True
