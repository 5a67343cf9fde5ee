import uuid

import msgspec
import pytest

from tests.conftest import session_app


@pytest.fixture(params=["local", "s3"])
def app(request, settings, plugins, seeded):
    """Every achievement test runs on the local folder and on S3 (moto on loopback)."""
    if request.param == "s3":  # a bucket of this test's own
        url = request.getfixturevalue("s3_url").replace("/evidence?", f"/t{uuid.uuid4().hex[:20]}?")
        settings = msgspec.structs.replace(settings, storage_url=url)
    return session_app(settings, plugins)
