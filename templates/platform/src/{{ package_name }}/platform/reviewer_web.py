"""What every reviewer page shares: sign-in, the session cookie, CSRF, access re-checked per request, the page shell.

A pattern's reviewer page (a queue of proposals, a draft's claims) is plain server-rendered HTML
with forms and no JavaScript. This module holds the part that must not differ between patterns:
- sign-in with an API key holding `approve`, then a random session token in an HttpOnly,
  SameSite=Strict cookie (Secure in production) scoped to the page's path;
- every form posts the session's CSRF token, cross-origin posts are refused, bodies are capped;
- every request re-checks the session's client (see `reviewer_sessions.py`); a revoked session is
  audited, its cookie cleared and the sign-in form shown with the reason;
- pages forbid scripts and framing (`SECURITY_HEADERS`), and every value is escaped.

    sign_in = ReviewerSignIn(cookie="review_session", table="reviewer_sessions", title="Reviewer sign-in",
                             store=lambda request: (request.app.state.service.db, request.app.state.service.clock))
    router.include_router(sign_in.router)  # router's prefix is /review: POST /review/login, /review/logout
    session = sign_in.session(request)     # in a page: the reviewer, or HTTPException 401
    session = sign_in.checked(request, form)  # in a form post: also the CSRF token
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from html import escape
from typing import Annotated
from urllib.parse import parse_qs, urlsplit

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from .. import PROJECT_NAME
from .errors import AuthError, SessionRevoked
from .reviewer_sessions import SCOPE, SESSION_TTL, ReviewerSession, ReviewerSessions, SessionDatabase

MAX_FORM_BYTES = 16_384
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
BASE_STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; max-width: 64rem; margin: 2rem auto; padding: 0 1rem; color: #1d1d1f; }
.error { background: #ffd9d6; padding: .6rem 1rem; border-radius: 6px; }
.notice { background: #e3f5e1; padding: .6rem 1rem; border-radius: 6px; }
form.inline { display: inline-block; margin-right: .5rem; } textarea { width: 100%; min-height: 3rem; }
"""


