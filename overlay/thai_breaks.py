"""Where a Thai line may break, and how good each place is. Pure: text in, ranked breaks out.

Thai is written without spaces between words, so a line can only be broken where a word
segmenter says a word ends. One segmenter is not enough: ICU's dictionary, meeting a word it
does not know (a transliterated name, some common words), breaks it anywhere, even before a
tone mark's consonant (``คอมมอน|ส์``, ``บ๊|อบ``). So every place is ranked:

    SPACE     Thai writes a space between phrases: the best place of all
    AGREED    ICU and PyThaiNLP's newmm (its own dictionary) both end a word here
    KIN       a word boundary inside a pair that belongs together (number + unit, title + name)
    WORD      one of the two ends a word here (often inside a compound the other keeps whole:
              ถอดบท|เรียน), between words the dictionary knows, at a syllable boundary
    SYLLABLE  fallback: a syllable boundary inside a word the dictionaries do not know
    CLUSTER   last resort, for one syllable wider than the line: between character clusters

and a place that would start a line with a fragment no Thai reader accepts (a following
vowel, a tone mark, a silent ``์`` cluster, the rest of a syllable, ``ๆ``, ``ฯ``) is never
offered at all. The syllable rules are orthographic and deliberately cautious: they accept a
boundary only where the next syllable visibly starts (a leading vowel, or a consonant onset
followed by its vowel) and the consonant before cannot be the first half of a cluster.
"""

from __future__ import annotations

import functools
import os
import re
from enum import IntEnum
from typing import Any

from icu4py.breakers import CharacterBreaker, LineBreaker
from icu4py.locale import Locale

__all__ = ["BreakKind", "FALLBACK", "break_candidates", "bad_line_start", "syllable_start",
           "syllable_boundaries", "word_breaks", "words", "finer_pieces"]


class BreakKind(IntEnum):
    """Kinds of line break, best first (the order the wrapper prefers them in)."""

    TYPED = 0       # the typist's own line break in the SRT
    SPACE = 1
    AGREED = 2
    KIN = 3
    WORD = 4
    SYLLABLE = 5
    CLUSTER = 6


# A fallback break is one the user may want to move: shown marked by ``overlay subs check``.
FALLBACK = frozenset({BreakKind.SYLLABLE, BreakKind.CLUSTER})

_LEAD = set("เแโใไ")                           # written before the consonant they follow
_FOLLOW = set("ะาำๅ")                           # written after it: never start a line
_VOWEL_MARKS = set("\u0e31\u0e34\u0e35\u0e36\u0e37\u0e38\u0e39\u0e47")   # ั ิ ี ึ ื ุ ู ็
_TONES = set("\u0e48\u0e49\u0e4a\u0e4b")
_KARAN = "\u0e4c"                               # ์ : the consonant(s) it marks are silent
_CLOSERS = set(")]}”’»,.;:!?%…")
_OPENERS = set("([{“‘«")
# Consonants that form a true (or loan-word) cluster with a following ร, ล or ว: a
# boundary between them would split an onset (กร-, ปล-, คว-, สว- as in สวาร์ตซ).
_CLUSTER_FIRST = set("กขคตปพผบดทฟสศจซ")
_SONORANTS = set("งญณนมยรลว")                    # a high consonant leads them (หมา, ขยะ, สมาชิก)
_HIGH = set("ขฃฉฐถผฝศษสห")


def _cons(ch: str) -> bool:
    return "\u0e01" <= ch <= "\u0e2e"


def _thai_letter(ch: str) -> bool:
    """A Thai consonant, vowel or mark (not a digit, ฿, ฯ or ๆ)."""
    return "\u0e01" <= ch <= "\u0e2e" or "\u0e30" <= ch <= "\u0e3a" or "\u0e40" <= ch <= "\u0e4e"


def _mark(ch: str) -> bool:
    return ch in _VOWEL_MARKS or ch in _TONES or "\u0e4c" <= ch <= "\u0e4e" or ch == "\u0e3a"


