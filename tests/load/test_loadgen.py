"""The load generator spreads each stream's connections evenly over the web processes
(tests/load/loadgen.py), against two real processes sharing one port as uvicorn's workers do."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from tests.helpers import free_port
from tests.load import loadgen

# An HTTP/1.1 server that answers every GET with 200, in a process of its own, on a port it
# shares with its sibling (SO_REUSEPORT: the kernel hands each new connection to one of them).
SERVER = r"""
import asyncio, socket, sys

class Answer(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport, self.buffer = transport, b""

    def data_received(self, data):
        self.buffer += data
        while b"\r\n\r\n" in self.buffer:
            _, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
            self.transport.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")

async def main():
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(("127.0.0.1", int(sys.argv[1])))
    server = await asyncio.get_running_loop().create_server(Answer, sock=sock)
    print("ready", flush=True)
    await server.serve_forever()

asyncio.run(main())
"""


@pytest.fixture
def two_processes() -> Iterator[tuple[int, list[int]]]:
    port = free_port()
    procs = [subprocess.Popen([sys.executable, "-c", SERVER, str(port)], stdout=subprocess.PIPE) for _ in range(2)]
    try:
        for proc in procs:
            assert proc.stdout is not None and proc.stdout.readline().strip() == b"ready"
        yield port, [proc.pid for proc in procs]
    finally:
        for proc in procs:
            proc.kill()
            proc.wait()


async def test_each_streams_connections_split_evenly_over_the_processes(two_processes: tuple[int, list[int]]) -> None:
    port, pids = two_processes
    request = f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n"
    result = await loadgen.run(
        {
            "host": "127.0.0.1",
            "port": port,
            "balance_pids": pids,
            "max_seconds": 30,
            "start_at": time.time(),
            "streams": [
                {"name": "bookings", "connections": 10, "requests": [request] * 40, "primary": True},
                {"name": "browsing", "connections": 4, "requests": [request], "repeat": True},
            ],
        }
    )
    # Balanced over both streams together, the bookings could take 7 / 3 and leave all four
    # browsers on one process.
    assert result["streams"]["bookings"]["connections_per_process"] == {str(pids[0]): 5, str(pids[1]): 5}
    assert result["streams"]["browsing"]["connections_per_process"] == {str(pids[0]): 2, str(pids[1]): 2}
    assert result["connections_per_process"] == {str(pids[0]): 7, str(pids[1]): 7}
    assert result["streams"]["bookings"]["statuses"] == {"200": 40}


async def test_a_stream_with_a_rate_sends_no_more_than_it(two_processes: tuple[int, list[int]]) -> None:
    port, pids = two_processes
    request = f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n"

    async def for_a_second(rate: float) -> dict[str, object]:
        spec = {
            "host": "127.0.0.1",
            "port": port,
            "balance_pids": pids,
            "max_seconds": 1.0,
            "streams": [{"name": "browsing", "connections": 4, "requests": [request], "repeat": True, "rate": rate}],
        }
        return await loadgen.run(spec)

    paced, free = await for_a_second(100), await for_a_second(0)
    sent = paced["streams"]["browsing"]["completed"]
    # At most 100 a second (plus each connection's first), spread over the second, not a burst.
    assert 50 <= sent <= 100 * paced["wall_seconds"] + 4
    # The same stream without a rate is a closed loop: as many as the server answers.
    assert free["streams"]["browsing"]["completed"] > 2 * sent
