"""The user's own data folder: logo library, job history, report drafts.

Never inside the installed package (an upgrade would lose it): the platform's user data
folder (``%LOCALAPPDATA%\\overlay`` on Windows, ``~/.local/share/overlay`` on Linux), or
``OVERLAY_DATA_DIR`` when set (tests point it at a temporary folder).
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "overlay"


def data_home() -> Path:
    """The folder for per-user state; created on first use."""
    override = os.environ.get("OVERLAY_DATA_DIR")
    if override:
        path = Path(override)
    else:
        path = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path
