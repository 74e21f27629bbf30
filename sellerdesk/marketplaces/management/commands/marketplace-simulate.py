"""`sellerdesk marketplace-simulate`: the simulated marketplace's side of the connector.

sellerdesk marketplace-simulate push --shop tmall [--orders 10] [--repeat 2] [--shuffle]
    [--url http://127.0.0.1:8000]
sellerdesk marketplace-simulate write --shop tmall [--orders 10]   # for the next pull
sellerdesk marketplace-simulate pull --shop tmall                  # pull now
sellerdesk marketplace-simulate send                               # send due shipment notices now
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from sellerdesk.catalog.models import Sku
from sellerdesk.marketplaces import simulation
from sellerdesk.marketplaces.connectors import SimulatedMarketplace, market_settings
from sellerdesk.marketplaces.models import Connection
from sellerdesk.marketplaces.notices import send_due_notices
from sellerdesk.marketplaces.pulls import pull_connection

PUSH_PATH = "/api/v1/marketplace-push/simulated"


class Command(BaseCommand):
    help = (
        "The simulated marketplace: push signed order messages to a running server (push), write "
        "orders for the connector to pull (write), pull a shop's orders now (pull), send the due "
        "shipment notices now (send)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["push", "write", "pull", "send"])
        parser.add_argument("--shop", default="tmall", help="the shop's code (default tmall)")
        parser.add_argument("--orders", type=int, default=10, help="how many made-up orders (default 10)")
        parser.add_argument("--seed", type=int, default=16, help="the made-up orders' seed (same seed, same orders)")
        parser.add_argument("--repeat", type=int, default=1, help="push every message this many times")
        parser.add_argument("--shuffle", action="store_true", help="push the messages in a random order")
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="the running server")
        parser.add_argument("--secret", default=None, help="signing secret (default: PUSH_SECRET)")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "send":
            self.stdout.write(f"shipment notices tried: {send_due_notices(now=timezone.now())}")
            return
        shop_code = options["shop"]
        if action == "pull":
            connection = Connection.objects.select_related("shop").filter(shop__code=shop_code, is_active=True).first()
            if connection is None:
                raise CommandError(f"shop {shop_code} has no marketplace connection in use")
            pulled = pull_connection(connection=connection, until=timezone.now())
            self.stdout.write(f"pulled {pulled.orders} orders of {shop_code}: {dict(sorted(pulled.outcomes.items()))}")
            return
        if not 1 <= options["orders"] <= 10_000 or not 1 <= options["repeat"] <= 100:
            raise CommandError("--orders is 1 to 10000, --repeat 1 to 100")
        skus = list(Sku.objects.filter(is_active=True, is_presale=False, is_dropship=False).order_by("code")[:50])
        if not skus:
            raise CommandError("the catalogue has no SKU on sale to order")
        # Placed a minute apart and cancelled ten minutes later, all before now (a pull asks
        # for what changed up to now).
        start = timezone.now() - timedelta(minutes=options["orders"] + 15)
        first = simulation.sample_orders(skus=skus, count=options["orders"], at=start, seed=options["seed"])
        snapshots = [*first, *simulation.later_snapshots(first)]
        if action == "write":
            path = simulation.write_pullable(
                directory=SimulatedMarketplace().directory, shop_code=shop_code, snapshots=snapshots
            )
            self.stdout.write(f"wrote {len(snapshots)} order snapshots to {path}")
            return
        self._push(shop_code, snapshots, options)

    def _push(self, shop_code: str, snapshots: list[Any], options: dict[str, Any]) -> None:
        secret = options["secret"] if options["secret"] is not None else str(market_settings().get("PUSH_SECRET") or "")
        if not secret:
            raise CommandError("no signing secret: set MARKETPLACE_PUSH_SECRET (the server's) or pass --secret")
        messages = simulation.push_messages(shop_code=shop_code, snapshots=snapshots) * options["repeat"]
        if options["shuffle"]:
            random.Random(options["seed"]).shuffle(messages)
        url = options["url"].rstrip("/") + PUSH_PATH
        tally: Counter[str] = Counter()
        for message in messages:
            try:
                delivery = simulation.deliver(url=url, message=message, secret=secret)
            except (OSError, ValueError) as error:
                raise CommandError(f"{url} cannot be reached: {error}") from None
            outcome = str(delivery.answer.get("outcome") or delivery.answer.get("code") or "")
            duplicate = " (duplicate)" if delivery.answer.get("duplicate") else ""
            self.stdout.write(f"{message.message_id}: {delivery.status} {outcome}{duplicate}")
            tally[f"{delivery.status} {outcome}{duplicate}"] += 1
        self.stdout.write(f"pushed {len(messages)} messages: {dict(sorted(tally.items()))}")
