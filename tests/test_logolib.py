"""The user's logo library: one search order, real files of every kind a district has,
the `overlay logos` commands, and renders that use what was added."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw
from typer.testing import CliRunner

from overlay import logolib
from overlay.cli import app
from overlay.logofiles import LOGO_SOURCES, district_logos, resolve_logo
from overlay.logos import is_placeholder, write_placeholders
from overlay.presets import load_preset
from overlay.store import data_home

from conftest import decode_frame, make_clip

runner = CliRunner()
BLUE = (20, 60, 200)
PHICHAI = "uttaradit/phichai/district.png"


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def disc(size=(300, 300), colour=BLUE, background=(0, 0, 0, 0), mode="RGBA", inset=40) -> Image.Image:
    im = Image.new(mode, size, background)
    ImageDraw.Draw(im).ellipse((inset, inset, size[0] - inset, size[1] - inset), fill=colour)
    return im


def square(path: Path, colour, size=64) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGBA", (size, size), (*colour, 255)).save(path)
    return path


# ---------------------------------------------------------------- one search order

def test_the_search_order_is_written_down():
    assert LOGO_SOURCES == ("logo-dir", "library", "preset", "shipped")


def test_logo_dir_then_library_then_preset_folder_then_shipped(tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "my.toml").write_text('[preset]\nname = "my"\nextends = "uttaradit"\n', encoding="utf-8")
    preset = load_preset(str(mine / "my.toml"))
    entry = preset.district("พิชัย")
    given = tmp_path / "given"
    files = {
        "logo-dir": square(given / PHICHAI, (255, 0, 0)),
        "library": square(logolib.library_dir() / PHICHAI, (0, 255, 0)),
        "preset": square(mine / PHICHAI, (0, 0, 255)),
    }

    def district_ref():
        refs = {r.key: r for r in district_logos(preset, entry, (given,))}
        return refs["district"]

    for source in ("logo-dir", "library", "preset"):
        ref = district_ref()
        assert (ref.source, ref.path, ref.placeholder) == (source, files[source], False)
        files[source].unlink()
    ref = district_ref()
    assert ref.source == "shipped" and ref.placeholder and ref.path.name == "district.png"


def test_an_official_file_of_any_extension_beats_a_placeholder_in_the_same_folder(tmp_path):
    write_placeholders(tmp_path, {"district.png": ("District", "อำเภอ")})
    placeholder = tmp_path / "district.png"
    assert resolve_logo([("logo-dir", placeholder)]) == ("logo-dir", placeholder, True)
    for ext in (".jpg", ".jpeg", ".svg"):
        official = tmp_path / f"district{ext}"
        if ext == ".svg":
            official.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"/>')
        else:
            disc(mode="RGB", background="white").save(official, "JPEG")
        # As named in the preset (.png), or with no extension at all: the official file wins.
        assert resolve_logo([("logo-dir", placeholder)]) == ("logo-dir", official, False)
        assert resolve_logo([("logo-dir", tmp_path / "district")]) == ("logo-dir", official, False)
        official.unlink()


def test_an_official_file_later_in_the_order_beats_an_earlier_placeholder(tmp_path):
    write_placeholders(tmp_path / "a", {"moi.png": ("Interior", "")})
    official = square(tmp_path / "b" / "moi.png", (1, 2, 3))
    places = [("logo-dir", tmp_path / "a" / "moi.png"), ("library", tmp_path / "b" / "moi.png")]
    assert resolve_logo(places) == ("library", official, False)
    assert resolve_logo([("x", tmp_path / "none.png")]) is None


def test_the_library_is_laid_out_like_the_presets_logo_paths():
    preset = load_preset("uttaradit")
    for district in preset.districts.values():
        for key in ("district", "lao"):
            assert logolib.library_entry(key, preset.province, district.name) == district.logos[key]
    for key in ("moi", "dla", "volunteers", "sdg"):
        assert logolib.library_entry(key, preset.province, "พิชัย") == preset.logos[key]
    assert logolib.library_entry("province", preset.province, None) == preset.logos["province"]
    # A district no preset lists still gets a folder of its own, not the generic one.
    assert logolib.library_entry("district", "เชียงใหม่", "แม่ริม") == "chiang-mai/mae-rim/district.png"
    assert logolib.library_dir() == data_home() / "logos"


# ---------------------------------------------------------------- real files

def _png_alpha(path):
    disc().save(path)


def _jpeg_on_white(path):
    disc((400, 300), BLUE, "white", "RGB").save(path, "JPEG", quality=92)


def _svg(path):
    path.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100">'
                    '<rect x="20" y="10" width="160" height="80" fill="#143cc8"/></svg>')


def _palette_with_transparency(path):
    im = Image.new("P", (300, 300), 0)
    im.putpalette([0, 0, 0, *BLUE] + [0] * (256 * 3 - 6))
    ImageDraw.Draw(im).ellipse((40, 40, 260, 260), fill=1)
    im.save(path, transparency=0)


def _grey_16_bit(path):
    arr = np.full((300, 300), 65535, dtype=np.uint16)            # white paper
    yy, xx = np.mgrid[:300, :300]
    arr[(yy - 150) ** 2 + (xx - 150) ** 2 < 110 ** 2] = 16384    # a dark grey seal
    Image.frombytes("I;16", (300, 300), arr.astype("<u2").tobytes()).save(path)


def _cmyk_jpeg(path):
    im = Image.new("CMYK", (300, 300), (0, 0, 0, 0))             # white
    ImageDraw.Draw(im).ellipse((40, 40, 260, 260), fill=(0, 255, 255, 0))   # red
    im.save(path, "JPEG", quality=92)     # no profile: the plain conversion, not inverted


KINDS = {   # name: (writer, file name, expected colour at the centre)
    "png-alpha": (_png_alpha, "seal.png", BLUE),
    "jpeg-on-white": (_jpeg_on_white, "seal.jpg", BLUE),
    "svg": (_svg, "seal.svg", BLUE),
    "palette-png": (_palette_with_transparency, "seal-p.png", BLUE),
    "grey-16-bit": (_grey_16_bit, "seal16.png", (64, 64, 64)),
    "cmyk-jpeg": (_cmyk_jpeg, "seal-cmyk.jpg", (255, 0, 0)),
}


@pytest.mark.parametrize("kind", KINDS)
def test_add_stores_a_trimmed_rgba_png(tmp_path, kind):
    write, name, colour = KINDS[kind]
    source = tmp_path / name
    write(source)
    result = run("logos", "add", "district", source, "--district", "พิชัย")
    assert result.exit_code == 0, result.output
    stored = logolib.library_dir() / PHICHAI
    assert result.stdout.strip() == str(stored)
    with Image.open(stored) as im:
        assert (im.format, im.mode) == ("PNG", "RGBA")
        rgba = np.asarray(im)
    h, w = rgba.shape[:2]
    assert h <= logolib.STORE_HEIGHT and w <= logolib.STORE_WIDTH
    centre = rgba[h // 2, w // 2]
    assert centre[3] == 255 and np.abs(centre[:3].astype(int) - colour).max() < 30, centre
    # Trimmed to the artwork: an opaque pixel on every edge, and no white or empty border.
    opaque = rgba[..., 3] > 8
    assert opaque[0].any() and opaque[-1].any() and opaque[:, 0].any() and opaque[:, -1].any()
    if kind != "svg":   # a disc: its bounding box's corners are background, now transparent
        assert rgba[0, 0, 3] == 0 and rgba[-1, -1, 3] == 0
    assert not is_placeholder(stored)
    assert logolib.added_from(stored) == name


def test_a_one_pixel_png_is_refused_naming_the_key(tmp_path):
    Image.new("RGBA", (1, 1), (255, 0, 0, 255)).save(tmp_path / "dot.png")
    result = run("logos", "add", "moi", tmp_path / "dot.png")
    assert result.exit_code == 2
    assert 'dot.png for the "moi" logo is only 1×1 pixels' in result.stderr
    assert not (logolib.library_dir() / "moi.png").exists()


def test_a_6000_px_png_is_reduced_with_a_message(tmp_path):
    disc((6000, 6000), BLUE, inset=500).save(tmp_path / "scan.png")
    result = run("logos", "add", "dla", tmp_path / "scan.png", "--district", "พิชัย")
    assert result.exit_code == 0, result.output
    assert "Reduced from 6000×6000 to 512×512" in result.stderr
    with Image.open(logolib.library_dir() / "dla.png") as im:
        assert im.size == (512, 512)


def test_a_corrupt_png_is_refused_naming_the_key(tmp_path):
    buffer = io.BytesIO()
    disc().save(buffer, "PNG")
    (tmp_path / "broken.png").write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])
    result = run("logos", "add", "lao", tmp_path / "broken.png", "--district", "พิชัย")
    assert result.exit_code == 2
    error = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(error) == 1 and 'broken.png for the "lao" logo' in error[0], result.stderr
    assert "Traceback" not in result.output
    (tmp_path / "text.png").write_text("not a picture")
    result = run("logos", "add", "lao", tmp_path / "text.png", "--district", "พิชัย")
    assert result.exit_code == 2 and 'text.png for the "lao" logo is not a picture' in result.stderr


def test_a_photo_is_refused_unless_asked_to_keep_the_background(tmp_path):
    noise = np.random.default_rng(1).integers(0, 256, (200, 300, 3), dtype=np.uint8)
    Image.fromarray(noise).save(tmp_path / "photo.jpg")
    result = run("logos", "add", "lao", tmp_path / "photo.jpg", "-d", "พิชัย")
    assert result.exit_code == 2 and "neither a transparent nor a plain background" in result.stderr
    result = run("logos", "add", "lao", tmp_path / "photo.jpg", "-d", "พิชัย", "--keep-background")
    assert result.exit_code == 0, result.output


def test_a_placeholder_is_not_accepted_as_official(tmp_path):
    write_placeholders(tmp_path, {"moi.png": ("Interior", "")})
    result = run("logos", "add", "moi", tmp_path / "moi.png")
    assert result.exit_code == 2 and "placeholders" in result.stderr


def test_bad_key_and_missing_district_are_usage_errors(tmp_path):
    _png_alpha(tmp_path / "seal.png")
    assert 'Unknown logo "flag"' in run("logos", "add", "flag", tmp_path / "seal.png").stderr
    result = run("logos", "add", "district", tmp_path / "seal.png")
    assert result.exit_code == 2 and "Add --district" in result.stderr
    result = run("logos", "add", "district", tmp_path / "seal.png", "-d", "พิชิย")
    assert result.exit_code == 2 and 'Did you mean "พิชัย"' in result.stderr


# ---------------------------------------------------------------- the commands

def test_province_wide_logos_are_stored_once_for_every_district(tmp_path):
    _png_alpha(tmp_path / "seal.png")
    assert run("logos", "add", "moi", tmp_path / "seal.png", "-d", "พิชัย").exit_code == 0
    assert run("logos", "add", "province", tmp_path / "seal.png", "-d", "พิชัย").exit_code == 0
    assert run("logos", "add", "lao", tmp_path / "seal.png", "-d", "พิชัย").exit_code == 0
    preset = load_preset("uttaradit")
    for name in ("พิชัย", "ลับแล"):
        refs = {r.key: r for r in district_logos(preset, preset.district(name))}
        assert refs["moi"].source == refs["province"].source == "library", name
        assert refs["lao"].source == ("library" if name == "พิชัย" else "shipped"), name
    assert sorted(p.relative_to(logolib.library_dir()).as_posix()
                  for p in logolib.library_dir().rglob("*.png")) == [
        "moi.png", "uttaradit/phichai/lao.png", "uttaradit/province.png"]


def test_list_shows_the_seven_in_order_with_sources_and_placeholders(tmp_path):
    _png_alpha(tmp_path / "seal.png")
    run("logos", "add", "district", tmp_path / "seal.png", "-d", "พิชัย")
    given = tmp_path / "given"
    square(given / "dla.png", (9, 9, 9))
    result = run("logos", "list", "--district", "พิชัย", "--logo-dir", given)
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stdout.splitlines() if line[:1].isdigit()]
    assert [line.split()[1] for line in lines] == ["moi", "dla", "volunteers", "sdg", "province",
                                                   "district", "lao"]
    marks = {line.split()[1]: line for line in lines}
    assert "PLACEHOLDER" in marks["moi"] and "shipped" in marks["moi"]
    assert "PLACEHOLDER" not in marks["dla"] and "--logo-dir" in marks["dla"]
    assert "PLACEHOLDER" not in marks["district"] and "your library" in marks["district"]
    assert "PLACEHOLDER" not in marks["sdg"]
    assert str(logolib.library_dir() / PHICHAI) in result.stdout
    assert "--logo-dir, your library" in result.stderr      # the order, said where it is seen
    assert "overlay logos add moi FILE --district พิชัย" in result.stderr
    # Without a district: the province-wide five only.
    result = run("logos", "list")
    assert [line.split()[1] for line in result.stdout.splitlines() if line[:1].isdigit()] == [
        "moi", "dla", "volunteers", "sdg", "province"]


def test_remove_gives_the_slot_back_to_the_next_file(tmp_path):
    _png_alpha(tmp_path / "seal.png")
    run("logos", "add", "district", tmp_path / "seal.png", "-d", "พิชัย")
    run("logos", "add", "moi", tmp_path / "seal.png")
    result = run("logos", "remove", "district", "moi", "lao", "-d", "พิชัย")
    assert result.exit_code == 0, result.output
    assert 'Logo "lao" is not in your library' in result.stderr
    assert not list(logolib.library_dir().rglob("*.png"))
    preset = load_preset("uttaradit")
    assert all(r.source == "shipped" for r in district_logos(preset, preset.district("พิชัย")))


def test_show_writes_the_row_as_it_will_appear(tmp_path):
    disc(colour=BLUE).save(tmp_path / "seal.png")
    run("logos", "add", "district", tmp_path / "seal.png", "-d", "พิชัย")
    result = run("logos", "show", "--district", "พิชัย", "-o", tmp_path / "row.png")
    assert result.exit_code == 0, result.output
    assert "Placeholder logos still in use: moi, dla, volunteers, province, lao" in result.stderr
    with Image.open(tmp_path / "row.png") as im:
        row = np.asarray(im.convert("RGB")).astype(int)
    assert 80 <= row.shape[0] <= 140 and row.shape[1] > 6 * 86          # 86 px logos, one row
    blue = (np.abs(row - BLUE).max(axis=2) < 30).mean(axis=0)
    # The district logo is the sixth of seven: its blue sits in the right part of the row.
    columns = np.nonzero(blue > 0.3)[0]
    assert columns.size and columns.min() > row.shape[1] * 0.6 and columns.max() < row.shape[1] * 0.9


def test_every_logos_command_has_help():
    for command in ("list", "add", "remove", "show"):
        result = run("logos", command, "--help")
        assert result.exit_code == 0 and "Usage" in result.stdout


# ---------------------------------------------------------------- renders use the library

@pytest.fixture(scope="module")
def clip360(tmp_path_factory) -> Path:
    return make_clip(tmp_path_factory.mktemp("clip") / "clip360.mp4", seconds=2.0, size="640x360")


def _district_box(w=640, h=360):
    from overlay import render as r

    preset = load_preset("uttaradit")
    refs = district_logos(preset, preset.district("พิชัย"))
    return r.logo_row(preset, refs, w, h).boxes[5]


def _blue_share(frame, box) -> float:
    x0, y0, x1, y1 = box
    cx, cy, rx, ry = (x0 + x1) // 2, (y0 + y1) // 2, (x1 - x0) // 4, (y1 - y0) // 4
    region = frame[cy - ry:cy + ry, cx - rx:cx + rx].astype(int)
    return float((np.abs(region - BLUE).max(axis=2) < 45).mean())


def test_render_uses_the_library_and_check_compares_with_it(tmp_path, clip360):
    disc((400, 300), BLUE, "white", "RGB").save(tmp_path / "seal.jpg", quality=92)
    assert run("logos", "add", "district", tmp_path / "seal.jpg", "-d", "พิชัย").exit_code == 0
    result = run("render", clip360, "-d", "พิชัย", "-o", tmp_path / "out", "-q", "draft")
    # Still five placeholders: not ready to send (exit 1, the file written to look at), said
    # with the command that fixes it.
    assert result.exit_code == 1, result.output
    assert "overlay logos add KEY FILE --district พิชัย" in result.stderr
    assert "5 of 7 logos are placeholders" in result.stderr and "Not ready to send" in result.stderr
    clip = next((tmp_path / "out").glob("*.mp4"))
    box = _district_box()
    for at in (0.0, 5.0):
        assert _blue_share(decode_frame(clip, at), box) > 0.8
    # overlay check looks for the same library logo (and the placeholders by their picture),
    # and knows when it is gone.
    result = run("check", clip)
    assert result.exit_code == 1, result.stdout
    assert "7 logos in place top-right, 5 of them placeholders" in result.stdout, result.stdout
    assert "placeholder logos" in result.stdout and "missing" not in result.stdout
    run("logos", "remove", "district", "-d", "พิชัย")
    assert _blue_share(decode_frame(clip360, 0.0), box) < 0.2
    result = run("check", clip)
    assert "in place top-right" not in result.stdout and "no official file for: district" in result.stdout


def test_preview_uses_the_library(tmp_path, clip360):
    disc(colour=BLUE).save(tmp_path / "seal.png")
    run("logos", "add", "district", tmp_path / "seal.png", "-d", "พิชัย")
    result = run("preview", clip360, "-d", "พิชัย", "-o", tmp_path / "frame.png")
    assert result.exit_code == 0, result.output
    frame = np.asarray(Image.open(tmp_path / "frame.png").convert("RGB"))
    assert _blue_share(frame, _district_box()) > 0.8


def test_batch_renders_again_when_a_logo_is_added(tmp_path, clip360, official_logos):
    """Every logo official (a placeholder fails the row: it would be rendered again anyway);
    then the district's is replaced by another official file."""
    from overlay import batch as b

    manifest = tmp_path / "jobs.csv"
    manifest.write_text(f"input,district\n{clip360},พิชัย\n", encoding="utf-8")
    options = b.Options(out_dir=tmp_path / "out", quality="draft")
    invoke = ("batch", manifest, "-o", tmp_path / "out", "-q", "draft", "-j", "1")
    assert run(*invoke).exit_code == 0
    [entry] = b.prepare(b.read_manifest(manifest), options)
    assert entry.status == b.Status.SKIPPED                     # nothing changed: nothing to do
    disc(colour=BLUE).save(tmp_path / "seal.png")
    run("logos", "add", "district", tmp_path / "seal.png", "-d", "พิชัย")
    [entry] = b.prepare(b.read_manifest(manifest), options)
    assert entry.status != b.Status.SKIPPED                     # the new official logo is a change
    assert run(*invoke).exit_code == 0
    clip = next((tmp_path / "out").glob("*.mp4"))
    assert _blue_share(decode_frame(clip, 0.0), _district_box()) > 0.8


