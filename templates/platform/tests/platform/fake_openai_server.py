"""A real HTTP server on 127.0.0.1 that speaks the OpenAI wire format, with injectable faults.

Shipped in the package (stdlib only) so the platform tests, pattern tests and the
benchmarks exercise the real httpx provider over real sockets — status codes,
headers, timeouts, broken bodies — instead of mocks that agree with our own code.
Never started by the application itself.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import zlib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Fault:
    """What the server does instead of answering one request."""

    status: int = 500
    body: bytes = b'{"error": {"message": "injected fault"}}'
    headers: tuple[tuple[str, str], ...] = ()
    hang: bool = False
    disconnect: bool = False

    @classmethod
    def rate_limited(cls, retry_after: str = "1") -> Fault:
        body = b'{"error": {"message": "Rate limit reached"}}'
        return cls(429, body, (("Retry-After", retry_after),))

    @classmethod
    def server_error(cls, status: int = 500) -> Fault:
        return cls(status)

    @classmethod
    def malformed(cls) -> Fault:
        """HTTP 200 whose body is not JSON (a proxy error page, a truncated stream)."""
        return cls(200, b'{"choices": [ this is not json')

    @classmethod
    def slow(cls) -> Fault:
        """Hold the request until the client's timeout fires (released on stop)."""
        return cls(hang=True)

    @classmethod
    def dropped(cls) -> Fault:
        """Close the connection without any response."""
        return cls(disconnect=True)

    @classmethod
    def error(cls, status: int, message: str) -> Fault:
        return cls(status, json.dumps({"error": {"message": message}}).encode())


@dataclass(frozen=True)
class RecordedRequest:
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class _State:
    include_usage: bool
    embedding_dimensions: int
    hang_limit_s: float
    answer: Callable[[dict[str, Any]], str]
    worst_case_usage: bool = False
    delay_s: float = 0.0
    in_flight: int = 0
    max_in_flight: int = 0
    faults: deque[Fault] = field(default_factory=deque)
    requests: list[RecordedRequest] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    released: threading.Event = field(default_factory=threading.Event)


class FakeOpenAIServer:
    """Threaded server on a random free port; use as a context manager.

    `inject(*faults)` queues faults; each request consumes one, and once the queue is
    empty requests get normal, deterministic answers.
    """

    def __init__(
        self,
        *,
        include_usage: bool = True,
        embedding_dimensions: int = 8,
        hang_limit_s: float = 5.0,
        answer: Callable[[dict[str, Any]], str] | None = None,
        worst_case_usage: bool = False,
        delay_s: float = 0.0,
    ) -> None:
        """`answer` replaces the echoing `fake_answer` (e.g. a safety classifier's verdict).

        `worst_case_usage` reports the most tokens a real provider could bill: one token per UTF-8
        byte of every message plus OpenAI's chat framing (3 per message, 1 for the role, 3 before
        the reply), and the whole `max_tokens` as output. The default counts words.
        `delay_s` makes every chat answer take that long (a model that is slow but not failing).
        """
        self._state = _State(
            include_usage, embedding_dimensions, hang_limit_s, answer or fake_answer, worst_case_usage, delay_s
        )
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self._state))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._state.lock:
            return list(self._state.requests)

    @property
    def delay_s(self) -> float:
        return self._state.delay_s

    @delay_s.setter
    def delay_s(self, seconds: float) -> None:
        """How long each chat answer takes from now on."""
        self._state.delay_s = seconds

    @property
    def concurrent_chats(self) -> int:
        """Chat requests this server is answering right now."""
        with self._state.lock:
            return self._state.in_flight

    @property
    def max_concurrent_chats(self) -> int:
        """The most chat requests this server was answering at one moment."""
        with self._state.lock:
            return self._state.max_in_flight

    def inject(self, *faults: Fault) -> None:
        with self._state.lock:
            self._state.faults.extend(faults)

    def start(self) -> FakeOpenAIServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._state.released.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FakeOpenAIServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def closed_port_url() -> str:
    """A base URL where nothing listens, for 'connection refused'."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


def fake_answer(body: dict[str, Any]) -> str:
    """The deterministic answer the server gives: it echoes the last user message."""
    users = [m.get("content", "") for m in body.get("messages", []) if m.get("role") == "user"]
    return f"fake answer to: {users[-1] if users else ''}"[:200]


def _handler_for(state: _State) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out in separate writes

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (stdlib name)
            """Keep test output clean."""

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            try:
                body = json.loads(raw or b"null")
            except json.JSONDecodeError:
                body = None
            with state.lock:
                state.requests.append(RecordedRequest(self.path, dict(self.headers), body))
                fault = state.faults.popleft() if state.faults else None
            if fault is not None:
                self._fail(fault)
            elif self.path.endswith("/chat/completions") and isinstance(body, dict):
                with state.lock:
                    state.in_flight += 1
                    state.max_in_flight = max(state.max_in_flight, state.in_flight)
                time.sleep(state.delay_s)
                with state.lock:
                    state.in_flight -= 1
                self._send(200, _completion(body, state))
            elif self.path.endswith("/embeddings") and isinstance(body, dict):
                self._send(200, _embeddings(body, state.embedding_dimensions))
            else:
                self._send(404, {"error": {"message": f"unknown path {self.path}"}})

        def _fail(self, fault: Fault) -> None:
            if fault.hang:
                state.released.wait(state.hang_limit_s)
            if fault.hang or fault.disconnect:
                self.close_connection = True
                return
            self._write(fault.status, fault.body, fault.headers)

        def _send(self, status: int, payload: dict[str, Any]) -> None:
            self._write(status, json.dumps(payload).encode(), ())

        def _write(self, status: int, data: bytes, headers: tuple[tuple[str, str], ...]) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers:
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)
            except OSError:
                self.close_connection = True  # the client gave up; nothing to tell it

    return Handler


def _completion(body: dict[str, Any], state: _State) -> dict[str, Any]:
    text = state.answer(body)
    reply: dict[str, Any] = {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "model": body.get("model", "fake-model"),
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
    }
    if state.include_usage:
        messages = body.get("messages", [])
        if state.worst_case_usage:
            prompt = 3 + sum(len(str(m.get("content", "")).encode()) + 3 + 1 for m in messages)
            cap = body.get("max_tokens", body.get("max_completion_tokens"))
            completion = int(cap) if isinstance(cap, int) else len(text.encode())
        else:
            prompt, completion = sum(len(str(m.get("content", "")).split()) for m in messages), len(text.split())
        reply["usage"] = {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}
    return reply


def _embeddings(body: dict[str, Any], dimensions: int) -> dict[str, Any]:
    inputs = body.get("input", [])
    inputs = [inputs] if isinstance(inputs, str) else inputs
    rows = []
    for index, text in enumerate(inputs):
        seed = zlib.crc32(str(text).encode())
        vector = [1.0 if (seed >> bit) & 1 else -1.0 for bit in range(dimensions)]
        rows.append({"object": "embedding", "index": index, "embedding": vector})
    rows.reverse()  # real servers may return rows out of order; clients must sort by index
    return {"object": "list", "data": rows, "model": body.get("model", "fake-embedding")}
