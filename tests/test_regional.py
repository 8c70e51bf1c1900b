"""Regional variables (METHODS §5.4) on a foot small enough to compute by hand."""

from __future__ import annotations

import numpy as np
import pytest

from pressure.analysis.distribution import region_loads, regional
from pressure.cop import sensor_weights
from pressure.layout import SensorLayout
from pressure.model import FootRecording


def _foot() -> FootRecording:
    layout = SensorLayout(
        name="three",
        x_mm=np.array([-10.0, 10.0, 0.0]),
        y_mm=np.array([20.0, 20.0, 150.0]),
        area_mm2=np.array([100.0, 200.0, 300.0]),
        foot_length_mm=200.0,
        foot_width_mm=40.0,
        outline_mm=np.array([[-20, 0], [20, 0], [20, 200], [-20, 200], [-20, 0]], float),
        regions={"s.back": np.array([0, 1]), "s.front": np.array([2])},
    )
    return FootRecording(
        side="left",
        time_s=np.array([0.0, 0.1]),
        values=np.array([[20.0, 5.0, 40.0], [30.0, 50.0, 0.0]]),
        unit="kpa",
        sampling_rate_hz=10.0,
        layout=layout,
    )


def test_regional_values_by_hand() -> None:
    foot = _foot()
    weights, unit = sensor_weights(foot)
    assert unit == "n"
    rows = {
        r["region"]: r for r in regional(foot, np.ones(2, bool), True, region_loads(foot, weights))
    }
    back, front = rows["s.back"], rows["s.front"]
    # frame 0: only sensor 0 is above 10 kPa (ratio 20 kPa); frame 1: sensors 0 and 1,
    # (30·100 + 50·200) / 300 = 43.33 kPa
    assert back["peak_pressure_kpa"] == 50.0
    assert back["peak_mean_pressure_kpa"] == pytest.approx(13000 / 300)
    assert back["mean_pressure_kpa"] == pytest.approx((20 + 13000 / 300) / 2)
    assert back["contact_area_mm2"] == 300.0
    assert front["peak_mean_pressure_kpa"] == 40.0
    assert front["mean_pressure_kpa"] == 40.0  # only the frame it touches counts
    # forces: back 3 N then 13 N, front 12 N then 0; Δt 0.1 s each
    assert back["max_force_n"] == pytest.approx(13.0)
    assert back["force_time_integral_n_s"] == pytest.approx(1.6)
    assert front["force_time_integral_n_s"] == pytest.approx(1.2)
    # the dotted scheme "s" partitions the foot: relative loads within it
    assert back["relative_load_pct"] == pytest.approx(100 * 1.6 / 2.8)
    assert front["relative_load_pct"] == pytest.approx(100 * 1.2 / 2.8)
