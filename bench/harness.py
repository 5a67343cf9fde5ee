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
from collections.abc import Iterator
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


async def _worker(host: str, port: int, request: bytes, stop: float, lat: list[float], counts: list[int]) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < stop:
            t0 = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            await reader.readexactly(length)
            lat.append((time.perf_counter() - t0) * 1000)
            counts[0 if head.startswith(b"HTTP/1.1 200") else 1] += 1
    finally:
        writer.close()


def load(url: str, seconds: float = 5.0, connections: int = 16, host_header: str = "127.0.0.1") -> LoadResult:
    """GET ``url`` over ``connections`` keep-alive connections for ``seconds``."""
    rest = url.split("://", 1)[1]
    hostport, _, path = rest.partition("/")
    host, port = hostport.split(":")
    request = f"GET /{path} HTTP/1.1\r\nHost: {host_header}\r\nConnection: keep-alive\r\n\r\n".encode()

    async def run() -> LoadResult:
        lat: list[float] = []
        counts = [0, 0]
        start = time.perf_counter()
        stop = start + seconds
        await asyncio.gather(*(_worker(host, int(port), request, stop, lat, counts) for _ in range(connections)))
        return LoadResult(counts[0], counts[1], time.perf_counter() - start, lat)

    return asyncio.run(run())


def median_of(results: list[LoadResult]) -> LoadResult:
    """The run with the median throughput, so one noisy round does not decide the figure."""
    return sorted(results, key=lambda r: r.rps)[len(results) // 2]


def summary(values: list[float]) -> str:
    return f"median {statistics.median(values):.2f}"
