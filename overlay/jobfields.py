"""A job's fields, the one set of rules for every front door that takes them as data: a
batch row (CSV or TOML cells) and the page's JSON both become a ``render.Job`` here.

Files are named by the caller's own means (a path relative to a manifest, an upload id), so
``job_from_fields`` takes a function that turns a file field's value into a path.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

from overlay.errors import UsageError
from overlay.i18n import _
from overlay.presets import check_name
from overlay.render import Job, seconds

REQUIRED = ("input", "district")
OPTIONAL = ("preset", "province", "lao", "subs_th", "subs_en", "subs_mode", "start", "end",
            "quality", "max_duration", "subs_encoding", "report")

FileFn = Callable[[str, str], Path]      # (field, value) → the file it names


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
    # The page's rule: a preset is chosen by its name (``presets.names()``), never a path.
    preset_names_only: bool = False


def text_fields(values: Mapping[str, Any], names: tuple[str, ...] = (*REQUIRED, *OPTIONAL)
                ) -> dict[str, str]:
    """Each field of ``names`` as stripped text; empty ones left out. A value must be text
    or a number (a JSON true or a list is refused)."""
    out = {}
    for name in names:
        value = values.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise UsageError(_('The field "{name}" must be text or a number.').format(name=name))
        out[name] = str(value).strip()
    return out


def _float(value: str | None, column: str) -> float | None:
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        raise UsageError(_('{column} "{value}" is not a number.').format(column=column, value=value),
                         _("Write seconds, e.g. 120.")) from None


def job_from_fields(values: Mapping[str, Any], options: Options, file: FileFn) -> Job:
    """The Job for one set of fields; the first wrong field is a UsageError."""
    v = text_fields(values)
    if not v.get("input"):
        raise UsageError(_("No input file."), _('Fill in the "input" column.'))
    if not v.get("district"):
        raise UsageError(_("No district."), _('Fill in the "district" column.'))

    def path(name: str) -> Path | None:
        return file(name, v[name]) if v.get(name) else None

    if options.preset_names_only and v.get("preset"):
        check_name(v["preset"])

    return Job(input=file("input", v["input"]), district=v["district"],
               out_dir=Path(options.out_dir).resolve(), preset=v.get("preset") or options.preset,
               province=v.get("province") or options.province, lao=v.get("lao"),
               start=seconds(v.get("start")) or 0.0, end=seconds(v.get("end")),
               max_duration=_float(v.get("max_duration"), "max_duration") or options.max_duration,
               quality=v.get("quality") or options.quality,
               subs_th=path("subs_th"), subs_en=path("subs_en"),
               subs_mode=v.get("subs_mode") or options.subs_mode,
               subs_encoding=v.get("subs_encoding"),
               logo_dirs=tuple(Path(d).resolve() for d in options.logo_dirs), force=options.force,
               threads=options.threads, require_official_logos=options.require_official_logos)
