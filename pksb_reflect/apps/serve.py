"""`pksb-reflect serve`: the local web page, for candidates who never open a terminal.

Starlette on uvicorn, Jinja2 with autoescape, every asset served from the package. The page
works as a plain form without JavaScript; with it, checks run in place with a progress line.

Contract (tests and scripts rely on it): `GET /` the page; `POST /api/assess` (multipart:
`text` or `file`, `route`, `framework`, optional `evidence` files, `pksb_audit`, `cpd_log`)
returns the Assessment JSON exactly as `check --format json`; bad input is a 4xx with
`{"error": "one line"}`; `GET /healthz`.

Safety: requests whose Host is not the address served are refused (DNS rebinding), and so are
cross-site posts (Origin, Sec-Fetch-Site); request bodies and files are bounded and parsed in
memory; nothing the client sends names a path; the statement is never written to disk (the
evidence, self-assessment and CPD files are, briefly, in a private temporary folder, because
their readers take paths); a Content-Security-Policy allows nothing but this server.
"""

from __future__ import annotations

import ipaddress
import re
import secrets
import tempfile
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pksb_reflect import __version__
from pksb_reflect.errors import InputError, PksbError, UsageError, display_name
from pksb_reflect.framework import FRAMEWORK_VERSIONS, ROUTE_IDS, load_route
from pksb_reflect.io.ingest import DEFAULT_MAX_BYTES, SUFFIX_FORMATS, SourceText, parse_bytes
from pksb_reflect.limits import DEFAULT_MAX_SECONDS
from pksb_reflect.render import REGISTRY, render, render_bytes
from pksb_reflect.results import Assessment
from pksb_reflect.runtime import Runtime

DEFAULT_PORT = 8765
DEFAULT_HOST = "127.0.0.1"
# A statement plus a handful of evidence files; past this the request is refused unread.
MAX_BODY_BYTES = 64 * 1024 * 1024
MAX_PARTS = 64
MAX_TEXT_CHARS = 2_000_000
KEPT_RESULTS = 16  # recent reports kept in memory for download, oldest dropped first
KEPT_SECONDS = 3600
SIDE_SUFFIXES = {"pksb_audit": (".csv", ".yaml", ".yml"), "cpd_log": (".csv",)}
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
DOWNLOADS = ("html", "markdown", "json", "docx")


class HttpError(Exception):
    """A request we refuse: its status and the one line the client sees."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = " ".join(message.split())


@dataclass
class Upload:
    name: str
    data: bytes


@dataclass
class Form:
    fields: dict[str, str] = field(default_factory=dict)
    files: dict[str, list[Upload]] = field(default_factory=dict)


@dataclass
class Kept:
    assessment: Assessment
    original: bytes | None
    at: float


class Service:
    """One loaded analysis for the server's lifetime: checks run one at a time under a lock."""

    def __init__(self, max_bytes: int, max_seconds: float) -> None:
        self.max_bytes = max_bytes
        self.max_seconds = max_seconds
        self._lock = threading.Lock()
        self._kept: OrderedDict[str, Kept] = OrderedDict()
        self.runtime = Runtime()
        self.ready = False

    def warm(self) -> None:
        """Load spaCy, the encoder and the classifier before the first real check."""
        try:
            self.assess_text(
                "I ran a training session for colleagues. I learned to plan it from the "
                "questions they asked, and next time I will ask first.",
                "chartership",
                "2021",
            )
        finally:
            self.ready = True

    def assess_text(self, text: str, route: str, framework: str) -> Assessment:
        return self.assess(self.source_from_text(text), route, framework, None)

    def source_from_text(self, text: str, name: str = "") -> SourceText:
        """Pasted or edited text; `name` is the file it came from, when the page knows it."""
        if not text.strip():
            raise HttpError(422, "the statement is empty: paste it or choose a file")
        if len(text) > MAX_TEXT_CHARS:
            raise HttpError(413, f"the statement is over {MAX_TEXT_CHARS:,} characters")
        shown = _safe_name(name) if name.strip() else "pasted statement"
        return parse_bytes(text.encode("utf-8"), name=shown, fmt="txt")

    def source_from_file(self, upload: Upload) -> SourceText:
        suffix = Path(upload.name).suffix.lower()
        fmt = SUFFIX_FORMATS.get(suffix)
        if fmt is None:
            raise HttpError(
                415, f"{upload.name}: unsupported file type; use .docx, .pdf, .md or .txt"
            )
        if len(upload.data) > self.max_bytes:
            raise HttpError(413, f"{upload.name}: over the {self.max_bytes / 1048576:.0f} MB limit")
        return parse_bytes(upload.data, name=upload.name, fmt=fmt, max_bytes=self.max_bytes)

    def assess(
        self,
        source: SourceText,
        route: str,
        framework: str,
        side: dict[str, Any] | None,
    ) -> Assessment:
        from pksb_reflect.api import assess

        with self._lock:
            return assess(
                source,
                route,
                framework=framework,
                max_bytes=self.max_bytes,
                max_seconds=self.max_seconds,
                runtime=self.runtime,
                **(side or {}),
            )

    def keep(self, assessment: Assessment, original: bytes | None) -> str:
        token = secrets.token_urlsafe(16)
        now = time.monotonic()
        with self._lock:
            self._kept[token] = Kept(assessment, original, now)
            while len(self._kept) > KEPT_RESULTS:
                self._kept.popitem(last=False)
            for old in [t for t, k in self._kept.items() if now - k.at > KEPT_SECONDS]:
                del self._kept[old]
        return token

    def kept(self, token: str) -> Kept | None:
        with self._lock:
            return self._kept.get(token)


