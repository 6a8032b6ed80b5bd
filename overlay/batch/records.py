"""Content keys and the small record each finished job leaves: what lets a rerun skip."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import fields
from fractions import Fraction
from pathlib import Path
from typing import Any, Mapping

from overlay import __version__
from overlay.files import write_atomic
from overlay.render import Plan

RECORDS_DIR = ".overlay-batch"          # one small JSON per output: no shared file to race on
MIB = 1 << 20


def file_fingerprint(path: Path) -> dict[str, Any]:
    """Size, mtime and a hash of the first and last MiB: cheap on a 2 GB clip, and any
    re-export changes at least one of them."""
    stat = Path(path).stat()
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        digest.update(fh.read(MIB))
        if stat.st_size > 2 * MIB:
            fh.seek(-MIB, os.SEEK_END)
            digest.update(fh.read(MIB))
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "head_tail": digest.hexdigest()}


def file_hash(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def plain(value: Any) -> Any:
    """JSON-able form of settings: dataclasses, mappings, paths, fractions."""
    if hasattr(value, "__dataclass_fields__"):
        return {f.name: plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, (Path, Fraction)):
        return str(value)
    return value


def content_key(p: Plan, report: Path | None = None) -> str:
    """Everything the output depends on, hashed: a different key means render again."""
    job, preset = p.job, p.preset
    settings = {f.name: plain(getattr(preset, f.name)) for f in fields(preset)
                if f.name not in ("districts", "search_dirs", "logos")}
    parts = {
        "overlay": __version__,
        "input": file_fingerprint(job.input),
        "subtitles": {lang: file_hash(path) for lang, path in
                      (("th", job.subs_th), ("en", job.subs_en)) if path},
        "report": file_hash(report) if report else None,
        "preset": settings,
        "profile": plain(preset.encode.profile(job.quality)),
        "place": plain(p.place),
        "lao": p.district.lao,
        "window": [p.start, p.duration, p.cut],
        "frame": [p.width, p.height, str(p.fps)],
        "subs": [job.subs_mode, job.subs_encoding, job.strict_subs],
        "logos": [[ref.key, file_hash(ref.path)] for ref in p.logos],
    }
    text = json.dumps(parts, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def record_path(output: Path) -> Path:
    return output.parent / RECORDS_DIR / f"{output.name}.json"


def read_record(output: Path) -> dict[str, Any] | None:
    try:
        return json.loads(record_path(output).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write_record(output: Path, record: Mapping[str, Any]) -> None:
    path = record_path(output)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, json.dumps(record, ensure_ascii=False, indent=1))   # never half a record
