"""Changes an agent makes to an order during its hold buffer (暂存区) or while it is held:
the buyer's new colour, size or quantity, a corrected address, the chosen carrier.

Each action is one transaction with the order row locked; every change is audited with
its old and new values in an order event; on any error nothing is written.

Money after a line change, measured against what the buyer has paid net of refunds:
- less than paid: the difference is recorded as a refund (payments.record_refund);
- more than paid: the payment status stays as it is, the event records `balance_due`,
  and the order is held with a `balance_due` finding (pending_review → on_hold) until a
  person has collected the difference and releases it from the exception queue;
- cash on delivery: nothing is paid yet, the new total is simply what is collected.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sellerdesk.catalog.queries import SkuFacts, sku_facts_by_code
from sellerdesk.core import hooks, messages
from sellerdesk.core.addresses import check_address
from sellerdesk.core.errors import InvalidTransition, ValidationFailed
from sellerdesk.core.messages import Text
from sellerdesk.core.models import User
from sellerdesk.core.money import ZERO, to_money
from sellerdesk.core.permissions import require
from sellerdesk.inventory import actions as stock
from sellerdesk.inventory.models import Warehouse
from sellerdesk.orders import events, texts
from sellerdesk.orders.holds import open_holds_filter, resolve_holds
from sellerdesk.orders.hooks import CARRIER_COVERAGE, RefundOwed
from sellerdesk.orders.models import Order, OrderEventType, OrderHold, OrderLine
from sellerdesk.orders.states import (
    BEFORE_THE_WAREHOUSE,
    OrderAction,
    OrderStatus,
    PaymentStatus,
    next_status,
    statuses_allowing,
)

# Statuses in which the lines may still change: paid and waiting to be approved (in review
# or held); an unpaid order is repriced instead.
CHANGEABLE = statuses_allowing(OrderAction.APPROVE)
# Statuses in which the address and carrier may still change: until the warehouse has the
# order (it chooses the warehouse by the address, and books the parcel with the carrier).
SHIPPING_CHANGEABLE = BEFORE_THE_WAREHOUSE

# Event types of this module (strings: the timeline shows unknown types by their code).
LINES_CHANGED = OrderEventType.LINES_CHANGED
ADDRESS_CORRECTED = OrderEventType.ADDRESS_CORRECTED
CARRIER_CHOSEN = OrderEventType.CARRIER_CHOSEN
BALANCE_DUE = "balance_due"
MAX_QUANTITY = 10_000


@dataclass(frozen=True)
class LineChange:
    """One change: `line` (a position) with `sku` and/or `quantity` changes that line,
    with `remove` removes it; without `line` adds a line of `sku` × `quantity`."""

    line: int | None = None
    sku: str | None = None
    quantity: int | None = None
    unit_price: Decimal | None = None
    remove: bool = False


@dataclass(frozen=True)
class NewAddress:
    province: str
    city: str
    district: str
    detail: str


def _event(order: Order, kind: str, *, actor: User | None, at: datetime, **data: Any) -> None:
    events.write_event(order, cast(OrderEventType, kind), actor=actor, at=at, **data)


def _locked(order: Order, allowed: frozenset[OrderStatus], action: str) -> Order:
    order = Order.objects.select_for_update(of=("self",)).select_related("shop").get(pk=order.pk)
    if order.status not in allowed:
        raise InvalidTransition(current=order.status, action=action)
    return order


def _resolve(order: Order, reason: str, *, actor: User | None, at: datetime, resolution: Text) -> list[int]:
    holds = list(OrderHold.objects.filter(open_holds_filter(), order=order, reason=reason).values_list("pk", flat=True))
    resolve_holds(OrderHold.objects.filter(pk__in=holds), actor=actor, at=at, resolution=resolution)
    return holds


# --- lines ---------------------------------------------------------------------------------


def _validate(order_lines: dict[int, OrderLine], changes: list[LineChange]) -> dict[str, Any]:
    if not changes:
        raise ValidationFailed({"changes": _("give at least one change")})
    codes = [change.sku for change in changes if change.sku]
    skus = sku_facts_by_code(codes)
    bad: dict[str, str] = {}
    touched: set[int] = set()
    for index, change in enumerate(changes):
        path = f"changes[{index}]"
        if change.line is not None:
            if change.line not in order_lines:
                bad[f"{path}.line"] = _("the order has no line %(n)s") % {"n": change.line}
            elif change.line in touched:
                bad[f"{path}.line"] = _("line %(n)s is changed twice") % {"n": change.line}
            touched.add(change.line)
            if change.remove and (change.sku or change.quantity is not None or change.unit_price is not None):
                bad[path] = _("a removed line takes no other change")
            elif not change.remove and not change.sku and change.quantity is None and change.unit_price is None:
                bad[path] = _("say what changes: sku, quantity or unit price")
        else:
            if change.remove:
                bad[f"{path}.line"] = _("say which line to remove")
            if not change.sku:
                bad[f"{path}.sku"] = _("a new line needs a SKU")
            if change.quantity is None:
                bad[f"{path}.quantity"] = _("a new line needs a quantity")
        if change.sku and change.sku not in skus:
            bad[f"{path}.sku"] = _("unknown SKU %(code)s") % {"code": change.sku}
        elif change.sku and not skus[change.sku].is_active:
            bad[f"{path}.sku"] = _("SKU %(code)s is not on sale") % {"code": change.sku}
        if change.quantity is not None and not 1 <= change.quantity <= MAX_QUANTITY:
            bad[f"{path}.quantity"] = _("between 1 and %(max)s") % {"max": MAX_QUANTITY}
        if change.unit_price is not None and to_money(change.unit_price) < ZERO:
            bad[f"{path}.unit_price"] = _("must be 0 or more")
    removed = {change.line for change in changes if change.remove and change.line is not None}
    if not bad and removed >= set(order_lines) and not any(change.line is None for change in changes):
        bad["changes"] = _("an order keeps at least one line; cancel it instead")
    if bad:
        raise ValidationFailed(bad)
    return skus


def _line_fact(line: OrderLine) -> dict[str, Any]:
    return {
        "line": line.position,
        "sku": line.sku_code,
        "quantity": line.quantity,
        "unit_price": str(line.unit_price),
    }


def change_order_lines(
    *, order: Order, actor: User | None, changes: list[LineChange], at: datetime | None = None
) -> Order:
    """Swap a line's SKU, change its quantity or price, add or remove lines of a paid order
    not yet approved. Stock is re-reserved (new reservations before the old are released,
    one transaction, SKU-ordered); the money difference is handled as the module says."""
    require(actor, "orders.reprice")
    at = at or timezone.now()
    with transaction.atomic():
        order = _locked(order, CHANGEABLE, "change_lines")
        lines = {line.position: line for line in OrderLine.objects.select_for_update().filter(order=order)}
        skus = _validate(lines, changes)
        warehouse = stock.default_warehouse()
        before_lines = [_line_fact(line) for line in sorted(lines.values(), key=lambda line: line.position)]
        old_reserved = [
            stock.StockLine(line.sku_id, line.sku_code, line.warehouse_id or warehouse.pk, line.reserved_quantity)
            for line in lines.values()
        ]
        removed, changed, added = _apply_line_changes(order, lines, changes, skus, warehouse=warehouse)
        kept = [line for line in lines.values() if line not in removed] + added
        for line in kept:
            line.reserved_quantity = line.quantity
        new_reserved = [
            stock.StockLine(line.sku_id, line.sku_code, cast(int, line.warehouse_id), line.quantity) for line in kept
        ]
        _rereserve(old_reserved, new_reserved, document=order.number, actor=actor, at=at)
        OrderLine.objects.filter(pk__in=[line.pk for line in removed]).delete()
        for line in changed:
            line.save()
        for line in added:
            line.save()
        total_before = order.total
        order.subtotal = to_money(sum((line.unit_price * line.quantity for line in kept), ZERO))
        order.total = order.subtotal + order.shipping_fee
        order.save(update_fields=["subtotal", "total"])
        net_paid = order.paid_amount - order.refunded_amount
        is_cod = order.payment_status == PaymentStatus.COD
        due = ZERO if is_cod else max(order.total - net_paid, ZERO)
        refund = ZERO if is_cod else max(net_paid - order.total, ZERO)
        _event(
            order,
            LINES_CHANGED,
            actor=actor,
            at=at,
            lines_before=before_lines,
            lines_after=[_line_fact(line) for line in sorted(kept, key=lambda line: line.position)],
            total_before=str(total_before),
            total_after=str(order.total),
            balance_due=str(due),
            refund=str(refund),
        )
        if refund > ZERO:
            hooks.emit(
                RefundOwed(
                    order=order, amount=refund, actor=actor, at=at, reason=messages.message(texts.REFUND_LINES_CHANGED)
                )
            )
        if due > ZERO:
            _owe(order, due, actor=actor, at=at)
        return order


def _apply_line_changes(
    order: Order,
    lines: dict[int, OrderLine],
    changes: list[LineChange],
    skus: dict[str, Any],
    *,
    warehouse: Warehouse,
) -> tuple[list[OrderLine], list[OrderLine], list[OrderLine]]:
    """The changes applied to the (unsaved) lines: returns the lines removed, the lines
    changed and the new lines, numbered after the last."""
    removed: list[OrderLine] = []
    changed: list[OrderLine] = []
    added: list[OrderLine] = []
    next_position = max(lines) + 1
    for change in changes:
        if change.line is None:
            added.append(_new_line(order, next_position, change, skus[cast(str, change.sku)], warehouse=warehouse))
            next_position += 1
            continue
        line = lines[change.line]
        if change.remove:
            removed.append(line)
            continue
        if change.sku and change.sku != line.sku_code:
            facts = skus[change.sku]
            line.sku_id, line.sku_code, line.name = facts.id, facts.code, facts.name
            line.attributes, line.list_price = facts.attributes, facts.price
            line.unit_price = facts.price
        if change.quantity is not None:
            line.quantity = change.quantity
        if change.unit_price is not None:
            line.unit_price = to_money(change.unit_price)
        line.warehouse_id = line.warehouse_id or warehouse.pk
        changed.append(line)
    return removed, changed, added


def _new_line(order: Order, position: int, change: LineChange, facts: SkuFacts, *, warehouse: Warehouse) -> OrderLine:
    """An added line: the SKU's list price unless the change names a price."""
    price = change.unit_price if change.unit_price is not None else facts.price
    return OrderLine(
        order=order,
        position=position,
        sku_id=facts.id,
        sku_code=facts.code,
        name=facts.name,
        attributes=facts.attributes,
        quantity=cast(int, change.quantity),
        unit_price=to_money(price),
        list_price=facts.price,
        warehouse=warehouse,
    )


