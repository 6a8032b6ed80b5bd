"""Writing a file so that no reader, and no crash, ever sees half of it under its real name."""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


def temp_path(final: Path) -> Path:
    """A hidden sibling of ``final``: same folder (so the rename is atomic), plain name."""
    return final.with_name(f".overlay-partial-{uuid.uuid4().hex[:12]}{final.suffix}")


@contextmanager
def replacing(final: Path) -> Iterator[Path]:
    """Yield a temporary path; on success rename it over ``final``; on any failure remove it."""
    temp = temp_path(Path(final))
    try:
        yield temp
        os.replace(temp, final)
    finally:
        temp.unlink(missing_ok=True)


def write_atomic(path: Path, data: bytes | str) -> Path:
    """Write ``data`` (text as UTF-8, newlines as given) to ``path``, all or nothing."""
    with replacing(path) as temp:
        temp.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path
