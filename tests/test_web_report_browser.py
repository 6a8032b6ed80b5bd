"""The report form in a real Chromium (Debian's): Thai digits, a three-line answer, a missing
answer and a wrong URL shown beside their fields, the draft surviving a reload, the documents
downloaded and read back. Screenshots in tests/artifacts/."""

from __future__ import annotations

from pathlib import Path

import pytest
from web_report_support import DISTRICT, PROVINCE, SAMPLE, STEM, docx_text, pdf_text, sample

from report_support import answers_in_order, assert_in_order
from web_support import CHROMIUM_ARGS, chromium_path, web_settings

pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install '.[test]')")
if chromium_path() is None:
    pytest.skip("no Chromium on this machine (CI installs Debian's chromium)", allow_module_level=True)

ARTIFACTS = Path(__file__).parent / "artifacts"
THREE_LINES = "ผู้นำชุมชนเข้มแข็ง\nสมาชิกคัดแยกขยะที่ต้นทาง\nรับซื้อขยะทุกวันเสาร์ที่สอง"


@pytest.fixture(autouse=True)
def _english_again():
    from overlay import i18n

    yield
    i18n.set_language("en")


@pytest.fixture
def server(tmp_path):
    from overlay.web.server import start_in_thread

    running = start_in_thread(web_settings(tmp_path))
    yield running
    running.stop()


@pytest.fixture
def page(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        context = browser.new_context(locale="th-TH", viewport={"width": 1100, "height": 900},
                                      bypass_csp=True,   # wait_for_function("…") evaluates text
                                      accept_downloads=True)
        page = context.new_page()
        page.set_default_timeout(20_000)
        yield page
        context.close()
        browser.close()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_fill_check_reload_make_and_download(page, server, tmp_path):
    from playwright.sync_api import expect

    script_errors: list[str] = []
    page.on("pageerror", lambda exc: script_errors.append(str(exc)))
    answers = sample()
    answers["part2"]["success_factors"] = THREE_LINES
    page.goto(server.url)
    page.get_by_test_id("lang-th").click()
    page.wait_for_selector("html[lang=th]")
    page.get_by_test_id("nav-report").click()
    page.wait_for_url("**/report")

    # the district, with the same lists as the clip's page
    page.get_by_test_id("province-select").select_option(PROVINCE)
    page.get_by_test_id("district-select").select_option(DISTRICT)
    page.wait_for_selector("[data-testid=report-make]")
    assert f"อำเภอ{DISTRICT}" in page.locator("h2").first.inner_text()

    def field(key: str):
        return page.get_by_test_id(f"report-{key}")

    for table in ("part1", "part2"):
        for key, value in answers[table].items():
            if key in ("province", "district") or key == "environment":
                continue                                  # environment: left missing on purpose
            field(key).fill(str(value))
    field("villages").fill("๑๒")
    field("members").fill("๑,๒๕๐")
    field("youtube_url").fill("https://vimeo.com/123456")
    field("youtube_url").blur()

    expect(page.get_by_test_id("report-error-youtube_url")).to_have_text("ไม่ใช่ลิงก์ YouTube")
    assert page.get_by_test_id("report-error-villages").is_hidden()      # Thai digits accepted

    page.get_by_test_id("report-make").click()                           # refused: shown beside fields
    expect(page.get_by_test_id("report-error-environment")).to_have_text("ยังไม่ได้กรอก กรุณากรอกข้อมูล")
    assert page.get_by_test_id("report-docx-link").is_hidden()
    shot(page, "report-01-problems-th")

    field("environment").fill(answers["part2"]["environment"])
    field("youtube_url").fill("https://youtu.be/dQw4w9WgXcQ")
    page.get_by_test_id("report-save").click()
    expect(page.get_by_test_id("report-saved")).to_have_text("บันทึกแล้ว")
    expect(page.get_by_test_id("report-error-youtube_url")).to_be_hidden()

    page.reload()                                                        # nothing lost
    assert field("success_factors").input_value() == THREE_LINES
    assert field("villages").input_value() == "๑๒"

    page.get_by_test_id("report-make").click()
    page.get_by_test_id("report-docx-link").wait_for(state="visible")
    page.wait_for_function("document.querySelector('[data-testid=report-pdf-preview]').naturalWidth > 0")
    youtube = page.get_by_test_id("report-youtube-text").input_value()
    assert "ชื่อวิดีโอ" in youtube
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_test_id("report-copy").click()
    expect(page.locator("#report-copied")).to_have_text("คัดลอกแล้ว")
    assert page.evaluate("navigator.clipboard.readText()") == youtube
    shot(page, "report-02-documents-th")

    files = {}
    for kind in ("docx", "pdf"):
        with page.expect_download() as info:
            page.get_by_test_id(f"report-{kind}-link").click()
        download = info.value
        assert download.suggested_filename == f"{STEM}.{kind}"
        files[kind] = tmp_path / f"downloaded.{kind}"
        download.save_as(files[kind])

    answers["part1"]["villages"], answers["part1"]["members"] = "๑๒", "๑,๒๕๐"
    answers["part3"]["youtube_url"] = "https://youtu.be/dQw4w9WgXcQ"
    from overlay.report.model import validate

    expected = answers_in_order(validate(answers))
    assert THREE_LINES.splitlines()[2] in expected
    assert_in_order(docx_text(files["docx"]), expected[2:])
    assert_in_order(pdf_text(files["pdf"]), expected)

    # a data file written by 'overlay report init'/'build' replaces the answers on the page
    with page.expect_download() as info:
        page.get_by_test_id("report-export").click()
    assert info.value.suggested_filename == f"{STEM}.toml"
    page.get_by_test_id("report-import").set_input_files(str(SAMPLE))
    expect(page.get_by_test_id("report-saved")).to_have_text("นำเข้าแล้ว")
    assert field("success_factors").input_value() == sample()["part2"]["success_factors"]
    assert field("members").input_value() == "1,250"

    # the job list says where the district stands, and leads to its report
    from overlay.web.jobstore import DONE, JobRecord, JobStore

    name = f"ธนาคารขยะต้นแบบระดับอำเภอ (Best Practice) อำเภอ{DISTRICT}จังหวัด{PROVINCE}.mp4"
    JobStore(server.settings.db_path).add(JobRecord("j1", {"district": DISTRICT, "file_name": name,
                                                           "names": {}}, status=DONE))
    page.get_by_test_id("nav-job").click()
    link = page.get_by_test_id("job-report-status")
    expect(link).to_have_text("แบบรายงาน: คำตอบมีการแก้ไข ต้องจัดทำเอกสารใหม่")   # imported since
    link.click()
    page.get_by_test_id("report-docx-link").wait_for(state="visible")
    assert script_errors == []
