"""``pressure report``: the HTML page opened in headless Chromium (Debian's ``chromium``, driven by
playwright), the PDF turned into PNG pages by ``pdftoppm``; escaping of what a file says about
itself; sessions that cannot give every figure."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from pressure.cli import main
from pressure.report import write_report
from pressure.simulator import GaitSignal, SyntheticGait
from pressure.simulator.output import write_recording

from .conftest import ROOT, shared_data, system_tool

XSS = "<script>alert(1)</script>"
FIGURES = (
    "Load shares",
    "Gait lines",
    "Pronation and supination",
    "Force over the stance",
    "Peak pressure",
)


def _open(browser: Any, path: Path, screenshot: Path) -> dict[str, Any]:
    """Load the page; what it requested, dialogs it opened, its images and its text."""
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    requests: list[str] = []
    dialogs: list[str] = []
    page.on("request", lambda r: requests.append(r.url))

    def on_dialog(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.goto(path.resolve().as_uri(), wait_until="load")
    images = page.evaluate(
        "Array.from(document.images).map(i => ({alt: i.alt, complete: i.complete,"
        " w: i.naturalWidth, h: i.naturalHeight, shown: i.getBoundingClientRect().width}))"
    )
    missing = page.evaluate(
        "Array.from(document.querySelectorAll('p.missing')).map(p => p.innerText)"
    )
    scripts = page.evaluate("document.querySelectorAll('script').length")
    text = page.inner_text("body")
    title = page.inner_text("h1")
    page.screenshot(path=str(screenshot), full_page=True)
    page.close()
    return {
        "requests": requests,
        "dialogs": dialogs,
        "images": images,
        "missing": missing,
        "scripts": scripts,
        "text": text,
        "title": title,
    }


@pytest.fixture(scope="module")
def sample_report(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """``pressure report sample_data/SAMPLE.insole -o SAMPLE.html``, run once per sample for
    the tests of this module that only read the page (a report costs 1 to 2 s of CPU)."""
    folder = tmp_path_factory.mktemp("reports")
    made: dict[str, Path] = {}

    def report(sample: str) -> Path:
        if sample not in made:
            out = folder / f"{sample}.html"
            source = ROOT / "sample_data" / f"{sample}.insole"
            assert main(["report", str(source), "-o", str(out)]) == 0
            made[sample] = out
        return made[sample]

    return report


def _png_varies(path: Path) -> bool:
    from PIL import Image

    with Image.open(path) as im:
        arr = np.asarray(im.convert("L"), dtype=float)
    return arr.size > 0 and float(arr.std()) > 5.0


def test_html_report_of_a_walk_shows_every_figure_in_chromium(
    tmp_path: Path, browser: Any, sample_report: Callable[[str], Path]
) -> None:
    out = sample_report("walk_left_heavy")
    page = _open(browser, out, tmp_path / "walk.png")
    assert [i["alt"] for i in page["images"]] == list(FIGURES)
    for image in page["images"]:  # decoded, with pixels, and laid out on the page
        assert image["complete"] and image["w"] > 100 and image["h"] > 100 and image["shown"] > 100
    assert page["missing"] == []
    # the file itself is the only thing the page loads: it shows with no network
    assert page["requests"] == [out.resolve().as_uri()]
    assert page["scripts"] == 0
    for heading in ("Findings", "Regions", "Indicators", "Steps", "Data quality"):
        assert heading in page["text"]
    assert "not a diagnosis" in page["text"]
    assert "Frenkel-Toledo et al. 2005" in page["text"]  # an indicator's source
    # a single session's report is no back-pain protocol: no red flags (the protocol has them)
    assert "See a doctor promptly" not in page["text"]
    assert _png_varies(tmp_path / "walk.png")


def test_the_findings_come_first_in_a_1280_by_800_window(
    browser: Any, sample_report: Callable[[str], Path]
) -> None:
    """Walking and standing: the findings summary (human names, the value, the reference band
    and where the value lies) is on screen in a 1280 × 800 viewport, above the first figure;
    no scroll boxes; a value outside its band is marked by a symbol, not by colour alone."""
    for sample in ("walk_left_heavy", "stand_quiet"):
        out = sample_report(sample)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(out.resolve().as_uri(), wait_until="load")
        box = page.evaluate(
            "(() => { const f = document.querySelector('ul.findings');"
            " const r = f.getBoundingClientRect();"
            " const img = document.images[0].getBoundingClientRect();"
            " return {bottom: r.bottom, top: r.top, image: img.top,"
            " scroll: document.querySelectorAll('.scroll').length,"
            " text: f.innerText}; })()"
        )
        page.close()
        assert 0 < box["top"] < box["bottom"] <= 800, (sample, box)
        assert box["bottom"] < box["image"], (sample, box)
        assert box["scroll"] == 0
        assert "Left/right load: left carries" in box["text"]
        assert "_pct" not in box["text"] and "cadence_steps" not in box["text"]
    html = sample_report("walk_left_heavy").read_text(encoding="utf-8")
    assert '<li class="outside">' in html and ">▲</span> Left/right load" in html


def test_a_name_that_is_markup_is_shown_as_text(tmp_path: Path, browser: Any) -> None:
    rec = tmp_path / "named.insole"
    gait = SyntheticGait(seconds=8.0, seed=3)
    write_recording(
        rec,
        GaitSignal(gait),
        session={"name": XSS, "notes": f"note {XSS}", "subject.subject_id": XSS},
    )
    out = tmp_path / "named.html"
    assert main(["report", str(rec), "-o", str(out)]) == 0
    raw = out.read_text(encoding="utf-8")
    assert XSS not in raw and "&lt;script&gt;alert(1)&lt;/script&gt;" in raw
    page = _open(browser, out, tmp_path / "named.png")
    assert page["title"] == XSS  # the heading shows the name, literally
    assert f"note {XSS}" in page["text"]
    assert f"subject id {XSS}" in page["text"]  # among the session facts
    assert page["dialogs"] == [] and page["scripts"] == 0

    pdf = tmp_path / "named.pdf"
    assert main(["report", str(rec), "-o", str(pdf)]) == 0
    text = subprocess.run(
        [system_tool("pdftotext", "poppler-utils"), str(pdf), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert XSS in text


@pytest.mark.parametrize("sample", ["walk_normal", "stand_quiet"])
def test_pdf_report_turns_into_png_pages(tmp_path: Path, sample: str) -> None:
    pdf = tmp_path / "walk.pdf"
    assert main(["report", str(ROOT / "sample_data" / f"{sample}.insole"), "-o", str(pdf)]) == 0
    assert pdf.read_bytes().startswith(b"%PDF")
    subprocess.run(
        [
            system_tool("pdftoppm", "poppler-utils"),
            "-png",
            "-r",
            "40",
            str(pdf),
            str(tmp_path / "page"),
        ],
        check=True,
    )
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 3  # findings and figures, regions and indicators, quality and facts
    assert all(_png_varies(p) for p in pages)
    # every page but the last is at least half full: ink reaches past the middle of the page
    # (the footer line, 1.2 cm from the bottom, is left out)
    from PIL import Image

    for page in pages[:-1]:
        with Image.open(page) as im:
            grey = np.asarray(im.convert("L"), dtype=float)
        body = grey[: int(grey.shape[0] * (1 - 2.0 / 29.7))]  # above the footer
        inked = np.flatnonzero((body < 200).any(axis=1))
        assert inked.size and inked[-1] > 0.5 * grey.shape[0], (page.name, inked[-1:])


@pytest.mark.parametrize(
    ("parts", "missing"),
    [
        # raw (uncalibrated) force sensors with no positions: only the force curves
        (
            ("gaitndd", "als1.hea"),
            ("Load shares", "Gait lines", "Pronation and supination", "Peak pressure"),
        ),
        # one foot of a walk: every figure, for that foot
        (("pressure_r_extdata", "fscan_testL.asf"), ()),
        # a platform's single stance, one foot: its one step and its footprint
        (("pressure_r_extdata", "emed_test.lst"), ()),
    ],
)
def test_sessions_that_cannot_give_a_figure_say_why(
    tmp_path: Path, browser: Any, parts: tuple[str, str], missing: tuple[str, ...]
) -> None:
    source = shared_data(*parts)
    out = tmp_path / "r.html"
    write_report(source, out)
    page = _open(browser, out, tmp_path / "r.png")
    shown = [i["alt"] for i in page["images"]]
    assert shown == [f for f in FIGURES if f not in missing]
    assert all(i["complete"] and i["w"] > 100 for i in page["images"])
    assert len(page["missing"]) == len(missing)
    assert all(m.startswith("No ") for m in page["missing"])


def test_standing_report_has_no_step_figures(sample_report: Callable[[str], Path]) -> None:
    html = sample_report("stand_quiet").read_text(encoding="utf-8")
    # shares, sway and the peak-pressure map; no empty gait sections
    assert html.count("data:image/png;base64,") == 3
    assert "<h2>Sway</h2>" in html
    assert "Gait lines" not in html and "Force over the stance" not in html
    assert "Steps (" not in html


def test_standing_report_shows_the_sway_and_body_weight_when_given(
    tmp_path: Path, sample_report: Callable[[str], Path]
) -> None:
    """A standing session's report has its balance section (per foot and combined); the body
    mass and the feet's separation given on the command line change it."""
    sample = str(ROOT / "sample_data" / "stand_quiet.insole")
    plain, given = sample_report("stand_quiet"), tmp_path / "given.html"
    args = ["--body-mass-kg", "70", "--standing-separation-mm", "300"]
    assert main(["report", sample, "-o", str(given), *args]) == 0
    a, b = plain.read_text(encoding="utf-8"), given.read_text(encoding="utf-8")
    for html in (a, b):
        assert "<h2>Standing balance</h2>" in html and "both feet (combined CoP)" in html
        assert "95 % ellipse" in html
    assert "× body weight" not in a and "body mass (given)" not in a
    assert "70 kg" in b and "× body weight" in b
    assert "<td>200 mm</td>" in a and "<td>300 mm</td>" in b  # the separation used
    combined = [
        line for line in (a, b) for line in line.splitlines() if "both feet (combined CoP)" in line
    ]
    assert combined[0] != combined[1]  # a wider stance moves the combined CoP's ML sway