def test_require_official_logos_stops_a_render_with_placeholders(tmp_path, clip3, logo_dir):
    result = run("render", clip3, "-d", "พิชัย", "-o", tmp_path, "--require-official-logos")
    assert result.exit_code == 2
    assert "Placeholder logos are not allowed" in result.stderr and "overlay logos add" in result.stderr
    assert not list(tmp_path.iterdir())
    # With every logo official (here from --logo-dir) the same flag lets it through.
    result = run("render", clip3, "-d", "พิชัย", "-o", tmp_path, "--require-official-logos",
                 "--logo-dir", logo_dir, "-q", "draft")
    assert result.exit_code == 0, result.output


def test_a_preset_can_require_official_logos(tmp_path, clip3):
    (tmp_path / "strict.toml").write_text('[preset]\nextends = "uttaradit"\n\n[logos]\n'
                                          'require_official = true\n', encoding="utf-8")
    assert load_preset(str(tmp_path / "strict.toml")).require_official_logos
    assert not load_preset("uttaradit").require_official_logos
    result = run("render", clip3, "-d", "พิชัย", "-o", tmp_path / "out", "-p", tmp_path / "strict.toml")
    assert result.exit_code == 2 and "Placeholder logos are not allowed" in result.stderr


def test_batch_passes_require_official_logos_to_every_job(tmp_path):
    from overlay import batch as b

    row = b.Row(number=2, values={"input": "a.mp4", "district": "พิชัย"})
    job = b.job_from_row(row, tmp_path, b.Options(out_dir=tmp_path, require_official_logos=True))
    assert job.require_official_logos


