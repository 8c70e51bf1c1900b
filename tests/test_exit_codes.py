"""One exit status per kind of failure, the same in every command (``pressure.cli.EXIT_STATUS``):
each command run with each kind of failure it can have, one line on stderr."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from pressure.cli import ERROR_STATUS, EXIT_STATUS, build_parser, main
from pressure.io.recording import RecordingWriter

from .conftest import ROOT

WALK = str(ROOT / "sample_data" / "walk_normal.insole")  # 20 s, both feet
NO_LAYOUT = str(ROOT / "sample_data" / "line_mode_example.txt")  # no sensor positions
USAGE, ANALYSIS, INPUT, DEVICE_OR_OUTPUT = 2, 1, 3, 4


def _recording(tmp: Path) -> str:
    path = tmp / "rec.insole"
    if not path.exists():
        assert main(["simulate", "--out", str(path), "--seconds", "1"]) == 0
    return str(path)


def _empty(tmp: Path) -> str:
    """A recording that never received a frame: readable, with nothing to analyse."""
    path = tmp / "empty.insole"
    RecordingWriter(path).close()
    return str(path)


def _damaged(tmp: Path) -> str:
    path = tmp / "damaged.insole"
    path.write_bytes(bytes(range(256)) * 8)
    return str(path)


def _existing(tmp: Path, name: str) -> str:
    path = tmp / name
    path.write_text("keep me")
    return str(path)


def _folder_with(tmp: Path, make: Callable[[Path], str]) -> str:
    folder = tmp / "sessions"
    folder.mkdir()
    make(folder)
    return str(folder)


def _missing(tmp: Path) -> str:
    return str(tmp / "missing.insole")


def _nowhere(tmp: Path, name: str) -> str:
    """An output in a folder that does not exist: it cannot be written."""
    return str(tmp / "no" / "such" / name)


# (command, kind of failure, argv from tmp_path, expected status)
CASES: list[tuple[str, str, Callable[[Path], list[str]], int]] = [
    # usage: argparse's own, and what the commands find after parsing
    ("simulate", "bad value", lambda t: ["simulate", "--out", "x", "--seconds", "-1"], USAGE),
    ("simulate", "options clash", lambda t: ["simulate", "--pty", "--raw"], USAGE),
    (
        "simulate",
        "out exists",
        lambda t: ["simulate", "--out", _existing(t, "o.insole"), "--seconds", "1"],
        USAGE,
    ),
    ("simulate", "input", lambda t: ["simulate", "--from", _missing(t), "--out", "o"], INPUT),
    (
        "simulate",
        "input without frames",
        lambda t: ["simulate", "--from", _empty(t), "--out", str(t / "o.insole")],
        INPUT,
    ),
    (
        "simulate",
        "output",
        lambda t: ["simulate", "--out", _nowhere(t, "o.insole"), "--seconds", "1"],
        DEVICE_OR_OUTPUT,
    ),
    ("record", "bad value", lambda t: ["record", "/dev/null", "-o", "x", "--rate", "0"], USAGE),
    ("record", "lsl options clash", lambda t: ["record", "p", "-o", "x", "--lsl-name", "n"], USAGE),
    ("record", "out exists", lambda t: ["record", "p", "-o", _existing(t, "r.insole")], USAGE),
    (
        "record",
        "device",
        lambda t: ["record", str(t / "no-such-port"), "-o", str(t / "r.insole")],
        DEVICE_OR_OUTPUT,
    ),
    ("view", "bad value", lambda t: ["view", WALK, "--port", "x"], USAGE),
    ("view", "options clash", lambda t: ["view", WALK, "--live", "p"], USAGE),
    ("view", "input", lambda t: ["view", _missing(t), "--no-browser"], INPUT),
    (
        "view",
        "no such port",
        lambda t: ["view", "--live", str(t / "no-such-port"), "--no-browser", "--out-dir", str(t)],
        DEVICE_OR_OUTPUT,
    ),
    ("lsl", "bad value", lambda t: ["lsl", "p", "--lsl-wait-s", "x"], USAGE),
    ("lsl", "options clash", lambda t: ["lsl", "p", "--right", "q", "--side", "left"], USAGE),
    (
        "lsl",
        "no such port",
        lambda t: ["lsl", str(t / "no-such-port"), "--seconds", "1"],
        DEVICE_OR_OUTPUT,
    ),
    ("monitor", "bad value", lambda t: ["monitor", "p", "--refresh", "x"], USAGE),
    (
        "monitor",
        "device",
        lambda t: ["monitor", str(t / "no-such-port"), "--seconds", "1"],
        DEVICE_OR_OUTPUT,
    ),
    ("info", "bad value", lambda t: ["info", "x", "--rate", "0"], USAGE),
    ("info", "missing input", lambda t: ["info", _missing(t)], INPUT),
    ("info", "damaged input", lambda t: ["info", _damaged(t)], INPUT),
    ("info", "a folder", lambda t: ["info", str(t)], INPUT),
    ("convert", "suffix", lambda t: ["convert", WALK, str(t / "o.xlsx")], USAGE),
    ("convert", "out exists", lambda t: ["convert", WALK, _existing(t, "o.csv")], USAGE),
    ("convert", "missing input", lambda t: ["convert", _missing(t), str(t / "o.csv")], INPUT),
    ("convert", "damaged input", lambda t: ["convert", _damaged(t), str(t / "o.csv")], INPUT),
    ("convert", "no frames", lambda t: ["convert", _empty(t), str(t / "o.parquet")], INPUT),
    ("convert", "output", lambda t: ["convert", WALK, _nowhere(t, "o.csv")], DEVICE_OR_OUTPUT),
    (
        "analyze",
        "reversed window",
        lambda t: ["analyze", WALK, "--start-s", "5", "--end-s", "2"],
        USAGE,
    ),
    ("analyze", "missing input", lambda t: ["analyze", _missing(t)], INPUT),
    ("analyze", "damaged input", lambda t: ["analyze", _damaged(t)], INPUT),
    (
        "analyze",
        "window outside",
        lambda t: ["analyze", WALK, "--start-s", "5", "--end-s", "100"],
        ANALYSIS,
    ),
    ("analyze", "no frames", lambda t: ["analyze", _empty(t)], ANALYSIS),
    (
        "analyze",
        "output",
        lambda t: ["analyze", WALK, "--steps-csv", _nowhere(t, "steps.csv")],
        DEVICE_OR_OUTPUT,
    ),
    ("report", "suffix", lambda t: ["report", WALK, "-o", str(t / "r.docx")], USAGE),
    (
        "report",
        "reversed window",
        lambda t: ["report", WALK, "-o", str(t / "r.html"), "--start-s", "5", "--end-s", "2"],
        USAGE,
    ),
    ("report", "missing input", lambda t: ["report", _missing(t), "-o", str(t / "r.html")], INPUT),
    (
        "report",
        "window outside",
        lambda t: ["report", WALK, "-o", str(t / "r.html"), "--start-s", "5", "--end-s", "100"],
        ANALYSIS,
    ),
    (
        "report",
        "output",
        lambda t: ["report", WALK, "-o", _nowhere(t, "r.html")],
        DEVICE_OR_OUTPUT,
    ),
    ("movie", "suffix", lambda t: ["movie", WALK, "-o", str(t / "m.avi")], USAGE),
    (
        "movie",
        "too many frames",
        lambda t: ["movie", WALK, "-o", str(t / "m.gif"), "--fps", "100", "--speed", "0.1"],
        USAGE,
    ),
    ("movie", "out exists", lambda t: ["movie", WALK, "-o", _existing(t, "m.gif")], USAGE),
    ("movie", "missing input", lambda t: ["movie", _missing(t), "-o", str(t / "m.gif")], INPUT),
    (
        "movie",
        "no sensor positions",
        lambda t: ["movie", NO_LAYOUT, "-o", str(t / "m.gif")],
        INPUT,
    ),
    (
        "movie",
        "window outside",
        lambda t: ["movie", WALK, "-o", str(t / "m.gif"), "--start-s", "50"],
        ANALYSIS,
    ),
    (
        "movie",
        "output",
        lambda t: ["movie", WALK, "-o", _nowhere(t, "m.gif"), "--start-s", "2", "--end-s", "3"],
        DEVICE_OR_OUTPUT,
    ),
    ("compare", "one file", lambda t: ["compare", WALK], USAGE),
    ("compare", "suffix", lambda t: ["compare", WALK, WALK, "-o", str(t / "c.docx")], USAGE),
    ("compare", "missing input", lambda t: ["compare", WALK, _missing(t)], INPUT),
    (
        "compare",
        "output",
        lambda t: ["compare", WALK, WALK, "--labels", "a,b", "-o", _nowhere(t, "c.html")],
        DEVICE_OR_OUTPUT,
    ),
    ("protocol", "no standing", lambda t: ["protocol", "lbp"], USAGE),
    ("protocol", "missing input", lambda t: ["protocol", "lbp", "--standing", _missing(t)], INPUT),
    (
        "protocol",
        "output",
        lambda t: ["protocol", "lbp", "--standing", WALK, "-o", _nowhere(t, "p.html")],
        DEVICE_OR_OUTPUT,
    ),
    ("batch", "bad value", lambda t: ["batch", str(t), "-o", "o", "--jobs", "0"], USAGE),
    (
        "batch",
        "reversed window",
        lambda t: ["batch", str(t), "-o", str(t / "o"), "--start-s", "5", "--end-s", "2"],
        USAGE,
    ),
    ("batch", "missing folder", lambda t: ["batch", str(t / "none"), "-o", str(t / "o")], INPUT),
    (
        "batch",
        "a session failed",
        lambda t: ["batch", _folder_with(t, _empty), "-o", str(t / "o"), "--jobs", "1"],
        ANALYSIS,
    ),
    (
        "batch",
        "output",
        lambda t: ["batch", str(t), "-o", _existing(t, "a-file"), "--jobs", "1"],
        DEVICE_OR_OUTPUT,
    ),
    (
        "batch",
        "bad profile",
        lambda t: ["batch", str(t), "-o", str(t / "o"), "--profile", _existing(t, "p.toml")],
        INPUT,
    ),
    ("analyze", "bad option value", lambda t: ["analyze", WALK, "--invert", "x"], USAGE),
    ("analyze", "option beyond the data", lambda t: ["analyze", WALK, "--invert=99"], USAGE),
    ("analyze", "missing profile", lambda t: ["analyze", WALK, "--profile", _missing(t)], INPUT),
    ("profile", "no action", lambda t: ["profile"], USAGE),
    ("profile", "out exists", lambda t: ["profile", "init", WALK, "-o", _existing(t, "p")], USAGE),
    ("profile", "missing input", lambda t: ["profile", "init", _missing(t), "-o", "p"], INPUT),
    (
        "profile",
        "output",
        lambda t: ["profile", "init", WALK, "-o", _nowhere(t, "p.toml")],
        DEVICE_OR_OUTPUT,
    ),
]


@pytest.mark.parametrize(
    ("argv", "status"),
    [pytest.param(argv, status, id=f"{command}-{kind}") for command, kind, argv, status in CASES],
)
def test_each_kind_of_failure_has_its_status(
    argv: Callable[[Path], list[str]],
    status: int,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = argv(tmp_path)
    capsys.readouterr()
    got: int | str | None
    try:
        got = main(args)
        by_argparse = False
    except SystemExit as exc:  # argparse's usage errors: its usage text, then one error line
        got, by_argparse = exc.code, True
    assert got == status
    err = capsys.readouterr().err
    assert "Traceback" not in err
    if by_argparse:
        assert len([line for line in err.splitlines() if "error:" in line]) == 1, err
    elif args[0] == "batch" and status == ANALYSIS:  # a line per failed session
        assert err.startswith("pressure batch: failed:") and len(err.splitlines()) == 1, err
    else:
        assert len(err.splitlines()) == 1 and "error:" in err, err


def test_every_command_has_a_case_and_every_status_is_documented() -> None:
    commands = {c for c, *_ in CASES}
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    assert isinstance(sub.choices, dict)
    assert commands == set(sub.choices) - {"ports"}  # listing ports has nothing to fail on
    assert {status for *_, status in CASES} | {0, 130} == set(EXIT_STATUS)
    assert {code for _, code in ERROR_STATUS} <= set(EXIT_STATUS)


def test_the_statuses_are_in_the_help_and_the_readme(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    shown = capsys.readouterr().out
    readme = (ROOT / "README.md").read_text("utf-8")
    for code in EXIT_STATUS:
        assert re.search(rf"^  {code} +\S", shown, re.MULTILINE), code
        assert re.search(rf"^\* `{code}`", readme, re.MULTILINE), code