def bad_line_start(text: str, p: int) -> bool:
    """True when a line may NOT start at ``text[p]`` (spaces before ``p`` are dropped at a
    break, so ``text[p]`` is the first visible character): it would begin with a following
    vowel, a mark, ``ๆ``/``ฯ``, closing punctuation, a silent ``์`` cluster or a lone final
    consonant; or the line before would end with a leading vowel or an opening bracket."""
    n = len(text)
    if p <= 0 or p >= n:
        return False
    c = text[p]
    if _mark(c) or c in _FOLLOW or c in "ๆฯ" or c in _CLOSERS:
        return True
    q = p - 1
    while q >= 0 and text[q] == " ":
        q -= 1
    prev = text[q] if q >= 0 else ""
    if prev in _LEAD or prev in _OPENERS or prev == "\u0e31":
        return True                                      # เ|ก, (|ก, กั|บ: ั always has a final
    if prev == "ฯ" and text.startswith("ลฯ", p):          # ฯลฯ is one sign
        return True
    if _cons(c):
        k = p
        while k < n and _cons(text[k]) and k - p < 3:
            k += 1
        if k < n and text[k] == _KARAN:                  # ส์, ร์ตซ, ทร์: silent letters
            return True
        if k < n and text[k] in "\u0e34\u0e38" and k + 1 < n and text[k + 1] == _KARAN:
            return True                                  # ธิ์, ทธิ์ (สิทธิ์)
        if (p + 1 == n or not _thai_letter(text[p + 1])) and _thai_letter(prev):
            return True                                  # a lone final: ฮาร์วาร์|ด, น้อยนิ|ด
    return False


def _vowel_o(text: str, i: int) -> bool:
    """อ, ว or ย at ``i`` acts as (part of) a vowel (ของ, น้อย, ตัว, ช่วย, เรียน), not as a
    consonant that starts a syllable (ได้|อย่าง, ว่า)."""
    ch = text[i]
    if i == 0 or ch not in "อวย":
        return False
    if ch == "ย":
        return text[i - 1] == "\u0e35"                   # เ-ีย (เรียน)
    nxt = text[i + 1] if i + 1 < len(text) else ""
    if nxt in _VOWEL_MARKS or nxt in _FOLLOW or nxt in _TONES:
        return False
    prev = text[i - 1]
    if ch == "ว" and prev == "\u0e31":
        return True
    if prev in _TONES:                                   # น้อ, เรื่อ, ร่วม: unless the tone's
        return not (i >= 3 and text[i - 3] in "ไใโแ")    # syllable already has a vowel (ได้)
    # อ after a consonant is its vowel, unless that consonant is itself a vowel (ตัว|อย่าง).
    return _cons(prev) and ch == "อ" and not (prev in "วอ" and _vowel_o(text, i - 1))


def _coda(text: str, p: int) -> tuple[int, str]:
    """The consonants just before ``p`` (how many, and what comes before them: "lead" for a
    leading vowel, "vowel" for a written vowel or mark, "karan" for silent letters, "edge"
    for the start of a word)."""
    k = p
    while k > 0 and _cons(text[k - 1]) and not _vowel_o(text, k - 1):
        k -= 1
    if k == 0 or not _thai_letter(text[k - 1]):
        return p - k, "edge"
    if text[k - 1] == _KARAN:
        return p - k, "karan"
    return p - k, "lead" if text[k - 1] in _LEAD else "vowel"


def _onset(text: str, p: int) -> int:
    """Length of a two-letter onset at ``p`` (กร-, หม-, ขย-, อย-), else 1."""
    c, d = text[p], text[p + 1] if p + 1 < len(text) else ""
    if _cons(d) and (d in "รลว" and c in _CLUSTER_FIRST or c in _HIGH and d in _SONORANTS
                     or c == "อ" and d == "ย"):
        return 2
    return 1


