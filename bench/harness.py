"""Benchmark harness: start servers on loopback, drive them with one load generator, report.

The load generator is a small asyncio HTTP/1.1 client with keep-alive connections; it runs in
this process while the servers run in their own, so every server under comparison in one run
faces exactly the same generator. Figures are printed, never asserted.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def server(args: list[str], port: int, env: dict[str, str] | None = None, ready_path: str = "/") -> Iterator[str]:
    """Run ``args`` (a server listening on ``port``) until the block ends; yields its base URL."""
    proc = subprocess.Popen(args, env={**os.environ, **(env or {})}, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180  # a loaded CI machine migrates slowly
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited: {proc.stderr.read().decode()[-2000:]}")
            try:
                urllib.request.urlopen(base + ready_path, timeout=2).read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@dataclass
class LoadResult:
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def pct(self, p: float) -> float:
        data = sorted(self.latencies_ms)
        return data[min(len(data) - 1, int(len(data) * p / 100))] if data else float("nan")

    def line(self, label: str) -> str:
        return (f"{label:<34} {self.rps:>9.0f} req/s   p50 {self.pct(50):6.2f} ms   "
                f"p99 {self.pct(99):6.2f} ms   errors {self.errors}")


async def _drive(host: str, port: int, next_request: Callable[[], tuple[str, bytes] | None], stop: float,
                 seen: dict[str, tuple[list[float], list[int]]]) -> None:
    """One keep-alive connection: send what ``next_request`` gives — ``(label, raw request)`` —
    until it gives None or time is up, recording each answer's latency and status by label."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < stop and (item := next_request()) is not None:
            label, request = item
            t0 = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                           if line.lower().startswith(b"content-length:")), 0)
            await reader.readexactly(length)
            lat, counts = seen.setdefault(label, ([], [0, 0]))
            lat.append((time.perf_counter() - t0) * 1000)
            counts[0 if head[9:10] in (b"2", b"3") else 1] += 1
    finally:
        writer.close()


def mix(base: str, next_request: Callable[[], tuple[str, bytes] | None], seconds: float,
        connections: int) -> dict[str, LoadResult]:
    """Drive ``base`` over ``connections`` keep-alive connections for ``seconds`` with the
    labelled requests ``next_request`` gives; a result per label (2xx/3xx count as answered)."""
    host, port = base.split("://", 1)[1].split(":")

    async def run() -> dict[str, LoadResult]:
        seen: dict[str, tuple[list[float], list[int]]] = {}
        start = time.perf_counter()
        await asyncio.gather(*(_drive(host, int(port), next_request, start + seconds, seen)
                               for _ in range(connections)))
        took = time.perf_counter() - start
        return {label: LoadResult(counts[0], counts[1], took, lat) for label, (lat, counts) in seen.items()}

    return asyncio.run(run())


def combined(results: dict[str, LoadResult]) -> LoadResult:
    """All labels of one ``mix`` run as one result."""
    runs = list(results.values())
    return LoadResult(sum(r.requests for r in runs), sum(r.errors for r in runs), max(r.seconds for r in runs),
                      [ms for r in runs for ms in r.latencies_ms])


def drive(base: str, next_request: Callable[[], bytes | None], seconds: float, connections: int) -> LoadResult:
    """Send what ``next_request`` gives (until it gives None or time is up) over keep-alive
    connections: ``load`` for requests that differ or carry a body."""
    def labelled() -> tuple[str, bytes] | None:
        request = next_request()
        return None if request is None else ("", request)

    return combined(mix(base, labelled, seconds, connections) or {"": LoadResult(0, 0, seconds, [])})


def load(url: str, seconds: float = 5.0, connections: int = 16, host_header: str = "127.0.0.1") -> LoadResult:
    """GET ``url`` over ``connections`` keep-alive connections for ``seconds``."""
    base, _, path = url.partition("://")[2].partition("/")
    request = f"GET /{path} HTTP/1.1\r\nHost: {host_header}\r\nConnection: keep-alive\r\n\r\n".encode()
    return drive("http://" + base, lambda: request, seconds, connections)


def get(path: str, headers: dict[str, str] | None = None) -> bytes:
    head = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n{head}\r\n".encode()


def post(path: str, body: bytes, headers: dict[str, str] | None = None) -> bytes:
    head = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
    return (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n{head}\r\n").encode() + body


def median_of(results: list[LoadResult]) -> LoadResult:
    """The run with the median throughput, so one noisy round does not decide the figure."""
    return sorted(results, key=lambda r: r.rps)[len(results) // 2]


def summary(values: list[float]) -> str:
    return f"median {statistics.median(values):.2f}"
