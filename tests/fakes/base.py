"""A small HTTP server in a thread: the app under test (in-process or in uvicorn
subprocesses) reaches it at `url`. Subclasses answer `handle()`; outcomes can be scripted."""

from __future__ import annotations

import json
import threading
import time
from abc import ABC, abstractmethod
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Request:
    method: str
    path: str
    raw_query: str
    query: dict[str, str]
    headers: dict[str, str]  # names lowercased
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body or b"{}")


@dataclass
class Answer:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


class FakeServer(ABC):
    """Start with `start()` (or as a context manager); `script(*outcomes)` queues the
    outcomes of the next calls (then back to success)."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.outcomes: deque[str] = deque()
        self.lock = threading.Lock()
        self.latency = 0.0  # seconds each answer takes, as a real provider's does
        self.in_flight = 0
        self.most_in_flight = 0  # the most requests it was answering at one time
        self._server: ThreadingHTTPServer | None = None

    def script(self, *outcomes: str) -> None:
        with self.lock:
            self.outcomes.extend(outcomes)

    def next_outcome(self) -> str:
        with self.lock:
            return self.outcomes.popleft() if self.outcomes else "ok"

    @abstractmethod
    def handle(self, request: Request) -> Answer:
        """Answer one request as the faked service does (each fake's protocol)."""

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeServer:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("content-length") or 0)
                request = Request(
                    method=self.command,
                    path=parts.path,
                    raw_query=parts.query,
                    query=dict(parse_qsl(parts.query, keep_blank_values=True)),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=self.rfile.read(length) if length else b"",
                )
                with fake.lock:
                    fake.requests.append(request)
                    fake.in_flight += 1
                    fake.most_in_flight = max(fake.most_in_flight, fake.in_flight)
                try:
                    time.sleep(fake.latency)
                    answer = fake.handle(request)
                finally:
                    with fake.lock:
                        fake.in_flight -= 1
                body = answer.body if isinstance(answer.body, bytes) else json.dumps(answer.body).encode()
                self.send_response(answer.status)
                headers = {"Content-Type": "application/json", **answer.headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _serve

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
