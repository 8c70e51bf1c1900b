"""Validation of the analysis against reference data nobody on this project made (run on demand).

    .venv/bin/python benchmarks/validate.py [--data ../shared/data] [--json OUT.json]

Every figure is printed for the part of the data the parameters were chosen on ("tuning"),
for the part they were not ("held out"), and for all of it:

* PhysioNet gaitndd (Hausdorff et al. 2000): the authors' stride table (``.ts``) of the left
  foot against ours from ``analyze``: strides within 20 ms, stances within 50 ms, the median
  stance difference, missed and extra steps; per record, per group and overall. Tuning:
  records 1-4 of each group; held out: every other record in the folder (5-8 today; the
  folder grows, and whatever it holds beyond 1-4 is held out).
* Moticon OpenGo: the vendor software's heel strikes and toe offs (the export's ``steps[]``
  columns) within 20 ms of ours; tuning: the events in the first half of the walk and the
  walk with manually set heel strikes (``walk_data_with_events``); held out: the second
  half. The mean stance force against the vendor's gait report (``.xlsx``), per foot.
* pressuRe's CPEI on its example plate and F-Scan files (see ``tests/test_footprint.py`` for
  the source of its values), where the analysis computes it.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pressure import load  # noqa: E402
from pressure.analysis import analyze  # noqa: E402
from pressure.analysis.agreement import (  # noqa: E402
    EventAgreement,
    StrideAgreement,
    event_agreement,
    reference_stride_agreement,
)

GROUPS = ("control", "hunt", "park", "als")
TUNING_RECORDS = (1, 2, 3, 4)


def gaitndd_record(path: Path) -> StrideAgreement:
    """Left-foot agreement of one gaitndd record with its authors' stride table."""
    session = load(path)
    return reference_stride_agreement(session, analyze(session).steps)


def _sum(parts: list[StrideAgreement]) -> dict[str, Any]:
    n = sum(p.strides for p in parts)
    return {
        "records": len(parts),
        "strides": n,
        "stride_within_20ms_pct": 100.0 * sum(p.strides_within for p in parts) / n if n else None,
        "stance_within_50ms_pct": 100.0 * sum(p.stances_within for p in parts) / n if n else None,
        "missed": sum(p.missed for p in parts),
        "extra": sum(p.extra for p in parts),
    }


def gaitndd(folder: Path) -> dict[str, Any]:
    records: dict[str, StrideAgreement] = {}
    for hea in sorted(folder.glob("*.hea")):
        match = re.fullmatch(r"([a-z]+)(\d+)", hea.stem)
        if match and match.group(1) in GROUPS:
            records[hea.stem] = gaitndd_record(hea)
    print("\nPhysioNet gaitndd, left foot, against the authors' stride table")
    print(
        f"{'record':<10} {'strides':>7} {'≤20 ms':>7} {'stance ≤50 ms':>13} "
        f"{'stance bias':>11} {'missed':>6} {'extra':>5}"
    )
    for name, a in records.items():
        print(
            f"{name:<10} {a.strides:>7} {a.stride_pct:>6.1f}% {a.stance_pct:>12.1f}% "
            f"{1000 * a.stance_bias_s:>+9.0f}ms {a.missed:>6} {a.extra:>5}"
        )

    def part(tuning: bool | None, group: str | None) -> list[StrideAgreement]:
        out = []
        for name, a in records.items():
            g, k = re.fullmatch(r"([a-z]+)(\d+)", name).groups()  # type: ignore[union-attr]
            if group is not None and g != group:
                continue
            if tuning is not None and (int(k) in TUNING_RECORDS) != tuning:
                continue
            out.append(a)
        return out

    summary: dict[str, Any] = {"records": {k: vars(v) for k, v in records.items()}}
    print(
        f"\n{'':<22} {'records':>7} {'strides':>7} {'≤20 ms':>7} {'stance ≤50 ms':>13} "
        f"{'missed':>6} {'extra':>5}"
    )
    for label, tuning in (("tuning (1-4)", True), ("held out (5-)", False), ("all", None)):
        for group in (*GROUPS, None):
            s = _sum(part(tuning, group))
            summary[f"{label}/{group or 'overall'}"] = s
            if not s["strides"]:
                continue
            print(
                f"{label + ' ' + (group or 'overall'):<22} {s['records']:>7} {s['strides']:>7} "
                f"{s['stride_within_20ms_pct']:>6.1f}% {s['stance_within_50ms_pct']:>12.1f}% "
                f"{s['missed']:>6} {s['extra']:>5}"
            )
    return summary


def _report_row(path: Path, name: str) -> list[Any]:
    import openpyxl  # type: ignore[import-untyped]

    book = openpyxl.load_workbook(path, read_only=True)
    try:
        for row in book["Report Data"].iter_rows(values_only=True):
            if row[0] == name:
                return [v for v in row[1:] if v is not None]
    finally:
        book.close()
    return []


