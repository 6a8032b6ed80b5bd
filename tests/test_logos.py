"""The logo row and logo loading: pure Pillow, no ffmpeg. Fixtures are made in tmp_path."""

from __future__ import annotations

import colorsys
import io
import math
import struct
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from overlay import logos
from overlay.errors import PresetError
from overlay.logofiles import resolve_logo
from overlay.logos import (
    SDG_COLOURS,
    LogoRow,
    compose_row,
    is_placeholder,
    load_logo,
    make_placeholder,
    plan_row,
    sdg_wheel,
    write_placeholders,
)
from overlay.presets import base

RED = (255, 0, 0, 255)
FRAMES = [(1920, 1080), (1080, 1920), (320, 180), (180, 320), (1440, 1080), (640, 480)]


def solid(size: tuple[int, int], colour=RED, mode: str = "RGBA") -> Image.Image:
    return Image.new(mode, size, colour)


def save(im: Image.Image, path: Path, **kw) -> Path:
    im.save(path, **kw)
    return path


def safe_area(w: int, h: int) -> tuple[int, int, int, int]:
    ix, iy = round(0.05 * w), round(0.05 * h)
    return ix, iy, w - ix, h - iy


def seven(tmp_path: Path) -> list[Path]:
    """Seven distinct, known colours as PNG files, in the letter's order."""
    colours = [(200, 30, 30), (30, 160, 30), (30, 30, 200), (220, 200, 20), (20, 200, 200),
               (200, 20, 200), (120, 60, 10)]
    return [save(solid((100, 100), c + (255,)), tmp_path / f"{k}.png")
            for k, c in zip(base().logo_order, colours, strict=True)]


# ---------------------------------------------------------------- layout

def test_logo_keys_in_the_letters_order():
    assert base().logo_order == ("moi", "dla", "volunteers", "sdg", "province", "district", "lao")


@pytest.mark.parametrize("frame", FRAMES)
def test_row_sits_in_the_safe_area_right_aligned_in_order(tmp_path, frame):
    w, h = frame
    row = compose_row(seven(tmp_path), w, h)
    sx0, sy0, sx1, sy1 = safe_area(w, h)
    assert row.logo_height == max(16, round(0.08 * min(w, h)))
    assert len(row.boxes) == 7
    for x0, y0, x1, y1 in row.boxes:
        assert sx0 <= x0 < x1 <= sx1 and sy0 <= y0 < y1 <= sy1
        assert all(isinstance(v, int) for v in (x0, y0, x1, y1))
    assert row.boxes[-1][2] == sx1                      # right-aligned to the safe edge
    assert min(b[1] for b in row.boxes) == sy0          # top of the safe area
    xs = [b[0] for b in row.boxes]
    assert xs == sorted(xs) and len(set(b[1] for b in row.boxes)) == 1  # one row, in order
    gap = row.boxes[1][0] - row.boxes[0][2]
    assert gap == round(0.2 * row.logo_height)


@pytest.mark.parametrize("frame", FRAMES)
def test_row_image_is_just_the_row_and_inside_the_frame(tmp_path, frame):
    w, h = frame
    row = compose_row(seven(tmp_path), w, h)
    assert row.image.mode == "RGBA"
    assert 0 <= row.x and 0 <= row.y
    assert row.x + row.image.width <= w and row.y + row.image.height <= h
    bx0, by0 = min(b[0] for b in row.boxes), min(b[1] for b in row.boxes)
    bx1, by1 = max(b[2] for b in row.boxes), max(b[3] for b in row.boxes)
    pad = 0.1 * row.logo_height + 2  # room for the soft shadow only
    assert row.x <= bx0 and row.x >= bx0 - pad
    assert row.y <= by0 and row.y >= by0 - pad
    assert row.x + row.image.width >= bx1 and row.x + row.image.width <= bx1 + pad
    assert row.y + row.image.height >= by1 and row.y + row.image.height <= by1 + pad


