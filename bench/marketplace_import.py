"""A Taobao order export of 100,000 orders imported on PostgreSQL, beside a raw COPY of
the same rows in the same run.

On a throwaway PostgreSQL (default settings): the shop "tmall", --skus SKUs with ample
stock and an owner; --orders made-up marketplace orders (MarketOrder records from a seeded
generator: most paid and awaiting shipment, some unpaid, some closed; one line, or two
on one order in five) written as the Taobao layout's two GB18030 CSV files (orders file
and items file) by marketplaces.writers.write_export. Then

- `ceiling_marketplace_copy_pg`: `COPY … FROM STDIN (FORMAT csv, HEADER, ENCODING
  'GB18030')` of the same two files into two tables with the files' own columns (text),
  one transaction: the least PostgreSQL does to take the rows in;
- `marketplace_import_check_pg`: importing.check_import (read both files, plan every
  order: the preview), rows/s;
- `marketplace_import_run_pg`: importing.run_import after commit_import (apply every
  order in batches of COMMIT_BATCH through the orders and payments actions), rows/s and
  orders/s, the outcome's counts, and the ratio to the ceiling.

Each of the two phases runs in a child process (this script with --phase) watched from
here: bounded by --check-max-seconds and --max-seconds; a phase stopped at its limit is reported with
"finished": false and the rate of what it had written by then (progress is committed
batch by batch), never with a smaller file.

    python bench/marketplace_import.py --orders 100000
    python bench/marketplace_import.py --orders 2000        # to try it out
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.common import django_on_throwaway_postgres, emit, log  # noqa: E402

SHOP = "tmall"
SEED = 20261207


def options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    # bench/run.py passes --orders N: the orders of the export (rows of its orders file).
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--skus", type=int, default=500, help="SKU codes the orders are spread over")
    # 100,000 orders take about 45 minutes to import on 2 shared cores (docs/performance.md):
    # `make bench` stays bounded by stopping the import after 15 minutes and reporting the
    # rate of what it wrote ("finished": false, with the projected time for all of them);
    # --max-seconds 3600 imports the whole file. bench/run.py gives this script its two
    # limits and 15 minutes more.
    parser.add_argument("--check-max-seconds", type=float, default=600.0, help="time limit of the check (preview)")
    parser.add_argument("--max-seconds", type=float, default=900.0, help="time limit of the import after commit")
    # Internal: the child process of one phase.
    parser.add_argument("--phase", choices=("check", "run"), help=argparse.SUPPRESS)
    parser.add_argument("--import-id", type=int, help=argparse.SUPPRESS)
    return parser.parse_args()


# --- the export ----------------------------------------------------------------------------


def sku_code(number: int) -> str:
    return f"MK-{number:04d}"


def unit_price(number: int) -> Decimal:
    return Decimal(39 + (number * 7) % 260) + Decimal("0.90")


def market_orders(count: int, *, skus: int, now: datetime, seed: int = SEED) -> Iterator[Any]:
    """`count` made-up Taobao orders (MarketOrder), the same for the same seed: buyers,
    places and streets from the demo's name lists, SKU codes MK-0001… (see `seed_shop`)."""
    from sellerdesk.demo import names
    from sellerdesk.marketplaces.records import MarketLine, MarketOrder, MarketStatus

    rng = random.Random(seed)
    statuses = (MarketStatus.PAID, MarketStatus.UNPAID, MarketStatus.CANCELLED)
    for index in range(count):
        status = rng.choices(statuses, weights=(85, 10, 5))[0]
        kinds = 2 if index % 5 == 4 else 1
        numbers = rng.sample(range(1, skus + 1), kinds)
        lines = tuple(
            MarketLine(
                sku_code=sku_code(number),
                title=f"暖阳基础款T恤 {number}",
                quantity=rng.choices((1, 2, 3), weights=(80, 15, 5))[0],
                unit_price=unit_price(number),
            )
            for number in numbers
        )
        goods = sum((line.unit_price * line.quantity for line in lines), Decimal("0.00"))
        fee = Decimal("0.00") if goods >= 99 else Decimal("8.00")
        created = now - timedelta(seconds=(count - index) * 5)
        place = names.place(rng)
        yield MarketOrder(
            external_id=f"4{seed % 1000:03d}{index:015d}",
            status=status,
            buyer_nick=names.nickname(rng, "tmall"),
            receiver_name=names.person_name(rng),
            phone=names.mobile_phone(rng),
            province=place.province,
            city=place.city,
            district=place.district,
            detail=names.street_address(rng),
            lines=lines,
            goods_total=goods,
            shipping_fee=fee,
            paid_amount=goods + fee if status == MarketStatus.PAID else Decimal("0.00"),
            created_at=created,
            paid_at=created + timedelta(minutes=2) if status == MarketStatus.PAID else None,
            modified_at=created + timedelta(minutes=2),
            buyer_message="请尽快发货" if index % 17 == 0 else "",
        )


