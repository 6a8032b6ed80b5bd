"""SVG logos read as hostile until proven plain: size checked, references cut, drawing bounded.

An SVG is a program for a rasteriser. A 130-byte file declaring 100000×100000 pixels asks
for 40 GB; an ``<image href="/some/local.png">`` draws a file of this computer into the
logo; ten nested ``<use>`` of ten copies each draw ten billion shapes. So before anything is
drawn, :func:`read`:

* parses the file with defusedxml (no external entities; the simple namespace entities old
  Illustrator exports declare are expanded by hand, nothing else);
* reads the declared width/height (px, pt, pc, mm, cm, in, em, ex, %) and viewBox, and
  refuses beyond :data:`MAX_PIXELS`, the limit raster logos have;
* counts elements, nesting and what ``<use>`` copies would draw, and refuses beyond caps;
* drops ``<script>``, ``<foreignObject>`` and their kin, every reference that is not inside
  the document (``#id``) or an embedded PNG/JPEG/GIF/WebP, ``url(…)`` pointing outside,
  ``@import`` and ``@font-face``.

:func:`rasterise` then draws the cleaned text with resvg in a child process
(``runner.run_bounded``: a time limit, a memory ceiling, an empty working folder), with
the shipped fonts only. The child runs :func:`child_main`.
"""

from __future__ import annotations

import gzip
import math
import re
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from overlay.errors import PresetError
from overlay.i18n import _

MAX_BYTES = 50 * 1024 * 1024      # the file, or an .svgz unpacked: as logolib.MAX_BYTES
MAX_PIXELS = 100_000_000          # the declared size, as for raster logos (logolib.MAX_PIXELS)
MAX_ELEMENTS = 100_000            # a detailed emblem traced from a scan has a few thousand paths
MAX_DEPTH = 100                   # nesting of groups
MAX_USES = 10_000                 # <use> elements in the file
MAX_DRAWN = 250_000               # elements drawn once every <use> copy is counted
RENDER_SECONDS = 20.0             # resvg draws a real logo in well under a second
RENDER_MEMORY = 3 * 1024 ** 3     # address space of the drawing process (POSIX)

_DROPPED = {"script", "foreignobject", "iframe", "embed", "object", "audio", "video", "canvas",
            "handler", "listener", "font-face", "font-face-src", "font-face-uri"}
_REFERRING = {"image", "use", "feimage"}     # drawn from their href: without it, dropped whole
_SAFE_DATA = re.compile(r"data:image/(?:png|jpeg|jpg|gif|webp)[;,]", re.I)
_URL = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*\)", re.I | re.S)
_AT_BLOCK = re.compile(r"@(?:font-face|import)[^{;]*(?:\{[^}]*\}|;|$)", re.I)
_LENGTH = re.compile(r"^\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)\s*(px|pt|pc|mm|cm|in|em|ex|%)?\s*$",
                     re.I)
_UNITS = {"": 1.0, "px": 1.0, "pt": 96 / 72, "pc": 16.0, "mm": 96 / 25.4, "cm": 96 / 2.54,
          "in": 96.0, "em": 16.0, "ex": 8.0}    # resvg's: 96 dpi, a 16 px font
_DOCTYPE = re.compile(r"<!DOCTYPE\s+[^\[>]*(?:\[(.*?)\])?\s*>", re.I | re.S)
_ENTITY = re.compile(r"<!ENTITY\s+([A-Za-z_][\w.-]*)\s+(\"[^\"&<%]{0,512}\"|'[^'&<%]{0,512}')\s*>")
_COMMENT = re.compile(r"<!--.*?-->", re.S)


class SvgRefused(PresetError):
    """An SVG logo that is not drawn: ``why`` completes "The file … {why}" (logolib words it
    for its logo key), ``hint`` says what to do."""

    def __init__(self, path: Path, why: str, hint: str) -> None:
        super().__init__(_("Logo file {path} {why}.").format(path=path, why=why), hint)
        self.why = why