# --- request checks --------------------------------------------------------------------------


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class HostCheck:
    """Which Host headers (and so Origins) name this server: its own address and port.

    A DNS-rebinding page reaches the server under the attacker's domain name, so names other
    than ours are refused. Bound to every interface (0.0.0.0 or ::) the server cannot know its
    own names, so any IP address (which no DNS answer can stand in for) and localhost pass.
    """

    def __init__(self, host: str, port: int) -> None:
        self.port = port
        self.names = {host.lower().strip("[]")}
        if is_loopback(host):
            self.names |= {"localhost", "127.0.0.1", "::1"}
        self.any_address = host in ("0.0.0.0", "::")

    def accepts(self, value: str) -> bool:
        match = re.fullmatch(r"(\[[0-9a-fA-F:.]+\]|[^:\[\]]+)(?::(\d+))?", value.strip())
        if match is None:
            return False
        name, port = match.group(1).lower().strip("[]"), match.group(2)
        if (int(port) if port else 80) != self.port:
            return False
        if name in self.names:
            return True
        if self.any_address:
            try:
                ipaddress.ip_address(name)
                return True
            except ValueError:
                return name == "localhost"
        return False

    def accepts_origin(self, origin: str) -> bool:
        return origin.startswith("http://") and self.accepts(origin[len("http://") :])


class GuardMiddleware:
    """Host header check, cross-site post refusal, and security headers on every response."""

    def __init__(self, app: ASGIApp, hosts: HostCheck) -> None:
        self.app = app
        self.hosts = hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        problem = None
        if not self.hosts.accepts(headers.get("host", "")):
            problem = HttpError(421, "this server answers only at its own address")
        elif scope["method"] not in ("GET", "HEAD"):
            origin = headers.get("origin")
            site = headers.get("sec-fetch-site")
            if (origin is not None and not self.hosts.accepts_origin(origin)) or (
                site is not None and site not in ("same-origin", "none")
            ):
                problem = HttpError(403, "cross-site requests are refused")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra = [
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"x-frame-options", b"DENY"),
                    (b"cache-control", b"no-store"),
                ]
                existing = {k.lower() for k, _ in message.get("headers", [])}
                if b"content-security-policy" not in existing:
                    extra.append((b"content-security-policy", CSP.encode()))
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        if problem is not None:
            response = JSONResponse({"error": problem.message}, status_code=problem.status)
            await response(scope, receive, with_headers)
            return
        await self.app(scope, receive, with_headers)


