"""The logo slots on the page: the same library and checks as `overlay logos`, in-process
through the API, and in a real Chromium (drop a file on a slot, the thumbnail changes)."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from overlay import i18n, logolib

from web_support import CHROMIUM_ARGS, chromium_path, client, web_settings

BLUE = (20, 60, 200)
ARTIFACTS = Path(__file__).parent / "artifacts"
PLACE = {"province": "อุตรดิตถ์", "district": "พิชัย"}


@pytest.fixture(autouse=True)
def _english_again():
    yield
    i18n.set_language("en")


def seal_png(size=(300, 300)) -> bytes:
    im = Image.new("RGBA", size, (0, 0, 0, 0))
    ImageDraw.Draw(im).ellipse((30, 30, size[0] - 30, size[1] - 30), fill=BLUE)
    buffer = io.BytesIO()
    im.save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def web(tmp_path):
    settings = web_settings(tmp_path)
    with client(settings) as c:
        yield c, settings


def test_the_job_page_has_the_logo_section(web):
    c, _settings = web
    page = c.get("/").text
    assert 'data-testid="logo-slots"' in page and "/static/logos.js" in page
    assert page.index('id="step-where"') < page.index('id="step-logos"') < page.index('id="step-subs"')
    assert c.get("/static/logos.js").status_code == 200


def test_the_seven_slots_in_the_letters_order_with_placeholder_marks(web):
    c, _settings = web
    data = c.get("/api/logos", params=PLACE).json()
    assert [s["key"] for s in data["slots"]] == ["moi", "dla", "volunteers", "sdg", "province",
                                                 "district", "lao"]
    assert data["placeholders"] == ["moi", "dla", "volunteers", "province", "district", "lao"]
    assert data["label"] == "อำเภอพิชัย จังหวัดอุตรดิตถ์" and data["row"]
    thumb = c.get(data["slots"][5]["thumb"])
    assert thumb.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(thumb.content)).height == 96
    assert c.get(data["row"]).headers["content-type"] == "image/png"
    # No district yet: the province-wide five, and no row.
    data = c.get("/api/logos", params={"province": "อุตรดิตถ์"}).json()
    assert [s["key"] for s in data["slots"]] == ["moi", "dla", "volunteers", "sdg", "province"]
    assert data["row"] is None


def test_a_file_stored_on_a_slot_lands_in_the_library(web):
    c, settings = web
    r = c.post("/api/logos/district", params=PLACE,
               files={"file": ("ตราอำเภอพิชัย.png", seal_png(), "image/png")})
    assert r.status_code == 200, r.text
    data = r.json()
    slot = {s["key"]: s for s in data["slots"]}["district"]
    assert (slot["placeholder"], slot["source"], slot["stored"]) == (False, "library", True)
    assert "district" not in data["placeholders"]
    stored = logolib.library_dir() / "uttaradit/phichai/district.png"
    assert stored.is_file() and logolib.added_from(stored) == "ตราอำเภอพิชัย.png"
    assert not list((settings.work_dir / "logo-uploads").iterdir())     # the upload is not kept
    thumb = np.asarray(Image.open(io.BytesIO(c.get(slot["thumb"]).content)).convert("RGB"))
    assert np.abs(thumb[48, thumb.shape[1] // 2].astype(int) - BLUE).max() < 10
    # Undo: the placeholder is back.
    data = c.delete("/api/logos/district", params=PLACE).json()
    assert "district" in data["placeholders"] and not stored.exists()


def test_the_same_checks_as_logos_add(web):
    c, _settings = web
    one = io.BytesIO()
    Image.new("RGBA", (1, 1), (255, 0, 0, 255)).save(one, "PNG")
    r = c.post("/api/logos/moi", params=PLACE, files={"file": ("dot.png", one.getvalue(), "image/png")})
    assert r.status_code == 400 and 'dot.png for the "moi" logo is only 1×1 pixels' in r.json()["error"]
    half = seal_png()[:400]
    r = c.post("/api/logos/lao", params=PLACE, files={"file": ("broken.png", half, "image/png")})
    assert r.status_code == 400 and 'broken.png for the "lao" logo' in r.json()["error"]
    r = c.post("/api/logos/flag", params=PLACE, files={"file": ("a.png", seal_png(), "image/png")})
    assert r.status_code == 400 and 'Unknown logo "flag"' in r.json()["error"]
    r = c.post("/api/logos/district", params={"province": "อุตรดิตถ์"},
               files={"file": ("a.png", seal_png(), "image/png")})
    assert r.status_code == 400 and "district" in r.json()["error"] and "--" not in r.json()["error"]
    # A hostile file name is only ever a name.
    r = c.post("/api/logos/moi", params=PLACE, files={"file": ("../../evil.png", seal_png(), "image/png")})
    assert r.status_code == 200 and logolib.added_from(logolib.library_dir() / "moi.png") == "evil.png"


def test_the_api_needs_the_token(tmp_path):
    with client(web_settings(tmp_path), token=False) as c:
        assert c.get("/api/logos", params=PLACE).status_code == 403
        r = c.post("/api/logos/moi", params=PLACE, files={"file": ("a.png", seal_png(), "image/png")})
        assert r.status_code == 403
    assert not (logolib.library_dir() / "moi.png").exists()


# ---------------------------------------------------------------- a real browser

def _chromium():
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install '.[test]')")
    if chromium_path() is None:
        pytest.skip("no Chromium on this machine (CI installs Debian's chromium)")


def _district_box(w: int, h: int):
    from overlay.logofiles import district_logos, logo_row
    from overlay.presets import load_preset

    preset = load_preset("uttaradit")
    return logo_row(preset, district_logos(preset, preset.district("พิชัย")), w, h).boxes[5]


PIXEL_JS = """([testid, x, y]) => {
    const img = document.querySelector(`[data-testid=${testid}]`);
    const canvas = document.createElement('canvas');
    canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
    const ctx = canvas.getContext('2d'); ctx.drawImage(img, 0, 0);
    return Array.from(ctx.getImageData(x, y, 1, 1).data); }"""

LOADED_JS = """(testid) => { const img = document.querySelector(`[data-testid=${testid}]`);
    return !img.hidden && img.complete && img.naturalWidth > 0; }"""


def test_drop_a_logo_on_a_slot_and_the_thumbnail_and_preview_change(tmp_path, media):
    _chromium()
    from playwright.sync_api import sync_playwright

    from overlay.web.server import start_in_thread

    from conftest import make_clip

    clip = make_clip(media / "logo-slots.mp4", seconds=2, size="640x360")
    x0, y0, x1, y1 = _district_box(640, 360)
    running = start_in_thread(web_settings(tmp_path))
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1100, "height": 900},
                                    bypass_csp=True)   # wait_for_function("…") evaluates text
            page.set_default_timeout(30_000)
            messages: list[str] = []
            page.on("pageerror", lambda e: messages.append(str(e)))
            page.goto(running.url)
            # The page as a user fills it: the clip, then the district in the "where" step.
            page.get_by_test_id("clip-input").set_input_files(str(clip))
            page.get_by_test_id("clip-facts").wait_for()
            assert page.get_by_test_id("province-select").input_value() == PLACE["province"]
            page.get_by_test_id("district-filter").fill("Phic")
            page.get_by_test_id("district-select").select_option(PLACE["district"])
            slot = page.get_by_test_id("logo-slot-district")
            slot.wait_for()
            assert slot.get_attribute("data-placeholder") == "1", messages
            assert "PLACEHOLDER" in page.get_by_test_id("logo-mark-district").inner_text()
            assert page.get_by_test_id("logo-place").inner_text() == "อำเภอพิชัย จังหวัดอุตรดิตถ์"
            page.wait_for_function("document.getElementById('preview-image').src.startsWith('blob:')")
            before = page.get_by_test_id("logo-thumb-district").get_attribute("src")
            preview_before = page.get_by_test_id("preview-image").get_attribute("src")
            row_before = page.get_by_test_id("logo-row").get_attribute("src")
            page.wait_for_function(LOADED_JS, arg="preview-image")
            placeholder = page.evaluate(PIXEL_JS, ["preview-image", (x0 + x1) // 2, (y0 + y1) // 2])
            assert np.abs(np.array(placeholder[:3]) - BLUE).max() > 60, placeholder   # not blue yet

            transfer = page.evaluate_handle("""(b64) => {
                const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
                const data = new DataTransfer();
                data.items.add(new File([bytes], "phichai-seal.png", {type: "image/png"}));
                return data; }""", base64.b64encode(seal_png()).decode())
            slot.dispatch_event("dragover", {"dataTransfer": transfer})
            slot.dispatch_event("drop", {"dataTransfer": transfer})

            # The slot: no longer a placeholder, and its thumbnail is the dropped logo.
            page.wait_for_selector('[data-testid=logo-slot-district][data-placeholder="0"]')
            assert page.get_by_test_id("logo-thumb-district").get_attribute("src") != before
            assert "PLACEHOLDER" not in page.get_by_test_id("logo-mark-district").inner_text()
            page.wait_for_function(LOADED_JS, arg="logo-thumb-district")
            size = page.evaluate("""() => { const i = document.querySelector('[data-testid=logo-thumb-district]');
                                            return [i.naturalWidth, i.naturalHeight]; }""")
            centre = page.evaluate(PIXEL_JS, ["logo-thumb-district", size[0] // 2, size[1] // 2])
            assert np.abs(np.array(centre[:3]) - BLUE).max() < 12, centre
            assert page.get_by_test_id("logo-row").get_attribute("src") != row_before
            assert "district" not in page.get_by_test_id("logo-status").inner_text()
            # The preview is drawn again, with the new logo in the district's place.
            # (Waited for by its pixels: an earlier preview may still land first.)
            page.wait_for_function(f"""([x, y]) => {{ const i = document.getElementById('preview-image');
                if (i.src === {preview_before!r} || !i.complete || i.naturalWidth !== 640) return false;
                const p = ({PIXEL_JS})(["preview-image", x, y]);
                return Math.abs(p[0] - {BLUE[0]}) < 40 && Math.abs(p[1] - {BLUE[1]}) < 40
                    && Math.abs(p[2] - {BLUE[2]}) < 40; }}""", arg=[(x0 + x1) // 2, (y0 + y1) // 2])
            page.wait_for_function(LOADED_JS, arg="logo-row")
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "logo-slots.png"), full_page=True)
            # A refused file says why, in the page's error box, and the slot stays as it was.
            page.get_by_test_id("logo-input-lao").set_input_files(
                files=[{"name": "broken.png", "mimeType": "image/png", "buffer": seal_png()[:300]}])
            error = page.get_by_test_id("error")
            error.wait_for(state="visible")
            assert 'broken.png for the "lao" logo' in error.inner_text()
            assert page.get_by_test_id("logo-slot-lao").get_attribute("data-placeholder") == "1"
            assert not messages, messages
            browser.close()
    finally:
        running.stop()
    assert (logolib.library_dir() / "uttaradit/phichai/district.png").is_file()


# ---------------------------------------------------------------- the logo pack (issue 22)

def _fill_library(colours=((200, 30, 30), (30, 150, 30), (30, 30, 200), (200, 170, 20), (150, 30, 150))) -> None:
    """Official files for the five province-wide logos and พิชัย's two, added as 'logos add' does."""
    import tempfile

    keys = ("moi", "dla", "volunteers", "sdg", "province", "district", "lao")
    t = logolib.target(None, PLACE["province"], PLACE["district"])
    with tempfile.TemporaryDirectory() as tmp:
        for n, key in enumerate(keys):
            im = Image.new("RGBA", (240, 240), (0, 0, 0, 0))
            colour = colours[n] if n < len(colours) else (20 + 40 * n, 90, 120)
            ImageDraw.Draw(im).ellipse((10, 10, 230, 230), fill=colour)
            ImageDraw.Draw(im).rectangle((100, 40, 140, 200), fill="white")
            im.save(Path(tmp) / f"{key}.png")
            logolib.add(t, key, Path(tmp) / f"{key}.png")


