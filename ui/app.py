"""The Gradio app: serving and the security rule for non-loopback addresses.

The views live in ``ui/views``; every one only calls library functions.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import threading

from ingest.errors import InputError
from ingest.settings import Settings
from ingest.store import Workspace

log = logging.getLogger(__name__)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_auth(auth: str | None) -> tuple[str, str] | None:
    """'user:password' -> (user, password); None stays None."""
    if not auth:
        return None
    user, sep, password = auth.partition(":")
    if not sep or not user or not password:
        raise InputError("--auth must be 'user:password' with both parts non-empty.")
    return user, password


def check_port(host: str, port: int) -> None:
    """Raise :class:`InputError` when something already listens on ``host:port`` (the server
    would fail later with a traceback)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise InputError(f"Cannot serve on {host}: {exc.strerror}. Give a host name or "
                         "address of this machine with --host.") from exc
    family, _, _, _, address = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            raise InputError(
                f"Port {port} on {host} is in use (another callmine or app is serving there): "
                f"{exc.strerror}. Stop it, or pick another port, e.g. --port {port + 1}.") from exc


def allowed_hosts(host: str, extra: str | None = None) -> list[str]:
    """The ``Host`` header values the app answers to: the bound address (every loopback name
    when bound to loopback), plus ``extra`` (comma-separated). A page on another site that
    resolves its own name to 127.0.0.1 (DNS rebinding) sends its own name and is refused.
    Bound to every interface (0.0.0.0) without ``extra``, any host is accepted (auth is
    required there)."""
    names = [h.strip() for h in (extra or "").split(",") if h.strip()]
    if host in ("0.0.0.0", "::", "") and not names:
        return ["*"]
    if not _is_loopback(host) and host not in ("0.0.0.0", "::", ""):
        names.append(host)
    # loopback names always: the server's own start-up checks use them, and a rebinding page
    # cannot send them (the browser sends the page's own name)
    return list(dict.fromkeys(names + ["127.0.0.1", "localhost", "::1", "[::1]"]))


class SameOriginWrites:
    """ASGI middleware refusing state-changing requests (POST, PUT, PATCH, DELETE) that a
    browser sends from another site: their ``Origin`` header names a host other than the one
    the request is addressed to (``Host``, itself checked against the allowed hosts). A page
    on evil.example can then not upload files into, or run ingests and removals in, an app it
    can reach. Requests without ``Origin`` (the command line, gradio_client, curl) are not
    browser cross-site requests and pass; ``Origin: null`` (sandboxed frames, files) does not.
    """

    _WRITES = {"POST", "PUT", "PATCH", "DELETE"}

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope.get("method") in self._WRITES:
            headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                       for k, v in scope.get("headers", [])}
            origin = headers.get("origin")
            if origin is not None and not _same_host(origin, headers.get("host", "")):
                await send({"type": "http.response.start", "status": 403,
                            "headers": [(b"content-type", b"text/plain; charset=utf-8")]})
                await send({"type": "http.response.body",
                            "body": b"Cross-site request refused: this app only accepts "
                                    b"changes from its own pages."})
                return
        await self.app(scope, receive, send)


def _same_host(origin: str, host: str) -> bool:
    """``Origin: http://name:port`` addresses the same host and port as ``Host: name:port``."""
    from urllib.parse import urlsplit

    if origin.strip().lower() == "null" or not host:
        return False
    parts = urlsplit(origin.strip())
    if not parts.hostname:
        return False
    default = {"http": 80, "https": 443}.get(parts.scheme)
    origin_port = parts.port or default
    target = urlsplit(f"//{host.strip()}")
    target_port = target.port or default
    return (parts.hostname.lower() == (target.hostname or "").lower()
            and origin_port == target_port)


def check_binding(host: str, auth: tuple[str, str] | None) -> None:
    """Refuse to serve off loopback without authentication."""
    if not _is_loopback(host) and auth is None:
        raise InputError(
            f"Refusing to serve on {host} without authentication: anyone on the network could "
            "read your calls. Pass --auth user:password (or set CALLMINE_AUTH), or serve on "
            "127.0.0.1."
        )


def warm_up(workspace: Workspace) -> threading.Thread:
    """Start loading, in a background thread, what the first question needs and what every
    view shares: the query embedding model and the vector store and retrieval code (the Ask
    view then warms its own recommender: lexical index, covered model, one question). The
    app is built and served meanwhile; a question asked before this ends waits only for
    what is left. Returns the thread."""

    def run() -> None:
        try:
            workspace.embedder.warm_up()
            import chromadb  # noqa: F401 - the import is most of the vector store's start

            import rag  # noqa: F401
        except Exception:  # the first question reports what is wrong
            log.warning("could not warm up the models", exc_info=True)

    thread = threading.Thread(target=run, name="callmine-warm-up-models", daemon=True)
    thread.start()
    return thread


def build_app(workspace: Workspace, settings: Settings):
    """The callmine Gradio app (a ``gr.Blocks``) on one workspace."""
    from ui.views import build_blocks

    return build_blocks(workspace, settings)


def serve(workspace: Workspace, settings: Settings, host: str = "127.0.0.1", port: int = 7860,
          auth: str | None = None, block: bool = True):
    """Serve the app; with ``block=False`` return ``(app, url)`` and keep serving in a thread.

    Long work (ingestion, analyses) runs in the queue, so the page never freezes; ingestion
    runs one batch at a time. The models behind the Ask view warm up in the background as the
    app starts. Only the workspace ``audio/`` folder is served, so the Objections view can play
    a recording from the quote; copies of ingested documents (``files/``) are never served.
    """
    from ui.views import CSS

    credentials = parse_auth(auth or settings.auth)
    check_binding(host, credentials)
    check_port(host, port)
    warm_up(workspace)
    app = build_app(workspace, settings)
    app.queue(default_concurrency_limit=4)
    from starlette.middleware import Middleware
    from starlette.middleware.trustedhost import TrustedHostMiddleware

    hosts = allowed_hosts(host, settings.allowed_hosts)
    _, url, _ = app.launch(
        server_name=host, server_port=port, auth=credentials, prevent_thread_lock=not block,
        quiet=not block, footer_links=["api"], ssr_mode=False, css=CSS,
        allowed_paths=[str(workspace.root / "audio")],
        app_kwargs={"middleware": [Middleware(TrustedHostMiddleware, allowed_hosts=hosts),
                                   Middleware(SameOriginWrites)]},
    )
    return app, url
