"""The report form's API: drafts saved and kept, the engine's checks per field, TOML in and
out, the documents made, read back and shown."""

from __future__ import annotations

import io
import sqlite3
import tomllib
from pathlib import Path

import pytest
from web_report_support import API, DISTRICT, PAGE, PROVINCE, STEM, docx_text, pdf_text, sample

from overlay.report.model import FORM, ReportError, all_items, load, validate
from overlay.report.template import render_template

from report_support import answers_in_order, assert_in_order
from web_support import client, web_settings


@pytest.fixture
def settings(tmp_path):
    return web_settings(tmp_path)


@pytest.fixture
def web(settings):
    return client(settings)


@pytest.fixture(autouse=True)
def _english_again():
    from overlay import i18n

    yield
    i18n.set_language("en")


def put(web, answers: dict) -> dict:
    response = web.put(API, json={"answers": answers})
    assert response.status_code == 200, response.text
    return response.json()


# ---------------------------------------------------------------- the page

def test_page_has_every_question_in_the_forms_order_with_stable_hooks(web):
    import re

    # Thai is laid out word by word (the "thai" filter: <span class="tw">…</span><wbr>)
    html = re.sub(r'<span class="tw">(.*?)</span>', r"\1", web.get(PAGE).text).replace("<wbr>", "")
    at = 0
    for part in FORM:
        for section in part.sections:
            for item in section.items:
                hook = f'data-testid="report-{item.key}"'
                found = html.find(hook, at)
                assert found > 0, f"{item.key} missing or out of order"
                assert html.rfind(item.question, at, found) > 0, f"{item.question} not above its field"
                assert f'data-testid="report-error-{item.key}"' in html
                at = found
    for hook in ("report-digits", "report-save", "report-make", "report-docx-link", "report-pdf-link",
                 "report-youtube-text", "province-select", "district-select", 'nav-report'):
        assert f'data-testid="{hook}"' in html
    assert 'data-testid="report-villages"' in html and 'inputmode="decimal"' in html


def test_unknown_district_is_refused_with_the_gazetteers_words(web):
    response = web.get("/api/report/อุตรดิตถ์/ไม่มีอำเภอนี้")
    assert response.status_code == 400
    assert "ไม่มีอำเภอนี้" in response.json()["error"]


# ---------------------------------------------------------------- drafts

def test_new_draft_is_prefilled_from_the_districts_job(web, settings):
    from overlay.web.jobstore import JobRecord, JobStore

    JobStore(settings.db_path).add(JobRecord("j1", {
        "district": "Phichai", "lao": "เทศบาลตำบลในเมือง", "chapters": {"setup": "0:00", "welfare": "1:10"},
        "file_name": f"ธนาคารขยะต้นแบบระดับอำเภอ (Best Practice) อำเภอ{DISTRICT}จังหวัด{PROVINCE}.mp4"}))
    data = web.get(API).json()
    assert data["answers"]["part1"] == {"province": PROVINCE, "district": DISTRICT, "lao": "เทศบาลตำบลในเมือง"}
    assert data["answers"]["chapters"] == {"setup": "0:00", "welfare": "1:10"}
    assert data["status"]["complete"] is False and data["status"]["made"] is False


def test_draft_is_kept_in_the_web_database_as_typed(web, settings):
    answers = {"part1": {"villages": "๑๒", "lao": "อบต. ทดสอบ"}, "part2": {"tactics": "หนึ่ง\nสอง\nสาม"},
               "part3": {"youtube_url": ""}, "chapters": {}, "report": {"digits": "arabic"}}
    put(web, answers)
    # a new server (the browser closed, the computer restarted) finds it as it was
    again = client(settings).get(API).json()
    assert again["answers"]["part1"]["villages"] == "๑๒"
    assert again["answers"]["part2"]["tactics"] == "หนึ่ง\nสอง\nสาม"
    assert again["answers"]["report"]["digits"] == "arabic"
    # the address names the place: a body cannot move a draft to another district
    assert again["answers"]["part1"]["district"] == DISTRICT
    with sqlite3.connect(settings.db_path) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        parts = dict(conn.execute("SELECT part, version FROM schema_versions"))
    assert {"jobs", "report_drafts"} <= tables and parts["report"] == 1


def test_unknown_keys_and_odd_values_are_not_stored(web):
    data = put(web, {"part1": {"villages": True, "evil": "x", "members": 1250},
                     "part9": {"a": 1}, "report": {"digits": "roman"}})
    assert data["answers"]["part1"] == {"members": 1250, "province": PROVINCE, "district": DISTRICT}
    assert "part9" not in data["answers"] and data["answers"]["report"]["digits"] == "thai"


# ---------------------------------------------------------------- checks, field by field

