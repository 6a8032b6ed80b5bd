"""overlay audit on a generated folder: what every district sent, as the issue lists it.

The folder: compliant clips (rendered by overlay) for some districts, one over the limit, one
with the province misspelt, one with decomposed Thai, one without logos, one not a video,
one report incomplete, one district that sent nothing, and a clip of another province.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from overlay import render as r
from overlay.cli import app

from conftest import make_clip

runner = CliRunner()
DATA = Path(__file__).parent / "data" / "report"
T = "ธนาคารขยะต้นแบบระดับอำเภอ (Best Practice) อำเภอ{d}จังหวัด{p}.mp4"
U = "อุตรดิตถ์"


def name(district: str, province: str = U) -> str:
    return T.format(d=district, p=province)


def report_toml(district: str, drop: str | None = None) -> str:
    text = (DATA / "phichai.toml").read_text(encoding="utf-8").replace(
        'district = "พิชัย"', f'district = "{district}"')
    if drop:
        text = text.replace(f'{drop} = "1,250"', f'{drop} = ""')
    return text


@pytest.fixture(scope="module")
def folder(tmp_path_factory, clip3, logo_dir) -> Path:
    root = tmp_path_factory.mktemp("sent")
    work = tmp_path_factory.mktemp("renders")

    def rendered(district: str, limit: float = 2) -> Path:
        plan = r.plan(r.Job(input=clip3, district=district, out_dir=work / district,
                            max_duration=limit, quality="draft", logo_dirs=(logo_dir,)))
        return r.render_with_facts(plan).path

    # Any layout: by channel, by district, loose.
    (root / "email").mkdir()
    (root / "line" / "ลับแล").mkdir(parents=True)
    (root / "drive" / "more").mkdir(parents=True)
    shutil.copy(rendered("พิชัย"), root / "email" / name("พิชัย"))
    shutil.copy(rendered("ตรอน"), root / "drive" / name("ตรอน"))
    shutil.copy(rendered("ลับแล"), root / "line" / "ลับแล" / name("ลับแล"))
    shutil.copy(rendered("ท่าปลา", limit=3), root / "drive" / name("ท่าปลา"))          # 3 s > 2.5 s
    shutil.copy(rendered("บ้านโคก"), root / "email" / name("บ้านโคก", "อุดรดิตถ์"))     # the letter's typo
    nfd = name("น้ำปาด").replace("\u0e49\u0e33", "\u0e4d\u0e49\u0e32")                  # สระอำ in two
    shutil.copy(rendered("น้ำปาด"), root / "drive" / "more" / nfd)
    # No logos (grey: the test logos are flat red squares, which match any red patch).
    make_clip(root / "email" / name("ทองแสนขัน"), seconds=2, extra_out=["-vf", "hue=s=0"])
    (root / "email" / name("เมืองอุตรดิตถ์")).write_text("this is not a video", encoding="utf-8")
    shutil.copy(root / "email" / name("พิชัย"), root / "drive" / name("เมืองอุดรธานี", "อุดรธานี"))
    (root / "notes.txt").write_text("hello", encoding="utf-8")
    # Reports: complete TOML data files, one incomplete, one as DOCX+PDF from report build.
    for district in ("ตรอน", "ท่าปลา", "บ้านโคก", "น้ำปาด", "ทองแสนขัน", "เมืองอุตรดิตถ์"):
        (root / "email" / f"report-{district}.toml").write_text(report_toml(district), encoding="utf-8")
    (root / "line" / "ลับแล" / "report.toml").write_text(report_toml("ลับแล", drop="members"),
                                                          encoding="utf-8")
    from overlay.report.build import build_report
    for path in build_report(DATA / "phichai.toml", root / "email"):
        if path.suffix == ".txt":
            path.unlink()
    return root


@pytest.fixture(scope="module")
def audited(folder, tmp_path_factory, logo_dir):
    out = tmp_path_factory.mktemp("audit")
    result = runner.invoke(app, ["audit", str(folder), "--preset", "uttaradit", "-o", str(out),
                                 "--max-duration", "2.5", "--logo-dir", str(logo_dir)])
    rows = {row["district"]: row for row in json.loads((out / "audit.json").read_text("utf-8"))}
    return result, out, rows


def test_every_district_is_a_row_with_its_status(audited):
    result, _out, rows = audited
    assert result.exit_code == 1, result.output             # not all complete
    assert len(rows) == 9
    status = {d: row["status"] for d, row in rows.items()}
    assert status == {
        "พิชัย": "complete", "ตรอน": "complete", "ลับแล": "problems", "ท่าปลา": "problems",
        "บ้านโคก": "problems", "น้ำปาด": "problems", "ทองแสนขัน": "problems",
        "เมืองอุตรดิตถ์": "problems", "ฟากท่า": "missing"}
    assert "2 of 9 districts complete" in result.output
    for row in rows.values():
        assert {"district", "status", "files", "problems"} <= set(row)
        assert (row["status"] == "complete") == (row["problems"] == [])


def _problems(rows, district) -> str:
    return "\n".join(rows[district]["problems"])


def test_each_problem_is_said_plainly(audited):
    _result, _out, rows = audited
    assert "video length" in _problems(rows, "ท่าปลา") and "limit 2" in _problems(rows, "ท่าปลา")
    assert "misspelt “อุดรดิตถ์”; it must be “อุตรดิตถ์”" in _problems(rows, "บ้านโคก")
    assert "decomposed" in _problems(rows, "น้ำปาด")
    assert rows["น้ำปาด"]["clips"][0]["expected_name"] == name("น้ำปาด")
    logos = _problems(rows, "ทองแสนขัน")
    assert "logos at the start" in logos and "missing: Ministry of Interior" in logos
    assert "not a video" in _problems(rows, "เมืองอุตรดิตถ์")
    assert "members" not in _problems(rows, "พิชัย")
    assert "1 answer(s) missing: ๑.๓ จำนวนสมาชิก" in _problems(rows, "ลับแล")
    assert rows["ฟากท่า"]["files"] == []
    # Compliant rows: the checks all passed, the URL is a YouTube video, both report files read.
    phichai = rows["พิชัย"]
    assert phichai["youtube_url"] == "https://youtu.be/dQw4w9WgXcQ" and phichai["youtube_url_ok"]
    assert sorted(r["kind"] for r in phichai["reports"]) == ["docx", "pdf"]
    assert all(c["ok"] is not False for c in phichai["clips"][0]["checks"])


def test_other_province_and_stray_files_are_listed_apart(audited):
    result, out, rows = audited
    everything = [f for row in rows.values() for f in row["files"]]
    assert not any("อุดรธานี" in f for f in everything)
    assert "other province" in result.output and "อุดรธานี" in result.output
    html = (out / "audit.html").read_text("utf-8")
    assert "อุดรธานี" in html and "notes.txt" in html


def test_csv_opens_in_excel_with_thai_and_matches_the_json(audited):
    _result, out, rows = audited
    raw = (out / "audit.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    table = list(csv.DictReader(raw.decode("utf-8-sig").splitlines(keepends=True)))
    assert [t["district"] for t in table] == list(rows)
    assert {t["district"]: t["status"] for t in table} == {d: r["status"] for d, r in rows.items()}
    assert table[[t["district"] for t in table].index("ท่าปลา")]["video length"].startswith("✗")


def test_html_has_summary_contact_sheets_and_problems_in_red(audited):
    _result, out, _rows = audited
    html = (out / "audit.html").read_text("utf-8")
    assert "2 of 9 districts complete" in html
    assert html.count("data:image/jpeg;base64,") >= 2 * 6          # a sheet and a corner per clip
    assert 'class="problems"' in html and "#b00020" in html
    assert "อำเภอฟากท่า" in html


def test_two_clips_for_one_district_are_flagged(tmp_path, folder, logo_dir):
    root = tmp_path / "in"
    root.mkdir()
    source = folder / "email" / name("พิชัย")
    shutil.copy(source, root / name("พิชัย"))
    shutil.copy(source, root / "พิชัย final.mp4")
    result = runner.invoke(app, ["audit", str(root), "-o", str(tmp_path / "a"),
                                 "--logo-dir", str(logo_dir)])
    rows = {row["district"]: row for row in json.loads((tmp_path / "a" / "audit.json").read_text("utf-8"))}
    assert "2 clips were found for this district" in _problems(rows, "พิชัย"), result.output


def test_fix_names_renames_only_certain_matches_and_never_overwrites(tmp_path, folder, logo_dir):
    root = tmp_path / "in"
    root.mkdir()
    clip = folder / "email" / name("พิชัย")
    shutil.copy(clip, root / name("บ้านโคก", "อุดรดิตถ์"))                 # certain: the letter's typo
    shutil.copy(clip, root / name("พิไชย"))                               # a district typo: a guess
    shutil.copy(clip, root / name("ตรอน").replace("อำเภอตรอน", "ตรอน"))    # missing อำเภอ, but
    (root / name("ตรอน")).write_bytes(b"already here")                     # the target exists
    before = sorted(p.name for p in root.iterdir())
    refused = runner.invoke(app, ["audit", str(root), "-o", str(tmp_path / "a"), "--fix-names"],
                            input="n\n")
    assert sorted(p.name for p in root.iterdir()) == before, refused.output
    result = runner.invoke(app, ["audit", str(root), "-o", str(tmp_path / "a"), "--fix-names", "--yes",
                                 "--logo-dir", str(logo_dir)])
    after = sorted(p.name for p in root.iterdir())
    assert name("บ้านโคก") in after and name("บ้านโคก", "อุดรดิตถ์") not in after, result.output
    assert name("พิไชย") in after                                          # not renamed on a guess
    assert (root / name("ตรอน")).read_bytes() == b"already here"           # never overwritten
    assert "already exists" in result.output


def test_unreadable_folder_is_a_usage_error(tmp_path):
    result = runner.invoke(app, ["audit", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert "not a folder" in result.output


# ---------------------------------------------------------------- name diagnosis, pure

@pytest.mark.parametrize("given, district, certain, says", [
    (name("พิชัย"), "พิชัย", True, None),
    (name("พิชัย", "อุดรดิตถ์"), "พิชัย", True, "misspelt “อุดรดิตถ์”"),
    (name("พิชัย").replace("อำเภอพิชัย", "พิชัย"), "พิชัย", True, "“อำเภอ” is missing"),
    (name("พิชัย").replace("อำเภอพิชัย", "อำเภอ พิชัย  "), "พิชัย", True, "extra spaces"),
    (name("น้ำปาด").replace("\u0e49\u0e33", "\u0e4d\u0e49\u0e32"), "น้ำปาด", True, "decomposed"),
    (name("พิชัย")[:-4] + ".MP4", "พิชัย", True, "extension is “.MP4”"),
    (name("พิชัย")[:-4] + ".mov", "พิชัย", True, "extension is “.mov”"),
    (name("พิไชย"), "พิชัย", False, "probably “พิชัย”"),
    (name("พิชัย").replace("จังหวัด", ""), "พิชัย", True, "“จังหวัด” is missing"),
    ("ลับแล final v2.mp4", "ลับแล", False, "does not follow"),
    ("clip.mp4", None, False, "does not follow"),
])
def test_name_diagnosis(given, district, certain, says):
    from overlay.audit.names import diagnose
    from overlay.gazetteer import gazetteer

    found = diagnose(given, gazetteer().province(U))
    assert found.district == district
    assert found.certain == certain
    if says is None:
        assert found.exact and found.differences == ()
    else:
        assert not found.exact
        assert any(says in d for d in found.differences), found.differences
        if district:
            assert found.expected == name(district)


def test_a_clip_of_another_province_is_named_so():
    from overlay.audit.names import diagnose
    from overlay.gazetteer import gazetteer

    found = diagnose(name("เมืองอุดรธานี", "อุดรธานี"), gazetteer().province(U))
    assert found.other_province == "อุดรธานี" and found.district is None


def test_a_sub_folder_that_cannot_be_opened_is_listed(tmp_path, monkeypatch):
    import os

    from overlay.audit import engine

    (tmp_path / "locked").mkdir()
    real_walk = os.walk

    def walk(top, onerror=None, **kw):
        for root, dirs, files in real_walk(top, **kw):
            if Path(root).name == "locked":
                onerror(PermissionError(13, "Permission denied", root))
                continue
            yield root, dirs, files

    monkeypatch.setattr(engine.os, "walk", walk)
    found = engine.scan(tmp_path)
    assert [(p.name, why) for p, why in found.unreadable] == [
        ("locked", "cannot be opened (Permission denied)")]