@dataclass(frozen=True)
class SafeSvg:
    text: str          # the cleaned document, ready for resvg
    width: float       # declared size in pixels
    height: float

    @property
    def size(self) -> tuple[int, int]:
        return max(1, round(self.width)), max(1, round(self.height))


def _export_again() -> str:
    return _("Export it again as a plain SVG or as PNG.")


def _too_large(path: Path, w: float, h: float) -> SvgRefused:
    return SvgRefused(path, _("is far too large to be a logo ({w}×{h} pixels)").format(
        w=_pixels(w), h=_pixels(h)), _("Use the logo file itself, at most a few thousand pixels across."))


def _pixels(value: float) -> str:
    return f"{value:.0f}" if math.isfinite(value) and value < 1e15 else "∞"


def _bytes(path: Path) -> bytes:
    with path.open("rb") as fh:
        head = fh.read(2)
        fh.seek(0)
        if head == b"\x1f\x8b":     # .svgz: unpacked with the same cap, a gzip bomb stops there
            try:
                data = gzip.GzipFile(fileobj=fh).read(MAX_BYTES + 1)
            except (OSError, EOFError) as exc:
                raise SvgRefused(path, _("cannot be read as SVG ({reason})").format(reason=exc),
                                 _export_again()) from exc
        else:
            data = fh.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise SvgRefused(path, _("is larger than {mb} MB").format(mb=MAX_BYTES // 2 ** 20),
                         _("Use the logo file itself, not a video or a print scan."))
    return data


def _expand_entities(path: Path, text: str) -> str:
    """Old Illustrator files name their namespaces with entities (``&ns_svg;``): expand those
    plain strings by hand and drop the DOCTYPE; any other declaration is refused."""
    found = _DOCTYPE.search(text)
    if found is None or not found.group(1):
        return text
    subset = _COMMENT.sub("", found.group(1))
    entities = {m.group(1): m.group(2)[1:-1] for m in _ENTITY.finditer(subset)}
    if _ENTITY.sub("", subset).strip():
        raise SvgRefused(path, _("declares XML entities or a DTD, which logos never need"),
                         _export_again())
    body = text[:found.start()] + text[found.end():]
    limit = 2 * len(text) + 1024 * 1024
    for name, value in entities.items():
        body = body.replace(f"&{name};", value)
        if len(body) > limit:
            raise SvgRefused(path, _("declares XML entities or a DTD, which logos never need"),
                             _export_again())
    return body


def _parse(path: Path, data: bytes) -> Any:
    from xml.etree.ElementTree import ParseError

    import defusedxml
    import defusedxml.ElementTree as DET

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = None
    try:
        if text is not None:
            text = _expand_entities(path, text)
            text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)   # a str may not keep its encoding line
            return DET.fromstring(text, forbid_dtd=False, forbid_entities=True, forbid_external=True)
        return DET.fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except defusedxml.DefusedXmlException as exc:
        raise SvgRefused(path, _("declares XML entities or a DTD, which logos never need"),
                         _export_again()) from exc
    except (ParseError, ValueError) as exc:
        raise SvgRefused(path, _("cannot be read as SVG ({reason})").format(reason=exc),
                         _export_again()) from exc


def _local(tag: object) -> str:
    return tag.rpartition("}")[2].lower() if isinstance(tag, str) else ""


def _length(value: str | None, reference: float | None) -> float | None:
    """A root width/height in pixels; None when absent or not understood (resvg's default)."""
    if value is None:
        return None
    found = _LENGTH.match(value)
    if not found:
        return None
    number, unit = float(found.group(1)), (found.group(2) or "").lower()
    if unit == "%":
        return None if reference is None else number / 100 * reference
    return number * _UNITS[unit]