def test_the_logo_step_says_where_the_files_come_from_and_offers_the_pack(web):
    c, _settings = web
    page = c.get("/").text
    for testid in ("logo-pack-input", "logo-pack-export", "logo-suppliers"):
        assert f'data-testid="{testid}"' in page
    assert "Import a logo pack" in page and "Export a logo pack" in page
    assert "the DLA&#39;s letter and its attachments" in page and "from the provincial office" in page
    slots = {s["key"]: s for s in c.get("/api/logos", params=PLACE).json()["slots"]}
    assert "DLA's letter" in slots["moi"]["supplier"] and "provincial office" in slots["district"]["supplier"]
    # In Thai, in plain words.
    c.cookies.set("overlay_lang", "th")
    try:
        thai = c.get("/").text
    finally:
        c.cookies.delete("overlay_lang")
    assert "นำเข้าชุดโลโก้" in thai and "สำนักงานส่งเสริมการปกครองท้องถิ่นจังหวัด" in thai


def test_export_and_import_a_pack_through_the_page_api(web, tmp_path, monkeypatch):
    c, _settings = web
    _fill_library()
    r = c.get("/api/logos/pack.zip", params={"province": PLACE["province"]})
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    assert 'filename="uttaradit-logos.zip"' in r.headers["content-disposition"]
    pack = r.content
    # Another office: a fresh user folder, all placeholders.
    monkeypatch.setenv("OVERLAY_DATA_DIR", str(tmp_path / "other-office"))
    assert len(c.get("/api/logos", params=PLACE).json()["placeholders"]) == 6
    r = c.post("/api/logos/pack", params=PLACE, files={"file": ("uttaradit-logos.zip", pack, "application/zip")})
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["placeholders"] == [] and data["imported"] == {"new": 7, "replaced": 0, "unchanged": 0}
    assert data["notes"][0].startswith("Logo pack of จังหวัดอุตรดิตถ์: 7 new")
    again = c.post("/api/logos/pack", params=PLACE, files={"file": ("p.zip", pack, "application/zip")}).json()
    assert again["imported"] == {"new": 0, "replaced": 0, "unchanged": 7}


