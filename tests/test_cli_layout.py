"""The CLI's shape: every command mounted in one place, handled the same way, options spelt once."""

from __future__ import annotations

import importlib
import inspect

import typer
from typer.main import get_command

from overlay.cli import app
from overlay.cli import options as shared
from overlay.cli.main import GROUPS

SHARED = {"preset": shared.PresetOpt, "province": shared.ProvinceOpt, "lao": shared.LaoOpt,
          "logo_dir": shared.LogoDirOpt}


def commands() -> list[tuple[str, typer.models.CommandInfo]]:
    found = []
    for module, group in GROUPS:
        for info in importlib.import_module(module).app.registered_commands:
            name = info.name or info.callback.__name__.replace("_", "-")
            found.append((f"{group} {name}" if group else name, info))
    return found


def test_every_group_is_mounted_once_in_the_order_help_shows():
    names = list(get_command(app).commands)         # type: ignore[attr-defined]
    assert names == ["render", "check", "preview", "demo", "doctor", "presets", "name", "subs",
                     "report", "batch", "audit", "logos", "web"]
    assert len({module for module, _group in GROUPS}) == len(GROUPS)


def test_every_command_has_help_and_goes_through_handled():
    # handled is what makes Ctrl-C, bad input and a bug look the same in every command.
    for name, info in commands():
        assert info.help, name
        assert info.callback.__module__ in {module for module, _group in GROUPS}, name
        assert getattr(info.callback, "__wrapped__", None) is not None, f"{name} is not @handled"


def test_shared_options_are_spelt_the_same_everywhere():
    for name, info in commands():
        for param in inspect.signature(info.callback).parameters.values():
            want = SHARED.get(param.name)
            if want is None or not isinstance(param.default, type(want)):
                continue
            assert set(want.param_decls) <= set(param.default.param_decls), (name, param.name)
