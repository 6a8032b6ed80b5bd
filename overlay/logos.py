"""The logo row: every mandated logo composed once, with Pillow, into one RGBA image.

The DLA letter wants seven logos in the top-right corner for the whole clip. We build the
row here, sized for the output frame, so the ffmpeg graph overlays one small image and the
layout can be tested without ffmpeg.

Also here: loading logos from whatever a district has (PNG, palette, 16-bit, CMYK JPEG,
SVG, huge scans), the SDG wheel drawn from its official colours, and the clearly marked
placeholders we ship instead of official artwork that is not ours to distribute.
Regenerate the shipped files with ``python -m overlay.logos --write-placeholders``.
"""

from __future__ import annotations

import argparse
import colorsys
import hashlib
import io
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageCms, ImageDraw, ImageFilter, ImageFont, ImageOps, PngImagePlugin

from overlay import i18n, svgsafe
from overlay.errors import PresetError
from overlay.files import replacing
from overlay.i18n import _
from overlay.presets import base
from overlay.resources import fonts_dir, logos_dir

# Official SDG colours, goals 1..17 (UN SDG communications guidelines).
SDG_COLOURS = (
    "#E5243B", "#DDA63A", "#4C9F38", "#C5192D", "#FF3A21", "#26BDE2", "#FCC30B", "#A21942",
    "#FD6925", "#DD1367", "#FD9D24", "#BF8B2E", "#3F7E44", "#0A97D9", "#56C02B", "#00689D",
    "#19486A",
)

PLACEHOLDER_KEY = "overlay-placeholder"


def logo_label(key: str, *, heading: bool = False,
               gettext: Callable[[str], str] | None = None) -> str:
    """A logo's name for a person, in the letter's words (the receipt, lists, the page).

    ``heading``: capitalised, for a list's entry rather than the middle of a sentence.
    ``gettext``: another language's ``_`` (the web page's, per request).
    """
    _ = gettext or i18n._   # a local _: the catalogue tool still finds the _("…") below
    labels = {
        "moi": _("Ministry of Interior"), "dla": _("Department of Local Administration"),
        "volunteers": _("Local Volunteers Love the Earth"), "sdg": _("SDG Wheel"),
        "province": _("province"), "district": _("district"),
        "lao": _("local government organisation"),
    }
    label = labels.get(key, key)
    return label[:1].upper() + label[1:] if heading else label

# The logos' order, height and inset are the letter's rules: [logos] in presets/base.toml.
MIN_HEIGHT = 16
GAP_FRACTION = 0.20      # of the logo height
MAX_ASPECT = 3.0         # a banner logo is capped at 3x the logo height wide
SHADOW_FRACTION = 0.04   # soft shadow radius, of the logo height

_SVG_SUFFIXES = (".svg", ".svgz")
MAX_PIXELS = svgsafe.MAX_PIXELS   # any logo, raster or SVG: above this it is refused, unread


@dataclass(frozen=True)
class LogoRow:
    image: Image.Image                           # RGBA, exactly the row's bounding box
    x: int                                       # top-left position in the output frame
    y: int
    logo_height: int
    boxes: tuple[tuple[int, int, int, int], ...]  # each logo's (x0, y0, x1, y1), frame coords, x1/y1 exclusive


@dataclass(frozen=True)
class RowPlan:
    """Where each logo goes; pure arithmetic on aspect ratios, no pixels."""

    logo_height: int
    gap: int
    rows: int
    boxes: tuple[tuple[int, int, int, int], ...]


# ---------------------------------------------------------------- layout (pure)

def _content_size(aspect: float, height: int) -> tuple[int, int]:
    """A logo's drawn size in a slot of ``height``: banners shrink uniformly to 3x height wide."""
    width = max(1, round(aspect * height))
    cap = round(MAX_ASPECT * height)
    if width <= cap:
        return width, height
    return cap, max(1, round(cap / aspect))


def _row_width(sizes: Sequence[tuple[int, int]], gap: int) -> int:
    return sum(w for w, _h in sizes) + gap * max(0, len(sizes) - 1)


