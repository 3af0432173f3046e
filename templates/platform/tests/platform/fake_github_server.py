"""A real HTTP server on 127.0.0.1 that answers the few GitHub REST calls the gate makes.

`GET /repos/{owner}/{repo}/pulls/{n}`, `.../pulls/{n}/reviews` and `/orgs/{org}/teams/{team}/members`,
paginated with `Link: <...>; rel="next"` like GitHub, refusing requests without the expected
bearer token. Tests point `GITHUB_API_URL` at it; the application never starts it.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

_PULL = re.compile(r"^/repos/([^/]+/[^/]+)/pulls/(\d+)$")
_REVIEWS = re.compile(r"^/repos/([^/]+/[^/]+)/pulls/(\d+)/reviews$")
_MEMBERS = re.compile(r"^/orgs/([^/]+)/teams/([^/]+)/members$")


@dataclass
class FakeGitHub:
    """State the server answers from; tests edit it between gate runs."""

    token: str = "ghs_test_token"
    pulls: dict[int, dict[str, Any]] = field(default_factory=dict)  # number -> {"author", "head"}
    reviews: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    teams: dict[str, list[str]] = field(default_factory=dict)  # "org/team" -> logins; absent -> 404
    page_size: int = 100
    requests: list[str] = field(default_factory=list)

    def pull(self, number: int, *, author: str, head: str) -> None:
        self.pulls[number] = {"author": author, "head": head}
        self.reviews.setdefault(number, [])

    def review(self, number: int, login: str, state: str, commit: str) -> None:
        reviews = self.reviews.setdefault(number, [])
        reviews.append(
            {
                "id": 1000 + len(reviews),
                "user": {"login": login, "type": "User"},
                "state": state,
                "commit_id": commit,
                "submitted_at": f"2025-06-01T10:{len(reviews):02d}:00Z",
                "body": "",
            }
        )


class FakeGitHubServer:
    """Threaded server on a random free port; use as a context manager."""

    def __init__(self, state: FakeGitHub | None = None) -> None:
        self.state = state or FakeGitHub()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> FakeGitHubServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def answer(self, path: str, query: dict[str, list[str]], authorization: str) -> tuple[int, Any, dict[str, str]]:
        state = self.state
        with self._lock:
            state.requests.append(path)
        if authorization != f"Bearer {state.token}":
            return 401, {"message": "Bad credentials"}, {}
        if match := _PULL.match(path):
            pull = state.pulls.get(int(match.group(2)))
            if pull is None:
                return 404, {"message": "Not Found"}, {}
            body = {"number": int(match.group(2)), "user": {"login": pull["author"]}, "head": {"sha": pull["head"]}}
            return 200, body, {}
        if match := _REVIEWS.match(path):
            if int(match.group(2)) not in state.pulls:
                return 404, {"message": "Not Found"}, {}
            return self._page(path, query, state.reviews.get(int(match.group(2)), []))
        if match := _MEMBERS.match(path):
            members = state.teams.get(f"{match.group(1)}/{match.group(2)}")
            if members is None:
                return 404, {"message": "Not Found"}, {}
            return self._page(path, query, [{"login": login} for login in members])
        return 404, {"message": "Not Found"}, {}

    def _page(self, path: str, query: dict[str, list[str]], items: list[Any]) -> tuple[int, Any, dict[str, str]]:
        size = min(int(query.get("per_page", ["30"])[0]), self.state.page_size)
        page = int(query.get("page", ["1"])[0])
        chunk = items[(page - 1) * size : page * size]
        headers = {}
        if page * size < len(items):
            headers["Link"] = f'<{self.url}{path}?per_page={size}&page={page + 1}>; rel="next"'
        return 200, chunk, headers


def _handler_for(server: FakeGitHubServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (stdlib name)
            """Keep test output clean."""

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            status, body, headers = server.answer(
                parts.path, parse_qs(parts.query), self.headers.get("Authorization", "")
            )
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

    return Handler
