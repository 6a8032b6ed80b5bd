#!/usr/bin/env python3
"""The subtitle editor stays responsive while a 40-cue Thai script is typed (issue 23).

    python benchmarks/subs_editor.py              # ~30 s: prints the figures
    python benchmarks/subs_editor.py --runs 3     # repeat the typing of each measured cue

Target: re-laying out one cue (what the page asks after each pause in typing: one
``POST /api/subs/layout`` with that cue's text, the same engine as ``overlay subs check``)
under 50 ms, round trip included. Not a test: nothing asserts on time.

How: a real ``overlay web --no-browser`` child (this tree, its own data folder); a 40-cue
Thai script (the reference set's "talk" lines, a district chief presenting the waste bank,
every other cue two lines run together, as a pasted paragraph is); the whole script laid out
once (what pasting it asks); then cues typed one character at a time, each prefix sent as the
editor sends it, for a full-HD landscape clip and a 1080×1920 portrait one (narrower lines,
more breaks). Each prefix is new text, so no server cache helps. Wall time per request, p50
and p95, and the ratio p95 / 50 ms. On a shared machine the figures move: say so.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
os.environ.setdefault("PYTHAINLP_READ_ONLY", "1")

TARGET_MS = 50.0
CUES = 40
MEASURED = (5, 18, 31)            # the cues typed key by key (short, long, long)


def script_cues(n: int = CUES) -> list[str]:
    """n Thai paragraphs: the "talk" lines of the reference set, every other one two lines
    run together (a pasted paragraph), in order, repeated if the set runs short."""
    from th_reference import load_reference

    talk = [r.text for r in load_reference() if r.section == "talk"]
    out, k = [], 0
    while len(out) < n:
        if len(out) % 2:
            out.append(f"{talk[k % len(talk)]} {talk[(k + 1) % len(talk)]}")
            k += 2
        else:
            out.append(talk[k % len(talk)])
            k += 1
    return out


def percentile(values: list[float], q: float) -> float:
    """The q-quantile (0–1) by linear interpolation between the nearest ranks."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def prefixes(text: str) -> list[str]:
    """What the field holds after each keystroke (a Thai letter with its marks is typed as
    several keys; each is a request in the worst case, no debounce)."""
    return [text[:k] for k in range(1, len(text) + 1)]


def report(rows: list[dict], paste: dict[str, float], machine: str) -> str:
    lines = [f"Subtitle editor: re-layout of one cue (target < {TARGET_MS:g} ms), {machine}", "",
             "| frame | requests | p50 ms | p95 ms | max ms | p95 / target | server CPU ms / request |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['frame']} | {r['n']} | {r['p50']:.1f} | {r['p95']:.1f} | {r['max']:.1f} "
                     f"| {r['p95'] / TARGET_MS:.2f}× | {r.get('cpu', float('nan')):.1f} |")
    lines.append("")
    for frame, ms in paste.items():
        lines.append(f"Whole {CUES}-cue script laid out at once ({frame}, as pasting asks): {ms:.0f} ms")
    return "\n".join(lines)


class Server:
    """`overlay web` as a child process (this tree), with its own data and output folders."""

    def __init__(self, folder: Path) -> None:
        import httpx

        env = {**os.environ, "OVERLAY_DATA_DIR": str(folder / "data"), "OVERLAY_LANG": "en",
               "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
        self.proc = subprocess.Popen([sys.executable, "-m", "overlay", "web", "--no-browser",
                                      "--out-dir", str(folder / "out")],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                     env=env, cwd=str(folder))
        address = self.proc.stdout.readline().strip()
        self.base, token = address.split("/?token=")
        self.client = httpx.Client(base_url=self.base, headers={"X-Overlay-Token": token}, timeout=60)

    def layout(self, body: dict) -> float:
        start = time.perf_counter()
        r = self.client.post("/api/subs/layout", json=body)
        took = (time.perf_counter() - start) * 1000
        r.raise_for_status()
        return took

    def upload_clip(self, path: Path) -> str:
        r = self.client.post("/api/uploads", params={"kind": "clip", "name": path.name},
                             content=path.read_bytes())
        r.raise_for_status()
        return r.json()["id"]

    def cpu(self) -> float:
        """CPU seconds the server process has used (Linux /proc; NaN elsewhere)."""
        try:
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return float("nan")
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.client.close()
        self.proc.terminate()
        self.proc.wait(timeout=30)


def portrait_clip(folder: Path) -> Path:
    from overlay.tools import ffmpeg_exe

    path = folder / "portrait.mp4"
    subprocess.run([ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
                    "-f", "lavfi", "-i", "color=c=gray:size=1080x1920:rate=25:duration=1",
                    "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(path)],
                   check=True)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=1, help="times each measured cue is typed")
    args = parser.parse_args()
    cues = script_cues()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    machine = f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, load {load:.1f}"
    with tempfile.TemporaryDirectory(prefix="overlay-subs-bench-") as tmp:
        folder = Path(tmp)
        server = Server(folder)
        try:
            frames = {"1920x1080": {}, "1080x1920": {"clip": server.upload_clip(portrait_clip(folder))}}
            server.layout({"lang": "th", "text": "สวัสดีครับ"})          # dictionaries loaded
            rows, paste = [], {}
            for frame, extra in frames.items():
                paste[frame] = server.layout({"lang": "th", "texts": cues, **extra})
                times: list[float] = []
                cpu = server.cpu()
                for run in range(args.runs):
                    for k in MEASURED:
                        # a different tail each run: every prefix is new text to the server
                        text = cues[k] + (f" ครั้งที่ {run + 1}" if run else "")
                        times += [server.layout({"lang": "th", "text": p, **extra}) for p in prefixes(text)]
                cpu_ms = (server.cpu() - cpu) * 1000 / len(times)
                rows.append({"frame": frame, "n": len(times), "p50": percentile(times, 0.5),
                             "p95": percentile(times, 0.95), "max": max(times), "cpu": cpu_ms})
        finally:
            server.stop()
    print(report(rows, paste, machine))
    print(f"\n(the page waits {150} ms after the last key before it asks; figures are the server's "
          "answer to one request, loopback round trip included)")
    print("median of all p95 / target:", f"{statistics.median(r['p95'] for r in rows) / TARGET_MS:.2f}×")


if __name__ == "__main__":
    main()
