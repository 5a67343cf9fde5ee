"""The storage backends behave alike: the local folder and an S3 endpoint (moto on loopback)."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from core.storage import LocalStorage, StorageUnavailable, sniff_type, storage_from_url

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100


@pytest.fixture(params=["local", "s3"])
def storage(request, tmp_path):
    if request.param == "local":
        return LocalStorage(tmp_path / "evidence")
    return storage_from_url(request.getfixturevalue("s3_url"))


async def _read(storage, key) -> bytes:
    return b"".join([chunk async for chunk in storage.read(key)])


async def test_put_read_list_delete(storage):
    await storage.put("7/evidence/a.png", PNG, "image/png")
    await storage.put("8/evidence/b.png", PNG + b"x", "image/png")
    assert await storage.exists("7/evidence/a.png")
    assert await _read(storage, "7/evidence/a.png") == PNG
    assert await storage.keys("7/") == ["7/evidence/a.png"]
    await storage.delete("7/evidence/a.png")
    assert not await storage.exists("7/evidence/a.png")
    with pytest.raises(FileNotFoundError):
        await _read(storage, "7/evidence/a.png")


async def test_keys_cannot_escape_the_store(storage):
    for key in ("../etc/passwd", "/abs", "7//x", "7/./x"):
        with pytest.raises(ValueError):
            await storage.put(key, b"x", "text/plain")


async def test_s3_presigned_url_serves_the_file(s3_url):
    storage = storage_from_url(s3_url)
    await storage.put("1/scan.png", PNG, "image/png")
    url = await storage.presigned_url("1/scan.png", timedelta(minutes=5))
    async with httpx.AsyncClient() as client:
        assert (await client.get(url)).content == PNG


async def test_an_unreachable_s3_endpoint_is_storage_unavailable():
    storage = storage_from_url("s3://a:b@127.0.0.1:9/evidence?secure=0&region=us-east-1")
    with pytest.raises(StorageUnavailable):
        await storage.put("1/x.png", PNG, "image/png")


def test_types_are_judged_by_content():
    assert sniff_type(PNG) == ("png", "image/png")
    assert sniff_type(b"\xff\xd8\xff\xe0rest") == ("jpg", "image/jpeg")
    assert sniff_type(b"%PDF-1.7") == ("pdf", "application/pdf")
    assert sniff_type(b"MZ\x90\x00 an exe renamed .jpg") is None
