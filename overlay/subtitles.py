"""SRT in, styled ASS out; Thai-aware line breaks. Pure apart from reading/writing files.

The pipeline for one burn:

    read_srt  ->  fit_window  ->  build_ass  (written as ``subs.ass`` in a private workdir)
    prepare_libass(workdir)   ->  env for ffmpeg, run with cwd=workdir and the filter
                                  ``subtitles=filename=subs.ass:fontsdir=fonts``
    libass_failures(stderr)   ->  non-empty means text was NOT drawn: fail the render.

Cue text is kept "plain and safe": only our own canonical ``<i>…</i>`` / ``<b>…</b>`` markup
survives reading; ASS override blocks are stripped, other tags dropped, and the rest is escaped
when the ASS file is written, so nothing a typist put in an SRT can reach libass as a command.
"""

from __future__ import annotations

import bisect
import functools
import math
import re
import shutil
import struct
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Mapping, Sequence
from xml.sax.saxutils import escape as xml_escape

import uharfbuzz as hb

from overlay.errors import OverlayError, SubtitleError
from overlay.files import write_atomic
from overlay.i18n import _
from overlay.resources import fonts_dir
from overlay.thai_breaks import FALLBACK, BreakKind, break_candidates

__all__ = [
    "Cue", "SubtitleFile", "Layout", "SubsReport", "CueBreaks", "BreakKind", "FONT_FAMILY",
    "read_srt", "decode_srt", "detect_encoding", "parse_srt", "clean_text", "plain_text",
    "fit_window", "layout_for", "split_cue", "build_ass", "thai_wrap", "english_wrap", "break_points",
    "text_width", "missing_glyphs", "font_files", "prepare_libass", "libass_failures",
    "write_srt", "check_srt", "cue_breaks", "visible_length", "reading_speed", "ASS_FILENAME", "FONTS_SUBDIR", "FILTER",
]

FONT_FAMILY = "Loma"
_FONT_FILES = {  # (bold, italic) -> file shipped in assets/fonts (TLWG Loma, GPL-2+ w/ font exception)
    (False, False): "Loma.otf",
    (True, False): "Loma-Bold.otf",
    (False, True): "Loma-Oblique.otf",
    (True, True): "Loma-BoldOblique.otf",
}

# The render's contract: ffmpeg runs with cwd=workdir, so no user path enters filter syntax.
ASS_FILENAME = "subs.ass"
FONTS_SUBDIR = "fonts"
FILTER = f"subtitles=filename={ASS_FILENAME}:fontsdir={FONTS_SUBDIR}"

MAX_LINES = 2            # per language per cue on screen; more is split in time
READING_SPEED = 20.0     # characters a second above which a cue is hard to read


# ---------------------------------------------------------------------------- data types

@dataclass(frozen=True)
class Cue:
    index: int       # the number the file gave the cue (or its position when it had none)
    start: float     # seconds
    end: float
    text: str        # plain, safe; lines joined by "\n"; only <i>…</i>, <b>…</b> as markup
    line: int = 0    # 1-based line of the timing line in the file, for messages


@dataclass(frozen=True)
class SubtitleFile:
    path: Path
    encoding: str    # a Python codec name: utf-8, utf-8-sig, utf-16-le, utf-16-be, cp874, …
    cues: tuple[Cue, ...]
    problems: tuple[str, ...]   # one sentence each, naming the file and line


@dataclass(frozen=True)
class Layout:
    """Where and how big the text is for one frame size (ASS units == output pixels)."""

    frame_w: int
    frame_h: int
    font_th: int         # ASS Fontsize; for libass that is the font's line height, not its em
    font_en: int
    outline: float
    shadow: float
    margin_h: int        # left/right: title-safe (5 % of width)
    margin_v: int        # bottom: at least the 5 % title-safe margin

    @property
    def max_text_w(self) -> float:
        """Widest a line may be: the title-safe width less the outline on both sides."""
        return self.frame_w - 2 * self.margin_h - 2 * self.outline


# ---------------------------------------------------------------------------- encodings

_ALIASES = {"windows-874": "cp874", "win-874": "cp874", "win874": "cp874",
            "x-windows-874": "cp874", "ms874": "cp874", "thai": "cp874"}
_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))


def detect_encoding(data: bytes) -> str:
    """BOM, then the UTF-16 zero-byte pattern, then strict UTF-8, then cp874 (Windows Thai).

    This order decoded 55 of 55 sample files from Thai offices; generic detectors got 53–54.
    """
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    sample = data[:4096]
    pairs = len(sample) // 2
    if pairs >= 4:
        # SRT is mostly ASCII digits and arrows: in UTF-16 every other byte is zero.
        even = sample[0:pairs * 2:2].count(0)
        odd = sample[1:pairs * 2:2].count(0)
        if odd > 0.3 * pairs and even < 0.05 * pairs:
            return "utf-16-le"
        if even > 0.3 * pairs and odd < 0.05 * pairs:
            return "utf-16-be"
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        return "cp874"


def _line_of(data: bytes, offset: int, encoding: str) -> int:
    """1-based line of a byte offset (counting newlines in the code units before it)."""
    newline = "\n".encode(encoding)
    for bom, _name in _BOMS:                  # utf-16 and utf-8-sig prepend a BOM
        if newline.startswith(bom) and len(newline) > len(bom):
            newline = newline[len(bom):]
    return data[:offset].count(newline) + 1


