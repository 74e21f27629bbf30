"""What a marketplace order (records.MarketOrder) does to ours, whichever way it came
(an export file, a pushed message, a pulled page): plan it without writing, or apply it.

Applying goes through the orders' and payments' own actions only (place_order,
record_payment, cancel_order, the review's hold), never a direct write of an order's
state, and remembers what the marketplace said in a MarketplaceOrder row (status,
refund, a fingerprint, the marketplace's modification time). So the same record twice
changes nothing ("unchanged"), a record older than the one we have changes nothing
("stale"), and a change moves our order only forwards. The decisions are written up in
docs/marketplaces.md, "Importing a file: check, preview, commit".
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import OperationalError, transaction
from django.utils import timezone, translation

from sellerdesk.catalog.queries import SkuFacts, sku_facts_by_code
from sellerdesk.core import messages
from sellerdesk.core.errors import Conflict, DomainError, InsufficientStock, ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.core.money import ZERO, to_money
from sellerdesk.inventory.queries import active_warehouses, free_stock
from sellerdesk.marketplaces.models import MarketplaceOrder, Source
from sellerdesk.marketplaces.records import MarketOrder, MarketRefund, MarketStatus, RefusedRow
from sellerdesk.orders import actions as order_actions
from sellerdesk.orders import events as order_events
from sellerdesk.orders import holds
from sellerdesk.orders import states as order_states
from sellerdesk.orders.models import Order, OrderEventType, OrderSource
from sellerdesk.orders.review.actions import hold_with_findings
from sellerdesk.orders.review.rules import Finding
from sellerdesk.orders.states import OrderAction, OrderStatus, PaymentStatus
from sellerdesk.payments import actions as payment_actions
from sellerdesk.shops.models import Shop

# --- codes (registered in marketplaces.events) -----------------------------------------------

# Refusals (RefusedRow.code)
UNKNOWN_SKU = "market_unknown_sku"
SKU_NOT_ON_SALE = "market_sku_not_on_sale"
NOT_ENOUGH_STOCK = "market_not_enough_stock"
NO_LINES = "market_no_lines"
NO_ADDRESS = "market_no_address"
ORDER_INVALID = "market_order_invalid"
ORDER_REFUSED = "market_order_refused"
# Why a record creates nothing (Planned.changes of a "skip")
SKIP_CANCELLED = "market_skip_cancelled"
SKIP_SHIPPED = "market_skip_shipped_elsewhere"
SKIP_STALE = "market_skip_stale"
# What an update does (Planned.changes of an "update", Applied.changes)
CHANGE_CREATED = "market_change_created"
CHANGE_PAID = "market_change_paid"
CHANGE_CANCELLED = "market_change_cancelled"
CHANGE_HELD_REFUND = "market_change_held_refund"
CHANGE_ATTENTION = "market_change_attention"
CHANGE_STATUS = "market_change_status"
CHANGE_DETAILS = "market_change_details"
# Written on the order's timeline (orders.events, as a system note)
EVENT_SAID = "market_said"
EVENT_SELLER_MEMO = "market_seller_memo"
# The hold's reason (OrderHold.reason) and its sentence's code
HOLD_REASON = "marketplace"
HOLD_REFUND_TEXT = "market_hold_refund"
# The close reason of an order the marketplace cancelled
CLOSED_ON_MARKETPLACE = "market_closed_on_marketplace"

# Our order statuses before shipping that a marketplace cancellation may still cancel.
CANCELLABLE = order_states.statuses_allowing(OrderAction.CANCEL)
# Statuses where the review may still hold the order (the exception queue).
HOLDABLE = order_states.statuses_allowing(OrderAction.HOLD)
# (A refused order shipped too: its parcel came back.)
SHIPPED_OR_LATER = frozenset({OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.COMPLETED, OrderStatus.REFUSED})
MARKET_PAID = frozenset({MarketStatus.PAID, MarketStatus.SHIPPED, MarketStatus.COMPLETED})
MARKET_SHIPPED = frozenset({MarketStatus.SHIPPED, MarketStatus.COMPLETED})

# Refusals about one of an order's lines (its SKU, its quantity): their line is the
# goods' line, in the items file where the platform splits the export in two.
ITEM_FIELDS = frozenset({"sku_code", "quantity"})
# Times one record applied alone is tried when PostgreSQL chose it as a deadlock's victim.
DEADLOCK_ATTEMPTS = 3
# Reads per query in plan_orders (well under SQLite's bound on variables).
READ_CHUNK = 500


@dataclass(frozen=True)
class Planned:
    """What applying a record would do; computed without writing anything."""

    external_id: str
    action: str  # "create" | "update" | "unchanged" | "skip" | "refuse"
    changes: list[dict[str, object]]  # core.messages {"code", ...params}
    refused: RefusedRow | None = None
    line: int = 0  # the record's first line in the file (0 for a push)

    def as_json(self) -> dict[str, object]:
        return {
            "external_id": self.external_id,
            "action": self.action,
            "line": self.line,
            "changes": [dict(change) for change in self.changes],
            "refused": self.refused.as_json() if self.refused is not None else None,
        }


@dataclass(frozen=True)
class Applied:
    """What applying a record did."""

    action: str  # "created" | "updated" | "unchanged" | "skipped" | "stale" | "refused"
    order: Order | None
    refused: RefusedRow | None = None
    changes: list[dict[str, object]] = field(default_factory=list)


@dataclass(frozen=True)
class Known:
    """What we have of one marketplace order: our order and what the marketplace said last."""

    order_id: int
    status: str
    payment_status: str
    balance_due: Decimal
    market_status: str | None  # None: no MarketplaceOrder row yet (an order placed another way)
    market_refund: str
    fingerprint: str
    modified_at: datetime | None


# --- pure decisions ----------------------------------------------------------------------------


def fingerprint(record: MarketOrder) -> str:
    """A digest of what the record says, leaving out where it was read from and when the
    marketplace last changed it: the same order in another file or message is the same."""
    data = asdict(record)
    data.pop("line_numbers", None)
    data.pop("modified_at", None)
    for line in data["lines"]:
        line.pop("line_number", None)
    text = json.dumps(data, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _record_line(record: MarketOrder) -> int:
    return record.first_line


def _refused(record: MarketOrder, code: str, *, line: int = 0, field_name: str = "", **params: object) -> RefusedRow:
    return RefusedRow(
        line=line or _record_line(record),
        code=code,
        params=dict(params),
        external_id=record.external_id,
        field=field_name,
    )


def _check_new(record: MarketOrder, skus: Mapping[str, SkuFacts]) -> RefusedRow | None:
    """Why a record that would create an order cannot (unknown SKUs, no goods, no
    address), or None."""
    if not record.lines:
        return _refused(record, NO_LINES, field_name="lines")
    for line in record.lines:
        if line.quantity <= 0:
            return _refused(record, ORDER_INVALID, line=line.line_number, field_name="quantity", detail=line.quantity)
    unknown = [line for line in record.lines if line.sku_code not in skus]
    if unknown:
        return _refused(
            record,
            UNKNOWN_SKU,
            line=unknown[0].line_number,
            field_name="sku_code",
            sku=", ".join(dict.fromkeys(line.sku_code or "—" for line in unknown)),
        )
    inactive = [line for line in record.lines if not skus[line.sku_code].is_active]
    if inactive:
        return _refused(
            record,
            SKU_NOT_ON_SALE,
            line=inactive[0].line_number,
            field_name="sku_code",
            sku=", ".join(dict.fromkeys(line.sku_code for line in inactive)),
        )
    if not (record.receiver_name and record.province and record.detail):
        return _refused(record, NO_ADDRESS, field_name="address")
    return None


def _skip_reason(record: MarketOrder) -> dict[str, object] | None:
    """Why a record we have no order for creates none: the marketplace closed it, or it
    was shipped from somewhere else. (An unpaid one is created awaiting payment: it is
    what agents remind buyers to pay, seeds 002/003.)"""
    if record.status == MarketStatus.CANCELLED:
        return messages.message(SKIP_CANCELLED)
    if record.status in MARKET_SHIPPED:
        return messages.message(SKIP_SHIPPED, status=record.status)
    return None


def _is_stale(record: MarketOrder, known: Known) -> bool:
    return record.modified_at is not None and known.modified_at is not None and record.modified_at < known.modified_at


def planned_changes(record: MarketOrder, known: Known) -> list[dict[str, object]]:
    """What an update of `known` by `record` does, as codes (the same list applying writes
    into its answer): each move our order makes, or why a person must look at it."""
    changes: list[dict[str, object]] = []
    status = known.status
    newly_paid = record.status in MARKET_PAID and known.market_status not in MARKET_PAID
    if record.status in MARKET_PAID and status == OrderStatus.UNPAID and known.payment_status == PaymentStatus.UNPAID:
        changes.append(messages.message(CHANGE_PAID, amount=str(known.balance_due)))
        if record.paid_amount > ZERO and to_money(record.paid_amount) != known.balance_due:
            # The price changed on the marketplace after we took the order in (改价 before
            # payment): our books record our balance; a person squares the difference.
            changes.append(messages.message(CHANGE_ATTENTION, said="paid_other_amount"))
        status = OrderStatus.PENDING_REVIEW
    elif newly_paid and status == OrderStatus.CLOSED and known.payment_status == PaymentStatus.UNPAID:
        # Our payment deadline (or a person) closed the order, its stock released, before
        # the marketplace's payment came: nothing is reopened; a person decides (ship it
        # as a new order, or have the marketplace refund the buyer).
        changes.append(messages.message(CHANGE_ATTENTION, said="paid_after_closed"))
    if record.status == MarketStatus.CANCELLED:
        if status in CANCELLABLE:
            changes.append(messages.message(CHANGE_CANCELLED))
            return changes
        if status in SHIPPED_OR_LATER:
            changes.append(messages.message(CHANGE_ATTENTION, said="cancelled_after_shipping"))
            return changes
    refund_is_new = record.refund and record.refund != known.market_refund
    if refund_is_new and record.status != MarketStatus.CANCELLED:
        if status in HOLDABLE:
            changes.append(messages.message(CHANGE_HELD_REFUND, refund=record.refund))
        elif status != OrderStatus.CLOSED:
            changes.append(messages.message(CHANGE_ATTENTION, said=f"refund_{record.refund}"))
    shipped_elsewhere = record.status in MARKET_SHIPPED and known.market_status not in MARKET_SHIPPED
    if shipped_elsewhere and status not in SHIPPED_OR_LATER and status != OrderStatus.CLOSED:
        changes.append(messages.message(CHANGE_ATTENTION, said="shipped_elsewhere"))
    if known.market_status is not None and record.status != known.market_status:
        changes.append(messages.message(CHANGE_STATUS, before=known.market_status, after=record.status))
    if not changes:
        changes.append(messages.message(CHANGE_DETAILS))
    return changes


def _decide(record: MarketOrder, known: Known | None, skus: Mapping[str, SkuFacts]) -> Planned:
    line = _record_line(record)
    if known is None:
        reason = _skip_reason(record)
        if reason is not None:
            return Planned(record.external_id, "skip", [reason], line=line)
        refused = _check_new(record, skus)
        if refused is not None:
            return Planned(record.external_id, "refuse", [], refused, line=line)
        return Planned(
            record.external_id, "create", [messages.message(CHANGE_CREATED, status=record.status)], line=line
        )
    if known.market_status is not None and known.fingerprint == fingerprint(record):
        return Planned(record.external_id, "unchanged", [], line=line)
    if _is_stale(record, known):
        return Planned(record.external_id, "skip", [messages.message(SKIP_STALE)], line=line)
    return Planned(record.external_id, "update", planned_changes(record, known), line=line)


# --- prices ------------------------------------------------------------------------------------


def order_money(record: MarketOrder) -> tuple[list[order_actions.LineDraft], Decimal]:
    """The order's lines and shipping fee such that the goods plus shipping are exactly
    what the buyer pays on the marketplace (so a paid order is paid in full, to the cent).

    The marketplace's order-level discounts (店铺优惠, 平台优惠, coupons) are spread over
    the lines in proportion to their value, to the cent (largest remainder); a line whose
    share does not divide by its quantity becomes two lines of the same SKU whose unit
    prices differ by one cent."""
    due = (
        to_money(record.paid_amount)
        if record.paid_amount > ZERO
        else to_money(record.goods_total + record.shipping_fee)
    )
    shipping = min(to_money(record.shipping_fee), due)
    goods_cents = int((due - shipping) * 100)
    values = [int(to_money(line.unit_price) * 100) * line.quantity for line in record.lines]
    if sum(values) == goods_cents:
        shares = values
    else:
        weights = values if sum(values) > 0 else [line.quantity for line in record.lines]
        shares = _spread(goods_cents, weights)
    drafts: list[order_actions.LineDraft] = []
    for line, share in zip(record.lines, shares, strict=True):
        base, remainder = divmod(share, line.quantity)
        if remainder:
            drafts.append(order_actions.LineDraft(line.sku_code, remainder, Decimal(base + 1) / 100))
        if line.quantity - remainder:
            drafts.append(order_actions.LineDraft(line.sku_code, line.quantity - remainder, Decimal(base) / 100))
    return [
        order_actions.LineDraft(draft.sku, draft.quantity, to_money(draft.unit_price or ZERO)) for draft in drafts
    ], shipping


def _spread(total: int, weights: Sequence[int]) -> list[int]:
    """`total` cents in whole cents in proportion to `weights` (largest remainder)."""
    whole = sum(weights)
    exact = [total * weight for weight in weights]
    shares = [value // whole for value in exact]
    order = sorted(range(len(weights)), key=lambda index: (-(exact[index] % whole), index))
    for index in order[: total - sum(shares)]:
        shares[index] += 1
    return shares


# --- planning ----------------------------------------------------------------------------------


def _chunks(items: Sequence[str], size: int = READ_CHUNK) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def known_orders(*, shop: Shop, external_ids: Sequence[str], lock: bool = False) -> dict[str, Known]:
    """What we have of these marketplace orders of `shop`, by external id: two queries per
    READ_CHUNK ids (the marketplace's records, then our orders placed another way)."""
    found: dict[str, Known] = {}
    unique = sorted(set(external_ids))
    for chunk in _chunks(unique):
        rows = MarketplaceOrder.objects.filter(shop=shop, external_id__in=chunk).values_list(
            "external_id",
            "order_id",
            "order__status",
            "order__payment_status",
            "order__total",
            "order__paid_amount",
            "status",
            "refund",
            "fingerprint",
            "modified_at",
        )
        for external_id, order_id, status, payment, total, paid, m_status, m_refund, digest, modified in rows:
            found[external_id] = Known(
                order_id, status, payment, to_money(total - paid), m_status, m_refund, digest, modified
            )
        missing = [external_id for external_id in chunk if external_id not in found]
        if missing:
            placed = Order.objects.filter(shop=shop, external_id__in=missing)
            if "" not in missing:
                # Says what the ids imply, so that the partial unique index on (shop,
                # external_id) answers: SQLite otherwise scans all the shop's orders.
                placed = placed.exclude(external_id="")
            orders = placed.values_list("external_id", "pk", "status", "payment_status", "total", "paid_amount")
            for external_id, pk, status, payment, total, paid in orders:
                found[external_id] = Known(pk, status, payment, to_money(total - paid), None, "", "", None)
    return found


def plan_orders(*, shop: Shop, records: Sequence[MarketOrder]) -> list[Planned]:
    """What applying each record to `shop` would do, in the records' order, writing
    nothing. Reads in batches: per READ_CHUNK records two queries for what we have, one
    for the SKUs, one for the free stock. Stock is counted across the whole file (the
    orders created earlier in the file take theirs first), so "not enough stock" is
    foreseen as applying them in order would meet it; a race with other orders may still
    refuse an order the plan expected to create (applying reports it then)."""
    plans: list[Planned] = []
    warehouses = [warehouse.id for warehouse in active_warehouses()]
    free: dict[int, int] = {}
    for start in range(0, len(records), READ_CHUNK):
        batch = records[start : start + READ_CHUNK]
        known = known_orders(shop=shop, external_ids=[record.external_id for record in batch])
        skus = sku_facts_by_code(sorted({line.sku_code for record in batch for line in record.lines}))
        counted = [facts.id for facts in skus.values() if facts.reserves_stock and facts.id not in free]
        if counted:
            levels = free_stock(sorted(counted), warehouses) if warehouses else {}
            for sku_id in counted:
                free[sku_id] = sum(levels.get((sku_id, warehouse), 0) for warehouse in warehouses)
        for record in batch:
            plan = _decide(record, known.get(record.external_id), skus)
            if plan.action == "create":
                plan = _take_stock(record, plan, skus, free)
            plans.append(plan)
    return plans


def _take_stock(record: MarketOrder, plan: Planned, skus: Mapping[str, SkuFacts], free: dict[int, int]) -> Planned:
    needed: dict[str, int] = {}
    for line in record.lines:
        if skus[line.sku_code].reserves_stock:
            needed[line.sku_code] = needed.get(line.sku_code, 0) + line.quantity
    short = [code for code, quantity in needed.items() if free.get(skus[code].id, 0) < quantity]
    if short:
        first = next(line for line in record.lines if line.sku_code in short)
        refused = _refused(
            record, NOT_ENOUGH_STOCK, line=first.line_number, field_name="quantity", sku=", ".join(short)
        )
        return Planned(record.external_id, "refuse", [], refused, line=plan.line)
    for code, quantity in needed.items():
        free[skus[code].id] -= quantity
    return plan


# --- applying ----------------------------------------------------------------------------------


def apply_market_order(
    *,
    shop: Shop,
    record: MarketOrder,
    source: str,
    actor: User | None,
    at: datetime,
    import_id: int | None = None,
    sku_facts: Mapping[str, SkuFacts] | None = None,
    known_absent: bool = False,
) -> Applied:
    """Make our order say what `record` says, in one transaction.

    A record we have no order for creates one through place_order (source "marketplace",
    the marketplace's id as external id), paid through record_payment (reference
    "<platform>:<external id>") when the marketplace says it is paid; an unpaid one is
    created awaiting payment (stock reserved, pay deadline from the shop's payment
    window, remindable); cancelled and already shipped records create nothing
    ("skipped"). A record we have: the same again is "unchanged", an older one
    (modified_at) is "stale", both write nothing; otherwise our order moves forward
    through the orders' actions (paid, cancelled, held for a refund requested before
    shipping) and what cannot be done (a refund or a cancellation after shipping, a
    payment after our deadline closed the order) is written on the order's timeline and
    flagged for a person. A refusal (unknown SKU, not enough stock…) is returned, never
    raised, and writes nothing. `source` is a models.Source value (file, push, pull,
    entry).

    For a caller applying many records in one transaction (an import's batch):
    `sku_facts`, the facts of (at least) the record's SKU codes read in that transaction,
    spare reading them again; `known_absent` says that, read in that transaction, neither
    a marketplace record nor an order of the shop has this external id, so they are not
    looked for again (a concurrent writer that creates it meanwhile is met as a duplicate
    order and the record is applied again as an update, reading both)."""
    # Alone (a push, a pull), a deadlock with an import writing the same orders is tried
    # again here; inside a caller's transaction (an import's batch) the caller does it.
    own_transaction = not transaction.get_connection().in_atomic_block
    duplicates = deadlocks = 0
    while True:
        try:
            with transaction.atomic():
                return _apply(
                    shop=shop,
                    record=record,
                    source=source,
                    actor=actor,
                    at=at,
                    import_id=import_id,
                    sku_facts=sku_facts,
                    known_absent=known_absent and not duplicates,
                )
        except Conflict as conflict:
            # Another worker (a push, another import) created the same order first: it is
            # ours now, and this record is applied to it as an update.
            duplicates += 1
            if conflict.code != "duplicate_order" or duplicates > 1:
                raise
        except OperationalError:
            deadlocks += 1
            if not own_transaction or deadlocks >= DEADLOCK_ATTEMPTS:
                raise


def _apply(
    *,
    shop: Shop,
    record: MarketOrder,
    source: str,
    actor: User | None,
    at: datetime,
    import_id: int | None,
    sku_facts: Mapping[str, SkuFacts] | None = None,
    known_absent: bool = False,
) -> Applied:
    if known_absent:
        return _create(
            shop=shop, record=record, source=source, actor=actor, at=at, import_id=import_id, sku_facts=sku_facts
        )
    existing = (
        MarketplaceOrder.objects.select_for_update(of=("self",))
        .filter(shop=shop, external_id=record.external_id)
        .first()
    )
    order: Order | None
    if existing is not None:
        order = Order.objects.select_for_update(of=("self",)).select_related("shop").get(pk=existing.order_id)
    else:
        placed = (
            Order.objects.select_for_update(of=("self",))
            .select_related("shop")
            .filter(shop=shop, external_id=record.external_id)
        )
        if record.external_id:
            # As in known_orders: the partial unique index answers, not a scan of the shop.
            placed = placed.exclude(external_id="")
        order = placed.first()
    if order is None:
        return _create(
            shop=shop, record=record, source=source, actor=actor, at=at, import_id=import_id, sku_facts=sku_facts
        )
    known = Known(
        order.pk,
        order.status,
        order.payment_status,
        order.balance_due,
        existing.status if existing is not None else None,
        existing.refund if existing is not None else "",
        existing.fingerprint if existing is not None else "",
        existing.modified_at if existing is not None else None,
    )
    if existing is not None and existing.fingerprint == fingerprint(record):
        return Applied("unchanged", order)
    if _is_stale(record, known):
        return Applied("stale", order)
    changes = planned_changes(record, known)
    for change in changes:
        order = _do(change, order=order, record=record, actor=actor, at=at)
    _remember(shop=shop, order=order, record=record, existing=existing, source=source, at=at, import_id=import_id)
    return Applied("updated", order, None, changes)


def _create(
    *,
    shop: Shop,
    record: MarketOrder,
    source: str,
    actor: User | None,
    at: datetime,
    import_id: int | None,
    sku_facts: Mapping[str, SkuFacts] | None = None,
) -> Applied:
    reason = _skip_reason(record)
    if reason is not None:
        return Applied("skipped", None, None, [reason])
    skus = sku_facts if sku_facts is not None else sku_facts_by_code(sorted({line.sku_code for line in record.lines}))
    refused = _check_new(record, skus)
    if refused is not None:
        return Applied("refused", None, refused)
    lines, shipping = order_money(record)
    draft = order_actions.OrderDraft(
        buyer=order_actions.Buyer(name=record.receiver_name, phone=record.phone, nickname=record.buyer_nick),
        address=order_actions.Address(record.province, record.city, record.district, record.detail),
        lines=lines,
        shop=shop.code,
        external_id=record.external_id,
        source=OrderSource.MARKETPLACE,
        payment_method="online",
        buyer_message=record.buyer_message,
        shipping_fee=shipping,
        placed_at=record.created_at or at,
    )
    try:
        with transaction.atomic():
            order = order_actions.place_order(draft=draft, actor=actor)
            # The placed order's total is its stored one (to_money'd, nothing paid yet); it
            # is read back once, after the payment, rather than before and after it.
            if record.status in MARKET_PAID and order.balance_due > ZERO:
                _pay(order, shop=shop, record=record, actor=actor, at=at)
            order = Order.objects.select_related("shop").get(pk=order.pk)
            if record.seller_memo:
                order_events.write_event(
                    order,
                    OrderEventType.NOTE_ADDED,
                    actor=actor,
                    at=at,
                    code=EVENT_SELLER_MEMO,
                    text=record.seller_memo,
                )
            changes: list[dict[str, object]] = [messages.message(CHANGE_CREATED, status=record.status)]
            if record.refund and order.status in HOLDABLE:
                change = messages.message(CHANGE_HELD_REFUND, refund=record.refund)
                order = _do(change, order=order, record=record, actor=actor, at=at)
                changes.append(change)
            _remember(shop=shop, order=order, record=record, existing=None, source=source, at=at, import_id=import_id)
    except InsufficientStock as error:
        short = [line.sku for line in error.lines]
        first = next((line for line in record.lines if line.sku_code in short), None)
        return Applied(
            "refused",
            None,
            _refused(
                record,
                NOT_ENOUGH_STOCK,
                line=first.line_number if first else 0,
                field_name="quantity",
                sku=", ".join(short),
            ),
        )
    except ValidationFailed as error:
        detail = "; ".join(f"{name}: {why}" for name, why in error.fields.items())
        return Applied("refused", None, _refused(record, ORDER_INVALID, detail=detail))
    except Conflict:
        raise  # a duplicate: the caller applies the record again, as an update
    except DomainError as error:
        return Applied("refused", None, _refused(record, ORDER_REFUSED, detail=error.message))
    return Applied("created", order, None, changes)


def payment_reference(shop: Shop, external_id: str) -> str:
    """The reference a marketplace order's payment is recorded under: one per order, so
    that it is never recorded twice (payments' unique reference per method)."""
    return f"{shop.platform}:{external_id}"


def _pay(order: Order, *, shop: Shop, record: MarketOrder, actor: User | None, at: datetime) -> None:
    """Record what the order still owes as paid on the marketplace, under the one
    reference of its marketplace order (payments refuses it a second time)."""
    payment_actions.record_payment(
        order=order,
        amount=order.balance_due,
        method="online",
        reference=payment_reference(shop, record.external_id),
        gateway=shop.platform,
        actor=actor,
        at=record.paid_at or at,
    )


def _do(change: Mapping[str, Any], *, order: Order, record: MarketOrder, actor: User | None, at: datetime) -> Order:
    """Carry out one planned change through the owning app's action."""
    code = change["code"]
    if code == CHANGE_PAID:
        _pay(order, shop=order.shop, record=record, actor=actor, at=at)
        return Order.objects.select_related("shop").get(pk=order.pk)
    if code == CHANGE_CANCELLED:
        # Money the buyer paid was refunded by the marketplace: the refund payments
        # records on cancelling (payments.subscribers) is that refund, booked, with no
        # gateway asked for anything.
        reason = messages.message(CLOSED_ON_MARKETPLACE, platform=order.shop.platform)
        was_held = order.status == OrderStatus.ON_HOLD
        order = order_actions.cancel_order(order=order, actor=actor, reason=reason, at=at)
        if was_held:
            # As cancelling from the exception queue does: its holds are answered.
            holds.resolve_open_holds(order, actor=actor, at=at, resolution=reason)
        return order
    if code == CHANGE_HELD_REFUND:
        locked = Order.objects.select_for_update(of=("self",)).select_related("shop").get(pk=order.pk)
        locked.reviewed_at = locked.reviewed_at or at
        finding = Finding.coded(HOLD_REASON, HOLD_REFUND_TEXT, None, refund=record.refund)
        hold_with_findings(locked, [finding], actor=actor, at=at, automatic=True)
        return locked
    if code == CHANGE_ATTENTION:
        order_events.write_event(
            order, OrderEventType.NOTE_ADDED, actor=actor, at=at, code=EVENT_SAID, said=change.get("said", "")
        )
        if not order.flag_color:
            # set_flag keeps a typed sentence, not a code: rendered in the site's language
            # (not the language of whoever's request applied the record), so it is the
            # same whoever imported the file.
            with translation.override(settings.LANGUAGE_CODE):
                flag_reason = str(messages.render(messages.message(EVENT_SAID, said=change.get("said", ""))))
            order_actions.set_flag(order=order, actor=actor, color="red", reason=flag_reason, at=at)
            order.refresh_from_db()
        return order
    return order


def _remember(
    *,
    shop: Shop,
    order: Order,
    record: MarketOrder,
    existing: MarketplaceOrder | None,
    source: str,
    at: datetime,
    import_id: int | None,
) -> None:
    """What the marketplace said now, for the next record of this order to compare with."""
    values = {
        "status": record.status,
        "refund": record.refund or MarketRefund.NONE,
        "fingerprint": fingerprint(record),
        "modified_at": max(
            filter(None, [record.modified_at, existing.modified_at if existing else None]), default=None
        ),
        "source": source if source in Source.values else Source.FILE,
        "last_import_id": import_id if import_id is not None else (existing.last_import_id if existing else None),
        "updated_at": at or timezone.now(),
    }
    if existing is None:
        MarketplaceOrder.objects.create(order=order, shop=shop, external_id=record.external_id, **values)
        return
    for name, value in values.items():
        setattr(existing, name, value)
    existing.save(update_fields=[*values])


__all__ = [
    "Applied",
    "Known",
    "Planned",
    "apply_market_order",
    "fingerprint",
    "known_orders",
    "order_money",
    "payment_reference",
    "plan_orders",
]