@pytest.mark.parametrize(("table", "key", "value", "reason"), [
    ("part1", "villages", "สิบสอง", "not a number"),
    ("part1", "villages", "12.5", "not a whole number"),
    ("part1", "members", "", "missing; fill it in"),
    ("part2", "environment", "   ", "missing; fill it in"),
    ("part3", "youtube_url", "https://vimeo.com/123456", "not a YouTube address"),
    ("part3", "youtube_url", "https://www.youtube.com/playlist?list=PL123", "not the address of one video"),
    ("part3", "youtube_url", "ftp://youtu.be/dQw4w9WgXcQ", "not a web address"),
    ("chapters", "welfare", "1:75", "not a time like 1:05"),
])
def test_a_wrong_answer_is_named_beside_its_field_as_report_build_names_it(web, table, key, value, reason):
    answers = sample()
    answers[table][key] = value
    problems = put(web, answers)["problems"]
    assert problems["fields"] == {f"{table}.{key}": reason}
    assert problems["complete"] is False
    with pytest.raises(ReportError) as refused:        # report build refuses the same answer
        validate(answers)
    assert any(p.startswith(f"{table}.{key}") and reason.split(";")[0] in p for p in refused.value.problems)


def test_thai_digits_and_a_youtube_short_are_accepted(web):
    answers = sample()
    answers["part1"].update(villages="๑๒", members="๑ ๒๕๐", waste_kg="๓,๔๕๐.๕ กิโลกรัม", income_baht="๑๘,๙๐๐")
    answers["part3"]["youtube_url"] = "youtube.com/shorts/dQw4w9WgXcQ"
    problems = put(web, answers)["problems"]
    assert problems == {"fields": {}, "general": [], "complete": True}


def test_chapter_times_that_youtube_would_ignore_are_said(web):
    answers = sample()
    answers["chapters"] = {"setup": "0:00", "welfare": "0:05"}
    problems = put(web, answers)["problems"]
    assert problems["fields"] == {} and problems["complete"] is False
    from overlay.report.model import CHAPTER_TITLES

    assert any(CHAPTER_TITLES["welfare"] in line for line in problems["general"]), problems
    assert not any("chapters." in line for line in problems["general"]), problems


def test_messages_are_in_thai_for_a_thai_page(web):
    web.cookies.set("overlay_lang", "th")          # the page's language, even after a restart
    answers = sample()
    answers["part1"]["members"] = ""
    answers["part3"]["youtube_url"] = "https://vimeo.com/1"
    fields = put(web, answers)["problems"]["fields"]
    assert fields == {"part1.members": "ยังไม่ได้กรอก กรุณากรอกข้อมูล", "part3.youtube_url": "ไม่ใช่ลิงก์ YouTube"}


# ---------------------------------------------------------------- the data file

def test_export_is_the_data_file_report_build_reads(web, tmp_path):
    put(web, sample())
    response = web.get(f"{API}/export")
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    text = response.content.decode("utf-8")
    assert "# ๑.๒ จำนวนหมู่บ้าน/ชุมชนที่เข้าร่วม" in text          # report init's questions as comments
    data = tmp_path / f"{STEM}.toml"
    data.write_text(text, encoding="utf-8")
    assert load(data) == load(Path(__file__).parent / "data" / "report" / "phichai.toml")


def test_import_takes_report_inits_file_and_a_filled_one(web):
    blank = render_template(PROVINCE, DISTRICT, "เทศบาลตำบลในเมือง")
    data = web.post(f"{API}/import", content=blank.encode("utf-8")).json()
    assert data["answers"]["part1"]["lao"] == "เทศบาลตำบลในเมือง"
    assert "part1.villages" in data["problems"]["fields"]
    filled = (Path(__file__).parent / "data" / "report" / "phichai.toml").read_bytes()
    data = web.post(f"{API}/import", content=filled).json()
    assert data["problems"]["complete"] is True
    assert data["answers"]["part2"] == sample()["part2"]
    assert web.get(API).json()["answers"]["part1"]["villages"] == "๑๒"     # saved


def test_import_refuses_another_districts_file_and_bad_toml(web):
    other = render_template(PROVINCE, "ลับแล")
    response = web.post(f"{API}/import", content=other.encode("utf-8"))
    assert response.status_code == 409 and "ลับแล" in response.json()["error"]
    response = web.post(f"{API}/import", content='[part1\nlao = "x'.encode("utf-8"))
    assert response.status_code == 400 and "TOML" in response.json()["error"]
    response = web.post(f"{API}/import", content=b"#" * (2 << 20))
    assert response.status_code == 413
    assert web.get(API).json()["answers"]["part1"].get("lao") in (None, "")   # nothing replaced


# ---------------------------------------------------------------- the documents

def test_an_incomplete_report_makes_nothing(web, settings):
    answers = sample()
    answers["part2"]["partners"] = ""
    put(web, answers)
    response = web.post(f"{API}/make", json={})
    assert response.status_code == 400
    assert "part2.partners" in response.json()["error"]
    assert not settings.output_dir.exists() or not any(settings.output_dir.iterdir())


