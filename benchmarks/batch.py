#!/usr/bin/env python3
"""Batch throughput (issue 4): clips per minute with one worker and with the default.

    python benchmarks/batch.py            # six 20 s 720p clips, six Uttaradit districts
    python benchmarks/batch.py --clips 9 --seconds 30

Writes benchmarks/BATCH-RESULTS.md. Each run is `overlay batch … --force` as a child
process, timed from outside, so start-up, validation, checks and reports all count.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORK = HERE / "work" / "batch"
sys.path.insert(0, str(HERE.parent))

DISTRICTS = ("เมืองอุตรดิตถ์", "ตรอน", "ท่าปลา", "น้ำปาด", "ฟากท่า", "บ้านโคก", "พิชัย", "ลับแล",
             "ทองแสนขัน")


def make_clips(count: int, seconds: float) -> list[Path]:
    from overlay.tools import ffmpeg_exe

    WORK.mkdir(parents=True, exist_ok=True)
    clips = []
    for i in range(count):
        path = WORK / f"clip{i}-{seconds:g}s.mp4"
        if not path.is_file():
            subprocess.run([ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi", "-i",
                            f"testsrc2=size=1280x720:rate=30:duration={seconds}", "-f", "lavfi",
                            "-i", f"sine=frequency={300 + 40 * i}:duration={seconds}",
                            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
                            "-c:a", "aac", "-shortest", str(path)], check=True)
        clips.append(path)
    return clips


def write_manifest(clips: list[Path]) -> Path:
    manifest = WORK / "jobs.csv"
    with open(manifest, "w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh)
        writer.writerow(["input", "district"])
        for clip, district in zip(clips, DISTRICTS):
            writer.writerow([clip.name, district])
    return manifest


def run_batch(manifest: Path, jobs: int | None) -> float:
    out = WORK / f"out-{jobs or 'default'}"
    args = [sys.executable, "-m", "overlay", "batch", str(manifest), "--out-dir", str(out), "--force"]
    if jobs:
        args += ["--jobs", str(jobs)]
    start = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True, encoding="utf-8")
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"batch failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return wall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=6)
    parser.add_argument("--seconds", type=float, default=20.0)
    opts = parser.parse_args()
    clips = make_clips(min(opts.clips, len(DISTRICTS)), opts.seconds)
    manifest = write_manifest(clips)
    from overlay.batch import default_workers  # what --jobs defaults to here

    rows = []
    for label, jobs in (("1 worker", 1), (f"default ({default_workers()} on {os.cpu_count()} cores)", None)):
        wall = run_batch(manifest, jobs)
        rows.append((label, wall, len(clips) / wall * 60))
        print(f"{label:32s} {wall:7.1f} s  {len(clips) / wall * 60:6.2f} clips/min", flush=True)
    lines = ["# Batch throughput", "",
             f"{len(clips)} clips of {opts.seconds:g} s, 1280×720 30 fps with sound, standard quality, "
             f"`overlay batch --force`; {platform.processor() or platform.machine()}, "
             f"{os.cpu_count()} cores, Python {platform.python_version()}.", "",
             "| workers | wall s | clips per minute |", "|---|---:|---:|"]
    lines += [f"| {label} | {wall:.1f} | {cpm:.2f} |" for label, wall, cpm in rows]
    lines += ["", f"Ratio default / 1 worker: {rows[0][1] / rows[1][1]:.2f}× the throughput."]
    if default_workers() == 1:
        lines.append("On this machine the default is one worker too (x264 already fills both "
                     "cores), so the two rows are the same set-up and their difference is noise.")
    lines.append("")
    (HERE / "BATCH-RESULTS.md").write_text("\n".join(lines), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
