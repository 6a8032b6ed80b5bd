"""A page's job is planned once and its clip read once: at upload, every preview, submit
and the render reuse the same probe; the worker renders the plan made at submit."""

from __future__ import annotations

import time
from pathlib import Path

from overlay import probe, render

from web_support import client, web_settings


def test_one_probe_and_one_plan_per_job(tmp_path, clip3, monkeypatch, official_logos):
    reads: list[Path] = []
    plans: list[render.Job] = []
    real_probe, real_plan = probe._probe, render.plan

    def counted_probe(path: Path):
        reads.append(Path(path))
        return real_probe(path)

    def counted_plan(job):
        plans.append(job)
        return real_plan(job)

    monkeypatch.setattr(probe, "_probe", counted_probe)
    monkeypatch.setattr(render, "plan", counted_plan)
    probe._probe_identified.cache_clear()
    settings = web_settings(tmp_path)
    with client(settings) as web:
        clip = web.post("/api/uploads", params={"kind": "clip", "name": "clip.mp4"},
                        content=clip3.read_bytes()).json()
        fields = {"input": clip["id"], "district": "พิชัย", "province": "อุตรดิตถ์", "lao": "เทศบาลทดสอบ"}
        for at in ("0.5", "1.5"):
            assert web.get("/api/preview", params={**fields, "at": at}).status_code == 200
        r = web.post("/api/jobs", json=fields)
        assert r.status_code == 201, r.text
        deadline = time.time() + 120
        while not (job := web.get(f"/api/jobs/{r.json()['id']}").json())["final"]:
            assert time.time() < deadline
            time.sleep(0.1)
        assert job["status"] == "done", job
    upload = [p for p in reads if "uploads" in p.parts]     # not the output, nor the self-test's
    assert len(upload) == 1, reads                    # the upload's clip: read once
    # The job (not the previews, which plan into the work folder): planned once, at submit.
    jobs = [j for j in plans if Path(j.out_dir) == Path(settings.output_dir).resolve()]
    assert len(jobs) == 1 and jobs[0].language == "en", plans
