"""Every request needs the start-up token and a loopback Host header (DNS rebinding); every
request that changes something comes from the page's own origin; every answer forbids framing.

The token arrives in the address that ``overlay web`` prints and opens (``?token=…``); the
first page sets it as a cookie (HttpOnly, SameSite=Strict) so the page's own requests carry
it. Scripts send it as ``X-Overlay-Token`` or ``Authorization: Bearer …``. Pure ASGI
middlewares: uploads and Server-Sent Events stream through them untouched.

SameSite=Strict is not enough on a shared PC: a page on another port of 127.0.0.1 (a printer
panel, a development server) is the *same site*, so its forms and ``fetch(…, {mode:
"no-cors", credentials: "include"})`` carry the cookie. So any method but GET/HEAD/OPTIONS
must say it comes from this origin: ``Sec-Fetch-Site: same-origin`` where the browser sends it
(a header no page can set), and an ``Origin`` equal to ours. Under our own ``Referrer-Policy:
no-referrer`` Chromium sends the page's own POSTs with ``Origin: null``: accepted only with
``Sec-Fetch-Site: same-origin``. A request with neither header is not a browser's (a script
with the token header, curl): it keeps working. GET requests change nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from http.cookies import SimpleCookie
from typing import Iterable
from urllib.parse import parse_qs, urlsplit

from overlay.i18n import _
from overlay.web.settings import WebSettings

HEADER = "x-overlay-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})       # they change nothing (the routes' rule)
DEFAULT_PORTS = {"http": 80, "https": 443}


def csp(style_hashes: Iterable[str] = ()) -> str:
    """The page's Content-Security-Policy: its own scripts and styles only, no framing;
    ``style_hashes`` ('sha256-…') allow a known inline ``<style>`` (the audit report's)."""
    styles = " ".join(["'self'", *(f"'{h}'" for h in style_hashes)])
    return ("default-src 'self'; script-src 'self'; "
            f"style-src {styles}; img-src 'self' data: blob:; media-src 'self' blob:; "
            "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
            "frame-ancestors 'none'")


def inline_style_hashes(html: str) -> tuple[str, ...]:
    """'sha256-…' of each ``<style>`` block of ``html``, as CSP hashes them."""
    return tuple("sha256-" + base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode()
                 for body in re.findall(r"<style[^>]*>(.*?)</style>", html, re.S | re.I))


HEADERS = (
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"content-security-policy", csp().encode("ascii")),
)


def host_name(host_header: str) -> str:
    """'127.0.0.1:8000' → '127.0.0.1'; '[::1]:80' → '::1'."""
    host = host_header.strip().lower()
    if host.startswith("["):
        return host[1:].partition("]")[0]
    return host.rpartition(":")[0] if host.count(":") == 1 else host


def _origin(scheme: str, netloc: str) -> tuple[str, str, int | None] | None:
    """(scheme, host, port) of ``scheme://netloc``, the port filled in; None if unreadable."""
    try:
        parts = urlsplit(f"{scheme}://{netloc}")
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), port or DEFAULT_PORTS.get(scheme)


def same_origin(scope, headers: dict[str, str]) -> bool:
    """Whether a request that changes something comes from the page's own origin (see above)."""
    site = headers.get("sec-fetch-site")
    origin = headers.get("origin")
    if site is not None and site.strip().lower() != "same-origin":
        return False
    if origin is None:
        return True                      # no browser of this decade omits both: a script
    origin = origin.strip()
    if origin.lower() == "null":
        return site is not None          # … and it was same-origin
    try:
        theirs = urlsplit(origin)
    except ValueError:
        return False
    if theirs.path or theirs.query or not theirs.netloc:
        return False
    ours = _origin(scope.get("scheme", "http"), headers.get("host", ""))
    return ours is not None and _origin(theirs.scheme, theirs.netloc) == ours


class SecurityHeaders:
    """Every answer (pages, JSON, files, refusals) says: no framing, no sniffing, no referrer,
    only the page's own scripts and styles. A route that sets its own CSP keeps it."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                given = message.get("headers", [])
                names = {name.lower() for name, _value in given}
                message = {**message, "headers": [*given, *((name, value) for name, value in HEADERS
                                                            if name not in names)]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class Guard:
    def __init__(self, app, settings: WebSettings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "websocket":          # the page uses none: refuse them all
            return await send({"type": "websocket.close", "code": 1008})
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        if host_name(headers.get("host", "")) not in self.settings.allowed_hosts:
            return await _refuse(send, 403, _("This address is not served here: open the address "
                                              "that 'overlay web' printed."))
        if scope.get("method", "GET").upper() not in SAFE_METHODS and not same_origin(scope, headers):
            return await _refuse(send, 403, _("This request did not come from this page: "
                                              "use the page itself to make changes."))
        token, from_query = self._token(scope, headers)
        # bytes: a header may hold any byte, and compare_digest refuses non-ASCII text
        if token is None or not hmac.compare_digest(token.encode("utf-8", "replace"),
                                                    self.settings.token.encode("utf-8")):
            return await _refuse(send, 403, _("This page needs the address printed by "
                                              "'overlay web', with its token."))
        if not from_query:
            return await self.app(scope, receive, send)

        async def send_with_cookie(message) -> None:
            if message["type"] == "http.response.start":
                cookie = (f"{self.settings.cookie_name()}={self.settings.token}; Path=/; "
                          "HttpOnly; SameSite=Strict")
                message = {**message, "headers": [*message.get("headers", []),
                                                   (b"set-cookie", cookie.encode("latin-1"))]}
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    def _token(self, scope, headers: dict[str, str]) -> tuple[str | None, bool]:
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        if query.get("token"):
            return query["token"][0], True
        if HEADER in headers:
            return headers[HEADER], False
        auth = headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            return auth[7:].strip(), False
        cookies = SimpleCookie()
        try:
            cookies.load(headers.get("cookie", ""))
        except Exception:
            return None, False
        morsel = cookies.get(self.settings.cookie_name())
        return (morsel.value if morsel else None), False


async def _refuse(send, status: int, message: str) -> None:
    body = json.dumps({"error": message, "message": message, "hint": None},
                      ensure_ascii=False).encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json; charset=utf-8"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
