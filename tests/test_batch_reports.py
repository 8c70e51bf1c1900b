"""``pressure batch --report [html|pdf]``: reports named after the session's path under the
folder, PDF reports, and the ``index.html`` that lists every session with its key indicators,
links to its report and the failures."""

from __future__ import annotations

import os
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from pressure.batch import discover, report_names, run_batch
from pressure.cli import main

from . import batch_folder

SAMPLES = batch_folder.ROOT / "sample_data"


# ------------------------------------------------------------------------------- names


def test_a_report_is_named_after_the_session_path() -> None:
    names = report_names(["walks/subject01/trial2.insole", "walk_normal.insole", "noext"])
    assert names == {
        "walks/subject01/trial2.insole": "walks__subject01__trial2",
        "walk_normal.insole": "walk_normal",
        "noext": "noext",
    }


def test_report_names_are_safe_for_any_file_system() -> None:
    odd = {
        "Müller/séance 1.insole": "Muller__seance_1",  # accents dropped, a space replaced
        "walk\ufffd\ufffd.insole": "walk",  # a non-UTF-8 name, as the batch shows it
        'a:b*c?"<>|/x.insole': "a_b_c__x",  # characters Windows refuses
        "con.insole": "con_",  # a Windows device name
        ".hidden/.x.insole": "hidden__x",  # no hidden file
        "日本/テスト.insole": "session",  # nothing readable left
        "deep/" * 60 + "x.insole": None,  # too long
    }
    names = report_names(odd)
    for sid, expected in odd.items():
        name = names[sid]
        assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name), name
        assert len(name.encode()) <= 200
        if expected is not None:
            assert name == expected, sid


def test_a_hash_is_added_only_to_names_that_would_collide() -> None:
    ids = [
        "a/walk.insole",
        "a/walk.csv",  # the suffix is dropped: the same name as the one above
        "a/walk .txt",  # the space is replaced, then dropped at the end
        "A/Walk.asc",  # differs only in case: one file on a case-insensitive file system
        "b/walk.insole",  # no collision: no hash
        "a__walk.insole",  # "__" only ever separates folders: within a name it is "_"
    ]
    names = report_names(ids)
    assert names["b/walk.insole"] == "b__walk"
    assert names["a__walk.insole"] == "a_walk"
    hashed = [names[sid] for sid in ids[:4]]
    for sid, name in zip(ids[:4], hashed, strict=True):
        assert re.fullmatch(r"(a__walk|A__Walk)-[0-9a-f]{8}", name), (sid, name)
    assert len({n.lower() for n in names.values()}) == len(ids)
    # stable: the same ids, in any order, give the same names
    assert report_names(reversed(ids)) == names
    assert report_names(ids[:1] + ids[4:5]) == {
        "a/walk.insole": "a__walk",
        "b/walk.insole": "b__walk",
    }


def test_names_do_not_depend_on_the_pattern_of_the_run(tmp_path: Path) -> None:
    for name in ("walk.insole", "walk.txt"):
        shutil.copy(SAMPLES / "walk_normal.insole", tmp_path / name)
    every, _ = discover(tmp_path)
    (some,), _ = discover(tmp_path, "*.insole")
    assert [j.session_id for j in every] == ["walk.insole", "walk.txt"]
    assert all(re.fullmatch(r"walk-[0-9a-f]{8}", j.report_name) for j in every)
    assert some.report_name == every[0].report_name  # the other is still there


