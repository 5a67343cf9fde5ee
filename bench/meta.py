"""GET /t/guangdong/api/v1/meta on the platform against a bare Litestar app serving the same
bytes, under the same load generator, in one run. Target: throughput ratio >= 0.7.

    .venv/bin/python bench/meta.py [--seconds 5] [--rounds 3] [--connections 16]
"""

from __future__ import annotations

import argparse
import tempfile
import urllib.request
from pathlib import Path

from harness import PYTHON, ROOT, free_port, load, median_of, server

BARE_APP = '''
from litestar import Litestar, Response, get
BODY = open({body_path!r}, "rb").read()

@get("/t/guangdong/api/v1/meta")
async def meta() -> Response[bytes]:
    return Response(content=BODY, media_type="application/json")

app = Litestar([meta])
'''


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--smoke", action="store_true", help="tiny data, short runs: proves it runs, in seconds")
    args = parser.parse_args()
    if args.smoke:
        args.seconds, args.rounds, args.connections = 0.5, 1, 4

    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        env = {"CREDITBANK_HOME": str(home), "CREDITBANK_TENANTS_DIR": str(ROOT / "tenants")}
        ours_port, bare_port = free_port(), free_port()
        ours_cmd = [PYTHON, "-m", "uvicorn", "core.app:app_from_env", "--factory", "--port", str(ours_port),
                    "--no-access-log", "--log-level", "warning"]
        with server(ours_cmd, ours_port, env, ready_path="/healthz") as ours:
            url = ours + "/t/guangdong/api/v1/meta"
            body = urllib.request.urlopen(url).read()
            (home / "meta.json").write_bytes(body)
            bare_cmd = [PYTHON, "-m", "uvicorn", "bare:app", "--app-dir", str(home), "--port", str(bare_port),
                        "--no-access-log", "--log-level", "warning"]
            (home / "bare.py").write_text(BARE_APP.format(body_path=str(home / "meta.json")))
            with server(bare_cmd, bare_port, ready_path="/t/guangdong/api/v1/meta") as bare:
                bare_url = bare + "/t/guangdong/api/v1/meta"
                assert urllib.request.urlopen(bare_url).read() == body
                load(url, 1, args.connections)  # warm both up
                load(bare_url, 1, args.connections)
                ours_runs, bare_runs = [], []
                for _ in range(args.rounds):  # interleaved, so drift hits both alike
                    ours_runs.append(load(url, args.seconds, args.connections))
                    bare_runs.append(load(bare_url, args.seconds, args.connections))

    o, b = median_of(ours_runs), median_of(bare_runs)
    print(f"GET /t/guangdong/api/v1/meta — {len(body)} bytes, {args.connections} connections, "
          f"{args.rounds}×{args.seconds:.0f} s, median round")
    print(o.line("platform (SQLite, 1 worker)"))
    print(b.line("bare Litestar, same bytes"))
    print(f"throughput ratio platform/bare: {o.rps / b.rps:.2f}   (target >= 0.70)")
    print(f"p99 ratio platform/bare:        {o.pct(99) / b.pct(99):.2f}")


if __name__ == "__main__":
    main()