def decode_srt(path: Path, data: bytes, encoding: str | None) -> tuple[str, str, list[str]]:
    """(text, encoding used, problems). A forced encoding that does not fit is an error."""
    if encoding:
        # Windows' own names for the Thai code page, which Python does not know.
        encoding = _ALIASES.get(encoding.lower().replace("_", "-"), encoding)
        try:
            import codecs

            codecs.lookup(encoding)
        except LookupError:
            raise SubtitleError(
                _('"{enc}" is not an encoding this tool knows.').format(enc=encoding),
                _("Use one of utf-8, utf-8-sig, utf-16, cp874 (also called tis-620).")) from None
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            raise SubtitleError(
                _("{file} is not valid {enc} at line {line}.").format(
                    file=path.name, enc=encoding, line=_line_of(data, exc.start, encoding)),
                _("Leave out the encoding option so it is detected, or name the right one.")) from exc
        return text.lstrip("\ufeff"), encoding, []
    used = detect_encoding(data)
    body = data[2:] if used.startswith("utf-16") and data[:2] in (b"\xff\xfe", b"\xfe\xff") else data
    text = body.decode(used, errors="replace").lstrip("\ufeff")
    problems = []
    bad = [n for n, line in enumerate(_split_lines(text), 1) if "\ufffd" in line]
    if bad:
        problems.append(_("{file}: lines {lines} have bytes that are not {enc}, which are left out.")
                        .format(file=path.name, lines=_ranges(bad), enc=used))
    return text, used, problems


# ---------------------------------------------------------------------------- parsing

_TS = r"(?:(\d{1,3})\s*:\s*)?(\d{1,2})\s*:\s*(\d{1,2})(?:\s*[,.:;]\s*(\d{1,3}))?"
_TIMING = re.compile(rf"^\s*{_TS}\s*-{{1,2}}>\s*{_TS}(?=\s|$)")
_LOOKS_TIMED = re.compile(r"-->|\d\s*-+>\s*\d")
_INDEX = re.compile(r"^\s*\d+\s*$")


def _split_lines(text: str) -> list[str]:
    # Only CR/LF end a line: Python's splitlines() would also split on U+2028, \x0b, \x1c…
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _seconds(h: str | None, m: str, s: str, frac: str | None) -> float:
    ms = int((frac or "0").ljust(3, "0")[:3])
    return int(h or 0) * 3600 + int(m) * 60 + int(s) + ms / 1000


def parse_srt(text: str, name: str = "subtitles") -> tuple[list[Cue], list[str]]:
    """Tolerant SRT parser: (cues, problems). Line-oriented, so a missing blank line,
    an index gap, CRLF or a stray line does not swallow the cues around it."""
    lines = _split_lines(text)
    timing_rows = [n for n, line in enumerate(lines) if _LOOKS_TIMED.search(line)]
    problems: list[str] = []
    cues: list[Cue] = []
    first = timing_rows[0] if timing_rows else len(lines)
    stray = [n + 1 for n in range(first) if lines[n].strip() and not (
        n == first - 1 and _INDEX.match(lines[n]))]
    if stray:
        problems.append(_("{file}: lines {lines} come before the first cue and are left out.")
                        .format(file=name, lines=_ranges(stray)))
    for k, row in enumerate(timing_rows):
        stop = timing_rows[k + 1] if k + 1 < len(timing_rows) else len(lines)
        body = lines[row + 1:stop]
        if k + 1 < len(timing_rows) and body and _INDEX.match(body[-1]):
            body = body[:-1]                      # the next cue's number
        has_index = row > 0 and _INDEX.match(lines[row - 1])
        index = int(lines[row - 1]) if has_index else len(cues) + 1
        m = _TIMING.match(lines[row])
        if not m:
            problems.append(_("{file}, line {line}: the timing of cue {index} cannot be read, "
                              "so the cue is left out.").format(file=name, line=row + 1, index=index))
            continue
        start, end = _seconds(*m.group(1, 2, 3, 4)), _seconds(*m.group(5, 6, 7, 8))
        if end <= start:
            problems.append(_("{file}, line {line}: cue {index} ends before it starts, "
                              "so it is left out.").format(file=name, line=row + 1, index=index))
            continue
        cleaned = clean_text("\n".join(body))
        if plain_text(cleaned).strip():
            cues.append(Cue(index=index, start=start, end=end, text=cleaned, line=row + 1))
    return cues, problems


def read_srt(path: Path, encoding: str | None = None, strict: bool = False) -> SubtitleFile:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SubtitleError(_("Cannot read the subtitle file {file}: {reason}.")
                            .format(file=path, reason=exc.strerror or exc)) from None
    if not data.strip(b"\x00\r\n\t \xef\xbb\xbf\xff\xfe"):
        raise SubtitleError(_("The subtitle file {file} is empty.").format(file=path.name),
                            _("Export the subtitles again, or leave the option out."))
    text, used, problems = decode_srt(path, data, encoding)
    cues, parse_problems = parse_srt(text, path.name)
    problems += parse_problems
    if not cues:
        raise SubtitleError(_("No subtitle could be read from {file}.").format(file=path.name),
                            _("Check that it is an SRT file (numbered cues with "
                              "00:00:01,000 --> 00:00:02,000 timings)."))
    if strict and problems:
        raise SubtitleError(problems[0], _("Fix the file, or run without --strict to skip "
                                           "what cannot be read."))
    return SubtitleFile(path=path, encoding=used, cues=tuple(cues), problems=tuple(problems))


# ---------------------------------------------------------------------------- safe text