async def read_form(request: Request) -> Form:
    """The multipart body, bounded and parsed in memory (nothing is spooled to disk)."""
    content_type, params = parse_options_header(request.headers.get("content-type", ""))
    if content_type != b"multipart/form-data" or b"boundary" not in params:
        raise HttpError(415, "send the form as multipart/form-data")
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise HttpError(413, f"the upload is over the {MAX_BODY_BYTES // 1048576} MB limit")
    form = Form()
    parts: list[dict[str, Any]] = []
    header: dict[str, bytes] = {"field": b"", "value": b""}

    def begin() -> None:
        if len(parts) >= MAX_PARTS:
            raise HttpError(413, f"the form has more than {MAX_PARTS} parts")
        parts.append({"headers": {}, "data": bytearray()})

    def header_field(data: bytes, start: int, end: int) -> None:
        header["field"] += data[start:end]

    def header_value(data: bytes, start: int, end: int) -> None:
        header["value"] += data[start:end]

    def header_end() -> None:
        parts[-1]["headers"][header["field"].decode("latin-1").lower()] = header["value"]
        header["field"] = header["value"] = b""

    def part_data(data: bytes, start: int, end: int) -> None:
        parts[-1]["data"] += data[start:end]

    parser = MultipartParser(
        params[b"boundary"],
        {
            "on_part_begin": begin,
            "on_header_field": header_field,
            "on_header_value": header_value,
            "on_header_end": header_end,
            "on_part_data": part_data,
        },
        max_size=MAX_BODY_BYTES,
    )
    received = 0
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if received > MAX_BODY_BYTES:
                raise HttpError(413, f"the upload is over the {MAX_BODY_BYTES // 1048576} MB limit")
            parser.write(chunk)
        parser.finalize()
    except HttpError:
        raise
    except Exception as exc:  # a malformed body, whatever the parser's complaint
        raise HttpError(400, f"the form could not be read ({type(exc).__name__})") from None
    for part in parts:
        _, disposition = parse_options_header(part["headers"].get("content-disposition", b""))
        name = disposition.get(b"name", b"").decode("utf-8", "replace")
        if b"filename" in disposition:
            filename = _safe_name(disposition[b"filename"].decode("utf-8", "replace"))
            if part["data"]:
                form.files.setdefault(name, []).append(Upload(filename, bytes(part["data"])))
        else:
            form.fields[name] = part["data"].decode("utf-8", "replace")
    return form


def _safe_name(name: str) -> str:
    """A file's own name, never a path: the last component, with odd characters replaced."""
    base = re.split(r"[\\/]", name)[-1]
    base = re.sub(r"[^\w .()+,-]", "_", base).strip(" .") or "upload"
    return display_name(base[-120:])


# --- the analysis behind both the page and the API -------------------------------------------


async def run_check(service: Service, form: Form) -> tuple[Assessment, bytes | None]:
    route = form.fields.get("route") or "chartership"
    framework = form.fields.get("framework") or "2021"
    if route not in ROUTE_IDS:
        raise HttpError(400, f"unknown route {route!r}; choose one of {', '.join(ROUTE_IDS)}")
    if framework not in FRAMEWORK_VERSIONS:
        raise HttpError(400, f"unknown framework {framework!r}")
    files = form.files.get("file", [])
    original = None
    side_uploads = {k: form.files.get(k, []) for k in ("evidence", "pksb_audit", "cpd_log")}
    try:
        if files:
            source = service.source_from_file(files[0])
            original = files[0].data if source.format == "docx" else None
        else:
            source = service.source_from_text(
                form.fields.get("text", ""), form.fields.get("name", "")
            )
        if not any(side_uploads.values()):  # the statement alone: nothing touches the disk
            assessment = await run_in_threadpool(service.assess, source, route, framework, None)
        else:
            with tempfile.TemporaryDirectory(prefix="pksb-reflect-") as folder:
                side = _side_files(Path(folder), side_uploads, service.max_bytes)
                assessment = await run_in_threadpool(service.assess, source, route, framework, side)
                assessment = _own_names(assessment, Path(folder))
    except UsageError as exc:
        raise HttpError(400, exc.one_line()) from None
    except PksbError as exc:
        raise HttpError(422, exc.one_line()) from None
    return assessment, original


def _own_names(assessment: Assessment, folder: Path) -> Assessment:
    """The Assessment with the temporary folder's paths (evidence items, the self-assessment,
    their notes) given as the uploaded files' own names: no server path reaches the client."""
    place = re.compile(
        re.escape(str(folder)) + r"[\\/](?:evidence|pksb_audit|cpd_log)[\\/]\d+[\\/]"
    )
    return Assessment.model_validate_json(place.sub("", assessment.model_dump_json()))


def _side_files(folder: Path, uploads: dict[str, list[Upload]], max_bytes: int) -> dict[str, Any]:
    """Evidence, self-assessment and CPD log written under `folder` by their own names."""
    side: dict[str, Any] = {}
    evidence: list[str] = []
    for key, items in uploads.items():
        for number, upload in enumerate(items):
            suffix = Path(upload.name).suffix.lower()
            allowed = SIDE_SUFFIXES.get(key, tuple(SUFFIX_FORMATS))
            if suffix not in allowed:
                raise HttpError(415, f"{upload.name}: unsupported file type for {key}")
            if len(upload.data) > max_bytes:
                raise HttpError(413, f"{upload.name}: over the {max_bytes / 1048576:.0f} MB limit")
            place = folder / key / str(number)
            place.mkdir(parents=True)
            path = place / upload.name
            path.write_bytes(upload.data)
            if key == "evidence":
                evidence.append(str(path))
            else:
                side[key] = str(path)
    if evidence:
        side["evidence"] = evidence
    return side