def html(body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(body, status, headers=SECURITY_HEADERS)


def redirect(url: str) -> RedirectResponse:
    """After a form post: 303, so a reload never posts the form again."""
    return RedirectResponse(url, status_code=303, headers=SECURITY_HEADERS)


async def form_fields(request: Request) -> dict[str, str]:
    """A urlencoded form body (no multipart needed), after refusing cross-origin and oversized posts."""
    origin = request.headers.get("origin")
    if origin and urlsplit(origin).netloc != request.headers.get("host"):
        raise HTTPException(403, "cross-origin form post refused")
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/x-www-form-urlencoded":
        raise HTTPException(415, "send the form as application/x-www-form-urlencoded")
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise HTTPException(413, f"form is larger than {MAX_FORM_BYTES} bytes")
    fields = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
    return {name: values[0] for name, values in fields.items()}


FormDep = Annotated[dict[str, str], Depends(form_fields)]


def page(title: str, body: str, *, style: str = "") -> str:
    """The page shell: title, the shared style plus the page's own, the body (already escaped by its builder)."""
    return (
        "<!doctype html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>{escape(title)} - {escape(PROJECT_NAME)}</title><style>{BASE_STYLE}{style}</style></head>"
        f"<body><h1>{escape(title)}</h1>{body}</body></html>"
    )


def message(error: str = "", notice: str = "") -> str:
    if error:
        return f"<p class='error' role='alert'>{escape(error)}</p>"
    return f"<p class='notice' role='status'>{escape(notice)}</p>" if notice else ""


def csrf_field(token: str) -> str:
    return f"<input type='hidden' name='csrf_token' value='{escape(token)}'>"


class ReviewerSignIn:
    """Sign-in, sign-out and the per-request session check of one reviewer page mounted at `prefix`."""

    def __init__(
        self,
        *,
        cookie: str,
        table: str,
        title: str,
        store: Callable[[Request], tuple[SessionDatabase, Callable[[], datetime]]],
        prefix: str = "/review",
        home_label: str = "Back",
        style: str = "",
    ) -> None:
        self.cookie, self.table, self.title, self.store = cookie, table, title, store
        self.prefix, self.home_label, self.style = prefix, home_label, style
        self.router = APIRouter()  # included in the page's own router, which is mounted at `prefix`
        self.router.add_api_route("/login", self._login, methods=["POST"], include_in_schema=False)
        self.router.add_api_route("/logout", self._logout, methods=["POST"], include_in_schema=False)

    # --- pages ------------------------------------------------------------------------------------
    def login_page(self, error: str = "") -> str:
        form = (
            f"<form method='post' action='{escape(self.prefix)}/login'>"
            f"<label>API key with the <code>{SCOPE}</code> scope "
            "<input type='password' name='api_key' autocomplete='off' required></label> "
            "<button type='submit'>Sign in</button></form>"
        )
        return page(self.title, message(error) + form, style=self.style)

    def signed_in_bar(self, session: ReviewerSession) -> str:
        """Who is signed in, the way home and the sign-out form (with the CSRF token)."""
        prefix = escape(self.prefix)
        return (
            f"<div>Signed in as <strong>{escape(session.client_id)}</strong>. <a href='{prefix}'>"
            f"{escape(self.home_label)}</a> <form class='inline' method='post' action='{prefix}/logout'>"
            f"{csrf_field(session.csrf_token)}<button>Sign out</button></form></div>"
        )

    def message_page(self, title: str, error: str, status: int) -> HTMLResponse:
        back = f"<p><a href='{escape(self.prefix)}'>{escape(self.home_label)}</a></p>"
        return html(page(title, message(error) + back, style=self.style), status)

    # --- sessions ---------------------------------------------------------------------------------
    def sessions(self, request: Request) -> ReviewerSessions:
        """The session store in the pattern's database (migrated once, kept on the app)."""
        db, clock = self.store(request)
        found = getattr(request.app.state, "reviewer_sessions", None)
        if found is None or found.db is not db:
            found = request.app.state.reviewer_sessions = ReviewerSessions(db, clock, table=self.table)
        return found

    def session(self, request: Request) -> ReviewerSession:
        """The reviewer behind the cookie while their client may still approve; else 401 (the session ends)."""
        try:
            session = self.sessions(request).find(request.cookies.get(self.cookie), request.app.state.clients)
        except SessionRevoked as error:
            request.app.state.runtime.record(actor="review-page", action="review.session", decision="revoked")
            raise HTTPException(401, error.detail) from error
        if session is None:
            raise HTTPException(401, f"not signed in; open {self.prefix} and sign in")
        return session

    def checked(self, request: Request, form: dict[str, str]) -> ReviewerSession:
        """`session`, for a form post: the form must carry the session's CSRF token (403 otherwise)."""
        session = self.session(request)
        if not session.accepts(form.get("csrf_token", "")):
            raise HTTPException(403, f"CSRF token missing or wrong; reload {self.prefix} and try again")
        return session

    def signed_out(self, request: Request, error: HTTPException) -> HTMLResponse:
        """The sign-in form; with the reason, and the cookie cleared, when a session no longer counts."""
        if not request.cookies.get(self.cookie):
            return html(self.login_page())
        response = html(self.login_page(str(error.detail)), 401)
        response.delete_cookie(self.cookie, path=self.prefix)
        return response

    # --- routes -----------------------------------------------------------------------------------
    def _login(self, request: Request, form: FormDep) -> Response:
        key = form.get("api_key", "")
        try:
            remote = request.client.host if request.client else "unknown"
            caller = request.app.state.clients.authenticate(key, SCOPE, remote=remote)
        except AuthError as error:
            return html(self.login_page(error.detail), error.status)
        token, _ = self.sessions(request).open(caller.client_id, key)
        runtime = request.app.state.runtime
        runtime.record(actor=caller.client_id, action="review.login", decision="ok")
        response = redirect(self.prefix)
        response.set_cookie(
            self.cookie,
            token,
            max_age=int(SESSION_TTL.total_seconds()),
            path=self.prefix,
            httponly=True,
            samesite="strict",
            secure=runtime.settings.mode == "production",
        )
        return response

    def _logout(self, request: Request, form: FormDep) -> Response:
        self.checked(request, form)
        self.sessions(request).close(request.cookies.get(self.cookie, ""))
        response = redirect(self.prefix)
        response.delete_cookie(self.cookie, path=self.prefix)
        return response
