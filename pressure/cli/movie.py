"""``pressure movie FILE -o OUT.gif|OUT.mp4``: each foot's pressure map over time, with the
centre of pressure's trail over the last second and a time stamp (``pressure.report.movie``).

The movie's frames are ``--fps`` a second and step ``--speed / --fps`` seconds through the
recording, from ``--start-s`` to ``--end-s``; at most 10,000 of them. A GIF is written
with Pillow; an MP4 with the ffmpeg of the ``movie`` extra (``pip install 'pressure[movie]'``).
OUT appears whole or not at all, and is not replaced unless ``--overwrite``.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from ..errors import UsageError
from ._args import (
    add_insole_options,
    check_outputs,
    insole_profile,
    integer_in,
    number_in,
    write_output,
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help="a session file (any format `load` reads)")
    parser.add_argument(
        "-o",
        "--out",
        required=True,
        metavar="OUT",
        help="the movie to write: .gif (Pillow) or .mp4 (needs pip install 'pressure[movie]')",
    )
    parser.add_argument(
        "--start-s",
        type=number_in(0, math.inf, low_open=False),
        default=None,
        metavar="S",
        help="start S seconds after the start of the recording (default: its start)",
    )
    parser.add_argument(
        "--end-s",
        type=number_in(0, math.inf),
        default=None,
        metavar="S",
        help="end S seconds after the start of the recording (default: its end)",
    )
    parser.add_argument(
        "--speed",
        type=number_in(0, 1000),
        default=1.0,
        metavar="X",
        help="seconds of recording per second of movie (default: 1; 0.25 is slow motion)",
    )
    parser.add_argument(
        "--fps",
        type=integer_in(1, 100),
        default=20,
        metavar="N",
        help="frames per second of the movie (default: 20)",
    )
    parser.add_argument("--overwrite", action="store_true", help="replace an existing OUT")
    add_insole_options(parser)
    parser.set_defaults(body_mass_kg=None)  # the profile's key; a movie does not use it


def run(args: argparse.Namespace) -> int:
    from ..analysis import AnalysisOptions, analyze
    from ..profile import load_with_profile
    from ..report import movie

    suffix = Path(args.out).suffix.lower()
    if suffix not in movie.SUFFIXES:
        raise UsageError(f"{args.out}: a movie is written as .gif or .mp4")
    if args.start_s is not None and args.end_s is not None and args.start_s >= args.end_s:
        raise UsageError(f"--start-s ({args.start_s:g}) must be before --end-s ({args.end_s:g})")
    if suffix == ".mp4":
        movie.ffmpeg_exe()  # before any work: without the extra, say how to get it
    check_outputs([args.out], [args.file], args.overwrite)
    profile = insole_profile(args)
    session = load_with_profile(args.file, profile)
    feet = movie.drawable_feet(session)
    window = session.window(args.start_s, args.end_s)  # AnalysisError outside the recording
    start = (
        args.start_s
        if args.start_s is not None
        else min(float(f.time_s[0]) for f in window.feet.values() if f.n_frames)
    )
    end = args.end_s if args.end_s is not None else window.end_s
    n = movie.frame_count(start, end, args.speed, args.fps)
    if n > movie.MAX_FRAMES:
        raise UsageError(
            f"{n} frames ({end - start:.6g} s at --speed {args.speed:g} and --fps "
            f"{args.fps}) is more than {movie.MAX_FRAMES}: shorten it with --start-s/--end-s, or "
            "raise --speed or lower --fps"
        )
    if not n:
        raise UsageError("the movie would have no frame: give a longer --start-s/--end-s")
    times = movie.frame_times(start, end, args.speed, args.fps)
    # the trail of the first frame reaches back before the start
    trail_from = max(0.0, start - movie.TRAIL_S)
    options = AnalysisOptions(start_s=trail_from if trail_from > 0 else None, end_s=args.end_s)
    cop = analyze(session, options).cop
    for side in session.feet.keys() - feet.keys():
        note = f"the {side} foot has no sensor positions in mm: not drawn"
        print(f"pressure movie: note: {note}", file=sys.stderr)

    def write(path: Path) -> None:
        movie.write_movie(session, cop, path, times, fps=args.fps, format=movie.SUFFIXES[suffix])

    write_output(args.out, write, "movie", args.overwrite)
    print(args.out)
    return 0