_ASS_BLOCK = re.compile(r"\{\\[^}]*\}")                      # {\an8}, {\pos(1,2)}: never executed
# No space after "<": "a < b > c" is text, not a tag.
_STYLE_TAG = re.compile(r"<(/?)(i|b|em|strong)\s*>", re.I)
_OTHER_TAG = re.compile(r"</?(font|u|s|span|c|v|lang|ruby|rt|p|br|div)\b[^>]*>", re.I)
_CANON = re.compile(r"</?[ib]>")
_ITALIC, _BOLD = 1, 2


def _canon_tag(m: re.Match) -> str:
    name = {"em": "i", "strong": "b"}.get(m.group(2).lower(), m.group(2).lower())
    return f"<{m.group(1)}{name}>"


def clean_text(raw: str) -> str:
    """SRT cue body -> plain safe text with canonical, balanced <i>/<b> markup."""
    text = _ASS_BLOCK.sub("", raw)
    text = re.sub(r"<br\s*/?\s*>", "\n", text, flags=re.I)
    text = _OTHER_TAG.sub("", text)
    text = _STYLE_TAG.sub(_canon_tag, text)
    text = text.replace("\u2028", "\n").replace("\u2029", "\n").replace("\t", " ")
    text = "".join(ch for ch in text if ch == "\n" or unicodedata.category(ch) not in ("Cc", "Cs")
                   and ch not in "\ufffd\ufeff")
    plain, styles = _parse_markup(text)
    lines, out, pos = [], [], 0
    for line in plain.split("\n"):            # tidy spaces per line, keep styles aligned
        span = styles[pos:pos + len(line)]
        pos += len(line) + 1
        kept = [(c, s) for k, (c, s) in enumerate(zip(line, span))
                if not (c == " " and (k == 0 or line[k - 1] == " "))]
        while kept and kept[-1][0] == " ":
            kept.pop()
        if kept:
            lines.append(kept)
    for n, kept in enumerate(lines):
        if n:
            out.append(("\n", 0))
        out.extend(kept)
    return _serialise("".join(c for c, _s in out), tuple(s for _c, s in out))


def _parse_markup(text: str) -> tuple[str, tuple[int, ...]]:
    """Our canonical markup -> (plain text, style bits per character). Unbalanced tags are
    forgiven: a stray closer is ignored, an unclosed opener runs to the end."""
    plain, styles, state, pos = [], [], 0, 0
    for m in _CANON.finditer(text):
        chunk = text[pos:m.start()]
        plain.append(chunk)
        styles.extend([state] * len(chunk))
        bit = _ITALIC if m.group(0)[-2] == "i" else _BOLD
        state = state & ~bit if m.group(0)[1] == "/" else state | bit
        pos = m.end()
    plain.append(text[pos:])
    styles.extend([state] * (len(text) - pos))
    return "".join(plain), tuple(styles)


def _serialise(plain: str, styles: Sequence[int]) -> str:
    out, state = [], 0
    for ch, st in zip(plain, styles):
        if ch == "\n":                        # close at line ends: each line stands alone
            out.append(_transition(state, 0) + "\n")
            state = 0
            continue
        out.append(_transition(state, st) + ch)
        state = st
    out.append(_transition(state, 0))
    return "".join(out)


def _transition(old: int, new: int) -> str:
    """Tags from one style to another, always well nested: close all, reopen what stays."""
    if old == new:
        return ""
    close = ("</b>" if old & _BOLD else "") + ("</i>" if old & _ITALIC else "")
    return close + ("<i>" if new & _ITALIC else "") + ("<b>" if new & _BOLD else "")


def plain_text(text: str) -> str:
    """Cue text without our markup: what is actually drawn."""
    return _CANON.sub("", text)


# ---------------------------------------------------------------------------- timing

def fit_window(cues: Sequence[Cue], start: float, duration: float) -> tuple[tuple[Cue, ...], int]:
    """Shift cues by -start and cut them to [0, duration].

    Returns (cues, dropped). ``dropped`` counts cues lost past the end of the window (a cue
    crossing the cut is shortened instead); cues that end before ``start`` are simply not
    part of the chosen excerpt and are not counted.
    """
    kept, dropped = [], 0
    for cue in cues:
        s, e = cue.start - start, cue.end - start
        if e <= 0:
            continue
        if s >= duration or min(e, duration) - max(s, 0.0) < 0.01:
            dropped += 1
            continue
        kept.append(replace(cue, start=max(s, 0.0), end=min(e, duration)))
    return tuple(kept), dropped


# ---------------------------------------------------------------------------- font metrics

def font_files() -> list[Path]:
    """The font files libass must load (all four Loma faces, so italics/bold are real)."""
    return [fonts_dir() / name for name in _FONT_FILES.values()]


def _font_path(bold: bool = False, italic: bool = False) -> Path:
    path = fonts_dir() / _FONT_FILES[(bold, italic)]
    if not path.is_file():
        raise OverlayError(_("The subtitle font {path} is missing.").format(path=path),
                           _("Reinstall overlay; the font ships with it."))
    return path


@functools.lru_cache(maxsize=None)
def _hb_font(bold: bool):
    data = _font_path(bold).read_bytes()
    face = hb.Face(hb.Blob(data))
    font = hb.Font(face)
    # libass sizes a font so that Fontsize == usWinAscent + usWinDescent (VSFilter's rule),
    # so one ASS size unit is upem / (winAscent + winDescent) of an em.
    os2 = bytes(face.reference_table("OS/2").data)
    win_asc, win_desc = struct.unpack(">HH", os2[74:78])
    height = win_asc + win_desc
    if not height:
        ext = font.get_font_extents("ltr")
        height = ext.ascender - ext.descender
    return font, frozenset(face.unicodes), height