def _best_split(sizes: Sequence[tuple[int, int]], gap: int) -> int:
    """Index that splits the logos into two rows of most even width (first row wins ties)."""
    best_k, best_w = 1, math.inf
    for k in range(1, len(sizes)):
        widest = max(_row_width(sizes[:k], gap), _row_width(sizes[k:], gap))
        if widest < best_w or (widest == best_w and k > best_k):
            best_k, best_w = k, widest
    return best_k


def plan_row(aspects: Sequence[float], frame_w: int, frame_h: int, *,
             height_fraction: float | None = None, safe_inset: float | None = None) -> RowPlan:
    """Lay logos of the given width/height ratios out in the frame's top-right safe area.

    ``height_fraction`` (of the frame's short side) and ``safe_inset`` (of each dimension)
    default to the letter's, from ``presets/base.toml``.
    """
    if not aspects:
        raise ValueError("no logos to lay out")
    if height_fraction is None or safe_inset is None:
        height_fraction = base().logo_height if height_fraction is None else height_fraction
        safe_inset = base().logo_margin if safe_inset is None else safe_inset
    inset_x, inset_y = round(safe_inset * frame_w), round(safe_inset * frame_h)
    safe_w, safe_h = frame_w - 2 * inset_x, frame_h - 2 * inset_y
    right, top = frame_w - inset_x, inset_y

    height = max(MIN_HEIGHT, round(height_fraction * min(frame_w, frame_h)))
    # Shrinking below MIN_HEIGHT only happens when two rows would leave the safe area.
    while True:
        gap = max(1, round(GAP_FRACTION * height))
        sizes = [_content_size(a, height) for a in aspects]
        if _row_width(sizes, gap) <= safe_w and height <= safe_h:
            rows = [sizes]
            break
        k = _best_split(sizes, gap) if len(sizes) > 1 else 1
        rows = [sizes[:k], sizes[k:]] if len(sizes) > 1 else [sizes]
        fits = (max(_row_width(r, gap) for r in rows) <= safe_w
                and len(rows) * height + (len(rows) - 1) * gap <= safe_h)
        if fits or height == 1:
            break
        height -= 1

    boxes: list[tuple[int, int, int, int]] = []
    for r, row in enumerate(rows):
        slot_top = top + r * (height + gap)
        x = right - _row_width(row, gap)
        for w, h in row:
            y0 = slot_top + (height - h) // 2  # centre capped banners vertically
            boxes.append((x, y0, x + w, y0 + h))
            x += w + gap
    return RowPlan(height, gap, len(rows), tuple(boxes))


# ---------------------------------------------------------------- loading

def _bad_file(path: Path, reason: object) -> PresetError:
    return PresetError(
        _("Logo file {path} cannot be read ({reason}).").format(path=path, reason=reason),
        _("Replace it with a PNG, JPEG or SVG file."))


def is_svg(path: Path) -> bool:
    if path.suffix.lower() in _SVG_SUFFIXES:
        return True
    with path.open("rb") as fh:
        head = fh.read(1024).lower()
    return b"<svg" in head


def _check_exists(path: Path) -> None:
    if not path.is_file():
        raise PresetError(
            _("Logo file {path} does not exist.").format(path=path),
            _("Put the logo there or fix the path in the preset."))


def svg_size(path: Path) -> tuple[int, int]:
    """An SVG's declared size in pixels, read without drawing it (refused when absurd)."""
    return svgsafe.read(path).size


def render_svg(path: Path, size: tuple[int, int] | None) -> Image.Image:
    """Draw an SVG logo at ``size`` (its declared size when None): checked and cleaned by
    ``overlay.svgsafe`` first, drawn in a bounded child with the shipped fonts only."""
    import importlib.util

    if importlib.util.find_spec("resvg_py") is None:   # a binary wheel for every platform: no cairo
        raise PresetError(
            _("Logo file {path} is an SVG, and no SVG renderer is installed.").format(path=path),
            _("Run 'pip install resvg-py', or convert the logo to PNG."))
    safe = svgsafe.read(path)
    data = svgsafe.rasterise(path, safe, size, fonts_dir())
    try:
        im = Image.open(io.BytesIO(data))
        im.load()
    except Exception as exc:  # not what resvg writes: as fatal
        raise _bad_file(path, exc) from exc
    return im.convert("RGBA")


