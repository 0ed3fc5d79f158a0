"""A small closed-loop HTTP/1.1 load generator, run in its own process by the bench harness:

    python -m tests.load.loadgen SPEC.json RESULT.json

uvloop + httptools over raw keep-alive connections: a request costs it tens of microseconds,
so on a 2-core machine it takes a small, measured share of the CPU (reported as
`cpu_share`, CPU seconds per wall second of its own process).

The spec names streams; each stream has `connections` connections that take the next of its
prepared `requests` (raw HTTP text) until `max_requests` are done (each request once, or
cycling when `repeat`), or `max_seconds` have passed. When `primary` streams exist, the
others stop as soon as those are done (e.g. browsing while a booking rush lasts). Every
connection is opened before `start_at` (epoch seconds), then all fire at once. A stream with a
`rate` sends at most that many requests a second (the hot slot's browsers: people reading a
page, not a closed loop that takes whatever the cores leave).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import resource
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import httptools

CODE = re.compile(rb'"code"\s*:\s*"([a-z_]+)"')
REQUEST_TIMEOUT = float(os.environ.get("LOADGEN_REQUEST_TIMEOUT", "60"))


class Connection(asyncio.Protocol):
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.waiter: asyncio.Future[tuple[int, bytes, bool]] | None = None
        self.body: list[bytes] = []

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(exc)

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        self._fail(exc or ConnectionResetError("connection closed"))

    # httptools callbacks
    def on_message_begin(self) -> None:
        self.body = []

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result((self.parser.get_status_code(), b"".join(self.body), self.parser.should_keep_alive()))

    def _fail(self, exc: BaseException) -> None:
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_exception(exc)

    async def send(self, data: bytes) -> tuple[int, bytes, bool]:
        if self.transport is None:
            raise ConnectionResetError("not connected")
        self.waiter = self.loop.create_future()
        self.transport.write(data)
        return await asyncio.wait_for(self.waiter, REQUEST_TIMEOUT)

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


@dataclass(eq=False)
class Stream:
    name: str
    connections: int
    requests: list[list[bytes]]  # each item: one request, or a sequence sent in order on one connection
    repeat: bool
    max_requests: int
    primary: bool
    keep_bodies: bool
    rate: float  # requests per second for the whole stream at most; 0: as fast as answered
    issued: int = 0
    sequences: int = 0
    latencies: list[float] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    codes: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    bodies: list[str] = field(default_factory=list)
    first_sent: float = 0.0
    last_done: float = 0.0
    per_pid: dict[int, int] = field(default_factory=dict)  # its connections by web process

    def next_request(self) -> list[bytes] | None:
        if self.issued >= self.max_requests or (not self.repeat and self.issued >= len(self.requests)):
            return None
        data = self.requests[self.issued % len(self.requests)]
        self.issued += 1
        return data


def owner_of(conn: Connection, pids: list[int], server_port: int) -> int | None:
    """Which of the web processes holds the server side of this connection (from /proc)."""
    if conn.transport is None:
        return None
    client_port = conn.transport.get_extra_info("sockname")[1]
    inode = None
    with open("/proc/net/tcp", encoding="ascii") as f:
        for line in f.readlines()[1:]:
            parts = line.split()
            local_port = int(parts[1].rsplit(":", 1)[1], 16)
            remote_port = int(parts[2].rsplit(":", 1)[1], 16)
            if local_port == server_port and remote_port == client_port:
                inode = parts[9]
                break
    if inode is None:
        return None
    target = f"socket:[{inode}]"
    for pid in pids:
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                try:
                    if os.readlink(f"/proc/{pid}/fd/{fd}") == target:
                        return pid
                except OSError:
                    continue
        except OSError:
            continue
    return None


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


async def run(spec: dict[str, Any]) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    host, port = spec["host"], int(spec["port"])
    streams = [
        Stream(
            name=s["name"],
            connections=int(s["connections"]),
            requests=[[x.encode("utf-8") for x in ([r] if isinstance(r, str) else r)] for r in s["requests"]],
            repeat=bool(s.get("repeat", False)),
            max_requests=int(s.get("max_requests") or (10**9 if s.get("repeat") else len(s["requests"]))),
            primary=bool(s.get("primary", False)),
            keep_bodies=bool(s.get("keep_bodies", False)),
            rate=float(s.get("rate") or 0.0),
        )
        for s in spec["streams"]
    ]
    has_primary = any(s.primary for s in streams)
    go = asyncio.Event()
    stop = asyncio.Event()
    deadline = [0.0]

    async def connect() -> Connection:
        _transport, protocol = await loop.create_connection(lambda: Connection(loop), host, port)
        return protocol

    async def worker(stream: Stream, conn: Connection, index: int) -> None:
        await go.wait()
        # With a rate, each connection sends at most every `connections / rate` seconds, the
        # connections staggered; one that fell behind sends at once but does not catch up.
        interval = stream.connections / stream.rate if stream.rate else 0.0
        due = time.perf_counter() + index * interval / max(1, stream.connections)
        while not stop.is_set() and time.perf_counter() < deadline[0]:
            if interval:
                await asyncio.sleep(max(0.0, due - time.perf_counter()))
                due = max(due + interval, time.perf_counter())
            sequence = stream.next_request()
            if sequence is None:
                break
            for data in sequence:
                conn = await exchange(stream, conn, data)
            stream.sequences += 1
        conn.close()

    async def exchange(stream: Stream, conn: Connection, data: bytes) -> Connection:
        """One request and its answer, recorded; returns the connection to go on with."""
        started = time.perf_counter()
        if not stream.first_sent:
            stream.first_sent = started
        try:
            status, body, keep_alive = await conn.send(data)
        except Exception as exc:
            name = type(exc).__name__
            stream.errors[name] = stream.errors.get(name, 0) + 1
            stream.last_done = time.perf_counter()
            conn.close()
            try:
                return await connect()
            except OSError as again:
                stream.errors[type(again).__name__] = stream.errors.get(type(again).__name__, 0) + 1
                await asyncio.sleep(0.05)
                return conn
        done = time.perf_counter()
        stream.last_done = done
        stream.latencies.append(done - started)
        key = str(status)
        stream.statuses[key] = stream.statuses.get(key, 0) + 1
        if status >= 400:
            match = CODE.search(body)
            code = f"{status} {match.group(1).decode() if match else '-'}"
            stream.codes[code] = stream.codes.get(code, 0) + 1
        elif stream.keep_bodies:
            stream.bodies.append(body.decode("utf-8", "replace"))
        if not keep_alive:
            conn.close()
            conn = await connect()
        return conn

    probe = f"GET /healthz HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode()
    pids = [int(p) for p in spec.get("balance_pids") or []]

    async def spread_connect(stream: Stream) -> Connection:
        """Connect and wait for one answer before opening the next; with `balance_pids`, keep
        a connection only if the web process that accepted it has less than its share of the
        stream's connections (as an even load balancer would). Opened all at once, every
        connection would land in the backlog of whichever process wakes first: it accepts
        them all. The share is per stream: of the whole, the hot slot's 100 bookers could
        split 58 / 42 and its 16 browsers then all land beside the 42."""
        share = -(-stream.connections // max(1, len(pids)))
        for _attempt in range(40):
            conn = await connect()
            await conn.send(probe)
            if not pids:
                return conn
            owner = owner_of(conn, pids, port)
            if owner is not None and stream.per_pid.get(owner, 0) < share:
                stream.per_pid[owner] = stream.per_pid.get(owner, 0) + 1
                return conn
            conn.close()
            await asyncio.sleep(0.005)
        return await connect()  # give up balancing this one

    pending: dict[Stream, list[asyncio.Task[None]]] = {}
    for stream in streams:
        conns = [await spread_connect(stream) for _ in range(stream.connections)]
        pending[stream] = [asyncio.create_task(worker(stream, c, i)) for i, c in enumerate(conns)]

    start_at = spec.get("start_at")
    if start_at:
        await asyncio.sleep(max(0.0, float(start_at) - time.time()))
    usage_before = resource.getrusage(resource.RUSAGE_SELF)
    wall_started = time.perf_counter()
    epoch_started = time.time()
    deadline[0] = wall_started + float(spec.get("max_seconds", 60))
    go.set()

    primary_tasks = [t for s in streams if s.primary for t in pending[s]]
    all_tasks = [t for tasks in pending.values() for t in tasks]
    if has_primary:
        await asyncio.gather(*primary_tasks)
        stop.set()
    await asyncio.gather(*all_tasks)
    wall = time.perf_counter() - wall_started
    usage_after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (usage_after.ru_utime - usage_before.ru_utime) + (usage_after.ru_stime - usage_before.ru_stime)

    out: dict[str, Any] = {
        "started_at": epoch_started,
        "wall_seconds": wall,
        "cpu_seconds": cpu,
        "cpu_share": cpu / wall if wall else 0.0,
        "timed_out": time.perf_counter() >= deadline[0],
        "streams": {},
        "connections_per_process": {str(pid): sum(s.per_pid.get(pid, 0) for s in streams) for pid in pids},
    }
    for s in streams:
        duration = (s.last_done - s.first_sent) if s.first_sent else 0.0
        completed = len(s.latencies)
        out["streams"][s.name] = {
            "connections": s.connections,
            "issued": sum(len(s.requests[i % len(s.requests)]) for i in range(s.issued)) if s.requests else 0,
            "sequences": s.sequences,
            "completed": completed,
            "seconds": duration,
            "throughput": completed / duration if duration else 0.0,
            "p50_ms": percentile(s.latencies, 50) * 1000,
            "p95_ms": percentile(s.latencies, 95) * 1000,
            "p99_ms": percentile(s.latencies, 99) * 1000,
            "max_ms": max(s.latencies, default=0.0) * 1000,
            "mean_ms": (sum(s.latencies) / completed * 1000) if completed else 0.0,
            "statuses": s.statuses,
            "codes": s.codes,
            "errors": s.errors,
            "bodies": s.bodies,
            "connections_per_process": {str(k): v for k, v in s.per_pid.items()},
        }
    return out


def main(argv: list[str]) -> int:
    spec_path, result_path = argv[1], argv[2]
    with open(spec_path, encoding="utf-8") as f:
        spec = json.load(f)
    try:
        import uvloop

        factory = uvloop.new_event_loop
    except ImportError:  # pragma: no cover - uvicorn[standard] ships uvloop
        factory = asyncio.new_event_loop
    with asyncio.Runner(loop_factory=factory) as runner:
        result = runner.run(run(spec))
    with open(result_path, "w", encoding="utf-8") as f:
        json.dump(result, f)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
