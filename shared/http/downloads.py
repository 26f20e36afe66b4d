"""Files a browser saves rather than shows (CSV registers and reports)."""

from __future__ import annotations

from fastapi.responses import PlainTextResponse


def csv_download(text: str, filename: str) -> PlainTextResponse:
    return PlainTextResponse(text, media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": f'attachment; filename="{filename}"'})