def _rereserve(
    old: list[stock.StockLine], new: list[stock.StockLine], *, document: str, actor: User | None, at: datetime
) -> None:
    """Reserve what the new lines need beyond the old, then release what they no longer
    need. InsufficientStock from the first step leaves everything as it was."""
    totals: dict[tuple[int, int], list[Any]] = {}
    for line, sign in [(line, -1) for line in old] + [(line, 1) for line in new]:
        entry = totals.setdefault((line.sku_id, line.warehouse_id), [line.sku_code, 0])
        entry[1] += sign * line.quantity
        if sign == 1:
            entry[0] = line.sku_code
    more = [stock.StockLine(sku, code, wh, delta) for (sku, wh), (code, delta) in sorted(totals.items()) if delta > 0]
    less = [stock.StockLine(sku, code, wh, -delta) for (sku, wh), (code, delta) in sorted(totals.items()) if delta < 0]
    if more:
        stock.reserve_stock(lines=more, document=document, actor=actor, at=at)
    if less:
        stock.release_stock(lines=less, document=document, actor=actor, at=at)


def _owe(order: Order, due: Decimal, *, actor: User | None, at: datetime) -> None:
    message = messages.message(texts.HOLD_BALANCE_DUE, due=str(due))
    OrderHold.objects.create(
        order=order,
        reason=BALANCE_DUE,
        message_data=message,
        suggestion={"balance_due": str(due)},
        created_at=at,
        created_by=actor,
    )
    before = order.status
    if order.status == OrderStatus.PENDING_REVIEW:
        order.status = next_status(order.status, OrderAction.HOLD)
        order.reviewed_at = order.reviewed_at or at
        order.save(update_fields=["status", "reviewed_at"])
    events.status_event(
        order,
        OrderEventType.HELD,
        actor=actor,
        at=at,
        before=before,
        automatic=False,
        reasons=[{"code": BALANCE_DUE, "message": message, "suggestion": {"balance_due": str(due)}}],
    )


