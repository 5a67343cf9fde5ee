"""Helpers for portal tests over HTTP: reading a form's CSRF token, posting forms as a browser
does, logging in through the login page."""

from __future__ import annotations

import re
from html import unescape

import httpx

_CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')


async def csrf_token(client: httpx.AsyncClient, page_url: str) -> str:
    """The token of the first form on ``page_url`` (the page sets the matching cookie)."""
    response = await client.get(page_url)
    assert response.status_code == 200, response.text
    return _CSRF.search(response.text).group(1)


async def submit(client: httpx.AsyncClient, page_url: str, action: str, data: dict, files: dict | None = None) -> httpx.Response:
    """Open ``page_url``, then post ``data`` to ``action`` as its form would (with the token)."""
    token = await csrf_token(client, page_url)
    return await client.post(action, data={**data, "_csrf_token": token}, files=files)


async def portal_login(client: httpx.AsyncClient, tenant: str, username: str, password: str) -> httpx.Response:
    response = await submit(client, f"/t/{tenant}/login", f"/t/{tenant}/login",
                            {"username": username, "password": password})
    assert response.status_code == 303, response.text
    return response


def field_error(html: str, name: str) -> str | None:
    """The message shown beside field ``name`` (None when the field has no error)."""
    match = re.search(rf'<p class="error" id="e-{re.escape(name)}">(.*?)</p>', html, re.S)
    return unescape(match.group(1)).strip() if match else None


def form_error(html: str) -> str | None:
    match = re.search(r'<p class="error-summary" role="alert">(.*?)</p>', html, re.S)
    return unescape(match.group(1)).strip() if match else None


def input_value(html: str, name: str) -> str | None:
    match = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*value="([^"]*)"', html)
    return unescape(match.group(1)) if match else None


def table_rows(html: str, table_id: str) -> list[list[str]]:
    """The body rows of table ``table_id`` as lists of cell texts (tags stripped)."""
    table = re.search(rf'<table id="{re.escape(table_id)}".*?<tbody>(.*?)</tbody>', html, re.S)
    assert table, f"no table {table_id}"
    return [[unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table.group(1), re.S)]


def selected_option(html: str, name: str) -> str | None:
    """The value of the option selected in select ``name``."""
    select = re.search(rf'<select[^>]*name="{re.escape(name)}".*?</select>', html, re.S)
    chosen = re.search(r'<option value="([^"]*)" selected', select.group(0)) if select else None
    return unescape(chosen.group(1)) if chosen else None


def textarea_value(html: str, name: str) -> str | None:
    match = re.search(rf'<textarea[^>]*name="{re.escape(name)}"[^>]*>(.*?)</textarea>', html, re.S)
    return unescape(match.group(1)) if match else None