def test_a_hostile_pack_on_the_page_is_refused_with_nothing_stored(web):
    import zipfile

    c, settings = web
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("manifest.json", '{"format": "overlay-logo-pack", "province": "อุตรดิตถ์", "files": []}')
        zf.writestr("../../moi.png", seal_png())
    r = c.post("/api/logos/pack", params=PLACE, files={"file": ("p.zip", buffer.getvalue(), "application/zip")})
    assert r.status_code == 400 and "outside the pack's layout" in r.json()["error"]
    assert "Nothing was stored" in r.json()["error"]
    assert not logolib.library_dir().exists() or not any(logolib.library_dir().rglob("*.png"))
    assert not list((settings.work_dir / "logo-uploads").iterdir())
    r = c.get("/api/logos/pack.zip", params={"province": PLACE["province"]})
    assert r.status_code == 400 and "no logos for จังหวัดอุตรดิตถ์" in r.json()["error"]


def test_a_page_render_with_placeholders_is_not_ready_to_send(web, media):
    import time

    from conftest import make_clip

    c, _settings = web
    clip = make_clip(media / "placeholders-page.mp4", seconds=2, size="320x180")
    upload = c.post("/api/uploads", params={"kind": "clip", "name": "c.mp4"}, content=clip.read_bytes()).json()
    job = c.post("/api/jobs", json={"input": upload["id"], "district": "พิชัย", "province": "อุตรดิตถ์"}).json()
    deadline = time.time() + 120
    while not (job := c.get(f"/api/jobs/{job['id']}").json())["final"] and time.time() < deadline:
        time.sleep(0.1)
    assert job["status"] == "failed" and job["download"], job       # written, to be looked at
    [item] = [i for i in job["receipt"] if i.get("key") == "logos.placeholders"]
    assert item["ok"] is False and item["detail"].startswith("6 of 7 logos are placeholders")
    assert "Import a logo pack" in item["hint"] and "overlay logos" not in item["hint"]
    assert "Not ready to send" in c.get("/").text


