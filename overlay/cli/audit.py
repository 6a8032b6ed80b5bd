"""``overlay audit FOLDER``: the provincial office checks what every district sent."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import List, Optional

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table
from rich.text import Text

from overlay.cli.common import err, handled, out, print_warnings
from overlay.cli.options import LogoDirOpt, PresetOpt, ProvinceOpt
from overlay.errors import UsageError
from overlay.i18n import _

app = typer.Typer()


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def plan_renames(clips: list[Path], province, preset) -> list[tuple[Path, Path | None, str]]:
    """(file, new path or None, why) for every clip whose mandated name is certain.

    The extension is only corrected in case (.MP4 → .mp4): a .mov or .mkv stays what it is,
    since renaming does not change the container. An existing file is never replaced.
    """
    from overlay.audit.names import diagnose

    plans: list[tuple[Path, Path | None, str]] = []
    for path in clips:
        name = diagnose(path.name, province, preset.name_template, preset.extension)
        if name.exact or name.expected is None:
            continue
        if not name.certain:
            plans.append((path, None, _("not renamed: the district is a guess")))
            continue
        stem = name.expected[: -len(preset.extension)]
        suffix = preset.extension if path.suffix.lower() == preset.extension else path.suffix
        target = path.with_name(stem + suffix)
        if target == path:
            continue
        if target.exists():
            plans.append((path, None, _("not renamed: {name} already exists").format(name=target.name)))
            continue
        if any(t == target for _p, t, _w in plans):
            plans.append((path, None, _("not renamed: another file gets that name")))
            continue
        plans.append((path, target, ""))
    return plans


@app.command(name="audit", help=_("Check every clip and report a province's districts sent, one row per "
                                  "district; write audit.csv, .json and .html."))
@handled
def audit(
    folder: Path = typer.Argument(..., help=_("The folder of what the districts sent (sub-folders too).")),
    preset: Optional[str] = PresetOpt,
    province: Optional[str] = ProvinceOpt,
    out_dir: Path = typer.Option(
        Path("audit"), "--out-dir", "-o", help=_("Folder for audit.csv, audit.json and audit.html.")),
    max_duration: Optional[float] = typer.Option(
        None, "--max-duration", help=_("Check against a lower limit.")),
    logo_dir: Optional[List[Path]] = LogoDirOpt,
    fix_names: bool = typer.Option(
        False, "--fix-names", help=_("Rename clips to the mandated name where the district is certain.")),
    yes: bool = typer.Option(False, "--yes", "-y", help=_("Rename without asking (with --fix-names).")),
    jobs: Optional[int] = typer.Option(
        None, "--jobs", "-j", help=_("Clips checked at once (default: up to 4).")),
) -> None:
    """Check every clip and report in a folder: one row per district of the province."""
    from overlay.audit.engine import run_audit
    from overlay.audit.writers import others, write_all
    from overlay.gazetteer import gazetteer
    from overlay.presets import length_limit
    from overlay.render import choose_preset

    if not folder.is_dir():
        raise UsageError(_("{path} is not a folder.").format(path=folder),
                         _("Give the folder that holds the districts' clips and reports."))
    chosen = choose_preset(preset, province)
    if not (province or chosen.province):
        raise UsageError(_("Which province? The preset names none."),
                         _("Add --province, e.g. --province อุตรดิตถ์."))
    prov = gazetteer().province(province or chosen.province or "")
    print_warnings(filter(None, [length_limit(chosen, max_duration)[1]]))

    def renamed(found, prov):
        if not fix_names:
            return found
        plans = plan_renames(found.clips, prov, chosen)
        todo = [(a, b) for a, b, _w in plans if b is not None]
        for path, target, why in plans:
            line = f"{path.name}\n  → {target.name}" if target else f"{path.name}\n  {why}"
            err.print(line, markup=False)
        if not todo:
            err.print(_("No file to rename."))
            return found
        if not yes and not typer.confirm(_("Rename {n} file(s)?").format(n=len(todo)), err=True):
            return found
        moved = {}
        for path, target in todo:
            if target.exists():          # appeared meanwhile: still never overwrite
                continue
            os.rename(path, target)
            moved[path] = target
        err.print(_("{n} file(s) renamed.").format(n=len(moved)))
        return replace(found, clips=[moved.get(p, p) for p in found.clips])

    skip = (out_dir,) if _inside(out_dir, folder) else ()
    progress = Progress(TextColumn("{task.description}", markup=False), BarColumn(), MofNCompleteColumn(),
                        console=err, transient=True,
                        disable=not err.is_terminal and not os.environ.get("OVERLAY_PROGRESS"))
    with progress:
        task = progress.add_task(_("Checking clips"), total=_count_clips(folder, skip))

        def tick(_path: Path) -> None:
            progress.advance(task)

        result = run_audit(folder, chosen, prov, logo_dirs=tuple(logo_dir or ()), limit=max_duration,
                           skip=skip, jobs=jobs, progress=tick, renamed=renamed)
    written = write_all(result, out_dir)
    _print(result)
    for kind, where, why in others(result):
        if kind != "ignored":
            out.print(f"[yellow]{escape(kind)}[/]: {escape(f'{where}: {why}')}", markup=True)
    out.print(result.summary(), style="bold")
    for path in written:
        err.print(str(path), markup=False)
    if result.complete < len(result.rows):
        raise typer.Exit(1)


def _count_clips(folder: Path, skip: tuple[Path, ...]) -> int:
    from overlay.audit.engine import scan
    return len(scan(folder, skip).clips)


def _print(result) -> None:
    table = Table(show_lines=False)
    for head in (_("District"), _("Status"), _("Clip"), _("Problems")):
        table.add_column(head)
    colours = {"complete": "green", "problems": "red", "missing": "red"}
    labels = {"complete": _("complete"), "problems": _("problems"), "missing": _("missing")}
    for row in result.rows:
        clip = ", ".join(c.path.name for c in row.clips) or "–"
        table.add_row(Text(f"อำเภอ{row.district}"), Text(labels[row.status], style=colours[row.status]),
                      Text(clip), Text("\n".join(row.problems)))
    out.print(table)

