"""The one engine call: a job in, progress and cancel in, a typed result out."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from overlay import engine, probe, render
from overlay.errors import OutputExists, UsageError


def job(clip: Path, out: Path, logo_dir: Path, **kw) -> render.Job:
    return render.Job(input=clip, district="พิชัย", out_dir=out, preset="uttaradit",
                      logo_dirs=(logo_dir,), quality="draft", **kw)


def test_a_job_in_a_typed_result_out(tmp_path, clip3, logo_dir):
    seen: list[float] = []
    phases: list[str] = []
    result = engine.run(job(clip3, tmp_path, logo_dir), progress=seen.append, phase=phases.append)
    assert result.output.is_file() and result.output == result.plan.output
    assert result.ok and result.receipt is not None and result.receipt.ok
    keys = [item.key for item in result.receipt.items]
    assert {"name", "video_length", "audio_length", "video_codec", "fast_start", "loudness",
            "logos_at_start", "logos_at_end"} <= set(keys)
    assert all(keys)                                  # every line has its stable key
    assert result.warnings[:len(result.plan.warnings)] == result.plan.warnings
    assert seen and max(seen) > 2.5 and phases == ["rendering", "checking"]
    assert result.loudness is not None and result.audio is not None

    # The same job again without force: the error kind says so, before anything runs.
    with pytest.raises(OutputExists) as exc:
        engine.run(job(clip3, tmp_path, logo_dir))
    assert isinstance(exc.value, UsageError) and exc.value.exit_code == 2
    assert "already exists" in exc.value.message and Path(exc.value.path) == result.output


def test_cancel_stops_the_render_and_leaves_nothing(tmp_path, clip3, logo_dir):
    asked: list[bool] = []

    def cancel() -> bool:
        asked.append(True)
        return len(asked) > 2           # let it start, then stop it

    with pytest.raises(engine.Cancelled):
        engine.run(job(clip3, tmp_path / "out", logo_dir), cancel=cancel)
    assert asked
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_without_the_check_there_is_no_receipt(tmp_path, clip3, logo_dir):
    planned = render.plan(job(clip3, tmp_path, logo_dir))
    result = engine.run(planned, check=False)          # a plan made once is rendered as it is
    assert result.plan is planned and result.receipt is None and result.ok


def test_the_probe_is_kept_for_the_file_and_read_again_when_it_changes(tmp_path, clip3):
    copy = tmp_path / "clip.mp4"
    copy.write_bytes(clip3.read_bytes())
    first = probe.probe(copy)
    assert probe.probe(copy) is first                  # the same file: read once
    stat = copy.stat()
    os.utime(copy, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10_000_000))
    again = probe.probe(copy)
    assert again is not first and again == first       # changed on disk: read again