@functools.lru_cache(maxsize=8192)
def text_width(text: str, font_px: float, bold: bool = False) -> float:
    """Advance width in pixels of ``text`` shaped by HarfBuzz (as libass does) with the
    shipped font at ASS Fontsize ``font_px``."""
    font, _cmap, height = _hb_font(bold)
    buf = hb.Buffer()
    buf.add_str(text)
    buf.guess_segment_properties()
    hb.shape(font, buf, {})
    return sum(p.x_advance for p in buf.glyph_positions) * font_px / height


def missing_glyphs(text: str) -> str:
    """Characters of ``text`` the shipped font cannot draw (libass would fail on them)."""
    _font, cmap, _h = _hb_font(False)
    seen = []
    for ch in plain_text(text):
        if ch != "\n" and ord(ch) not in cmap and unicodedata.category(ch) != "Cf" \
                and ch not in seen:
            seen.append(ch)
    return "".join(seen)


# ---------------------------------------------------------------------------- line breaks

def _is_mark(ch: str) -> bool:
    """Thai vowel/tone marks (U+0E31, U+0E34–U+0E3A, U+0E47–U+0E4E) and any combining mark,
    plus ๆ which must not start a line either."""
    return unicodedata.category(ch) in ("Mn", "Mc", "Me") or ch == "\u0e46"


# Break kinds, best first: weights make the wrapper take the best kind that fits, and only
# among equals the most balanced lines.
_WEIGHT = {BreakKind.TYPED: 0, BreakKind.SPACE: 0, BreakKind.AGREED: 1, BreakKind.KIN: 4,
           BreakKind.WORD: 16, BreakKind.SYLLABLE: 64, BreakKind.CLUSTER: 256}


@functools.lru_cache(maxsize=4096)
def _advances(text: str, font_px: float, bold: bool) -> tuple[float, ...]:
    """Prefix sums of the shaped advance of each character: width(s, e) = P[e] - P[s].
    One HarfBuzz run per paragraph instead of one per tried line; the chosen lines are
    measured again exactly (``text_width``)."""
    font, _cmap, height = _hb_font(bold)
    buf = hb.Buffer()
    buf.add_str(text)
    buf.guess_segment_properties()
    hb.shape(font, buf, {})
    adv = [0.0] * (len(text) + 1)
    for info, pos in zip(buf.glyph_infos, buf.glyph_positions, strict=True):
        adv[min(info.cluster, len(text) - 1) + 1] += pos.x_advance * font_px / height
    for k in range(1, len(adv)):
        adv[k] += adv[k - 1]
    return tuple(adv)


def _trim(text: str, s: int, e: int) -> tuple[int, int]:
    while e > s and text[e - 1].isspace():
        e -= 1
    while s < e and text[s].isspace():
        s += 1
    return s, e


def _wrap_breaks(text: str, max_width_px: float, font_px: float, thai: bool,
                 bold: bool = False) -> tuple[list[int], list[BreakKind]]:
    """Where one paragraph breaks (indexes where each next line starts) and each break's kind.

    The fewest lines that fit, breaking inside a word only where that word alone is wider
    than the line; then the best kind of break that still gives that many lines, or one
    more if that adds no time slice (a space, then a word both segmenters agree on, a pair
    that belongs together, a word one segmenter found, a syllable, a character cluster: see
    ``overlay.thai_breaks``); then, among those, the pieces of two lines whose longer line
    is shortest. Widths are estimated from one shaping of the paragraph and the chosen
    lines measured again exactly; if one is too wide, the choice is made again, tighter."""
    n = len(text)
    cands = break_candidates(text, thai)
    kind_at = dict(cands)
    adv = _advances(text, font_px, bold)

    def width(i: int, j: int) -> float:
        s, e = _trim(text, i, j)
        return adv[e] - adv[s] if e > s else 0.0

    for _attempt in range(3):
        breaks = _choose(n, [p for p, _k in cands], kind_at, width, max_width_px)
        bounds = [0, *breaks, n]
        over = max((text_width(text[slice(*_trim(text, a, b))], font_px, bold) - max_width_px
                    for a, b in zip(bounds, bounds[1:], strict=False)), default=0.0)
        if over <= 0.01 or max_width_px <= 1:
            break
        max_width_px -= over + 0.01                       # the estimate was short: tighten
    return breaks, [kind_at[p] for p in breaks]


