"""``overlay doctor``, ``presets`` and ``name``: what this machine, the presets and the
gazetteer say, without rendering anything."""

from __future__ import annotations

from typing import Optional

import typer
from rich.markup import escape

from overlay.cli.common import handled, out
from overlay.i18n import _

app = typer.Typer()


@app.command(help=_("Report the ffmpeg in use and its features, the fonts, and placeholder logos."))
@handled
def doctor() -> None:
    """Report the ffmpeg in use and its features, the fonts, and placeholder logos."""
    from overlay.doctor import report

    ok = report(out)
    if not ok:
        raise typer.Exit(1)


@app.command(help=_("List the presets (built-in, then your own) and their districts."))
@handled
def presets() -> None:
    """List the presets, built-in then the user's own, and their districts."""
    from overlay.errors import OverlayError
    from overlay.presets import available, load_preset, names, user_presets_dir

    shipped = {path.stem for path in available()}
    for preset_name in names():
        try:
            p = load_preset(preset_name)
        except OverlayError as exc:        # one broken file of the user's does not hide the rest
            out.print(escape(_("{name}: cannot be used: {reason}").format(name=preset_name, reason=exc)))
            continue
        rest = f"{p.description}  ({_('limit')} {p.max_duration:.0f} s)"
        if preset_name not in shipped:
            rest += "  " + _("(your own, in {folder})").format(folder=user_presets_dir())
        out.print(f"[bold]{escape(preset_name)}[/]  {escape(rest)}", markup=True)
        if p.province:
            out.print(f"  {_('province')}: จังหวัด{p.province} ({p.province_en or ''})")
        for entry in p.districts.values():
            note = "" if entry.lao_confirmed else f" [dim]({escape(_('unconfirmed'))})[/]"
            out.print(escape(f"  - อำเภอ{entry.name} ({entry.name_en or ''}): {entry.lao}") + note, markup=True)


@app.command(help=_("Print the mandated file name for a district (names checked against the gazetteer)."))
@handled
def name(
    district: Optional[str] = typer.Option(None, "--district", "-d"),
    province: Optional[str] = typer.Option(None, "--province"),
    list_: bool = typer.Option(False, "--list", help=_("List the districts of --province (or all provinces).")),
    extension: bool = typer.Option(True, "--extension/--no-extension", help=_("Add .mp4.")),
) -> None:
    """Print the mandated file name for a district (names checked against the gazetteer)."""
    from overlay.errors import UsageError
    from overlay.gazetteer import gazetteer
    from overlay.naming import clip_name, mandate

    if list_:
        gaz = gazetteer()
        if province:
            prov = gaz.province(province)
            for d in prov.districts:
                out.print(f"{d.name_th}\t{d.name_en or ''}")
        else:
            for prov in gaz.provinces:
                out.print(f"{prov.name_th}\t{prov.name_en or ''}\t{len(prov.districts)}")
        return
    if not district:
        raise UsageError(_("Give --district (and --province)."),
                         _("Example: overlay name --district พิชัย --province อุตรดิตถ์"))
    if not province:
        from overlay.presets import DEFAULT_PRESET, load_preset
        province = load_preset(DEFAULT_PRESET).province or ""
    out.print(clip_name(district, province) + (mandate()[1] if extension else ""), markup=False)
