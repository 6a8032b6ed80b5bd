"""The benchmark script's pure helpers: ratios, verdicts, the table. No rendering, no timing."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "run.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("benchmarks_run", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module        # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def measured(bench, name, wall, **kw):
    return bench.Measure(name=name, what=name, input_s=10.0, wall=wall, cpu=wall, **kw)


def test_ratio_handles_missing_and_zero(bench):
    assert bench.ratio(3.0, 2.0) == pytest.approx(1.5)
    assert bench.ratio(None, 2.0) is None
    assert bench.ratio(1.0, 0.0) is None


def test_ratios_and_verdicts(bench):
    results = {m.name: m for m in (
        measured(bench, "render-short", 10.0, peak_tree_mb=500.0),
        measured(bench, "hand-short", 10.0),
        measured(bench, "moviepy-short", 35.0),
        measured(bench, "render-base", 100.0, peak_tree_mb=650.0),
        measured(bench, "render-long", 105.0),
        measured(bench, "preview", 2.0),
    )}
    r = bench.ratios(results)
    assert r["overlay / hand-written (short)"] == pytest.approx(1.0)
    assert r["MoviePy / overlay (short)"] == pytest.approx(3.5)
    assert r["overlay / hand-written (medium → limit)"] is None
    met = {v.target: v.met for v in bench.verdicts(results)}
    assert met["overlay ≤ 1.05× hand-written (short)"] is True
    assert met["long input ≤ 1.1× limit-length input"] is True
    assert met["preview < 2 s"] is False              # strict: 2.0 is not under 2
    assert met["check of a limit-length file < 5 s"] is None
    assert met["peak memory ≤ 600 MB at 1080p (overlay's cases)"] is False
    assert met["MoviePy ≥ 3× slower than overlay"] is True


def test_measuring_pass_share_of_the_render(bench):
    results = {m.name: m for m in (measured(bench, "render-base", 140.0),
                                   measured(bench, "measure-base", 1.4))}
    assert bench.ratios(results)["measuring pass / render (limit-length)"] == pytest.approx(0.01)
    met = {v.target: v.met for v in bench.verdicts(results)}
    assert met["measuring pass ≤ 5 % of the render (limit-length)"] is True


def test_failed_case_gives_no_ratio(bench):
    skipped = bench.Measure("moviepy-short", "MoviePy", 10.0, ok=False, note="skipped")
    results = {"render-short": measured(bench, "render-short", 10.0), "moviepy-short": skipped}
    assert bench.ratios(results)["MoviePy / overlay (short)"] is None


def test_table_has_a_row_per_case_and_escapes_pipes(bench):
    rows = [measured(bench, "render-short", 12.5, frames=300, note="a | b")]
    table = bench.results_table(rows)
    lines = table.splitlines()
    assert len(lines) == 3
    assert lines[0].count("|") == len(bench.COLUMNS) + 1
    assert "12.50" in lines[2] and "24.0" in lines[2]   # 300 frames / 12.5 s
    assert "a \\| b" in lines[2]


def test_srt_text_is_valid_and_covers_the_clip(bench):
    text = bench.srt_text(20.0)
    blocks = text.strip().split("\n\n")
    assert len(blocks) == 4
    assert blocks[0].splitlines()[1] == "00:00:00,500 --> 00:00:04,000"


def test_only_rejects_unknown_cases(bench):
    assert [c.name for c in bench.selected(["hand-short, preview"])] == ["hand-short", "preview"]
    with pytest.raises(SystemExit):
        bench.selected(["nope"])


def test_linebreaks_report_renders_its_figures():
    spec = importlib.util.spec_from_file_location("benchmarks_linebreaks", SCRIPT.parent / "linebreaks.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    rows = {"1080x1920, lines": {"lines": 334, "breaks": 200, "inside_word": 2, "inside_pct": 1.0,
                                 "syllable_splits": 0, "kinds": {"agreed": 150, "space": 50},
                                 "examples": ["ส่ง|เสริม (word)"]}}
    span = {"wall_median": 0.5, "wall_max": 0.6, "cpu_median": 0.4}
    timings = [{"cues": 300, "size": "1080x1920", "runs": 2, "cold": span, "warm": span}]
    text = module.report(rows, timings, quick=True)
    assert "| 1080x1920, lines | 334 | 200 | 2 | 1.0 % | 0 | agreed 150, space 50 |" in text
    assert "| 1080x1920 | warm" in text and "0.40 s" in text and "shared" in text
    assert "ส่ง|เสริม (word)" in text


def test_subs_editor_script_and_report():
    spec = importlib.util.spec_from_file_location("benchmarks_subs_editor", SCRIPT.parent / "subs_editor.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    cues = module.script_cues()
    assert len(cues) == 40 and all(any("\u0e00" <= ch <= "\u0e7f" for ch in c) for c in cues)
    assert max(module.MEASURED) < len(cues)
    assert module.prefixes("กขค") == ["ก", "กข", "กขค"]
    assert module.percentile([1.0, 2.0, 3.0, 4.0], 0.5) == pytest.approx(2.5)
    assert module.percentile([5.0], 0.95) == 5.0
    rows = [{"frame": "1920x1080", "n": 10, "p50": 10.0, "p95": 25.0, "max": 30.0, "cpu": 4.25}]
    text = module.report(rows, {"1920x1080": 700.0}, "test machine")
    assert "| 1920x1080 | 10 | 10.0 | 25.0 | 30.0 | 0.50× | 4.2 |" in text and "700 ms" in text