def syllable_start(text: str, p: int) -> bool:
    """True when a new syllable visibly starts at ``text[p]`` and the one before is whole.

    Cautious by design (it is the rule for words no dictionary knows): a syllable whose vowel
    is not written (บท, คน) is not recognised as the next one, and where the consonant before
    could be this syllable's or the last one's (แบ|บระ or แบบ|ระ), neither is taken. That
    only removes candidates; the wrapper then uses the next kind of break."""
    n = len(text)
    if p <= 0 or p >= n or bad_line_start(text, p):
        return False
    c, prev = text[p], text[p - 1]
    if not (_thai_letter(c) and _thai_letter(prev)):
        return True                                      # next to a digit, Latin, punctuation
    if c in "รลว" and prev in _CLUSTER_FIRST or prev in _HIGH and c in _SONORANTS \
            or prev == "อ" and c == "ย":
        return False                                     # กร-, ตร-, สว-, หม-, ขย-, อย-: one onset
    if prev == "ว" and _vowel_o(text, p - 1) and text[p - 2] != "\u0e31":
        return False                                     # ร่ว|ม: -ว- as a vowel needs a final
    coda, before = _coda(text, p)
    # The syllable before must be whole: ``coda`` consonants after its vowel are its final
    # (1), or a final and a syllable with an unwritten vowel (3: ถอดบท); after a leading
    # vowel, its onset and final (1-2, or 3 with a cluster: เกรส); at the start of a word,
    # two are a syllable with an unwritten vowel (บท); after silent letters, a final (ร์ตซ).
    whole = {"vowel": (0, 1, 3), "lead": (1, 2, 3), "edge": (2,), "karan": (0, 1, 2)}[before]
    if coda not in whole or coda == 3 and before == "lead" and text[p - 2] not in "รลว":
        return False
    if c in _LEAD:
        return True
    if not _cons(c) or _vowel_o(text, p):
        return False
    onset = _onset(text, p)
    if onset == 2 and not (coda == 1 and before in ("vowel", "karan") or prev == _KARAN):
        return False                 # แบ|บระ or แบบ|ระ: the consonant may be the last one's final
    q = p + onset
    while q < n and text[q] in _TONES:
        q += 1
    if q >= n:
        return False
    v = text[q]
    if v in "\u0e34\u0e38" and _open(text, q + 1) and (coda == 0 or coda == 1 and before == "lead"):
        return False                                     # ชา|ติ, ภู|มิใจ, เห|ตุ: a silent vowel
    if v in _VOWEL_MARKS or v in _FOLLOW:
        return True                                      # มาก|มาย, ฮาร์|วาร์ด
    # -อ as the vowel (คอม|มอนส์) only after a closed syllable: after an open one the
    # consonant may be its final and อ the next onset (ของ|องค์กร, not ขอ|งองค์กร).
    return _vowel_o(text, q) and text[q] == "อ" and (
        coda == 1 and before in ("vowel", "karan") or coda == 2 and before == "lead")


def _open(text: str, i: int) -> bool:
    """True when no final consonant follows at ``i`` (the syllable before ends there)."""
    if i >= len(text) or not _thai_letter(text[i]) or text[i] in _LEAD:
        return True
    nxt = text[i + 1] if i + 1 < len(text) else ""
    return _cons(text[i]) and (nxt in _VOWEL_MARKS or nxt in _FOLLOW or nxt in _TONES)


def syllable_boundaries(text: str) -> list[int]:
    """Every place inside ``text`` that :func:`syllable_start` accepts."""
    return [p for p in range(1, len(text))
            if _thai_letter(text[p - 1]) and _thai_letter(text[p]) and syllable_start(text, p)]


# ---------------------------------------------------------------------------- segmenters

def _icu_boundaries(text: str) -> set[int]:
    return {e for _s, e in LineBreaker(text, Locale("th")).segments()} - {len(text)}


