"""schemathesis against a real ``creditbank serve`` on a loopback port: a bounded run with a
fixed seed over every tenant API operation of the OpenAPI document the server itself serves,
as a learner and as a tenant admin. It fails on any 5xx and on any status an operation does
not document (``status_code_conformance``).

The server shares the test's database, so the principals are made through the test's own
app and their bearer tokens work there. The run is bounded by ``EXAMPLES`` per operation in
the fuzzing phase plus schemathesis's coverage phase (boundary values: the huge integers,
empty and over-long strings, wrong types, NUL bytes); it takes about a minute per principal
on this kind of machine.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.accounts.helpers import staff_headers
from tests.achievements.test_achievements import guangdong_learner

TENANT = "guangdong"
SEED = 20261203
EXAMPLES = 10
CHECKS = "not_a_server_error,status_code_conformance"
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
STARTUP_SECONDS = 240  # serve migrates and syncs every tenant file first: seconds, or minutes on a loaded machine


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server_env(home: Path, storage: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CREDITBANK_")}
    env.update({
        "CREDITBANK_HOME": str(home),  # the test session's SQLite file lives under it
        "CREDITBANK_TENANTS_DIR": str(Path(__file__).parents[2] / "tenants"),
        "CREDITBANK_SECRET_KEY": "test-secret-key",  # as tests.conftest.make_settings: the tokens hash alike
        "CREDITBANK_STORAGE_URL": f"file://{storage}",
        "CREDITBANK_SENDER": "off",
        "PYTHONPATH": str(Path(__file__).parents[2]),
    })
    if url := os.environ.get("CREDITBANK_TEST_DATABASE_URL"):
        env["CREDITBANK_DATABASE_URL"] = url
    return env


def tenant_document(raw: dict, tenant: str) -> dict:
    """The served document narrowed to one tenant's API: ``{tenant_slug}`` written in (else the
    fuzzer spends its examples on unknown tenants), logout left out (it would end the run's
    own login). The platform API is another principal's and is left out too."""
    paths = {}
    for path, item in raw["paths"].items():
        if not path.startswith("/t/{tenant_slug}/api/v1/") or path.endswith("/auth/logout"):
            continue
        for operation in item.values():
            if isinstance(operation, dict) and "parameters" in operation:
                operation["parameters"] = [p for p in operation["parameters"] if p.get("name") != "tenant_slug"]
        paths[path.replace("{tenant_slug}", tenant)] = item
    return {**raw, "paths": paths}


@pytest.fixture
def server(home: Path, tmp_path: Path):
    port = _free_port()
    log = open(tmp_path / "serve.log", "wb")
    process = subprocess.Popen([sys.executable, "-m", "core.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
                               env=_server_env(home, tmp_path / "evidence"), stdout=log, stderr=subprocess.STDOUT,
                               cwd=tmp_path)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            assert process.poll() is None, (tmp_path / "serve.log").read_text()[-3000:]
            try:
                if httpx.get(f"{base}/t/{TENANT}/api/v1/meta", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, (f"serve did not start in {STARTUP_SECONDS} s:\n"
                                                 + (tmp_path / "serve.log").read_text()[-3000:])
            time.sleep(0.3)
        yield base, tmp_path / "serve.log"
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


# Who is run against what: the learner against what a learner reaches (their own records, the
# auth flows, the public directory), the admin against everything else a tenant has; an
# operation either would only refuse with 403 is not worth the other's examples.
LEARNER_PATHS = ("--include-path-regex", r"/api/v1/(me|auth|meta|catalog|rules|org/units|verify|proof-keys)\b")
ADMIN_PATHS = ("--exclude-path-regex", r"/api/v1/(me|auth|meta|verify|proof-keys)\b")


def run_schemathesis(base: str, document: Path, headers: dict[str, str], paths: tuple[str, str],
                     cwd: Path) -> subprocess.CompletedProcess:
    command = [str(SCHEMATHESIS), "run", str(document), "--url", base, "--checks", CHECKS, *paths,
               "--max-examples", str(EXAMPLES), "--seed", str(SEED), "--phases", "coverage,fuzzing",
               "--generation-database", "none", "--request-timeout", "30", "--workers", "1", "--no-color",
               "--suppress-health-check", "all", "--warnings", "off"]
    for name, value in headers.items():
        command += ["--header", f"{name}: {value}"]
    return subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=cwd)


@pytest.mark.skipif(not SCHEMATHESIS.exists() and not shutil.which("schemathesis"), reason="schemathesis not installed")
async def test_schemathesis_finds_no_server_error_as_a_learner_or_a_tenant_admin(client, server, tmp_path):
    learner = await guangdong_learner(client)
    admin = await staff_headers(client, TENANT, "GD", "tenant_admin", username="schemathesis-admin")
    base, log = server
    raw = httpx.get(f"{base}/schema/openapi.json", timeout=10).json()
    document = tmp_path / "openapi.json"
    document.write_text(json.dumps(tenant_document(raw, TENANT), ensure_ascii=False))

    failures = []
    for who, headers, paths in (("learner", learner, LEARNER_PATHS), ("tenant admin", admin, ADMIN_PATHS)):
        started = time.monotonic()
        result = run_schemathesis(base, document, headers, paths, tmp_path)
        print(f"schemathesis as {who}: {time.monotonic() - started:.0f} s, exit {result.returncode}")
        print("\n".join(line for line in result.stdout.splitlines() if "generated" in line or "Seed" in line))
        if result.returncode != 0:
            failures.append(f"—— as {who} ——\n{result.stdout[-12000:]}\n{result.stderr[-2000:]}")
    assert not failures, "\n".join(failures) + "\n—— server log ——\n" + log.read_text()[-4000:]