# --- address ---------------------------------------------------------------------------------


def correct_address(*, order: Order, actor: User | None, address: NewAddress, at: datetime | None = None) -> Order:
    """Replace the address of an order not yet shipped with a real one; resolves the
    order's open `address` holds. An address that is not real: 422 naming its fields."""
    require(actor, "orders.hold")
    checked = check_address(address.province, address.city, address.district, address.detail)
    problems = [problem for problem in checked.problems if problem.field != "phone"]
    if problems:
        fields: dict[str, str] = {}
        for problem in problems:
            fields.setdefault(problem.field, problem.message)
        raise ValidationFailed(fields)
    at = at or timezone.now()
    with transaction.atomic():
        order = _locked(order, SHIPPING_CHANGEABLE, "correct_address")
        before = {
            "province": order.province,
            "city": order.city,
            "district": order.district,
            "detail": order.address_detail,
        }
        order.province = address.province.strip()
        order.city = address.city.strip()
        order.district = address.district.strip()
        order.address_detail = address.detail.strip()
        order.save(update_fields=["province", "city", "district", "address_detail"])
        after = {
            "province": order.province,
            "city": order.city,
            "district": order.district,
            "detail": order.address_detail,
        }
        resolved = _resolve(
            order, "address", actor=actor, at=at, resolution=messages.message(texts.HOLD_ADDRESS_CORRECTED)
        )
        _event(
            order,
            ADDRESS_CORRECTED,
            actor=actor,
            at=at,
            before=before,
            after=after,
            resolved_holds=len(resolved),
        )
        return order


