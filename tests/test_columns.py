"""The column classifier that line mode and the generic CSV reader share."""

from __future__ import annotations

import pytest

from firmware_protocol.columns import (
    classify_columns,
    infer_time_unit,
    is_header,
    known_extra,
    looks_like_clock,
)


def _roles(names: list[str]) -> list[tuple[str, str | None]]:
    return [(c.role, c.side) for c in classify_columns(names).columns]


def test_a_sketch_header_with_an_imu_keeps_three_sensors() -> None:
    plan = classify_columns(["t", "ax", "ay", "az", "L", "M", "H"])
    assert plan.time is not None and plan.time.unit is None
    assert [c.name for c in plan.extras] == ["ax", "ay", "az"]
    assert [c.name for c in plan.sensors("left")] == ["L", "M", "H"]
    assert plan.sensors("right") == []
    assert [c.name for c in plan.sensors("right", default_side="right")] == ["L", "M", "H"]


def test_a_two_foot_log_splits_the_feet_by_prefix_in_number_order() -> None:
    names = ["time_ms", "frame_id"]
    names += [f"R_ch{k}" for k in (1, 0, 2)] + [f"L_ch{k}" for k in range(3)] + ["flags"]
    plan = classify_columns(names)
    assert plan.time is not None and plan.time.unit == "ms"
    assert plan.sequence is not None and plan.sequence.name == "frame_id"
    assert [c.name for c in plan.sensors("right")] == ["R_ch0", "R_ch1", "R_ch2"]
    assert [c.name for c in plan.sensors("left")] == ["L_ch0", "L_ch1", "L_ch2"]
    assert [c.name for c in plan.extras] == ["flags"]


@pytest.mark.parametrize(
    ("names", "left", "right"),
    [
        (["L_value1", "L_value2", "R_value1", "R_value2"], 2, 2),
        (["L1", "L2", "L3", "R1"], 3, 1),
        (["left_1", "left_2", "right_1"], 2, 1),
        (["t", "L", "R"], 1, 1),
        (["millis", "v1", "v2", "v3"], 3, 0),
        (["time_ms", "L_ch0", "rear", "battery_mv"], 1, 0),  # unsided columns beside sided ones
    ],
)
def test_side_naming_seen_in_the_wild(names: list[str], left: int, right: int) -> None:
    plan = classify_columns(names)
    assert (len(plan.sensors("left")), len(plan.sensors("right"))) == (left, right)


def test_numbered_sensors_make_an_unnumbered_column_an_extra() -> None:
    plan = classify_columns(["millis", "v1", "v2", "note", "v3"])
    assert [c.name for c in plan.sensors("left")] == ["v1", "v2", "v3"]
    assert [(c.name, c.side) for c in plan.extras] == [("note", None)]


def test_an_extra_keeps_the_foot_its_prefix_names() -> None:
    plan = classify_columns(["t", "L_ax", "right_battery", "flags", "roll", "L1", "R1"])
    assert [(c.name, c.side) for c in plan.extras] == [
        ("L_ax", "left"),
        ("right_battery", "right"),
        ("flags", None),
        ("roll", None),
    ]


def test_known_extras_and_columns_that_are_extras_only_by_their_table() -> None:
    assert all(known_extra(n) for n in ("acc_x", "L_gyro_z", "flags", "battery_mv", " Roll "))
    assert not any(known_extra(n) for n in ("note", "sole_id", "magn_x", "corrupt"))


def test_time_units_from_names() -> None:
    units = {
        n: classify_columns([n, "v1"]).time.unit  # type: ignore[union-attr]
        for n in ("millis", "time_ms", "t_us", "micros", "time_s", "timestamp", "time")
    }
    assert units == {
        "millis": "ms",
        "time_ms": "ms",
        "t_us": "us",
        "micros": "us",
        "time_s": "s",
        "timestamp": None,
        "time": None,
    }


def test_unit_suffixes_and_total_force() -> None:
    plan = classify_columns(["time_s", "left_3_kpa", "left_total_force_n"])
    assert plan.sensors("left")[0].unit == "kpa"
    total = plan.total_force("left")
    assert total is not None and total.name == "left_total_force_n"


@pytest.mark.parametrize(
    ("names", "why"),
    [
        (["t", "v1", "V1"], "appears twice"),
        (["t", "millis", "v1"], "two time columns"),
        (["t", "ax", "flags"], "no sensor column"),
        (["t", "", "v1"], "column 2 has no name"),
        (["L1", "L_ch1"], "left sensor 1 appears twice"),
    ],
)
def test_headers_that_cannot_be_a_table(names: list[str], why: str) -> None:
    with pytest.raises(ValueError, match=why):
        classify_columns(names)


def test_boot_text_is_not_a_header() -> None:
    assert not is_header(["[SD]", "init", "failed"])
    assert not is_header(["Initializing", "BMA...card", "initialized."])
    assert not is_header(["120000", "512"])
    assert is_header(["t", " ax", "L"])


def test_a_clock_is_steady_and_a_rising_load_is_not() -> None:
    assert looks_like_clock([120000, 120010, 120020, 120031])
    assert looks_like_clock([65530, 65540, 65550, 65560])
    assert not looks_like_clock([5, 5, 6, 7])  # a step of zero
    assert not looks_like_clock([10, 12, 40, 200])  # a loading sensor
    assert not looks_like_clock([1, 2, 3])  # too few rows to tell


def test_time_unit_inference() -> None:
    assert infer_time_unit([0, 10, 20, 30]) == "ms"
    assert infer_time_unit([0, 1000, 2000]) == "us"
    assert infer_time_unit([0.0, 0.01, 0.02]) == "s"
    # host receipts decide when given: 100 ticks over 0.1 s of host time is a ms clock...
    assert infer_time_unit([0, 50, 100], host_span_s=0.1) == "ms"
    # ... and over 100 s a clock in seconds
    assert infer_time_unit([0, 50, 100], host_span_s=100.0) == "s"