@functools.lru_cache(maxsize=1)
def _newmm():
    """PyThaiNLP's newmm and its dictionary, from the wheel. Imported only when Thai is
    wrapped (building its dictionary trie takes about half a second, once). Read-only and
    offline: it must never create a data folder or reach for the network."""
    os.environ.setdefault("PYTHAINLP_READ_ONLY", "1")
    os.environ.setdefault("PYTHAINLP_OFFLINE", "1")
    from pythainlp.corpus import thai_words
    from pythainlp.tokenize import newmm

    words = thai_words()
    trie: Any = _Prefixes(words)                         # duck-typed: newmm calls prefixes()
    return (lambda t: newmm.segment(t, custom_dict=trie)), words


class _Prefixes:
    """What newmm asks of its dictionary trie (``prefixes``), from a set of words: building
    PyThaiNLP's own trie of 62,000 words costs half a second of pure Python; this, a tenth."""

    def __init__(self, words) -> None:
        self.words = words
        lengths: dict[str, set[int]] = {}
        for w in words:
            if w:
                lengths.setdefault(w[0], set()).add(len(w))
        self.lengths = {ch: sorted(ls) for ch, ls in lengths.items()}

    def prefixes(self, text: str, start: int = 0) -> list[str]:
        room, words = len(text) - start, self.words
        out = []
        for n in self.lengths.get(text[start], ()) if start < len(text) else ():
            if n > room:
                break
            if text[start:start + n] in words:
                out.append(text[start:start + n])
        return out

    def __contains__(self, word: str) -> bool:
        return word in self.words


def _newmm_tokens(text: str) -> list[str]:
    segment, _words = _newmm()
    return [tok for tok in segment(text) if tok]


def known_word(token: str) -> bool:
    """In newmm's dictionary, or not a Thai word at all (digits, Latin, spaces)."""
    _segment, words = _newmm()
    return token in words or not any(_thai_letter(ch) for ch in token)


# ---------------------------------------------------------------------------- kinship

_UNITS = tuple(sorted("""บาท สตางค์ กิโลกรัม กก. กรัม ตัน ลิตร เมตร กม. กิโลเมตร ไร่ ตร.ม. คน ราย
ครัวเรือน หลังคาเรือน แห่ง หมู่บ้าน ชุมชน ครั้ง เปอร์เซ็นต์ % นาที วินาที ชั่วโมง วัน เดือน ปี
สัปดาห์ ล้าน แสน หมื่น พัน ร้อย ชิ้น ถุง ขวด กล่อง ใบ ตัว เล่ม บัญชี โครงการ อำเภอ ตำบล
มกราคม กุมภาพันธ์ มีนาคม เมษายน พฤษภาคม มิถุนายน กรกฎาคม สิงหาคม กันยายน ตุลาคม
พฤศจิกายน ธันวาคม ม.ค. ก.พ. มี.ค. เม.ย. พ.ค. มิ.ย. ก.ค. ส.ค. ก.ย. ต.ค. พ.ย. ธ.ค.""".split(),
                     key=len, reverse=True))
# Words that lead a number (พ.ศ. ๒๕๖๘, วันที่ ๑๔, หมู่ที่ ๓) or a name (นาย…, ดร.…).
_LEADERS = tuple(sorted("""พ.ศ. ค.ศ. ที่ วันที่ หมู่ที่ หมู่ ข้อ เลขที่ โทร. ร้อยละ ม. ต. อ. จ. ฉบับที่
มกราคม กุมภาพันธ์ มีนาคม เมษายน พฤษภาคม มิถุนายน กรกฎาคม สิงหาคม กันยายน ตุลาคม
พฤศจิกายน ธันวาคม""".split(), key=len, reverse=True))
_TITLES = tuple(sorted("""นาย นาง นางสาว น.ส. ด.ช. ด.ญ. เด็กชาย เด็กหญิง ดร. ศ. รศ. ผศ. ศาสตราจารย์
คุณ ท่าน พระ พระครู พระอธิการ นพ. พญ. พล.อ. พ.ต.อ. ร.ต.อ. ผู้ใหญ่ กำนัน นายก""".split(),
                        key=len, reverse=True))
