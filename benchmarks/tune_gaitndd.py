"""The gaitndd figures of ``validate.py`` on the tuning records only (1-4 of each group).

    .venv/bin/python benchmarks/tune_gaitndd.py [--data ../shared/data] [--set name=value ...]
        [--candidate "name=value[,name=value ...]" ...] [--heel-strikes]

For choosing the event detector's parameters without seeing the held-out records (5-8):
this script never reads them. ``--set`` overrides an ``EventOptions`` field for the run
(``--set threshold=0.32 --set raw_rise_per_s=2.5``), so that a variant can be compared with
the defaults before anything is changed in the code.

``--candidate`` (repeatable) compares alternatives by cross-validation *across records*: each
candidate is a comma-separated list of ``EventOptions`` settings applied on top of the
defaults (and of ``--set``). The script prints each candidate's figures on records 1-4, then
what choosing among "defaults" and the candidates would give on a record it was not chosen
on: for every tuning record, the candidate with the most strides within 20 ms on the other
15 records is applied to it (leave one record out), and likewise for every group with the
other three (leave one group out). A candidate that beats the defaults on records 1-4 but
not in these cross-validated figures fits the records it was chosen on, not the data.

``--heel-strikes`` shows where the heel strikes differ from the authors' (every heel strike
that opens or closes a row of the ``.ts``, against our nearest one), per record: the median
difference in samples, the share within 1 and 3 samples of that median, and how many of
ours lie more than 20 ms later or earlier than theirs, or more than 100 ms away.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pressure import load  # noqa: E402
from pressure.analysis import AnalysisOptions, EventOptions, analyze  # noqa: E402
from pressure.analysis.agreement import (  # noqa: E402
    MATCH_S,
    StrideAgreement,
    nearest_errors,
    reference_stride_agreement,
)

GROUPS = ("control", "hunt", "park", "als")
TUNING_RECORDS = (1, 2, 3, 4)
DEFAULTS = "defaults"


def _options(settings: list[str], base: EventOptions | None = None) -> EventOptions:
    fields = {f.name: f for f in dataclasses.fields(EventOptions)}
    base = base or EventOptions()
    values: dict[str, object] = {}
    for item in settings:
        name, _, text = item.partition("=")
        name = name.strip()
        if name not in fields:
            raise SystemExit(f"{item}: EventOptions has no field {name!r}")
        default = getattr(base, name)
        if isinstance(default, tuple):
            raise SystemExit(f"{item}: {name} is a pair; not settable here")
        values[name] = type(default)(text.strip())
    return dataclasses.replace(base, **values)  # type: ignore[arg-type]


def _group(name: str) -> str:
    return name.rstrip("0123456789")


def evaluate(data: Path, options: EventOptions) -> dict[str, StrideAgreement]:
    """Left-foot agreement of every tuning record (1-4 of each group) in ``data``/gaitndd."""
    analysis = AnalysisOptions(events=options)
    records: dict[str, StrideAgreement] = {}
    for group in GROUPS:
        for k in TUNING_RECORDS:
            path = data / "gaitndd" / f"{group}{k}.hea"
            if path.exists():
                session = load(path)
                records[path.stem] = reference_stride_agreement(
                    session, analyze(session, analysis).steps
                )
    return records


def heel_strikes(data: Path, options: EventOptions) -> None:
    """Our heel strikes against the authors' on every tuning record (module docstring)."""
    analysis = AnalysisOptions(events=options)
    print(
        f"{'record':<10} {'heel strikes':>12} {'median':>6} {'±1':>6} {'±3':>6} "
        f"{'later':>5} {'earlier':>7} {'far':>4}"
    )
    for group in GROUPS:
        for k in TUNING_RECORDS:
            path = data / "gaitndd" / f"{group}{k}.hea"
            if not path.exists():
                continue
            session = load(path)
            fs = session.feet["left"].sampling_rate_hz
            table = np.asarray(session.metadata["reference_strides"], dtype=np.float64)
            columns = list(session.metadata["reference_stride_columns"])
            closing = table[:, 0]
            opening = closing - table[:, columns.index("left_stride_s")]
            theirs = np.unique(np.round(np.concatenate([opening, closing]) * fs)) / fs
            steps = analyze(session, analysis).steps
            ours = steps.loc[steps["side"] == "left", "heel_strike_s"].to_numpy(dtype=float)
            error = nearest_errors(ours, theirs)
            located = np.abs(error) <= MATCH_S
            samples = np.round(error[located] * fs)
            median = float(np.median(samples)) if samples.size else float("nan")
            near1 = 100.0 * np.mean(np.abs(samples - median) <= 1) if samples.size else 0.0
            near3 = 100.0 * np.mean(np.abs(samples - median) <= 3) if samples.size else 0.0
            later = int(np.sum(error[located] > 0.020 + 1e-9))
            earlier = int(np.sum(error[located] < -0.020 - 1e-9))
            print(
                f"{path.stem:<10} {theirs.size:>12} {median:>+6.0f} {near1:>5.1f}% "
                f"{near3:>5.1f}% {later:>5} {earlier:>7} {int(np.sum(~located)):>4}"
            )


