"""The Thai reference set (tests/data/th-breaks/reference.txt): text and word boundaries."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

REFERENCE = Path(__file__).parent / "data" / "th-breaks" / "reference.txt"


@dataclass(frozen=True)
class RefLine:
    section: str
    text: str
    words: frozenset[int]     # indexes into text where a reference word ends and the next begins

    def inside_word(self, p: int) -> bool:
        """True when a break at ``p`` falls inside a word: both sides are Thai letters and
        the reference has no boundary there."""
        t = self.text
        thai = lambda ch: "\u0e01" <= ch <= "\u0e4e"  # noqa: E731
        return 0 < p < len(t) and thai(t[p - 1]) and thai(t[p]) and p not in self.words


def load_reference(path: Path = REFERENCE) -> list[RefLine]:
    out, section = [], ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        if raw.startswith("## "):
            section = raw[3:].strip()
            continue
        if not raw.strip() or raw.startswith("#"):
            continue
        marked = raw.split("    #?")[0].rstrip()
        text, bounds = [], set()
        for ch in marked:
            if ch == "|":
                bounds.add(len(text))
            else:
                text.append(ch)
        out.append(RefLine(section, "".join(text), frozenset(bounds)))
    return out


def joined_pairs(lines: list[RefLine]) -> list[RefLine]:
    """Each line run into the next of its section with no space between (a long cue typed
    without a pause): harder, since the wrapper gets no space to lean on, and long enough to
    break at 1280x720 too. The seam is a reference boundary."""
    out = []
    for a, b in zip(lines, lines[1:], strict=False):
        if a.section == b.section:
            words = a.words | {len(a.text)} | {len(a.text) + p for p in b.words}
            out.append(RefLine(a.section, a.text + b.text, frozenset(words)))
    return out


def boundaries(tokens: list[str]) -> set[int]:
    """Offsets where one token ends and the next begins (the end of the text included)."""
    out, pos = set(), 0
    for tok in tokens:
        pos += len(tok)
        out.add(pos)
    return out