# --- carrier ---------------------------------------------------------------------------------


def choose_carrier(*, order: Order, actor: User | None, carrier_code: str, at: datetime | None = None) -> Order:
    """Record the carrier that will ship an order not yet shipped; it must reach the
    address (and collect cash for a COD order). Resolves the order's open `carrier` holds."""
    require(actor, "orders.hold")
    code = carrier_code.strip()
    coverage = CARRIER_COVERAGE.get()
    carrier = coverage.carrier(code)
    if carrier is None:
        raise ValidationFailed({"carrier": _("unknown carrier %(code)s") % {"code": code}})
    at = at or timezone.now()
    with transaction.atomic():
        order = _locked(order, SHIPPING_CHANGEABLE, "choose_carrier")
        if not coverage.reaches(carrier, order.province, order.city, order.district):
            raise ValidationFailed({"carrier": _("%(carrier)s does not deliver there") % {"carrier": carrier.name}})
        if order.payment_method == "cod" and not carrier.supports_cod:
            raise ValidationFailed(
                {"carrier": _("%(carrier)s does not collect cash on delivery") % {"carrier": carrier.name}}
            )
        before = order.carrier
        order.carrier = carrier.code
        order.save(update_fields=["carrier"])
        resolved = _resolve(
            order, "carrier", actor=actor, at=at, resolution=messages.message(texts.HOLD_CARRIER_CHOSEN)
        )
        _event(
            order,
            CARRIER_CHOSEN,
            actor=actor,
            at=at,
            before=before,
            after=carrier.code,
            resolved_holds=len(resolved),
        )
        return order
