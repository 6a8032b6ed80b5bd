"""Compliant means official (issue 22): a placeholder logo is a ✗ of its own in every receipt,
a render's logos are checked as its row laid them out (no false ✗ for a JPEG on white, a
banner or a strip), the audit knows our placeholders by their picture, and a province hands
its districts one logo pack."""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw
from typer.testing import CliRunner

from overlay import logolib
from overlay import render as r
from overlay.check import PLACEHOLDERS, check_file
from overlay.cli import app
from overlay.logofiles import district_logos
from overlay.presets import load_preset

from conftest import decode_frame, make_clip

runner = CliRunner()
NAME = "ธนาคารขยะต้นแบบระดับอำเภอ (Best Practice) อำเภอ{d}จังหวัดอุตรดิตถ์.mp4"
PROVINCE = "uttaradit/province.png"
GREEN = (20, 160, 60)
PAPER, INK = (250, 250, 247), (40, 40, 160)
BLUE = (20, 60, 200)


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def _province_box(w: int, h: int, logo_dir: Path | None = None) -> tuple[int, int, int, int]:
    preset = load_preset("uttaradit")
    refs = district_logos(preset, preset.district("พิชัย"), (logo_dir,) if logo_dir else ())
    return r.logo_row(preset, refs, w, h).boxes[4]


def _share(frame: np.ndarray, box, colour, tolerance: int = 50) -> float:
    x0, y0, x1, y1 = box
    region = frame[y0:y1, x0:x1].astype(int)
    return float((np.abs(region - colour).max(axis=2) < tolerance).mean())


# ---------------------------------------------------------------- no false ✗

def jpeg_on_white(path: Path) -> Path:
    """The usual scan of a seal: a JPEG, thin rings of ink on an off-white page."""
    im = Image.new("RGB", (1200, 900), PAPER)
    draw = ImageDraw.Draw(im)
    draw.ellipse((300, 150, 900, 750), outline=INK, width=12)
    draw.ellipse((340, 190, 860, 710), outline=INK, width=4)
    draw.text((540, 450), "SEAL", fill=INK)
    im.save(path.with_suffix(".jpg"), quality=85)
    return path.with_suffix(".jpg")


def banner(path: Path) -> Path:
    """A wide 3000×200 banner, opaque."""
    im = Image.new("RGB", (3000, 200), GREEN)
    draw = ImageDraw.Draw(im)
    for x in range(0, 3000, 300):
        draw.rectangle((x + 40, 40, x + 200, 160), fill="white")
    im.save(path)
    return path


def strip_of_seven(path: Path) -> Path:
    """Seven seals in one strip on transparent: a province that sent its logos as one file."""
    im = Image.new("RGBA", (7 * 220, 200), (0, 0, 0, 0))
    draw = ImageDraw.Draw(im)
    for i in range(7):
        draw.ellipse((i * 220 + 10, 10, i * 220 + 190, 190), fill=(*GREEN, 255))
        draw.ellipse((i * 220 + 70, 70, i * 220 + 130, 130), fill=(255, 255, 255, 255))
    im.save(path)
    return path


@pytest.mark.parametrize("make", [jpeg_on_white, banner, strip_of_seven],
                         ids=["jpeg-on-white", "banner-3000x200", "strip-of-seven"])
def test_a_render_whose_province_logo_is_unusual_is_compliant(tmp_path, logo_dir, make):
    """Each of these gave "6 of 7 logos found; missing: province" and exit 1 before (the
    logos checked one by one, not as the row laid them out)."""
    mine = tmp_path / "logos"
    shutil.copytree(logo_dir, mine)
    (mine / PROVINCE).unlink()
    made = make(mine / PROVINCE)
    assert made.parent == (mine / PROVINCE).parent
    clip = make_clip(tmp_path / "in.mp4", seconds=2.0, size="640x360")
    result = run("render", clip, "-d", "พิชัย", "-o", tmp_path / "out", "--logo-dir", mine, "-q", "draft")
    assert result.exit_code == 0, result.output
    assert "all 7 logos found top-right" in result.stderr and "Compliant" in result.stderr
    assert "missing" not in result.stderr and "placeholder" not in result.stderr.lower()
    out = tmp_path / "out" / NAME.format(d="พิชัย")
    box = _province_box(640, 360, mine)
    colour = PAPER if make is jpeg_on_white else GREEN
    for at in (0.0, 1.9):
        assert _share(decode_frame(out, at), box, colour) > 0.3      # the province's logo, in its place


def _save(im: Image.Image, path: Path, suffix: str = ".png", **kw) -> Path:
    target = path.with_suffix(suffix)
    im.save(target, **kw)
    return target


