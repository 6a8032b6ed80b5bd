"""The subtitle editor of step 4 (issue 23, finding 1) in a real Chromium: lines typed against
the page's player, downloaded as SRT, burned by the render; an uploaded SRT opened in it;
delete, ±0.1 s, the flags, a pasted script. A 1366×768 laptop, as the district offices have."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from conftest import make_clip
from web_support import CHROMIUM_ARGS, chromium_path, web_settings

pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install '.[test]')")
if chromium_path() is None:
    pytest.skip("no Chromium on this machine (CI installs Debian's chromium)", allow_module_level=True)

from overlay.measure import frames_at
from overlay.subtitles import parse_srt

LONG_THAI = ("ธนาคารขยะต้นแบบของตำบลเราช่วยลดค่าใช้จ่ายในการเก็บขยะของเทศบาลได้มากกว่าครึ่งหนึ่ง "
             "และทำให้ชุมชนสะอาดขึ้นทุกวัน เราจึงขอเชิญชวนทุกครัวเรือนมาร่วมกันคัดแยกขยะก่อนทิ้งทุกครั้ง "
             "เพื่อสิ่งแวดล้อมที่ดีของลูกหลานของเราในวันข้างหน้า และเพื่อรายได้ที่เพิ่มขึ้นของทุกครอบครัว")


@pytest.fixture(autouse=True)
def _english_again():
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
    context = browser.new_context(locale="th-TH", viewport={"width": 1366, "height": 768},
                                  accept_downloads=True, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(server.url)
    page.get_by_test_id("lang-th").click()
    page.wait_for_selector("html[lang=th]")
    yield page
    context.close()


@pytest.fixture(scope="module")
def plain_clip(tmp_path_factory) -> Path:
    """6 s of one flat colour: any change at the bottom of a frame is the subtitle."""
    folder = tmp_path_factory.mktemp("editor")
    return make_clip(folder / "flat.mp4", seconds=6, size="640x360", source="color=c=0x406080")


def load_clip(page, clip: Path) -> None:
    page.get_by_test_id("clip-input").set_input_files(str(clip))
    page.get_by_test_id("clip-facts").wait_for()
    page.wait_for_function("document.getElementById('player').readyState >= 2")


def seek(page, seconds: float) -> None:
    page.evaluate("""t => new Promise(done => {
        const v = document.getElementById('player');
        v.addEventListener('seeked', () => done(), {once: true});
        v.currentTime = t; })""", seconds)


def type_cue(page, start: float, end: float, text: str) -> None:
    seek(page, start)
    page.get_by_test_id("cue-add").click()
    page.get_by_test_id("cue-text").fill(text)
    seek(page, end)
    page.get_by_test_id("cue-end-button").click()


def rows(page):
    return page.get_by_test_id("cue-row")


def wait_saved(page) -> None:
    page.wait_for_function("document.getElementById('subs-editor-status').dataset.state === 'saved'")


def download_srt(page, tmp_path: Path) -> tuple[str, str]:
    with page.expect_download() as info:
        page.get_by_test_id("subs-editor-download").click()
    target = tmp_path / info.value.suggested_filename
    info.value.save_as(target)
    return info.value.suggested_filename, target.read_bytes().decode("utf-8")   # UTF-8 or it fails


def times(srt: str) -> list[tuple[float, float, str]]:
    cues, problems = parse_srt(srt)
    assert problems == []
    return [(c.start, c.end, c.text) for c in cues]


def test_two_cues_typed_against_the_player_download_and_render(page, settings, plain_clip, tmp_path):
    load_clip(page, plain_clip)
    editor = page.get_by_test_id("subs-editor")
    editor.scroll_into_view_if_needed()
    assert "Alt" in page.get_by_test_id("subs-editor-keys").inner_text()     # shortcuts shown
    type_cue(page, 1.0, 2.6, "ธนาคารขยะต้นแบบ")
    type_cue(page, 3.0, 4.6, "ขอบคุณครับ")
    assert rows(page).count() == 2
    assert page.get_by_test_id("cue-row-text").all_inner_texts() == ["ธนาคารขยะต้นแบบ", "ขอบคุณครับ"]
    # the line as it will be burned, laid out by the server
    page.get_by_test_id("cue-burn").wait_for()
    assert page.get_by_test_id("cue-burn").inner_text().strip() == "ขอบคุณครับ"

    name, srt = download_srt(page, tmp_path)
    assert name.endswith(".srt")
    got = times(srt)
    assert [text for _s, _e, text in got] == ["ธนาคารขยะต้นแบบ", "ขอบคุณครับ"]
    for (start, end, _t), (want_start, want_end) in zip(got, [(1.0, 2.6), (3.0, 4.6)], strict=True):
        assert abs(start - want_start) < 0.3 and abs(end - want_end) < 0.3, got

    # kept with the job: the render burns them, as it would an uploaded SRT
    page.get_by_test_id("district-filter").fill("Phic")
    page.get_by_test_id("district-select").select_option("พิชัย")
    page.wait_for_function("document.getElementById('file-name').textContent.includes('อำเภอ')")
    wait_saved(page)
    page.get_by_test_id("render-button").click()
    page.wait_for_function("document.querySelector('#receipt li') || "
                           "!document.querySelector('[data-testid=error]').hidden", timeout=120_000)
    assert not page.get_by_test_id("error").is_visible(), page.get_by_test_id("error").inner_text()
    from overlay.web.jobstore import JobStore

    [job] = JobStore(settings.db_path).jobs(1)
    upload = JobStore(settings.db_path).get_upload(job.settings["subs_th"])
    assert times(Path(upload.path).read_text(encoding="utf-8")) == got
    [out] = sorted(settings.output_dir.glob("*.mp4"))
    frames = frames_at(out, [1.8, 2.8, 3.8])
    bottom = [f[int(f.shape[0] * 0.7):, :, :].astype(int) for f in frames]
    without = bottom[1]                                      # between the two lines
    for with_text in (bottom[0], bottom[2]):
        changed = np.abs(with_text - without).max(axis=2) > 60
        assert changed.sum() > 200, changed.sum()           # the white text on the flat colour


def test_uploaded_srt_opens_in_the_editor_move_and_delete(page, plain_clip, tmp_path):
    load_clip(page, plain_clip)
    srt = tmp_path / "คำบรรยาย.srt"
    srt.write_bytes(("1\r\n00:00:01,000 --> 00:00:02,000\r\nสวัสดีครับ\r\n\r\n"
                     "2\r\n00:00:03,000 --> 00:00:04,500\r\nขอบคุณครับ\r\n").encode("cp874"))
    page.get_by_test_id("subs-th-input").set_input_files(str(srt))
    page.wait_for_function("document.querySelectorAll('[data-testid=cue-row]').length === 2")
    assert page.get_by_test_id("cue-row-text").all_inner_texts() == ["สวัสดีครับ", "ขอบคุณครับ"]
    assert page.evaluate("window.overlayEditor.getCues('th')") == [
        {"start": 1.0, "end": 2.0, "text": "สวัสดีครับ"}, {"start": 3.0, "end": 4.5, "text": "ขอบคุณครับ"}]

    first = rows(page).nth(0)
    first.get_by_test_id("cue-later").click()
    first = rows(page).nth(0)
    first.get_by_test_id("cue-later").click()
    rows(page).nth(1).get_by_test_id("cue-earlier").click()
    cues = page.evaluate("window.overlayEditor.getCues('th')")
    assert cues[0]["start"] == pytest.approx(1.2) and cues[0]["end"] == pytest.approx(2.2)
    assert cues[1]["start"] == pytest.approx(2.9) and cues[1]["end"] == pytest.approx(4.4)
    assert rows(page).nth(0).get_by_test_id("cue-start").input_value() == "0:01.2"

    rows(page).nth(0).get_by_test_id("cue-delete").click()
    assert rows(page).count() == 1
    wait_saved(page)
    _name, text = download_srt(page, tmp_path)
    assert times(text) == [(2.9, 4.4, "ขอบคุณครับ")]
    # the subtitle file the render gets is the edited one
    report = page.get_by_test_id("subs-report-th")
    report.wait_for()
    page.wait_for_function("document.querySelector('[data-testid=subs-report-th]').textContent.includes(': 1')")


def test_too_long_thai_and_overlapping_lines_are_flagged(page, plain_clip):
    load_clip(page, plain_clip)
    type_cue(page, 1.0, 4.0, LONG_THAI)
    flag = rows(page).nth(0).locator("[data-flag=too_long]")
    flag.wait_for()
    burn = page.get_by_test_id("cue-burn")                              # as it will be burned
    parts = burn.locator(".piece").count()
    assert parts >= 2 and str(parts) in flag.inner_text() and "บรรทัด" in flag.inner_text()
    assert all(burn.locator(".piece").nth(k).locator(".line").count() <= 2 for k in range(parts))
    assert rows(page).nth(0).locator("[data-flag=fast]").count() == 1      # the engine's 20 a second

    type_cue(page, 3.0, 5.0, "ขอบคุณครับ")
    second = rows(page).nth(1)
    overlap = second.locator("[data-flag=overlap]")
    overlap.wait_for()
    assert "1.0" in overlap.inner_text()
    assert rows(page).nth(0).locator("[data-flag=overlap]").count() == 0

    type_cue(page, 5.2, 5.5, "ครับ")                                  # 0.3 s: too short
    rows(page).nth(2).locator("[data-flag=short]").wait_for()


def test_paste_a_script_then_time_it_with_end_here(page, plain_clip, tmp_path):
    load_clip(page, plain_clip)
    page.get_by_test_id("script").locator("summary").click()
    script = "ย่อหน้าที่หนึ่ง\nยังเป็นย่อหน้าที่หนึ่ง\n\nย่อหน้าที่สอง\n\n\nย่อหน้าที่สาม\n"
    page.get_by_test_id("script-text").fill(script)
    page.get_by_test_id("script-add").click()
    assert rows(page).count() == 3
    assert rows(page).locator("[data-flag=untimed]").count() == 3
    assert page.evaluate("window.overlayEditor.getCues('th').map(c => [c.start, c.end])") == [[None, None]] * 3

    seek(page, 0.5)
    page.get_by_test_id("cue-add").click()           # the first paragraph starts here
    for at in (2.0, 3.5, 5.0):
        seek(page, at)
        page.keyboard.press("Control+Enter")         # the shortcut for "end here"
    cues = page.evaluate("window.overlayEditor.getCues('th')")
    assert [(c["start"], c["end"]) for c in cues] == [(0.5, 2.0), (2.0, 3.5), (3.5, 5.0)]
    assert cues[0]["text"] == "ย่อหน้าที่หนึ่ง\nยังเป็นย่อหน้าที่หนึ่ง"
    assert rows(page).locator("[data-flag=untimed]").count() == 0
    _name, text = download_srt(page, tmp_path)
    assert len(re.findall("-->", text)) == 3



def test_shortcuts_english_and_the_api_for_drafts(page, plain_clip):
    load_clip(page, plain_clip)
    page.evaluate("window.seen = []; document.addEventListener('overlay:cues', e => window.seen.push(e.detail))")
    page.get_by_test_id("subs-editor-lang-en").check()
    seek(page, 0.5)
    page.keyboard.press("Alt+Enter")                          # add a line here
    assert page.evaluate("document.activeElement.dataset.testid") == "cue-text"
    page.keyboard.type("Thank you")
    page.keyboard.press("Escape")                             # leave the field
    assert page.evaluate("document.activeElement.dataset.testid") != "cue-text"
    page.keyboard.press("Alt+k")                              # play
    page.wait_for_function("!document.getElementById('player').paused")
    page.keyboard.press("Alt+k")                              # pause
    page.wait_for_function("document.getElementById('player').paused")
    seek(page, 2.0)
    page.keyboard.press("Control+Enter")                      # end here
    assert page.evaluate("window.overlayEditor.getCues('en')") == [{"start": 0.5, "end": 2.0, "text": "Thank you"}]
    assert page.evaluate("window.overlayEditor.getCues('th')") == []
    last = page.evaluate("window.seen[window.seen.length - 1]")
    assert last["lang"] == "en" and last["cues"] == last["all"]["en"] and last["all"]["th"] == []
    wait_saved(page)
    page.get_by_test_id("subs-report-en").wait_for()          # the English file the render gets

    # a draft restored by another part of the page
    page.evaluate("window.overlayEditor.loadCues('th', [{start: 1, end: 2.5, text: 'สวัสดีครับ'},"
                  " {start: null, end: null, text: 'ยังไม่มีเวลา'}])")
    assert page.get_by_test_id("subs-editor-lang-th").is_checked()
    assert page.get_by_test_id("cue-row-text").all_inner_texts() == ["สวัสดีครับ", "ยังไม่มีเวลา"]
    assert page.evaluate("window.overlayEditor.srt('th')") == "1\n00:00:01,000 --> 00:00:02,500\nสวัสดีครับ\n"
    wait_saved(page)
    page.get_by_test_id("subs-report-th").wait_for()


def test_add_a_line_while_one_is_open_ends_it_there(page, plain_clip, tmp_path):
    load_clip(page, plain_clip)
    seek(page, 1.0)
    page.get_by_test_id("cue-add").click()
    page.keyboard.type("หนึ่ง")
    seek(page, 2.0)
    page.get_by_test_id("cue-add").click()             # no "end here" in between
    page.keyboard.type("สอง")
    assert page.evaluate("window.overlayEditor.getCues('th')") == [
        {"start": 1.0, "end": 2.0, "text": "หนึ่ง"}, {"start": 2.0, "end": None, "text": "สอง"}]
    rows(page).nth(1).locator("[data-flag=no_end]").wait_for()
    _name, text = download_srt(page, tmp_path)
    assert times(text) == [(1.0, 2.0, "หนึ่ง")]        # an open line is not in the file yet
