"""Files a browser saves or shows: CSV registers and reports, PDF and Excel documents."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from urllib.parse import quote

from fastapi import Response
from fastapi.responses import StreamingResponse

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def content_disposition(filename: str, *, inline: bool = False) -> str:
    """The header naming the file; a Thai name goes in `filename*` (RFC 6266), as headers are
    Latin-1, with an ASCII stand-in for clients that know only `filename`."""
    ascii_name = filename.encode("ascii", "replace").decode().replace("?", "_")
    disposition = f'{"inline" if inline else "attachment"}; filename="{ascii_name}"'
    if ascii_name != filename:
        disposition += f"; filename*=UTF-8''{quote(filename)}"
    return disposition


def file_download(content: bytes | str, media_type: str, filename: str, *,
                  inline: bool = False) -> Response:
    """The file with its name (see `content_disposition`)."""
    return Response(content, media_type=media_type,
                    headers={"Content-Disposition": content_disposition(filename, inline=inline)})


def csv_download(text: str, filename: str) -> Response:
    return file_download(text, "text/csv; charset=utf-8", filename)


CHUNK_BYTES = 64 * 1024


def csv_stream(lines: Iterable[str], filename: str) -> StreamingResponse:
    """A CSV written out as its lines are made (`shared.csvfile.csv_lines`): an export of a whole
    selection never holds it in memory. A plain iterator runs in the thread pool, so the lines
    may come from the store; they go out in chunks (one thread hop per chunk, not per line)."""
    return StreamingResponse(_chunks(lines), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": content_disposition(filename)})


def _chunks(lines: Iterable[str]) -> Iterator[bytes]:
    buffer: list[bytes] = []
    size = 0
    for line in lines:
        data = line.encode("utf-8")
        buffer.append(data)
        size += len(data)
        if size >= CHUNK_BYTES:
            yield b"".join(buffer)
            buffer, size = [], 0
    if buffer:
        yield b"".join(buffer)
