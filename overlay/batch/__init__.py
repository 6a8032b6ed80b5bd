"""Many clips from one manifest: read, check every row first, render in parallel, report.

The pipeline, each step callable without the CLI:

    read_manifest → prepare (plan every row, content keys, duplicates) → execute → write_reports

A row that cannot be rendered is marked *invalid* with its reason and left out; the others
still render. A finished job leaves a small record (its content key) in ``.overlay-batch/``
inside the output folder, so a rerun skips what is unchanged and an interrupted run finishes
only what is left. ``execute`` runs jobs in a local process pool, or on an existing Dask
cluster when given a scheduler address; either way each job is ``run_task``: a top-level
function from plain data to a plain ``JobResult`` that never raises for a render failure.
"""


from overlay.batch.manifest import Manifest, Options, Row, default_workers, job_from_row, read_manifest, threads_per_job
from overlay.batch.prepare import Entry, prepare, prepare_row
from overlay.batch.records import content_key, read_record, record_path
from overlay.batch.reports import REPORT_CSV, REPORT_JSON, Outcome, exit_code, outcomes, summary, write_reports
from overlay.batch.run import JobResult, Task, dask_client, execute, run_task, tasks_for
from overlay.batch.status import Status

__all__ = ["REPORT_CSV", "REPORT_JSON", "Entry", "JobResult", "Manifest", "Options", "Outcome", "Row",
           "Status", "Task", "content_key", "dask_client", "default_workers", "execute", "exit_code",
           "job_from_row", "outcomes", "prepare", "prepare_row", "read_manifest", "read_record",
           "record_path", "run_task", "summary", "tasks_for", "threads_per_job", "write_reports"]
