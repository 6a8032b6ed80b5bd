"""The options several commands share, spelt and explained once."""

import typer

from overlay.i18n import _

PresetOpt = typer.Option(None, "--preset", "-p",
                         help=_("Built-in preset name (see 'overlay presets') or a .toml file."))
ProvinceOpt = typer.Option(None, "--province", help=_("Province (จังหวัด), Thai or romanised; default: the preset's."))
LaoOpt = typer.Option(None, "--lao", help=_("Name of the best-practice local government organisation (อปท.)."))
LogoDirOpt = typer.Option(None, "--logo-dir",
                          help=_("Folder with the official logo files; looked in first. May repeat."))
