#!/usr/bin/env python3
"""Benchmarks for overlay (issue 6): is one ffmpeg pass as fast as the hand-written limit?

    python benchmarks/run.py              # full run (~30 min on 2 cores), writes RESULTS.md
    python benchmarks/run.py --quick      # 10 s / 60 s / 120 s clips, a 30 s limit: a smoke run
    python benchmarks/run.py --only render-short,hand-short

Every case runs as a child process and is measured the same way:

* wall time: time.perf_counter around the child;
* CPU time: user + sys of the whole child tree, from resource.getrusage(RUSAGE_CHILDREN)
  deltas (a grandchild's time reaches us once its parent has waited for it);
* peak memory: the peak of the SUM of RSS over the child process tree, polled every 50 ms
  with psutil (when installed), and the largest single process's ru_maxrss from wait4;
* output fps: frames in the output file / wall time;
* encode s: how long the longest-lived ffmpeg process of the tree was alive (psutil), so
  wall - encode s is what overlay spends outside ffmpeg (start-up, probe, plan, check).

Inputs (1080p30 moving test pattern with a tone, a Thai SRT) are generated once with the
bundled ffmpeg into benchmarks/work/ (git-ignored) and reused.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Sequence

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
WORK = HERE / "work"
RESULTS = HERE / "RESULTS.md"
sys.path.insert(0, str(REPO))

DISTRICT = "พิชัย"
PRESET = "uttaradit"
QUALITY = "standard"
SIZE = (1920, 1080)
RATE = 30
POLL = 0.05

# Targets from issue 6.
TARGET_VS_HAND = 1.05
TARGET_LONG_VS_BASE = 1.10
TARGET_PREVIEW_S = 2.0
TARGET_CHECK_S = 5.0
TARGET_PEAK_MB = 600.0
TARGET_MOVIEPY = 3.0
# Issue 17: the sound is measured before the render (audio only, the kept window); that pass
# is part of `overlay render` (so inside the 1.05× above) and must stay a small share of it.
TARGET_MEASURE_SHARE = 0.05

SUBTITLE_LINES = (
    "ธนาคารขยะต้นแบบระดับอำเภอ อำเภอพิชัย จังหวัดอุตรดิตถ์",
    "สมาชิกนำขยะรีไซเคิลมาฝากทุกเดือน และได้รับสวัสดิการจากกองทุนของชุมชน",
    "ปัจจัยแห่งความสำเร็จคือการมีส่วนร่วมของผู้นำชุมชนและองค์กรปกครองส่วนท้องถิ่น",
    "ลดค่าใช้จ่ายในการเก็บขนขยะได้ปีละหลายแสนบาท",
    "Recyclable waste bank: lessons learned (Best Practice)",
    "สวัสดิการฌาปนกิจ ทุนการศึกษา และค่ารักษาพยาบาลสำหรับสมาชิก",
)


# ---------------------------------------------------------------- sizes and inputs

@dataclass(frozen=True)
class Sizes:
    short: float    # "45 s" clip: overlay vs hand-written vs MoviePy
    medium: float   # "6-minute" clip: overlay vs hand-written, cut to the limit
    long: float     # "20-minute" clip, cut to the limit
    base: float     # "5-minute" clip, exactly the limit
    limit: float    # the length limit (the mandate's 300 s)


FULL = Sizes(short=45, medium=360, long=1200, base=300, limit=300)
QUICK = Sizes(short=10, medium=60, long=120, base=30, limit=30)


def ffmpeg() -> str:
    from overlay.tools import ffmpeg_exe

    return ffmpeg_exe()


def run_quiet(args: Sequence[str], **kwargs) -> None:
    done = subprocess.run(list(args), stdin=subprocess.DEVNULL, capture_output=True, **kwargs)
    if done.returncode != 0:
        tail = done.stderr.decode("utf-8", "replace")[-2000:]
        raise RuntimeError(f"command failed ({done.returncode}): {args[0]} …\n{tail}")


def _atomic(path: Path, make: Callable[[Path], None]) -> Path:
    """Build ``path`` once (through a temporary sibling); reuse it on later runs."""
    if path.is_file():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".partial-{path.name}")
    make(temp)
    temp.replace(path)
    return path


def generate_master(path: Path, seconds: float) -> Path:
    """1080p30 moving test pattern with a beeping tone: x264 ultrafast (fast to make)."""
    w, h = SIZE
    return _atomic(path, lambda temp: run_quiet([
        ffmpeg(), "-hide_banner", "-nostdin", "-y",
        "-f", "lavfi", "-i", f"testsrc2=size={w}x{h}:rate={RATE}:duration={seconds}",
        "-f", "lavfi", "-i", f"sine=frequency=440:beep_factor=4:sample_rate=48000:duration={seconds}",
        "-c:v", "libx264", "-preset", "ultrafast", "-g", str(2 * RATE), "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-b:a", "128k", "-ac", "2", "-shortest", "-f", "mp4", str(temp)]))


def cut_copy(master: Path, path: Path, seconds: float) -> Path:
    """The first ``seconds`` of the master, stream-copied (no re-encode)."""
    return _atomic(path, lambda temp: run_quiet([
        ffmpeg(), "-hide_banner", "-nostdin", "-y", "-i", str(master), "-t", f"{seconds}",
        "-map", "0", "-c", "copy", "-f", "mp4", str(temp)]))


def loop_copy(clip: Path, path: Path, times: int) -> Path:
    """``clip`` played ``times`` times in a row, stream-copied: a long input in seconds."""
    return _atomic(path, lambda temp: run_quiet([
        ffmpeg(), "-hide_banner", "-nostdin", "-y", "-stream_loop", str(times - 1), "-i", str(clip),
        "-map", "0", "-c", "copy", "-f", "mp4", str(temp)]))


def srt_time(t: float) -> str:
    ms = int(round(t * 1000))
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d},{ms % 1000:03d}"


def srt_text(seconds: float, every: float = 4.0) -> str:
    blocks, t, i = [], 0.5, 0
    while t + every <= seconds:
        text = SUBTITLE_LINES[i % len(SUBTITLE_LINES)]
        blocks.append(f"{i + 1}\n{srt_time(t)} --> {srt_time(t + every - 0.5)}\n{text}\n")
        t, i = t + every, i + 1
    return "\n".join(blocks)


@dataclass(frozen=True)
class Inputs:
    short: Path
    medium: Path
    base: Path
    long: Path
    srt: Path


def make_inputs(sizes: Sizes) -> Inputs:
    folder = WORK / "inputs"
    name = lambda s: folder / f"clip-{int(s)}s.mp4"  # noqa: E731
    master = generate_master(name(max(sizes.medium, sizes.base)), max(sizes.medium, sizes.base))
    base = cut_copy(master, name(sizes.base), sizes.base) if sizes.base != sizes.medium else master
    loops = int(round(sizes.long / sizes.base))
    srt = folder / f"th-{int(sizes.long)}s.srt"
    if not srt.is_file():
        srt.write_text(srt_text(sizes.long), encoding="utf-8")
    return Inputs(short=cut_copy(master, name(sizes.short), sizes.short), medium=master,
                  base=base, long=loop_copy(base, name(sizes.long), loops), srt=srt)


# ---------------------------------------------------------------- measuring one child

@dataclass
class Measure:
    name: str
    what: str
    input_s: float | None
    output_s: float | None = None
    wall: float = 0.0
    cpu: float = 0.0
    peak_tree_mb: float | None = None
    max_proc_mb: float | None = None
    encode_s: float | None = None
    others_cpu: float | None = None   # CPU time the rest of the machine used meanwhile
    frames: int | None = None
    note: str = ""
    ok: bool = True

    @property
    def fps(self) -> float | None:
        return self.frames / self.wall if self.frames and self.wall > 0 else None


class TreeWatcher(threading.Thread):
    """Polls a process tree: peak summed RSS and each ffmpeg's lifetime (needs psutil)."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = 0
        self.seen: dict[int, tuple[str, float, float]] = {}   # pid -> (name, first, last)
        self.done = threading.Event()

    def run(self) -> None:
        import psutil

        try:
            root = psutil.Process(self.pid)
        except psutil.Error:
            return
        while not self.done.is_set():
            total = 0
            now = time.perf_counter()
            try:
                procs = [root, *root.children(recursive=True)]
            except psutil.Error:
                break
            for proc in procs:
                try:
                    total += proc.memory_info().rss
                    name = proc.name()
                except psutil.Error:
                    continue
                first = self.seen.get(proc.pid, (name, now, now))[1]
                self.seen[proc.pid] = (name, first, now)
            self.peak = max(self.peak, total)
            self.done.wait(POLL)

    def longest_ffmpeg(self) -> float | None:
        spans = [last - first for name, first, last in self.seen.values() if "ffmpeg" in name]
        return max(spans) if spans else None