_NUMBER_END = re.compile(r"[0-9๐-๙][0-9๐-๙,.]*\s*$")
_NUMBER_START = re.compile(r"^\s*[0-9๐-๙]")


def _kin(text: str, p: int, bounds: set[int], name_bounds: set[int]) -> bool:
    """True when a break at ``p`` would separate words that belong together. ``bounds``
    are the word boundaries, so that a title is only a title when it is a whole word;
    ``name_bounds`` newmm's alone (its dictionary knows นายอำเภอ as one word)."""
    before, after = text[:p].rstrip(" "), text[p:]
    if _NUMBER_END.search(before) and after.startswith(_UNITS):
        return True                                      # ๑๒๐,๐๐๐ | บาท
    if _NUMBER_START.match(after) and before.endswith(_LEADERS):
        return True                                      # พ.ศ. | ๒๕๖๘
    if not (after and _thai_letter(after[0])):
        return False
    for title in _TITLES:                                # นาย | สมชาย, ดร. | …
        a = len(before) - len(title)
        if before.endswith(title) and (a == 0 or a in bounds or text[a - 1] == " "):
            return True
    # The space between a titled name and the surname: นางศรัณย์ลักษณ์ | ภูลาวรรณ. Only when
    # newmm cuts the title off as a word of its own (not นายอำเภอ, นายกเทศมนตรี).
    if p < len(text) and text[p - 1] == " ":
        a = before.rfind(" ") + 1
        return any(before.startswith(title, a) and a + len(title) in name_bounds
                   and len(before) > a + len(title) for title in _TITLES)
    return False


# ---------------------------------------------------------------------------- candidates

@functools.lru_cache(maxsize=4096)
def break_candidates(text: str, thai: bool = True) -> tuple[tuple[int, BreakKind], ...]:
    """Every place a line of ``text`` may break, as (index where the next line starts, kind),
    sorted by index. Spaces before the index are dropped by the wrapper. Cached: a render
    lays out each cue more than once, and segmenting is the slow part."""
    n = len(text)
    out: dict[int, BreakKind] = {}
    for m in re.finditer(r" +", text):                   # phrase spaces
        if 0 < m.start() and m.end() < n and not bad_line_start(text, m.end()):
            out[m.end()] = BreakKind.SPACE
    if thai and any(_thai_letter(ch) for ch in text):
        icu = _icu_boundaries(text)
        tokens = _newmm_tokens(text)
        ends, pos, token_at = set(), 0, {}
        for tok in tokens:
            token_at[pos] = tok
            pos += len(tok)
            ends.add(pos)
        ends.discard(n)
        starts = sorted(token_at)
        bounds = icu | ends
        icu_sorted = sorted(icu)
        for p in sorted(bounds):
            if p in out or text[p] == " " or text[p - 1] == " " or bad_line_start(text, p):
                continue                                 # spaces were ranked above
            both = p in icu and p in ends
            # Unknown territory: a segmenter meeting a word it does not know splits it
            # anywhere, so there the break must also be a visible syllable start.
            left = _token_before(starts, token_at, p)
            right = token_at.get(p, "")
            trusted = both and known_word(left) and known_word(right)
            if not trusted and not syllable_start(text, p):
                continue
            if both:                                     # unless both sides are unknown
                kind = BreakKind.AGREED if trusted or known_word(left) or known_word(right) \
                    else BreakKind.SYLLABLE
            elif p in ends:
                kind = BreakKind.WORD if trusted_alone(left, right) else BreakKind.SYLLABLE
            else:
                kind = BreakKind.WORD if trusted_alone(*_icu_words(text, icu_sorted, p)) \
                    else BreakKind.SYLLABLE
            if kind != BreakKind.SYLLABLE and _kin(text, p, bounds, ends):
                kind = BreakKind.KIN
            out[p] = kind
        for p in syllable_boundaries(text):
            out.setdefault(p, BreakKind.SYLLABLE)
        name_ends = ends
    else:
        bounds, name_ends = set(), set()
    for p, kind in list(out.items()):
        if kind == BreakKind.SPACE and _kin(text, p, bounds, name_ends):
            out[p] = BreakKind.KIN
    for p in _cluster_boundaries(text):
        out.setdefault(p, BreakKind.CLUSTER)
    return tuple(sorted(out.items()))


