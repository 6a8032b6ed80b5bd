"""The manifest (a CSV as Excel saves it, or TOML) and its rows as render Jobs."""

from __future__ import annotations

import csv
import difflib
import io
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Iterable, Mapping

from overlay.errors import UsageError
from overlay.i18n import _
from overlay.jobfields import OPTIONAL as OPTIONAL
from overlay.jobfields import REQUIRED as REQUIRED
from overlay.jobfields import Options as Options
from overlay.jobfields import job_from_fields
from overlay.render import Job
from overlay.winpaths import toml_backslash_hint


@dataclass(frozen=True)
class Row:
    number: int                          # as Excel shows it (header = 1); TOML: job 1, 2, …
    values: Mapping[str, str]            # column → text, stripped, empty cells left out


@dataclass(frozen=True)
class Manifest:
    path: Path
    rows: tuple[Row, ...]
    warnings: tuple[str, ...] = ()

    @property
    def folder(self) -> Path:
        return self.path.resolve().parent


def decode_manifest(data: bytes) -> str:
    """Text as Excel saves it: UTF-8 with BOM, plain UTF-8, else the Thai code page cp874."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # cp874 maps nearly every byte, so it goes last: it would "succeed" on anything.
        return data.decode("cp874", errors="replace")


def read_manifest(path: Path) -> Manifest:
    """CSV (any Excel encoding) or TOML; a file that cannot be used at all is a UsageError."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise UsageError(_("The manifest {path} does not exist.").format(path=path),
                         _("Give a .csv or .toml file listing the clips.")) from None
    except OSError as exc:
        raise UsageError(_("Cannot read the manifest {path}: {reason}.")
                         .format(path=path, reason=exc.strerror or exc)) from None
    if path.suffix.lower() == ".toml":
        return _read_toml(path, decode_manifest(data))
    return _read_csv(path, decode_manifest(data))


def _column(name: str) -> str:
    return name.strip().lower().replace(" ", "_").replace("-", "_")


def _unknown_columns(names: Iterable[str]) -> list[str]:
    known = (*REQUIRED, *OPTIONAL)
    out = []
    for name in names:
        if name and name not in known:
            near = difflib.get_close_matches(name, known, n=1)
            out.append(_('Column "{name}" is not used{hint}.').format(
                name=name, hint=_(' (did you mean "{near}"?)').format(near=near[0]) if near else ""))
    return out


def _read_csv(path: Path, text: str) -> Manifest:
    try:
        dialect = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;\t")
        # Only the separator is read from the header: a header has no quotes to learn from, and
        # Excel writes a " inside a cell as "" (the sniffer would otherwise guess it does not).
        dialect.doublequote = True
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    header = [_column(h) for h in next(reader, [])]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise UsageError(_("The manifest {path} has no column {cols}.")
                         .format(path=path.name, cols=", ".join(f'"{m}"' for m in missing)),
                         _("The first row must name the columns: input, district, and optionally "
                           "{optional}.").format(optional=", ".join(OPTIONAL)))
    rows = []
    # csv.reader yields [] for a blank line, so enumerate keeps Excel's row numbers.
    for number, cells in enumerate(reader, start=2):
        values = {name: cell.strip() for name, cell in zip(header, cells)
                  if name and cell.strip()}
        if values:
            rows.append(Row(number, MappingProxyType(values)))
    return Manifest(path, tuple(rows), tuple(_unknown_columns(header)))


def _read_toml(path: Path, text: str) -> Manifest:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(_("The manifest {path} is not valid TOML: {reason}.")
                         .format(path=path.name, reason=exc),
                         toml_backslash_hint(exc, text) or _("Fix the line it names.")) from None
    defaults = raw.get("defaults", {})
    jobs = raw.get("job", [])
    if not isinstance(jobs, list) or not isinstance(defaults, dict):
        raise UsageError(_("The manifest {path} needs [[job]] tables (and optionally [defaults]).")
                         .format(path=path.name))
    rows, names = [], set(defaults)
    for number, table in enumerate(jobs, start=1):
        merged = {**defaults, **table}
        names.update(table)
        values = {_column(k): str(v).strip() for k, v in merged.items() if str(v).strip()}
        rows.append(Row(number, MappingProxyType(values)))
    return Manifest(path, tuple(rows), tuple(_unknown_columns(sorted(names))))


# ---------------------------------------------------------------- rows → jobs

def _resolve(value: str, base: Path) -> Path:
    path = Path(value).expanduser()
    # Absolute paths: the same on every Dask worker that mounts the shared folder.
    return path if path.is_absolute() else (base / path).resolve()


def _path(value: str | None, base: Path) -> Path | None:
    return _resolve(value, base) if value else None


def job_from_row(row: Row, base: Path, options: Options) -> Job:
    """A row's Job, by the field rules every front door shares (``jobfields``); its files
    are paths relative to ``base`` (the manifest's folder)."""
    return job_from_fields(row.values, options, lambda _field, value: _resolve(value, base))


def default_workers(cores: int | None = None) -> int:
    """Half the cores: x264 already uses several threads per clip, and one job per core
    would leave each encoder fighting the others for the same cores and memory bandwidth."""
    cores = cores or _cores()
    return max(1, cores // 2)


def threads_per_job(workers: int, cores: int | None = None) -> int:
    return max(1, (cores or _cores()) // max(1, workers))


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))      # honours taskset and container CPU limits
    except AttributeError:
        return os.cpu_count() or 1