def have(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def busy_cpu() -> float | None:
    """CPU seconds the whole machine has been busy (all cores), or None without psutil."""
    if not have("psutil"):
        return None
    import psutil

    t = psutil.cpu_times()
    return sum(t) - t.idle - getattr(t, "iowait", 0.0) - getattr(t, "guest", 0.0) \
        - getattr(t, "guest_nice", 0.0)


def measure(m: Measure, args: Sequence[str], *, log: Path, cwd: Path | None = None,
            env: dict[str, str] | None = None) -> Measure:
    """Run ``args`` as a child, fill in wall, CPU and memory figures of ``m``."""
    # POSIX only (as os.wait4): imported here so that the module loads on Windows.
    import resource

    log.parent.mkdir(parents=True, exist_ok=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    busy_before = busy_cpu()
    with open(log, "wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(list(args), cwd=cwd, env={**os.environ, **(env or {})},
                                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
        watcher = TreeWatcher(proc.pid) if have("psutil") else None
        if watcher:
            watcher.start()
        _pid, status, usage = os.wait4(proc.pid, 0)
        m.wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    busy_after = busy_cpu()
    if watcher:
        watcher.done.set()
        watcher.join()
        m.peak_tree_mb = watcher.peak / 2**20
        m.encode_s = watcher.longest_ffmpeg()
    m.cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    m.max_proc_mb = usage.ru_maxrss / 1024          # Linux: kilobytes
    if busy_before is not None and busy_after is not None:
        # Other work on the machine (other users' tests, our own poller) competes for cores.
        m.others_cpu = max(0.0, busy_after - busy_before - m.cpu)
    if proc.returncode != 0:
        m.ok = False
        m.note = (m.note + f" exit {proc.returncode}, see {log.relative_to(HERE)}").strip()
    return m


def video_facts(path: Path) -> tuple[int | None, float | None]:
    """(frames, seconds) of the first video stream of ``path``."""
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        seconds = float(stream.duration * stream.time_base) if stream.duration else None
        return (stream.frames or None), seconds


def with_output_facts(m: Measure, output: Path | None) -> Measure:
    if m.ok and output is not None and output.is_file():
        m.frames, m.output_s = video_facts(output)
    return m


# ---------------------------------------------------------------- the context

@dataclass
class Context:
    sizes: Sizes
    inputs: Inputs
    ff: str
    preset: object                  # overlay.presets.Preset
    logo_png: Path
    logo_xy: tuple[int, int]
    results: dict[str, Measure] = field(default_factory=dict)

    @property
    def env(self) -> dict[str, str]:
        # overlay and the hand-written command must use the same ffmpeg binary.
        return {"OVERLAY_FFMPEG": self.ff, "PYTHONPATH": str(REPO)}

    def out_dir(self, name: str, clean: bool = True) -> Path:
        folder = WORK / "out" / name
        if clean and folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def log(self, name: str) -> Path:
        return WORK / "logs" / f"{name}.log"


def make_context(sizes: Sizes) -> Context:
    from overlay.logofiles import district_logos
    from overlay.logos import compose_row
    from overlay.presets import load_preset

    inputs = make_inputs(sizes)
    preset = load_preset(PRESET)
    refs = district_logos(preset, preset.district(DISTRICT))
    # What render() composes: the preset's logo height and margin.
    row = compose_row([ref.path for ref in refs], *SIZE, height_fraction=preset.logo_height,
                      safe_inset=preset.logo_margin)
    png = WORK / "hand" / "logos.png"
    png.parent.mkdir(parents=True, exist_ok=True)
    row.image.save(png)
    return Context(sizes=sizes, inputs=inputs, ff=ffmpeg(), preset=preset, logo_png=png,
                   logo_xy=(row.x, row.y))


def window(ctx: Context, clip_s: float) -> float:
    return min(clip_s, ctx.sizes.limit)


# ---------------------------------------------------------------- the cases

def overlay_render(ctx: Context, name: str, clip: Path, clip_s: float, what: str) -> Measure:
    out = ctx.out_dir(name)
    args = [sys.executable, "-m", "overlay", "render", str(clip), "--district", DISTRICT,
            "--preset", PRESET, "--quality", QUALITY, "--subs-th", str(ctx.inputs.srt),
            "--max-duration", f"{ctx.sizes.limit:g}", "--out-dir", str(out), "--force"]
    m = measure(Measure(name, what, clip_s), args, log=ctx.log(name), env=ctx.env)
    return with_output_facts(m, next(out.glob("*.mp4"), None))


def hand_written_args(ctx: Context, clip: Path, seconds: float, cut: bool,
                      ass: str, output: Path) -> list[str]:
    """The limit: one ffmpeg command written by hand, same output as overlay's."""
    enc = ctx.preset.encode
    profile = enc.profile(QUALITY)
    w, h = SIZE
    x, y = ctx.logo_xy
    fade = f",fade=t=out:st={seconds - 0.5:.3f}:d=0.5" if cut else ""
    afade = f",afade=t=out:st={seconds - 0.5:.3f}:d=0.5" if cut else ""
    graph = (f"[0:v]scale={w}:{h},format=yuv420p{fade}[bg];"
             f"[bg][1:v]overlay=x={x}:y={y}:format=yuv420,"
             f"subtitles=filename={ass}:fontsdir=fonts[v];"
             f"[0:a]loudnorm=I={enc.loudness}:TP={enc.true_peak}:LRA=11,"
             f"aresample={enc.audio_rate}{afade}[a]")
    return [ctx.ff, "-hide_banner", "-nostdin", "-y",
            "-t", f"{seconds:.3f}", "-i", str(clip), "-i", "logos.png",
            "-filter_complex", graph, "-map", "[v]", "-map", "[a]",
            "-c:v", "libx264", "-preset", profile.preset, "-crf", str(profile.crf),
            "-profile:v", "high", "-pix_fmt", "yuv420p", "-g", str(2 * RATE), "-bf", "2",
            "-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709",
            "-color_range", "tv",
            "-c:a", "aac", "-b:a", enc.audio_bitrate, "-ar", str(enc.audio_rate), "-ac", "2",
            "-movflags", "+faststart", "-map_metadata", "-1", "-f", "mp4", str(output)]


def prepare_hand_folder(ctx: Context, seconds: float) -> tuple[Path, str, dict[str, str]]:
    """logos.png, the ASS file overlay would write, and libass's private font setup."""
    from overlay import subtitles

    folder = WORK / "hand"
    env = subtitles.prepare_libass(folder)
    cues = subtitles.read_srt(ctx.inputs.srt).cues
    kept, _dropped = subtitles.fit_window(cues, 0.0, seconds)
    ass = f"subs-{int(seconds)}s.ass"
    (folder / ass).write_text(subtitles.build_ass({"th": kept}, *SIZE), encoding="utf-8")
    return folder, ass, env


def hand_written(ctx: Context, name: str, clip: Path, clip_s: float, what: str) -> Measure:
    seconds = window(ctx, clip_s)
    folder, ass, env = prepare_hand_folder(ctx, seconds)
    output = ctx.out_dir(name) / "hand.mp4"
    args = hand_written_args(ctx, clip, seconds, clip_s > seconds, ass, output)
    (WORK / "logs").mkdir(parents=True, exist_ok=True)
    (WORK / "logs" / f"{name}.cmd.json").write_text(json.dumps(args, ensure_ascii=False, indent=1))
    m = measure(Measure(name, what, clip_s), args, log=ctx.log(name), cwd=folder, env=env)
    return with_output_facts(m, output)


def moviepy_job(ctx: Context, name: str, clip: Path, clip_s: float, what: str) -> Measure:
    m = Measure(name, what, clip_s)
    if not have("moviepy"):
        m.ok, m.note = False, "skipped: MoviePy is not installed (pip install 'moviepy>=2')"
        return m
    profile = ctx.preset.encode.profile(QUALITY)
    output = ctx.out_dir(name) / "moviepy.mp4"
    x, y = ctx.logo_xy
    args = [sys.executable, str(HERE / "moviepy_job.py"), str(clip), str(output),
            "--logos", str(ctx.logo_png), "--x", str(x), "--y", str(y),
            "--srt", str(ctx.inputs.srt), "--limit", f"{window(ctx, clip_s):.3f}",
            "--preset", profile.preset, "--crf", str(profile.crf),
            "--font", str(REPO / "assets" / "fonts" / "Loma.otf")]
    m = measure(m, args, log=ctx.log(name), env=ctx.env)
    return with_output_facts(m, output)


def overlay_preview(ctx: Context, name: str, clip: Path, clip_s: float, what: str) -> Measure:
    output = ctx.out_dir(name) / "preview.png"
    args = [sys.executable, "-m", "overlay", "preview", str(clip), "--district", DISTRICT,
            "--preset", PRESET, "--at", f"{clip_s / 2:.1f}", "--subs-th", str(ctx.inputs.srt),
            "--out", str(output)]
    m = measure(Measure(name, what, clip_s), args, log=ctx.log(name), env=ctx.env)
    if m.ok and output.is_file():
        m.frames = 1
    return m


def limit_length_output(ctx: Context) -> Path:
    """A finished limit-length file: render-base's, rendered now (untimed) if missing."""
    folder = WORK / "out" / "render-base"
    found = next(folder.glob("*.mp4"), None) if folder.is_dir() else None
    if found is None:
        print("  (rendering render-base first, untimed, to have a file to check)", flush=True)
        overlay_render(ctx, "render-base", ctx.inputs.base, ctx.sizes.base, "")
        found = next(folder.glob("*.mp4"), None)
    if found is None:
        raise RuntimeError("render-base wrote no file; see benchmarks/work/logs/render-base.log")
    return found


def overlay_check(ctx: Context, name: str, clip: Path, clip_s: float, what: str) -> Measure:
    finished = limit_length_output(ctx)
    args = [sys.executable, "-m", "overlay", "check", str(finished)]
    m = measure(Measure(name, what, clip_s), args, log=ctx.log(name), env=ctx.env)
    m.output_s = video_facts(finished)[1]
    return m


MEASURE_CHILD = """
import sys
from pathlib import Path
from overlay import loudness
from overlay.presets import load_preset
ff, clip, seconds = sys.argv[1], Path(sys.argv[2]), float(sys.argv[3])
enc = load_preset(sys.argv[4]).encode
plan = loudness.plan_for(ff, clip, 0.0, seconds, loudness.Target.of(enc), rate=enc.audio_rate)
print("PLAN", plan.kind, plan.source)
"""


def measuring_pass(ctx: Context, name: str, clip: Path, clip_s: float, what: str) -> Measure:
    """The sound's measuring passes alone, exactly as `overlay render` runs them before the
    render (ffmpeg, audio only, the kept window; one pass for a plain gain, two or three when
    the limiter or the compressor is needed), in a Python child that imports only what they
    need: their own cost, already inside the render rows."""
    args = [sys.executable, "-c", MEASURE_CHILD, ctx.ff, str(clip), f"{window(ctx, clip_s):.3f}",
            PRESET]
    m = measure(Measure(name, what, clip_s), args, log=ctx.log(name), env=ctx.env)
    if m.ok:
        log = ctx.log(name).read_text(encoding="utf-8", errors="replace")
        m.note = next((line.split(" ", 2)[1] for line in log.splitlines()
                       if line.startswith("PLAN ")), "")
        m.note = f"plan: {m.note}" if m.note else ""
    return m


@dataclass(frozen=True)
class Case:
    name: str
    what: str
    run: Callable[[Context, str, Path, float, str], Measure]
    clip: str      # which input: short, medium, base, long


CASES = (
    Case("render-short", "overlay render, short clip", overlay_render, "short"),
    Case("hand-short", "hand-written ffmpeg, short clip", hand_written, "short"),
    Case("moviepy-short", "MoviePy 2, short clip", moviepy_job, "short"),
    Case("render-medium", "overlay render, medium clip → limit", overlay_render, "medium"),
    Case("hand-medium", "hand-written ffmpeg, medium clip → limit", hand_written, "medium"),
    Case("render-base", "overlay render, limit-length clip", overlay_render, "base"),
    Case("render-long", "overlay render, long clip → limit", overlay_render, "long"),
    Case("preview", "overlay preview, one frame", overlay_preview, "short"),
    Case("check", "overlay check, limit-length file", overlay_check, "base"),
    Case("measure-base", "the sound's measuring pass alone, limit-length clip", measuring_pass,
         "base"),
)


def run_case(ctx: Context, case: Case) -> Measure:
    clip = getattr(ctx.inputs, case.clip)
    clip_s = getattr(ctx.sizes, case.clip)
    print(f"- {case.name}: {case.what} ({clip_s:g} s input) …", flush=True)
    m = case.run(ctx, case.name, clip, clip_s, case.what)
    print(f"  {m.wall:.2f} s wall, {m.cpu:.2f} s CPU{'  ' + m.note if m.note else ''}", flush=True)
    return m


# ---------------------------------------------------------------- pure helpers: ratios, verdicts, table

def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or denominator is None or denominator <= 0:
        return None
    return numerator / denominator


def _wall(results: dict[str, Measure], name: str) -> float | None:
    m = results.get(name)
    return m.wall if m is not None and m.ok else None


def ratios(results: dict[str, Measure]) -> dict[str, float | None]:
    w = lambda name: _wall(results, name)  # noqa: E731
    return {
        "overlay / hand-written (short)": ratio(w("render-short"), w("hand-short")),
        "overlay / hand-written (medium → limit)": ratio(w("render-medium"), w("hand-medium")),
        "MoviePy / overlay (short)": ratio(w("moviepy-short"), w("render-short")),
        "long input / limit-length input (both → limit)": ratio(w("render-long"), w("render-base")),
        "measuring pass / render (limit-length)": ratio(w("measure-base"), w("render-base")),
    }


@dataclass(frozen=True)
class Verdict:
    target: str
    value: float | None
    bound: float
    at_most: bool     # True: value <= bound passes; False: value >= bound passes
    unit: str = ""
    strict: bool = False   # "<" rather than "≤"

    @property
    def met(self) -> bool | None:
        if self.value is None:
            return None
        if self.strict:
            return self.value < self.bound if self.at_most else self.value > self.bound
        return self.value <= self.bound if self.at_most else self.value >= self.bound

    def line(self) -> str:
        mark = {True: "met", False: "MISSED", None: "not measured"}[self.met]
        shown = "—" if self.value is None else f"{self.value:.2f}{self.unit}"
        op = ("<" if self.at_most else ">") if self.strict else ("≤" if self.at_most else "≥")
        return f"{self.target}: {shown} (target {op} {self.bound:g}{self.unit}) — {mark}"


def peak_memory(results: dict[str, Measure]) -> float | None:
    """Largest peak of overlay's own cases (render, preview, check), tree sum if polled."""
    values = [m.peak_tree_mb if m.peak_tree_mb is not None else m.max_proc_mb
              for m in results.values()
              if m.ok and (m.name.startswith("render-") or m.name in ("preview", "check"))]
    values = [v for v in values if v is not None]
    return max(values) if values else None


def verdicts(results: dict[str, Measure]) -> list[Verdict]:
    r = ratios(results)
    return [
        Verdict("overlay ≤ 1.05× hand-written (short)", r["overlay / hand-written (short)"],
                TARGET_VS_HAND, True, "×"),
        Verdict("overlay ≤ 1.05× hand-written (medium → limit)",
                r["overlay / hand-written (medium → limit)"], TARGET_VS_HAND, True, "×"),
        Verdict("long input ≤ 1.1× limit-length input",
                r["long input / limit-length input (both → limit)"], TARGET_LONG_VS_BASE, True, "×"),
        Verdict("preview < 2 s", _wall(results, "preview"), TARGET_PREVIEW_S, True, " s", True),
        Verdict("check of a limit-length file < 5 s", _wall(results, "check"), TARGET_CHECK_S,
                True, " s", True),
        Verdict("peak memory ≤ 600 MB at 1080p (overlay's cases)", peak_memory(results),
                TARGET_PEAK_MB, True, " MB"),
        Verdict("MoviePy ≥ 3× slower than overlay", r["MoviePy / overlay (short)"],
                TARGET_MOVIEPY, False, "×"),
        Verdict("measuring pass ≤ 5 % of the render (limit-length)",
                r["measuring pass / render (limit-length)"], TARGET_MEASURE_SHARE, True),
    ]


def _num(value: float | int | None, digits: int = 1) -> str:
    if value is None:
        return "—"
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)


COLUMNS = ("case", "what", "input s", "output s", "wall s", "CPU s", "CPU/wall",
           "others' CPU s", "peak RSS tree MB", "largest proc MB", "ffmpeg alive s", "outside ffmpeg s",
           "output fps", "note")


def row_cells(m: Measure) -> list[str]:
    outside = m.wall - m.encode_s if m.encode_s is not None and m.ok else None
    return [m.name, m.what, _num(m.input_s, 0) if m.input_s is not None else "—",
            _num(m.output_s, 2), _num(m.wall, 2) if m.ok or m.wall else "—",
            _num(m.cpu, 2) if m.wall else "—", _num(ratio(m.cpu, m.wall), 2),
            _num(m.others_cpu, 1),
            _num(m.peak_tree_mb, 0), _num(m.max_proc_mb, 0), _num(m.encode_s, 2),
            _num(outside, 2), _num(m.fps, 1), m.note]


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    escape = lambda s: str(s).replace("|", "\\|")  # noqa: E731
    lines = ["| " + " | ".join(escape(h) for h in header) + " |",
             "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(escape(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def results_table(results: Sequence[Measure]) -> str:
    return markdown_table(COLUMNS, [row_cells(m) for m in results])


def ratio_lines(results: dict[str, Measure]) -> list[str]:
    return [f"- {k}: {'—' if v is None else f'{v:.2f}×'}" for k, v in ratios(results).items()]


# ---------------------------------------------------------------- the machine

def _first_line(path: str, key: str) -> str | None:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(key):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def _git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True)
    return done.stdout.rstrip("\n")


def machine() -> dict[str, str]:
    mem_kb = _first_line("/proc/meminfo", "MemTotal")
    ff_version = subprocess.run([ffmpeg(), "-hide_banner", "-version"], capture_output=True,
                                text=True).stdout.splitlines()[0]
    dirty = [line[3:] for line in _git("status", "--porcelain", "--", "overlay").splitlines()]
    moviepy = "not installed"
    if have("moviepy"):
        from importlib.metadata import version

        moviepy = version("moviepy")
    return {
        "CPU": _first_line("/proc/cpuinfo", "model name") or platform.processor() or "?",
        "cores (os.cpu_count)": str(os.cpu_count()),
        "RAM": f"{int(mem_kb.split()[0]) / 2**20:.1f} GiB" if mem_kb else "?",
        "OS": platform.platform(),
        "Python": platform.python_version(),
        "ffmpeg": f"{ff_version} ({ffmpeg()})",
        "overlay commit": _git("rev-parse", "--short", "HEAD").strip() + (
            f" + uncommitted changes in {', '.join(dirty)}" if dirty else ""),
        "MoviePy": moviepy,
        "peak memory method": ("psutil: peak of the summed RSS of the child process tree, "
                               f"polled every {POLL * 1000:.0f} ms" if have("psutil") else
                               "psutil missing: only ru_maxrss of the largest process"),
    }


def report(ctx: Context, results: dict[str, Measure], quick: bool, started: str) -> str:
    s = ctx.sizes
    lines = [
        "# Benchmark results" + (" (quick smoke run)" if quick else ""),
        "",
        f"Written by `python benchmarks/run.py{''.join(' ' + a for a in sys.argv[1:])}` "
        f"on {started}. "
        f"Inputs: 1080p30 moving test pattern with a tone (x264 ultrafast), short {s.short:g} s, "
        f"medium {s.medium:g} s, limit-length {s.base:g} s, long {s.long:g} s; a Thai SRT "
        f"(a cue every 4 s). Limit {s.limit:g} s; preset `{PRESET}`, quality `{QUALITY}` "
        f"(x264 {ctx.preset.encode.profile(QUALITY).preset}, crf "
        f"{ctx.preset.encode.profile(QUALITY).crf}); subtitles burnt in every case.",
        "",
        "## Machine",
        "",
        *[f"- {k}: {v}" for k, v in machine().items()],
        "",
        "## Results",
        "",
        results_table(list(results.values())),
        "",
        "Wall: elapsed time of the child process (for `overlay` this includes Python start-up, "
        "probing, planning, the sound's measuring pass (audio only), the one ffmpeg pass and the "
        "compliance check `render` runs after it). "
        "CPU: user+sys of the child tree (`getrusage(RUSAGE_CHILDREN)` deltas). "
        "ffmpeg alive: lifetime of the longest-lived ffmpeg process in the tree (psutil); "
        "outside ffmpeg = wall − that. Output fps = frames in the output / wall. "
        "Others' CPU: CPU seconds the rest of the machine used during the case (psutil "
        "system-wide busy time − ours); large values mean the figure is disturbed.",
        "",
        "## Ratios",
        "",
        *ratio_lines(results),
        "",
        "## Targets (issues 6 and 17)",
        "",
        *[f"- {v.line()}" for v in verdicts(results)],
        "",
    ]
    return "\n".join(lines)


# ---------------------------------------------------------------- main

def load_previous() -> dict[str, Measure]:
    path = WORK / "results.json"
    if not path.is_file():
        return {}
    raw = json.loads(path.read_text())
    return {name: Measure(**{k: v for k, v in row.items() if k != "fps"})
            for name, row in raw.items()}


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="short clips (10 s / 60 s / 120 s, 30 s limit): a smoke run")
    parser.add_argument("--only", action="append", default=[], metavar="NAME",
                        help="run only these cases (comma-separated or repeated): "
                             + ", ".join(c.name for c in CASES))
    parser.add_argument("--keep", action="store_true",
                        help="start from the figures of the previous run (benchmarks/work/"
                             "results.json) and re-measure only the --only cases, e.g. those a "
                             "busy machine disturbed; the report lists which were re-measured")
    parser.add_argument("--results", type=Path, default=None,
                        help="where to write the Markdown report (default: benchmarks/RESULTS.md "
                             "for a full run of every case, benchmarks/work/RESULTS-partial.md "
                             "otherwise)")
    return parser.parse_args(argv)


def selected(only: Sequence[str]) -> list[Case]:
    names = [n.strip() for item in only for n in item.split(",") if n.strip()]
    unknown = sorted(set(names) - {c.name for c in CASES})
    if unknown:
        raise SystemExit(f"unknown case(s): {', '.join(unknown)}; choose from "
                         + ", ".join(c.name for c in CASES))
    return [c for c in CASES if not names or c.name in names]


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    cases = selected(args.only)
    sizes = QUICK if args.quick else FULL
    started = time.strftime("%Y-%m-%d %H:%M %Z")
    if not have("psutil"):
        print("note: psutil is not installed; peak memory is ru_maxrss of the largest process "
              "only (pip install psutil for the whole tree)", flush=True)
    print(f"generating inputs in {WORK / 'inputs'} (cached) …", flush=True)
    t0 = time.perf_counter()
    ctx = make_context(sizes)
    print(f"  ready in {time.perf_counter() - t0:.1f} s", flush=True)
    results = load_previous() if args.keep else {}
    for case in cases:
        results[case.name] = run_case(ctx, case)
    results = {c.name: results[c.name] for c in CASES if c.name in results}   # table order
    text = report(ctx, results, args.quick, started)
    if args.keep:
        text += (f"\nRe-measured on {started} (the machine was quiet again): "
                 f"{', '.join(c.name for c in cases)}; the other rows are from the run before.\n")
    print()
    print(text)
    full = not args.quick and len(results) == len(CASES)
    target = args.results or (RESULTS if full else WORK / "RESULTS-partial.md")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    (WORK / "results.json").write_text(json.dumps(
        {k: {**asdict(v), "fps": v.fps} for k, v in results.items()}, indent=1, ensure_ascii=False))
    print(f"written: {target}")
    return 0 if all(m.ok or m.note.startswith("skipped") for m in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
