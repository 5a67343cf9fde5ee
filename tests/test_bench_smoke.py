"""Every benchmark in bench/ still runs: each ``bench/<name>.py --smoke`` (tiny data, short
runs) as a subprocess, printing its figures and a ratio against a baseline measured in the
same run. Figures are not judged here, only that the benchmark runs to the end.

The benchmarks make their own throw-away PostgreSQL databases on 127.0.0.1:5432 and SQLite
files, whichever database this suite runs on, so they run once: in the SQLite pass."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
HELPERS = {"fixtures", "generate", "harness"}  # imported by the benchmarks, not run
BENCHMARKS = sorted(p.stem for p in BENCH.glob("*.py") if p.stem not in HELPERS)
FIGURE = re.compile(r"\d[\d,]*(\.\d+)?\s*(ms|µs|s|rows/s|req/s|messages/s|/s)\b")

pytestmark = pytest.mark.skipif(bool(os.environ.get("CREDITBANK_TEST_DATABASE_URL")),
                                reason="benchmarks use their own databases: run once, in the SQLite pass")


def test_every_benchmark_is_listed():
    assert {"import_learners", "meta", "notifications", "outcomes", "pages", "proofs", "report_units",
            "reviews", "workers", "growth"} <= set(BENCHMARKS)


@pytest.mark.parametrize("name", BENCHMARKS)
def test_benchmark_runs_in_smoke_mode(name, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(BENCH.parent), "TMPDIR": str(tmp_path)}
    env.pop("CREDITBANK_DATABASE_URL", None)
    done = subprocess.run([sys.executable, str(BENCH / f"{name}.py"), "--smoke"], cwd=BENCH.parent, env=env,
                          capture_output=True, text=True, timeout=900)
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"bench/{name}.py --smoke failed:\n{output[-4000:]}"
    assert FIGURE.search(done.stdout), f"bench/{name}.py printed no figures:\n{done.stdout[-2000:]}"
    assert re.search(r"ratio.*\d\.\d\d", done.stdout), f"bench/{name}.py printed no ratio:\n{done.stdout[-2000:]}"
