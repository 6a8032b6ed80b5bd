"""Every request needs the start-up token and a loopback Host header (DNS rebinding).

The token arrives in the address that ``overlay web`` prints and opens (``?token=…``); the
first page sets it as a cookie (HttpOnly, SameSite=Strict) so the page's own requests carry
it. Scripts send it as ``X-Overlay-Token`` or ``Authorization: Bearer …``. A pure ASGI
middleware: uploads and Server-Sent Events stream through it untouched.
"""

from __future__ import annotations

import hmac
import json
from http.cookies import SimpleCookie
from urllib.parse import parse_qs

from overlay.i18n import _
from overlay.web.settings import WebSettings

HEADER = "x-overlay-token"


def host_name(host_header: str) -> str:
    """'127.0.0.1:8000' → '127.0.0.1'; '[::1]:80' → '::1'."""
    host = host_header.strip().lower()
    if host.startswith("["):
        return host[1:].partition("]")[0]
    return host.rpartition(":")[0] if host.count(":") == 1 else host


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
        token, from_query = self._token(scope, headers)
        if token is None or not hmac.compare_digest(token, self.settings.token):
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
