"""Where the shipped presets, logos and fonts are, installed or in a source checkout."""

from __future__ import annotations

from pathlib import Path

_PKG = Path(__file__).resolve().parent


def _root(name: str) -> Path:
    installed = _PKG / "_data" / name          # wheel: force-included by pyproject.toml
    if installed.is_dir():
        return installed
    return _PKG.parent / name                  # source checkout or editable install


def presets_dir() -> Path:
    return _root("presets")


def assets_dir() -> Path:
    return _root("assets")


def logos_dir() -> Path:
    return assets_dir() / "logos"


def fonts_dir() -> Path:
    return assets_dir() / "fonts"


def data_dir() -> Path:
    """Data that is code's own (the gazetteer): always inside the package."""
    return _PKG / "data"