def declared_size(path: Path, root: Any) -> tuple[float, float]:
    """The size resvg would draw the root at, from width/height/viewBox; refused when absurd."""
    box: tuple[float, float] | None = None
    parts = re.split(r"[\s,]+", (root.get("viewBox") or "").strip())
    if len(parts) == 4:
        try:
            vw, vh = float(parts[2]), float(parts[3])
        except ValueError:
            vw = vh = 0.0
        if vw > 0 and vh > 0:
            box = (vw, vh)
    w = _length(root.get("width"), box[0] if box else None)
    h = _length(root.get("height"), box[1] if box else None)
    if box is not None:           # a missing side follows the viewBox's shape
        if w is None and h is None:
            w, h = box
        elif w is None and h is not None:
            w = h * box[0] / box[1]
        elif h is None and w is not None:
            h = w * box[1] / box[0]
    if w is None or h is None:
        raise SvgRefused(path, _("declares no size (no width, height or viewBox)"), _export_again())
    if not (w > 0 and h > 0):
        raise SvgRefused(path, _("has no size"), _export_again())
    if not (math.isfinite(w) and math.isfinite(h)) or w * h > MAX_PIXELS:
        raise _too_large(path, w, h)
    return w, h


def _external(ref: str) -> bool:
    ref = ref.strip()
    return not (ref.startswith("#") or _SAFE_DATA.match(ref))


def _clean_css(text: str) -> str:
    text = _AT_BLOCK.sub("", text)
    return _URL.sub(lambda m: "none" if _external(m.group(2)) else m.group(0), text)


def _check_shape(path: Path, root: Any) -> None:
    """Elements, nesting and <use> fan-out within the caps (before anything else walks it)."""
    count, uses, stack = 0, 0, [(root, 1)]
    while stack:
        el, depth = stack.pop()
        count += 1
        if depth > MAX_DEPTH or count > MAX_ELEMENTS:
            raise SvgRefused(path, _("is too complex to be a logo (more than {n} elements or {d} levels)")
                             .format(n=MAX_ELEMENTS, d=MAX_DEPTH), _export_again())
        uses += _local(el.tag) == "use"
        stack.extend((child, depth + 1) for child in el)
    if uses > MAX_USES:
        raise SvgRefused(path, _("is too complex to be a logo ({n} copies with <use>)").format(n=uses),
                         _export_again())
    if _drawn(root) > MAX_DRAWN:
        raise SvgRefused(path, _("is too complex to be a logo: its <use> copies would draw more than "
                                 "{n} shapes").format(n=MAX_DRAWN), _export_again())


def _href(el: Any) -> str | None:
    for key, value in el.attrib.items():
        if _local(key) == "href":
            return value
    return None


def _drawn(root: Any) -> int:
    """How many elements drawing the document visits, each <use> counting its target again
    (capped just past the limit: a billion-laughs file stops counting early)."""
    ids = {el.get("id"): el for el in root.iter() if el.get("id")}
    memo: dict[int, int] = {}
    busy: set[int] = set()
    cap = MAX_DRAWN + 1

    def cost(el: Any) -> int:
        key = id(el)
        if key in memo:
            return memo[key]
        if key in busy:            # a reference loop: resvg draws nothing for it
            return 0
        busy.add(key)
        total = 1 + sum(cost(child) for child in el)
        if _local(el.tag) == "use":
            ref = (_href(el) or "").strip()
            target = ids.get(ref[1:]) if ref.startswith("#") else None
            if target is not None:
                total += cost(target)
        busy.discard(key)
        memo[key] = min(total, cap)
        return memo[key]

    try:
        return cost(root)
    except RecursionError:
        return cap


def _sanitise(root: Any) -> None:
    """Drop what can run, read outside the document or load fonts; in place."""
    parents = [(parent, child) for parent in root.iter() for child in parent]
    for parent, el in reversed(parents):
        name = _local(el.tag)
        href = _href(el)
        if name in _DROPPED or (name in _REFERRING and (href is None or _external(href))):
            parent.remove(el)
    for el in root.iter():
        for key in list(el.attrib):
            local, value = _local(key), el.attrib[key]
            if local == "href":
                if _external(value):
                    del el.attrib[key]
            elif local.startswith("on"):
                del el.attrib[key]
            elif "url(" in value.lower() or "@" in value:
                el.attrib[key] = _clean_css(value)
        if _local(el.tag) == "style":
            el.text = _clean_css(el.text or "")
            for child in list(el):
                el.remove(child)