def test_import_a_logo_pack_on_the_page(tmp_path, monkeypatch):
    """Drop the province's zip on "Import a logo pack": every slot is official at once."""
    import zipfile

    _chromium()
    from playwright.sync_api import sync_playwright

    from overlay.web.server import start_in_thread

    _fill_library()
    pack = tmp_path / "uttaradit-logos.zip"
    logolib.export_pack(PLACE["province"], pack)
    monkeypatch.setenv("OVERLAY_DATA_DIR", str(tmp_path / "district-office"))
    running = start_in_thread(web_settings(tmp_path))
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1100, "height": 900},
                                    bypass_csp=True)   # wait_for_function("…") evaluates text
            page.set_default_timeout(30_000)
            messages: list[str] = []
            page.on("pageerror", lambda e: messages.append(str(e)))
            page.goto(running.url)
            page.get_by_test_id("district-filter").fill("Phic")
            page.get_by_test_id("district-select").select_option(PLACE["district"])
            page.wait_for_selector('[data-testid=logo-slot-district][data-placeholder="1"]')
            assert "DLA's letter" in page.get_by_test_id("logo-slot-moi").inner_text()
            href = page.get_by_test_id("logo-pack-export").get_attribute("href")
            assert href.startswith("/api/logos/pack.zip?province=")

            transfer = page.evaluate_handle("""(b64) => {
                const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
                const data = new DataTransfer();
                data.items.add(new File([bytes], "uttaradit-logos.zip", {type: "application/zip"}));
                return data; }""", base64.b64encode(pack.read_bytes()).decode())
            drop = page.get_by_test_id("logo-pack-drop")
            drop.dispatch_event("dragover", {"dataTransfer": transfer})
            drop.dispatch_event("drop", {"dataTransfer": transfer})
            page.wait_for_selector('[data-testid=logo-slot-district][data-placeholder="0"]')
            for key in ("moi", "dla", "volunteers", "sdg", "province", "district", "lao"):
                assert page.get_by_test_id(f"logo-slot-{key}").get_attribute("data-placeholder") == "0", key
            assert "7 new" in page.get_by_test_id("logo-notes").inner_text()
            assert page.get_by_test_id("logo-status").inner_text() == "All logos are official."
            # The office can hand the same pack on: "Export a logo pack" downloads it.
            with page.expect_download() as download:
                page.get_by_test_id("logo-pack-export").click()
            assert download.value.suggested_filename == "uttaradit-logos.zip"
            saved = tmp_path / "again.zip"
            download.value.save_as(saved)
            with zipfile.ZipFile(saved) as zf:
                assert "manifest.json" in zf.namelist() and "uttaradit/phichai/lao.png" in zf.namelist()
            # A broken pack chosen with the file picker: refused in the error box, nothing changes.
            page.get_by_test_id("logo-pack-input").set_input_files(
                files=[{"name": "bad.zip", "mimeType": "application/zip", "buffer": b"PK\x03\x04 nope"}])
            error = page.get_by_test_id("error")
            error.wait_for(state="visible")
            assert "is not a zip file" in error.inner_text() and "Nothing was stored" in error.inner_text()
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "logo-pack.png"), full_page=True)
            assert not messages, messages
            browser.close()
    finally:
        running.stop()
