"""The public surface: what ``import pressure`` offers, and what ``dir()`` and ``help()`` say."""

from __future__ import annotations

import functools
import inspect
import json
import re
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import replace

import pytest

import pressure
from pressure.analysis import STEP_COLUMNS, analyze, load_columns, step_columns
from pressure.cli import COMMANDS, HELP_WIDTH, build_parser, main
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


# ------------------------------------------------------------------ help() of the public API


def _public() -> list[tuple[str, object]]:
    return [
        (name, obj)
        for name in pressure.__all__
        if inspect.isfunction(obj := getattr(pressure, name)) or inspect.isclass(obj)
    ]


def _own_doc(obj: object) -> str:
    """The object's own docstring: not a base class's, and not the signature a dataclass
    makes up when it has none (which would name every parameter)."""
    doc = obj.__dict__.get("__doc__") if inspect.isclass(obj) else getattr(obj, "__doc__", None)
    doc = inspect.cleandoc(doc or "")
    if inspect.isclass(obj) and doc.startswith(f"{obj.__name__}("):
        return ""
    return doc


def _parameters(obj: object) -> list[str]:
    try:
        signature = inspect.signature(obj)  # type: ignore[arg-type]
    except (TypeError, ValueError):  # an exception class's built-in __init__
        return []
    return [
        name
        for name, p in signature.parameters.items()
        if name not in ("self", "cls") and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]


def _undocumented(doc: str, parameters: list[str]) -> list[str]:
    """The parameters without an entry ``name : type`` (numpy style) in ``doc``."""
    return [p for p in parameters if not re.search(rf"^\s*{re.escape(p)} :", doc, re.MULTILINE)]


def _members(cls: type) -> list[tuple[str, object]]:
    """The class's own public methods and properties (not those of object or Exception)."""
    out: list[tuple[str, object]] = []
    for name, member in vars(cls).items():
        if name.startswith("_"):
            continue
        if isinstance(member, (property, functools.cached_property)):
            out.append((name, member.fget if isinstance(member, property) else member.func))
        elif isinstance(member, (staticmethod, classmethod)):
            out.append((name, member.__func__))
        elif inspect.isfunction(member):
            out.append((name, member))
    return out


def test_public_names_say_what_they_take_and_return() -> None:
    """``help()`` of every public function and class names each parameter (a numpy-style
    entry ``name : type``) and, for a function that returns something, what it returns."""
    missing: dict[str, object] = {}
    for name, obj in _public():
        doc = _own_doc(obj)
        if not doc:
            missing[name] = "no docstring"
            continue
        if undocumented := _undocumented(doc, _parameters(obj)):
            missing[name] = undocumented
        if inspect.isfunction(obj):
            returns = inspect.signature(obj).return_annotation
            if returns not in (None, "None") and "\nReturns\n-------\n" not in doc:
                missing[name] = "no Returns section"
    assert missing == {}


def test_public_classes_methods_have_docstrings() -> None:
    missing: dict[str, object] = {}
    for name, obj in _public():
        if not inspect.isclass(obj):
            continue
        for member_name, member in _members(obj):
            where = f"{name}.{member_name}"
            doc = inspect.cleandoc(getattr(member, "__doc__", None) or "")
            if not doc:
                missing[where] = "no docstring"
            elif undocumented := _undocumented(doc, _parameters(member)):
                missing[where] = undocumented
    assert missing == {}


def test_the_docstring_check_finds_a_missing_parameter() -> None:
    def documented(path: str, rate_hz: float) -> int:
        """Something.

        Parameters
        ----------
        path : str
            A file.

        Returns
        -------
        int
            A count.
        """
        return 0

    assert _undocumented(_own_doc(documented), _parameters(documented)) == ["rate_hz"]


# ------------------------------------------------------------------ pressure --help


def test_cli_help_lists_each_command_on_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """``pressure --help`` in an 80-column terminal: one line per command, in the order of
    ``COMMANDS``, each with its help."""
    monkeypatch.setenv("COLUMNS", "80")
    text = build_parser().format_help()
    lines = text.splitlines()
    for name, (_, help_text, _) in COMMANDS.items():
        assert len(help_text) <= HELP_WIDTH, name
        (line,) = [line for line in lines if line.split()[:1] == [name]]
        assert line.split(None, 1)[1] == help_text
        following = lines[lines.index(line) + 1]
        assert not following.startswith(" " * 8), f"{name}'s help wraps: {following!r}"
    assert "pressure COMMAND --help" in text


@pytest.mark.parametrize("name", list(COMMANDS))
def test_each_command_has_help(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main([name, "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: pressure {name}")
    _, help_text, description = COMMANDS[name]
    assert " ".join((description or help_text).split()[:4]) in " ".join(out.split())