def write_files(count: int, *, skus: int, now: datetime) -> dict[str, bytes]:
    from sellerdesk.marketplaces import writers

    records = list(market_orders(count, skus=skus, now=now))
    return writers.write_export(layout="taobao", orders=records, fmt="csv", encoding="gb18030")


def data_rows(content: bytes) -> int:
    """Data rows of a CSV file (its header aside), as the csv module counts them."""
    import csv

    return sum(1 for _row in csv.reader(io.StringIO(content.decode("gb18030")))) - 1


# --- the shop ------------------------------------------------------------------------------


def seed_shop(skus: int, stock: int) -> None:
    """Migrated database, the 天猫 shop, an owner, `skus` SKUs with `stock` units each."""
    from django.core.management import call_command
    from django.db import transaction

    from sellerdesk.catalog.actions import create_sku
    from sellerdesk.core.models import User
    from sellerdesk.inventory.actions import set_on_hand
    from sellerdesk.shops.models import Platform, Shop

    call_command("migrate", verbosity=0, interactive=False)
    with transaction.atomic():
        owner = User.objects.create_user(username="bench-owner", password=None, role="owner", display_name="压测")
        # Seed data, as the demo does: there is no shops action.
        Shop.objects.create(code=SHOP, name="暖阳小铺 天猫旗舰店", platform=Platform.TMALL)
        for number in range(1, skus + 1):
            sku = create_sku(
                actor=owner,
                code=sku_code(number),
                name=f"暖阳基础款T恤 {number}",
                price=unit_price(number),
                attributes={"颜色": "白", "尺码": "M"},
            )
            set_on_hand(sku=sku, on_hand=stock, actor=owner)


# --- the ceiling ---------------------------------------------------------------------------


def header(content: bytes) -> list[str]:
    import csv

    first = content.split(b"\n", 1)[0].decode("gb18030").lstrip("\ufeff")
    return next(csv.reader([first]))


def copy_ceiling(files: dict[str, bytes]) -> float:
    """Seconds to COPY both files into tables of their own columns, committed."""
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        for name, content in files.items():
            columns = ", ".join(f'"{column}" text' for column in header(content))
            cursor.execute(f"DROP TABLE IF EXISTS bench_taobao_{name}")
            cursor.execute(f"CREATE TABLE bench_taobao_{name} ({columns})")
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for name, content in files.items():
            statement = f"COPY bench_taobao_{name} FROM STDIN WITH (FORMAT csv, HEADER true, ENCODING 'GB18030')"
            with cursor.cursor.copy(statement) as copy:  # psycopg 3
                view = memoryview(content)
                for start in range(0, len(view), 1 << 20):
                    copy.write(view[start : start + (1 << 20)])
    return time.perf_counter() - started


# --- the import's two phases, each in a child process watched from here ------------------


