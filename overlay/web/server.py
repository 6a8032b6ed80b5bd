"""Serve an app with uvicorn on a socket we bind ourselves (so port 0 gives a known port)."""

from __future__ import annotations

import os
import socket
import threading
from dataclasses import dataclass, replace

import uvicorn
from fastapi import FastAPI

from overlay.errors import UsageError
from overlay.i18n import _
from overlay.web.app import create_app
from overlay.web.instance import address
from overlay.web.settings import WebSettings


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP named: asyncio sets TCP_NODELAY only on sockets whose proto says TCP; with
    # proto 0 every small response waited ~40 ms for the client's delayed ACK (Nagle).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    if os.name != "nt":      # on Windows SO_REUSEADDR would let two servers share a port
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise UsageError(_("Cannot listen on {host} port {port}: {reason}.")
                         .format(host=host, port=port, reason=exc.strerror or exc),
                         _("Choose another --port, or leave it out to use a free one.")) from exc
    sock.listen(64)
    sock.set_inheritable(True)
    return sock


def url(settings: WebSettings, path: str = "/") -> str:
    return address(settings.host, settings.port, settings.token, path)


@dataclass
class Running:
    settings: WebSettings
    server: Server
    thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return url(self.settings)

    def stop(self) -> None:
        self.server.should_exit = True
        if self.thread is not None:
            self.thread.join(timeout=30)


class Server(uvicorn.Server):
    """uvicorn, plus: Ctrl-C stops a render at once, before open progress streams close."""

    def __init__(self, config: uvicorn.Config, app: FastAPI) -> None:
        super().__init__(config)
        self.app = app
        self.stop_signal: int | None = None

    def handle_exit(self, sig, frame) -> None:
        self.stop_signal = self.stop_signal or int(sig)
        app = self.app
        app.state.jobs.stop(timeout=0)        # cancel now; the app's shutdown waits for it
        app.state.proxies.cancel()
        super().handle_exit(sig, frame)


def stop_on_hangup(server: Server) -> None:
    """A closed terminal (SIGHUP) stops the server as Ctrl-C does; uvicorn handles INT/TERM."""
    import signal

    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, server.handle_exit)


def prepare(settings: WebSettings) -> tuple[Server, socket.socket, WebSettings]:
    """Bind the socket, fix the port in the settings, build the app and its server."""
    sock = bind(settings.host, settings.port)
    settings = replace(settings, port=sock.getsockname()[1])
    try:
        app = create_app(settings)    # instance.AlreadyRunning: another server holds the folder
    except BaseException:
        sock.close()
        raise
    config = uvicorn.Config(app, log_level="warning", access_log=False,
                            timeout_graceful_shutdown=5, lifespan="on")
    return Server(config, app), sock, settings


def start_in_thread(settings: WebSettings) -> Running:
    """For tests and benchmarks: the real server, in a thread; ``.stop()`` ends it."""
    server, sock, settings = prepare(settings)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started and thread.is_alive():
        threading.Event().wait(0.02)
    return Running(settings, server, thread)