def _svg(path: Path) -> Path:
    target = path.with_suffix(".svg")
    target.write_text('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 30 20">'
                      '<rect width="30" height="20" fill="#14a03c"/>'
                      '<circle cx="15" cy="10" r="6" fill="#ffffff"/></svg>', encoding="utf-8")
    return target


def _rotated(path: Path) -> Path:
    im = Image.new("RGB", (300, 150), GREEN)
    im.paste((255, 255, 255), (150, 0, 300, 150))
    exif = Image.Exif()
    exif[0x0112] = 6            # stored sideways, shown upright
    return _save(im, path, ".jpg", exif=exif, quality=92)


def _palette(path: Path) -> Path:
    p = Image.new("P", (200, 200), 0)
    p.putpalette([0, 0, 0, *GREEN, 255, 255, 255])
    ImageDraw.Draw(p).ellipse((10, 10, 190, 190), fill=1)
    ImageDraw.Draw(p).ellipse((80, 80, 120, 120), fill=2)
    return _save(p, path, transparency=0)


def _grey16(path: Path) -> Path:
    arr = np.full((120, 120), 20000, dtype=np.uint16)
    arr[30:90, 30:90] = 60000
    return _save(Image.frombytes("I;16", (120, 120), arr.tobytes()), path)


# Twelve kinds of file a province sends; each rendered and checked as its row laid it out.
KINDS = {
    "jpeg-scan-on-white": jpeg_on_white, "banner-3000x200": banner, "strip-of-seven": strip_of_seven,
    "png-without-alpha": lambda p: _save(Image.new("RGB", (240, 160), GREEN), p),
    "palette-with-transparency": _palette,
    "grey-16-bit": _grey16,
    "cmyk-jpeg": lambda p: _save(Image.new("CMYK", (200, 200), (220, 0, 200, 40)), p, ".jpg", quality=92),
    "exif-rotated-jpeg": _rotated,
    "svg": _svg,
    "one-pixel": lambda p: _save(Image.new("RGBA", (1, 1), (*GREEN, 255)), p),
    "huge-5000x5000": lambda p: _save(Image.new("RGB", (5000, 5000), GREEN), p, compress_level=1),
    "tall-300x900": lambda p: _save(Image.new("RGB", (300, 900), GREEN), p),
}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_twelve_kinds_of_province_file_render_and_check_compliant(tmp_path, logo_dir, clip3, kind):
    if kind == "svg":
        pytest.importorskip("resvg_py")
    mine = tmp_path / "logos"
    shutil.copytree(logo_dir, mine)
    (mine / PROVINCE).unlink()
    KINDS[kind](mine / PROVINCE)
    result = run("render", clip3, "-d", "พิชัย", "-o", tmp_path / "out", "--logo-dir", mine,
                 "-q", "draft", "--max-duration", "1.5")
    assert result.exit_code == 0, result.output
    assert result.stderr.count("all 7 logos found top-right") == 3


# ---------------------------------------------------------------- placeholders: not ready to send

@pytest.fixture(scope="module")
def placeholder_render(tmp_path_factory):
    """A render with the shipped placeholders only (a fresh user folder), through the CLI."""
    tmp = tmp_path_factory.mktemp("placeholders")
    clip = make_clip(tmp / "in.mp4", seconds=2.0, size="640x360")
    result = run("render", clip, "-d", "พิชัย", "-o", tmp / "out", "-q", "draft")
    return tmp / "out" / NAME.format(d="พิชัย"), result


def test_a_render_with_placeholders_is_not_ready_to_send(placeholder_render):
    out, result = placeholder_render
    assert result.exit_code == 1, result.output
    assert out.is_file()                                  # written, so it can be looked at
    err = " ".join(result.stderr.split())
    assert "✗ placeholder logos 6 of 7 logos are placeholders: Ministry of Interior" in err
    assert "Not ready to send" in err and "Compliant" not in err
    assert "overlay logos add KEY FILE --district พิชัย" in err and "overlay logos import PACK.zip" in err
    # "found top-right" is said of official logos only
    assert "all 7 logos found" not in err and "7 logos in place top-right, 6 of them placeholders" in err
    # The shipped placeholder is what is in the corner, at start and end: its pixels, in its box.
    from overlay.check import logo_match

    preset = load_preset("uttaradit")
    refs = district_logos(preset, preset.district("พิชัย"))
    row = r.logo_row(preset, refs, 640, 360)
    x0, y0, x1, y1 = row.boxes[4]
    part = np.asarray(row.image.convert("RGBA"))[y0 - row.y:y1 - row.y, x0 - row.x:x1 - row.x]
    for at in (0.0, 1.9):
        frame = decode_frame(out, at)
        assert logo_match(frame, part, x0, y0) < 30
        assert logo_match(np.roll(frame, 60, axis=1), part, x0, y0) > 30    # a test that can fail


