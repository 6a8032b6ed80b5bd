"""The report form (แบบรายงาน) from the same data as the clip: DOCX, PDF and the YouTube text."""

from overlay.report.build import build_report
from overlay.report.model import Report, ReportError, load, validate

__all__ = ["Report", "ReportError", "build_report", "load", "validate"]
