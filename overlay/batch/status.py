"""What became of a manifest row: its status in the plan, the results and the reports."""

from enum import StrEnum


class Status(StrEnum):
    READY = "ready"          # valid, to be rendered (what --dry-run says)
    DONE = "done"
    SKIPPED = "skipped"      # unchanged since the last run
    FAILED = "failed"
    INVALID = "invalid"      # the row cannot be rendered; the others still are
