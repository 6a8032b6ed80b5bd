"""The page's "audit a folder" view (runs once overlay web, issue 12, is merged and lists
``overlay.audit.web`` in ``overlay.web.app.FEATURES``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("overlay.web.features")

from conftest import make_clip
from web_support import client, web_settings

NAME = "ธนาคารขยะต้นแบบระดับอำเภอ (Best Practice) อำเภอพิชัยจังหวัดอุดรดิตถ์.mp4"


def test_audit_a_folder_on_the_page(tmp_path):
    sent = tmp_path / "sent"
    sent.mkdir()
    make_clip(sent / NAME, seconds=2)
    settings = web_settings(tmp_path)
    web = client(settings)
    page = web.get("/audit")
    assert page.status_code == 200
    assert 'data-testid="nav-audit"' in page.text and 'data-testid="audit-form"' in page.text
    refused = web.post("/audit", data={"folder": str(tmp_path / "nope")})
    assert refused.status_code == 400 and "not a folder" in refused.text
    done = web.post("/audit", data={"folder": str(sent), "province": "อุตรดิตถ์"})
    assert done.status_code == 200
    assert 'data-testid="audit-report"' in done.text and "0 of 9 districts complete" in done.text
    rows = json.loads((Path(settings.output_dir) / "audit-sent" / "audit.json").read_text("utf-8"))
    phichai = next(r for r in rows if r["district"] == "พิชัย")
    assert phichai["status"] == "problems"
    assert any("อุดรดิตถ์" in p for p in phichai["problems"])
