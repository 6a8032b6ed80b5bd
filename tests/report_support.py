"""What the report tests share: the form's answers in order, and an in-order search."""

from __future__ import annotations

from overlay.report.model import FORM, Kind


def answers_in_order(report) -> list[str]:
    """District, province, then every answer (each line of a long one) in the form's order."""
    out = [report.district, report.province]
    for part in FORM:
        for section in part.sections:
            for item in section.items:
                answer = report.answer(item)
                if item.kind in (Kind.LONG, Kind.URL):
                    out.extend(line for line in answer.splitlines() if line.strip())
                else:
                    out.append(answer)
    return out


def assert_in_order(haystack: str, needles: list[str]) -> None:
    at = 0
    for needle in needles:
        found = haystack.find(needle, at)
        assert found >= 0, f"{needle!r} missing or out of order after position {at}"
        at = found + len(needle)
