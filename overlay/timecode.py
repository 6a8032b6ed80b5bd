"""Times as people type them: one parser for --start/--end/--at, manifest cells and the
report's chapter times, so that every front door accepts exactly the same forms."""

from __future__ import annotations

import math
import re
import unicodedata

THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")

# 90 | 90.5 | 1:30 | 1:30.5 | 0:01:30 | 00:01:30.5 — after a colon, two digits below 60.
_CLOCK = re.compile(r"(?:(?:(?P<h>\d+):)?(?P<m>\d+):(?P<ms>\d{2}(?:\.\d+)?)"
                    r"|(?P<s>\d+(?:\.\d*)?|\.\d+))")


def parse_time(value: str | int | float) -> float:
    """Seconds (≥ 0) from 90, "90", "90.5", "1:30", "01:30.5", "0:01:30" or "๑:๓๐".

    ValueError("not a time") for anything else: "1:75", "1:5", "-3", "ten", "inf".
    """
    if isinstance(value, bool):
        raise ValueError("not a time")
    if isinstance(value, (int, float)):
        if value < 0 or not math.isfinite(value):
            raise ValueError("not a time")
        return float(value)
    if not isinstance(value, str):
        raise ValueError("not a time")
    text = unicodedata.normalize("NFKC", value).translate(THAI_DIGITS).strip()
    match = _CLOCK.fullmatch(text)
    if not match:
        raise ValueError("not a time")
    if match["s"] is not None:
        return float(match["s"])
    hours, minutes, secs = int(match["h"] or 0), int(match["m"]), float(match["ms"])
    if secs >= 60 or (match["h"] is not None and (minutes >= 60 or len(match["m"]) != 2)):
        raise ValueError("not a time")
    return hours * 3600 + minutes * 60 + secs


def format_time(seconds: float) -> str:
    """'4:05', or '1:02:03' past an hour, to the nearest second: how lengths, limits and
    YouTube's chapter stamps are shown (``parse_time`` reads it back)."""
    hours, rest = divmod(int(round(seconds)), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