def create_app(
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_seconds: float = DEFAULT_MAX_SECONDS,
    warm: bool = True,
) -> Starlette:
    """The web app; `warm` loads the models in the background as it starts."""
    from pksb_reflect.apps.web.view import report_view

    service = Service(max_bytes, max_seconds)
    templates = Environment(
        loader=PackageLoader("pksb_reflect.apps", "web/templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
    )
    routes_named = [(r, load_route(r).name) for r in ROUTE_IDS]

    def page(form: Form, *, report: dict[str, Any] | None = None, error: str | None = None,
             status: int = 200) -> HTMLResponse:  # fmt: skip
        html = templates.get_template("page.html").render(
            version=__version__,
            routes=routes_named,
            frameworks=FRAMEWORK_VERSIONS,
            route=form.fields.get("route", "chartership"),
            framework=form.fields.get("framework", "2021"),
            text=form.fields.get("text", ""),
            name=form.fields.get("name", ""),
            report=report,
            error=error,
        )
        return HTMLResponse(html, status_code=status)

    async def index(request: Request) -> Response:
        return page(Form())

    async def check_page(request: Request) -> Response:
        """The form without JavaScript (a whole page), or with it (the report fragment)."""
        fragment = request.headers.get("x-requested-with") == "fetch"
        form = Form()
        try:
            form = await read_form(request)
            assessment, original = await run_check(service, form)
        except HttpError as exc:
            if fragment:
                return JSONResponse({"error": exc.message}, status_code=exc.status)
            return page(form, error=exc.message, status=exc.status)
        token = service.keep(assessment, original)
        report = report_view(assessment, token)
        if fragment:
            html = templates.get_template("report.html").render(report=report)
            return JSONResponse({"html": html, "text": report["text"], "name": report["name"]})
        form.fields["text"] = report["text"]
        form.fields["name"] = report["name"]
        return page(form, report=report)

    async def api_assess(request: Request) -> Response:
        try:
            form = await read_form(request)
            assessment, _ = await run_check(service, form)
        except HttpError as exc:
            return JSONResponse({"error": exc.message}, status_code=exc.status)
        return Response(render(assessment, "json"), media_type="application/json")

    async def download(request: Request) -> Response:
        kept = service.kept(request.path_params["token"])
        fmt = request.path_params["fmt"]
        if kept is None or fmt not in DOWNLOADS:
            return JSONResponse({"error": "no such report; check the statement again"}, 404)
        renderer = REGISTRY[fmt]
        stem = re.sub(r"[^\w.-]", "_", Path(kept.assessment.source.name).stem) or "statement"
        body = await run_in_threadpool(render_bytes, kept.assessment, fmt, original=kept.original)
        return Response(
            body,
            media_type=renderer.media_type,
            headers={
                "content-disposition": f'attachment; filename="{stem}-feedback{renderer.suffix}"',
                # The HTML report styles itself inline; as a download it is never run here.
                "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'",
            },
        )

    async def healthz(request: Request) -> Response:
        return JSONResponse(
            {"status": "ok", "version": __version__, "models_loaded": service.ready}
        )

    static = Path(__file__).resolve().parent / "web" / "static"
    app = Starlette(
        routes=[
            Route("/", index, methods=["GET"]),
            Route("/", check_page, methods=["POST"]),
            Route("/api/assess", api_assess, methods=["POST"]),
            Route("/download/{token}/{fmt}", download, methods=["GET"]),
            Route("/healthz", healthz, methods=["GET"]),
            Mount("/static", StaticFiles(directory=static), name="static"),
        ]
    )
    app.state.service = service
    if warm:
        threading.Thread(target=service.warm, name="pksb-reflect-warm", daemon=True).start()
    else:
        service.ready = True
    return GuardMiddleware(app, HostCheck(host, port))  # type: ignore[return-value]


def serve_forever(
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    *,
    open_browser: bool = True,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_seconds: float = DEFAULT_MAX_SECONDS,
) -> None:
    """Run the server until interrupted, opening the page in the browser unless told not to."""
    import uvicorn

    app = create_app(host, port, max_bytes=max_bytes, max_seconds=max_seconds)
    server = uvicorn.Server(
        uvicorn.Config(app, host=host, port=port, log_level="warning", server_header=False)
    )
    if open_browser:
        import webbrowser

        shown = f"[{host}]" if ":" in host else host
        threading.Timer(1.0, webbrowser.open, args=(f"http://{shown}:{port}/",)).start()
    try:
        server.run()
    except OSError as exc:
        raise InputError(f"cannot listen on {host}:{port} ({exc.strerror or exc})") from None