def _choose(n: int, positions: list[int], kind_at: Mapping[int, BreakKind], width,
            max_w: float) -> list[int]:
    tiers = (BreakKind.WORD, BreakKind.SYLLABLE, BreakKind.CLUSTER)

    def furthest(pos: int, allowed: list[int]) -> int | None:
        k = bisect.bisect_right(allowed, pos)
        best = None
        while k < len(allowed) and width(pos, allowed[k]) <= max_w:
            best = allowed[k]
            k += 1
        return best

    def greedy(allowed: list[int]) -> list[int] | None:
        out: list[int] = []
        pos = 0
        while width(pos, n) > max_w:
            cut = furthest(pos, allowed)
            if cut is None:
                return None
            out.append(cut)
            pos = cut
        return out

    # The fewest lines breaking between words, and inside a word (at a syllable, then at a
    # character cluster) only where that word alone is wider than the line.
    by_tier = [[p for p in positions if kind_at[p] <= tier] for tier in tiers]
    fewest: list[int] = []
    pos = 0
    while width(pos, n) > max_w:
        cut = next((b for b in (furthest(pos, allowed) for allowed in by_tier) if b is not None),
                   None)
        if cut is None:                                  # nothing fits: overflow, go on
            cut = next((p for p in positions if p > pos), None)
            if cut is None:
                break
        fewest.append(cut)
        pos = cut
    # Then the best kind of break that still gives that many lines, or one more where that
    # adds no time slice (three lines show as 2 + 1; four as 2 + 2).
    lines = len(fewest) + 1
    spare = lines + 1 if lines % 2 and lines > 1 else lines
    for kind in BreakKind:
        subset = [p for p in positions if kind_at[p] <= kind]
        got = greedy(subset)
        if got is not None and len(got) + 1 <= spare:
            allowed, lines = subset, max(lines, len(got) + 1)
            break
    else:
        return fewest
    sizes = [2] * (lines // 2) + [1] * (lines % 2)
    # Dynamic programme over pieces: best[pos] = (weight, balance, breaks) for pieces so far.
    best: dict[int, tuple[float, float, list[int]]] = {0: (0, 0.0, [])}
    ends = allowed + [n]
    for t, size in enumerate(sizes):
        last = t == len(sizes) - 1
        nxt: dict[int, tuple[float, float, list[int]]] = {}
        for i, (wt, bal, brk) in best.items():
            for j in ([n] if last else ends):
                if j <= i or (not last and j == n):
                    continue
                if width(i, j) > 2 * max_w + 1:
                    break
                piece = _best_piece(i, j, size, allowed, kind_at, width, max_w)
                if piece is None:
                    continue
                pw, pb, inner = piece
                cand = (wt + pw + (_WEIGHT[kind_at[j]] if j < n else 0), bal + pb,
                        brk + inner + ([j] if j < n else []))
                if j not in nxt or cand[:2] < nxt[j][:2]:
                    nxt[j] = cand
        best = nxt
    return best[n][2] if n in best else fewest


def _best_piece(i: int, j: int, size: int, allowed: list[int], kind_at, width,
                max_w: float) -> tuple[float, float, list[int]] | None:
    """One on-screen piece from i to j: one line, or two split at the best break."""
    if size == 1:
        return (0, width(i, j), []) if width(i, j) <= max_w else None
    found = None
    for m in allowed:
        if m <= i:
            continue
        if m >= j:
            break
        a, b = width(i, m), width(m, j)
        if a > max_w or b > max_w:
            continue
        cand = (_WEIGHT[kind_at[m]], max(a, b), [m])
        if found is None or cand[:2] < found[:2]:
            found = cand
    if found is None and width(i, j) <= max_w:
        return (0, width(i, j), [])                      # fits on one line after all
    return found


def _wrap_spans(text: str, max_width_px: float, font_px: float, thai: bool,
                bold: bool = False) -> list[list[tuple[int, int]]]:
    """Wrap one paragraph into pieces of at most MAX_LINES lines (spans into ``text``)."""
    return _pieces(text, *_wrap_breaks(text, max_width_px, font_px, thai, bold))[0]


def _pieces(text: str, breaks: list[int], kinds: list[BreakKind]
            ) -> tuple[list[list[tuple[int, int]]], list[BreakKind]]:
    bounds = [0, *breaks, len(text)]
    lines = [_trim(text, a, b) for a, b in zip(bounds, bounds[1:], strict=False)]
    keep = [k for k, (s, e) in enumerate(lines) if e > s]
    lines = [lines[k] for k in keep]
    kinds = [kinds[k] for k in keep[:-1]] if keep else []
    return [lines[k:k + MAX_LINES] for k in range(0, len(lines), MAX_LINES)], kinds


def break_points(text: str, frame_w: int, frame_h: int, lang: str = "th"
                 ) -> list[tuple[int, BreakKind]]:
    """Where one paragraph of plain text breaks on a frame of this size, and each break's
    kind: [(index where the next line starts, kind)]. What ``overlay subs check`` shows."""
    layout = layout_for(frame_w, frame_h)
    font = layout.font_th if lang == "th" else layout.font_en
    breaks, kinds = _wrap_breaks(text, layout.max_text_w, font, lang == "th" or _has_thai(text))
    return list(zip(breaks, kinds, strict=True))


def thai_wrap(text: str, max_width_px: float, font_px: float) -> list[str]:
    """Lines of ``text`` (no markup), each no wider than ``max_width_px`` with the shipped
    font at ASS Fontsize ``font_px``, broken at the best places ``overlay.thai_breaks``
    offers: spaces, words both segmenters agree on, …, never inside a syllable. Every two
    lines form one on-screen piece (see ``split_cue``)."""
    return [text[s:e] for piece in _wrap_spans(text, max_width_px, font_px, thai=True)
            for s, e in piece]


def english_wrap(text: str, max_width_px: float, font_px: float) -> list[str]:
    """Like ``thai_wrap`` but breaking only at spaces."""
    return [text[s:e] for piece in _wrap_spans(text, max_width_px, font_px, thai=False)
            for s, e in piece]


# ---------------------------------------------------------------------------- layout

def layout_for(frame_w: int, frame_h: int) -> Layout:
    if frame_w <= 0 or frame_h <= 0:
        raise ValueError(f"bad frame size {frame_w}x{frame_h}")
    if frame_w >= frame_h:
        # Landscape: line height 6.5 % of the frame. Loma's em is only 0.63 of its line
        # height (tall Thai stacks), so this looks like a 5.5 % Arial. Bottom margin 6 %
        # (title-safe is 5 %).
        font = max(8, round(frame_h * 0.065))
        margin_v = math.ceil(frame_h * 0.06)
    else:
        # Portrait: size from the narrow width so a Thai line holds ~15–20 words' worth,
        # raised above the bottom 12 % where Shorts/TikTok/Reels draw their own buttons.
        font = max(8, round(min(frame_h * 0.045, frame_w * 0.075)))
        margin_v = math.ceil(frame_h * 0.12)
    outline = max(1.0, round(font * 0.06 * 2) / 2)
    return Layout(frame_w=frame_w, frame_h=frame_h, font_th=font,
                  font_en=max(8, round(font * 0.9)), outline=outline,
                  shadow=max(0.5, round(font * 0.03 * 2) / 2),
                  margin_h=math.ceil(frame_w * 0.05), margin_v=margin_v)


@dataclass(frozen=True)
class _Piece:
    start: float
    end: float
    lines: tuple[tuple[str, tuple[int, ...]], ...]   # (plain, style bits) per line
    after: tuple[BreakKind, ...] = ()                 # kind of break after each line (not the cue's last)


def _has_thai(text: str) -> bool:
    return any("\u0e00" <= ch <= "\u0e7f" for ch in text)


def _visible_len(text: str) -> int:
    return sum(1 for ch in text if not ch.isspace() and not _is_mark(ch))


def _cue_pieces(cue: Cue, lang: str, layout: Layout) -> list[_Piece]:
    plain, styles = _parse_markup(cue.text)
    font = layout.font_th if lang == "th" else layout.font_en
    thai = lang == "th" or _has_thai(plain)
    bold = any(s & _BOLD for s in styles)     # measure wide if any of it is bold
    wrap = functools.partial(_wrap_breaks, max_width_px=layout.max_text_w, font_px=font,
                             thai=thai, bold=bold)

    def lines_of(text: str, offset: int) -> tuple[list[tuple[int, int]], list[BreakKind]]:
        pieces, kinds = _pieces(text, *wrap(text))
        return [(s + offset, e + offset) for piece in pieces for s, e in piece], kinds

    # Keep the typist's own line breaks when the result still fits in two lines.
    flat: list[tuple[int, int]] = []
    kinds: list[BreakKind] = []
    offset = 0
    for part in plain.split("\n"):
        lines, inner = lines_of(part, offset)
        if lines:
            kinds += ([BreakKind.TYPED] if flat else []) + inner
            flat += lines
        offset += len(part) + 1
    if len(flat) > MAX_LINES:                 # rewrap as one paragraph; split in time
        flat, kinds = lines_of(plain.replace("\n", " "), 0)
    pieces = [flat[k:k + MAX_LINES] for k in range(0, len(flat), MAX_LINES)]
    weights = [max(1, sum(_visible_len(plain[s:e]) for s, e in p)) for p in pieces]
    total, t, out = sum(weights), cue.start, []
    for k, (piece, w) in enumerate(zip(pieces, weights, strict=True)):
        end = cue.end if k == len(pieces) - 1 else t + (cue.end - cue.start) * w / total
        after = tuple(kinds[k * MAX_LINES:k * MAX_LINES + len(piece)])
        out.append(_Piece(t, end, tuple((plain[s:e], styles[s:e]) for s, e in piece), after))
        t = end
    return out


def split_cue(cue: Cue, lang: str, frame_w: int, frame_h: int) -> list[tuple[float, float, list[str]]]:
    """How one cue will appear: [(start, end, lines)], at most two lines each."""
    return [(p.start, p.end, [line for line, _s in p.lines])
            for p in _cue_pieces(cue, lang, layout_for(frame_w, frame_h))]


# ---------------------------------------------------------------------------- ASS

def _ass_escape(text: str) -> str:
    # A backslash gets a zero-width space after it so \N, \n, \h never form; braces use
    # libass's literal escapes. Nothing typed can open an override block.
    return text.replace("\\", "\\\u200b").replace("{", "\\{").replace("}", "\\}")


def _ass_line(plain: str, styles: Sequence[int]) -> str:
    out, state = [], 0
    for ch, st in zip(plain, styles):
        if st != state:
            tags = ""
            if (st ^ state) & _ITALIC:
                tags += "\\i1" if st & _ITALIC else "\\i0"
            if (st ^ state) & _BOLD:
                tags += "\\b1" if st & _BOLD else "\\b0"
            out.append("{" + tags + "}")
            state = st
        out.append(_ass_escape(ch))
    if state:
        out.append("{\\i0\\b0}")
    return "".join(out)


def _ass_time(cs: int) -> str:
    h, rest = divmod(cs, 360000)
    m, rest = divmod(rest, 6000)
    s, c = divmod(rest, 100)
    return f"{h}:{m:02d}:{s:02d}.{c:02d}"


def _colour(alpha: int, rgb: int) -> str:
    r, g, b = rgb >> 16 & 255, rgb >> 8 & 255, rgb & 255
    return f"&H{alpha:02X}{b:02X}{g:02X}{r:02X}"


def _style(name: str, size: int, layout: Layout) -> str:
    return ",".join(str(v) for v in (
        f"Style: {name}", FONT_FAMILY, size,
        _colour(0, 0xFFFFFF), _colour(0, 0xFFFFFF), _colour(0, 0x000000), _colour(0x60, 0x000000),
        0, 0, 0, 0, 100, 100, 0, 0,
        1, layout.outline, layout.shadow,      # outline + soft shadow: readable on any picture
        2, layout.margin_h, layout.margin_h, layout.margin_v, 1))


def build_ass(tracks: Mapping[str, Sequence[Cue]], frame_w: int, frame_h: int) -> str:
    """Full ASS text for the burn. With both tracks, Thai sits above English in one block:
    the timeline is cut at every cue boundary and each slice is ONE event, so libass's own
    collision logic never reorders or scatters them."""
    unknown = set(tracks) - {"th", "en"}
    if unknown:
        raise ValueError(f"unknown subtitle track(s): {sorted(unknown)}")
    layout = layout_for(frame_w, frame_h)
    pieces: dict[str, list[tuple[int, int, int, str]]] = {}
    for lang, cues in tracks.items():
        rows = []
        for order, cue in enumerate(cues):
            for p in _cue_pieces(cue, lang, layout):
                a, b = round(p.start * 100), round(p.end * 100)
                if b > a:
                    rows.append((a, b, order, "\\N".join(_ass_line(t, s) for t, s in p.lines)))
        pieces[lang] = rows
    bounds = sorted({t for rows in pieces.values() for a, b, _o, _t in rows for t in (a, b)})
    events: list[list] = []
    for a, b in zip(bounds, bounds[1:]):
        blocks = {lang: [t for s, e, _o, t in sorted(rows, key=lambda r: (r[0], r[2]))
                         if s <= a and e >= b] for lang, rows in pieces.items()}
        th, en = blocks.get("th", []), blocks.get("en", [])
        if not th and not en:
            continue
        if th and en:
            style, text = "TH", "\\N".join(th) + "\\N{\\rEN}" + "\\N".join(en)
        else:
            style, text = ("TH", "\\N".join(th)) if th else ("EN", "\\N".join(en))
        if events and events[-1][1] == a and events[-1][2:] == [style, text]:
            events[-1][1] = b                  # same text continues: one event, no flicker
        else:
            events.append([a, b, style, text])
    head = [
        "[Script Info]",
        "; Written by overlay: Thai lines pre-wrapped, hence WrapStyle 2",
        "ScriptType: v4.00+",
        f"PlayResX: {frame_w}",
        f"PlayResY: {frame_h}",
        "WrapStyle: 2",
        "ScaledBorderAndShadow: yes",
        "YCbCr Matrix: None",
        "",
        "[V4+ Styles]",
        "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, "
        "BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, "
        "BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding",
        _style("TH", layout.font_th, layout),
        _style("EN", layout.font_en, layout),
        "",
        "[Events]",
        "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text",
    ]
    body = [f"Dialogue: 0,{_ass_time(a)},{_ass_time(b)},{style},,0,0,0,,{text}"
            for a, b, style, text in events]
    return "\n".join(head + body) + "\n"


# ---------------------------------------------------------------------------- libass setup

def _fonts_conf(fonts: Path, cache: Path) -> str:
    # Only our folder; every family request falls back to Loma, so libass's fontconfig
    # provider can always answer and the machine's fonts never take part.
    return f"""<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <dir>{xml_escape(str(fonts))}</dir>
  <cachedir>{xml_escape(str(cache))}</cachedir>
  <match target="pattern">
    <edit name="family" mode="append_last"><string>{FONT_FAMILY}</string></edit>
  </match>
</fontconfig>
"""


def prepare_libass(workdir: Path) -> dict[str, str]:
    """Copy the font into ``workdir/fonts`` and write a private fontconfig file; return the
    environment variables to add for ffmpeg (merge them into ``os.environ``).

    The fontconfig file lives in ``workdir/fontconfig``, NOT in ``fonts``: libass loads every
    file of ``fontsdir`` as a font and would log an error for a stray .conf.
    """
    workdir = Path(workdir).resolve()
    fonts = workdir / FONTS_SUBDIR
    conf_dir = workdir / "fontconfig"
    fonts.mkdir(parents=True, exist_ok=True)
    conf_dir.mkdir(parents=True, exist_ok=True)
    for bold, italic in _FONT_FILES:
        src = _font_path(bold, italic)
        shutil.copyfile(src, fonts / src.name)
    conf = conf_dir / "fonts.conf"
    conf.write_text(_fonts_conf(fonts, conf_dir / "cache"), encoding="utf-8")
    return {"FONTCONFIG_FILE": str(conf), "FONTCONFIG_PATH": str(conf_dir)}


_FAILURE = re.compile(
    r"failed to find any fallback|fontselect: failed|error opening (memory )?font|"
    r"could not create a libass track|unable to open \S*\.ass",
    re.I)
_PREFIX = re.compile(r"^\s*(\[[^\]]*\]\s*)+")


def libass_failures(ffmpeg_stderr: str) -> list[str]:
    """Lines of ffmpeg's stderr (default or ``warning`` log level) that mean subtitle text was
    NOT drawn: no font, no fallback for a glyph, the ASS file not opened. Each is returned
    once, without the ``[Parsed_subtitles_0 @ 0x…]`` prefix; a missing glyph is named."""
    out: list[str] = []
    for raw in ffmpeg_stderr.splitlines():
        if not _FAILURE.search(raw):
            continue
        line = _PREFIX.sub("", raw).strip()
        m = re.search(r"glyph 0x([0-9A-Fa-f]+)", line)
        if m and int(m.group(1), 16) > 0:
            cp = int(m.group(1), 16)
            line += f" [U+{cp:04X} {chr(cp)!r} {unicodedata.name(chr(cp), '')}]".rstrip()
        if line not in out:
            out.append(line)
    return out


# ---------------------------------------------------------------------------- SRT out

def _srt_time(t: float) -> str:
    ms = round(max(t, 0.0) * 1000)
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d},{ms:03d}"


