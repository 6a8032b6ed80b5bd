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
from overlay.render import Job, seconds

REQUIRED = ("input", "district")
OPTIONAL = ("preset", "province", "lao", "subs_th", "subs_en", "subs_mode", "start", "end",
            "quality", "max_duration", "subs_encoding", "report")


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
                         .format(path=path.name, reason=exc), _("Fix the line it names.")) from None
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

@dataclass(frozen=True)
class Options:
    """Settings for the whole batch; a row's own cell beats the matching option."""
    out_dir: Path
    preset: str | None = None
    province: str | None = None
    quality: str | None = None
    max_duration: float | None = None
    subs_mode: str = "burn"
    logo_dirs: tuple[Path, ...] = ()
    force: bool = False
    check: bool = True
    threads: int | None = None           # x264 threads per job, when several share the machine
    require_official_logos: bool = False


def _resolve(value: str, base: Path) -> Path:
    path = Path(value).expanduser()
    # Absolute paths: the same on every Dask worker that mounts the shared folder.
    return path if path.is_absolute() else (base / path).resolve()


def _path(value: str | None, base: Path) -> Path | None:
    return _resolve(value, base) if value else None


def _float(value: str | None, column: str) -> float | None:
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        raise UsageError(_('{column} "{value}" is not a number.').format(column=column, value=value),
                         _("Write seconds, e.g. 120.")) from None


def job_from_row(row: Row, base: Path, options: Options) -> Job:
    v = row.values
    if not v.get("input"):
        raise UsageError(_("No input file."), _('Fill in the "input" column.'))
    if not v.get("district"):
        raise UsageError(_("No district."), _('Fill in the "district" column.'))
    return Job(input=_resolve(v["input"], base), district=v["district"],
              out_dir=Path(options.out_dir).resolve(), preset=v.get("preset") or options.preset,
              province=v.get("province") or options.province, lao=v.get("lao"),
              start=seconds(v.get("start")) or 0.0, end=seconds(v.get("end")),
              max_duration=_float(v.get("max_duration"), "max_duration") or options.max_duration,
              quality=v.get("quality") or options.quality,
              subs_th=_path(v.get("subs_th"), base), subs_en=_path(v.get("subs_en"), base),
              subs_mode=v.get("subs_mode") or options.subs_mode,
              subs_encoding=v.get("subs_encoding"),
              logo_dirs=tuple(Path(d).resolve() for d in options.logo_dirs), force=options.force,
              threads=options.threads, require_official_logos=options.require_official_logos)


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
