#!/usr/bin/env python3
"""Where does the time (and memory) go? A/B runs of ffmpeg commands, by hand.

    python benchmarks/experiments.py [--clip benchmarks/work/inputs/clip-30s.mp4] [--reps 2]

Starts from the exact command overlay builds (overlay.graph.build, progress pipe removed)
and changes one thing at a time; runs the variants interleaved, ``--reps`` times each, and
prints the median wall, CPU and peak memory of each. Then times overlay's own work outside
ffmpeg: Python start-up, plan(), check_file(). Needs the inputs of run.py (run it first,
``--quick`` is enough).
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Callable

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import run  # noqa: E402  (benchmarks/run.py)

Edit = Callable[[list[str]], list[str]]


def set_graph(args: list[str], change: Callable[[str], str]) -> list[str]:
    i = args.index("-filter_complex")
    return [*args[:i + 1], change(args[i + 1]), *args[i + 2:]]


def drop(args: list[str], option: str, has_value: bool = True) -> list[str]:
    out, skip = [], 0
    for arg in args:
        if skip:
            skip -= 1
            continue
        if arg == option:
            skip = 1 if has_value else 0
            continue
        out.append(arg)
    return out


def before_output(args: list[str], *extra: str) -> list[str]:
    return [*args[:-1], *extra, args[-1]]


def global_opts(args: list[str], *extra: str) -> list[str]:
    return [args[0], *extra, *args[1:]]


VARIANTS: dict[str, Edit] = {
    "overlay as built": lambda a: a,
    "- scale colour options": lambda a: set_graph(
        a, lambda g: g.replace(":out_color_matrix=bt709:out_range=tv", "")),
    "- scale filter (same size)": lambda a: set_graph(
        a, lambda g: re.sub(r"\[s0\]scale=[^\[]*\[s1\]", "[s0]null[s1]", g)),
    "- fps filter": lambda a: set_graph(a, lambda g: re.sub(r"fps=fps=[^\[]*\[", "null[", g)),
    "- apad, -shortest": lambda a: drop(set_graph(
        a, lambda g: re.sub(r"apad\[", "anull[", g)), "-shortest", has_value=False),
    "- loudnorm": lambda a: set_graph(a, lambda g: re.sub(r"loudnorm=[^\[]*\[", "anull[", g)),
    "- subtitles": lambda a: set_graph(a, lambda g: re.sub(r"subtitles=[^\[]*\[", "null[", g)),
    "x264 threads=2": lambda a: before_output(a, "-threads:v", "2"),
    "decoder threads=1": lambda a: a[:a.index("-i")] + ["-threads", "1"] + a[a.index("-i"):],
    "filter_threads=1": lambda a: global_opts(a, "-filter_threads", "1"),
    "x264 rc-lookahead=10,threads=2": lambda a: before_output(
        a, "-threads:v", "2", "-x264-params", "rc-lookahead=10"),
}


def overlay_command(ctx: run.Context, clip: Path, ass: str, output: Path) -> list[str]:
    from overlay import graph
    from overlay import render as r

    job = r.Job(input=clip, district=run.DISTRICT, out_dir=output.parent, preset=run.PRESET,
                quality=run.QUALITY, max_duration=ctx.sizes.limit, force=True)
    plan = r.plan(job)
    spec_of = getattr(r, "graph_spec", None) or r._spec
    args = graph.build(spec_of(plan, output, *ctx.logo_xy, ass, ()), ctx.ff)
    i = args.index("-progress")
    return [*args[:i], *args[i + 2:]]


def time_python_side(clip: Path, finished: Path | None) -> None:
    import subprocess

    from overlay import render as r
    from overlay.check import check_file

    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "overlay", "--version"], capture_output=True)
    print(f"python -m overlay --version: {time.perf_counter() - start:.2f} s")
    job = r.Job(input=clip, district=run.DISTRICT, out_dir=Path("/tmp"), preset=run.PRESET,
                force=True, subs_th=None)
    start = time.perf_counter()
    plan = r.plan(job)
    print(f"plan(): {time.perf_counter() - start:.2f} s")
    if finished is not None:
        from overlay.check import frames_at, integrated_loudness

        for label, fn in (("check_file()", lambda: check_file(finished, plan.preset,
                                                             district=run.DISTRICT)),
                          ("  of which integrated_loudness()", lambda: integrated_loudness(finished)),
                          ("  of which frames_at(3 times)", lambda: frames_at(
                              finished, [0.0, plan.duration / 2, plan.duration + 1]))):
            start = time.perf_counter()
            fn()
            print(f"{label} on {finished.name[:20]}…: {time.perf_counter() - start:.2f} s")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clip", type=Path, default=run.WORK / "inputs" / "clip-30s.mp4")
    parser.add_argument("--reps", type=int, default=2)
    parser.add_argument("--only", action="append", default=[])
    parser.add_argument("--finished", type=Path, default=None,
                        help="a finished file to time check_file() on")
    a = parser.parse_args()
    sizes = run.QUICK if "30s" in a.clip.name or "10s" in a.clip.name else run.FULL
    ctx = run.make_context(sizes)
    seconds = min(run.video_facts(a.clip)[1] or sizes.limit, sizes.limit)
    folder, ass, env = run.prepare_hand_folder(ctx, seconds)
    output = run.WORK / "out" / "experiments" / "out.mp4"
    output.parent.mkdir(parents=True, exist_ok=True)
    base = overlay_command(ctx, a.clip, ass, output)
    variants = {name: edit(base) for name, edit in VARIANTS.items()
                if not a.only or any(o in name for o in a.only)}
    variants["hand-written (run.py)"] = run.hand_written_args(ctx, a.clip, seconds, False, ass,
                                                              output)
    print("base command:", " ".join(base), flush=True)
    results: dict[str, list[run.Measure]] = {name: [] for name in variants}
    for rep in range(a.reps):
        for name, args in variants.items():
            m = run.measure(run.Measure(name, name, seconds), args,
                            log=run.WORK / "logs" / "experiments.log", cwd=folder, env=env)
            results[name].append(m)
            print(f"[{rep + 1}] {name:32s} wall {m.wall:6.2f}  CPU {m.cpu:6.2f}  "
                  f"others {m.others_cpu or 0:5.1f}  peak {m.peak_tree_mb or 0:5.0f} MB"
                  f"{'' if m.ok else '  FAILED ' + m.note}", flush=True)
    print(f"\nmedians over {a.reps} run(s), {a.clip.name}:")
    print("| variant | wall s | CPU s | peak MB |\n|---|---|---|---|")
    for name, ms in results.items():
        med = lambda f, ms=ms: statistics.median(f(m) for m in ms)  # noqa: E731
        print(f"| {name} | {med(lambda m: m.wall):.2f} | {med(lambda m: m.cpu):.2f} | "
              f"{med(lambda m: m.peak_tree_mb or m.max_proc_mb):.0f} |")
    time_python_side(a.clip, a.finished)
    return 0


if __name__ == "__main__":
    sys.exit(main())
