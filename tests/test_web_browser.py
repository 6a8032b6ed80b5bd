"""The page in a real Chromium (Debian's), driven by Playwright; screenshots kept as artefacts.

Few and quick: one journey that does most steps, then the short refusals. Screenshots of each
step go to tests/artifacts/ (git-ignored); the README's come from there.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from conftest import make_clip
from web_support import CHROMIUM_ARGS, chromium_path, web_settings

pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install '.[test]')")
if chromium_path() is None:
    pytest.skip("no Chromium on this machine (CI installs Debian's chromium)", allow_module_level=True)

from overlay.probe import probe
from overlay.tools import ffmpeg_exe

ARTIFACTS = Path(__file__).parent / "artifacts"
THAI_SRT = ("1\n00:00:01,000 --> 00:00:03,500\nธนาคารขยะต้นแบบของตำบลเรา ช่วยลดค่าใช้จ่ายในการเก็บขยะ\n\n"
            "2\n00:00:03,500 --> 00:00:05,000\n<script>alert(1)</script>ขอบคุณครับ\n\n")


@pytest.fixture(autouse=True)
def _english_again():
    """The page's language switch also sets the engine's language (same process here)."""
    from overlay import i18n

    yield
    i18n.set_language("en")


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def settings(tmp_path, official_logos):
    return web_settings(tmp_path)


@pytest.fixture
def server(settings):
    from overlay.web.server import start_in_thread

    running = start_in_thread(settings)
    yield running
    running.stop()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(locale="th-TH", viewport={"width": 1100, "height": 900},
                                  bypass_csp=True,   # wait_for_function("…") evaluates text
                                  accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(server.url)
    page.get_by_test_id("lang-th").click()
    page.wait_for_selector("html[lang=th]")
    yield page
    context.close()


def shot(page, name: str, *steps: str) -> None:
    """The whole page, and each named step alone (the README's screenshots come from these)."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    for step in steps:
        page.locator(f"#{step}").screenshot(path=str(ARTIFACTS / f"{step}.png"))


def seek(page, seconds: float) -> None:
    page.evaluate("""t => new Promise(done => {
        const v = document.getElementById('player');
        v.addEventListener('seeked', () => done(), {once: true});
        v.currentTime = t; })""", seconds)


def choose_district(page, search: str, value: str) -> None:
    page.get_by_test_id("district-filter").fill(search)
    page.get_by_test_id("district-select").select_option(value)
    page.wait_for_function("document.getElementById('file-name').textContent.includes('อำเภอ')")


def wait_preview(page) -> None:
    page.wait_for_function("document.getElementById('preview-image').src.startsWith('blob:') && "
                           "!document.getElementById('preview-image').classList.contains('loading')")


def wait_receipt(page, timeout: float = 60_000) -> None:
    """Until the receipt is shown; a render error fails with the page's own message."""
    try:
        page.wait_for_function("document.querySelector('#receipt li') || "
                               "!document.querySelector('[data-testid=error]').hidden", timeout=timeout)
    except Exception:
        shot(page, "timeout")
        state = page.evaluate("[document.getElementById('eta').textContent, "
                              "document.getElementById('progress').dataset.status]")
        raise AssertionError(f"no receipt; the page says {state}") from None
    error = page.get_by_test_id("error")
    assert not error.is_visible(), error.inner_text()


def outputs(settings) -> list[Path]:
    return sorted(settings.output_dir.glob("*")) if settings.output_dir.exists() else []


def test_journey(page, settings, media, tmp_path):
    clip = make_clip(media / "journey.mp4", seconds=6, size="640x360")
    srt = tmp_path / "คำบรรยาย.srt"
    srt.write_text(THAI_SRT, encoding="utf-8")
    assert "ทำคลิปธนาคารขยะต้นแบบ" in page.locator("h1").inner_text()
    assert page.evaluate("document.fonts.check('16px Loma', 'ทดสอบ')")   # the shipped font

    # 1. the clip
    page.get_by_test_id("clip-input").set_input_files(str(clip))
    page.get_by_test_id("clip-facts").wait_for()
    assert "0:06" in page.get_by_test_id("clip-facts").inner_text()
    page.wait_for_function("document.getElementById('player').readyState >= 2")
    shot(page, "01-clip", "step-clip")

    # 2. the part to keep, 3. where, 4. subtitles
    seek(page, 1.0)
    page.get_by_test_id("start-button").click()
    seek(page, 4.0)
    page.get_by_test_id("end-button").click()
    assert "0:03.0" in page.get_by_test_id("kept-length").inner_text()
    # the letter's topics: each YouTube chapter lasts at least 10 s, so a 3 s part has no
    # room for one: the mark is refused where it is made, with the topic's title
    seek(page, 1.0)
    page.get_by_test_id("chapter-setup-button").click()
    page.get_by_test_id("chapter-problem").wait_for()
    assert "การขับเคลื่อน" in page.get_by_test_id("chapter-problem").inner_text()
    assert page.get_by_test_id("chapter-setup-time").inner_text() == ""
    assert page.get_by_test_id("province-select").input_value() == "อุตรดิตถ์"
    choose_district(page, "Phic", "พิชัย")
    name = "ธนาคารขยะต้นแบบระดับอำเภอ (Best Practice) อำเภอพิชัยจังหวัดอุตรดิตถ์.mp4"
    assert page.get_by_test_id("file-name").inner_text() == name
    page.get_by_test_id("lao-input").fill("เทศบาลตำบล<b>ทดสอบ</b>")
    page.get_by_test_id("lao-input").dispatch_event("change")
    page.get_by_test_id("subs-th-input").set_input_files(str(srt))
    page.get_by_test_id("subs-report-th").wait_for()
    report = page.get_by_test_id("subs-report-th").inner_text()
    assert "utf-8" in report and "<script>" in report     # shown as text, never run
    shot(page, "02-where-subs", "step-trim", "step-where", "step-subs")

    # 5. preview
    wait_preview(page)
    assert page.evaluate("document.getElementById('preview-image').naturalWidth") == 640
    shot(page, "03-preview", "step-preview")

    # 6. render
    page.get_by_test_id("render-button").click()
    page.wait_for_function("document.getElementById('progress').value > 0")
    wait_receipt(page)
    assert page.get_by_test_id("receipt").locator("li.bad").count() == 0
    assert page.get_by_test_id("receipt").locator("li.ok").count() >= 8
    assert page.get_by_test_id("progress").evaluate("p => p.value") == 1
    shot(page, "04-done", "step-render")
    with page.expect_download() as info:
        page.get_by_test_id("download-link").click()
    downloaded = tmp_path / "downloaded.mp4"
    info.value.save_as(downloaded)
    assert info.value.suggested_filename == name
    assert abs(probe(downloaded).duration - 3.0) < 0.1
    assert (settings.output_dir / name).read_bytes() == downloaded.read_bytes()
    from overlay.web.jobstore import JobStore

    [job] = JobStore(settings.db_path).jobs(1)
    assert "chapters" not in job.settings               # refused marks never reach the job

    # 7. history
    page.reload()
    page.locator("#history-rows tr[data-status=done]").wait_for()
    shot(page, "05-history", "history")


def test_typo_cannot_be_chosen(page):
    page.get_by_test_id("district-filter").fill("พิไช")
    assert page.get_by_test_id("district-select").locator("option").count() == 0
    assert "พิไช" in page.locator("#district-hint").inner_text()
    assert page.get_by_test_id("file-name").inner_text() == ""
    assert page.get_by_test_id("render-button").is_disabled()


def test_text_file_renamed_mp4_shows_thai_error(page, settings, tmp_path):
    fake = tmp_path / "วิดีโอ.mp4"
    fake.write_text("นี่ไม่ใช่วิดีโอ\n" * 100, encoding="utf-8")
    page.get_by_test_id("clip-input").set_input_files(str(fake))
    error = page.get_by_test_id("error")
    error.wait_for()
    text = error.inner_text()
    assert "วิดีโอ.mp4" in text and "ffmpeg" in text and "ไม่ใช่" in text, text
    shot(page, "06-not-a-video")
    assert not any((settings.work_dir / "uploads").glob("*/*"))


def test_cancel_leaves_nothing(page, settings, media):
    clip = make_clip(media / "cancel.mp4", seconds=30, size="1280x720")
    page.get_by_test_id("clip-input").set_input_files(str(clip))
    page.get_by_test_id("clip-facts").wait_for()
    choose_district(page, "ลับ", "ลับแล")
    wait_preview(page)
    page.get_by_test_id("render-button").click()
    page.get_by_test_id("cancel-button").wait_for()
    page.wait_for_function("document.getElementById('progress').value > 0")
    page.get_by_test_id("cancel-button").click()
    page.wait_for_function("document.getElementById('progress').dataset.status === 'cancelled'")
    assert outputs(settings) == []
    assert page.get_by_test_id("receipt").locator("li").count() == 0
    shot(page, "07-cancelled")


def test_hevc_10bit_mov_plays_through_proxy_and_trims(page, settings, media, tmp_path):
    mov = media / "iphone-hevc10.mov"
    subprocess.run([ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
                    "-f", "lavfi", "-i", "testsrc=size=640x360:rate=30:duration=5",
                    "-f", "lavfi", "-i", "sine=frequency=440:duration=5",
                    "-c:v", "libx265", "-preset", "ultrafast", "-pix_fmt", "yuv420p10le",
                    "-tag:v", "hvc1", "-x265-params", "log-level=error", "-c:a", "aac", "-shortest",
                    str(mov)], check=True)
    assert probe(mov).video.bit_depth == 10
    page.get_by_test_id("clip-input").set_input_files(str(mov))
    page.get_by_test_id("clip-facts").wait_for()
    # the page's player plays it (through the H.264 proxy when Chromium cannot)
    page.wait_for_function("document.getElementById('player').readyState >= 2", timeout=60_000)
    assert abs(page.evaluate("document.getElementById('player').duration") - 5.0) < 0.2
    page.evaluate("document.getElementById('player').play()")
    page.wait_for_function("document.getElementById('player').currentTime > 0.3")
    page.evaluate("document.getElementById('player').pause()")
    seek(page, 1.5)
    page.get_by_test_id("start-button").click()
    seek(page, 4.0)
    page.get_by_test_id("end-button").click()
    choose_district(page, "Tron", "ตรอน")
    wait_preview(page)        # the preview appearing moves the button: click after it
    shot(page, "08-hevc-proxy")
    page.get_by_test_id("render-button").click()

    wait_receipt(page)
    assert page.get_by_test_id("receipt").locator("li.bad").count() == 0
    [out] = outputs(settings)
    assert abs(probe(out).duration - 2.5) < 0.1


def file_transfer(page, path: Path, name: str):
    """A DataTransfer holding the file, as a drag from the file manager carries it."""
    import base64

    return page.evaluate_handle("""([data, name]) => {
        const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
        const transfer = new DataTransfer();
        transfer.items.add(new File([bytes], name, { type: "video/mp4" }));
        return transfer; }""", [base64.b64encode(path.read_bytes()).decode(), name])


def test_a_clip_dropped_on_the_page_is_sent_and_probed(page, clip3):
    zone = page.get_by_test_id("clip-drop")
    transfer = file_transfer(page, clip3, "คลิปที่ลากมา.mp4")
    zone.dispatch_event("dragenter", {"dataTransfer": transfer})
    zone.dispatch_event("dragover", {"dataTransfer": transfer})
    assert "over" in zone.get_attribute("class")        # the zone shows it will take the file
    zone.dispatch_event("drop", {"dataTransfer": transfer})
    facts = page.get_by_test_id("clip-facts")
    facts.wait_for()
    assert "คลิปที่ลากมา.mp4" in facts.inner_text() and "0:03" in facts.inner_text()
    assert "over" not in zone.get_attribute("class")
    page.wait_for_function("document.getElementById('player').readyState >= 1")
    shot(page, "09-dropped", "step-clip")

    # a near miss (beside the zone) is the clip too: the browser does not leave the page
    heading = page.locator("h1")
    transfer = file_transfer(page, clip3, "วางข้างกรอบ.mp4")
    for kind in ("dragenter", "dragover", "drop"):
        heading.dispatch_event(kind, {"dataTransfer": transfer})
    page.wait_for_function("document.getElementById('clip-facts').textContent.includes('วางข้างกรอบ.mp4')")
    assert page.get_by_test_id("clip-facts").is_visible()
