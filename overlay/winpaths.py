"""Windows' own limits on paths, said in one line before any work (support: imports no engine).

Here rather than in ``files``: the runner refuses a too-long output before ffmpeg starts, and
the rules layer (presets, manifests) explains a Windows path written as TOML escapes.
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path

from overlay.errors import UsageError
from overlay.i18n import _

MAX_PATH = 260        # Windows' classic limit, the terminating NUL included: 259 characters


# ---------------------------------------------------------------- Windows' path length

@functools.cache
def long_paths_enabled() -> bool:
    """Windows 10+ with LongPathsEnabled set (python.exe is long-path aware; ffmpeg too)."""
    try:
        import winreg  # type: ignore[import-not-found,unused-ignore]

        with winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE,  # type: ignore[attr-defined,unused-ignore]
                            r"SYSTEM\CurrentControlSet\Control\FileSystem") as key:
            return bool(winreg.QueryValueEx(key, "LongPathsEnabled")[0])  # type: ignore[attr-defined,unused-ignore]
    except (ImportError, OSError):
        return False


def path_too_long(path: Path, *, windows: bool | None = None, enabled: bool | None = None) -> bool:
    """Windows without long paths cannot open a path of 260 characters or more (the mandated
    name alone is ~72): refuse it in one line before any work, rather than fail half-way."""
    if not (os.name == "nt" if windows is None else windows):
        return False
    if (long_paths_enabled() if enabled is None else enabled):
        return False
    return len(str(Path(path).absolute())) >= MAX_PATH


def too_long_error(path: Path) -> UsageError:
    return UsageError(
        _("The path {path} is {n} characters long; Windows allows {limit} here.").format(
            path=path, n=len(str(Path(path).absolute())), limit=MAX_PATH - 1),
        _("Choose a folder nearer the drive's root (e.g. C:\\overlay), or ask IT to enable long "
          "paths (LongPathsEnabled)."))


def too_long_reason(path: Path) -> str:
    """Why the audit cannot read ``path``, in a few words."""
    return _("path too long for Windows ({n} characters; move the folder nearer the drive's root)").format(
        n=len(str(Path(path).absolute())))


# ---------------------------------------------------------------- TOML and Windows paths

_ESCAPE_ERROR = re.compile(r"hex value|unescaped '\\'|escape", re.I)
_QUOTED_BACKSLASH = re.compile(r'"[^"\n]*\\[^"\n]*"')


def toml_backslash_hint(exc: Exception, text: str) -> str | None:
    """A Windows path in double quotes is a TOML escape (``"C:\\Users"`` reads ``\\U`` as a
    hex escape): say how to write it, instead of only "Invalid hex value"."""
    if not _ESCAPE_ERROR.search(str(exc)) or not _QUOTED_BACKSLASH.search(text):
        return None
    return _("A Windows path in double quotes is read as escapes: write it in single quotes "
             "('C:\\งาน\\clip.mp4') or with / (\"C:/งาน/clip.mp4\").")
