"""Thai on the page broken only between words (issue 23, finding 9): the "thai" filter puts
each word in an unbreakable span and <wbr> between words, by the project's one breaker
(overlay.thai_breaks), so a narrow table cell or a logo slot's label never shows ท้อง|ถิ่น or
ความ|ยาว."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from markupsafe import Markup
from web_report_support import API, PAGE, sample

from overlay.thai_breaks import word_breaks, words
from overlay.web.thai_text import thai_words

from web_support import CHROMIUM_ARGS, chromium_path, client, web_settings

WHOLE = ("ท้องถิ่น", "ความยาว", "ต่อเนื่อง", "ผู้สูงอายุ", "สวัสดิการ")
CSS = Path(__file__).parents[1] / "overlay" / "web" / "static" / "app.css"


def _spans(html: str) -> list[str]:
    return re.findall(r'<span class="tw">(.*?)</span>', html)


@pytest.mark.parametrize("text", [
    "องค์กรปกครองส่วนท้องถิ่น", "ความยาว", "ชุมชนมีส่วนร่วมอย่างต่อเนื่องทุกปี",
    "ช่วยลดภาระครอบครัวผู้สูงอายุได้มากที่สุด", "การจัดสวัสดิการ"])
def test_never_between_the_characters_of_one_word(text):
    html = str(thai_words(text))
    pieces = _spans(html)
    assert "".join(pieces) == text                       # nothing lost, nothing added
    assert html.count("<wbr>") == len(pieces) - 1
    for word in WHOLE:
        if word in text:
            assert any(word in piece for piece in pieces), (word, pieces)
    assert "ความ" not in pieces and "ท้อง" not in pieces


def test_the_breaks_are_the_project_s_breaker_s():
    text = "ประโยชน์ที่ชุมชนได้รับจากโครงการธนาคารขยะนอกเหนือจากสวัสดิการ"
    cut = [len("".join(words(text)[:i])) for i in range(1, len(words(text)))]
    assert tuple(cut) == word_breaks(text)
    assert "<wbr>" in str(thai_words(text))


def test_text_is_escaped_and_other_text_left_alone():
    assert str(thai_words("<b>เทศบาล</b>")).count("&lt;b&gt;") == 1
    assert str(thai_words("Phichai <x>")) == "Phichai &lt;x&gt;"
    assert thai_words(Markup("<i>x</i>")) == Markup("<i>x</i>")


def test_a_table_cell_and_the_slot_labels(tmp_path, official_logos):
    with client(web_settings(tmp_path)) as c:
        assert c.put(API, json={"answers": sample()}).status_code == 200
        html = c.get(PAGE).text
        cell = re.search(r'data-testid="report-list".*?</table>', html, re.S).group(0)
        assert '<span class="tw">' in cell and "<wbr>" in cell
        c.cookies.set("overlay_lang", "th")
        slots = c.get("/api/logos", params={"province": "อุตรดิตถ์", "district": "พิชัย"})
        assert slots.status_code == 200, slots.text
        [lao] = [s for s in slots.json()["slots"] if s["key"] == "lao"]
        assert "ท้องถิ่น" in lao["label"], lao
        assert "".join(lao["label_words"]) == lao["label"]
        assert any("ท้องถิ่น" in w for w in lao["label_words"]), lao


@pytest.mark.skipif(chromium_path() is None, reason="no Chromium on this machine")
def test_in_a_narrow_cell_chromium_breaks_only_between_words():
    pytest.importorskip("playwright.sync_api")
    from playwright.sync_api import sync_playwright

    text = "องค์กรปกครองส่วนท้องถิ่น ความยาว ชุมชนมีส่วนร่วมอย่างต่อเนื่อง"
    html = (f"<style>{CSS.read_text(encoding='utf-8')}</style>"
            f"<table><tr><td id=cell style='width:70px'>{thai_words(text)}</td></tr></table>")
    lines_js = """() => { const out = []; let line = '', top = null;
      const walk = document.createTreeWalker(document.getElementById('cell'), NodeFilter.SHOW_TEXT);
      for (let n; (n = walk.nextNode());) for (let i = 0; i < n.length; i++) {
        const r = document.createRange(); r.setStart(n, i); r.setEnd(n, i + 1);
        const box = r.getClientRects()[0]; if (!box) continue;
        if (top !== null && Math.abs(box.top - top) > 3) { out.push(line); line = ''; }
        if (top === null || Math.abs(box.top - top) > 3) top = box.top;
        line += n.data[i]; }
      out.push(line); return out; }"""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.set_content(f"<html lang=th><body>{html}</body></html>")
        lines = [line.strip() for line in page.evaluate(lines_js)]
        browser.close()
    assert len(lines) > 2, lines
    for word in ("ท้องถิ่น", "ความยาว", "ต่อเนื่อง"):
        assert any(word in line for line in lines), (word, lines)
