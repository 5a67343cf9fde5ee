"""Browser tests: Debian's Chromium driven by Playwright against a real server process.

The server is ``creditbank serve`` started for each test on a free loopback port, on the same
database the suite uses (it migrates and syncs ``tenants/`` as production does), and stopped
after. Tests drive it only as a browser and as an outside client would: pages, the JSON API,
and the ``creditbank`` command line.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from core.settings import PROJECT_HOME
from tests.conftest import TENANTS_DIR, database_kind

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update"]
SCREENSHOTS = PROJECT_HOME / "test-output" / "screenshots"
PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 900}


@dataclass
class LiveServer:
    url: str
    env: dict[str, str]

    def cli(self, *args: str) -> str:
        """Run ``creditbank ARGS`` against the server's database; returns its output."""
        done = subprocess.run([sys.executable, "-m", "core.cli", *args], env=self.env, capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def live_server(home: Path, tmp_path: Path) -> Iterator[LiveServer]:
    env = {**os.environ, "CREDITBANK_HOME": str(home), "CREDITBANK_TENANTS_DIR": str(TENANTS_DIR),
           "CREDITBANK_SECRET_KEY": "test-secret-key", "CREDITBANK_STORAGE_URL": f"file://{tmp_path}/evidence"}
    if url := os.environ.get("CREDITBANK_TEST_DATABASE_URL"):
        env["CREDITBANK_DATABASE_URL"] = url
    port = _free_port()
    log = open(tmp_path / "server.log", "w")
    process = subprocess.Popen([sys.executable, "-m", "core.cli", "serve", "--port", str(port)], env=env,
                               stdout=log, stderr=subprocess.STDOUT, cwd=PROJECT_HOME)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180  # a loaded 2-core machine can take over a minute to migrate and start
        while True:
            if process.poll() is not None:
                raise AssertionError("服务未能启动：\n" + (tmp_path / "server.log").read_text())
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError("服务 180 秒内未就绪：\n" + (tmp_path / "server.log").read_text())
            time.sleep(0.1)
        yield LiveServer(url=base, env=env)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture(scope="session")
async def browser():
    from playwright.async_api import async_playwright

    assert Path(CHROMIUM).exists(), f"{CHROMIUM} 不存在：请安装 Debian 的 chromium 软件包（bin/test 会自动安装）"
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        await browser.close()


@pytest.fixture
async def desktop(browser) -> AsyncIterator:
    context = await browser.new_context(viewport=DESKTOP, locale="zh-CN")
    yield await context.new_page()
    await context.close()


@pytest.fixture
async def phone(browser) -> AsyncIterator:
    context = await browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    yield await context.new_page()
    await context.close()


@pytest.fixture
async def open_page(browser):
    """More people at their own computers: ``await open_page()`` is a fresh desktop browser
    (its own cookies), ``await open_page(PHONE)`` a phone; all closed after the test."""
    contexts = []

    async def open_(viewport: dict = DESKTOP):
        phone = viewport["width"] < 600
        context = await browser.new_context(viewport=viewport, locale="zh-CN", is_mobile=phone, has_touch=phone)
        contexts.append(context)
        return await context.new_page()

    yield open_
    for context in contexts:
        await context.close()


async def screenshot(page, name: str) -> Path:
    """Save the page under test-output/screenshots/<database>/<name>.png (kept after the run)."""
    path = SCREENSHOTS / database_kind() / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(path), full_page=True)
    return path
