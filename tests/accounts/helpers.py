"""Helpers for account tests: valid ID numbers, staff logins, reading codes from the
delivery log as a tenant administrator would."""

from __future__ import annotations

import itertools
import re

import httpx

from core.accounts.identity import check_digit
from core.accounts.staff import create_staff

STAFF_PASSWORD = "Staff-pass-2026"
_serial = itertools.count(101)


def make_id(region: str = "440106", birth: str = "19900307") -> str:
    """A fresh, valid 18-digit ID number (GB 11643 check digit)."""
    first17 = f"{region}{birth}{next(_serial) % 1000:03d}"
    return first17 + check_digit(first17)


async def staff_headers(client: httpx.AsyncClient, tenant: str, unit: str, role: str, username: str | None = None) -> dict[str, str]:
    registry = client._transport.app.state.tenants  # type: ignore[attr-defined]
    username = username or f"{role}-{unit}".replace("_", "-").lower()
    await create_staff(await registry.get(tenant), unit, role, username, STAFF_PASSWORD, real_name=f"{unit}管理员")
    response = await client.post(f"/t/{tenant}/api/v1/auth/login", json={"username": username, "password": STAFF_PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def last_message(client: httpx.AsyncClient, tenant: str, admin: dict[str, str], to: str) -> dict:
    page = (await client.get(f"/t/{tenant}/api/v1/admin/notifications", params={"to": to}, headers=admin)).json()
    assert page["items"], f"no message to {to}"
    return page["items"][0]


async def last_code(client: httpx.AsyncClient, tenant: str, admin: dict[str, str], to: str) -> str:
    body = (await last_message(client, tenant, admin, to))["body"]
    return re.search(r"\b(\d{6})\b", body).group(1)


async def login(client: httpx.AsyncClient, tenant: str, username: str, password: str) -> httpx.Response:
    return await client.post(f"/t/{tenant}/api/v1/auth/login", json={"username": username, "password": password})


def bearer(response: httpx.Response) -> dict[str, str]:
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def with_wrong_check_digit(id_number: str) -> str:
    """The same number with a check digit that does not match."""
    right = id_number[17]
    return id_number[:17] + next(d for d in "0123456789X" if d != right)


async def run_import(client: httpx.AsyncClient, tenant: str, kind: str, content: bytes, admin: dict[str, str],
                     filename: str = "data.csv") -> dict:
    """Upload an import file and wait for its job to finish; returns the job."""
    import asyncio

    started = await client.post(f"/t/{tenant}/api/v1/admin/imports/{kind}", files={"file": (filename, content, "text/csv")},
                                headers=admin)
    assert started.status_code == 202, started.text
    for _ in range(400):
        job = (await client.get(f"/t/{tenant}/api/v1/admin/imports/{started.json()['job_id']}", headers=admin)).json()
        if job["status"] in ("done", "failed"):
            return job
        await asyncio.sleep(0.05)
    raise AssertionError("import did not finish")
