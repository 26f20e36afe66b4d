"""The sample DMC enrolment file (tests/data): rows of some schools, and a file made of rows."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "schools-enrolment-2567.csv"


def sample_rows(codes: Iterable[str]) -> list[dict[str, str]]:
    """The sample DMC file's rows of these schools (both snapshots)."""
    wanted = set(codes)
    with SAMPLE.open(encoding="utf-8") as f:
        return [r for r in csv.DictReader(f) if r["school_code"] in wanted]


def csv_of(rows: list[dict[str, str]]) -> bytes:
    """Rows as a DMC file (UTF-8 CSV with their header)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")
