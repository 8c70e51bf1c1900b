"""The public surface: what ``import pressure`` offers, and what ``dir()`` and ``help()`` say."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import replace

import pytest

import pressure
from pressure.analysis import STEP_COLUMNS, analyze, load_columns, step_columns
from pressure.model import Session
from pressure.simulator import SyntheticGait

from .conftest import ROOT, simulated_session


def test_dir_lists_every_public_name_without_importing_it() -> None:
    """``dir(pressure)`` (and so tab completion) shows the lazily imported names too, and
    listing them imports nothing heavy: ``pressure --help`` must stay fast."""
    code = (
        "import json, sys, pressure; names = dir(pressure); "
        "print(json.dumps({'names': names, 'numpy': 'numpy' in sys.modules}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    got = json.loads(done.stdout)
    assert set(pressure.__all__) <= set(got["names"])
    assert {"load", "analyze", "write_report", "run_batch"} <= set(got["names"])
    assert got["names"] == sorted(got["names"])
    assert not got["numpy"]


def test_every_public_name_resolves() -> None:
    for name in pressure.__all__:
        assert getattr(pressure, name) is not None, name
    assert set(dir(pressure)) >= set(pressure.__all__)


# ------------------------------------------------------------------ units in column names

#: columns that carry no quantity (labels, counts, flags, a dimensionless index)
UNITLESS = {
    "side",
    "step",
    "used",
    "bout",
    "label",
    "cpei_footprint",
    "medial_lateral_index",  # (medial - lateral) / (medial + lateral): a ratio, -1..1
    "region",
    "sensors",  # a count
    "session_id",
}
#: what a quantity's name ends with: its unit (``_pct_fl``: % of foot length, ...)
UNIT_SUFFIX = re.compile(
    r".*_(s|pct|pct_fl|pct_fw|mm|mm2|n|n_s|kpa|kpa_s|n_cm2|n_cm2_s|adc|adc_s|raw|raw_s|au)$"
)


def _without_unit(columns: Iterable[str]) -> list[str]:
    return [c for c in columns if c not in UNITLESS and not UNIT_SUFFIX.fullmatch(c)]


def _session(unit: str, right_unit: str | None = None) -> Session:
    """The simulated walk with its values relabelled: ``adc`` and ``raw`` make an uncalibrated
    session (the loads stay proportional to force, only their unit changes)."""
    session = simulated_session(SyntheticGait(seconds=20.0, seed=3))
    feet = {}
    for side, foot in session.feet.items():
        this = right_unit if side == "right" and right_unit is not None else unit
        feet[side] = foot if this == "kpa" else replace(foot, unit=this)
    return replace(session, left=feet["left"], right=feet["right"])


def test_calibrated_step_table_columns_are_in_newtons() -> None:
    steps = analyze(_session("kpa")).steps
    assert list(steps.columns) == list(STEP_COLUMNS)
    assert {"peak_load_n", "mean_load_n", "load_time_integral_n_s"} <= set(steps.columns)
    assert _without_unit(steps.columns) == []


@pytest.mark.parametrize("unit", ["adc", "raw"])
def test_uncalibrated_step_table_columns_carry_the_sessions_unit(unit: str) -> None:
    result = analyze(_session(unit))
    assert result.distribution.load_unit == unit
    steps = result.steps
    assert list(steps.columns) == list(step_columns([unit]))
    assert set(load_columns(unit)) <= set(steps.columns)
    assert not any(c.endswith("_n") or c.endswith("_n_s") for c in steps.columns)
    assert steps[f"peak_load_{unit}"].notna().any()
    assert _without_unit(steps.columns) == []
    assert _without_unit(result.cop.columns) == []
    assert _without_unit(result.regions.columns) == []


def test_feet_in_different_units_get_a_set_of_load_columns_each() -> None:
    steps = analyze(_session("kpa", right_unit="adc")).steps
    left, right = steps["side"] == "left", steps["side"] == "right"
    assert steps.loc[left, "peak_load_n"].notna().all()
    assert steps.loc[left, "peak_load_adc"].isna().all()
    assert steps.loc[right, "peak_load_adc"].notna().all()
    assert steps.loc[right, "peak_load_n"].isna().all()


def test_output_tables_have_units_in_their_column_names() -> None:
    result = analyze(_session("kpa"))
    for name in ("steps", "cop", "regions"):
        assert _without_unit(getattr(result, name).columns) == [], name
