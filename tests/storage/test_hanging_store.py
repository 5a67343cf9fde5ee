"""An object store that accepts connections and never answers: each upload gives up within the
configured timeout with a 503, and however many hang, logins on the same worker go on."""

from __future__ import annotations

import asyncio
import socket
import threading
import time

import msgspec
import pytest

from tests.accounts.helpers import login
from tests.achievements.test_achievements import guangdong_learner
from tests.conftest import session_app

G = "/t/guangdong/api/v1"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x01" * 1024
UPLOADS = 45  # more than the 40 threads anyio lends the whole application by default


class HangingServer:
    """Accepts TCP connections on loopback, reads what comes, never writes a byte."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0), backlog=256)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self._held: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        self.sock.settimeout(0.1)
        while not self._stop.is_set():
            try:
                connection, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted += 1
            self._held.append(connection)

    def __enter__(self) -> HangingServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        for connection in self._held:
            connection.close()
        self.sock.close()


@pytest.fixture
def hanging():
    with HangingServer() as server:
        yield server


@pytest.fixture
def app(settings, plugins, seeded, hanging):
    url = f"s3://a:b@127.0.0.1:{hanging.port}/evidence?secure=0&region=us-east-1&connect_timeout=1&read_timeout=1"
    return session_app(msgspec.structs.replace(settings, storage_url=url), plugins)


async def test_uploads_to_a_hanging_store_time_out_and_logins_go_on(client, hanging):
    me = await guangdong_learner(client, "hangingstore")
    added = (await client.post(f"{G}/me/achievements", headers=me, json={
        "category": "other", "subtype": "perf_research", "fields": {"achievement_name": "5G 研究"}})).json()

    async def upload() -> tuple[int, str, float]:
        started = time.monotonic()
        response = await client.post(f"{G}/me/achievements/{added['id']}/evidence", headers=me,
                                     files={"file": ("a.png", PNG, "image/png")})
        return response.status_code, response.text, time.monotonic() - started

    uploads = [asyncio.create_task(upload()) for _ in range(UPLOADS)]
    for _ in range(100):  # until the store holds connections
        if hanging.accepted:
            break
        await asyncio.sleep(0.05)
    assert hanging.accepted, "the uploads never reached the store"

    logged_in = await asyncio.wait_for(login(client, "guangdong", "hangingstore", "gd2020pass"), timeout=15)
    assert logged_in.status_code == 200
    assert not all(task.done() for task in uploads), "the login waited for the hanging uploads"

    results = await asyncio.wait_for(asyncio.gather(*uploads), timeout=60)
    assert {status for status, _, _ in results} == {503}
    assert all("文件存储暂时不可用" in text for _, text, _ in results)
    # One call's wait is bounded by the timeouts (1 s to connect, 1 s to read, one retry of a
    # refused connection); the rest of an upload's time is its turn among the store's threads.
    assert min(elapsed for _, _, elapsed in results) < 5


def test_timeouts_in_the_storage_url_are_checked():
    from core.storage import storage_from_url

    with pytest.raises(ValueError, match="read_timeout"):
        storage_from_url("s3://a:b@127.0.0.1:9/evidence?read_timeout=abc")
    with pytest.raises(ValueError, match="connect_timeout"):
        storage_from_url("s3://a:b@127.0.0.1:9/evidence?connect_timeout=0")
