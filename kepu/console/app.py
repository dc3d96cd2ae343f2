"""The console's web application (Starlette, Jinja2 with autoescape, plain HTML forms, no script).

Routes: 今日概况 `/`, 待决定事项 `/items` (POST `/decide`, POST `/run`, `/run` its progress), 报送情况 `/units` and
`/units/{code}`, 汇总与报送 `/totals` (GET `/download/{path}`, POST `/sign`), 版本 `/editions`; `/login` when a
password is asked for. Writes go only through `kepu decide`'s and `kepu sign`'s own functions.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import parse_qsl, quote

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from kepu.console import pages
from kepu.console.jobs import Runner
from kepu.console.security import CSRF_FIELD, LOOPBACK_NAMES, SESSION_COOKIE, Guard, Session
from kepu.schemas.errors import KepuError
from kepu.settings import Settings

MAX_FORM_BYTES = 64 * 1024
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
NAV = (("/", "今日概况"), ("/items", "待决定事项"), ("/units", "报送情况"), ("/totals", "汇总与报送"),
       ("/editions", "版本"))


def templates() -> Environment:
    env = Environment(loader=PackageLoader("kepu.console", "templates"),
                      autoescape=select_autoescape(default=True, default_for_string=True))
    env.filters["figure"] = pages.figure
    env.filters["when"] = pages.when
    env.filters["url"] = lambda text: quote(str(text), safe="/")
    return env


class Console:
    """One campaign's console: its settings, who may use it, the run it started."""

    def __init__(self, settings: Settings, password: str | None = None, loopback: bool = True,
                 runner: Runner | None = None, key: bytes | None = None) -> None:
        self.settings = settings
        self.guard = Guard(password, key)
        self.loopback = loopback
        self.runner = runner or Runner(settings.config_path or Path("kepu.toml"))
        self.env = templates()
        self.messages: dict[str, tuple[str, str]] = {}
        """sid → (kind, text) shown once on the next page (a decision recorded or refused, an edition signed)."""

    # ----------------------------------------------------------------------------------------- plumbing

    def session_of(self, request: Request) -> tuple[Session, bool]:
        session = self.guard.read_cookie(request.cookies.get(SESSION_COOKIE))
        if session is None:
            return self.guard.new_session(signed_in=False), True
        return session, False

    def page(self, request: Request, session: Session, name: str, title: str, status: int = 200, **context) -> Response:
        flash = self.messages.pop(session.sid, None)
        html = self.env.get_template(name).render(
            title=title, nav=NAV, path=request.url.path, csrf_field=CSRF_FIELD,
            csrf_token=self.guard.csrf_token(session), flash=flash, settings=self.settings,
            campaign=self.settings.campaign, signed_in=session.signed_in, needs_password=self.guard.needs_password,
            published=pages.published(self.settings), job=self.runner.job, measures=pages.measures(), **context)
        return HTMLResponse(html, status_code=status)

    async def form(self, request: Request) -> dict[str, str] | None:
        body = await request.body()
        if len(body) > MAX_FORM_BYTES:
            return None
        try:
            return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        except UnicodeDecodeError:
            return None

    def application(self) -> Starlette:
        routes = [
            Route("/", self.overview), Route("/items", self.items), Route("/decide", self.decide, methods=["POST"]),
            Route("/run", self.run_status), Route("/run", self.run_now, methods=["POST"]),
            Route("/units", self.units), Route("/units/{code}", self.unit),
            Route("/totals", self.totals), Route("/download/{path:path}", self.download),
            Route("/sign", self.sign, methods=["POST"]), Route("/editions", self.editions),
            Route("/login", self.login_page), Route("/login", self.login, methods=["POST"]),
        ]
        middleware = []
        if self.loopback:
            middleware.append(Middleware(TrustedHostMiddleware,
                                         allowed_hosts=[*LOOPBACK_NAMES, "[::1]", "testserver"]))
        middleware.append(Middleware(_Gate, console=self))

        @asynccontextmanager
        async def lifespan(app):
            yield
            self.runner.stop()

        return Starlette(routes=routes, middleware=middleware, lifespan=lifespan)

    # ----------------------------------------------------------------------------------------- pages

    def _needs_warehouse(self, request: Request, session: Session, title: str) -> Response | None:
        if pages.published(self.settings):
            return None
        return self.page(request, session, "empty.html", title)

    async def overview(self, request: Request) -> Response:
        session = request.state.session
        return self._needs_warehouse(request, session, "今日概况") or self.page(
            request, session, "overview.html", "今日概况", **await run_in_threadpool(pages.overview, self.settings))

    async def items(self, request: Request) -> Response:
        session = request.state.session
        return self._needs_warehouse(request, session, "待决定事项") or self.page(
            request, session, "items.html", "待决定事项", **await run_in_threadpool(pages.open_items, self.settings))

    async def units(self, request: Request) -> Response:
        session = request.state.session
        return self._needs_warehouse(request, session, "报送情况") or self.page(
            request, session, "units.html", "报送情况", **await run_in_threadpool(pages.completeness, self.settings))

    async def unit(self, request: Request) -> Response:
        session = request.state.session
        missing = self._needs_warehouse(request, session, "报送情况")
        if missing:
            return missing
        found = await run_in_threadpool(pages.unit_page, self.settings, request.path_params["code"])
        if found is None:
            return self.page(request, session, "notfound.html", "没有这个单位", status=404,
                             what=f"单位代码“{request.path_params['code']}”")
        return self.page(request, session, "unit.html", str(found["unit"].get("unit_name") or "单位"), **found)

    async def totals(self, request: Request) -> Response:
        session = request.state.session
        return self._needs_warehouse(request, session, "汇总与报送") or self.page(
            request, session, "totals.html", "汇总与报送", **await run_in_threadpool(pages.totals, self.settings))

    async def editions(self, request: Request) -> Response:
        session = request.state.session
        return self._needs_warehouse(request, session, "版本") or self.page(
            request, session, "editions.html", "版本", **await run_in_threadpool(pages.editions, self.settings))

    async def run_status(self, request: Request) -> Response:
        return self.page(request, request.state.session, "run.html", "运行")

    async def download(self, request: Request) -> Response:
        found = pages.safe_download(self.settings, request.path_params["path"])
        if found is None:
            return self.page(request, request.state.session, "notfound.html", "不能下载", status=404,
                             what="该文件（只能下载本届输出文件夹 out/ 中的文件）")
        return FileResponse(found, filename=found.name)

    # ----------------------------------------------------------------------------------------- actions

    async def decide(self, request: Request) -> Response:
        from kepu.decisions import decide as record_decision

        session, form = request.state.session, request.state.form
        back = form.get("back") or "/items"
        fields = {k: form.get(k) for k in ("file", "cell", "unit_code", "value", "other_file", "other_cell", "reason")}
        kind = form.get("kind", "")
        try:
            recorded = await run_in_threadpool(
                lambda: record_decision(self.settings, kind, **fields, decided_by=form.get("by") or None))
        except KepuError as exc:
            self.messages[session.sid] = ("refused", f"未记录：{exc}")
        else:
            self.messages[session.sid] = ("done", f"已记入 {recorded.path.name} 第{recorded.line}行。{recorded.preview}")
        return RedirectResponse(back if back.startswith("/") and not back.startswith("//") else "/items", 303)

    async def run_now(self, request: Request) -> Response:
        if not self.runner.start():
            self.messages[request.state.session.sid] = ("refused", "已有一次运行正在进行，请等它结束。")
        return RedirectResponse("/run", 303)

    async def sign(self, request: Request) -> Response:
        from kepu.flows.editions import sign as sign_edition

        session, form = request.state.session, request.state.form
        if self.runner.job is not None and self.runner.job.running:
            self.messages[session.sid] = ("refused", "未签发：运行正在进行，请等它结束后再签发。")
            return RedirectResponse("/totals", 303)
        try:
            reason = (form.get("reason") or "").strip() or None  # a reason given is the clerk forcing the edition
            signed = await run_in_threadpool(sign_edition, self.settings, form.get("by"), form.get("note"), 10,
                                             force=reason is not None, reason=reason)
        except KepuError as exc:
            self.messages[session.sid] = ("refused", f"未签发：{exc}")
            return RedirectResponse("/totals", 303)
        self.messages[session.sid] = ("done", f"已签发第{signed.edition_no}版（{signed.signed_at:%Y-%m-%d %H:%M}，"
                                              f"签发人 {form.get('by', '').strip()}），报送文件已留存到 "
                                              f"{signed.folder.relative_to(self.settings.campaign_out).as_posix()}。")
        return RedirectResponse("/editions", 303)

    async def login_page(self, request: Request) -> Response:
        return self.page(request, request.state.session, "login.html", "登录")

    async def login(self, request: Request) -> Response:
        form = request.state.form
        if not self.guard.password_ok(form.get("password")):
            return self.page(request, request.state.session, "login.html", "登录", status=403, wrong=True)
        fresh = self.guard.new_session(signed_in=True)
        response = RedirectResponse("/", 303)
        _set_cookie(response, self.guard.cookie(fresh), secure=not self.loopback and request.url.scheme == "https")
        return response


