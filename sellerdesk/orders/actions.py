"""Every state change of an order. Each action: one transaction, lock the order, check
the transition, save, write the audit event; side effects go to on_commit."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sellerdesk.catalog.queries import SkuFacts, sku_facts_by_code
from sellerdesk.core import fastinsert, hooks, messages
from sellerdesk.core.errors import Conflict, DomainError, InsufficientStock, InvalidTransition, ValidationFailed
from sellerdesk.core.hooks import PortNotProvided
from sellerdesk.core.models import User
from sellerdesk.core.money import ZERO, to_money
from sellerdesk.core.numbers import dated_number
from sellerdesk.core.permissions import require
from sellerdesk.core.refcache import remembered
from sellerdesk.customers import actions as customer_actions
from sellerdesk.inventory import actions as stock
from sellerdesk.inventory import presale
from sellerdesk.inventory.models import Warehouse
from sellerdesk.inventory.queries import active_warehouses, free_stock
from sellerdesk.orders import events, holds, texts
from sellerdesk.orders.hooks import (
    CARRIER_NAME,
    OrderCancelled,
    OrderClosed,
    OrderCompleted,
    OrderPaid,
    OrdersApproved,
    OrderShipped,
)
from sellerdesk.orders.instructions import read_instructions
from sellerdesk.orders.models import FlagColor, Order, OrderEventType, OrderLine, OrderNote
from sellerdesk.orders.states import (
    AWAITING_RECEIPT,
    OrderAction,
    OrderStatus,
    PaymentStatus,
    initial_status,
    next_status,
)
from sellerdesk.shops.models import Shop, default_shop


@dataclass(frozen=True)
class Buyer:
    name: str
    phone: str
    nickname: str = ""


@dataclass(frozen=True)
class Address:
    province: str
    city: str
    district: str
    detail: str


@dataclass(frozen=True)
class LineDraft:
    sku: str
    quantity: int
    unit_price: Decimal | None = None


@dataclass(frozen=True)
class OrderDraft:
    buyer: Buyer
    address: Address
    lines: Sequence[LineDraft]
    shop: str | None = None
    external_id: str = ""
    source: str = "api"
    payment_method: str = "online"
    shipping_method: str = "express"
    buyer_message: str = ""
    shipping_fee: Decimal = ZERO
    placed_at: datetime | None = field(default=None)


logger = logging.getLogger(__name__)


def get_shop(code: str | None) -> Shop:
    if code is None:
        return remembered(("shop", None), default_shop)
    shop = remembered(("shop", code), lambda: Shop.objects.filter(code=code).first())
    if shop is None:
        raise ValidationFailed({"shop": _("unknown shop %(code)s") % {"code": code}})
    return shop


def new_order_number(at: datetime) -> str:
    """A new order number: date prefix for people, random digits against collisions."""
    # Date prefix for people, 10 random digits against collisions across processes.
    return dated_number("", at, digits=10)


def place_order(*, draft: OrderDraft, actor: User | None) -> Order:
    """Take in an order: validate it, reserve its stock, record the customer.

    Raises ValidationFailed (a field path per bad field), InsufficientStock naming every
    short SKU, or Conflict("duplicate_order"); on any of them nothing is written.
    """
    require(actor, "orders.create")
    shop = get_shop(draft.shop)
    skus = _skus_on_sale(draft)
    warehouse = stock.default_warehouse()
    at = draft.placed_at or timezone.now()
    lines = _draft_lines(draft, skus, warehouse)
    is_plain = all(skus[line.sku].reserves_stock for line in draft.lines)
    if not is_plain:
        _mark_special_lines(lines, skus)
    promised = None if is_plain else _promised_ship_date(lines, skus)
    order = _new_order(draft, shop, lines, promised_ship_date=promised, actor=actor, at=at)
    tried_other_warehouses = False
    attempt = 0
    while True:
        try:
            with transaction.atomic():
                _write_placed(order, lines, draft, shop, is_plain=is_plain, default_id=warehouse.pk, actor=actor, at=at)
            order.placed_lines = lines  # type: ignore[attr-defined]  # lets the caller answer without reading them back
            return order
        except IntegrityError as error:
            _forget_ids(order, lines)
            if "external_id" in str(error):
                raise _duplicate(shop, draft.external_id) from None
            if "number" not in str(error) or attempt == 2:
                raise
            attempt += 1
            order.number = new_order_number(at)
        except InsufficientStock as error:
            # The slow path: the default warehouse is short; another may have the goods.
            _forget_ids(order, lines)
            is_presale_short = any(skus[short.sku].is_presale for short in error.lines if short.sku in skus)
            if (
                tried_other_warehouses
                or is_presale_short
                or not _place_in_other_warehouses(lines, skus, default_id=warehouse.pk)
            ):
                raise
            tried_other_warehouses = True


def _skus_on_sale(draft: OrderDraft) -> dict[str, SkuFacts]:
    """The facts of the draft's SKUs, by code; ValidationFailed naming each line whose
    SKU is unknown or not on sale."""
    skus = sku_facts_by_code([line.sku for line in draft.lines])
    bad = {
        f"lines[{index}].sku": _("unknown SKU %(code)s") % {"code": line.sku}
        for index, line in enumerate(draft.lines)
        if line.sku not in skus
    }
    bad.update(
        {
            f"lines[{index}].sku": _("SKU %(code)s is not on sale") % {"code": line.sku}
            for index, line in enumerate(draft.lines)
            if line.sku in skus and not skus[line.sku].is_active
        }
    )
    if bad:
        raise ValidationFailed(bad)
    return skus


def _draft_lines(draft: OrderDraft, skus: Mapping[str, SkuFacts], warehouse: Warehouse) -> list[OrderLine]:
    """The order's lines (unsaved), at the list price unless the draft names one, each
    to be reserved whole at `warehouse`."""
    return [
        OrderLine(
            position=index + 1,
            sku_id=skus[line.sku].id,
            sku_code=line.sku,
            name=skus[line.sku].name,
            attributes=skus[line.sku].attributes,
            quantity=line.quantity,
            unit_price=to_money(line.unit_price if line.unit_price is not None else skus[line.sku].price),
            list_price=skus[line.sku].price,
            warehouse=warehouse,
            reserved_quantity=line.quantity,
        )
        for index, line in enumerate(draft.lines)
    ]


def _new_order(
    draft: OrderDraft,
    shop: Shop,
    lines: list[OrderLine],
    *,
    promised_ship_date: date | None,
    actor: User | None,
    at: datetime,
) -> Order:
    """The order (unsaved) with its money and first status; an order with nothing to pay
    (a gift, a replacement) is paid from the start."""
    status = initial_status(draft.payment_method)
    subtotal = to_money(sum((line.unit_price * line.quantity for line in lines), ZERO))
    shipping_fee = to_money(draft.shipping_fee)
    _check_total(subtotal + shipping_fee)
    is_free = subtotal + shipping_fee == ZERO
    if is_free and status == OrderStatus.UNPAID:
        status = next_status(status, OrderAction.PAY)  # nothing to pay: a gift, a replacement
    return Order(
        number=new_order_number(at),
        shop=shop,
        external_id=draft.external_id,
        source=draft.source,
        status=status,
        payment_status=(
            PaymentStatus.COD
            if draft.payment_method == "cod"
            else PaymentStatus.PAID
            if is_free
            else PaymentStatus.UNPAID
        ),
        payment_method=draft.payment_method,
        shipping_method=draft.shipping_method,
        buyer_name=draft.buyer.name,
        buyer_phone=draft.buyer.phone,
        buyer_nickname=draft.buyer.nickname,
        province=draft.address.province,
        city=draft.address.city,
        district=draft.address.district,
        address_detail=draft.address.detail,
        buyer_message=draft.buyer_message,
        instructions=read_instructions(draft.buyer_message).as_dict() if draft.buyer_message else {},
        subtotal=subtotal,
        shipping_fee=shipping_fee,
        total=subtotal + shipping_fee,
        pay_deadline=at + shop.payment_window if status == OrderStatus.UNPAID else None,
        created_at=at,
        created_by=actor,
        paid_at=at if is_free else None,
        promised_ship_date=promised_ship_date,
    )


def _write_placed(
    order: Order,
    lines: list[OrderLine],
    draft: OrderDraft,
    shop: Shop,
    *,
    is_plain: bool,
    default_id: int,
    actor: User | None,
    at: datetime,
) -> None:
    """Inside the caller's transaction: count the order to its customer, insert it, its
    presale reservations, its lines and its event, then reserve its stock."""
    order.customer_id = customer_actions.count_order_of_buyer(
        shop=shop, name=draft.buyer.name, phone=draft.buyer.phone, nickname=draft.buyer.nickname, at=at
    )
    fastinsert.insert([order])
    if not is_plain:
        _reserve_presale(order, lines, actor=actor, at=at)
    for line in lines:
        line.order = order
    fastinsert.insert(lines)
    events.order_placed_event(order, lines, actor=actor, at=at)
    # Last, so that the stock rows stay locked for as short a time as possible.
    stock.reserve_stock(
        lines=[
            stock.StockLine(line.sku_id, line.sku_code, line.warehouse_id or default_id, line.quantity)
            for line in lines
            if is_plain or (line.reserved_quantity and not line.presale_pending)
        ],
        document=order.number,
        actor=actor,
        at=at,
    )


def _forget_ids(order: Order, lines: list[OrderLine]) -> None:
    order.pk = None
    for line in lines:
        line.pk = None


def _mark_special_lines(lines: list[OrderLine], skus: Mapping[str, SkuFacts]) -> None:
    """Dropship lines reserve nothing (the supplier ships them); presale lines reserve
    against units in transit, at a warehouse chosen when they are reserved."""
    for line in lines:
        facts = skus[line.sku_code]
        if facts.is_dropship:
            line.warehouse = None
            line.reserved_quantity = 0
        elif facts.is_presale:
            line.warehouse = None
            line.presale_pending = True


def _promised_ship_date(lines: list[OrderLine], skus: Mapping[str, SkuFacts]) -> date | None:
    dates = [
        skus[line.sku_code].presale_ship_by
        for line in lines
        if line.presale_pending and skus[line.sku_code].presale_ship_by is not None
    ]
    return max(dates) if dates else None  # type: ignore[type-var]


def _reserve_presale(order: Order, lines: list[OrderLine], *, actor: User | None, at: datetime) -> None:
    pending = [line for line in lines if line.presale_pending]
    if not pending:
        return
    chosen = presale.reserve_presale(
        lines=[presale.PresaleLine(line.sku_id, line.sku_code, line.quantity) for line in pending],
        document=order.number,
        actor=actor,
        at=at,
    )
    for line in pending:
        line.warehouse_id = chosen[line.sku_id]


def _place_in_other_warehouses(lines: list[OrderLine], skus: Mapping[str, SkuFacts], *, default_id: int) -> bool:
    """Point the ordinary lines at other active warehouses that have them: one warehouse
    with every line if there is one (by priority), else each SKU at the first that has
    it. False when some SKU is short everywhere. An unlocked read: the reservation that
    follows is conditional, so a race only means a 409 after all."""
    ordinary = [line for line in lines if skus[line.sku_code].reserves_stock]
    needed: dict[int, int] = {}
    for line in ordinary:
        needed[line.sku_id] = needed.get(line.sku_id, 0) + line.quantity
    warehouses = [warehouse.id for warehouse in active_warehouses() if warehouse.id != default_id]
    if not warehouses or not needed:
        return False
    free = free_stock(sorted(needed), warehouses)
    for warehouse_id in warehouses:
        if all(free.get((sku_id, warehouse_id), 0) >= quantity for sku_id, quantity in needed.items()):
            for line in ordinary:
                line.warehouse_id = warehouse_id
            return True
    candidates = [default_id, *warehouses]
    free.update(free_stock(sorted(needed), [default_id]))
    chosen: dict[int, int] = {}
    for sku_id, quantity in needed.items():
        found = next((w for w in candidates if free.get((sku_id, w), 0) >= quantity), None)
        if found is None:
            return False
        chosen[sku_id] = found
    for line in ordinary:
        line.warehouse_id = chosen[line.sku_id]
    return True


MAX_ORDER_TOTAL = Decimal("999999999.99")
# The order entry form's limit of the shipping fee, and the API's (orders.schemas).
MAX_SHIPPING_FEE = Decimal("99999.99")


def _check_total(total: Decimal) -> None:
    if total > MAX_ORDER_TOTAL:
        raise ValidationFailed({"lines": _("the order total may be at most %(max)s") % {"max": MAX_ORDER_TOTAL}})


def _duplicate(shop: Shop, external_id: str) -> Conflict:
    existing = Order.objects.filter(shop=shop, external_id=external_id).values_list("number", flat=True).first()
    return Conflict(
        "duplicate_order",
        _("Shop %(shop)s already has an order with external id %(id)s.") % {"shop": shop.code, "id": external_id},
        details={"external_id": external_id, "number": existing},
    )


def _locked(order: Order) -> Order:
    return Order.objects.select_for_update().select_related("shop").get(pk=order.pk)


def _release_reservations(order: Order, *, actor: User | None, at: datetime) -> None:
    lines = list(order.lines.filter(reserved_quantity__gt=0).order_by("sku_id"))
    if not lines:
        return
    stock.release_stock(
        lines=[
            stock.StockLine(line.sku_id, line.sku_code, line.warehouse_id or 0, line.reserved_quantity)
            for line in lines
            if not line.presale_pending
        ],
        document=order.number,
        actor=actor,
        at=at,
    )
    if any(line.presale_pending for line in lines):
        # Presale lines hold units in transit, not on hand (see inventory.presale).
        presale.release_presale(lines=lines, document=order.number, actor=actor, at=at)
    OrderLine.objects.filter(pk__in=[line.pk for line in lines]).update(reserved_quantity=0)


def _close(order: Order, *, action: OrderAction, actor: User | None, at: datetime, reason: messages.Text) -> Order:
    before = order.status
    order.status = next_status(order.status, action)
    order.closed_at = at
    order.close_reason, order.close_reason_data = messages.typed_or_coded(reason)
    order.save(update_fields=["status", "closed_at", "close_reason", "close_reason_data"])
    _release_reservations(order, actor=actor, at=at)
    events.status_event(
        order, OrderEventType.CLOSED, actor=actor, at=at, before=before, reason=reason, action=action.value
    )
    # Its dropship purchases are cancelled and money taken is refunded (purchasing, payments).
    hooks.emit(OrderClosed(order=order, before=before, actor=actor, at=at, reason=reason))
    return order


@transaction.atomic
def cancel_order(*, order: Order, actor: User | None, reason: messages.Text, at: datetime | None = None) -> Order:
    """Close the order as cancelled for `reason`: what a person typed, or the code and
    parameters of a reason the system gives (kept as a code, rendered when read)."""
    require(actor, "orders.cancel")
    if isinstance(reason, str):
        reason = reason.strip()
    if not reason:
        raise ValidationFailed({"reason": _("say why the order is cancelled")})
    order = _locked(order)
    at = at or timezone.now()
    # Parcels booked but not handed over are stopped first (logistics, 截单).
    hooks.emit(OrderCancelled(order=order, before=order.status, reason=reason, at=at))
    return _close(order, action=OrderAction.CANCEL, actor=actor, at=at, reason=reason)


def close_expired_order(*, order_id: int, now: datetime) -> bool:
    """Close one unpaid order past its deadline. Safe to call from several workers at
    once: the row lock serialises them and the loser finds nothing left to do."""
    with transaction.atomic():
        order = (
            Order.objects.select_for_update(skip_locked=True)
            .filter(pk=order_id, status=OrderStatus.UNPAID, pay_deadline__lte=now)
            .first()
        )
        if order is None:
            return False
        _close(order, action=OrderAction.EXPIRE, actor=None, at=now, reason=messages.message(texts.CLOSED_NOT_PAID))
        return True


@transaction.atomic
def approve_order(*, order: Order, actor: User | None, at: datetime | None = None) -> Order:
    require(actor, "orders.approve")
    order = _locked(order)
    before = order.status
    order.status = next_status(order.status, OrderAction.APPROVE)
    approved_at = order.approved_at = at or timezone.now()
    released: list[str] = []
    if before == OrderStatus.ON_HOLD:
        # Approving a held order releases it: its holds are resolved, not left open.
        holds.require_release(actor, holds.open_hold_reasons(order))
        released = holds.resolve_open_holds(
            order, actor=actor, at=order.approved_at, resolution=messages.message(texts.HOLD_APPROVED)
        )
    order.save(update_fields=["status", "approved_at"])
    extra = {"released": released} if released else {}
    events.status_event(order, OrderEventType.APPROVED, actor=actor, at=order.approved_at, before=before, **extra)
    # The buyer's confirmation and allocation follow on commit (notifications, allocation).
    hooks.emit(OrdersApproved(order_ids=(order.pk,), at=approved_at, orders=(order,)))
    return order


def _carrier_name_of(named: str) -> dict[str, str]:
    # The timeline reads the carrier by its name (顺丰速运), not the code the order keeps
    # ("SF"): the name as logistics knows it when the order ships, nothing when unknown.
    try:
        name = CARRIER_NAME.get()(named)
    except PortNotProvided:
        return {}
    return {"carrier_name": name} if name and name != named else {}


@transaction.atomic
def ship_order(
    *, order: Order, actor: User | None, carrier: str, tracking_number: str, at: datetime | None = None
) -> Order:
    require(actor, "orders.ship")
    bad = {}
    if not carrier.strip():
        bad["carrier"] = _("name the carrier")
    if not tracking_number.strip():
        bad["tracking_number"] = _("enter the tracking number")
    if bad:
        raise ValidationFailed(bad)
    order = _locked(order)
    before = order.status
    order.status = next_status(order.status, OrderAction.SHIP)
    at = at or timezone.now()
    order.carrier, order.tracking_number = carrier.strip(), tracking_number.strip()
    order.shipped_at = at
    order.auto_confirm_at = at + order.shop.auto_confirm_after(order.shipping_method)
    order.save(update_fields=["status", "carrier", "tracking_number", "shipped_at", "auto_confirm_at"])
    lines = list(order.lines.filter(reserved_quantity__gt=0).order_by("sku_id"))
    stock.ship_stock(
        lines=[
            stock.StockLine(line.sku_id, line.sku_code, line.warehouse_id or 0, line.reserved_quantity)
            for line in lines
        ],
        document=order.number,
        actor=actor,
        at=at,
    )
    OrderLine.objects.filter(pk__in=[line.pk for line in lines]).update(reserved_quantity=0)
    events.status_event(
        order,
        OrderEventType.SHIPPED,
        actor=actor,
        at=at,
        before=before,
        carrier=order.carrier,
        tracking_number=order.tracking_number,
        **_carrier_name_of(order.carrier),
    )
    # Tracked like a scanned-out parcel, and the buyer told (logistics, notifications).
    hooks.emit(OrderShipped(order=order, at=at))
    return order


@transaction.atomic
def deliver_order(*, order: Order, actor: User | None, at: datetime | None = None) -> Order:
    require(actor, "orders.deliver")
    order = _locked(order)
    before = order.status
    order.status = next_status(order.status, OrderAction.DELIVER)
    order.delivered_at = at or timezone.now()
    order.save(update_fields=["status", "delivered_at"])
    events.status_event(order, OrderEventType.DELIVERED, actor=actor, at=order.delivered_at, before=before)
    return order


def _complete(order: Order, *, actor: User | None, at: datetime, automatic: bool) -> Order:
    before = order.status
    order.status = next_status(order.status, OrderAction.CONFIRM_RECEIPT)
    order.completed_at = at
    order.save(update_fields=["status", "completed_at"])
    events.status_event(order, OrderEventType.RECEIPT_CONFIRMED, actor=actor, at=at, before=before, automatic=automatic)
    hooks.emit(OrderCompleted(order=order, actor=actor, at=at))  # dropship purchases settle (purchasing)
    return order


@transaction.atomic
def confirm_receipt(*, order: Order, actor: User | None, at: datetime | None = None) -> Order:
    require(actor, "orders.confirm_receipt")
    return _complete(_locked(order), actor=actor, at=at or timezone.now(), automatic=False)


def auto_confirm_receipt(*, order_id: int, now: datetime) -> bool:
    """Confirm receipt of one shipped order whose confirmation time has come."""
    with transaction.atomic():
        order = (
            Order.objects.select_for_update(skip_locked=True)
            .filter(pk=order_id, status__in=AWAITING_RECEIPT, auto_confirm_at__lte=now)
            .first()
        )
        if order is None:
            return False
        _complete(order, actor=None, at=now, automatic=True)
        return True


# The longest a receipt confirmation may be pushed back at once (延长收货), in days.
MAX_RECEIPT_EXTENSION_DAYS = 30


@transaction.atomic
def extend_receipt(
    *, order: Order, actor: User | None, days: int, reason: str = "", at: datetime | None = None
) -> Order:
    """Push a shipped order's automatic receipt confirmation `days` later (延长收货, 1 to
    MAX_RECEIPT_EXTENSION_DAYS), e.g. while the buyer waits for a delayed parcel. Written
    on the order's timeline (the before and after times, the days, why). 422 for a bad
    number of days; 409 for an order not awaiting receipt; nothing written then."""
    require(actor, "orders.confirm_receipt")
    reason = reason.strip()
    bad: dict[str, str] = {}
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_RECEIPT_EXTENSION_DAYS:
        bad["days"] = _("between 1 and %(max)s") % {"max": MAX_RECEIPT_EXTENSION_DAYS}
    if len(reason) > 200:
        bad["reason"] = _("at most 200 characters")
    if bad:
        raise ValidationFailed(bad)
    order = _locked(order)
    if order.status not in AWAITING_RECEIPT or order.auto_confirm_at is None:
        raise InvalidTransition(current=order.status, action="extend_receipt")
    at = at or timezone.now()
    before = order.auto_confirm_at
    order.auto_confirm_at = before + timedelta(days=days)
    order.save(update_fields=["auto_confirm_at"])
    # The same event as logistics' extension (延长收货 from the parcel desk), so the
    # order's timeline reads one way whoever extended it.
    events.write_event(
        order,
        OrderEventType.AUTO_CONFIRM_EXTENDED,
        actor=actor,
        at=at,
        before=before.isoformat(),
        after=order.auto_confirm_at.isoformat(),
        days=days,
        reason=reason,
    )
    return order


@transaction.atomic
def change_line_prices(
    *, order: Order, actor: User | None, prices: Mapping[int, Decimal], reason: str = "", at: datetime | None = None
) -> Order:
    """Change the price of lines (by position) before payment, e.g. a discount agreed in chat."""
    require(actor, "orders.reprice")
    order = _locked(order)
    next_status(order.status, OrderAction.REPRICE)
    if order.paid_amount > ZERO:
        raise Conflict(
            "order_partially_paid",
            _("Part of this order is paid already; its prices can no longer change."),
            details={"paid_amount": str(order.paid_amount)},
        )
    lines = {line.position: line for line in order.lines.all()}
    bad = {
        f"lines[{index}].position": _("no line %(n)s on this order") % {"n": position}
        for index, position in enumerate(prices)
        if position not in lines
    }
    if bad:
        raise ValidationFailed(bad)
    new_prices = {position: to_money(price) for position, price in prices.items()}
    changed = sorted(position for position, price in new_prices.items() if price != lines[position].unit_price)
    if not changed:
        return order
    subtotal = to_money(
        sum((new_prices.get(line.position, line.unit_price) * line.quantity for line in lines.values()), ZERO)
    )
    _check_total(subtotal + order.shipping_fee)
    changes = []
    for position in changed:
        line = lines[position]
        changes.append(
            {
                "sku": line.sku_code,
                "position": position,
                "before": str(line.unit_price),
                "after": str(new_prices[position]),
            }
        )
        line.unit_price = new_prices[position]
        line.save(update_fields=["unit_price"])
    total_before = order.total
    order.subtotal = subtotal
    order.total = order.subtotal + order.shipping_fee
    order.save(update_fields=["subtotal", "total"])
    events.write_event(
        order,
        OrderEventType.PRICE_CHANGED,
        actor=actor,
        at=at or timezone.now(),
        lines=changes,
        total_before=str(total_before),
        total_after=str(order.total),
        reason=reason,
    )
    return order


@transaction.atomic
def add_note(*, order: Order, actor: User, text: str, at: datetime | None = None) -> OrderNote:
    require(actor, "orders.note")
    text = text.strip()
    if not text:
        raise ValidationFailed({"text": _("write something")})
    if len(text) > 500:
        raise ValidationFailed({"text": _("at most 500 characters")})
    note = OrderNote.objects.create(order=order, author=actor, text=text, at=at or timezone.now())
    events.write_event(order, OrderEventType.NOTE_ADDED, actor=actor, at=note.at, note_id=note.pk, text=text)
    return note


@transaction.atomic
def set_flag(*, order: Order, actor: User | None, color: str, reason: str, at: datetime | None = None) -> Order:
    """Mark a special order with a colour and why (插旗), or clear the flag with ""."""
    require(actor, "orders.flag")
    if color not in FlagColor.values:
        raise ValidationFailed({"color": _("unknown flag colour %(c)s") % {"c": color}})
    if color and not reason.strip():
        raise ValidationFailed({"reason": _("say why the order is flagged")})
    order = _locked(order)
    before = {"color": order.flag_color, "reason": order.flag_reason}
    order.flag_color, order.flag_reason = color, reason.strip() if color else ""
    order.save(update_fields=["flag_color", "flag_reason"])
    events.write_event(
        order,
        OrderEventType.FLAGGED,
        actor=actor,
        at=at or timezone.now(),
        before=before,
        after={"color": order.flag_color, "reason": order.flag_reason},
    )
    return order


def mark_paid(order: Order, *, actor: User | None, at: datetime) -> None:
    """Called by payments.actions inside its transaction once the order is fully paid."""
    before = order.status
    if order.status == OrderStatus.UNPAID:
        order.status = next_status(order.status, OrderAction.PAY)
    elif order.payment_status != PaymentStatus.COD:
        raise DomainError(_("This order is already paid."))
    order.payment_status = PaymentStatus.PAID
    order.paid_at = at
    order.pay_deadline = None if order.status != OrderStatus.UNPAID else order.pay_deadline
    order.save(update_fields=["status", "payment_status", "paid_at", "pay_deadline"])
    events.status_event(order, OrderEventType.PAID, actor=actor, at=at, before=before)
    hooks.emit(OrderPaid(order=order, actor=actor, at=at))  # dropship lines are bought (purchasing)


__all__ = [
    "Address",
    "Buyer",
    "LineDraft",
    "OrderDraft",
    "add_note",
    "approve_order",
    "auto_confirm_receipt",
    "cancel_order",
    "change_line_prices",
    "close_expired_order",
    "confirm_receipt",
    "deliver_order",
    "extend_receipt",
    "get_shop",
    "mark_paid",
    "place_order",
    "set_flag",
    "ship_order",
]