def _too_large(path: Path, w: int, h: int) -> PresetError:
    return PresetError(_("Logo file {path} is far too large to be a logo ({w}×{h} pixels).")
                       .format(path=path, w=w, h=h),
                       _("Use the logo file itself, at most a few thousand pixels across."))


def open_image(path: Path) -> Image.Image:
    """``Image.open``, with a picture that declares more than MAX_PIXELS refused in one line
    before any of it is decoded (Pillow's own decompression-bomb guard included)."""
    try:
        im = Image.open(path)
    except Image.DecompressionBombError as exc:
        found = re.search(r"\((\d+) pixels\)", str(exc))
        raise PresetError(_("Logo file {path} is far too large to be a logo ({n} million pixels).")
                          .format(path=path, n=int(found.group(1)) // 10**6 if found else "?"),
                          _("Use the logo file itself, at most a few thousand pixels across.")) from exc
    except Exception as exc:
        raise _bad_file(path, exc) from exc
    if im.width * im.height > MAX_PIXELS:
        im.close()
        raise _too_large(path, im.width, im.height)
    return im


def _oriented_size(im: Image.Image) -> tuple[int, int]:
    """Size as displayed: EXIF orientations 5-8 swap width and height."""
    w, h = im.size
    return (h, w) if im.getexif().get(0x0112, 1) in (5, 6, 7, 8) else (w, h)


def _aspect(src: Path | Image.Image) -> float:
    if isinstance(src, Image.Image):
        w, h = _oriented_size(src)
        return w / h
    _check_exists(src)
    if is_svg(src):
        w, h = svg_size(src)
        return w / h
    with open_image(src) as im:
        try:
            w, h = _oriented_size(im)
        except Exception as exc:
            raise _bad_file(src, exc) from exc
    return w / h


def to_rgba(im: Image.Image) -> Image.Image:
    """Any Pillow mode to RGBA with colours kept: 16-bit scaled down, CMYK through its profile."""
    if im.mode in ("I;16", "I;16L", "I;16B", "I;16N", "I", "F"):
        arr = np.asarray(im, dtype=np.float64)
        top = 65535.0 if im.mode.startswith("I;16") or arr.max() > 255 else 255.0
        if im.mode == "F" and arr.max() <= 1.0:
            top = 1.0
        grey = np.clip(arr * (255.0 / top) + 0.5, 0, 255).astype(np.uint8)
        return Image.fromarray(grey, "L").convert("RGBA")
    if im.mode == "CMYK":
        return _cmyk_to_rgb(im).convert("RGBA")
    if im.mode == "P" and "transparency" not in im.info:
        return im.convert("RGB").convert("RGBA")
    return im.convert("RGBA")


def _cmyk_to_rgb(im: Image.Image) -> Image.Image:
    icc = im.info.get("icc_profile")
    if icc:
        try:
            converted = ImageCms.profileToProfile(
                im, ImageCms.ImageCmsProfile(io.BytesIO(icc)), ImageCms.createProfile("sRGB"),
                outputMode="RGB")
            if converted is not None:
                return converted
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a broken profile: the plain conversion is still the right colours, roughly
    return im.convert("RGB")


def _resize(im: Image.Image, size: tuple[int, int]) -> Image.Image:
    if im.size == size:
        return im
    # Big upscales (a 1x1 or an icon) stay crisp blocks; everything else gets LANCZOS, with
    # Pillow's reduce() first so huge sources are cheap (RGBA is resized premultiplied).
    upscale = size[0] >= 4 * im.width and size[1] >= 4 * im.height
    method = Image.Resampling.NEAREST if upscale else Image.Resampling.LANCZOS
    return im.resize(size, method, reducing_gap=None if upscale else 3.0)


def decode(path: Path, size: tuple[int, int]) -> Image.Image:
    """Open ``path`` ready to be resized to ``size``, decoding JPEGs at a reduced scale.

    Returns the decoded, upright image (any mode) before the final resize: tests use it to
    see that a huge JPEG is not decoded at full size.
    """
    im = open_image(path)
    try:
        oriented = _oriented_size(im)
        if im.format == "JPEG":
            # Ask for at least 2x the target so the LANCZOS pass still has detail to work with.
            swap = oriented != im.size
            want = (size[1], size[0]) if swap else size
            im.draft(im.mode, (min(im.width, 2 * want[0]), min(im.height, 2 * want[1])))
        im.load()
        return ImageOps.exif_transpose(im)
    except PresetError:
        raise
    except Exception as exc:  # truncated data, unknown format, decompression bomb...
        raise _bad_file(path, exc) from exc


def _render(src: Path | Image.Image, size: tuple[int, int]) -> Image.Image:
    """The logo as RGBA at exactly ``size``."""
    if isinstance(src, Image.Image):
        return _resize(to_rgba(ImageOps.exif_transpose(src)), size)
    _check_exists(src)
    if is_svg(src):
        return _resize(render_svg(src, size), size)  # resvg may round a pixel off
    return _resize(to_rgba(decode(src, size)), size)


def load_logo(path: Path, target_height: int) -> Image.Image:
    """Load any supported logo file as RGBA, ``target_height`` tall, aspect kept."""
    path = Path(path)
    aspect = _aspect(path)
    return _render(path, (max(1, round(aspect * target_height)), target_height))


# ---------------------------------------------------------------- the row

def _with_shadow(row: Image.Image, radius: int) -> Image.Image:
    """A soft dark halo under the logos so light logos read on light video and vice versa.

    The logos are composited over it, so their own opaque pixels keep their exact colours.
    """
    alpha = row.getchannel("A").filter(ImageFilter.GaussianBlur(radius))
    alpha = alpha.point(lambda v: v * 110 // 255)
    shadow = Image.new("RGBA", row.size, (0, 0, 0, 0))
    shadow.putalpha(alpha)
    return Image.alpha_composite(shadow, row)


def compose_row(logos: Sequence[Path | Image.Image], frame_w: int, frame_h: int, *,
                height_fraction: float | None = None,
                safe_inset: float | None = None) -> LogoRow:
    """The whole logo row for a ``frame_w`` x ``frame_h`` output, as one small RGBA image.

    The keywords let a preset's ``logos.height`` and ``logos.margin`` override the defaults.
    """
    sources = [Path(s) if isinstance(s, str) else s for s in logos]
    plan = plan_row([_aspect(s) for s in sources], frame_w, frame_h,
                    height_fraction=height_fraction, safe_inset=safe_inset)
    pad = max(1, round(SHADOW_FRACTION * plan.logo_height))
    x0 = min(b[0] for b in plan.boxes) - pad
    y0 = min(b[1] for b in plan.boxes) - pad
    x1 = max(b[2] for b in plan.boxes) + pad
    y1 = max(b[3] for b in plan.boxes) + pad
    # The halo may reach ``pad`` pixels past the safe area; never past the frame.
    x0, y0, x1, y1 = max(0, x0), max(0, y0), min(frame_w, x1), min(frame_h, y1)

    row = Image.new("RGBA", (x1 - x0, y1 - y0), (0, 0, 0, 0))
    for src, (bx0, by0, bx1, by1) in zip(sources, plan.boxes):
        logo = _render(src, (bx1 - bx0, by1 - by0))
        row.alpha_composite(logo, (bx0 - x0, by0 - y0))
    return LogoRow(_with_shadow(row, pad), x0, y0, plan.logo_height, plan.boxes)


# ---------------------------------------------------------------- shipped artwork

def is_placeholder(path: Path) -> bool:
    """True for our generated stand-ins: marked PNGs, or any file named ``placeholder*``."""
    path = Path(path)
    if path.name.lower().startswith("placeholder"):
        return True
    try:
        with Image.open(path) as im:
            return str(im.info.get(PLACEHOLDER_KEY, "")) == "1"
    except Exception:  # missing or not an image: loading it will say so, clearly
        return False


def sdg_wheel(size: int) -> Image.Image:
    """The SDG wheel: 17 ring segments in the official colours, goal 1 at twelve o'clock."""
    ss = 4  # draw big, shrink: antialiased edges without a vector renderer
    big = size * ss
    im = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(im)
    step = 360 / len(SDG_COLOURS)
    for i, colour in enumerate(SDG_COLOURS):
        start = -90 + i * step
        draw.pieslice((0, 0, big - 1, big - 1), start, start + step, fill=colour)
    centre = (big - 1) / 2
    gap = max(1, round(big * 0.008))
    for i in range(len(SDG_COLOURS)):  # thin transparent spokes between the goals
        a = math.radians(-90 + i * step)
        end = (centre + math.cos(a) * big, centre + math.sin(a) * big)
        draw.line([(centre, centre), end], fill=(0, 0, 0, 0), width=gap)
    hole = big * 0.29
    draw.ellipse((centre - hole, centre - hole, centre + hole, centre + hole), fill=(0, 0, 0, 0))
    return im.resize((size, size), Image.Resampling.LANCZOS)


def _seed_colour(seed: str) -> tuple[int, int, int]:
    hue = int.from_bytes(hashlib.sha256(seed.encode("utf-8")).digest()[:2], "big") / 65536
    r, g, b = colorsys.hsv_to_rgb(hue, 0.65, 0.62)  # dark enough for white text
    return round(r * 255), round(g * 255), round(b * 255)


def _font_dirs() -> list[Path]:
    return [fonts_dir()]


def _has_thai(font: ImageFont.FreeTypeFont) -> bool:
    # A missing glyph renders as the .notdef box, identical to a private-use character's.
    thai = font.getmask("กข")
    tofu = font.getmask("\U000f0000\U000f0001")
    return thai.size != tofu.size or bytes(thai) != bytes(tofu)


def _thai_font_path() -> Path | None:
    """The first Thai-capable font in our fonts folder, else None.

    Loma first, upright bold first: the labels must read when the badge is 86 px tall.
    """
    files = [p for d in _font_dirs() if d.is_dir() for p in d.rglob("*")
             if p.suffix.lower() in (".ttf", ".otf", ".ttc")]
    files.sort(key=lambda p: ("loma" not in p.name.lower(),
                              any(s in p.name.lower() for s in ("oblique", "italic")),
                              "bold" not in p.name.lower(), p.name))
    for path in files:
        try:
            if _has_thai(ImageFont.truetype(str(path), 32)):
                return path
        except OSError:
            continue
    return None


def _fitted(text: str, max_w: int, max_size: int, font_path: Path | None) -> ImageFont.FreeTypeFont:
    size = max_size
    while True:
        font = (ImageFont.truetype(str(font_path), size) if font_path
                else ImageFont.load_default(size))
        left, _t, right, _b = font.getbbox(text)
        if right - left <= max_w or size <= 8:
            return font  # type: ignore[return-value]
        size -= 2


def make_placeholder(label_en: str, label_th: str, size: int = 512, seed: str = "") -> Image.Image:
    """A round badge plainly marked PLACEHOLDER, readable when shown 86 px tall.

    Thai is drawn only with a Thai-capable font from ``assets/fonts``; without one we draw
    the Latin lines only, never boxes of missing glyphs.
    """
    im = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(im)
    u = size / 512
    colour = _seed_colour(seed or label_en + label_th)
    draw.ellipse((0, 0, size - 1, size - 1), fill="white")
    ring = round(14 * u)
    draw.ellipse((ring, ring, size - 1 - ring, size - 1 - ring), fill=colour)

    # A white band across the middle carries the word nobody may miss.
    band_h = round(110 * u)
    band_top = (size - band_h) // 2
    draw.rectangle((ring, band_top, size - 1 - ring, band_top + band_h), fill="white")
    word = _fitted("PLACEHOLDER", round(420 * u), round(84 * u), None)
    draw.text((size / 2, size / 2), "PLACEHOLDER", font=word, fill=colour, anchor="mm",
              stroke_width=max(1, round(2 * u)), stroke_fill=colour)

    lines = [line for line in label_en.splitlines() if line.strip()]
    line_h = round(66 * u)
    for i, line in enumerate(lines[:2]):  # above the band, bottom line nearest it
        font = _fitted(line, round((300 if i == 0 and len(lines) > 1 else 360) * u),
                       round(60 * u), None)
        y = band_top - round(14 * u) - (len(lines[:2]) - 1 - i) * line_h
        draw.text((size / 2, y), line, font=font, fill="white", anchor="ms",
                  stroke_width=max(1, round(1 * u)), stroke_fill="white")

    thai_path = _thai_font_path() if label_th.strip() else None
    if thai_path is not None:
        font = _fitted(label_th, round(360 * u), round(64 * u), thai_path)
        draw.text((size / 2, band_top + band_h + round(24 * u)), label_th, font=font,
                  fill="white", anchor="mt")
    return im


def _palette(im: Image.Image) -> Image.Image:
    """256 colours keep flat artwork's colours and cut the file to a third; opaque stays opaque."""
    pal_im = im.quantize(256, method=Image.Quantize.FASTOCTREE)
    pal = pal_im.getpalette("RGBA") or []
    pal[3::4] = [255 if a >= 250 else 0 if a <= 5 else a for a in pal[3::4]]
    pal_im.putpalette(pal, "RGBA")
    return pal_im


def _save_png(im: Image.Image, path: Path, placeholder: bool) -> None:
    info = PngImagePlugin.PngInfo()
    if placeholder:
        info.add_text(PLACEHOLDER_KEY, "1")
    path.parent.mkdir(parents=True, exist_ok=True)
    with replacing(path) as temp:
        _palette(im).save(temp, "PNG", pnginfo=info, optimize=True)


def write_placeholders(dest: Path, entries: Mapping[str, tuple[str, str]]) -> list[Path]:
    """Write a marked placeholder per ``file name -> (english, thai)`` entry under ``dest``.

    Names may contain folders. An existing file that is not a placeholder (official
    artwork someone dropped in) is never overwritten. Returns the files written.
    """
    written = []
    for name, (label_en, label_th) in entries.items():
        path = Path(dest) / name
        if path.exists() and not is_placeholder(path):
            continue
        _save_png(make_placeholder(label_en, label_th, seed=name), path, placeholder=True)
        written.append(path)
    return written


# Uttaradit's nine districts: romanised slug -> Thai name.
UTTARADIT_DISTRICTS = {
    "mueang-uttaradit": "เมืองอุตรดิตถ์", "tron": "ตรอน", "tha-pla": "ท่าปลา",
    "nam-pat": "น้ำปาด", "fak-tha": "ฟากท่า", "ban-khok": "บ้านโคก", "phichai": "พิชัย",
    "laplae": "ลับแล", "thong-saen-khan": "ทองแสนขัน",
}


def shipped_placeholders() -> dict[str, tuple[str, str]]:
    """Every placeholder we ship, by path under ``assets/logos``."""
    entries = {
        "moi.png": ("Interior\nMinistry", "กระทรวงมหาดไทย"),
        "dla.png": ("DLA", "สถ."),
        "volunteers.png": ("Volunteers", "อถล."),
        # What the base preset uses for a province or district no preset describes yet.
        "generic/province.png": ("Province", "จังหวัด"),
        "generic/district.png": ("District", "อำเภอ"),
        "generic/lao.png": ("Local gov.", "อปท."),
        "uttaradit/province.png": ("Province\nUttaradit", "จังหวัดอุตรดิตถ์"),
    }
    for slug, thai in UTTARADIT_DISTRICTS.items():
        roman = slug.replace("-", " ").title()
        entries[f"uttaradit/{slug}/district.png"] = (f"District\n{roman}", f"อำเภอ{thai}")
        entries[f"uttaradit/{slug}/lao.png"] = (f"Local gov.\n{roman}", f"อปท. {thai}")
    return entries


def write_shipped_assets(dest: Path) -> list[Path]:
    written = write_placeholders(dest, shipped_placeholders())
    sdg = Path(dest) / "sdg.png"
    if not sdg.exists() or is_placeholder(sdg):
        _save_png(sdg_wheel(512), sdg, placeholder=False)  # ours, drawn from public colours
        written.append(sdg)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m overlay.logos", description=__doc__)
    parser.add_argument("--write-placeholders", action="store_true",
                        help="(re)generate the placeholder logos and the SDG wheel")
    parser.add_argument("--dest", type=Path, default=None, help="default: assets/logos")
    args = parser.parse_args(argv)
    if not args.write_placeholders:
        parser.print_help()
        return 2
    for path in write_shipped_assets(args.dest or logos_dir()):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