def _see_this_environment(python: Path) -> None:
    """Give a new venv the dependencies of the interpreter running the tests, wherever they
    are: the system site-packages on CI, a venv's own site-packages where most people run
    the tests (``--system-site-packages`` would only reach the system's, which a venv user's
    may not have). A ``.pth`` in the new venv adds them after its own site-packages, so the
    wheel installed there is the ``overlay`` imported."""
    import site

    dirs = [*site.getsitepackages(), *([site.getusersitepackages()] if site.ENABLE_USER_SITE else [])]
    own = subprocess.run([str(python), "-c", "import site; print(site.getsitepackages()[0])"],
                         capture_output=True, text=True, check=True).stdout.strip()
    lines = [f"import site; site.addsitedir({d!r})" for d in dirs if Path(d).is_dir()]
    (Path(own) / "_tests_environment.pth").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_a_fresh_install_reads_the_library(tmp_path):
    """pip install (not editable) into a new venv, then the installed `overlay` uses the library."""
    pytest.importorskip("hatchling", reason="building the wheel needs hatchling (pip install '.[test]')")
    root = Path(__file__).resolve().parents[1]
    dist, venv = tmp_path / "dist", tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "--quiet", "-w", str(dist), str(root)], check=True)
    wheel = next(dist.glob("overlay-*.whl"))
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    bin_dir = venv / ("Scripts" if os.name == "nt" else "bin")
    python = bin_dir / ("python.exe" if os.name == "nt" else "python")
    _see_this_environment(python)
    # --ignore-installed: CI has already installed overlay (same version) in the environment
    # this venv sees; without it pip calls the wheel "already satisfied".
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
                    "--ignore-installed", "--quiet", str(wheel)], check=True)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["OVERLAY_DATA_DIR"] = str(tmp_path / "userdata")
    where = subprocess.run([str(python), "-c", "import overlay; print(overlay.__file__)"],
                           capture_output=True, text=True, encoding="utf-8", env=env, cwd=tmp_path, check=True)
    assert Path(where.stdout.strip()).is_relative_to(venv), where.stdout   # not this checkout

    overlay_exe = bin_dir / ("overlay.exe" if os.name == "nt" else "overlay")
    disc((400, 300), BLUE, "white", "RGB").save(tmp_path / "seal.jpg", quality=92)
    added = subprocess.run([str(overlay_exe), "logos", "add", "district", str(tmp_path / "seal.jpg"),
                            "--district", "พิชัย"], capture_output=True, text=True, encoding="utf-8",
                           env=env, cwd=tmp_path)
    assert added.returncode == 0, added.stderr
    assert Path(added.stdout.strip()).is_relative_to(tmp_path / "userdata")
    clip = make_clip(tmp_path / "clip.mp4", seconds=1.5, size="640x360")
    rendered = subprocess.run([str(overlay_exe), "render", str(clip), "-d", "พิชัย", "-o",
                               str(tmp_path / "out"), "-q", "draft"],
                              capture_output=True, text=True, encoding="utf-8", env=env, cwd=tmp_path)
    # Six placeholders left: not ready to send, and the file written to look at.
    assert rendered.returncode == 1 and "placeholder logos" in rendered.stderr, rendered.stderr
    frame = decode_frame(next((tmp_path / "out").glob("*.mp4")), 0.0)
    assert _blue_share(frame, _district_box()) > 0.8
