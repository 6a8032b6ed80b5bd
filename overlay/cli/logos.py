"""``overlay logos``: the user's logo library (list, add, remove, show); over ``overlay.logolib``."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer
from rich.markup import escape

from overlay.cli.common import err, handled, out
from overlay.cli.options import LogoDirOpt, PresetOpt, ProvinceOpt
from overlay.i18n import _

# The library and the engine under it (numpy, Pillow) are imported inside each command:
# `overlay --help` and every other command would pay for them (benchmarks/house.py).

app = typer.Typer(
    help=_("Your official logos, added once and used by every render: list, add, remove, show."),
    no_args_is_help=True)

DistrictOpt = typer.Option(None, "--district", "-d", help=_("District (อำเภอ), e.g. พิชัย."))


@app.command("list", help=_("The logos of a district in the letter's order: which file each uses, "
                                  "where it comes from, and which are still placeholders."))
@handled
def list_(
    preset: Optional[str] = PresetOpt,
    province: Optional[str] = ProvinceOpt,
    district: Optional[str] = DistrictOpt,
    logo_dir: Optional[List[Path]] = LogoDirOpt,
) -> None:
    """The logos of a district in the letter's order, with their files and sources."""
    from overlay import logolib
    from overlay.logos import logo_label

    t = logolib.target(preset, province, district)
    refs = logolib.slots(t, tuple(logo_dir or ()))
    out.print(t.label, style="bold")
    width = max(len(ref.key) for ref in refs)
    for number, ref in enumerate(refs, 1):
        mark = f"[yellow]! {escape(_('PLACEHOLDER'))}[/]" if ref.placeholder else "[green]✓[/]"
        out.print(f"{number}. {escape(f'{ref.key:<{width}}  {logo_label(ref.key, heading=True)}')}  {mark}  "
                  f"{escape(f'({logolib.describe_source(ref)})')}", markup=True)
        out.print(f"   {ref.path}", markup=False)
        if ref.placeholder:
            out.print(f"   {logolib.supplier(ref.key)}", markup=False)
    holders = [ref.key for ref in refs if ref.placeholder]
    err.print(_("Looked for in this order: --logo-dir, your library ({folder}), the preset's folder, "
                "the shipped placeholders.").format(folder=logolib.library_dir()), markup=False)
    if district is None:
        err.print(_("Give --district to see the district's and the organisation's logos too."))
    if holders:
        example = f" --district {t.district.name}" if t.district else ""
        err.print(_("{n} placeholder(s) left. Add each official file once: "
                    "overlay logos add {key} FILE{district}").format(n=len(holders), key=holders[0],
                                                                    district=example), markup=False)
        err.print(_("The national logos come with the DLA's letter and its attachments; the "
                    "province's, the districts' and the organisations' seals from the provincial "
                    "office. A logo pack from the provincial office fills all of them at once: "
                    "overlay logos import PACK.zip"), markup=False)


@app.command(help=_("Check an official logo file and store it in your library (PNG, JPEG or SVG). "
                          "moi, dla, volunteers, sdg and province are stored once for every district."))
@handled
def add(
    key: str = typer.Argument(..., help=_("Which logo: moi, dla, volunteers, sdg, province, district or lao.")),
    file: Path = typer.Argument(..., help=_("The official file: PNG, JPEG or SVG.")),
    preset: Optional[str] = PresetOpt,
    province: Optional[str] = ProvinceOpt,
    district: Optional[str] = DistrictOpt,
    keep_background: bool = typer.Option(False, "--keep-background",
                                         help=_("Store the picture as it is, background included.")),
) -> None:
    """Check an official logo file and store it in your library."""
    from overlay import logolib

    t = logolib.target(preset, province, district)
    added = logolib.add(t, key.strip().lower(), file, keep_background=keep_background)
    for note in added.notes:
        err.print(f"  {note}", markup=False)
    err.print(_('Logo "{key}" stored ({w}×{h} px). See the row with: overlay logos show{district}')
              .format(key=added.key, w=added.size[0], h=added.size[1],
                      district=f" --district {t.district.name}" if t.district else " --district …"),
              markup=False)
    out.print(str(added.path), markup=False)


