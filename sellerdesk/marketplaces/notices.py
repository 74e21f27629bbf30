"""Shipments told back to the marketplace (发货回传), through the shop's connector.

1. In the shipping transaction (subscribers: orders.hooks.OrderShipped), an order with a
   marketplace id, of a shop whose active Connection pushes shipments, gets one
   `ShipmentNotice` per parcel: the tracking number it shipped with, and each other
   outbound parcel of the order that has a tracking number and was not cancelled. They
   commit or roll back with the shipping. The carrier is written as the platform names it.
2. After the commit, the worker sends them (`send_due_notices`, the periodic job
   "marketplaces.notices", woken on commit): each notice claimed in a short transaction,
   the connector called with no transaction open, the outcome recorded in another.
3. A marketplace that cannot be reached is tried again after NOTICE_BACKOFF_SECONDS ·
   2^(attempt − 1); after NOTICE_MAX_ATTEMPTS attempts the notice is dead (the bulk-ship
   file still carries the order). A worker that dies holding a notice leaves it leased:
   it is due again when its lease ends, and counted as an attempt. A notice sent, and one
   given up, is written on the order's timeline.

Sending a notice twice (a worker died after the marketplace answered) tells the
marketplace the same parcel twice, which marketplaces accept as a repeat.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from sellerdesk.core.tasks import wake_job
from sellerdesk.logistics.models import Shipment, ShipmentDirection, ShipmentStatus
from sellerdesk.marketplaces.carriers import platform_namer
from sellerdesk.marketplaces.connectors import connector_for, market_settings
from sellerdesk.marketplaces.events import SHIPMENT_NOT_TOLD, SHIPMENT_TOLD
from sellerdesk.marketplaces.models import Connection, MarketplaceOrder, NoticeStatus, ShipmentNotice
from sellerdesk.marketplaces.records import MarketStatus
from sellerdesk.orders import events as order_events
from sellerdesk.orders.models import Order, OrderEventType

logger = logging.getLogger(__name__)

SEND_JOB = "marketplaces.notices"
# Parcels that never left (or were stopped): nothing to tell the marketplace of them.
NOT_SENT_PARCELS = (
    ShipmentStatus.BOOKING_REQUESTED,
    ShipmentStatus.BOOKING_WITHDRAWN,
    ShipmentStatus.BOOKING_FAILED,
    ShipmentStatus.CANCELLED,
    ShipmentStatus.INTERCEPTED,
)


def max_attempts() -> int:
    return max(1, int(market_settings().get("NOTICE_MAX_ATTEMPTS", 6)))


def backoff(attempts: int) -> timedelta:
    """How long after its `attempts`-th failed attempt a notice is tried again."""
    seconds = float(market_settings().get("NOTICE_BACKOFF_SECONDS", 60))
    return timedelta(seconds=seconds * 2 ** max(0, min(attempts - 1, 20)))


def lease_duration() -> timedelta:
    return timedelta(seconds=float(market_settings().get("LEASE_SECONDS", 120)))


def record_shipment_notices(*, order: Order, at: datetime) -> list[ShipmentNotice]:
    """In the shipping transaction: the notices owed to the order's marketplace (module
    docstring), written once per parcel however often this runs; none for an order
    without a marketplace id, of a shop not connected or not sending shipments, or one the
    marketplace itself said shipped. Wakes the sender once the transaction commits."""
    if not order.external_id or not order.tracking_number:
        return []
    connected = Connection.objects.filter(shop_id=order.shop_id, is_active=True, pushes_shipments=True).exists()
    if not connected:
        return []
    told_us = MarketplaceOrder.objects.filter(
        order=order, status__in=(MarketStatus.SHIPPED, MarketStatus.COMPLETED)
    ).exists()
    if told_us:
        return []
    name = platform_namer(platform=order.shop.platform)
    parcels = [(name(order.carrier), order.tracking_number)]
    others = (
        Shipment.objects.filter(order=order, direction=ShipmentDirection.OUTBOUND)
        .exclude(tracking_number="")
        .exclude(tracking_number=order.tracking_number)
        .exclude(status__in=NOT_SENT_PARCELS)
        .select_related("carrier")
        .order_by("pk")
    )
    parcels += [(name(parcel.carrier.code), parcel.tracking_number) for parcel in others]
    notices = [
        ShipmentNotice(
            order=order,
            shop_id=order.shop_id,
            external_id=order.external_id,
            carrier_code=carrier[:40],
            tracking_number=tracking,
            next_attempt_at=at,
            created_at=at,
        )
        for carrier, tracking in dict.fromkeys(parcels)
    ]
    # A parcel told already (the hook ran before for this order) keeps its notice.
    ShipmentNotice.objects.bulk_create(notices, ignore_conflicts=True)
    transaction.on_commit(wake_notice_sender)
    return list(ShipmentNotice.objects.filter(order=order).order_by("pk"))


def wake_notice_sender() -> None:
    """Ask a worker to send due notices now rather than at its next round (core.tasks.wake_job)."""
    wake_job(SEND_JOB)


def _claim(*, now: datetime, size: int) -> list[tuple[ShipmentNotice, datetime]]:
    """Take up to `size` due notices, oldest due first: leased (and due again) until now +
    LEASE_SECONDS, the attempt counted. A notice whose worker died on its last attempt is
    dead instead. Skips notices another worker is claiming (PostgreSQL)."""
    until = now + lease_duration()
    most = max_attempts()
    with transaction.atomic():
        rows = list(
            ShipmentNotice.objects.filter(status=NoticeStatus.PENDING, next_attempt_at__lte=now)
            .order_by("next_attempt_at", "pk")
            .select_for_update(skip_locked=True)
            .values_list("pk", "attempts")[:size]
        )
        abandoned = [pk for pk, attempts in rows if attempts >= most]
        if abandoned:
            ShipmentNotice.objects.filter(pk__in=abandoned).update(
                status=NoticeStatus.DEAD,
                lease_until=None,
                last_error=_("The worker sending it stopped before it had an answer, on the last attempt."),
            )
            for notice in ShipmentNotice.objects.filter(pk__in=abandoned).select_related("order").order_by("pk"):
                _given_up_event(notice, at=now)
        ids = [pk for pk, _attempts in rows if pk not in abandoned]
        if not ids:
            return []
        ShipmentNotice.objects.filter(pk__in=ids).update(
            lease_until=until, next_attempt_at=until, attempts=F("attempts") + 1
        )
        claimed = ShipmentNotice.objects.filter(pk__in=ids).select_related("shop", "order").order_by("pk")
        return [(notice, until) for notice in claimed]


def _given_up_event(notice: ShipmentNotice, *, at: datetime) -> None:
    order_events.write_event(
        notice.order,
        OrderEventType.NOTE_ADDED,
        actor=None,
        at=at,
        code=SHIPMENT_NOT_TOLD,
        carrier=notice.carrier_code,
        tracking_number=notice.tracking_number,
        attempts=notice.attempts,
    )


def _record(notice: ShipmentNotice, lease: datetime, *, error: str, now: datetime) -> str:
    """The outcome of one attempt, unless the notice's lease ran out meanwhile (another
    worker has it now). Sent and dead are written on the order's timeline too. Returns the
    notice's status."""
    mine = ShipmentNotice.objects.filter(pk=notice.pk, status=NoticeStatus.PENDING, lease_until=lease)
    facts = {"carrier": notice.carrier_code, "tracking_number": notice.tracking_number}
    with transaction.atomic():
        if not error:
            if mine.update(status=NoticeStatus.SENT, sent_at=now, lease_until=None, last_error=""):
                order_events.write_event(
                    notice.order, OrderEventType.NOTE_ADDED, actor=None, at=now, code=SHIPMENT_TOLD, **facts
                )
            return NoticeStatus.SENT
        if notice.attempts >= max_attempts():
            if mine.update(status=NoticeStatus.DEAD, lease_until=None, last_error=error[:300]):
                _given_up_event(notice, at=now)
            return NoticeStatus.DEAD
        mine.update(next_attempt_at=now + backoff(notice.attempts), lease_until=None, last_error=error[:300])
        return NoticeStatus.PENDING


