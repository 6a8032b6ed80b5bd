"""The page speaks to office staff: no command-line option outside the folds for IT staff."""

from __future__ import annotations

import re

import pytest

from web_support import client, web_settings

FOLD = re.compile(r'<details class="for-it".*?</details>', re.S)
SCRIPT = re.compile(r"<script.*?</script>", re.S)      # the script's own words are data, checked elsewhere
OPTION = re.compile(r"(?<![\w-])--[a-z][a-z-]+")


@pytest.mark.parametrize("lang", ["th", "en"])
@pytest.mark.parametrize("path", ["/", "/audit", "/report"])
def test_no_command_line_option_on_a_page(tmp_path, path, lang):
    with client(web_settings(tmp_path, audit_dir=tmp_path / "audit")) as c:
        c.cookies.set("overlay_lang", lang)
        html = c.get(path).text
    visible = SCRIPT.sub("", FOLD.sub("", html))
    assert not OPTION.findall(visible), OPTION.findall(visible)


def test_an_unexpected_failure_says_what_to_do_on_the_page():
    from overlay.web import jobs

    source = open(jobs.__file__, encoding="utf-8").read()
    assert "see the server's log" not in source


@pytest.mark.parametrize("lang", ["th", "en"])
def test_a_missing_clip_or_district_speaks_of_the_page_not_a_column(tmp_path, lang):
    with client(web_settings(tmp_path)) as c:
        c.cookies.set("overlay_lang", lang)
        no_clip = c.post("/api/jobs", json={"district": "พิชัย"}).json()
        no_place = c.post("/api/jobs", json={"input": "0123456789abcdef"}).json()
    for said in (no_clip, no_place):
        assert "column" not in said["error"] and "คอลัมน์" not in said["error"], said
    assert ("first step" in no_clip["hint"]) if lang == "en" else ("ขั้นแรก" in no_clip["hint"])