@app.command(help=_("Remove logos from your library; the next file in the search order is used again."))
@handled
def remove(
    keys: List[str] = typer.Argument(..., help=_("One or more of: moi, dla, volunteers, sdg, province, "
                                                 "district, lao.")),
    preset: Optional[str] = PresetOpt,
    province: Optional[str] = ProvinceOpt,
    district: Optional[str] = DistrictOpt,
) -> None:
    """Remove logos from your library."""
    from overlay import logolib

    t = logolib.target(preset, province, district)
    for key in keys:
        key = key.strip().lower()
        removed = logolib.remove(t, key)
        if removed:
            for path in removed:
                out.print(str(path), markup=False)
        else:
            err.print(_('Logo "{key}" is not in your library; nothing to remove.').format(key=key))


@app.command(help=_("Write the composed logo row as it will appear in a 1080p clip, as a PNG to look at."))
@handled
def show(
    output: Path = typer.Option(Path("logos.png"), "--out", "-o", help=_("PNG file to write.")),
    preset: Optional[str] = PresetOpt,
    province: Optional[str] = ProvinceOpt,
    district: Optional[str] = DistrictOpt,
    logo_dir: Optional[List[Path]] = LogoDirOpt,
) -> None:
    """Write the composed logo row as a PNG."""
    from overlay import logolib
    from overlay.files import replacing

    t = logolib.target(preset, province, district)
    if t.district is None:
        from overlay.errors import UsageError
        raise UsageError(_("The row needs a district: the district's and organisation's logos are in it."),
                         _("Add --district, e.g. --district พิชัย."))
    image = logolib.row_image(t, tuple(logo_dir or ()))
    output.parent.mkdir(parents=True, exist_ok=True)
    with replacing(output) as temp:
        image.save(temp, "PNG")
    holders = [ref.key for ref in logolib.slots(t, tuple(logo_dir or ())) if ref.placeholder]
    if holders:
        err.print(_("Placeholder logos still in use: {keys}.").format(keys=", ".join(holders)))
    out.print(str(output), markup=False)


@app.command("export", help=_("Write one logo pack (a zip) with every logo of your library that the "
                              "districts of a province use, to hand to each district office."))
@handled
def export(
    output: Path = typer.Option(..., "--out", "-o", help=_("The zip file to write, e.g. uttaradit-logos.zip.")),
    preset: Optional[str] = PresetOpt,
    province: Optional[str] = ProvinceOpt,
    force: bool = typer.Option(False, "--force", "-f", help=_("Replace an existing file.")),
) -> None:
    """Write one logo pack with the logos a province's districts use."""
    from overlay import logolib
    from overlay.logos import logo_label

    t = logolib.target(preset, province, None)
    if not t.province:
        from overlay.errors import UsageError
        raise UsageError(_("No province given: preset {preset} does not name one.")
                         .format(preset=t.preset.name),
                         _("Add --province, e.g. --province อุตรดิตถ์, or use --preset uttaradit."))
    done = logolib.export_pack(t.province, output, force=force)
    for entry in done.entries:
        where = f" อำเภอ{entry.district}" if entry.district else ""
        err.print(f"  {entry.file}  {logo_label(entry.key)}{where}", markup=False)
    err.print(_("{n} logo file(s) of จังหวัด{p} in the pack. A district office stores them all at "
                "once with: overlay logos import {file}").format(n=len(done.entries), p=done.province,
                                                                 file=output.name), markup=False)
    out.print(str(done.path), markup=False)


@app.command("import", help=_("Store every logo of a logo pack from the provincial office, all or "
                              "nothing, each checked as 'logos add' checks it."))
@handled
def import_(
    pack: Path = typer.Argument(..., help=_("The logo pack (.zip) made with 'overlay logos export'.")),
) -> None:
    """Store every logo of a logo pack, all or nothing."""
    from overlay import logolib
    from overlay.logos import logo_label

    done = logolib.import_pack(pack)
    words = {"new": _("new"), "replaced": _("replaced"), "unchanged": _("unchanged")}
    for entry, change in done.changes:
        where = f" อำเภอ{entry.district}" if entry.district else ""
        out.print(f"{words[change]:<10} {entry.file}  {logo_label(entry.key)}{where}", markup=False)
    err.print(_("Logo pack of จังหวัด{p}: {new} new, {replaced} replaced, {same} unchanged.")
              .format(p=done.province, new=len(done.of("new")), replaced=len(done.of("replaced")),
                      same=len(done.of("unchanged"))), markup=False)