def test_each_logo_keeps_its_colour_in_its_box(tmp_path):
    files = seven(tmp_path)
    row = compose_row(files, 1920, 1080)
    frame = Image.new("RGBA", (1920, 1080), (0, 0, 0, 255))
    frame.alpha_composite(row.image, (row.x, row.y))
    for path, (x0, y0, x1, y1) in zip(files, row.boxes):
        want = Image.open(path).convert("RGBA").getpixel((50, 50))
        assert frame.getpixel(((x0 + x1) // 2, (y0 + y1) // 2)) == want
    assert frame.getpixel((50, 1000)) == (0, 0, 0, 255)  # the opposite corner is untouched


def test_red_logo_on_a_320x180_frame_gives_red_pixels_in_its_box(tmp_path):
    row = compose_row([save(solid((50, 50)), tmp_path / "red.png")], 320, 180)
    x0, y0, x1, y1 = row.boxes[0]
    arr = np.asarray(row.image)[y0 - row.y:y1 - row.y, x0 - row.x:x1 - row.x]
    assert (arr == RED).all()


def test_alpha_is_kept(tmp_path):
    im = Image.new("RGBA", (100, 100), (0, 0, 0, 0))
    im.paste(RED, (0, 0, 50, 100))  # left half red, right half clear
    row = compose_row([save(im, tmp_path / "half.png")], 1920, 1080)
    x0, y0, x1, y1 = row.boxes[0]
    local = lambda x, y: row.image.getpixel((x - row.x, y - row.y))  # noqa: E731
    mid_y = (y0 + y1) // 2
    assert local(x0 + 5, mid_y) == RED
    assert local(x1 - 5, mid_y)[3] < 128  # at most the faint shadow shows through


def test_a_banner_is_capped_at_three_heights_and_centred(tmp_path):
    banner = save(solid((1000, 100)), tmp_path / "banner.png")
    square = save(solid((100, 100), (0, 0, 255, 255)), tmp_path / "sq.png")
    row = compose_row([banner, square], 1920, 1080)
    h = row.logo_height
    bx0, by0, bx1, by1 = row.boxes[0]
    sx0, sy0, sx1, sy1 = row.boxes[1]
    assert bx1 - bx0 == 3 * h
    assert by1 - by0 == round(3 * h / 10)
    assert abs((by0 + by1) / 2 - (sy0 + sy1) / 2) <= 1  # centred on the slot
    assert sx1 - sx0 == h


def test_narrow_portrait_with_banners_uses_two_rows(tmp_path):
    aspects = [1, 1, 1, 5, 1, 8, 1]
    plan = plan_row(aspects, 1080, 1920)
    assert plan.rows == 2
    tops = sorted({b[1] for b in plan.boxes if b[3] - b[1] == plan.logo_height})
    assert len(tops) == 2
    first_row = [b for b in plan.boxes if b[1] < tops[1] - plan.gap // 2 and b[3] <= tops[1]]
    # the first row holds the first logos, and both rows end at the safe right edge
    assert plan.boxes[: len(first_row)] == tuple(first_row)
    _, _, sx1, _ = safe_area(1080, 1920)
    ends = {b[2] for b in plan.boxes}
    assert sx1 in ends and max(ends) == sx1
    assert plan.boxes[len(first_row) - 1][2] == sx1 and plan.boxes[-1][2] == sx1


def test_two_rows_shrink_when_even_two_rows_are_too_wide():
    plan = plan_row([3.0] * 7, 180, 320)
    sx0, sy0, sx1, sy1 = safe_area(180, 320)
    assert plan.rows == 2 and plan.logo_height < 16
    for x0, y0, x1, y1 in plan.boxes:
        assert sx0 <= x0 and x1 <= sx1 and sy0 <= y0 and y1 <= sy1
    # one pixel taller would not have fitted
    assert plan_row([3.0] * 7, 180, 320).logo_height == plan.logo_height
    taller = 3 * (plan.logo_height + 1)
    assert 4 * taller + 3 * round(0.2 * (plan.logo_height + 1)) > sx1 - sx0
    widest = max(sum(b[2] - b[0] for b in plan.boxes[:4]) + 3 * plan.gap,
                 sum(b[2] - b[0] for b in plan.boxes[4:]) + 2 * plan.gap)
    assert widest <= sx1 - sx0


def test_preset_height_and_margin_override_the_defaults(tmp_path):
    row = compose_row(seven(tmp_path)[:2], 1920, 1080, height_fraction=0.1, safe_inset=0.1)
    assert row.logo_height == 108
    assert row.boxes[-1][2] == 1920 - 192 and row.boxes[0][1] == 108


def test_compose_row_accepts_images_and_paths(tmp_path):
    row = compose_row([solid((10, 20)), save(solid((20, 10)), tmp_path / "w.png")], 1920, 1080)
    assert isinstance(row, LogoRow)
    (a0, _, a1, _), (b0, _, b1, _) = row.boxes
    assert (a1 - a0) * 2 == pytest.approx(row.logo_height, abs=1)
    assert b1 - b0 == 2 * row.logo_height


# ---------------------------------------------------------------- loading

def colour_at_centre(im: Image.Image) -> tuple[int, ...]:
    return im.getpixel((im.width // 2, im.height // 2))


def test_png_without_alpha(tmp_path):
    im = load_logo(save(solid((40, 20), (0, 128, 0), "RGB"), tmp_path / "a.png"), 86)
    assert im.mode == "RGBA" and im.size == (172, 86)
    assert colour_at_centre(im) == (0, 128, 0, 255)


def test_palette_png_with_transparency(tmp_path):
    p = Image.new("P", (20, 20), 1)
    p.putpalette([0, 0, 0, 255, 0, 0])
    p.paste(0, (0, 0, 10, 20))
    path = save(p, tmp_path / "p.png", transparency=0)
    im = load_logo(path, 40)
    assert im.getpixel((30, 20)) == RED and im.getpixel((5, 20))[3] == 0


def test_la_png(tmp_path):
    im = load_logo(save(solid((10, 10), (200, 128), "LA"), tmp_path / "la.png"), 30)
    r, g, b, a = colour_at_centre(im)  # resized premultiplied: grey may drift by one
    assert im.mode == "RGBA" and r == g == b and abs(r - 200) <= 1 and a == 128


def test_16_bit_grey_png_is_scaled_not_clipped(tmp_path):
    arr = np.full((16, 16), 32896, dtype=np.uint16)  # mid grey in 16 bits
    src = Image.frombytes("I;16", (16, 16), arr.tobytes())
    path = save(src, tmp_path / "g16.png")
    assert Image.open(path).mode.startswith("I")
    r, g, b, a = colour_at_centre(load_logo(path, 32))
    assert abs(r - 128) <= 1 and r == g == b and a == 255


def test_cmyk_jpeg_is_not_inverted(tmp_path):
    path = save(solid((64, 64), (0, 255, 255, 0), "CMYK"), tmp_path / "red.jpg", quality=95)
    assert Image.open(path).mode == "CMYK"
    r, g, b, _ = colour_at_centre(load_logo(path, 32))
    assert r > 200 and g < 60 and b < 60


def cmyk_profile(lab: tuple[int, int, int] = (88, -80, 80)) -> bytes:
    """A tiny ICC v2 CMYK printer profile whose A2B0 maps every ink mix to one Lab colour.

    Pillow cannot make CMYK profiles and none ships with it; this one proves the embedded
    profile, not the plain formula, decided the colour.
    """
    light, a, b = lab
    point = bytes([round(light * 255 / 100), a + 128, b + 128])
    ident = bytes(range(256))
    lut8 = (b"mft1" + bytes(4) + bytes([4, 3, 2, 0])
            + b"".join(struct.pack(">i", v) for v in (65536, 0, 0, 0, 65536, 0, 0, 0, 65536))
            + ident * 4 + point * 16 + ident * 3)
    d50 = struct.pack(">3i", 63190, 65536, 54061)
    tags = [(b"A2B0", lut8), (b"wtpt", b"XYZ " + bytes(4) + d50)]
    offset = 128 + 4 + 12 * len(tags)
    table, data = b"", b""
    for sig, body in tags:
        body += bytes(-len(body) % 4)
        table += sig + struct.pack(">II", offset + len(data), len(body))
        data += body
    header = (struct.pack(">I", offset + len(data)) + bytes(4) + bytes([2, 0x10, 0, 0])
              + b"prtrCMYKLab " + bytes(12) + b"acsp" + bytes(24) + bytes(4) + d50
              + bytes(48))
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + table + data


def test_cmyk_jpeg_goes_through_its_embedded_profile(tmp_path):
    red_inks = solid((64, 64), (0, 255, 255, 0), "CMYK")
    path = save(red_inks, tmp_path / "icc.jpg", quality=95, icc_profile=cmyk_profile())
    r, g, b, _ = colour_at_centre(load_logo(path, 32))
    assert g > 200 and r < 60 and b < 80  # the profile's green, not the formula's red


def test_cmyk_jpeg_with_a_broken_profile_falls_back_to_plain(tmp_path):
    im = solid((64, 64), (0, 255, 255, 0), "CMYK")
    path = save(im, tmp_path / "junk.jpg", quality=95, icc_profile=b"not a real profile")
    r, g, b, _ = colour_at_centre(load_logo(path, 32))
    assert r > 200 and g < 60 and b < 60


def test_exif_orientation_is_applied(tmp_path):
    im = Image.new("RGB", (40, 20), (255, 0, 0))
    im.paste((0, 0, 255), (20, 0, 40, 20))  # left red, right blue
    exif = Image.Exif()
    exif[0x0112] = 6  # stored sideways: display rotated 90 degrees clockwise
    path = save(im, tmp_path / "rot.jpg", exif=exif, quality=95)
    out = load_logo(path, 40)
    assert out.size == (20, 40)
    top, bottom = out.getpixel((10, 5)), out.getpixel((10, 35))
    assert top[0] > 200 and top[2] < 60       # red now on top
    assert bottom[2] > 200 and bottom[0] < 60


def test_svg_is_rasterised_at_the_target_height(tmp_path):
    pytest.importorskip("resvg_py")
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 20 10">'
           '<rect width="20" height="10" fill="#ff0000"/></svg>')
    path = tmp_path / "logo.svg"
    path.write_text(svg, encoding="utf-8")
    im = load_logo(path, 86)
    assert im.size == (172, 86) and colour_at_centre(im) == RED
    row = compose_row([path], 1920, 1080)
    assert row.boxes[0][2] - row.boxes[0][0] == 2 * row.logo_height


def test_one_pixel_logo_scales_up(tmp_path):
    im = load_logo(save(solid((1, 1)), tmp_path / "dot.png"), 86)
    assert im.size == (86, 86) and (np.asarray(im) == RED).all()


def test_huge_png_loads_to_the_target_size(tmp_path):
    path = save(solid((6000, 6000), (0, 0, 255, 255)), tmp_path / "huge.png", compress_level=1)
    im = load_logo(path, 86)
    assert im.size == (86, 86) and colour_at_centre(im) == (0, 0, 255, 255)


def test_huge_jpeg_is_decoded_at_a_reduced_scale(tmp_path):
    path = save(solid((6000, 6000), (0, 0, 255), "RGB"), tmp_path / "huge.jpg", quality=80)
    decoded = logos.decode(path, (86, 86))
    assert max(decoded.size) <= 750  # draft asked libjpeg for 1/8 scale
    im = load_logo(path, 86)
    assert im.size == (86, 86)
    r, g, b, a = colour_at_centre(im)
    assert b > 240 and r < 15 and g < 15 and a == 255


@pytest.mark.parametrize("content", [b"", b"not an image at all", b"\x89PNG\r\n\x1a\n\x00\x00"])
def test_corrupt_file_error_names_the_file(tmp_path, content):
    path = tmp_path / "broken_logo.png"
    path.write_bytes(content)
    with pytest.raises(PresetError) as err:
        load_logo(path, 86)
    assert "broken_logo.png" in err.value.message and err.value.hint


def test_truncated_png_error_names_the_file(tmp_path):
    data = io.BytesIO()
    Image.effect_noise((200, 200), 60).save(data, "PNG")
    path = tmp_path / "cut.png"
    path.write_bytes(data.getvalue()[: len(data.getvalue()) // 2])
    with pytest.raises(PresetError, match="cut.png"):
        compose_row([path], 1920, 1080)


def test_missing_file_error_names_the_file(tmp_path):
    with pytest.raises(PresetError, match="nowhere.png"):
        compose_row([tmp_path / "nowhere.png"], 1920, 1080)


def test_bad_svg_error_names_the_file(tmp_path):
    pytest.importorskip("resvg_py")
    path = tmp_path / "bad.svg"
    path.write_text("<svg this is not xml", encoding="utf-8")
    with pytest.raises(PresetError, match="bad.svg"):
        load_logo(path, 40)


# ---------------------------------------------------------------- shipped artwork

def test_sdg_wheel_has_the_17_official_colours():
    size = 256
    wheel = sdg_wheel(size)
    assert wheel.mode == "RGBA" and wheel.size == (size, size)
    seen = []
    for i, hexcolour in enumerate(SDG_COLOURS):
        angle = math.radians(-90 + (i + 0.5) * 360 / 17)
        r = 0.4 * size
        px = wheel.getpixel((round(size / 2 + r * math.cos(angle)),
                             round(size / 2 + r * math.sin(angle))))
        want = tuple(int(hexcolour[k:k + 2], 16) for k in (1, 3, 5))
        assert px[3] == 255 and max(abs(a - b) for a, b in zip(px, want)) <= 2, (i + 1, px)
        seen.append(px[:3])
    assert len(set(seen)) == 17
    hues = {round(colorsys.rgb_to_hsv(*(c / 255 for c in px))[0], 3) for px in seen}
    assert len(hues) == 17
    assert wheel.getpixel((size // 2, size // 2))[3] == 0  # the hole in the middle


def test_placeholder_marker_round_trip(tmp_path):
    entries = {"moi.png": ("Interior", "มหาดไทย"), "a/b/district.png": ("District", "อำเภอ")}
    written = write_placeholders(tmp_path, entries)
    assert written == [tmp_path / "moi.png", tmp_path / "a/b/district.png"]
    assert all(is_placeholder(p) for p in written)
    plain = save(solid((8, 8)), tmp_path / "official.png")
    assert not is_placeholder(plain)
    assert is_placeholder(save(solid((8, 8)), tmp_path / "Placeholder-x.png"))
    assert not is_placeholder(tmp_path / "missing.png")
    assert load_logo(written[0], 86).size == (86, 86)


def test_write_placeholders_never_overwrites_official_artwork(tmp_path):
    official = save(solid((8, 8)), tmp_path / "moi.png")
    before = official.read_bytes()
    assert write_placeholders(tmp_path, {"moi.png": ("Interior", "")}) == []
    assert official.read_bytes() == before


def test_placeholder_draws_no_thai_without_a_thai_font(monkeypatch, tmp_path):
    monkeypatch.setattr(logos, "_font_dirs", lambda: [tmp_path])  # no fonts at all
    with_thai = make_placeholder("District", "อำเภอพิชัย", size=256, seed="s")
    without = make_placeholder("District", "", size=256, seed="s")
    assert with_thai.tobytes() == without.tobytes()


def test_placeholder_draws_thai_with_a_thai_font(monkeypatch):
    if logos._thai_font_path() is None:
        pytest.skip("no Thai font in assets/fonts yet")
    with_thai = make_placeholder("District", "อำเภอพิชัย", size=256, seed="s")
    without = make_placeholder("District", "", size=256, seed="s")
    assert with_thai.tobytes() != without.tobytes()


def test_placeholder_colour_follows_the_seed():
    a = make_placeholder("X", "", size=64, seed="moi.png")
    b = make_placeholder("X", "", size=64, seed="dla.png")
    assert a.getpixel((32, 10)) != b.getpixel((32, 10))
    assert a.tobytes() == make_placeholder("X", "", size=64, seed="moi.png").tobytes()


def test_resolve_logo_finds_any_logo_extension(tmp_path):
    # The live lookup (logofiles.resolve_logo), which render, check and doctor use.
    write_placeholders(tmp_path, {"moi.png": ("Interior", "")})
    assert resolve_logo([("x", tmp_path / "moi")]) == ("x", tmp_path / "moi.png", True)
    assert resolve_logo([("x", tmp_path / "moi.png")]) == ("x", tmp_path / "moi.png", True)
    save(solid((8, 8), mode="RGB"), tmp_path / "dla.jpg")
    places = [("a", tmp_path / "nowhere" / "dla.png"), ("b", tmp_path / "dla.png")]
    assert resolve_logo(places) == ("b", tmp_path / "dla.jpg", False)
    assert resolve_logo([("x", tmp_path / "volunteers")]) is None


def test_shipped_assets_are_complete_and_small():
    base = logos.logos_dir()
    names = ["moi.png", "dla.png", "volunteers.png", "sdg.png", "uttaradit/province.png",
             "generic/province.png", "generic/district.png", "generic/lao.png"]
    for slug in logos.UTTARADIT_DISTRICTS:
        names += [f"uttaradit/{slug}/district.png", f"uttaradit/{slug}/lao.png"]
    assert len(logos.UTTARADIT_DISTRICTS) == 9
    for name in names:
        path = base / name
        assert path.is_file(), name
        assert path.stat().st_size < 30_000, name
        assert is_placeholder(path) == (name != "sdg.png"), name


def test_cli_writes_the_placeholders(tmp_path):
    assert logos.main(["--write-placeholders", "--dest", str(tmp_path)]) == 0
    assert is_placeholder(tmp_path / "uttaradit/phichai/lao.png")
    assert not is_placeholder(tmp_path / "sdg.png")
    info = Image.open(tmp_path / "moi.png").info
    assert info.get("overlay-placeholder") == "1"
