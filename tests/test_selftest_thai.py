"""A foreign ffmpeg's Thai message has its reason in Thai too (issue 23, finding 9): the
self-test's verdict is cached, so its reason is kept as data and worded when it is read, in
the reader's language, not in the language of whoever ran the test first."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from test_reliability import foreign

from overlay import i18n, selftest, tools
from overlay.errors import UsageError


def _thai(text: str) -> bool:
    return any("\u0e00" <= ch <= "\u0e7f" for ch in text)


def test_the_reason_of_a_cached_verdict_is_said_in_the_reader_s_language(monkeypatch):
    old = foreign()
    ff = tools.FFmpeg(old, tools.ENV)
    selftest._memo.clear()                         # an earlier test's verdict, held in memory only
    with i18n.using("en"):
        first = selftest.verdict(ff)               # tested (and cached) in English
    if first.ok:
        pytest.skip(f"{old} passes the self-test: it is not an old ffmpeg")
    assert "framelog" in first.problem and "filter" in first.problem
    monkeypatch.setenv(tools.ENV, str(old))
    with i18n.using("th"):
        with pytest.raises(UsageError) as error:
            selftest.require()
    line = error.value.line()
    reason = line.split(":", 1)[1]
    assert "framelog" in reason and _thai(reason), line
    assert "its ebur128 filter" not in line and "has no" not in line, line
    # … and from the cache file, in a fresh process's memory
    selftest._memo.clear()
    stored = json.loads((Path(os.environ["OVERLAY_DATA_DIR"]) / selftest.CACHE_FILE).read_text("utf-8"))
    assert any(v.get("reason") for v in stored["verdicts"].values())
    with i18n.using("th"):
        again = selftest.verdict(ff)
        assert _thai(again.said()) and "framelog" in again.said()
    with i18n.using("en"):
        assert again.said() == first.problem


def test_diagnose_still_words_in_the_current_language():
    stderr = "[ebur128 @ 0x1] Error setting option framelog to value quiet.\n"
    assert selftest.diagnose(stderr) == "its ebur128 filter has no framelog option"
    with i18n.using("th"):
        assert _thai(selftest.diagnose(stderr))
