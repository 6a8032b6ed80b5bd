"""``overlay batch``: the CLI over ``overlay.batch``."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, List, Optional, Sequence

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from overlay import batch as b
from overlay.cli.common import err, handled, out, print_warnings, progress_bar
from overlay.cli.options import LogoDirOpt
from overlay.i18n import _

app = typer.Typer()


@app.command(help=_("Render every clip listed in a manifest, in parallel; skip what is already done."))
@handled
def batch(
    manifest: Path = typer.Argument(..., help=_("A .csv (as Excel saves it) or .toml file: one clip per row, "
                                                "columns input, district and optionally preset, lao, "
                                                "subs_th, subs_en, subs_mode, start, end.")),
    out_dir: Path = typer.Option(Path("."), "--out-dir", "-o",
                                 help=_("Folder for the finished clips and the batch report.")),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", min=1,
                                       help=_("Clips rendered at once on this machine; default: half the cores.")),
    scheduler: Optional[str] = typer.Option(None, "--scheduler",
                                            help=_("Send the jobs to a Dask scheduler, e.g. "
                                                   "tcp://10.0.0.5:8786. Every worker must see the same paths.")),
    dry_run: bool = typer.Option(False, "--dry-run", help=_("Check every row and print the plan; render nothing.")),
    force: bool = typer.Option(False, "--force", "-f", help=_("Render every row again, replacing existing outputs.")),
    preset: Optional[str] = typer.Option(None, "--preset", "-p", help=_("Preset for rows that name none.")),
    province: Optional[str] = typer.Option(None, "--province",
                                           help=_("Province for rows that name none; default: the preset's.")),
    quality: Optional[str] = typer.Option(None, "--quality", "-q",
                                          help=_("draft, standard (default) or high, for rows that name none.")),
    max_duration: Optional[float] = typer.Option(None, "--max-duration",
                                                 help=_("Lower the length limit (seconds) for rows that name none.")),
    subs_mode: str = typer.Option("burn", "--subs-mode", help=_("burn, embed or both, for rows that name none.")),
    logo_dir: Optional[List[Path]] = LogoDirOpt,
    check: bool = typer.Option(True, "--check/--no-check",
                               help=_("Check each finished clip (name, codecs, loudness, logos).")),
    require_official_logos: bool = typer.Option(False, "--require-official-logos",
                                                help=_("Refuse to render with any placeholder logo.")),
) -> None:
    """Render every clip listed in a manifest, in parallel; skip what is already done."""
    workers = jobs or b.default_workers()
    options = b.Options(out_dir=out_dir, preset=preset, province=province, quality=quality,
                        max_duration=max_duration, subs_mode=subs_mode,
                        logo_dirs=tuple(logo_dir or ()), force=force, check=check,
                        require_official_logos=require_official_logos,
                        threads=None if scheduler else b.threads_per_job(workers))
    manifest_data = b.read_manifest(manifest)
    print_warnings(manifest_data.warnings)
    if scheduler:
        from overlay.logolib import library_dir
        if any(library_dir().rglob("*.png")):   # workers read their own machine's library
            print_warnings([_("Dask workers use the logo library of their own machine, not this one's "
                              "({folder}): copy it to the shared folder and give it with --logo-dir.")
                            .format(folder=library_dir())])
    if not manifest_data.rows:
        from overlay.errors import UsageError
        raise UsageError(_("The manifest {path} lists no clips.").format(path=manifest),
                         _("Add one row per clip under the header row."))

    with err.status(_("Checking {n} row(s)…").format(n=len(manifest_data.rows))):
        entries = b.prepare(manifest_data, options)
    _print_problems(entries)
    if dry_run:
        _print_plan(entries)
        raise typer.Exit(1 if any(e.status == b.Status.INVALID for e in entries) else 0)

    tasks = b.tasks_for(entries, check)
    where = scheduler or _("{n} process(es)").format(n=min(workers, max(1, len(tasks))))
    if tasks:
        err.print(_("Rendering {n} clip(s) on {where}.").format(n=len(tasks), where=where))
    results: list[b.JobResult] = []
    try:
        _run(tasks, entries, workers, scheduler, results.append)
    except KeyboardInterrupt:
        # Say what did finish: those outputs are recorded, and the next run skips them.
        b.write_reports(out_dir, manifest, b.outcomes(entries, results))
        raise
    outcomes = b.outcomes(entries, results)
    json_path, csv_path = b.write_reports(out_dir, manifest, outcomes)
    out.print(_summary_table(outcomes))
    counts = b.summary(outcomes)
    err.print(_("{done} done, {skipped} skipped, {failed} failed, {invalid} invalid. "
                "Report: {json}, {csv}").format(**counts, json=json_path, csv=csv_path))
    raise typer.Exit(b.exit_code(outcomes))


def _print_problems(entries: Sequence[b.Entry]) -> None:
    for e in entries:
        if e.status == b.Status.INVALID:
            err.print(f"[bold red]{_('Row {n}').format(n=e.row.number)}:[/] {escape(e.reason)}", markup=True)
    # The same warning for every row (placeholder logos) is said once, with its rows.
    rows_by_line: dict[str, list[str]] = {}
    for e in entries:
        if e.status != b.Status.INVALID:
            for line in e.warnings:
                rows_by_line.setdefault(line, []).append(str(e.row.number))
    for line, rows in rows_by_line.items():
        label = _("Row {n}").format(n=rows[0]) if len(rows) == 1 else \
            _("Rows {n}").format(n=", ".join(rows))
        print_warnings([line], label)


def _run(tasks: Sequence[b.Task], entries: Sequence[b.Entry], workers: int, scheduler: str | None,
         collect: Callable[[b.JobResult], None]) -> None:
    """The pool with an overall bar (seconds of output, so ETA weighs long clips more)."""
    if not tasks:
        return
    durations = {e.row.number: e.duration or 0.0 for e in entries}
    names = {e.row.number: e.output.name if e.output else "" for e in entries}
    total = sum(durations[t.row] for t in tasks) or 1.0
    seen: dict[int, float] = {}
    progress, advance = progress_bar(_("Batch"), total)

    def moved(row: int, seconds: float) -> None:
        seen[row] = min(seconds, durations[row])
        advance(sum(seen.values()))

    def finished(result: b.JobResult) -> None:
        collect(result)
        moved(result.row, durations[result.row])
        name = names.get(result.row, "")
        if result.status == b.Status.DONE:
            progress.console.print(f"[green]✓[/] {_('Row {n}').format(n=result.row)} "
                                   f"{escape(name)} ({result.elapsed:.1f} s)", markup=True)
        else:
            progress.console.print(f"[red]✗[/] {_('Row {n}').format(n=result.row)} {escape(name)}: "
                                   f"{escape(result.error)}", markup=True)

    with progress:
        b.execute(tasks, workers=workers, scheduler=scheduler, on_done=finished,
                  on_progress=None if scheduler else moved)


_STYLE = {b.Status.DONE: "green", b.Status.SKIPPED: "cyan", b.Status.FAILED: "red", b.Status.INVALID: "red",
          b.Status.READY: "green"}


def _print_plan(entries: Sequence[b.Entry]) -> None:
    """One line per row: the names are long Thai, a table would wrap them unreadably."""
    out.print(_('Plan (nothing rendered):'), style="bold")
    for e in entries:
        action = {b.Status.READY: _("render"), b.Status.SKIPPED: _("skip"),
                  b.Status.INVALID: _("invalid")}[e.status]
        head = f"[{_STYLE[e.status]}]{_('Row {n}').format(n=e.row.number)} {action}[/]"
        if e.status == b.Status.INVALID or e.output is None or e.duration is None:
            out.print(f"{head}: {escape(e.reason)}", markup=True)
            continue
        length = _("{d} long").format(d=_clock(e.duration))
        if e.cut or e.start:
            length += _(", cut {a} → {z} of {total}").format(
                a=_clock(e.start), z=_clock(e.start + e.duration), total=_clock(e.source_duration or 0))
        note = f" ({escape(e.reason)})" if e.reason else ""
        out.print(f"{head} {escape(e.output.name)}  [dim]{escape(length)}{note}[/]", markup=True)


def _summary_table(outcomes: Sequence[b.Outcome]) -> Table:
    table = Table(title=_("Batch"), title_justify="left")
    for col in (_("row"), _("district"), _("status"), _("length"), _("check / error")):
        table.add_column(col)
    for o in outcomes:
        detail = "; ".join(x for x in (o.error or o.check, o.note) if x)
        table.add_row(str(o.row), Text(o.district), Text(str(o.status), style=_STYLE[o.status]),
                      _clock(o.duration) if o.duration is not None else "", Text(detail))
    return table


def _clock(value: float) -> str:
    minutes, secs = divmod(float(value), 60)
    return f"{int(minutes)}:{secs:04.1f}"
