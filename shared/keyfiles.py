"""Key files a service keeps under its `var/keys/`: written whole (never half a key after a
crash) with owner-only permissions, and created once even when several processes start together."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def create_once(path: Path, content: bytes, mode: int = 0o600) -> bool:
    """Write `content` at `path` unless a file is there already, which then stays as it is (two
    processes starting at once end up with the same, first key). True if this call created it."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = temporary_file(path, content, mode)
    try:
        os.link(temporary, path)  # fails if the file exists: theirs is kept
        return True
    except FileExistsError:
        return False
    finally:
        temporary.unlink()


def write_atomically(path: Path, content: bytes, mode: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.replace(temporary_file(path, content, mode), path)


def temporary_file(beside: Path, content: bytes, mode: int) -> Path:
    descriptor, name = tempfile.mkstemp(dir=beside.parent, prefix=f".{beside.name}.")
    with os.fdopen(descriptor, "wb") as out:
        os.fchmod(out.fileno(), mode)
        out.write(content)
        out.flush()
        os.fsync(out.fileno())
    return Path(name)
