"""A synthetic clip and Thai subtitles for ``overlay demo``: nothing to download."""

from __future__ import annotations

from pathlib import Path

from overlay import runner
from overlay.selftest import require
from overlay.subtitles import Cue, write_srt

DEMO_SUBTITLES = (
    "ธนาคารขยะต้นแบบระดับอำเภอ อำเภอพิชัย จังหวัดอุตรดิตถ์",
    "สมาชิกนำขยะรีไซเคิลมาฝากทุกเดือนและได้รับสวัสดิการจากกองทุนของชุมชน",
    "Recyclable waste bank: lessons learned",
)


def make_demo_clip(path: Path, seconds: float = 8.0, size: str = "1280x720", rate: int = 30) -> Path:
    """A moving test pattern with a tone, written atomically; reused when already there."""
    exe = str(require().path)     # an unfit ffmpeg is named before anything is made
    if path.is_file():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    with runner.atomic_output(path, force=False) as temp:
        runner.run([
            exe, "-hide_banner", "-nostdin", "-y",
            "-f", "lavfi", "-i", f"testsrc2=size={size}:rate={rate}:duration={seconds}",
            "-f", "lavfi", "-i", f"sine=frequency=440:beep_factor=4:duration={seconds}",
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-shortest", "-f", "mp4", f"file:{temp.resolve()}"])
    return path


def write_demo_subtitles(path: Path, seconds: float = 8.0) -> Path:
    step = seconds / len(DEMO_SUBTITLES)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_srt([Cue(index=i + 1, start=i * step + 0.2, end=(i + 1) * step - 0.2, text=text)
               for i, text in enumerate(DEMO_SUBTITLES)], path)
    return path
