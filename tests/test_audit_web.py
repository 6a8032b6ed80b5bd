"""The page's "audit a folder" view: the folder is the server's (--audit-dir), never a request's."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from conftest import make_clip
from web_support import client, web_settings

NAME = "ธนาคารขยะต้นแบบระดับอำเภอ (Best Practice) อำเภอพิชัยจังหวัดอุดรดิตถ์.mp4"


def test_audit_a_folder_on_the_page(tmp_path):
    sent = tmp_path / "sent"
    sent.mkdir()
    make_clip(sent / NAME, seconds=2)
    settings = replace(web_settings(tmp_path), audit_dir=sent)
    web = client(settings)
    page = web.get("/audit")
    assert page.status_code == 200
    assert 'data-testid="nav-audit"' in page.text and 'data-testid="audit-form"' in page.text
    assert str(sent) in page.text            # the page says which folder it audits
    # A request never names a path on disk: a folder in the form is ignored.
    done = web.post("/audit", data={"folder": str(tmp_path / "elsewhere"), "province": "อุตรดิตถ์"})
    assert done.status_code == 200
    assert 'data-testid="audit-report"' in done.text and "0 of 9 districts complete" in done.text
    rows = json.loads((Path(settings.output_dir) / "audit-sent" / "audit.json").read_text("utf-8"))
    phichai = next(r for r in rows if r["district"] == "พิชัย")
    assert phichai["status"] == "problems"
    assert any("อุดรดิตถ์" in p for p in phichai["problems"])


def test_audit_folder_that_cannot_be_made_is_one_clear_line(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    web = client(replace(web_settings(tmp_path), audit_dir=blocker))
    refused = web.post("/audit", data={"province": "อุตรดิตถ์"})
    assert refused.status_code == 400 and "not a folder" in refused.text


def test_a_missing_or_empty_folder_is_said_when_the_page_opens(tmp_path):
    """Issue 23: the page says in one plain line that the folder is not there (or empty)."""
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    web = client(replace(web_settings(tmp_path), audit_dir=blocker))
    page = web.get("/audit")
    assert page.status_code == 200
    assert 'data-testid="audit-folder-missing"' in page.text and "does not exist" in page.text
    web = client(replace(web_settings(tmp_path), audit_dir=tmp_path / "new"))
    assert "is empty" in web.get("/audit").text
    web.cookies.set("overlay_lang", "th")
    line = web.get("/audit").text.split('data-testid="audit-folder-missing">', 1)[1].split("<", 1)[0]
    assert any("\u0e00" <= ch <= "\u0e7f" for ch in line), line
    sent = tmp_path / "sent"
    sent.mkdir()
    make_clip(sent / NAME, seconds=1)
    assert "audit-folder-missing" not in client(replace(web_settings(tmp_path), audit_dir=sent)).get("/audit").text
