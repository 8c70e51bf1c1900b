"""``pressure movie``: a GIF and an MP4 of a walk written and decoded back (Pillow for the GIF,
imageio-ffmpeg's ffmpeg for the MP4), the frame times, and the usage errors."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest

import pressure
from pressure.cli import main
from pressure.model import Session

from .conftest import ROOT

if TYPE_CHECKING:
    from types import ModuleType


@pytest.fixture(scope="module")
def movie() -> ModuleType:
    """``pressure.report.movie``, imported by the tests that use it: it imports matplotlib, which
    the workers that run none of them need not import at collection."""
    from pressure.report import movie

    return movie


WALK = str(ROOT / "sample_data" / "walk_normal.insole")  # 20 s, both feet, 100 Hz
WINDOW = ["--start-s", "2", "--end-s", "4"]  # 2 s: 40 frames at the default 20 fps
TWO_FEET_PX = (544, 400)


def _gif_frames(path: Path) -> list[np.ndarray]:
    from PIL import Image, ImageSequence

    with Image.open(path) as im:
        assert im.format == "GIF"
        return [np.asarray(frame.convert("RGB")) for frame in ImageSequence.Iterator(im)]


def test_a_gif_of_a_walk_has_a_frame_per_frame_time_and_the_map_moves(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "walk.gif"
    assert main(["movie", WALK, "-o", str(out), *WINDOW]) == 0
    assert capsys.readouterr().out.strip() == str(out)
    frames = _gif_frames(out)
    assert len(frames) == 40
    assert frames[0].shape == (TWO_FEET_PX[1], TWO_FEET_PX[0], 3)
    assert np.abs(frames[0].astype(int) - frames[20].astype(int)).sum() > 0
    # the feet stay put: the frame's border (outside the time stamp and the feet) is the same
    assert np.array_equal(frames[0][-5:], frames[20][-5:])


def test_speed_and_fps_set_the_number_of_frames(tmp_path: Path) -> None:
    out = tmp_path / "fast.gif"
    assert main(["movie", WALK, "-o", str(out), *WINDOW, "--speed", "2", "--fps", "10"]) == 0
    assert len(_gif_frames(out)) == 10  # 2 s of recording in 1 s of movie, 10 frames a second


def test_an_mp4_of_a_walk_decodes_with_imageio_ffmpeg(tmp_path: Path) -> None:
    import imageio_ffmpeg

    out = tmp_path / "walk.mp4"
    assert main(["movie", WALK, "-o", str(out), *WINDOW]) == 0
    reader = imageio_ffmpeg.read_frames(str(out))
    meta = reader.__next__()
    assert tuple(meta["size"]) == TWO_FEET_PX
    assert meta["fps"] == pytest.approx(20)
    frames = [np.frombuffer(f, np.uint8).reshape(400, 544, 3) for f in reader]
    assert abs(len(frames) - 40) <= 1
    assert np.abs(frames[0].astype(int) - frames[20].astype(int)).sum() > 0


def test_one_foot_is_one_panel(tmp_path: Path, movie: ModuleType) -> None:
    walk = pressure.load(WALK)
    left = Session.from_feet(walk.path, walk.format, {"left": walk.feet["left"]})
    cop = pressure.analyze(left).cop
    out = tmp_path / "left.gif"
    movie.write_movie(left, cop, out, movie.frame_times(2.0, 2.5), format="gif")
    frames = _gif_frames(out)
    assert len(frames) == 10
    assert frames[0].shape[1] < TWO_FEET_PX[0]  # one foot and its colour bar


def test_frame_times_and_the_nearest_frame_of_each_foot(movie: ModuleType) -> None:
    times = movie.frame_times(2.0, 4.0, speed=1.0, fps=20)
    assert len(times) == 40 and times[0] == 2.0 and times[-1] == pytest.approx(3.95)
    assert len(movie.frame_times(0.0, 1.0, speed=0.5, fps=10)) == 20  # slow motion
    assert len(movie.frame_times(0.0, 1.0, speed=3.0, fps=20)) == 7  # 0, 0.15, ..., 0.9
    assert movie.frame_count(0.0, 3600.0, speed=1e-3, fps=100) == 360_000_000  # not made
    at = np.array([0.0, 0.012, 0.016, 0.5, 9.0])
    fast = np.arange(100) / 100.0  # 100 Hz
    slow = np.arange(50) / 50.0  # 50 Hz: the feet keep their own rates
    assert movie.nearest_frames(fast, at).tolist() == [0, 1, 2, 50, 99]
    assert movie.nearest_frames(slow, at).tolist() == [0, 1, 1, 25, 49]
    assert movie.nearest_frames(np.array([3.0]), at).tolist() == [0] * 5


def test_feet_without_positions_in_mm_are_an_input_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], movie: ModuleType
) -> None:
    line_mode = str(ROOT / "sample_data" / "line_mode_example.txt")  # no layout
    assert main(["movie", line_mode, "-o", str(tmp_path / "m.gif")]) == 3
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "no sensor positions" in err
    walk = pressure.load(WALK)
    arbitrary = {}
    for side, f in walk.feet.items():
        assert f.layout is not None
        arbitrary[side] = replace(f, layout=replace(f.layout, coordinate_unit="au"))
    with pytest.raises(pressure.FileFormatError, match="in au, not mm"):
        movie.drawable_feet(Session.from_feet(walk.path, walk.format, arbitrary))


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--speed", "0.01"], "shorten it with --start-s/--end-s"),  # 20 s: 40,000 frames
        (["--start-s", "3", "--end-s", "2"], "must be before"),
    ],
    ids=["too many frames", "reversed window"],
)
def test_usage_errors_are_one_line_and_write_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], says: str
) -> None:
    out = tmp_path / "m.gif"
    assert main(["movie", WALK, "-o", str(out), *args]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and says in err, err
    assert not out.exists()


def test_an_unknown_suffix_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["movie", WALK, "-o", str(tmp_path / "m.avi")]) == 2
    assert "written as .gif or .mp4" in capsys.readouterr().err


def test_an_mp4_without_the_extra_says_how_to_get_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "imageio_ffmpeg", None)  # import fails
    out = tmp_path / "m.mp4"
    assert main(["movie", WALK, "-o", str(out), *WINDOW]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "pip install 'pressure[movie]'" in err, err
    assert not out.exists()
    # a GIF needs no extra
    assert (
        main(["movie", WALK, "-o", str(tmp_path / "m.gif"), "--start-s", "2", "--end-s", "2.2"])
        == 0
    )


def test_an_existing_movie_is_replaced_only_with_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "m.gif"
    out.write_text("keep me")
    args = ["movie", WALK, "-o", str(out), "--start-s", "2", "--end-s", "2.2"]
    assert main(args) == 2
    assert out.read_text() == "keep me"
    assert main([*args, "--overwrite"]) == 0
    assert len(_gif_frames(out)) == 4
