"""The app factory: settings in, an ASGI app out; every feature included in one place."""

from __future__ import annotations

import importlib
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool
from starlette.staticfiles import StaticFiles

from overlay.errors import OverlayError
from overlay.resources import fonts_dir
from overlay.web.errors import overlay_error_handler
from overlay.web.features import Feature
from overlay.web.i18n import RequestLanguage
from overlay.web.jobs import JobManager
from overlay.web.jobstore import JobStore
from overlay.web.security import Guard, SecurityHeaders
from overlay.web.settings import WebSettings
from overlay.web.templating import STATIC_DIR
from overlay.web.uploads import Proxies, clean_old

# Feature modules, each with ``feature = Feature(router=…, nav=…, sections=…)``.
# Add yours here (one line); its routes, nav link and page sections appear.
FEATURES = (
    "overlay.web.pages",     # the job page (its steps) and the language switch
    "overlay.web.uploads",   # clips and subtitles: upload, probe, player proxy, subs check
    "overlay.web.places",    # provinces, districts, the mandated file name
    "overlay.web.api",       # jobs, progress (SSE), download, preview
    "overlay.web.drafts",    # the clip page's draft: kept as it is chosen (issue 23)
    "overlay.web.report",    # the report form (แบบรายงาน)
    "overlay.web.routes_logos",   # the seven logo slots of the chosen district
    "overlay.web.routes_subs",    # the subtitle editor: live layout, an uploaded SRT's cues
    "overlay.audit.web",     # audit a folder of what the districts sent (issue 16)
)


def create_app(settings: WebSettings | None = None) -> FastAPI:
    settings = settings or WebSettings()
    store = JobStore(settings.db_path)
    jobs = JobManager(store, settings)   # holds the data folder; then marks an earlier server's jobs
    proxies = Proxies()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        await run_in_threadpool(clean_old, store, settings)
        yield
        await run_in_threadpool(shutdown, app)

    app = FastAPI(title="overlay web", docs_url=None, redoc_url=None, openapi_url=None,
                  lifespan=lifespan)
    app.state.settings, app.state.store = settings, store
    app.state.jobs, app.state.proxies = jobs, proxies
    app.state.nav, app.state.sections = [], []
    for name in FEATURES:
        feature: Feature = importlib.import_module(name).feature
        if feature.router is not None:
            app.include_router(feature.router)
        app.state.nav.extend(feature.nav)
        app.state.sections.extend(feature.sections)
    app.state.nav.sort(key=lambda item: item.order)
    app.state.sections.sort(key=lambda section: section.order)
    app.add_exception_handler(OverlayError, overlay_error_handler)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.mount("/fonts", StaticFiles(directory=fonts_dir()), name="fonts")   # the shipped Thai fonts
    app.add_middleware(Guard, settings=settings)
    app.add_middleware(RequestLanguage)      # every message of a request in its own language
    app.add_middleware(SecurityHeaders)      # outermost: the Guard's refusals carry them too
    return app


def shutdown(app: FastAPI) -> None:
    """Stop a render in progress (its partial file goes) and the proxies; idempotent."""
    app.state.jobs.stop()
    app.state.proxies.stop()