def moticon(folder: Path) -> dict[str, Any]:
    print("\nMoticon OpenGo: the vendor software's events within 20 ms of ours")
    out: dict[str, Any] = {}
    totals: dict[str, list[EventAgreement]] = {"tuning": [], "held out": []}
    session = load(folder / "230927_102114.txt")
    result = analyze(session)
    steps = result.steps
    middle = session.duration_s / 2 if session.duration_s else 0.0
    for side in ("left", "right"):
        mine = steps[steps["side"] == side]
        for what in ("heel_strike_s", "toe_off_s"):
            theirs = np.asarray(session.events[side][what], dtype=float)
            ours = mine[what].to_numpy(dtype=float)
            for label, sel in (("tuning", theirs < middle), ("held out", theirs >= middle)):
                a = event_agreement(ours, theirs[sel])
                totals[label].append(a)
                errors = np.round(1000 * a.errors_s).astype(int).tolist()
                print(
                    f"  export, {label:<8} {side:<5} {what:<13} {a.within}/{a.events}  "
                    f"errors (ms) {errors}"
                )
    manual = load(folder / "walk_data_with_events" / "text_export.txt")
    manual_steps = analyze(manual).steps
    for side in ("left", "right"):
        # event 1 marks each heel strike (the load leaves the floor there); event 2 lies
        # mid-stance and is no gait event
        theirs = np.asarray(manual.events[side]["event_1_s"], dtype=float)
        ours = manual_steps.loc[manual_steps["side"] == side, "heel_strike_s"].to_numpy(float)
        a = event_agreement(ours, theirs)
        totals["tuning"].append(a)
        errors = np.round(1000 * a.errors_s).astype(int).tolist()
        print(
            f"  manual events, tuning {side:<5} heel_strike_s {a.within}/{a.events}  "
            f"errors (ms) {errors}"
        )
    for label, parts in totals.items():
        n, k = sum(p.events for p in parts), sum(p.within for p in parts)
        out[f"events_{label}"] = {"events": n, "within_20ms": k}
        print(f"  {label}: {k}/{n} within 20 ms" + (f" ({100 * k / n:.0f}%)" if n else ""))
    report = folder / "gait_report_230927_10_21_14.xlsx"
    force = result.summary["distribution"]["mean_stance_force_n"]
    for side in ("left", "right"):
        row = _report_row(report, f"Mean total force during stance phase ({side}) (N)")
        if row and force.get(side) is not None:
            theirs_n = float(str(row[0]))
            diff = 100.0 * (force[side] / theirs_n - 1.0)
            out[f"mean_stance_force_{side}"] = {
                "ours_n": force[side],
                "report_n": theirs_n,
                "difference_pct": diff,
            }
            print(
                f"  mean stance force {side}: ours {force[side]:.1f} N, report "
                f"{theirs_n:.1f} N ({diff:+.2f}%)"
            )
    return out


def pressure_r(folder: Path) -> dict[str, Any]:
    """CPEI against pressuRe's ``cpei()`` (as METHODS §2.1 describes it, ``tests/reference_cpei``)
    on its emed example (the whole contact) and on the F-Scan walk (steps 1-4, each over its
    own frames); and the CoP: ours is pressuRe's definition (a pressure-weighted centroid of
    the sensel centres, equal areas), checked frame by frame."""
    from pressure.cop import foot_cop
    from tests.reference_cpei import pressure_r_cpei

    print("\npressuRe: CPEI (%) and CoP")
    out: dict[str, Any] = {}
    emed = load(folder / "emed_test.lst")
    side = next(iter(emed.feet))
    ours = analyze(emed).summary["pronation"]["cpei_pct"][side]
    theirs = pressure_r_cpei(emed, side, 0, emed.feet[side].n_frames)
    out["emed"] = {"side": side, "ours": ours, "pressure_r": theirs}
    print(
        f"  emed_test.lst ({side}): ours {ours:.2f}, pressuRe's {theirs:.2f} "
        f"({ours - theirs:+.2f} pp)"
    )
    fscan = load(folder / "fscan_testL.asf")
    foot = fscan.feet["left"]
    steps = analyze(fscan).steps
    first = steps[steps["side"] == "left"].iloc[:4]
    ours_steps = first["cpei_pct"].to_numpy(dtype=float)
    theirs_steps = np.array(
        [
            pressure_r_cpei(
                fscan,
                "left",
                int(np.searchsorted(foot.time_s, a)),
                int(np.searchsorted(foot.time_s, b)),
            )
            for a, b in zip(first["heel_strike_s"], first["toe_off_s"], strict=True)
        ]
    )
    out["fscan_steps_1_4"] = {"ours": ours_steps.tolist(), "pressure_r": theirs_steps.tolist()}
    print(
        f"  fscan_testL.asf steps 1-4: ours {np.round(ours_steps, 2).tolist()}, pressuRe's "
        f"{np.round(theirs_steps, 2).tolist()}; means {ours_steps.mean():.2f} and "
        f"{theirs_steps.mean():.2f} ({ours_steps.mean() - theirs_steps.mean():+.2f} pp)"
    )
    for name, session in (("emed_test.lst", emed), ("fscan_testL.asf", fscan)):
        for side_, f in session.feet.items():
            cop = foot_cop(f)
            if cop is None or f.layout is None:
                continue
            v = np.nan_to_num(f.values)
            total = v.sum(axis=1)
            ok = total > 0
            x = (v[ok] @ f.layout.x_mm) / total[ok]
            y = (v[ok] @ f.layout.y_mm) / total[ok]
            both = np.isfinite(cop.x_mm[ok])
            err = float(
                np.max(np.hypot(cop.x_mm[ok][both] - x[both], cop.y_mm[ok][both] - y[both]))
            )
            out[f"cop_{name}_{side_}"] = err
            print(
                f"  CoP {name} {side_}: largest distance from the pressure-weighted centroid "
                f"{err:.2g} mm over {int(both.sum())} frames"
            )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = parser.parse_args(argv)
    figures = {
        "gaitndd": gaitndd(args.data / "gaitndd"),
        "moticon": moticon(args.data / "moticon"),
        "pressure_r": pressure_r(args.data / "pressure_r_extdata"),
    }
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1, default=float))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