def _set_cookie(response: Response, value: str, secure: bool = False) -> None:
    response.set_cookie(SESSION_COOKIE, value, httponly=True, samesite="strict", path="/", secure=secure)


class _Gate:
    """Every request: its session (a new one signed when it has none), the password where one is asked for,
    the CSRF token of every POST; and the security headers on every answer."""

    def __init__(self, app, console: Console) -> None:
        self.app = app
        self.console = console

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        console = self.console
        request = Request(scope, receive)
        session, fresh = console.session_of(request)
        request.state.session = session
        response: Response | None = None
        if console.guard.needs_password and not session.signed_in and request.url.path != "/login":
            response = RedirectResponse("/login", 303)
        elif request.method == "POST":
            form = await console.form(request)
            if form is None or not console.guard.csrf_ok(session, form.get(CSRF_FIELD)):
                response = PlainTextResponse("请求被拒绝：表单缺少有效的安全令牌（请从控制台页面重新提交）。", 403)
            request.state.form = form
        elif request.method not in ("GET", "HEAD"):
            response = PlainTextResponse("不支持的请求方法。", 405)

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
                if fresh:
                    probe = Response()
                    _set_cookie(probe, console.guard.cookie(session))
                    headers += [(b"set-cookie", v) for k, v in probe.raw_headers if k == b"set-cookie"]
                message = {**message, "headers": [*message.get("headers", []), *headers]}
            await send(message)

        if response is not None:
            await response(scope, receive, send_with_headers)
            return
        await self.app(scope, _replay(request, receive) if request.method == "POST" else receive, send_with_headers)


def _replay(request: Request, receive):
    """The body the gate read (to check the token) once more for the route, then the connection's own messages
    (a disconnect)."""
    given = False

    async def replayed():
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": await request.body(), "more_body": False}
        return await receive()
    return replayed