def _pct(parts: list[StrideAgreement]) -> tuple[int, float, float]:
    n = sum(p.strides for p in parts)
    strides = 100.0 * sum(p.strides_within for p in parts) / n if n else float("nan")
    stances = 100.0 * sum(p.stances_within for p in parts) / n if n else float("nan")
    return n, strides, stances


def _print_records(records: dict[str, StrideAgreement]) -> None:
    print(f"{'record':<10} {'strides':>7} {'≤20 ms':>7} {'stance ≤50 ms':>13}")
    for name, a in records.items():
        print(f"{name:<10} {a.strides:>7} {a.stride_pct:>6.1f}% {a.stance_pct:>12.1f}%")
    for label in (*GROUPS, "overall"):
        parts = [a for name, a in records.items() if label in ("overall", _group(name))]
        n, strides, stances = _pct(parts)
        print(f"{label:<10} {n:>7} {strides:>6.1f}% {stances:>12.1f}%")


def cross_validate(
    results: dict[str, dict[str, StrideAgreement]], folds: dict[str, list[str]]
) -> tuple[float, Counter[str]]:
    """Strides within 20 ms (%) when, for each fold (a set of records), the candidate with
    the most strides within 20 ms on the records outside the fold is applied to the fold;
    ties go to the candidate listed first ("defaults"). Also how often each was chosen."""
    names = list(results)
    within = total = 0
    chosen: Counter[str] = Counter()
    for held in folds.values():

        def score(candidate: str, held: list[str] = held) -> int:
            return sum(a.strides_within for rec, a in results[candidate].items() if rec not in held)

        best = max(names, key=lambda c: (score(c), -names.index(c)))
        chosen[best] += 1
        within += sum(results[best][rec].strides_within for rec in held)
        total += sum(results[best][rec].strides for rec in held)
    return (100.0 * within / total if total else float("nan")), chosen


def compare(data: Path, base: EventOptions, candidates: list[str]) -> None:
    results = {DEFAULTS: evaluate(data, base)}
    for text in candidates:
        settings = [s for s in text.split(",") if s.strip()]
        results[text] = evaluate(data, _options(settings, base))
    print(f"{'candidate':<48} {'strides':>7} {'≤20 ms':>7} {'stance ≤50 ms':>13}")
    for label, records in results.items():
        n, strides, stances = _pct(list(records.values()))
        print(f"{label:<48} {n:>7} {strides:>6.2f}% {stances:>12.2f}%")
    recs = list(results[DEFAULTS])
    by_record = {rec: [rec] for rec in recs}
    by_group = {g: [rec for rec in recs if _group(rec) == g] for g in GROUPS}
    fixed = _pct(list(results[DEFAULTS].values()))[1]
    for label, folds in (("leave one record out", by_record), ("leave one group out", by_group)):
        pct, chosen = cross_validate(results, {k: v for k, v in folds.items() if v})
        picks = ", ".join(f"{c} ×{k}" for c, k in chosen.most_common())
        print(f"{label}: {pct:.2f}% (defaults, fixed: {fixed:.2f}%); chosen: {picks}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument(
        "--candidate", action="append", default=[], metavar="NAME=VALUE[,NAME=VALUE]"
    )
    parser.add_argument("--heel-strikes", action="store_true")
    args = parser.parse_args(argv)
    base = _options(args.set)
    if args.heel_strikes:
        heel_strikes(args.data, base)
    elif args.candidate:
        compare(args.data, base, args.candidate)
    else:
        _print_records(evaluate(args.data, base))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
