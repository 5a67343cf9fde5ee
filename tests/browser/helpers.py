"""What the browser journeys share: people set up through the command line, codes read from the
delivery log as a tenant administrator reads them (over HTTP, like any outside client), real
image and PDF files to upload, and the few steps every journey takes in the browser (logging in,
reading the flash line, checking the phone-width layout)."""

from __future__ import annotations

import asyncio
import re
import struct
import zlib
from pathlib import Path

import httpx
from playwright.async_api import Page, expect

from tests.accounts.helpers import make_id

__all__ = ["STAFF_PASSWORD", "Api", "make_id", "png", "PDF", "staff", "import_learners", "login", "logout",
           "flash", "assert_fits_phone", "accept_confirms"]

STAFF_PASSWORD = "Staff-pass-2026"  # 15 characters: inside every province's password policy
PHONE_WIDTH = 375

def _pdf() -> bytes:
    """A one-page PDF that PDF readers open: three objects and a cross-reference table."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj " % number + body + b" endobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer << /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


PDF = _pdf()


def png(width: int = 64, height: int = 40, rgb: tuple[int, int, int] = (11, 79, 138)) -> bytes:
    """A real PNG (a filled rectangle) that any image viewer opens."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    row = b"\x00" + bytes(rgb) * width
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(row * height)) + chunk(b"IEND", b""))


def staff(server, tenant: str, unit: str, role: str, username: str, name: str) -> None:
    """A staff account that can log in at once (``creditbank staff create``)."""
    server.cli("staff", "create", "--tenant", tenant, "--unit", unit, "--role", role, "--username", username,
               "--password", STAFF_PASSWORD, "--name", name)


def import_learners(server, tenant: str, folder: Path, rows: list[tuple[str, str, str, str, str]]) -> None:
    """Import learners (姓名, 证件号码, 手机号码, 电子邮箱, 所属单位) from a CSV file, as a school does."""
    path = folder / f"{tenant}-learners.csv"
    path.write_text("姓名,证件号码,手机号码,电子邮箱,所属单位\n" + "".join(",".join(r) + "\n" for r in rows),
                    encoding="utf-8-sig")
    server.cli("import", "learners", "--tenant", tenant, str(path))


class Api:
    """The JSON API as a tenant administrator uses it from outside (setting data up, reading the
    delivery log); never used for a step of the journey under test."""

    def __init__(self, server, tenant: str, username: str, password: str = STAFF_PASSWORD) -> None:
        self.base = f"{server.url}/t/{tenant}/api/v1"
        self.username, self.password = username, password
        self.headers: dict[str, str] = {}

    async def __aenter__(self) -> Api:
        self.client = httpx.AsyncClient(base_url=self.base, timeout=30)
        response = await self.client.post("/auth/login", json={"username": self.username, "password": self.password})
        assert response.status_code == 200, response.text
        self.headers = {"Authorization": f"Bearer {response.json()['access_token']}"}
        return self

    async def __aexit__(self, *exc) -> None:
        await self.client.aclose()

    async def post(self, path: str, body: dict) -> dict:
        response = await self.client.post(path, json=body, headers=self.headers)
        assert response.status_code in (200, 201, 202), response.text
        return response.json()

    async def last_code(self, to: str) -> str:
        """The six-digit code in the newest message to ``to`` (a phone number or an e-mail)."""
        for _ in range(50):
            response = await self.client.get("/admin/notifications", params={"to": to}, headers=self.headers)
            assert response.status_code == 200, response.text
            items = response.json()["items"]
            if items and (found := re.search(r"(?<!\d)(\d{6})(?!\d)", items[0]["body"])):
                return found.group(1)
            await asyncio.sleep(0.1)
        raise AssertionError(f"no code sent to {to}")


async def login(page: Page, server, tenant: str, username: str, password: str, landing: str) -> None:
    """Log in through the login form and wait for ``landing`` (a path under the tenant)."""
    await page.goto(f"{server.url}/t/{tenant}/login")
    await page.get_by_label("用户名 / 证件号码 / 邮箱").fill(username)
    await page.get_by_label("密码").fill(password)
    await page.get_by_role("button", name="登录").click()
    await page.wait_for_url(f"**/t/{tenant}/{landing}*")


async def logout(page: Page, tenant: str) -> None:
    await page.get_by_role("button", name="退出").click()
    await page.wait_for_url(f"**/t/{tenant}/login?done=*")
    await expect(page.locator("p.flash")).to_contain_text("您已退出登录")


def flash(page: Page):
    """The confirmation line a page shows after a form succeeded."""
    return page.locator("p.flash")


async def assert_fits_phone(page: Page) -> None:
    """Nothing on the page makes a 375 px screen scroll sideways."""
    await page.wait_for_load_state("load")
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"{page.url}: {width}px wide on a {PHONE_WIDTH}px screen"


def accept_confirms(page: Page) -> list[str]:
    """Answer “OK” to the page's confirm() questions; returns the questions asked."""
    asked: list[str] = []

    async def answer(dialog) -> None:
        asked.append(dialog.message)
        await dialog.accept()

    page.on("dialog", answer)
    return asked
