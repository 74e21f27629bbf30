"""Order messages a marketplace pushes (as 淘宝 TMC does): checked, deduplicated, applied.

A push is the marketplace's snapshot of one order as it is now. It is handled in any
order and any number of times:

- the same message again (the marketplace retries until it hears 200; five copies may
  arrive at once) is stored and applied once: messages of a shop are handled one at a
  time (its row locked), its (shop, message id) row is written in the transaction that
  applies it, and that pair is unique in the database;
- an older snapshot arriving after a newer one changes nothing: "stale" when a newer
  message of the order was handled already (even one that created nothing, such as a
  cancellation of an order we never had), and marketplaces.apply compares the
  marketplace's `modified_at` with what the order last heard from a file or a pull.

A push that is not signed is refused (401) and one that does not parse (422) before
anything is written; a refusal of the order itself (an SKU code we do not have) is an
outcome, stored with the message, not an error: the marketplace would only push it again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sellerdesk.core.errors import DomainError, ValidationFailed
from sellerdesk.marketplaces.apply import apply_market_order
from sellerdesk.marketplaces.connectors import SIGNATURE_HEADER, PushedOrder, connector_named
from sellerdesk.marketplaces.models import Connection, PushedOrderMessage, Source
from sellerdesk.shops.models import Shop

DEFAULT_CONNECTOR = "simulated"


class InvalidSignature(DomainError):
    """The push is not signed by the marketplace (401); nothing is stored."""

    code = "invalid_signature"
    status = 401

    def __init__(self) -> None:
        super().__init__(
            _("The push is not signed with the marketplace's secret (header %(header)s).")
            % {"header": SIGNATURE_HEADER}
        )


@dataclass(frozen=True)
class PushResult:
    """The stored message (its `outcome`: created, updated, unchanged, skipped, stale or
    refused) and whether it had been handled before this push."""

    message: PushedOrderMessage
    duplicate: bool

    @property
    def outcome(self) -> str:
        return self.message.outcome


def _connected_shop(pushed: PushedOrder, connector: str) -> Shop:
    shop = Shop.objects.filter(code=pushed.shop_code).first()
    if shop is None:
        raise ValidationFailed({"shop": _("no shop has the code %(code)s") % {"code": pushed.shop_code}})
    if not Connection.objects.filter(shop=shop, adapter=connector, is_active=True).exists():
        raise ValidationFailed(
            {"shop": _("shop %(code)s is not connected to this marketplace") % {"code": pushed.shop_code}}
        )
    return shop


def _stored(shop: Shop, message_id: str) -> PushedOrderMessage | None:
    return PushedOrderMessage.objects.filter(shop=shop, message_id=message_id).first()


def _handle(shop: Shop, pushed: PushedOrder, at: datetime) -> PushResult:
    with transaction.atomic():
        # One handler per shop at a time: a twin of this message waits here and then finds
        # it; two snapshots of one order are compared with each other, not both applied
        # (the marketplace's pushes are few; the import runs in batches without this lock).
        Shop.objects.select_for_update().filter(pk=shop.pk).first()
        known = _stored(shop, pushed.message_id)
        if known is not None:
            return PushResult(known, True)
        record = pushed.order
        # A newer snapshot of this order handled already (one that created nothing too: a
        # cancelled order we never had) makes this one stale, whatever apply would say.
        newer = (
            PushedOrderMessage.objects.filter(
                shop=shop, external_id=record.external_id, modified_at__gt=record.modified_at
            )
            .order_by("-modified_at")
            .values_list("message_id", flat=True)
            .first()
            if record.modified_at is not None
            else None
        )
        message = PushedOrderMessage.objects.create(
            shop=shop,
            message_id=pushed.message_id,
            external_id=record.external_id,
            topic=pushed.topic,
            modified_at=record.modified_at,
            received_at=at,
            outcome="",
        )
        detail: dict[str, object] = {}
        if newer is not None:
            message.outcome, detail["newer_message"] = "stale", newer
        else:
            applied = apply_market_order(shop=shop, record=record, source=Source.PUSH, actor=None, at=at)
            message.outcome = applied.action
            if applied.order is not None:
                detail["order"] = applied.order.number
            if applied.refused is not None:
                detail["refused"] = applied.refused.as_json()
        message.detail = detail
        message.save(update_fields=["outcome", "detail"])
    return PushResult(message, False)


def receive_push(
    *, body: bytes, signature: str, at: datetime | None = None, connector: str = DEFAULT_CONNECTOR
) -> PushResult:
    """Check, parse and apply one pushed order message through `connector` (its name):
    InvalidSignature (401) unless the connector verifies the signature of the raw body,
    ValidationFailed (422) for a body that does not parse or a shop not connected to it,
    nothing written either way. A message id the shop pushed before answers that
    message, duplicate=True, and applies nothing again."""
    at = at or timezone.now()
    adapter = connector_named(connector)
    if adapter is None or not adapter.verify(body, signature or ""):
        raise InvalidSignature()
    pushed = adapter.parse_push(body)
    shop = _connected_shop(pushed, connector)
    known = _stored(shop, pushed.message_id)
    if known is not None:
        return PushResult(known, True)
    try:
        return _handle(shop, pushed, at)
    except IntegrityError:
        # The shop's lock makes twins wait; should one get past it (a database without row
        # locks), the unique (shop, message id) still stores the message once.
        known = _stored(shop, pushed.message_id)
        if known is None:
            raise
        return PushResult(known, True)
