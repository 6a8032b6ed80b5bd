"""Thai line breaks measured on the reference set (issue 15).

    python benchmarks/linebreaks.py            # both sizes, 5 timing runs, writes LINEBREAKS-RESULTS.md
    python benchmarks/linebreaks.py --quick    # one size, 2 timing runs, writes nothing

Figures:
- breaks inside a reference word, in % of all breaks (target: under 2 %), at 1280x720 and
  1080x1920, over tests/data/th-breaks/reference.txt;
- syllable splits (breaks inside a reference word that PyThaiNLP's syllable dictionary or its
  Thai Character Clusters reject; target: 0);
- the kinds of break used;
- the time to lay out a 300-cue Thai SRT as a render does (``build_ass``): "cold" in a fresh
  process (imports, ICU, newmm's dictionary trie, the font), "warm" with every cache of
  segmentations and widths cleared but the dictionaries loaded (target: under 1 s).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
os.environ.setdefault("PYTHAINLP_READ_ONLY", "1")

from th_reference import boundaries, joined_pairs, load_reference  # noqa: E402

RESULTS = Path(__file__).parent / "LINEBREAKS-RESULTS.md"
SIZES = [(1280, 720), (1080, 1920)]

# Lay out 300 cues in a fresh process, timing only the layout (not Python's own start).
_COLD = """
import json, sys, time
sys.path.insert(0, {tests!r})
from th_reference import load_reference
texts = [r.text for r in load_reference()][:300]
t0, c0 = time.perf_counter(), time.process_time()
import overlay.subtitles as S
cues = [S.Cue(n, 2.0 * n, 2.0 * n + 1.8, t) for n, t in enumerate(texts, 1)]
S.build_ass({{"th": cues}}, {w}, {h})
print(json.dumps([time.perf_counter() - t0, time.process_time() - c0]))
"""


def measure_breaks(sizes: list[tuple[int, int]]) -> dict:
    from pythainlp.tokenize import subword_tokenize, syllable_tokenize

    import overlay.subtitles as S

    lines = load_reference()
    rows = {}
    for (w, h), (label, ref) in [(size, sets) for sets in (("lines", lines),
                                                            ("pairs", joined_pairs(lines)))
                                 for size in sizes]:
        total = inside = splits = 0
        kinds: Counter[str] = Counter()
        examples: list[str] = []
        for line in ref:
            for p, kind in S.break_points(line.text, w, h):
                total += 1
                kinds[kind.name.lower()] += 1
                if line.inside_word(p):
                    inside += 1
                    examples.append(f"{line.text[max(0, p - 12):p]}|{line.text[p:p + 12]} ({kind.name.lower()})")
                    syl = boundaries(syllable_tokenize(line.text, engine="dict"))
                    tcc = boundaries(subword_tokenize(line.text, engine="tcc"))
                    splits += p not in syl or p not in tcc
        rows[f"{w}x{h}, {label}"] = {"lines": len(ref), "breaks": total, "inside_word": inside,
                            "inside_pct": 100.0 * inside / max(total, 1), "syllable_splits": splits,
                            "kinds": dict(kinds), "examples": examples}
    return rows


def measure_time(runs: int, size: tuple[int, int]) -> dict:
    import overlay.subtitles as S
    import overlay.thai_breaks as T

    texts = [r.text for r in load_reference()][:300]
    cues = [S.Cue(n, 2.0 * n, 2.0 * n + 1.8, t) for n, t in enumerate(texts, 1)]
    cold = []
    for _ in range(runs):
        code = _COLD.format(tests=str(ROOT / "tests"), w=size[0], h=size[1])
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True, cwd=ROOT)
        cold.append(json.loads(out.stdout))     # [wall, cpu]
    S.build_ass({"th": cues[:5]}, *size)            # load the dictionaries once
    warm = []
    for _ in range(runs):
        for cached in (T.break_candidates, S._advances, S.text_width):
            cached.cache_clear()
        t0, c0 = time.perf_counter(), time.process_time()
        S.build_ass({"th": cues}, *size)
        warm.append([time.perf_counter() - t0, time.process_time() - c0])
    out = {"cues": len(cues), "size": f"{size[0]}x{size[1]}", "runs": runs}
    for name, got in (("cold", cold), ("warm", warm)):
        out[name] = {"wall_median": statistics.median(w for w, _c in got),
                     "wall_max": max(w for w, _c in got),
                     "cpu_median": statistics.median(c for _w, c in got)}
    return out


def report(rows: dict, timings: list[dict], quick: bool) -> str:
    load = os.getloadavg() if hasattr(os, "getloadavg") else ("?", "?", "?")
    lines = [
        "# Thai line breaks: measured (issue 15)",
        "",
        f"Run {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC with `python benchmarks/linebreaks.py`"
        f"{' --quick' if quick else ''}, on {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}. **The machine was shared** "
        f"with other work (load average {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} at the end):"
        " read the times as an upper bound.",
        "",
        "Reference set: `tests/data/th-breaks/reference.txt` (334 lines; how it was made is in its"
        " header). A break \"inside a reference word\" falls between two Thai letters where the"
        " reference has no boundary (compounds such as องค์กรปกครองส่วนท้องถิ่น are one word there,"
        " so this is strict). A \"syllable split\" is such a break that PyThaiNLP's syllable"
        " dictionary or its Thai Character Clusters reject.",
        "",
        "Rows \"pairs\": every two consecutive lines of a section run together without a space"
        " (a long cue typed without a pause): no space to lean on, and long enough to break at"
        " 1280x720 too.",
        "",
        "| size, text | lines | breaks | inside a reference word | % (target < 2 %) "
        "| syllable splits (target 0) | kinds |",
        "|---|---|---|---|---|---|---|",
    ]
    all_breaks = sum(r["breaks"] for r in rows.values())
    all_inside = sum(r["inside_word"] for r in rows.values())
    for size, r in rows.items():
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(r["kinds"].items(), key=lambda kv: -kv[1]))
        lines.append(f"| {size} | {r['lines']} | {r['breaks']} | {r['inside_word']} | "
                     f"{r['inside_pct']:.1f} % | {r['syllable_splits']} | {kinds} |")
    lines.append(f"| all | | {all_breaks} | {all_inside} | {100.0 * all_inside / max(all_breaks, 1):.1f} % "
                 f"| {sum(r['syllable_splits'] for r in rows.values())} | |")
    lines += [
        "",
        f"Layout of a {timings[0]['cues']}-cue Thai SRT (the first 300 reference lines, one cue"
        f" each; `build_ass`, what a render does before ffmpeg), {timings[0]['runs']} runs:",
        "",
        "| frame | | wall, median | wall, worst | CPU, median | target |",
        "|---|---|---|---|---|---|",
        *(f"| {t['size']} | {label} | {t[k]['wall_median']:.2f} s | {t[k]['wall_max']:.2f} s "
          f"| {t[k]['cpu_median']:.2f} s | < 1 s |"
          for t in timings
          for k, label in (("cold", "cold (fresh process: imports, ICU, newmm's dictionary, font)"),
                           ("warm", "warm (dictionaries loaded, segmentation caches cleared)"))),
        "",
        "On a busy shared machine the wall time is the CPU time stretched by the wait for a"
        " core; the CPU time is what the layout costs.",
        "",
        "Breaks inside a reference word:",
        "",
    ]
    for size, r in rows.items():
        lines += [f"- {size}: " + ("; ".join(r["examples"]) or "none")]
    return "\n".join(lines) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="one size, 2 timing runs, no results file")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    sizes = SIZES[1:] if args.quick else SIZES
    rows = measure_breaks(sizes)
    timings = [measure_time(2 if args.quick else args.runs, size)
               for size in ([(1080, 1920)] if args.quick else [(1920, 1080), (1080, 1920)])]
    text = report(rows, timings, args.quick)
    print(text)
    if not args.quick:
        RESULTS.write_text(text, encoding="utf-8")
        print(f"written: {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
