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