def test_documents_are_made_under_the_mandated_names_and_read_back(web, settings):
    put(web, sample())
    data = web.post(f"{API}/make", json={}).json()
    assert data["status"] == {**data["status"], "complete": True, "made": True, "current": True}
    names = {kind: d["name"] for kind, d in data["documents"].items()}
    assert names == {"docx": f"{STEM}.docx", "pdf": f"{STEM}.pdf",
                     "youtube": f"ธนาคารขยะต้นแบบระดับอำเภอ (Best Practice) อำเภอ{DISTRICT}จังหวัด{PROVINCE}.youtube.txt"}
    assert sorted(p.name for p in settings.output_dir.iterdir()) == sorted(names.values())

    report = load(Path(__file__).parent / "data" / "report" / "phichai.toml")
    expected = answers_in_order(report)
    docx = web.get(data["documents"]["docx"]["href"])
    assert docx.status_code == 200 and docx.content[:2] == b"PK"
    path = settings.output_dir / names["docx"]
    assert_in_order(docx_text(path), expected[2:])
    pdf = web.get(data["documents"]["pdf"]["href"])
    assert pdf.status_code == 200 and pdf.content[:5] == b"%PDF-"
    assert_in_order(pdf_text(settings.output_dir / names["pdf"]), expected)
    youtube = web.get(data["documents"]["youtube"]["href"]).content.decode("utf-8")
    assert youtube == data["youtube_text"]
    from overlay.naming import clip_name
    from overlay.report.youtube import youtube_text

    assert youtube == youtube_text(report, clip_name(DISTRICT, PROVINCE))

    from PIL import Image

    image = Image.open(io.BytesIO(web.get(data["preview"]).content))
    assert image.format == "PNG" and image.height > image.width > 500      # an A4 page, upright
    assert image.convert("L").getextrema()[0] < 100                          # with text on it


def test_documents_follow_the_answers_and_are_replaced_only_when_ours(web, settings):
    put(web, sample())
    web.post(f"{API}/make", json={})
    answers = sample()
    answers["part1"]["members"] = "๙๙๙"
    assert put(web, answers)["status"]["current"] is False          # made from older answers
    data = web.post(f"{API}/make", json={}).json()                  # ours: replaced without asking
    assert data["status"]["current"] is True
    assert "๙๙๙" in docx_text(settings.output_dir / f"{STEM}.docx")

    # a file of that name we did not make (e.g. by 'overlay report build') is not replaced silently
    web2 = client(web_settings(settings.db_path.parent / "other"))
    web2.put(API, json={"answers": sample()})
    (settings.db_path.parent / "other" / "out").mkdir(parents=True)
    foreign = settings.db_path.parent / "other" / "out" / f"{STEM}.pdf"
    foreign.write_bytes(b"mine")
    response = web2.post(f"{API}/make", json={})
    assert response.status_code == 409 and f"{STEM}.pdf" in response.json()["error"]
    assert foreign.read_bytes() == b"mine"
    assert web2.post(f"{API}/make", json={"force": True}).status_code == 200
    assert foreign.read_bytes()[:5] == b"%PDF-"


def test_status_for_the_job_list(web):
    assert web.get("/api/report/status", params={"province": PROVINCE, "district": "Phichai"}).json()[
        "complete"] is False
    put(web, sample())
    web.post(f"{API}/make", json={})
    statuses = web.get("/api/report/status").json()["reports"]
    assert [(s["district"], s["complete"], s["made"], s["current"]) for s in statuses] == [
        (DISTRICT, True, True, True)]
    assert web.get(statuses[0]["href"]).status_code == 200


def test_every_item_of_the_form_is_stored(web):
    """No field of the engine's form is lost between the page and the data file."""
    answers = sample()
    data = put(web, answers)
    for item in all_items():
        assert data["answers"][item.table][item.key] == answers[item.table][item.key]
    exported = tomllib.loads(web.get(f"{API}/export").text)
    for item in all_items():
        assert exported[item.table][item.key] == answers[item.table][item.key]


def test_the_job_list_says_where_each_districts_report_stands(web, settings):
    from overlay.web.jobstore import DONE, JobRecord, JobStore

    name = f"ธนาคารขยะต้นแบบระดับอำเภอ (Best Practice) อำเภอ{DISTRICT}จังหวัด{PROVINCE}.mp4"
    JobStore(settings.db_path).add(JobRecord("j1", {"district": DISTRICT, "file_name": name, "names": {}},
                                             status=DONE))

    def report() -> dict:
        return web.get("/api/jobs").json()["jobs"][0]["report"]

    assert report()["label"] == "Report: not started"
    answers = sample()
    answers["part1"]["members"] = ""
    put(web, answers)
    assert report()["label"] == "Report: not complete"
    put(web, sample())
    assert report()["label"] == "Report: complete"
    web.post(f"{API}/make", json={})
    assert report()["label"] == "Report: documents made" and report()["href"] == PAGE
    answers = sample()
    answers["part1"]["members"] = "๙๙"
    put(web, answers)
    assert report()["label"] == "Report: documents to make again"
