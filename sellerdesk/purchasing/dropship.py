"""Dropship (分销/代销): a supplier ships the buyer's goods from its own stock.

The flow (seed 000, 分销订单处理流程):

1. The buyer's order is paid (`on_order_paid`, called by `orders.actions.mark_paid`):
   its dropship lines go to their suppliers as purchase orders, one per supplier, at the
   supplier's cost (the preferred dropship supplier of each SKU first), status `sent`,
   `for_order` set. A mixed order (own stock + dropship, or several suppliers) is split
   first with `orders.merging.split_order`, one part per fulfiller, so that every part
   ships and completes on its own: the own-stock part through the warehouse, each
   dropship part by its supplier. A dropship SKU no supplier ships puts the order on
   hold (reason `dropship_supplier`) and nothing else is written.
2. The seller pays the supplier (`pay_dropship_purchase`, `paid_at`).
3. The supplier ships a paid purchase order with a carrier and a tracking number
   (`ship_dropship_purchase`): the purchase order is `shipped` and the buyer's order is
   shipped through `orders.actions.ship_order` by the system (actor None), the supplier's
   user named on the `dropship_shipped` event of the order. The buyer's order must be
   approved (or later in the warehouse flow) by then: a supplier cannot ship past review.
4. When the buyer's order completes (confirmed by the buyer or automatically,
   `on_order_completed`), its shipped dropship purchases are `settled`: the money the
   seller paid is the supplier's for good (the seed's "确认付款").

A COD order is paid after delivery: its purchase is created by hand instead
(`create_dropship_purchase`, which accepts a paid or COD order not yet shipped).

Every step writes an event on the buyer's order, which is the dropship audit trail.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from django.db import IntegrityError, transaction
from django.db.models import BooleanField, Count, DecimalField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from sellerdesk.core import messages
from sellerdesk.core.errors import (
    Conflict,
    DomainError,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from sellerdesk.core.models import User
from sellerdesk.core.money import ZERO
from sellerdesk.core.numbers import dated_number
from sellerdesk.core.permissions import Role, require
from sellerdesk.orders import events
from sellerdesk.orders import states as order_states
from sellerdesk.orders.actions import ship_order
from sellerdesk.orders.holds import resolve_holds
from sellerdesk.orders.merging import PartLine, split_order
from sellerdesk.orders.models import Order, OrderEventType, OrderHold, OrderLine
from sellerdesk.orders.review.actions import hold_with_findings
from sellerdesk.orders.review.rules import Finding
from sellerdesk.orders.states import OrderAction, OrderStatus, PaymentStatus
from sellerdesk.purchasing.models import (
    PurchaseKind,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseStatus,
    Supplier,
    SupplierMember,
    SupplierSku,
)
from sellerdesk.purchasing.states import DROPSHIP, PurchaseAction
from sellerdesk.purchasing.texts import HOLD_DROPSHIP_CREATED, HOLD_NO_SUPPLIER

# The exception-queue reason of an order with a dropship SKU that no supplier ships.
HOLD_REASON = "dropship_supplier"

# Order event types of the dropship flow.
EVENT_ORDERED = OrderEventType.DROPSHIP_ORDERED
EVENT_PAID = OrderEventType.DROPSHIP_PAID
EVENT_SHIPPED = OrderEventType.DROPSHIP_SHIPPED
EVENT_SETTLED = OrderEventType.DROPSHIP_SETTLED
EVENT_CANCELLED = OrderEventType.DROPSHIP_CANCELLED

# Orders a dropship purchase may be created for by hand: paid (or COD), under review or
# approved, and not yet handed to the warehouse or shipped (read from the order's table).
ORDERABLE_STATUSES = order_states.statuses_allowing(OrderAction.APPROVE) | {order_states.target_of(OrderAction.APPROVE)}
ORDERABLE_PAYMENT = frozenset({PaymentStatus.PAID, PaymentStatus.COD})

MAX_CARRIER = 50
MIN_TRACKING, MAX_TRACKING = 6, 40


def _write_event(order: Order, code: OrderEventType, *, actor: User | None, at: datetime, **data: Any) -> None:
    events.write_event(order, code, actor=actor, at=at, **data)


# --- planning --------------------------------------------------------------------------


@dataclass
class Plan:
    """Who fulfils each line: `supplier_skus[line.pk]` for dropship lines; `missing`
    names the dropship SKUs no active supplier ships."""

    supplier_skus: dict[int, SupplierSku] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)


def _dropship_lines(order: Order) -> list[OrderLine]:
    # One query on the (order, position) index joined to the SKU: the cost of the hook
    # for an order without dropship lines.
    return list(OrderLine.objects.filter(order_id=order.pk, sku__is_dropship=True).order_by("position"))


def _plan(lines: Sequence[OrderLine]) -> Plan:
    plan = Plan()
    sku_ids = sorted({line.sku_id for line in lines})
    offers = (
        SupplierSku.objects.select_related("supplier")
        .filter(sku_id__in=sku_ids, is_dropship=True, supplier__is_active=True)
        .order_by("-is_preferred", "cost", "pk")
    )
    best: dict[int, SupplierSku] = {}
    for offer in offers:
        best.setdefault(offer.sku_id, offer)
    for line in lines:
        if line.sku_id in best:
            plan.supplier_skus[line.pk] = best[line.sku_id]
        elif line.sku_code not in plan.missing:
            plan.missing.append(line.sku_code)
    return plan


def _new_number(at: datetime) -> str:
    return dated_number("DS", at)


def _create_purchase(
    *,
    supplier: Supplier,
    order: Order,
    lines: Sequence[tuple[OrderLine, SupplierSku]],
    actor: User | None,
    at: datetime,
) -> PurchaseOrder:
    for attempt in range(3):
        try:
            with transaction.atomic():
                purchase = PurchaseOrder.objects.create(
                    number=_new_number(at),
                    supplier=supplier,
                    kind=PurchaseKind.DROPSHIP,
                    status=PurchaseStatus.SENT,
                    created_at=at,
                    created_by=actor,
                    sent_at=at,
                    for_order=order,
                )
                break
        except IntegrityError:
            if attempt == 2:
                raise
    PurchaseOrderLine.objects.bulk_create(
        [
            PurchaseOrderLine(purchase_order=purchase, sku_id=line.sku_id, quantity=line.quantity, unit_cost=offer.cost)
            for line, offer in lines
        ]
    )
    _write_event(
        order,
        EVENT_ORDERED,
        actor=actor,
        at=at,
        purchase=purchase.number,
        supplier=supplier.code,
        lines=[
            {"sku": line.sku_code, "quantity": line.quantity, "unit_cost": str(offer.cost)} for line, offer in lines
        ],
        total_cost=str(sum((offer.cost * line.quantity for line, offer in lines), ZERO)),
    )
    return purchase


def _purchase_for(
    order: Order, plan: Plan, dropship: Sequence[OrderLine], *, actor: User | None, at: datetime
) -> list[PurchaseOrder]:
    """Split the order by fulfiller when it has more than one, then one purchase per supplier."""
    dropship_pks = {line.pk for line in dropship}
    all_lines = list(order.lines.order_by("position"))
    groups: dict[int | None, list[OrderLine]] = {}
    own = [line for line in all_lines if line.pk not in dropship_pks]
    if own:
        groups[None] = own
    for line in dropship:
        groups.setdefault(plan.supplier_skus[line.pk].supplier_id, []).append(line)
    targets: dict[int | None, Order] = {}
    if len(groups) == 1:
        targets = {key: order for key in groups}
    else:
        # The system splits (actor None): it is the rule of the flow, not an agent's choice.
        parts = split_order(
            order=order,
            actor=None,
            parts=[[PartLine(line.position, line.quantity) for line in lines] for lines in groups.values()],
            at=at,
        )
        targets = dict(zip(groups, parts, strict=True))
    purchases = []
    for supplier_id, lines in groups.items():
        if supplier_id is None:
            continue
        target = targets[supplier_id]
        offers = [(line, plan.supplier_skus[line.pk]) for line in lines]
        purchases.append(
            _create_purchase(supplier=offers[0][1].supplier, order=target, lines=offers, actor=actor, at=at)
        )
    return purchases


def _hold(order: Order, finding: Finding, *, actor: User | None, at: datetime) -> None:
    """Put the order in the exception queue with the dropship reason (review's own writer)."""

    locked = Order.objects.select_for_update(of=("self",)).select_related("shop").get(pk=order.pk)
    locked.reviewed_at = locked.reviewed_at or at
    hold_with_findings(locked, [finding], actor=actor, at=at, automatic=True)
    # The caller's instance must not write the old status back.
    order.status, order.reviewed_at = locked.status, locked.reviewed_at


def _has_open_purchase(order: Order) -> bool:
    return PurchaseOrder.objects.filter(for_order_id=order.pk).exclude(status=PurchaseStatus.CANCELLED).exists()


# --- hooks of the order flow -------------------------------------------------------------


def on_order_paid(*, order: Order, actor: User | None, at: datetime) -> list[PurchaseOrder]:
    """Called by `orders.actions.mark_paid` inside its transaction, the order locked.

    Without dropship lines: one query, nothing written. Otherwise the purchases are
    created (the order maybe split first), or the order is held when a dropship SKU has
    no supplier. Never raises for a domain reason: a refusal becomes a hold.
    """
    if order.status != OrderStatus.PENDING_REVIEW or order.payment_status != PaymentStatus.PAID:
        return []  # COD money recorded after delivery: too late for a purchase
    dropship = _dropship_lines(order)
    if not dropship or _has_open_purchase(order):
        return []
    plan = _plan(dropship)
    if plan.missing:
        finding = Finding.coded(HOLD_REASON, HOLD_NO_SUPPLIER, {"skus": plan.missing}, skus=plan.missing)
        _hold(order, finding, actor=actor, at=at)
        return []
    try:
        with transaction.atomic():
            purchases = _purchase_for(order, plan, dropship, actor=actor, at=at)
    except DomainError as error:
        _hold(order, Finding(HOLD_REASON, error.message), actor=actor, at=at)
        return []
    order.status = Order.objects.filter(pk=order.pk).values_list("status", flat=True).get()
    return purchases


def _move_purchases(
    order: Order,
    *,
    action: PurchaseAction,
    stamp: str,
    event: OrderEventType,
    actor: User | None,
    at: datetime,
    facts: Callable[[PurchaseOrder], dict[str, Any]],
) -> list[PurchaseOrder]:
    """The order's dropship purchases that the table lets `action` move, moved, `stamp` set
    to `at`, each with an event on the buyer's order. One indexed query when there are none."""
    purchases = list(
        PurchaseOrder.objects.select_for_update()
        .filter(for_order_id=order.pk, kind=PurchaseKind.DROPSHIP, status__in=DROPSHIP.statuses_allowing(action))
        .order_by("pk")
    )
    for purchase in purchases:
        purchase.status = DROPSHIP.next_status(purchase.status, action)
        setattr(purchase, stamp, at)
        purchase.save(update_fields=["status", stamp])
        _write_event(
            order,
            event,
            actor=actor,
            at=at,
            purchase=purchase.number,
            supplier_id=purchase.supplier_id,
            **facts(purchase),
        )
    return purchases


def on_order_completed(*, order: Order, actor: User | None, at: datetime) -> list[PurchaseOrder]:
    """Called when the buyer's order completes (receipt confirmed, by hand or automatically):
    its shipped dropship purchases are settled."""
    return _move_purchases(
        order,
        action=PurchaseAction.SETTLE,
        stamp="settled_at",
        event=EVENT_SETTLED,
        actor=actor,
        at=at,
        facts=lambda purchase: {"amount": str(purchase.total)},
    )


def on_order_closed(*, order: Order, actor: User | None, at: datetime) -> list[PurchaseOrder]:
    """Called when the buyer's order is cancelled or closed before it shipped: its dropship
    purchases not yet shipped by the supplier are cancelled (the supplier's portal shows
    it); one already paid keeps `paid_at`, the money to get back from the supplier."""
    return _move_purchases(
        order,
        action=PurchaseAction.CANCEL,
        stamp="closed_at",
        event=EVENT_CANCELLED,
        actor=actor,
        at=at,
        facts=lambda purchase: {"paid": purchase.paid_at is not None},
    )


# --- staff actions -----------------------------------------------------------------------


@transaction.atomic
def create_dropship_purchase(*, order: Order, actor: User | None, at: datetime | None = None) -> list[PurchaseOrder]:
    """Create the dropship purchases of a paid (or COD) order not yet shipped, by hand:
    after a supplier was added for a held order, or for a COD order.

    Refuses (nothing written) an order in another state, without dropship lines, with
    a dropship SKU no supplier ships, or with purchases already.
    """
    require(actor, "purchasing.edit")
    at = at or timezone.now()
    order = Order.objects.select_for_update(of=("self",)).select_related("shop").get(pk=order.pk)
    if order.payment_status not in ORDERABLE_PAYMENT:
        raise Conflict(
            "order_not_paid",
            _("Order %(number)s is not paid; a dropship purchase is made for paid orders only.")
            % {"number": order.number},
            details={"number": order.number, "payment_status": order.payment_status},
        )
    if order.status not in ORDERABLE_STATUSES:
        raise InvalidTransition(current=order.status, action="dropship")
    dropship = _dropship_lines(order)
    if not dropship:
        raise Conflict(
            "no_dropship_lines",
            _("Order %(number)s has no dropship SKU.") % {"number": order.number},
            details={"number": order.number},
        )
    if _has_open_purchase(order):
        raise Conflict(
            "dropship_purchase_exists",
            _("Order %(number)s has its dropship purchase already.") % {"number": order.number},
            details={"number": order.number},
        )
    plan = _plan(dropship)
    if plan.missing:
        raise Conflict(
            "no_dropship_supplier",
            _("No supplier ships the dropship SKU(s) %(skus)s.") % {"skus": ", ".join(plan.missing)},
            details={"skus": plan.missing},
        )
    # The hold "no supplier" is answered now; the agent still releases the order.
    resolve_holds(
        OrderHold.objects.filter(order_id=order.pk, reason=HOLD_REASON),
        actor=actor,
        at=at,
        resolution=messages.message(HOLD_DROPSHIP_CREATED),
    )
    return _purchase_for(order, plan, dropship, actor=actor, at=at)


def _locked_purchase(purchase: PurchaseOrder) -> PurchaseOrder:
    return PurchaseOrder.objects.select_for_update().select_related("supplier").get(pk=purchase.pk)


def _not_dropship(purchase: PurchaseOrder) -> Conflict:
    return Conflict(
        "not_dropship",
        _("Purchase order %(number)s is not a dropship purchase.") % {"number": purchase.number},
        details={"number": purchase.number},
    )


@transaction.atomic
def pay_dropship_purchase(*, purchase: PurchaseOrder, actor: User | None, at: datetime | None = None) -> PurchaseOrder:
    """The seller pays the supplier for a dropship purchase (付款给供应商)."""
    require(actor, "purchasing.edit")
    at = at or timezone.now()
    purchase = _locked_purchase(purchase)
    if purchase.kind != PurchaseKind.DROPSHIP:
        raise _not_dropship(purchase)
    if purchase.paid_at is not None:
        raise Conflict(
            "purchase_already_paid",
            _("Purchase order %(number)s is paid already.") % {"number": purchase.number},
            details={"number": purchase.number, "paid_at": purchase.paid_at.isoformat()},
        )
    DROPSHIP.next_status(purchase.status, PurchaseAction.PAY)  # paying moves no status; the table says when
    purchase.paid_at = at
    purchase.save(update_fields=["paid_at"])
    if purchase.for_order_id is not None:
        _write_event(
            cast(Order, purchase.for_order),
            EVENT_PAID,
            actor=actor,
            at=at,
            purchase=purchase.number,
            supplier=purchase.supplier.code,
            amount=str(purchase.total),
        )
    return purchase


# --- the supplier ------------------------------------------------------------------------


def is_supplier_user(actor: User | None) -> bool:
    return actor is not None and not actor.is_superuser and actor.role == Role.SUPPLIER


def supplier_of(actor: User | None) -> Supplier | None:
    """The supplier a supplier login belongs to, or None."""
    if actor is None or not actor.is_authenticated:
        return None
    member = SupplierMember.objects.select_related("supplier").filter(user_id=actor.pk).first()
    return member.supplier if member else None


def _portal_supplier(actor: User | None) -> Supplier:
    require(actor, "supplier.portal")
    supplier = supplier_of(actor)
    if supplier is None:
        raise PermissionDenied(_("This login belongs to no supplier."), details={"permission": "supplier.portal"})
    return supplier


def validate_shipment(carrier: str, tracking_number: str) -> tuple[str, str]:
    """The carrier and tracking number as stored, or ValidationFailed naming each bad field."""
    carrier, tracking_number = carrier.strip(), tracking_number.strip().upper()
    bad: dict[str, str] = {}
    if not carrier:
        bad["carrier"] = _("name the carrier")
    elif len(carrier) > MAX_CARRIER:
        bad["carrier"] = _("at most %(n)s characters") % {"n": MAX_CARRIER}
    if not tracking_number:
        bad["tracking_number"] = _("enter the tracking number")
    elif not MIN_TRACKING <= len(tracking_number) <= MAX_TRACKING:
        bad["tracking_number"] = _("a tracking number has %(min)s to %(max)s characters") % {
            "min": MIN_TRACKING,
            "max": MAX_TRACKING,
        }
    elif not all(ch.isascii() and (ch.isalnum() or ch == "-") for ch in tracking_number):
        bad["tracking_number"] = _("only letters, digits and hyphens")
    if bad:
        raise ValidationFailed(bad)
    return carrier, tracking_number


@transaction.atomic
def ship_dropship_purchase(
    *, purchase: PurchaseOrder, actor: User | None, carrier: str, tracking_number: str, at: datetime | None = None
) -> PurchaseOrder:
    """The supplier shipped a dropship purchase to the buyer: the purchase is `shipped` and
    the buyer's order is shipped with the same parcel.

    A supplier login may ship only its own supplier's purchases (another's is NotFound);
    staff with purchasing.edit may record it on the supplier's behalf (辅助发货).
    The order is shipped by the system (actor None): suppliers may not ship orders in
    general; the supplier's user is the actor of the `dropship_shipped` event.
    """
    _require_may_ship(purchase, actor)
    carrier, tracking_number = validate_shipment(carrier, tracking_number)
    at = at or timezone.now()
    purchase = _locked_purchase(purchase)
    _check_shippable(purchase)

    order = cast(Order, purchase.for_order)
    try:
        ship_order(order=order, actor=None, carrier=carrier, tracking_number=tracking_number, at=at)
    except InvalidTransition:
        raise Conflict(
            "order_not_ready_to_ship",
            _("The buyer's order is not ready to ship yet (%(status)s); wait until the seller approves it.")
            % {"status": order.get_status_display()},
            details={"number": purchase.number, "order_status": order.status},
        ) from None
    purchase.status = DROPSHIP.next_status(purchase.status, PurchaseAction.SHIP)
    purchase.carrier, purchase.tracking_number, purchase.shipped_at = carrier, tracking_number, at
    purchase.save(update_fields=["status", "carrier", "tracking_number", "shipped_at"])
    _write_event(
        order,
        EVENT_SHIPPED,
        actor=actor,
        at=at,
        purchase=purchase.number,
        supplier=purchase.supplier.code,
        carrier=carrier,
        tracking_number=tracking_number,
    )
    return purchase


def _require_may_ship(purchase: PurchaseOrder, actor: User | None) -> None:
    """A supplier login ships only its own supplier's purchases (another's is NotFound);
    staff need purchasing.edit."""
    if is_supplier_user(actor):
        supplier = _portal_supplier(actor)
        if purchase.supplier_id != supplier.pk:
            raise _purchase_not_found(purchase.number)
    else:
        require(actor, "purchasing.edit")


def _check_shippable(purchase: PurchaseOrder) -> None:
    """A dropship purchase for an order, sent and not shipped yet (by the table), and paid."""
    if purchase.kind != PurchaseKind.DROPSHIP or purchase.for_order_id is None:
        raise _not_dropship(purchase)
    if not DROPSHIP.allows(purchase.status, PurchaseAction.SHIP):
        raise Conflict(
            "purchase_not_shippable",
            _("Purchase order %(number)s is %(status)s; only a purchase sent and not yet shipped can ship.")
            % {"number": purchase.number, "status": purchase.get_status_display()},
            details={"number": purchase.number, "current_status": purchase.status},
        )
    if purchase.paid_at is None:
        raise Conflict(
            "purchase_not_paid",
            _("Purchase order %(number)s is not paid yet; ship it once the seller has paid.")
            % {"number": purchase.number},
            details={"number": purchase.number},
        )


def _purchase_not_found(number: str) -> NotFound:
    return NotFound(_("No purchase order %(number)s.") % {"number": number}, details={"number": number})


# --- queries -----------------------------------------------------------------------------


def supplier_purchases(*, actor: User | None, status: str | None = None) -> QuerySet[PurchaseOrder]:
    """The purchase orders (stock and dropship) of the actor's own supplier, newest first."""
    supplier = _portal_supplier(actor)
    purchases = (
        PurchaseOrder.objects.filter(supplier=supplier)
        .exclude(status=PurchaseStatus.DRAFT)  # a draft is the seller's, not yet sent
        .select_related("for_order", "supplier")
        .prefetch_related("lines__sku")
    )
    if status:
        purchases = purchases.filter(status=status)
    return purchases


def get_supplier_purchase(*, actor: User | None, number: str) -> PurchaseOrder:
    """One purchase order of the actor's own supplier; any other is NotFound, never 403."""
    purchase = supplier_purchases(actor=actor).filter(number=number).first() if "\x00" not in number else None
    if purchase is None:
        raise _purchase_not_found(number)
    return purchase


def dropship_purchases(
    *, actor: User | None, supplier: str | None = None, status: str | None = None
) -> QuerySet[PurchaseOrder]:
    require(actor, "purchasing.view")
    purchases = (
        PurchaseOrder.objects.filter(kind=PurchaseKind.DROPSHIP)
        .select_related("for_order", "supplier")
        .prefetch_related("lines__sku")
    )
    if supplier:
        purchases = purchases.filter(supplier__code=supplier)
    if status:
        purchases = purchases.filter(status=status)
    return purchases


def get_dropship_purchase(*, actor: User | None, number: str) -> PurchaseOrder:
    purchase = dropship_purchases(actor=actor).filter(number=number).first() if "\x00" not in number else None
    if purchase is None:
        raise _purchase_not_found(number)
    return purchase


@dataclass(frozen=True)
class SupplierSettlement:
    """Money per supplier: `unpaid` sent but not paid yet, `paid` paid but not settled
    (the buyer has not confirmed receipt), `settled` the supplier's for good."""

    supplier: Supplier
    unpaid: Decimal
    paid: Decimal
    settled: Decimal
    purchases: int


def settlement_by_supplier(*, actor: User | None) -> list[SupplierSettlement]:
    require(actor, "purchasing.view")
    amount = ExpressionWrapper(
        F("quantity") * F("unit_cost"), output_field=DecimalField(max_digits=14, decimal_places=2)
    )
    rows = (
        PurchaseOrderLine.objects.filter(purchase_order__kind=PurchaseKind.DROPSHIP)
        .exclude(purchase_order__status=PurchaseStatus.CANCELLED)
        .annotate(is_unpaid=ExpressionWrapper(Q(purchase_order__paid_at__isnull=True), output_field=BooleanField()))
        .values("purchase_order__supplier_id", "purchase_order__status", "is_unpaid")
        .annotate(amount=Sum(amount))
    )
    totals: dict[int, dict[str, Decimal]] = {}
    for row in rows:
        bucket = (
            "settled"
            if row["purchase_order__status"] == PurchaseStatus.SETTLED
            else "unpaid"
            if row["is_unpaid"]
            else "paid"
        )
        sums = totals.setdefault(row["purchase_order__supplier_id"], {"unpaid": ZERO, "paid": ZERO, "settled": ZERO})
        sums[bucket] += row["amount"] or ZERO
    counts = dict(
        PurchaseOrder.objects.filter(kind=PurchaseKind.DROPSHIP, supplier_id__in=totals)
        .exclude(status=PurchaseStatus.CANCELLED)
        .values("supplier_id")
        .annotate(n=Count("pk"))
        .values_list("supplier_id", "n")
    )
    suppliers = Supplier.objects.in_bulk(list(totals))
    return [
        SupplierSettlement(
            supplier=suppliers[pk],
            unpaid=sums["unpaid"].quantize(Decimal("0.01")),
            paid=sums["paid"].quantize(Decimal("0.01")),
            settled=sums["settled"].quantize(Decimal("0.01")),
            purchases=counts.get(pk, 0),
        )
        for pk, sums in sorted(totals.items(), key=lambda item: suppliers[item[0]].name)
    ]


__all__ = [
    "HOLD_REASON",
    "SupplierSettlement",
    "create_dropship_purchase",
    "dropship_purchases",
    "get_dropship_purchase",
    "get_supplier_purchase",
    "is_supplier_user",
    "on_order_completed",
    "on_order_paid",
    "pay_dropship_purchase",
    "settlement_by_supplier",
    "ship_dropship_purchase",
    "supplier_of",
    "supplier_purchases",
    "validate_shipment",
]
