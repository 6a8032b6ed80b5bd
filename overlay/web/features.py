"""How a feature module plugs into the page: its routes, its nav entry, its page sections.

A feature module (``overlay/web/<name>.py``) defines ``feature = Feature(...)`` and is listed
once in ``overlay.web.app.FEATURES``. Nothing else has to change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from fastapi import APIRouter


@dataclass(frozen=True)
class NavItem:
    key: str                          # the link's data-testid is "nav-<key>"
    href: str
    label: Callable[[], str]          # lambda: _("…"): translated when the page is drawn
    order: int = 50


@dataclass(frozen=True)
class Section:
    """A block of a page, drawn from a template in order; the job page's steps are sections."""

    page: str                         # "job" is the main page; a feature may add its own page
    template: str                     # relative to overlay/web/templates/
    order: int                        # the job steps are 10, 20, … 70: insert between them


@dataclass(frozen=True)
class Feature:
    router: APIRouter | None = None
    nav: tuple[NavItem, ...] = ()
    sections: tuple[Section, ...] = ()