def child_phase(phase: str, import_id: int) -> None:
    """In the child: set Django up on DATABASE_URL, run the phase, print its own timing."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sellerdesk.settings")
    django.setup()
    from sellerdesk.marketplaces import importing

    started = time.perf_counter()
    job = importing.check_import(import_id) if phase == "check" else importing.run_import(import_id)
    print(json.dumps({"seconds": time.perf_counter() - started, "status": job.status}), flush=True)


def watched_phase(phase: str, import_id: int, max_seconds: float) -> dict[str, Any]:
    """The phase run in a child process, stopped (by its pid) if it passes `max_seconds`:
    its own timing when it finished, else the time it had and the progress it committed.
    Its progress goes to stderr every minute."""
    from sellerdesk.marketplaces.models import OrderImport

    command = [sys.executable, str(Path(__file__).resolve()), "--phase", phase, "--import-id", str(import_id)]
    started = time.monotonic()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=REPO, start_new_session=True)
    logged = started
    while child.poll() is None:
        time.sleep(1)
        now = time.monotonic()
        if now - started > max_seconds:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait(timeout=30)
            log(f"{phase}: stopped at its limit of {max_seconds:.0f} s")
            return {"finished": False, "seconds": now - started, "job": OrderImport.objects.get(pk=import_id)}
        if now - logged >= 60:
            logged = now
            job = OrderImport.objects.get(pk=import_id)
            log(f"{phase}: {now - started:.0f} s, rows checked {job.rows_checked}, orders written {job.orders_done}")
    output = child.stdout.read() if child.stdout is not None else ""
    if child.returncode != 0:
        raise RuntimeError(f"the {phase} phase failed ({child.returncode})")
    answer = json.loads(output.strip().splitlines()[-1])
    return {"finished": True, "seconds": answer["seconds"], "job": OrderImport.objects.get(pk=import_id)}


def start(files: dict[str, bytes]) -> int:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from sellerdesk.core.models import User
    from sellerdesk.marketplaces import importing
    from sellerdesk.shops.models import Shop

    job = importing.start_import(
        shop=Shop.objects.get(code=SHOP),
        orders_file=SimpleUploadedFile("ExportOrderList.csv", files["orders"], content_type="text/csv"),
        items_file=SimpleUploadedFile("ExportOrderDetailList.csv", files["items"], content_type="text/csv"),
        layout="taobao",
        actor=User.objects.get(username="bench-owner"),
        check_now=False,
    )
    return job.pk


def commit(import_id: int) -> None:
    from sellerdesk.core.models import User
    from sellerdesk.marketplaces import importing

    importing.commit_import(import_id=import_id, actor=User.objects.get(username="bench-owner"))


def orders_written() -> int:
    from sellerdesk.orders.models import Order

    return Order.objects.filter(shop__code=SHOP).count()


def main() -> None:
    options_ = options()
    if options_.phase:
        child_phase(options_.phase, options_.import_id)
        return
    with django_on_throwaway_postgres("marketplace-import"):
        from django.utils import timezone

        started = time.monotonic()
        # Stock for every unit the orders could take (at most 3 a line, two lines a
        # order in five), spread over the SKUs, so that no order is refused for stock.
        stock = 1 + options_.orders * 6 // options_.skus
        seed_shop(options_.skus, stock)
        log(f"{options_.skus} SKUs with {stock} units each in {time.monotonic() - started:.1f} s")

        started = time.monotonic()
        files = write_files(options_.orders, skus=options_.skus, now=timezone.now().replace(microsecond=0))
        rows = {name: data_rows(content) for name, content in files.items()}
        size_mb = {name: round(len(content) / 1e6, 1) for name, content in files.items()}
        log(f"export written in {time.monotonic() - started:.1f} s: {rows} rows, {size_mb} MB")
        total_rows = sum(rows.values())

        ceiling = copy_ceiling(files)
        emit(
            {
                "bench": "ceiling_marketplace_copy_pg",
                "orders": options_.orders,
                "rows": total_rows,
                "seconds": round(ceiling, 2),
                "rows_per_s": round(total_rows / ceiling),
            }
        )

        import_id = start(files)
        check = watched_phase("check", import_id, options_.check_max_seconds)
        job = check["job"]
        emit(
            {
                "bench": "marketplace_import_check_pg",
                "orders": options_.orders,
                "rows": total_rows,
                "finished": check["finished"],
                "status": job.status,
                "rows_checked": job.rows_checked,
                "seconds": round(check["seconds"], 2),
                "rows_per_s": round((total_rows if check["finished"] else job.rows_checked) / check["seconds"]),
                "to_create": job.to_create,
                "to_update": job.to_update,
                "unchanged": job.unchanged,
                "skipped": job.skipped,
                "refused": job.refused,
                "ratio_to_ceiling": round(check["seconds"] / max(ceiling, 0.001), 1) if check["finished"] else None,
            }
        )
        if not check["finished"] or job.status != "previewed":
            raise SystemExit(f"bench: the check did not reach the preview (status {job.status})")

        commit(import_id)
        before = orders_written()
        run = watched_phase("run", import_id, options_.max_seconds)
        job = run["job"]
        done_orders = job.orders_done
        # Rows of the orders written: an order's file rows are its orders-file row and
        # its item rows; while unfinished, the rate is of orders written by the limit.
        done_rows = total_rows if run["finished"] else round(done_orders * total_rows / max(options_.orders, 1))
        emit(
            {
                "bench": "marketplace_import_run_pg",
                "orders": options_.orders,
                "rows": total_rows,
                "finished": run["finished"],
                "status": job.status,
                "seconds": round(run["seconds"], 2),
                "orders_done": done_orders,
                "orders_per_s": round(done_orders / run["seconds"], 1),
                # Unfinished: how long all the orders would take at the rate measured.
                "projected_seconds": None
                if run["finished"]
                else round(run["seconds"] * options_.orders / max(done_orders, 1)),
                "rows_per_s": round(done_rows / run["seconds"], 1),
                "created": job.created,
                "updated": job.updated,
                "unchanged": job.unchanged,
                "skipped": job.skipped,
                "refused": job.refused,
                "orders_in_db": orders_written() - before,
                "commit_batch": _commit_batch(),
                "ratio_to_ceiling": round(run["seconds"] / max(ceiling, 0.001), 1) if run["finished"] else None,
            }
        )


def _commit_batch() -> int:
    from django.conf import settings

    return int(settings.SELLERDESK["MARKETPLACES"]["COMMIT_BATCH"])


if __name__ == "__main__":
    main()
