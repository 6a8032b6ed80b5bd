"""The audit reads each clip once (issue 24, point 5): one open of the file for the probe,
the streams, the logo keyframes and the contact sheet's; one ffmpeg pass for the sound.

Counted at the two seams every read goes through (PyAV's ``av.open`` and ``runner.run``,
the one place that runs ffmpeg), wrapped, not replaced: the real decoder and ffmpeg run.
"""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path

import av

from overlay import render as r
from overlay import runner
from overlay.audit.engine import run_audit
from overlay.check import check_file
from overlay.presets import load_preset

T = "ธนาคารขยะต้นแบบระดับอำเภอ (Best Practice) อำเภอ{d}จังหวัด{p}.mp4"


def counting(monkeypatch, clips: list[Path]) -> tuple[Counter, Counter]:
    opens: Counter = Counter()
    runs: Counter = Counter()
    lock = threading.Lock()
    real_open, real_run = av.open, runner.run
    names = {str(c): c for c in clips}

    def which(text: str) -> Path | None:
        return next((c for n, c in names.items() if n in text), None)

    def open_(file, *args, **kwargs):
        clip = which(str(file))
        if clip is not None:
            with lock:
                opens[clip] += 1
        return real_open(file, *args, **kwargs)

    def run(args, *more, **kwargs):
        clip = which(" ".join(map(str, args)))
        if clip is not None:
            with lock:
                runs[clip] += 1
        return real_run(args, *more, **kwargs)

    monkeypatch.setattr(av, "open", open_)
    monkeypatch.setattr(runner, "run", run)
    return opens, runs


def test_the_audit_reads_each_clip_once(tmp_path, clip3, logo_dir, monkeypatch):
    folder = tmp_path / "sent"
    folder.mkdir()
    clips = []
    for district in ("พิชัย", "ตรอน"):
        plan = r.plan(r.Job(input=clip3, district=district, out_dir=tmp_path / district,
                            max_duration=2, quality="draft", logo_dirs=(logo_dir,)))
        target = folder / T.format(d=district, p="อุตรดิตถ์")
        r.render_with_facts(plan).path.rename(target)
        clips.append(target)
    opens, runs = counting(monkeypatch, clips)

    audit = run_audit(folder, load_preset("uttaradit"), logo_dirs=(logo_dir,), limit=2.5, jobs=2)

    assert opens == {c: 1 for c in clips}, opens        # probe, streams, 7 keyframes: one open
    assert runs == {c: 1 for c in clips}, runs          # the loudness pass
    for district in ("พิชัย", "ตรอน"):
        row = next(row for row in audit.rows if row.district == district)
        (clip,) = row.clips
        assert clip.error is None and clip.sheet and clip.corner and clip.duration
        keys = [item.name for item in clip.items]
        assert "loudness" in keys and "logos at the end" in keys and "name" not in keys
        assert all(item.ok for item in clip.items if item.name.startswith("logos at")), clip.items


def test_check_file_opens_the_file_once_before_its_frames(clip3, logo_dir, monkeypatch):
    """``overlay check FILE``: the probe and the streams share one open (the exact first and
    last frames are still read as before)."""
    opens, runs = counting(monkeypatch, [clip3])
    check_file(clip3, load_preset("uttaradit"), logo_dirs=(logo_dir,))
    assert opens[clip3] == 1 and runs[clip3] == 1     # no district in the name: no logo frames
