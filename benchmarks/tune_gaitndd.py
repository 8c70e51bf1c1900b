"""The gaitndd figures of ``validate.py`` on the tuning records only (1-4 of each group).

    .venv/bin/python benchmarks/tune_gaitndd.py [--data ../shared/data] [--set name=value ...]

For choosing the event detector's parameters without seeing the held-out records (5-8):
this script never reads them. ``--set`` overrides an ``EventOptions`` field for the run
(``--set threshold=0.32 --set raw_rise_per_s=2.5``), so that a variant can be compared with
the defaults before anything is changed in the code.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pressure import load  # noqa: E402
from pressure.analysis import AnalysisOptions, EventOptions, analyze  # noqa: E402
from pressure.analysis.agreement import (  # noqa: E402
    StrideAgreement,
    reference_stride_agreement,
)

GROUPS = ("control", "hunt", "park", "als")
TUNING_RECORDS = (1, 2, 3, 4)


def _options(settings: list[str]) -> EventOptions:
    fields = {f.name: f for f in dataclasses.fields(EventOptions)}
    values: dict[str, object] = {}
    for item in settings:
        name, _, text = item.partition("=")
        if name not in fields:
            raise SystemExit(f"--set {item}: EventOptions has no field {name!r}")
        default = getattr(EventOptions(), name)
        if isinstance(default, tuple):
            raise SystemExit(f"--set {item}: {name} is a pair; not settable here")
        values[name] = type(default)(text)
    return EventOptions(**values)  # type: ignore[arg-type]


def _pct(parts: list[StrideAgreement]) -> tuple[int, float, float]:
    n = sum(p.strides for p in parts)
    strides = 100.0 * sum(p.strides_within for p in parts) / n if n else float("nan")
    stances = 100.0 * sum(p.stances_within for p in parts) / n if n else float("nan")
    return n, strides, stances


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    args = parser.parse_args(argv)
    options = AnalysisOptions(events=_options(args.set))
    records: dict[str, StrideAgreement] = {}
    for group in GROUPS:
        for k in TUNING_RECORDS:
            path = args.data / "gaitndd" / f"{group}{k}.hea"
            if path.exists():
                session = load(path)
                records[path.stem] = reference_stride_agreement(
                    session, analyze(session, options).steps
                )
    print(f"{'record':<10} {'strides':>7} {'≤20 ms':>7} {'stance ≤50 ms':>13}")
    for name, a in records.items():
        print(f"{name:<10} {a.strides:>7} {a.stride_pct:>6.1f}% {a.stance_pct:>12.1f}%")
    for label in (*GROUPS, "overall"):
        parts = [
            a for name, a in records.items() if label in ("overall", name.rstrip("0123456789"))
        ]
        n, strides, stances = _pct(parts)
        print(f"{label:<10} {n:>7} {strides:>6.1f}% {stances:>12.1f}%")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