# ------------------------------------------------------------------------------- a folder


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three good sessions in subfolders (two whose names collide), a non-UTF-8 name, one
    broken file and a file that is not a session."""
    base = tmp_path_factory.mktemp("lab")
    (base / "walks" / "subject01").mkdir(parents=True)
    shutil.copy(SAMPLES / "walk_left_heavy.insole", base / "walks" / "subject01" / "trial2.insole")
    shutil.copy(SAMPLES / "walk_normal.insole", base / "walks" / "subject01" / "trial2.txt")
    shutil.copy(SAMPLES / "stand_quiet.insole", base / os.fsdecode(b"stand\xff.insole"))
    (base / "broken.insole").write_bytes(b"\x00" * 300)
    (base / "notes.md").write_text("not a session\n")
    return base


GOOD = ("stand\ufffd.insole", "walks/subject01/trial2.insole", "walks/subject01/trial2.txt")


class _Page(HTMLParser):
    """The parts of an index page the tests read: links, script tags, the CSP, table rows."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.tags: set[str] = set()
        self.csp = ""
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(str(a["href"]))
        if tag == "meta" and a.get("http-equiv") == "Content-Security-Policy":
            self.csp = str(a.get("content"))
        if tag == "tr":
            self.rows.append([])
        if tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _page(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


@pytest.fixture(scope="module")
def html_run(root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("html") / "out"
    assert main(["batch", str(root), "-o", str(out), "--jobs", "2", "--report"]) == 1
    return out


def test_reports_have_readable_unique_names(html_run: Path) -> None:
    names = sorted(p.name for p in (html_run / "reports").iterdir())
    assert len(names) == 3
    assert "stand.html" in names  # the byte that is not UTF-8 dropped
    collided = [n for n in names if n.startswith("walks__subject01__trial2")]
    assert len(collided) == 2
    assert all(re.fullmatch(r"walks__subject01__trial2-[0-9a-f]{8}\.html", n) for n in collided)
    for name in names:
        assert (html_run / "reports" / name).read_text("utf-8").startswith("<!DOCTYPE html>")


def test_the_index_lists_every_session_with_its_indicators_and_its_report(
    root: Path, html_run: Path
) -> None:
    page = _page(html_run / "index.html")
    assert "script" not in page.tags and "img" not in page.tags
    assert "default-src 'none'" in page.csp  # nothing fetched, as the reports
    assert not re.search(r"https?://", (html_run / "index.html").read_text("utf-8"))
    header = next(r for r in page.rows if r and r[0] == "session")
    for heading in (
        "activity",
        "left share (%)",
        "symmetry index (%)",
        "cadence (steps/min)",
        "mean stance force L (N)",
        "mean stance force R (N)",
        "CPEI L (%)",
        "CPEI R (%)",
        "problems",
    ):
        assert heading in header, heading
    rows = {r[0]: dict(zip(header, r, strict=True)) for r in page.rows if r and r[0] in GOOD}
    assert sorted(rows) == sorted(GOOD)
    summary = pd.read_csv(html_run / "summary.csv").set_index("session_id")
    for sid, row in rows.items():
        s = summary.loc[sid]
        assert row["activity"] == s["activity"]
        share = s["distribution.left_share_pct"]
        assert row["left share (%)"].split()[0] == f"{share:.1f}"
        cadence = s["gait.cadence_steps_per_min"]
        cell = row["cadence (steps/min)"].split()[0]
        assert cell == ("–" if pd.isna(cadence) else f"{cadence:.1f}")
        force = s["distribution.mean_stance_force_n.left"]
        assert row["mean stance force L (N)"] == f"{force:.0f}"
        problems = 0 if pd.isna(s["problems"]) else len(s["problems"].split("; "))
        assert row["problems"] == str(problems)
    walk = rows["walks/subject01/trial2.insole"]
    assert float(walk["left share (%)"].split()[0]) > 52  # walk_left_heavy: the left heavier
    # every session's report linked, and each link opens a file of the output
    reports = [link for link in page.links if link.startswith("reports/")]
    assert len(reports) == 3
    for link in reports:
        assert (html_run / link).is_file(), link
    for table in ("summary.csv", "quality.csv", "errors.csv"):
        assert table in page.links
    # the failure, with its error as errors.csv has it
    errors = pd.read_csv(html_run / "errors.csv")
    (error,) = errors["error"]
    failed = [r for r in page.rows if r and r[0] == "broken.insole"]
    assert failed == [["broken.insole", error]]


def test_without_reports_the_index_is_written_with_no_links(root: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_batch(root, out, jobs=1)
    assert out / "index.html" in result.written
    page = _page(out / "index.html")
    assert not [link for link in page.links if link.startswith("reports/")]
    assert sorted(r[0] for r in page.rows if r and r[0] in GOOD) == sorted(GOOD)
    assert not (out / "reports").exists()


def test_a_rerun_is_up_to_date_and_keeps_the_reports_and_their_links(
    root: Path, html_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "again"
    shutil.copytree(html_run, out)
    before = {p.name: p.stat().st_mtime_ns for p in (out / "reports").iterdir()}
    capsys.readouterr()
    assert main(["batch", str(root), "-o", str(out), "--jobs", "1", "--report"]) == 1
    assert "0 analysed, 3 up to date, 1 failed" in capsys.readouterr().out
    assert {p.name: p.stat().st_mtime_ns for p in (out / "reports").iterdir()} == before
    assert (out / "index.html").read_text("utf-8") == (html_run / "index.html").read_text("utf-8")
    # a session that comes to share a name: the two get a hash, the others are kept
    shutil.copy(SAMPLES / "walk_normal.insole", root / "stand.txt")
    try:
        again = run_batch(root, out, jobs=1, report="html")
        assert (again.analysed, again.up_to_date) == (2, 2)  # the two stands
        page = _page(out / "index.html")
        for link in (x for x in page.links if x.startswith("reports/")):
            assert (out / link).is_file(), link
        assert "reports/stand.html" not in page.links
    finally:
        (root / "stand.txt").unlink()


def test_pdf_reports(root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert main(["batch", str(root), "-o", str(out), "--jobs", "2", "--report", "pdf"]) == 1
    pdfs = sorted((out / "reports").iterdir())
    assert len(pdfs) == 3 and all(p.suffix == ".pdf" for p in pdfs)
    for path in pdfs:
        data = path.read_bytes()
        assert data.startswith(b"%PDF-") and len(data) > 10_000
        assert data.rstrip().endswith(b"%%EOF")  # whole
    links = [x for x in _page(out / "index.html").links if x.startswith("reports/")]
    assert sorted(links) == sorted(f"reports/{p.name}" for p in pdfs)
    capsys.readouterr()
    # resumed: up to date as PDF; asking for HTML then draws the HTML reports
    assert main(["batch", str(root), "-o", str(out), "--jobs", "1", "--report", "pdf"]) == 1
    assert "3 up to date" in capsys.readouterr().out
    html = run_batch(root, out, jobs=1, report="html")
    assert html.analysed == 3
    links = [x for x in _page(out / "index.html").links if x.startswith("reports/")]
    assert len(links) == 3 and all(x.endswith(".html") for x in links)


def test_the_report_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from pressure.batch import REPORT_FORMATS
    from pressure.cli import batch as cli_batch

    assert cli_batch.REPORT_FORMATS == REPORT_FORMATS
    with pytest.raises(SystemExit) as exc:
        main(["batch", str(tmp_path), "-o", str(tmp_path / "o"), "--report", "docx"])
    assert exc.value.code == 2
    assert "invalid choice: 'docx'" in capsys.readouterr().err
    with pytest.raises(Exception, match="reports are written as html or pdf"):
        run_batch(tmp_path, tmp_path / "o", report="docx")