def trusted_alone(left: str, right: str) -> bool:
    """A boundary only one segmenter found is a word boundary when both words it separates
    are in the dictionary; otherwise the segmenter was guessing inside a word it does not know
    (คอม|มอนส์, ฮาร์|วาร์ด): a fallback, shown to the user as such."""
    return known_word(left.strip()) and known_word(right.strip())


def _icu_words(text: str, icu_sorted: list[int], p: int) -> tuple[str, str]:
    """ICU's words on either side of its boundary ``p``."""
    import bisect

    k = bisect.bisect_left(icu_sorted, p)
    a = icu_sorted[k - 1] if k > 0 else 0
    b = icu_sorted[k + 1] if k + 1 < len(icu_sorted) else len(text)
    return text[a:p], text[p:b]


def _token_before(starts: list[int], token_at: dict[int, str], p: int) -> str:
    """The newmm token that ends at or contains ``p`` (the one a break at p cuts or ends)."""
    import bisect

    k = bisect.bisect_left(starts, p) - 1
    return token_at[starts[k]] if k >= 0 else ""


def _cluster_boundaries(text: str) -> list[int]:
    """Grapheme-cluster boundaries a line may start at, for a syllable wider than the line."""
    if not text:
        return []
    return [s for s, _e in CharacterBreaker(text, Locale("th")).segments()
            if 0 < s and text[s] != " " and text[s - 1] != " " and not bad_line_start(text, s)]


# ---------------------------------------------------------------- words, for text that flows

# A piece that is only the first half of a compound: a line never ends after it
# (ความ|ยาว, การ|จัด, ผู้|นำ, นัก|เรียน, ต่อ|ปี).
_BOUND_TO_NEXT = frozenset({"ความ", "การ", "ผู้", "นัก", "ชาว", "ต่อ"})
WORD_KINDS = frozenset({BreakKind.SPACE, BreakKind.AGREED})


@functools.lru_cache(maxsize=4096)
def word_breaks(text: str) -> tuple[int, ...]:
    """Where a line of flowing text (a page's table cell, the report's PDF) may break between
    words: a space, or where both segmenters end a word (``break_candidates``' SPACE and
    AGREED), never after the first half of a compound. A layout that must break inside one of
    these words (wider than its line) asks ``break_candidates`` for the finer places."""
    out: list[int] = []
    for p, kind in break_candidates(text):
        if kind not in WORD_KINDS:
            continue
        start = out[-1] if out else 0
        if text[start:p] in _BOUND_TO_NEXT:
            continue
        out.append(p)
    return tuple(out)


def words(text: str) -> list[str]:
    """``text`` cut at ``word_breaks`` (a space stays with the word before it): joined, the
    pieces give ``text`` back."""
    bounds = [0, *word_breaks(text), len(text)]
    return [text[a:b] for a, b in zip(bounds, bounds[1:]) if b > a]


def finer_pieces(piece: str, short: int = 5) -> list[str]:
    """A word wider than its line, cut where ``break_candidates`` allows inside a word (a
    word boundary one segmenter found, then a syllable, then a character cluster); two
    neighbours both shorter than ``short`` characters stay together (ท้อง|ถิ่น, not alone)."""
    cands = break_candidates(piece)
    for tier in (BreakKind.WORD, BreakKind.SYLLABLE, BreakKind.CLUSTER):
        bounds = [0, *[p for p, k in cands if k <= tier], len(piece)]
        cut = [piece[a:b] for a, b in zip(bounds, bounds[1:]) if b > a]
        merged: list[str] = []
        for part in cut:
            if merged and len(merged[-1]) < short and len(part) < short:
                merged[-1] += part
            else:
                merged.append(part)
        if len(merged) > 1:
            return merged
    return [piece]