def _serialise(root: Any) -> str:
    """The cleaned tree as text: namespaces as prefixes ET picks (``ns0:svg``), which resvg
    reads as the same elements (CSS selectors included)."""
    from xml.etree import ElementTree

    return ElementTree.tostring(root, encoding="unicode")


def read(path: Path) -> SafeSvg:
    """The file's declared size and its cleaned text; SvgRefused (one line) when unfit."""
    path = Path(path)
    root = _parse(path, _bytes(path))
    if _local(root.tag) != "svg":
        raise SvgRefused(path, _("cannot be read as SVG ({reason})").format(reason="no <svg> element"),
                         _export_again())
    w, h = declared_size(path, root)
    _check_shape(path, root)
    _sanitise(root)
    try:
        text = _serialise(root)
    except RecursionError as exc:
        raise SvgRefused(path, _("is too complex to be a logo (more than {n} elements or {d} levels)")
                         .format(n=MAX_ELEMENTS, d=MAX_DEPTH), _export_again()) from exc
    return SafeSvg(text, w, h)


# ---------------------------------------------------------------- drawing, in a child

OUT_OF_MEMORY = 3          # the child's exit code when resvg or Python ran out of memory


def rasterise(path: Path, svg: SafeSvg, size: tuple[int, int] | None, fonts: Path | None) -> bytes:
    """PNG bytes of ``svg`` at ``size`` (its declared size when None), drawn by resvg in a
    bounded child process that can reach no file and no network."""
    from overlay import runner

    width, height = size or svg.size
    if width * height > MAX_PIXELS:
        raise _too_large(path, width, height)
    argv = [*runner.python_module("overlay.svgsafe"), str(width), str(height),
            str(fonts) if fonts is not None and fonts.is_dir() else ""]
    with tempfile.TemporaryDirectory(prefix="overlay-svg-") as empty:   # relative hrefs find nothing
        done = runner.run_bounded(argv, stdin=svg.text.encode("utf-8"), timeout=RENDER_SECONDS,
                                  memory=RENDER_MEMORY, cwd=Path(empty))
    if done.timed_out:
        raise SvgRefused(path, _("takes longer than {s:.0f} seconds to draw, which no logo does")
                         .format(s=RENDER_SECONDS), _export_again())
    if done.returncode == OUT_OF_MEMORY or (done.returncode != 0 and "memory" in done.stderr.lower()):
        raise SvgRefused(path, _("needs more memory to draw than any logo does"), _export_again())
    if done.returncode != 0:
        last = [line for line in done.stderr.splitlines() if line.strip()][-1:] or [
            f"exit {done.returncode}"]
        raise SvgRefused(path, _("cannot be read as SVG ({reason})").format(reason=last[0].strip()[:200]),
                         _export_again())
    return done.stdout


def child_main(argv: list[str]) -> int:
    """In the child: SVG text on stdin, PNG on stdout; ``argv``: width, height, fonts folder."""
    try:
        import resvg_py

        width, height, fonts = int(argv[0]), int(argv[1]), argv[2]
        svg = sys.stdin.buffer.read().decode("utf-8")
        kwargs: dict[str, Any] = {
            "svg_string": svg, "width": width, "height": height, "dpi": 96.0,
            "resources_dir": None, "skip_system_fonts": True,   # only the fonts we ship
            "font_family": "Loma", "sans_serif_family": "Loma", "serif_family": "Laksaman",
        }
        if fonts:
            kwargs["font_dirs"] = [fonts]
        data = bytes(resvg_py.svg_to_bytes(**kwargs))
    except MemoryError:
        return OUT_OF_MEMORY
    except Exception as exc:       # resvg's ValueError: the reason, one line, for the parent
        sys.stderr.write(" ".join(str(exc).split()) + "\n")
        return 2
    sys.stdout.buffer.write(data)
    return 0


if __name__ == "__main__":
    raise SystemExit(child_main(sys.argv[1:]))