def write_srt(cues: Sequence[Cue], path: Path) -> None:
    """UTF-8 SRT (no BOM), renumbered from 1: YouTube's caption upload and mov_text read it."""
    path = Path(path)
    blocks = [f"{n}\n{_srt_time(c.start)} --> {_srt_time(c.end)}\n{c.text}\n"
              for n, c in enumerate(cues, 1)]
    write_atomic(path, "\n".join(blocks))      # never a half-written file under the real name


# ---------------------------------------------------------------------------- check

@dataclass(frozen=True)
class CueBreaks:
    index: int
    line: int
    pieces: tuple[tuple[str, ...], ...]     # on-screen lines of each time slice
    kinds: tuple[BreakKind, ...] = ()       # each break's kind, in reading order

    @property
    def fallbacks(self) -> int:
        """Breaks inside a word no dictionary knows (at a syllable or character cluster)."""
        return sum(kind in FALLBACK for kind in self.kinds)

    def shown(self) -> str:
        """Break points as " | " (line break) and " || " (next time slice); a fallback
        break gets a "!" (" |! ", " ||! ") so the typist can put a space where it belongs."""
        out: list[str] = []
        for lines in self.pieces:
            for m, line in enumerate(lines):
                if out:
                    k = len(out) // 2
                    mark = ("|" if m else "||") + ("!" if k < len(self.kinds)
                                                   and self.kinds[k] in FALLBACK else "")
                    out.append(f" {mark} ")
                out.append(line)
        return "".join(out)


