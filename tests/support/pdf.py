"""PDFs read the way an independent reader does: poppler's command-line tools (`pdftotext`,
`pdfsig`, `pdftoppm`; the Makefile installs poppler-utils), not the library that wrote them."""

from __future__ import annotations

import html
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


def _run(tool: str, pdf: bytes, *args: str) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "document.pdf"
        path.write_bytes(pdf)
        done = subprocess.run([tool, *args, str(path), *(["-"] if tool == "pdftotext" else [])],
                              capture_output=True, text=True, errors="replace", timeout=60)
    if tool != "pdfsig":  # pdfsig answers 2 for a file without signatures, and says so
        assert done.returncode == 0, done.stderr
    return done.stdout


def pdftotext(pdf: bytes, *, layout: bool = False) -> str:
    """The text a reader copies out of the PDF (pages separated by form feeds)."""
    return _run("pdftotext", pdf, *(["-layout"] if layout else []))


def pdf_pages_text(pdf: bytes, *, layout: bool = False) -> list[str]:
    return pdftotext(pdf, layout=layout).split("\f")[:-1]


def flat_text(pdf: bytes) -> str:
    """The PDF's text as one line with single spaces (a phrase may wrap across lines)."""
    return " ".join(pdftotext(pdf).split())


def pdfsig(pdf: bytes) -> str:
    """What poppler says of the file's signatures (`pdfsig`'s report)."""
    return _run("pdfsig", pdf)


def page_images(pdf: bytes, directory: Path, *, dpi: int = 60) -> list[Path]:
    """Each page as a PNG in `directory` (what a reader shows), in page order."""
    path = directory / "document.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(path), str(directory / "page")],
                   check=True, capture_output=True, timeout=120)
    return sorted(directory.glob("page*.png"))


@dataclass(frozen=True)
class Word:
    """A word as poppler places it: page (1-based), box in points from the top-left corner. A
    run of shaped text that carries its own text (/ActualText) is one word, spaces and all."""

    page: int
    x_min: float
    y_min: float
    x_max: float
    y_max: float
    text: str


def pdf_words(pdf: bytes) -> list[Word]:
    """Every word with its place (`pdftotext -bbox`), in reading order."""
    words, page = [], 0
    for line in _run("pdftotext", pdf, "-bbox").splitlines():
        if "<page " in line:
            page += 1
        elif found := _WORD.search(line):
            x0, y0, x1, y1, text = found.groups()
            words.append(Word(page, float(x0), float(y0), float(x1), float(y1), html.unescape(text)))
    return words


def pdf_images(pdf: bytes) -> list[dict[str, str]]:
    """The images in the file as `pdfimages -list` reports them (page, width, height, x-ppi...)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "document.pdf"
        path.write_bytes(pdf)
        lines = subprocess.run(["pdfimages", "-list", str(path)], check=True, capture_output=True,
                               text=True, timeout=60).stdout.splitlines()
    headings = lines[0].split()
    return [dict(zip(headings, line.split(), strict=False)) for line in lines[2:]]


_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*)</word>')
