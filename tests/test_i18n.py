"""The Thai catalogue: complete, faithful to the placeholders, compiled, and chosen only when asked.

If a test here fails after you added or changed a ``_("…")`` message, run
``python tools/update_catalogue.py``, translate the new ``msgstr ""`` entries in
``overlay/locale/th/LC_MESSAGES/overlay.po``, run the script again and commit the three files.
"""

from __future__ import annotations

import gettext
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from overlay import i18n

ROOT = Path(__file__).resolve().parent.parent
RERUN = ("run 'python tools/update_catalogue.py', translate the empty msgstr entries in "
         "overlay/locale/th/LC_MESSAGES/overlay.po, and run it again")


def _load_tool():
    spec = importlib.util.spec_from_file_location("update_catalogue",
                                                  ROOT / "tools" / "update_catalogue.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("update_catalogue", module)
    spec.loader.exec_module(module)
    return module


uc = _load_tool()


@pytest.fixture(scope="module")
def code_messages():
    return uc.extract()


@pytest.fixture(scope="module")
def po():
    header, messages = uc.read_po(uc.po_path("th"))
    return header, {k: m for k, m in messages.items() if not m.obsolete}


@pytest.fixture
def keep_language():
    """Whatever a test switches to, the next test sees the language the session had."""
    saved = (i18n._translation, i18n._language)
    yield
    i18n._translation, i18n._language = saved


# ---------------------------------------------------------------- the catalogue

def test_every_message_in_the_code_has_thai(code_messages, po):
    _header, messages = po
    missing = [k for k in code_messages if k not in messages or not messages[k].translated]
    assert not missing, f"{len(missing)} message(s) without Thai: {missing[:5]}; {RERUN}"


def test_template_lists_exactly_the_code_messages(code_messages):
    _header, pot = uc.read_po(uc.POT)
    assert set(pot) == set(code_messages), f"overlay.pot is stale; {RERUN}"


def test_every_template_message_has_thai(po):
    _header, pot = uc.read_po(uc.POT)
    _h, messages = po
    missing = [k for k in pot if k not in messages or not messages[k].translated]
    assert not missing, f"no Thai for {missing[:5]}; {RERUN}"


def test_placeholders_are_kept(po):
    _header, messages = po
    wrong = [(k, m.msgstr) for k, m in messages.items()
             if m.msgstr and uc.placeholders(k) != uc.placeholders(m.msgstr)]
    assert not wrong, f"placeholders differ between msgid and msgstr: {wrong[:3]}"


def test_edges_are_kept(po):
    """Pieces glued into sentences keep their leading/trailing space; labels keep their colon."""
    _header, messages = po
    wrong = [k for k, m in messages.items() if m.msgstr and (
        k[:1].isspace() != m.msgstr[:1].isspace() or k[-1:].isspace() != m.msgstr[-1:].isspace()
        or k.endswith(":") != m.msgstr.endswith(":"))]
    assert not wrong, wrong


_TOKENS = re.compile(r"(?<![\w-])--?[a-z][a-z0-9-]*|\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b|'overlay [^']+'"
                     r"|\b(?:ffmpeg|libass|LUFS|YouTube|TOML|SRT|PNG|SVG|UTF-8|H\.264)\b")


def test_commands_options_and_technical_words_stay_as_they_are(po):
    _header, messages = po
    wrong = []
    for k, m in messages.items():
        for token in _TOKENS.findall(k):
            if token not in m.msgstr:
                wrong.append((token, k))
    assert not wrong, wrong[:5]


def test_no_thai_message_is_left_english(po):
    _header, messages = po
    has_latin_words = re.compile(r"[A-Za-z]{3,}")
    thai = re.compile(r"[\u0e00-\u0e7f]")
    # Messages that are only technical names may stay as they are.
    same = [k for k, m in messages.items()
            if m.msgstr == k and has_latin_words.search(k) and not thai.search(k)
            and k not in ("BT.709", "part1.district/part1.province: {reason}")]
    assert not same, same


def test_mo_is_compiled_from_the_po(po):
    header, messages = po
    expected = {k: m.msgstr for k, m in messages.items() if m.translated}
    expected[""] = header.msgstr
    with open(uc.mo_path("th"), "rb") as f:
        compiled = gettext.GNUTranslations(f)
    assert compiled._catalog == expected, f"overlay.mo is older than overlay.po; {RERUN}"


def test_catalogue_files_are_shipped():
    try:
        ignored = subprocess.run(["git", "check-ignore", "-q", str(uc.mo_path("th"))], cwd=ROOT,
                                 capture_output=True)
    except OSError:
        ignored = None
    if ignored is None or ignored.returncode not in (0, 1):
        pytest.skip("not a git checkout")
    assert ignored.returncode == 1, ".gitignore would leave overlay.mo out of the repository"
    assert uc.mo_path("th").is_relative_to(ROOT / "overlay")   # inside the wheel's package


# ---------------------------------------------------------------- choosing the language

def test_english_by_default():
    assert i18n.detect_language({}, platform="linux") == "en"
    assert i18n.detect_language({"LANG": "C.UTF-8", "LANGUAGE": ""}, platform="linux") == "en"
    assert i18n.detect_language({"LANG": "en_US.UTF-8"}, platform="linux") == "en"
    assert i18n.detect_language({"LANG": "fr_FR.UTF-8"}, platform="linux") == "en"


def test_the_session_sees_english(keep_language):
    if i18n.detect_language() != "en":
        pytest.skip("this machine's user asked for Thai")
    assert i18n.set_language(None) == "en"
    assert i18n._("Warning") == "Warning"


def test_overlay_lang_first():
    env = {"LANG": "th_TH.UTF-8", "LC_ALL": "th_TH.UTF-8"}
    assert i18n.detect_language(env, platform="linux") == "th"
    assert i18n.detect_language({**env, "OVERLAY_LANG": "en"}, platform="linux") == "en"
    assert i18n.detect_language({"LANG": "C", "OVERLAY_LANG": "th"}, platform="linux") == "th"
    assert i18n.detect_language({"LANG": "th_TH", "OVERLAY_LANG": "fr"}, platform="linux") == "th"


def test_standard_variables_in_gettext_order():
    assert i18n.detect_language({"LANGUAGE": "fr:th:en", "LANG": "en_US"}, platform="linux") == "th"
    assert i18n.detect_language({"LC_ALL": "C", "LANG": "th_TH"}, platform="linux") == "en"
    assert i18n.detect_language({"LC_MESSAGES": "th_TH.UTF-8"}, platform="linux") == "th"


def test_windows_user_locale(monkeypatch):
    monkeypatch.setattr(i18n.locale, "getlocale", lambda *a: ("Thai_Thailand", "874"))
    assert i18n.detect_language({}, platform="win32") == "th"
    assert i18n.detect_language({"OVERLAY_LANG": "en"}, platform="win32") == "en"
    # Only Windows asks the system; elsewhere an unset environment is English.
    assert i18n.detect_language({}, platform="linux") == "en"
    monkeypatch.setattr(i18n.locale, "getlocale", lambda *a: ("English_United States", "1252"))
    assert i18n.detect_language({}, platform="win32") == "en"


def test_thai_when_asked(monkeypatch, keep_language):
    monkeypatch.setenv("OVERLAY_LANG", "th")
    assert i18n.set_language(None) == "th"
    assert i18n.language() == "th"
    assert i18n._("Warning") == "คำเตือน"
    assert i18n._("Unknown province \"{name}\".").format(name="อุดรดิตถ์") == \
        'ไม่รู้จักจังหวัด "อุดรดิตถ์"'
    assert i18n._("a message nobody translated") == "a message nobody translated"
    assert i18n.set_language("en") == "en"
    assert i18n._("Warning") == "Warning"
    with pytest.raises(ValueError):
        i18n.set_language("fr")


def test_cli_help_in_thai():
    """End to end: help texts are built at import, so the choice is made before them."""
    env = {**os.environ, "OVERLAY_LANG": "th", "COLUMNS": "200", "PYTHONIOENCODING": "utf-8"}
    env.pop("PYTHONPATH", None)
    out = subprocess.run([sys.executable, "-c", "from overlay.i18n import _; "
                          "import overlay.cli as c; print(_('Show the version and exit.'))"],
                         cwd=ROOT, env=env, capture_output=True, text=True, encoding="utf-8",
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "แสดงรุ่นของโปรแกรมแล้วจบการทำงาน"


# ---------------------------------------------------------------- the update script

def test_extraction(tmp_path):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "a.py").write_text(
        "from overlay.i18n import _\n"
        "x = _('Joined ' 'literal {n}.')\n"
        "y = _(name)\n"                             # not a literal: not extracted
        "def f(exc):\n"
        "    return _(str(exc))\n"
        "def g():\n"
        "    raise ValueError('not a number')\n",
        encoding="utf-8")
    (pkg / "b.py").write_text("def g():\n    raise ValueError('not extracted here')\n",
                              encoding="utf-8")
    found = uc.extract(pkg)
    assert list(found) == ["Joined literal {n}.", "not a number"]
    assert found["Joined literal {n}."].references == ["pkg/a.py:2"]


def test_merge_keeps_translations_and_flags_similar_ones():
    old = {"Old message {n}.": uc.Message("Old message {n}.", "ข้อความเก่า {n}"),
           "Kept.": uc.Message("Kept.", "คงไว้")}
    new = {"Kept.": uc.Message("Kept."), "Old messages {n}.": uc.Message("Old messages {n}.")}
    merged = {m.msgid: m for m in uc.merge(new, old)}
    assert merged["Kept."].translated and merged["Kept."].msgstr == "คงไว้"
    fuzzy = merged["Old messages {n}."]
    assert fuzzy.fuzzy and not fuzzy.translated and fuzzy.previous == "Old message {n}."
    assert merged["Old message {n}."].obsolete
    text = uc.render_po(uc._header("th"), list(merged.values()))
    _header, again = uc.parse_po(text)
    assert {k: (m.msgstr, m.fuzzy, m.obsolete) for k, m in again.items()} == \
        {k: (m.msgstr, m.fuzzy, m.obsolete) for k, m in merged.items()}
    mo = uc.compile_mo(uc._header("th"), {k: m for k, m in again.items() if not m.obsolete})
    import io
    catalog = gettext.GNUTranslations(io.BytesIO(mo))._catalog
    assert catalog["Kept."] == "คงไว้" and "Old messages {n}." not in catalog


def test_po_strings_round_trip():
    tricky = 'Quote " backslash \\ tab \t newline\nend'
    msg = uc.Message(tricky, tricky)
    _header, parsed = uc.parse_po(uc.format_entry(msg) + "\n")
    assert parsed[tricky].msgstr == tricky
