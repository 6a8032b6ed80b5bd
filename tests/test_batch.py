"""overlay batch: manifests, checking every row first, parallel and Dask rendering, skip/resume.

Clips are 2 s at 320×180 and the limit is lowered to 2 s, so a render is a fraction of a second.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from pathlib import Path
from textwrap import dedent

import pytest
from typer.testing import CliRunner

from overlay import batch as b
from overlay.cli import app
from overlay.errors import UsageError
from overlay.naming import mandate
from overlay.render import Job

from conftest import make_clip

PROVINCE = "อุตรดิตถ์"
GOOD = ("ลับแล", "ตรอน", "ท่าปลา")


def name(district: str) -> str:
    template, extension = mandate()
    return template.format(district=district, province=PROVINCE) + extension


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> Path:
    """A folder with three 2 s clips and a four-row manifest whose row 4 has a typo."""
    root = tmp_path_factory.mktemp("batch")
    (root / "clips").mkdir()
    for i in range(3):
        make_clip(root / "clips" / f"c{i}.mp4", seconds=2.0)
    (root / "jobs.csv").write_text(dedent("""\
        input,district,start
        clips/c0.mp4,ลับแล,
        clips/c1.mp4,อำเภอตรอน,0:00.5
        clips/c2.mp4,พิไช,
        clips/c2.mp4,ท่าปลา,
        """), encoding="utf-8")
    return root


def invoke(*args: str):
    return CliRunner().invoke(app, ["batch", *map(str, args)])


def run(root: Path, out: Path, *extra, logo_dir: Path):
    return invoke(root / "jobs.csv", "--out-dir", out, "--max-duration", "2",
                  "--logo-dir", logo_dir, *extra)


def report(out: Path) -> dict[int, dict]:
    data = json.loads((out / b.REPORT_JSON).read_text(encoding="utf-8"))
    return {job["row"]: job for job in data["jobs"]}


# ---------------------------------------------------------------- the evidence

def test_four_rows_one_bad_then_rerun_skips_then_resumes(clips, tmp_path, logo_dir):
    out = tmp_path / "out"
    result = run(clips, out, "--jobs", "2", logo_dir=logo_dir)
    assert result.exit_code == 1, result.output
    assert sorted(p.name for p in out.glob("*.mp4")) == sorted(name(d) for d in GOOD)

    jobs = report(out)
    assert [jobs[n]["status"] for n in (2, 3, 4, 5)] == ["done", "done", "invalid", "done"]
    assert "Did you mean" in jobs[4]["error"] and "พิชัย" in jobs[4]["error"]
    assert jobs[3]["duration"] == pytest.approx(1.5)       # started at 0:00.5 of 2 s
    assert all(jobs[n]["check"] == "ok" for n in (2, 3, 5))
    assert jobs[2]["output"] == name("ลับแล")
    assert "Row 4" in result.output                         # listed before any render

    raw = (out / b.REPORT_CSV).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")                  # Excel reads the BOM as UTF-8
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert [r["status"] for r in rows] == ["done", "done", "invalid", "done"]
    assert rows[0]["district"] == "ลับแล"

    # A second run renders nothing: every output is unchanged.
    stamps = {p.name: p.stat().st_mtime_ns for p in out.glob("*.mp4")}
    again = run(clips, out, logo_dir=logo_dir)
    assert again.exit_code == 1                             # the bad row is still bad
    jobs = report(out)
    assert [jobs[n]["status"] for n in (2, 3, 5)] == ["skipped"] * 3
    assert jobs[2]["check"] == "ok"                         # carried over from the record
    assert stamps == {p.name: p.stat().st_mtime_ns for p in out.glob("*.mp4")}

    # An interrupted run lost one output: only that one is rendered.
    (out / name("ตรอน")).unlink()
    resumed = run(clips, out, logo_dir=logo_dir)
    jobs = report(out)
    assert [jobs[n]["status"] for n in (2, 3, 5)] == ["skipped", "done", "skipped"], resumed.output

    # A changed input is rendered again, and the report says why.
    os.utime(clips / "clips" / "c0.mp4", ns=(1, 1))
    changed = run(clips, out, logo_dir=logo_dir)
    jobs = report(out)
    assert [jobs[n]["status"] for n in (2, 3, 5)] == ["done", "skipped", "skipped"], changed.output
    assert "changed" in jobs[2]["note"]


def test_same_manifest_through_a_dask_cluster(clips, tmp_path, logo_dir):
    distributed = pytest.importorskip("distributed")
    out = tmp_path / "dask"
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                  dashboard_address=None) as cluster:
        result = run(clips, out, "--scheduler", cluster.scheduler_address, logo_dir=logo_dir)
    assert result.exit_code == 1, result.output
    assert sorted(p.name for p in out.glob("*.mp4")) == sorted(name(d) for d in GOOD)
    jobs = report(out)
    assert [jobs[n]["status"] for n in (2, 3, 4, 5)] == ["done", "done", "invalid", "done"]
    assert all(jobs[n]["check"] == "ok" for n in (2, 3, 5))


def test_all_rows_good_exits_zero(clips, tmp_path, logo_dir):
    manifest = tmp_path / "one.toml"
    manifest.write_text(dedent(f"""\
        [defaults]
        province = "{PROVINCE}"
        max_duration = 1.5

        [[job]]
        input = "{clips / 'clips' / 'c0.mp4'}"
        district = "Tron"
        """), encoding="utf-8")
    result = invoke(manifest, "--out-dir", tmp_path / "o", "--logo-dir", logo_dir, "--no-check")
    assert result.exit_code == 0, result.output
    job = report(tmp_path / "o")[1]
    assert (job["status"], job["output"], job["duration"]) == ("done", name("ตรอน"), 1.5)


# ---------------------------------------------------------------- checking first

def test_dry_run_writes_nothing(clips, tmp_path):
    out = tmp_path / "never"
    result = run(clips, out, "--dry-run", logo_dir=tmp_path)
    assert result.exit_code == 1
    assert not out.exists()
    assert name("ลับแล") in result.output and "cut 0:00.5" in result.output
    assert "Row 4 invalid" in result.output


def test_duplicate_outputs_are_all_invalid(clips, tmp_path):
    manifest = tmp_path / "dup.csv"
    manifest.write_text(f"input,district\n{clips}/clips/c0.mp4,ลับแล\n"
                        f"{clips}/clips/c1.mp4,Laplae\n{clips}/clips/c2.mp4,ตรอน\n",
                        encoding="utf-8")
    entries = b.prepare(b.read_manifest(manifest), b.Options(out_dir=tmp_path / "o"))
    assert [e.status for e in entries] == ["invalid", "invalid", "ready"]
    assert "row 3" in entries[0].reason and "row 2" in entries[1].reason


def test_existing_output_not_made_by_a_batch_is_refused(clips, tmp_path):
    out = tmp_path / "o"
    out.mkdir()
    (out / name("ลับแล")).write_bytes(b"someone's file")
    manifest = tmp_path / "m.csv"
    manifest.write_text(f"input,district\n{clips}/clips/c0.mp4,ลับแล\n", encoding="utf-8")
    [entry] = b.prepare(b.read_manifest(manifest), b.Options(out_dir=out))
    assert entry.status == "invalid" and "--force" in entry.reason
    [forced] = b.prepare(b.read_manifest(manifest), b.Options(out_dir=out, force=True))
    assert forced.status == "ready" and forced.job.force


def test_missing_column_is_a_usage_error(tmp_path):
    manifest = tmp_path / "m.csv"
    manifest.write_text("file,district\nx.mp4,ตรอน\n", encoding="utf-8")
    result = invoke(manifest, "--out-dir", tmp_path)
    assert result.exit_code == 2
    assert 'no column "input"' in result.output


def test_run_task_never_raises(tmp_path):
    job = Job(input=tmp_path / "gone.mp4", district="ตรอน", out_dir=tmp_path)
    result = b.run_task(b.Task(row=7, job=job, key="k"))
    assert (result.row, result.status) == (7, "failed")
    assert "does not exist" in result.error and "\n" not in result.error


def test_scheduler_without_distributed_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(UsageError) as caught:
        b.dask_client("tcp://127.0.0.1:1")
    assert "overlay[dask]" in caught.value.line()


# ---------------------------------------------------------------- manifests

ROWS = "input,district,lao,start\nคลิป/ตรอน.mp4,ตรอน,เทศบาลตำบลตรอน,1:05\n\nb.mp4,ลับแล,,\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp874"])
def test_excel_encodings_read_the_same(tmp_path, encoding):
    path = tmp_path / "jobs.csv"
    path.write_bytes(ROWS.replace("\n", "\r\n").encode(encoding))
    manifest = b.read_manifest(path)
    assert [(r.number, dict(r.values)) for r in manifest.rows] == [
        (2, {"input": "คลิป/ตรอน.mp4", "district": "ตรอน", "lao": "เทศบาลตำบลตรอน",
             "start": "1:05"}),
        (4, {"input": "b.mp4", "district": "ลับแล"}),           # Excel's row 4: row 3 is blank
    ]


def test_semicolons_and_unknown_columns(tmp_path):
    path = tmp_path / "jobs.csv"
    path.write_text("Input;District;subs-th;sub_en\na.mp4;ตรอน;a.srt;b.srt\n", encoding="utf-8")
    manifest = b.read_manifest(path)
    # Kept for the report, as the office wrote it, but not used for the job.
    assert dict(manifest.rows[0].values) == {"input": "a.mp4", "district": "ตรอน",
                                             "subs_th": "a.srt", "sub_en": "b.srt"}
    assert b.job_from_row(manifest.rows[0], tmp_path, b.Options(out_dir=tmp_path)).subs_en is None
    assert manifest.warnings == ('Column "sub_en" is not used (did you mean "subs_en"?).',)


def test_toml_defaults_and_relative_paths(tmp_path):
    path = tmp_path / "jobs.toml"
    path.write_text(dedent("""\
        [defaults]
        preset = "uttaradit"
        subs_mode = "embed"

        [[job]]
        input = "clips/a.mp4"
        district = "ตรอน"
        subs_th = "subs/a.th.srt"
        start = 10
        end = "4:50"

        [[job]]
        input = "/abs/b.mp4"
        district = "ลับแล"
        subs_mode = "both"
        """), encoding="utf-8")
    manifest = b.read_manifest(path)
    first, second = (b.job_from_row(r, manifest.folder, b.Options(out_dir=tmp_path / "o"))
                     for r in manifest.rows)
    assert first.input == tmp_path / "clips" / "a.mp4"
    assert first.subs_th == tmp_path / "subs" / "a.th.srt"
    assert (first.start, first.end, first.subs_mode, first.preset) == (10.0, 290.0, "embed", "uttaradit")
    assert (second.input, second.subs_mode) == (Path("/abs/b.mp4"), "both")
    assert [r.number for r in manifest.rows] == [1, 2]


def test_a_row_beats_the_options(tmp_path):
    row = b.Row(2, {"input": "a.mp4", "district": "ตรอน", "quality": "high"})
    job = b.job_from_row(row, tmp_path, b.Options(out_dir=tmp_path, quality="draft",
                                                  preset="uttaradit"))
    assert (job.quality, job.preset) == ("high", "uttaradit")


def test_a_bad_time_is_the_rows_problem(tmp_path):
    row = b.Row(3, {"input": "a.mp4", "district": "ตรอน", "start": "ten"})
    entry = b.prepare_row(row, tmp_path, b.Options(out_dir=tmp_path))
    assert entry.status == "invalid" and '"ten" is not a time' in entry.reason


# ---------------------------------------------------------------- content key and workers

def test_content_key_follows_inputs_and_settings(clips, tmp_path):
    from dataclasses import replace

    from overlay.render import plan

    srt = tmp_path / "a.srt"
    srt.write_text("1\n00:00:00,000 --> 00:00:01,000\nสวัสดี\n", encoding="utf-8")
    job = Job(input=clips / "clips" / "c1.mp4", district="ตรอน", out_dir=tmp_path,
                subs_th=srt, max_duration=2)
    key = b.content_key(plan(job))
    assert b.content_key(plan(job)) == key
    assert b.content_key(plan(replace(job, quality="high"))) != key
    assert b.content_key(plan(replace(job, start=0.5))) != key
    srt.write_text("1\n00:00:00,000 --> 00:00:01,000\nลาก่อน\n", encoding="utf-8")
    assert b.content_key(plan(job)) != key


@pytest.mark.parametrize("cores, workers, threads", [(1, 1, 1), (2, 1, 2), (8, 4, 2), (16, 8, 2)])
def test_default_workers_leave_x264_its_threads(cores, workers, threads):
    assert b.default_workers(cores) == workers
    assert b.threads_per_job(workers, cores) == threads


def test_report_form_beside_its_clip(clips, tmp_path, logo_dir):
    pytest.importorskip("overlay.report")
    data = Path(__file__).parent / "data" / "report" / "phichai.toml"
    manifest = tmp_path / "m.csv"
    manifest.write_text(f"input,district,report\n{clips}/clips/c0.mp4,พิชัย,{data}\n",
                        encoding="utf-8")
    out = tmp_path / "o"
    result = invoke(manifest, "--out-dir", out, "--max-duration", "2", "--logo-dir", logo_dir,
                    "--no-check")
    assert result.exit_code == 0, result.output
    job = report(out)[2]
    assert job["reports"].count(";") == 2
    assert all((out / n.strip()).is_file() for n in job["reports"].split(";"))


def test_a_failing_job_does_not_stop_the_others(clips, tmp_path, logo_dir):
    import shutil

    doomed = shutil.copy(clips / "clips" / "c0.mp4", tmp_path / "doomed.mp4")
    manifest = tmp_path / "m.csv"
    manifest.write_text(f"input,district\n{doomed},ลับแล\n{clips}/clips/c1.mp4,ตรอน\n",
                        encoding="utf-8")
    options = b.Options(out_dir=tmp_path / "o", max_duration=2, logo_dirs=(logo_dir,), check=False)
    entries = b.prepare(b.read_manifest(manifest), options)
    Path(doomed).write_bytes(b"not a video any more")       # changed after the check
    seen = []
    results = b.execute(b.tasks_for(entries, check=False), workers=2, on_done=seen.append,
                        on_progress=lambda row, s: None)
    by_row = {r.row: r for r in results}
    assert (by_row[2].status, by_row[3].status) == ("failed", "done")
    assert by_row[2].error and "\n" not in by_row[2].error
    assert len(seen) == 2
    rows = b.outcomes(entries, results)
    assert b.exit_code(rows) == 1 and b.summary(rows)["done"] == 1
