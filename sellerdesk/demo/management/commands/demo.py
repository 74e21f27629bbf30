from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper

from sellerdesk.demo.crm import HISTORY_DAYS
from sellerdesk.demo.generate import (
    DEFAULT_SEED,
    MIN_DAYS,
    DemoConfig,
    catalogue_size,
    database_is_empty,
    load_demo_shop,
)


class Command(BaseCommand):
    help = "Load the demo shop (staff, 3 shops, ~300 SKUs, orders in every state) into an empty database."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing (and succeed) when the database already has orders or SKUs",
        )
        parser.add_argument("--orders", type=int, default=2000, help="how many orders (default 2000)")
        parser.add_argument(
            "--days",
            type=int,
            default=HISTORY_DAYS,
            help=f"spread the orders over this many days (default {HISTORY_DAYS}: 13 weeks, the dashboard's trends)",
        )
        parser.add_argument(
            "--seed", type=int, default=DEFAULT_SEED, help="random seed; the same seed gives the same shop"
        )
        parser.add_argument(
            "--skus", type=int, default=None, help="load only this many SKUs of the ~300 (a quick shop)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["orders"] < 0:
            raise CommandError("--orders must be 0 or more")
        if options["skus"] is not None and not 1 <= options["skus"] <= catalogue_size():
            raise CommandError(f"--skus must be between 1 and {catalogue_size()}")
        if options["days"] < MIN_DAYS:
            raise CommandError(f"--days must be at least {MIN_DAYS}")
        if not database_is_empty():
            if options["if_empty"]:
                self.stdout.write("The database has orders or SKUs already: no demo shop loaded.")
                return
            raise CommandError(
                "The database is not empty (it has orders or SKUs); the demo shop loads only into an empty one."
            )
        # The demo's orders are paid through the simulated gateway and tracked with the
        # simulated carrier: say so now, not after minutes of loading rolled back.
        switched_off = [
            variable
            for variable, enabled in (
                ("SELLERDESK_SIMULATED_GATEWAY", settings.SIMULATED_GATEWAY_ENABLED),
                ("SELLERDESK_SIMULATED_CARRIER", settings.SIMULATED_CARRIER_ENABLED),
            )
            if not enabled
        ]
        if switched_off:
            raise CommandError(
                "The demo shop needs the simulated payment gateway and carrier, which are off in a production "
                f"start: load it in a development start (SELLERDESK_ENV=development, as make run does) or set "
                f"{' and '.join(f'{variable}=1' for variable in switched_off)}."
            )
        self.stdout.write(f"Loading the demo shop ({options['orders']} orders over {options['days']} days)…")
        config = DemoConfig(
            orders=options["orders"], days=options["days"], seed=options["seed"], sku_limit=options["skus"]
        )
        summary = load_demo_shop(config=config, progress=progress_printer(self.stdout))
        self.stdout.write(f"Shops: {', '.join(summary.shops)}")
        self.stdout.write(f"Catalogue: {summary.products} products, {summary.skus} SKUs")
        orders = ", ".join(f"{status} {count}" for status, count in summary.orders_by_status.items())
        self.stdout.write(
            f"Orders: {sum(summary.orders_by_status.values())} ({orders}); customers: {summary.customers}"
        )
        self.stdout.write(f"Loaded in {summary.seconds:.1f} s.")
        for username, password in summary.credentials:
            self.stdout.write(self.style.SUCCESS(f"  log in as {username} / {password}"))


BAR_WIDTH = 30


def progress_printer(out: OutputWrapper) -> Callable[[int, int, str], None]:
    """How `demo` shows its progress on `out`: on a terminal, one line redrawn in place
    (a bar, steps done / in all, the step just done); elsewhere (a log, a pipe, a test)
    a plain line per step, "[3/27] opening stock"."""
    is_terminal = out.isatty()

    def show(done: int, total: int, label: str) -> None:
        if not is_terminal:
            out.write(f"[{done}/{total}] {label}")
            out.flush()
            return
        filled = BAR_WIDTH * done // total if total else BAR_WIDTH
        line = f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done}/{total} {label}"
        # \r back to the line's start, and spaces over the end of a longer line before it.
        out.write(f"\r{line:<80}", ending="\n" if done >= total else "")
        out.flush()

    return show