def test_check_of_a_placeholder_clip_names_the_placeholders(placeholder_render):
    out, _result = placeholder_render
    result = run("check", out)
    assert result.exit_code == 1
    text = " ".join(result.stdout.split())
    assert "placeholder logos" in text and "of 7 logos are placeholders" in text
    assert "missing" not in text and "Not ready to send" in text
    receipt = check_file(out, load_preset("uttaradit"))
    [item] = [i for i in receipt.items if i.key == PLACEHOLDERS]
    assert item.ok is False and "Department of Local Administration" in item.detail


def test_the_placeholders_are_found_by_picture_when_the_library_has_the_official_ones(
        placeholder_render, official_logos):
    """The province's own machine has the official files: the clip still shows our placeholders,
    and the receipt says so (not "missing")."""
    out, _result = placeholder_render
    receipt = check_file(out, load_preset("uttaradit"))
    [item] = [i for i in receipt.items if i.key == PLACEHOLDERS]
    assert "6 of 7 logos are placeholders" in item.detail
    # Only the SDG wheel is missing: the library's (a red square) is not our drawn wheel.
    lines = [i.detail for i in receipt.items if i.name.startswith("logos at")]
    assert lines and all(d.endswith("missing: SDG Wheel") for d in lines), lines


def test_the_demo_says_it_uses_placeholders_and_exits_0(tmp_path):
    result = run("demo", "--out-dir", tmp_path, "--seconds", "2")
    assert result.exit_code == 0, result.output
    err = " ".join(result.stderr.split())
    assert "This is a demo: it uses the placeholder logos" in err and "placeholder logos" in err
    assert (tmp_path / NAME.format(d="พิชัย")).is_file()


def test_require_official_logos_stops_before_rendering(tmp_path, clip3):
    result = run("render", clip3, "-d", "พิชัย", "-o", tmp_path / "out", "--require-official-logos")
    assert result.exit_code == 2 and "Placeholder logos are not allowed" in result.stderr
    assert not (tmp_path / "out").exists()


def test_a_batch_row_with_placeholders_is_not_ready_to_send(tmp_path, clip3):
    manifest = tmp_path / "one.csv"
    manifest.write_text(f"input,district,province,max_duration\n{clip3},พิชัย,อุตรดิตถ์,1.5\n",
                        encoding="utf-8")
    result = run("batch", manifest, "--out-dir", tmp_path / "o", "-q", "draft")
    assert result.exit_code == 1, result.output
    [job] = json.loads((tmp_path / "o" / "batch-report.json").read_text(encoding="utf-8"))["jobs"]
    assert job["status"] == "failed" and (tmp_path / "o" / job["output"]).is_file()
    assert job["check"].startswith("not ready to send: placeholder logos: 6 of 7 logos are placeholders")
    assert "overlay logos import PACK.zip" in job["check"]


# ---------------------------------------------------------------- the audit

def test_the_audit_flags_the_placeholder_clip_and_not_the_official_one(tmp_path, clip3, logo_dir):
    from overlay.audit.engine import run_audit

    folder = tmp_path / "received"
    folder.mkdir()
    official = tmp_path / "official"          # every logo official; the SDG wheel is ours
    shutil.copytree(logo_dir, official)
    (official / "sdg.png").unlink()
    for district, dirs in (("พิชัย", ()), ("ตรอน", (official,))):
        plan = r.plan(r.Job(input=clip3, district=district, out_dir=tmp_path / district,
                            max_duration=2, quality="draft", logo_dirs=dirs))
        shutil.copy(r.render_with_facts(plan).path, folder / NAME.format(d=district))
    audit = run_audit(folder, load_preset("uttaradit"), logo_dirs=(official,))
    rows = {row.district: row for row in audit.rows}
    flagged = [p for p in rows["พิชัย"].problems if "placeholder logos" in p]
    assert flagged and "6 of 7 logos are placeholders" in flagged[0], rows["พิชัย"].problems
    assert not any("missing" in p for p in rows["พิชัย"].problems if "logos" in p)
    assert not any("placeholder" in p for p in rows["ตรอน"].problems), rows["ตรอน"].problems
    assert rows["ตรอน"].clips[0].checks_ok
    # The audit's table has a column of its own for it.
    from overlay.audit.writers import write_all

    write_all(audit, tmp_path / "audit")
    import csv

    with open(tmp_path / "audit" / "audit.csv", encoding="utf-8-sig", newline="") as fh:
        table = {row["district"]: row for row in csv.DictReader(fh)}
    assert table["พิชัย"]["placeholder logos"].startswith("✗") and table["ตรอน"]["placeholder logos"] == ""