@dataclass(frozen=True)
class SubsReport:
    path: Path
    encoding: str
    cues_read: int
    cues_shown: int
    dropped: int                            # past the length limit
    read_problems: tuple[str, ...]          # cues or lines that could not be read
    warnings: tuple[str, ...]               # overlaps, reading speed, cut cues, glyphs
    breaks: tuple[CueBreaks, ...]           # every cue with Thai text

    @property
    def problems(self) -> tuple[str, ...]:
        return self.read_problems + self.warnings

    @property
    def changes_output(self) -> bool:
        """True when something in the file will not reach the screen."""
        return bool(self.dropped or self.read_problems)


def cue_breaks(cue: Cue, lang: str, frame_w: int, frame_h: int) -> CueBreaks:
    """How one cue is laid out on a frame of this size: its on-screen lines per time slice
    and each break's kind. What ``overlay subs check`` shows, and the page's editor."""
    pieces = _cue_pieces(cue, lang, layout_for(frame_w, frame_h))
    return CueBreaks(cue.index, cue.line, tuple(tuple(line for line, _s in p.lines) for p in pieces),
                     tuple(kind for p in pieces for kind in p.after))


def visible_length(text: str) -> int:
    """Characters that count for the reading speed: no spaces, no Thai vowel or tone marks."""
    return _visible_len(plain_text(text))