def _send(notice: ShipmentNotice) -> str:
    """One attempt, no transaction open: "" when the marketplace took it, else why not."""
    connector = connector_for(notice.shop)
    if connector is None:
        return _("The shop has no marketplace connection in use.")
    try:
        answer = connector.send_shipment(notice)
    except OSError as error:
        return _("The marketplace could not be reached: %(error)s") % {"error": error}
    except Exception as error:  # a connector's bug must not stop the others' notices
        logger.exception("connector %s failed on shipment notice %s", connector.name, notice.pk)
        return _("The connector failed: %(error)s") % {"error": error}
    logger.info("shipment notice %s sent to %s: %s", notice.pk, connector.name, answer)
    return ""


def send_due_notices(*, now: datetime | None = None, limit: int = 100) -> int:
    """Send up to `limit` notices due at `now` (module docstring). Safe in any number of
    processes at once; call it with no transaction open. Returns how many were tried."""
    now = now or timezone.now()
    started = time.monotonic()

    def moment() -> datetime:
        # `now` moved on by the whole seconds this run has taken (a long run's leases and
        # retries count from when it got there, not from when it began).
        return now + timedelta(seconds=int(time.monotonic() - started))

    tried = 0
    while tried < limit:
        claimed = _claim(now=moment(), size=min(20, limit - tried))
        if not claimed:
            break
        for notice, lease in claimed:
            error = _send(notice)
            status = _record(notice, lease, error=error, now=moment())
            tried += 1
            if error:
                logger.info("shipment notice %s attempt %s: %s (%s)", notice.pk, notice.attempts, status, error)
    return tried