# ---------------------------------------------------------------- the logo pack

def seal(colour, size=(240, 240)) -> Image.Image:
    im = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(im)
    draw.ellipse((10, 10, size[0] - 10, size[1] - 10), fill=(*colour, 255))
    draw.rectangle((size[0] // 2 - 20, 40, size[0] // 2 + 20, size[1] - 40), fill=(255, 255, 255, 255))
    return im


COLOURS = {"moi": (200, 30, 30), "dla": (30, 150, 30), "volunteers": (30, 30, 200),
           "sdg": (200, 170, 20), "province": (150, 30, 150)}
DISTRICTS = {"พิชัย": ((0, 120, 120), (120, 60, 0)), "ตรอน": ((90, 90, 90), (0, 60, 160))}


def fill_library(tmp_path: Path) -> None:
    for key, colour in COLOURS.items():
        seal(colour).save(tmp_path / f"{key}.png")
        assert run("logos", "add", key, tmp_path / f"{key}.png", "--province", "อุตรดิตถ์").exit_code == 0
    for district, colours in DISTRICTS.items():
        for key, colour in zip(("district", "lao"), colours):
            seal(colour).save(tmp_path / f"{district}-{key}.png")
            assert run("logos", "add", key, tmp_path / f"{district}-{key}.png", "-d", district).exit_code == 0


def library_files() -> list[str]:
    root = logolib.library_dir()
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.is_dir() else []


def test_export_then_import_into_a_fresh_user_folder_then_render(tmp_path, monkeypatch):
    fill_library(tmp_path)
    pack = tmp_path / "uttaradit-logos.zip"
    result = run("logos", "export", "--province", "อุตรดิตถ์", "-o", pack)
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(pack) as zf:
        names = set(zf.namelist())
        manifest = json.loads(zf.read("manifest.json"))
    assert names == {"manifest.json", "moi.png", "dla.png", "volunteers.png", "sdg.png", PROVINCE,
                     "uttaradit/phichai/district.png", "uttaradit/phichai/lao.png",
                     "uttaradit/tron/district.png", "uttaradit/tron/lao.png"}
    assert manifest["province"] == "อุตรดิตถ์" and manifest["created"]
    entry = next(f for f in manifest["files"] if f["file"] == "uttaradit/tron/lao.png")
    assert entry["key"] == "lao" and entry["district"] == "ตรอน" and len(entry["sha256"]) == 64
    # Without --force an existing pack is not overwritten.
    assert run("logos", "export", "--province", "อุตรดิตถ์", "-o", pack).exit_code == 2

    # A district office: a fresh user folder.
    monkeypatch.setenv("OVERLAY_DATA_DIR", str(tmp_path / "district-office"))
    assert library_files() == []
    result = run("logos", "import", pack)
    assert result.exit_code == 0, result.output
    assert result.stdout.count("new") == 9 and "9 new, 0 replaced, 0 unchanged" in result.stderr
    assert len(library_files()) == 9
    again = run("logos", "import", pack)
    assert "0 new, 0 replaced, 9 unchanged" in again.stderr
    listing = run("logos", "list", "-d", "พิชัย")
    assert "PLACEHOLDER" not in listing.stdout

    clip = make_clip(tmp_path / "in.mp4", seconds=2.0, size="640x360")
    result = run("render", clip, "-d", "พิชัย", "-o", tmp_path / "out", "-q", "draft")
    assert result.exit_code == 0, result.output
    assert "placeholder" not in result.stderr.lower() and "all 7 logos found top-right" in result.stderr
    out = tmp_path / "out" / NAME.format(d="พิชัย")
    preset = load_preset("uttaradit")
    refs = district_logos(preset, preset.district("พิชัย"))
    boxes = r.logo_row(preset, refs, 640, 360).boxes
    frame = decode_frame(out, 0.0)
    for (key, colour), box in zip([*COLOURS.items(), ("district", DISTRICTS["พิชัย"][0]),
                                   ("lao", DISTRICTS["พิชัย"][1])], boxes):
        assert _share(frame, box, colour) > 0.3, key


def test_an_import_replacing_one_logo_says_so(tmp_path):
    fill_library(tmp_path)
    pack = tmp_path / "pack.zip"
    assert run("logos", "export", "--province", "อุตรดิตถ์", "-o", pack).exit_code == 0
    seal((10, 10, 10)).save(tmp_path / "other.png")
    assert run("logos", "add", "moi", tmp_path / "other.png").exit_code == 0
    result = run("logos", "import", pack)
    assert result.exit_code == 0 and "0 new, 1 replaced, 8 unchanged" in result.stderr
    assert "replaced   moi.png" in result.stdout


def _png_bytes(colour=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    seal(colour).save(buffer, "PNG")
    return buffer.getvalue()


def _pack(path: Path, files: dict[str, bytes], *, listed: dict[str, dict] | None = None,
          compression=zipfile.ZIP_DEFLATED) -> Path:
    """A pack by hand: ``listed`` overrides manifest entries (file name → fields)."""
    import hashlib

    entries = []
    for name, data in files.items():
        key = Path(name).stem if "/" not in name else Path(name).stem
        entry = {"file": name, "key": key, "district": None,
                 "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
        entry.update((listed or {}).get(name, {}))
        entries.append(entry)
    manifest = {"format": "overlay-logo-pack", "version": 1, "province": "อุตรดิตถ์",
                "created": "2025-01-01T00:00:00Z", "files": entries}
    with zipfile.ZipFile(path, "w", compression) as zf:
        zf.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False))
        for name, data in files.items():
            zf.writestr(name, data)
    return path


def _bomb(path: Path) -> Path:
    """A zip that unpacks a few kB into 200 MB of zeros under a logo's name."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.json", json.dumps({"format": "overlay-logo-pack", "version": 1,
                                                 "province": "อุตรดิตถ์", "files": []}))
        with zf.open("moi.png", "w", force_zip64=True) as fh:
            block = bytes(1 << 20)
            for _i in range(200):
                fh.write(block)
    return path


HOSTILE = {
    "dot-dot": lambda p: _pack(p, {"dla.png": _png_bytes(), "../moi.png": _png_bytes()}),
    "dot-dot-in-layout": lambda p: _pack(p, {"uttaradit/../../moi.png": _png_bytes()},
                                         listed={"uttaradit/../../moi.png": {"key": "moi"}}),
    "absolute": lambda p: _pack(p, {"dla.png": _png_bytes(), "/tmp/moi.png": _png_bytes()},
                                listed={"/tmp/moi.png": {"key": "moi"}}),
    "text-named-png": lambda p: _pack(p, {"dla.png": _png_bytes(), "moi.png": b"not a picture at all\n" * 20}),
    "tiny-picture": lambda p: _pack(p, {"dla.png": _png_bytes(), "moi.png": _tiny_png()}),
    "wrong-hash": lambda p: _pack(p, {"dla.png": _png_bytes(), "moi.png": _png_bytes()},
                                  listed={"moi.png": {"sha256": "0" * 64}}),
    "outside-layout": lambda p: _pack(p, {"uttaradit/moi.png": _png_bytes()},
                                      listed={"uttaradit/moi.png": {"key": "moi"}}),
    "not-listed": lambda p: _pack(p, {"dla.png": _png_bytes()}) and _add_member(p, "extra.png"),
    "zip-bomb": _bomb,
    "not-a-zip": lambda p: (p.write_bytes(b"PK\x03\x04 but no zip"), p)[1],
}


def _tiny_png() -> bytes:
    """A real PNG that 'logos add' refuses (1×1 pixel)."""
    buffer = io.BytesIO()
    Image.new("RGBA", (1, 1), (255, 0, 0, 255)).save(buffer, "PNG")
    return buffer.getvalue()


def _add_member(path: Path, name: str) -> Path:
    with zipfile.ZipFile(path, "a") as zf:
        zf.writestr(name, _png_bytes())
    return path


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_a_hostile_pack_is_refused_in_one_line_with_nothing_stored(tmp_path, kind):
    seal((10, 10, 10)).save(tmp_path / "mine.png")
    assert run("logos", "add", "sdg", tmp_path / "mine.png").exit_code == 0
    before = {p: (logolib.library_dir() / p).read_bytes() for p in library_files()}
    pack = HOSTILE[kind](tmp_path / "pack.zip")
    result = run("logos", "import", pack)
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in result.output, result.stderr
    assert "Nothing was stored" in lines[0]
    after = {p: (logolib.library_dir() / p).read_bytes() for p in library_files()}
    assert after == before                                  # nothing stored, nothing changed
    assert not (tmp_path.parent / "moi.png").exists() and not Path("/tmp/moi.png").exists()