def reading_speed(cue: Cue) -> float:
    """Characters a second the cue asks of the viewer (above READING_SPEED: hard to read)."""
    return visible_length(cue.text) / max(cue.end - cue.start, 0.001)


def check_srt(path: Path, *, encoding: str | None, start: float, duration: float,
              frame_w: int, frame_h: int) -> SubsReport:
    sub = read_srt(path, encoding)
    name = Path(path).name
    cues, dropped = fit_window(sub.cues, start, duration)
    warnings: list[str] = []
    if dropped:
        warnings.append(_("{file}: {n} cue(s) start after the {limit:g} s limit and are left out.")
                        .format(file=name, n=dropped, limit=duration))
    for cue in sub.cues:
        if cue.start - start < duration < cue.end - start - 0.005:
            warnings.append(_("{file}, line {line}: cue {index} is cut short at the limit.")
                            .format(file=name, line=cue.line, index=cue.index))
    ordered = sorted(cues, key=lambda c: (c.start, c.line))
    for a, b in zip(ordered, ordered[1:]):
        if b.start < a.end - 0.005:
            warnings.append(_("{file}, lines {a} and {b}: cues {i} and {j} overlap by {t:.2f} s; "
                              "both are shown.").format(file=name, a=a.line, b=b.line, i=a.index,
                                                        j=b.index, t=a.end - b.start))
    breaks = []
    for cue in cues:
        plain = plain_text(cue.text)
        cps = reading_speed(cue)
        if cps > READING_SPEED:
            warnings.append(_("{file}, line {line}: cue {index} needs {cps:.0f} characters a "
                              "second to read (more than {limit:g}).").format(
                file=name, line=cue.line, index=cue.index, cps=cps, limit=READING_SPEED))
        missing = missing_glyphs(plain)
        if missing:
            warnings.append(_("{file}, line {line}: cue {index} uses characters the subtitle font "
                              "cannot draw: {chars}.").format(file=name, line=cue.line,
                                                              index=cue.index, chars=missing))
        if _has_thai(plain):
            shown = cue_breaks(cue, "th", frame_w, frame_h)
            breaks.append(shown)
            if shown.fallbacks:
                warnings.append(_("{file}, line {line}: cue {index} had to be broken inside a word "
                                  "the dictionaries do not know (marked !); put a space or a line "
                                  "break where it belongs.").format(file=name, line=cue.line,
                                                                     index=cue.index))
    return SubsReport(path=Path(path), encoding=sub.encoding, cues_read=len(sub.cues),
                      cues_shown=len(cues), dropped=dropped, read_problems=sub.problems,
                      warnings=tuple(warnings), breaks=tuple(breaks))


def _ranges(numbers: Sequence[int]) -> str:
    """[3, 4, 5, 9] -> "3–5, 9"."""
    out: list[str] = []
    run: list[int] = []
    for n in numbers:
        if run and n == run[-1] + 1:
            run.append(n)
            continue
        if run:
            out.append(f"{run[0]}–{run[-1]}" if len(run) > 1 else str(run[0]))
        run = [n]
    if run:
        out.append(f"{run[0]}–{run[-1]}" if len(run) > 1 else str(run[0]))
    return ", ".join(out)
