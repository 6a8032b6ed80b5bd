"""The one error family. The CLI turns each into a single line and an exit code."""

from __future__ import annotations


class OverlayError(Exception):
    """A problem the user can act on: ``message`` says what is wrong, ``hint`` what to do."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def line(self) -> str:
        return f"{self.message} {self.hint}" if self.hint else self.message


class UsageError(OverlayError):
    """Bad input, options, preset or name: exit 2."""

    exit_code = 2


class InputError(UsageError):
    """The input file is missing, unreadable or not a usable video."""


class OutputExists(UsageError):
    """The output file is already there and replacing it was not asked for (--force)."""

    def __init__(self, message: str, hint: str | None = None, path: object = None) -> None:
        super().__init__(message, hint)
        self.path = path


class PresetError(UsageError):
    """A preset (or a logo it names) is missing or invalid."""


class NamingError(UsageError):
    """A district or province is not in the gazetteer."""


class SubtitleError(UsageError):
    """A subtitle file cannot be used."""


class RenderError(OverlayError):
    """ffmpeg failed or the output did not come out right: exit 1. Keeps ffmpeg's stderr."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None, stderr: str = "",
                 command: list[str] | None = None) -> None:
        super().__init__(message, hint)
        self.stderr = stderr
        self.command = command or []