def test_findings_lead_the_note_ends_and_units_label_the_load(tmp_path: Path) -> None:
    out = tmp_path / "walk.html"
    write_report(ROOT / "sample_data" / "walk_normal.insole", out)
    html = out.read_text(encoding="utf-8")
    findings, figure, quality, note = (
        html.index(k)
        for k in ("<h2>Findings</h2>", "<img", "<h2>Data quality</h2>", 'class="note"')
    )
    assert findings < figure < quality < note
    assert 'class="flags"' not in html
    assert "<th>peak load (N)</th>" in html and "<th>mean load (N)</th>" in html
    assert "1 sensors" not in html


def test_positions_in_arbitrary_units_are_named_as_the_reason(tmp_path: Path) -> None:
    out = tmp_path / "pdb.html"
    write_report(shared_data("gaitpdb", "GaCo01_01.txt"), out)
    html = out.read_text(encoding="utf-8")
    assert "No gait lines: the file gives the sensor positions in au (arbitrary units)" in html
    assert "No peak-pressure map: the file gives the sensor positions in au" in html


def test_report_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sample = str(ROOT / "sample_data" / "walk_normal.insole")
    assert main(["report", sample, "-o", str(tmp_path / "r.docx")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "r.docx" in err[0] and ".html or .pdf" in err[0]
    assert main(["report", str(tmp_path / "nope.insole"), "-o", str(tmp_path / "r.html")]) == 3
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "nope.insole" in err[0]
    assert main(["report", sample, "-o", str(tmp_path / "no" / "dir" / "r.html")]) == 4
    err = capsys.readouterr().err.strip().splitlines()
    # found before the session is read, not after the report is drawn
    assert len(err) == 1 and f"cannot write: {tmp_path / 'no' / 'dir'} does not exist" in err[0]
    assert not list(tmp_path.rglob("*.html")) and not list(tmp_path.rglob("*.tmp"))


def test_a_file_name_that_is_not_utf8_and_the_umask(tmp_path: Path) -> None:
    import os

    name = os.fsdecode(b"caf\xe9.insole")  # a Latin-1 name from an old export
    source = tmp_path / name
    shutil.copy(ROOT / "sample_data" / "walk_normal.insole", source)
    old = os.umask(0o077)
    try:
        for suffix in (".html", ".pdf"):
            out = write_report(source, tmp_path / f"r{suffix}")
            assert out.stat().st_mode & 0o777 == 0o600  # a patient's report stays private
    finally:
        os.umask(old)
    assert "caf\ufffd.insole" in (tmp_path / "r.html").read_text(encoding="utf-8")
