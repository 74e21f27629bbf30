"""Where the time of one order goes: place N 2-line orders in-process through the
Django test client (the whole request: middleware, auth, parsing, the action, the
answer) on a throwaway PostgreSQL, under cProfile, and print the top functions.

    .venv/bin/python bench/profile_intake.py [ORDERS] [--sort tottime|cumulative] [--limit 40]

Not part of `make bench`; a tool for finding what to make faster.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import random
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.common import use_bench_environment  # noqa: E402
from tests.support.pgserver import ThrowawayPostgres  # noqa: E402

use_bench_environment()  # a production start with generated secrets (bench/common.py)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("orders", type=int, nargs="?", default=1000)
    parser.add_argument("--sort", default="tottime")
    parser.add_argument("--limit", type=int, default=40)
    parser.add_argument("--sqlite", action="store_true", help="profile on SQLite instead")
    parser.add_argument("--no-profile", action="store_true", help="only time the orders, without cProfile")
    options = parser.parse_args()
    with ThrowawayPostgres(durable=True, max_connections=None) as server:
        scratch = server.directory
        url = f"sqlite:///{scratch}/profile.sqlite3" if options.sqlite else server.url
        os.environ.update(
            {"DATABASE_URL": url, "SELLERDESK_VAR_DIR": str(scratch), "DJANGO_SETTINGS_MODULE": "sellerdesk.settings"}
        )
        subprocess.run([sys.executable, "-m", "sellerdesk.cli", "migrate", "--noinput", "-v0"], cwd=REPO, check=True)
        seeded = subprocess.run(
            [sys.executable, str(REPO / "bench" / "django_steps.py"), "seed", "1000", "1000000", "10"],
            cwd=REPO,
            check=True,
            capture_output=True,
            text=True,
        )
        token = json.loads(seeded.stdout.strip().splitlines()[-1])["token"]

        import django

        django.setup()
        from django.db import connections
        from django.test import Client

        client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
        rng = random.Random(1)

        def one(index: int) -> None:
            first, second = rng.sample(range(1, 1001), 2)
            body = json.dumps(
                {
                    "buyer": {"name": "买家", "phone": f"138{index:08d}", "nickname": f"profile-{index}"},
                    "address": {"province": "浙江省", "city": "杭州市", "district": "西湖区", "detail": "文三路1号"},
                    "lines": [
                        {"sku": f"BENCH-{first:04d}", "quantity": 1},
                        {"sku": f"BENCH-{second:04d}", "quantity": 1},
                    ],
                }
            )
            answer = client.post("/api/v1/orders", body, content_type="application/json")
            assert answer.status_code == 201, answer.content

        for index in range(20):
            one(index)
        profiler = cProfile.Profile(time.process_time)  # CPU time: waiting on the database is not the cost here
        started, cpu_started = time.perf_counter(), time.process_time()
        if not options.no_profile:
            profiler.enable()
        for index in range(20, 20 + options.orders):
            one(index)
        profiler.disable()
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        connections.close_all()
        print(
            f"{options.orders} orders{'' if options.no_profile else ' under the profiler'}, one client: "
            f"{1000 * elapsed / options.orders:.2f} ms wall, {1000 * cpu / options.orders:.2f} ms Python CPU each",
            file=sys.stderr,
        )
        if not options.no_profile:
            stats = pstats.Stats(profiler, stream=sys.stderr).sort_stats(options.sort)
            stats.print_stats(options.limit)
            if os.environ.get("PROFILE_CALLEES"):
                stats.print_callees(os.environ["PROFILE_CALLEES"])


if __name__ == "__main__":
    main()
