"""Orders pulled from the marketplaces: each connected shop's orders changed since its
last pull, applied as pushes are (marketplaces.apply: idempotent, a stale snapshot
changes nothing).

The connector is asked with no transaction open; each order is applied in its own
transaction. The Connection's `pulled_until` moves on only when every order of the pull
was applied (an error leaves it, and the next pull asks for the same orders again:
applying twice is harmless), and never backwards (two workers pulling at once).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Q

from sellerdesk.core.errors import DomainError
from sellerdesk.marketplaces.apply import apply_market_order
from sellerdesk.marketplaces.connectors import connector_named
from sellerdesk.marketplaces.models import Connection, Source

logger = logging.getLogger(__name__)

PULL_JOB = "marketplaces.pull"
# An order that was not written, or was, by what applying it did.
CHANGED = ("created", "updated")


@dataclass
class Pulled:
    """What one shop's pull did: how many orders came and each applying's outcome."""

    shop: str
    orders: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    failed: int = 0

    @property
    def changed(self) -> int:
        return sum(self.outcomes.get(action, 0) for action in CHANGED)


def pull_connection(*, connection: Connection, until: datetime) -> Pulled:
    """Pull and apply the connection's shop's orders changed in (pulled_until, until].
    An unreachable marketplace (OSError) or an unknown connector pulls nothing (logged)."""
    shop = connection.shop
    pulled = Pulled(shop.code)
    connector = connector_named(connection.adapter)
    if connector is None:
        logger.warning("shop %s: no connector named %r", shop.code, connection.adapter)
        return pulled
    try:
        records = connector.pull_orders(shop=shop, since=connection.pulled_until, until=until)
    except OSError as error:
        logger.warning("shop %s: marketplace unreachable: %s", shop.code, error)
        return pulled
    # Oldest change first, so that an order changed twice ends as the marketplace has it.
    records.sort(key=lambda record: (record.modified_at is None, record.modified_at or until, record.external_id))
    pulled.orders = len(records)
    for record in records:
        try:
            applied = apply_market_order(shop=shop, record=record, source=Source.PULL, actor=None, at=until)
        except DomainError as error:
            pulled.failed += 1
            logger.warning("shop %s order %s not applied: %s", shop.code, record.external_id, error.message)
            continue
        pulled.outcomes[applied.action] = pulled.outcomes.get(applied.action, 0) + 1
        if applied.refused is not None:
            logger.info("shop %s order %s refused: %s", shop.code, record.external_id, applied.refused.as_json())
    if not pulled.failed:
        Connection.objects.filter(pk=connection.pk).filter(
            Q(pulled_until__isnull=True) | Q(pulled_until__lt=until)
        ).update(pulled_until=until)
    return pulled


def pull_all(*, now: datetime) -> list[Pulled]:
    """Pull every active connection that pulls orders, shop by shop (call it with no
    transaction open)."""
    connections = Connection.objects.filter(is_active=True, pulls_orders=True).select_related("shop").order_by("pk")
    return [pull_connection(connection=connection, until=now) for connection in connections]
