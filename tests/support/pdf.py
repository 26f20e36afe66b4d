"""PDFs read the way an independent reader does: poppler's command-line tools (`pdftotext`,
`pdfsig`, `pdftoppm`; the Makefile installs poppler-utils), not the library that wrote them."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path


def _run(tool: str, pdf: bytes, *args: str) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "document.pdf"
        path.write_bytes(pdf)
        done = subprocess.run([tool, *args, str(path), *(["-"] if tool == "pdftotext" else [])],
                              capture_output=True, text=True, timeout=60)
    if tool != "pdfsig":  # pdfsig answers 2 for a file without signatures, and says so
        assert done.returncode == 0, done.stderr
    return done.stdout


def pdftotext(pdf: bytes, *, layout: bool = False) -> str:
    """The text a reader copies out of the PDF (pages separated by form feeds)."""
    return _run("pdftotext", pdf, *(["-layout"] if layout else []))


def pdf_pages_text(pdf: bytes) -> list[str]:
    return pdftotext(pdf).split("\f")[:-1]


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
