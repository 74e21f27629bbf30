"""合单 and 拆单: merge open orders of one buyer into one, split it back, split an order by hand.

Rules (documented here because the API and the UI only call these actions):

- Mergeable: at least two distinct orders of one shop, one customer, one address
  (province, city, district, detail), each `unpaid`, `pending_review`, `on_hold`,
  `approved` or `allocated` (not yet picked: its reservations move like the others'),
  none refunded, all of one payment kind: the same payment status (all
  `unpaid`, all `paid` or all `cod`) and the same payment method. Anything else is a
  409 `orders_not_mergeable` naming the reason; nothing is written.
- The originals become `closed` with the reason "merged into N" and `merged_into` set;
  the merged order has one line per original line (`origin_order_number`,
  `origin_position`), every buyer message (one a line, as the buyer wrote it, so the
  merged message is read like the originals'; which order said what stays on the
  originals, reached through `merged_from`), total =
  sum of totals, shipping fee = sum, paid = sum of paid. Payment rows stay on their
  originals (referenced through `merged_from`), so a refund of an original is still
  traceable to the money it came from. An unpaid merge stays `unpaid` (deadline = the
  earliest original's); a paid or COD merge is `pending_review` and unreviewed, so the
  review rules run once more on the whole.
- Reservations move with the lines inside the transaction: the stock levels are not
  touched (reserved never goes down, so no other order can take the units), and the
  ledger records the move as a release on the old document and a reserve on the new
  one, so the ledger of every document still sums to what it holds.
- Unmerge (split back) until shipped: the merged order must be unchanged since the
  merge (same lines, total and paid); the originals return to the status they had,
  with their lines and reservations; the merged order is closed "split back".
- Split by hand: `parts` is a list of parts, each a list of (position, quantity); every
  part non-empty, every quantity positive, and per line the parts' quantities add up to
  the line's quantity exactly. Each part becomes an order of its own numbered
  "<original>-<k>" (`split_from` set) in the original's status (`on_hold` parts go back
  to `pending_review`), the original is closed "split into …". The shipping fee goes to
  the first part. The paid amount is apportioned by part totals to the cent with the
  largest-remainder method (each part gets floor(paid × total_k / total) in cents, the
  cents left over go one each to the parts with the largest remainders, ties to the
  earlier part), so the parts' paid amounts add up to the original's exactly and a fully
  paid order gives fully paid parts.

Every action: one transaction, rows locked in pk order, an event on every order touched.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from sellerdesk.core import messages
from sellerdesk.core.errors import Conflict, ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.core.money import CENT, ZERO
from sellerdesk.core.permissions import require
from sellerdesk.inventory import actions as stock
from sellerdesk.orders import events, texts
from sellerdesk.orders import states as order_states
from sellerdesk.orders.actions import new_order_number
from sellerdesk.orders.hooks import BOOKED_PARCELS, OPEN_PURCHASES
from sellerdesk.orders.instructions import read_instructions
from sellerdesk.orders.models import Order, OrderEventType, OrderLine
from sellerdesk.orders.states import OrderAction, OrderStatus, PaymentStatus, next_status, resumed_status
from sellerdesk.shops.models import review_settings_for

# Read from the order's table: the statuses a merge may close (before the warehouse has it).
MERGEABLE_STATUSES = order_states.MERGEABLE
MERGEABLE_PAYMENT_STATUSES = frozenset({PaymentStatus.UNPAID, PaymentStatus.PAID, PaymentStatus.COD})
MAX_PARTS = 99


@dataclass(frozen=True)
class PartLine:
    position: int
    quantity: int


def _not_mergeable(reason: str, message: str, **details: object) -> Conflict:
    return Conflict("orders_not_mergeable", message, details={"reason": reason, **details})


def _lock(pks: Sequence[int]) -> list[Order]:
    # Sorted pks: two merges over overlapping orders queue instead of deadlocking.
    return list(Order.objects.select_for_update().select_related("shop").filter(pk__in=sorted(set(pks))).order_by("pk"))


def _move_reservations(moves: Sequence[tuple[OrderLine, str, str, int]], *, actor: User | None, at: datetime) -> None:
    """Ledger a reservation moving from one document to another (line, from, to, quantity)."""
    stock.transfer_reservations(
        moves=[
            stock.ReservationMove(
                # every placed line has a warehouse
                stock.StockLine(line.sku_id, line.sku_code, line.warehouse_id or 0, quantity),
                source,
                target,
                presale=line.presale_pending,
            )
            for line, source, target, quantity in moves
        ],
        actor=actor,
        at=at,
    )


def _dropship_purchases() -> QuerySet[Any]:
    return OPEN_PURCHASES.get()()


def _has_dropship_purchase(order_ids: list[int]) -> bool:
    return _dropship_purchases().filter(for_order_id__in=order_ids).exists()


def _booked_parcels() -> QuerySet[Any]:
    return BOOKED_PARCELS.get()()


def _check_mergeable(orders: list[Order]) -> None:
    first = orders[0]
    with_purchase = sorted(
        _dropship_purchases().filter(for_order__in=orders).values_list("for_order__number", flat=True).distinct()
    )
    if with_purchase:
        raise _not_mergeable(
            "dropship",
            _("Order %(number)s is being shipped by a dropship supplier; it cannot be merged.")
            % {"number": with_purchase[0]},
            number=with_purchase[0],
        )
    with_parcel = sorted(_booked_parcels().filter(order__in=orders).values_list("order__number", flat=True).distinct())
    if with_parcel:
        # Its label would travel with no order: the parcel is cancelled first (logistics).
        raise _not_mergeable(
            "parcel_booked",
            _("Order %(number)s has a parcel booked with a carrier; cancel the parcel before merging it.")
            % {"number": with_parcel[0]},
            number=with_parcel[0],
        )
    for order in orders:
        if not order_states.allows(order.status, OrderAction.MERGE):
            raise _not_mergeable(
                "status",
                _("Order %(number)s is %(status)s; only orders not yet picked can be merged.")
                % {"number": order.number, "status": OrderStatus(order.status).label},
                number=order.number,
                status=order.status,
            )
        if order.payment_status not in MERGEABLE_PAYMENT_STATUSES or order.refunded_amount > ZERO:
            raise _not_mergeable(
                "refunded",
                _("Order %(number)s has refunds; it cannot be merged.") % {"number": order.number},
                number=order.number,
            )
    checks = (
        ("shop", lambda o: o.shop_id, _("The orders belong to different shops.")),
        ("buyer", lambda o: o.customer_id, _("The orders are of different buyers.")),
        (
            "address",
            lambda o: (o.province, o.city, o.district, o.address_detail),
            _("The orders go to different addresses."),
        ),
        (
            "payment",
            lambda o: (o.payment_status, o.payment_method),
            _("The orders mix payment kinds (paid, unpaid, cash on delivery)."),
        ),
    )
    for reason, key, message in checks:
        if any(key(order) != key(first) for order in orders):
            raise _not_mergeable(reason, message, numbers=[order.number for order in orders])


@transaction.atomic
def merge_orders(*, orders: Sequence[Order], actor: User | None, at: datetime | None = None) -> Order:
    """Merge open orders of one buyer into a new order; the originals are closed into it."""
    require(actor, "orders.merge")
    pks = [order.pk for order in orders]
    if len(set(pks)) < 2:
        raise ValidationFailed({"numbers": _("name at least two different orders")})
    at = at or timezone.now()
    originals = _lock(pks)
    _check_mergeable(originals)
    status_before = {order.pk: str(order.status) for order in originals}
    lines_by_order = {order.pk: list(order.lines.order_by("position")) for order in originals}
    merged = _merged_order(originals, actor=actor, at=at)
    moves = _copy_lines_into(merged, originals, lines_by_order)
    OrderLine.objects.filter(order_id__in=[order.pk for order in originals]).update(reserved_quantity=0)
    _move_reservations(moves, actor=actor, at=at)
    _close_into(originals, merged, actor=actor, at=at)
    events.write_event(
        merged,
        OrderEventType.MERGED,
        actor=actor,
        at=at,
        status=merged.status,
        total=str(merged.total),
        paid_amount=str(merged.paid_amount),
        originals=[
            {
                "number": order.number,
                "status": status_before[order.pk],
                "total": str(order.total),
                "paid_amount": str(order.paid_amount),
            }
            for order in originals
        ],
    )
    return merged


def _merged_order(originals: Sequence[Order], *, actor: User | None, at: datetime) -> Order:
    """The new order, saved: the first original's buyer, address and payment kind, the
    originals' messages, money and deadlines together. The messages are not marked with
    their order numbers: a mark would be read as part of the message, not understood,
    and hold the merged order for a person (issue 17); each original keeps its own."""
    first = originals[0]
    buyer_messages = [order.buyer_message.strip() for order in originals if order.buyer_message.strip()]
    # One a line, each once: two orders asking for the same thing ask for it once.
    buyer_message = "\n".join(dict.fromkeys(buyer_messages))
    subtotal = sum((order.subtotal for order in originals), ZERO)
    shipping_fee = sum((order.shipping_fee for order in originals), ZERO)
    is_unpaid = first.payment_status == PaymentStatus.UNPAID
    deadlines = [order.pay_deadline for order in originals if order.pay_deadline is not None]
    paid_times = [order.paid_at for order in originals if order.paid_at is not None]
    merged = Order(
        number=new_order_number(at),
        shop=first.shop,
        source=first.source,
        status=OrderStatus.UNPAID if is_unpaid else OrderStatus.PENDING_REVIEW,
        payment_status=first.payment_status,
        payment_method=first.payment_method,
        shipping_method=first.shipping_method,
        customer_id=first.customer_id,
        buyer_name=first.buyer_name,
        buyer_phone=first.buyer_phone,
        buyer_nickname=first.buyer_nickname,
        province=first.province,
        city=first.city,
        district=first.district,
        address_detail=first.address_detail,
        buyer_message=buyer_message,
        instructions=read_instructions(buyer_message).as_dict() if buyer_message else {},
        subtotal=subtotal,
        shipping_fee=shipping_fee,
        total=subtotal + shipping_fee,
        paid_amount=sum((order.paid_amount for order in originals), ZERO),
        pay_deadline=min(deadlines) if is_unpaid and deadlines else None,
        paid_at=max(paid_times) if paid_times and not is_unpaid else None,
        created_at=at,
        created_by=actor,
    )
    merged.save()
    return merged


def _copy_lines_into(
    merged: Order, originals: Sequence[Order], lines_by_order: dict[int, list[OrderLine]]
) -> list[tuple[OrderLine, str, str, int]]:
    """The originals' lines copied into the merged order in turn, their reservations with
    them; returns the reservations to move (line, from document, to document, units)."""
    new_lines: list[OrderLine] = []
    moves: list[tuple[OrderLine, str, str, int]] = []
    for order in originals:
        for line in lines_by_order[order.pk]:
            new_line = _copy_line(line, position=len(new_lines) + 1, quantity=line.quantity, origin=order.number)
            new_line.order = merged
            new_line.reserved_quantity = line.reserved_quantity
            new_lines.append(new_line)
            moves.append((line, order.number, merged.number, line.reserved_quantity))
    OrderLine.objects.bulk_create(new_lines)
    return moves


def _close_into(originals: Sequence[Order], merged: Order, *, actor: User | None, at: datetime) -> None:
    """Close each original as merged into `merged`, with its event."""
    reason = messages.message(texts.CLOSED_MERGED_INTO, number=merged.number)
    for order in originals:
        before = order.status
        order.status = next_status(order.status, OrderAction.MERGE)
        order.closed_at = at
        order.close_reason, order.close_reason_data = "", reason
        order.merged_into = merged
        order.save(update_fields=["status", "closed_at", "close_reason", "close_reason_data", "merged_into"])
        events.status_event(
            order, OrderEventType.MERGED_INTO, actor=actor, at=at, before=before, merged_number=merged.number
        )


def _status_before_merge(order: Order) -> str:
    event = order.events.filter(type=OrderEventType.MERGED_INTO).order_by("-at", "-pk").first()
    return str(event.data["status_before"]) if event else order.status


def _copy_line(line: OrderLine, *, position: int, quantity: int, origin: str) -> OrderLine:
    return OrderLine(
        position=position,
        sku_id=line.sku_id,
        sku_code=line.sku_code,
        name=line.name,
        attributes=line.attributes,
        quantity=quantity,
        unit_price=line.unit_price,
        list_price=line.list_price,
        warehouse_id=line.warehouse_id,
        reserved_quantity=0,
        presale_pending=line.presale_pending,
        origin_order_number=line.origin_order_number or origin,
        origin_position=line.origin_position if line.origin_order_number else line.position,
    )


@transaction.atomic
def unmerge_order(*, order: Order, actor: User | None, at: datetime | None = None) -> list[Order]:
    """Split a merged order back into its originals (lines, money, reservations)."""
    require(actor, "orders.merge")
    at = at or timezone.now()
    original_pks = list(Order.objects.filter(merged_into_id=order.pk).values_list("pk", flat=True))
    locked = _lock([order.pk, *original_pks])
    merged = next(row for row in locked if row.pk == order.pk)
    originals = [row for row in locked if row.pk != order.pk]
    _check_unmergeable(merged, originals)
    merged_lines = list(merged.lines.order_by("position"))
    by_origin = {(line.origin_order_number, line.origin_position): line for line in merged_lines}
    original_lines = {
        (original.number, line.position): line for original in originals for line in original.lines.order_by("position")
    }
    _check_unchanged(merged, originals, by_origin, original_lines)
    moves = []
    for key, line in original_lines.items():
        reserved = by_origin[key].reserved_quantity
        if reserved:
            OrderLine.objects.filter(pk=line.pk).update(reserved_quantity=reserved)
            moves.append((line, merged.number, key[0], reserved))
    OrderLine.objects.filter(order_id=merged.pk).update(reserved_quantity=0)
    _move_reservations(moves, actor=actor, at=at)
    numbers = [original.number for original in originals]
    _reopen(originals, merged, actor=actor, at=at)
    before = merged.status
    merged.status = next_status(merged.status, OrderAction.UNMERGE)
    merged.closed_at = at
    merged.close_reason = ""
    merged.close_reason_data = messages.message(texts.CLOSED_SPLIT_BACK, numbers=numbers)
    merged.save(update_fields=["status", "closed_at", "close_reason", "close_reason_data"])
    events.status_event(merged, OrderEventType.UNMERGED, actor=actor, at=at, before=before, originals=numbers)
    return originals


def _check_unmergeable(merged: Order, originals: list[Order]) -> None:
    """A merged order (it has originals) that the table lets be split back."""
    if not originals:
        raise Conflict(
            "order_not_merged",
            _("Order %(number)s is not a merged order.") % {"number": merged.number},
            details={"number": merged.number},
        )
    if not order_states.allows(merged.status, OrderAction.UNMERGE):
        raise Conflict(
            "order_not_unmergeable",
            _("Order %(number)s is %(status)s; it can be split back only before it ships.")
            % {"number": merged.number, "status": merged.status},
            details={"number": merged.number, "status": merged.status},
        )


def _check_unchanged(
    merged: Order,
    originals: list[Order],
    by_origin: dict[tuple[str, int | None], OrderLine],
    original_lines: dict[tuple[str, int], OrderLine],
) -> None:
    """The merged order still has the originals' lines, quantities and money, nothing refunded."""
    is_unchanged = (
        set(by_origin) == set(original_lines)
        and all(by_origin[key].quantity == line.quantity for key, line in original_lines.items())
        and merged.total == sum((original.total for original in originals), ZERO)
        and merged.paid_amount == sum((original.paid_amount for original in originals), ZERO)
        and merged.refunded_amount == ZERO
    )
    if not is_unchanged:
        raise Conflict(
            "merged_order_changed",
            _("Order %(number)s changed after the merge (lines or money); it cannot be split back.")
            % {"number": merged.number},
            details={"number": merged.number},
        )


def _reopen(originals: list[Order], merged: Order, *, actor: User | None, at: datetime) -> None:
    """Each original back in the status it had before the merge, with its event."""
    for original in originals:
        original.status = resumed_status(original.status, before_merge=_status_before_merge(original))
        original.closed_at = None
        original.close_reason, original.close_reason_data = "", {}
        original.merged_into = None
        original.save(update_fields=["status", "closed_at", "close_reason", "close_reason_data", "merged_into"])
        events.status_event(
            original,
            OrderEventType.UNMERGED,
            actor=actor,
            at=at,
            before=OrderStatus.CLOSED,
            merged_number=merged.number,
        )


def _part_number(number: str, index: int, at: datetime) -> str:
    candidate = f"{number}-{index}"
    # A part of a part of a part would outgrow the column: it gets a fresh number.
    return candidate if len(candidate) <= 20 else new_order_number(at)


def _apportion(amount: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """Split `amount` by `weights` to the cent, exactly (largest remainder, ties to the earlier)."""
    total = sum(weights, ZERO)
    cents = int(amount / CENT)
    if total == ZERO:
        shares = [0] * len(weights)
        shares[0] = cents
        return [Decimal(share) * CENT for share in shares]
    raw = [Decimal(cents) * weight / total for weight in weights]
    shares = [int(value) for value in raw]
    left = cents - sum(shares)
    for index in sorted(range(len(raw)), key=lambda i: (-(raw[i] - shares[i]), i))[:left]:
        shares[index] += 1
    return [Decimal(share) * CENT for share in shares]


def _check_parts(order: Order, lines: dict[int, OrderLine], parts: Sequence[Sequence[PartLine]]) -> None:
    bad: dict[str, str] = {}
    if len(parts) < 2:
        bad["parts"] = _("split into at least two parts")
    elif len(parts) > MAX_PARTS:
        bad["parts"] = _("at most %(n)s parts") % {"n": MAX_PARTS}
    totals: dict[int, int] = {}
    for part_index, part in enumerate(parts):
        if not part:
            bad[f"parts[{part_index}]"] = _("a part needs at least one line")
        for line_index, part_line in enumerate(part):
            path = f"parts[{part_index}][{line_index}]"
            if part_line.position not in lines:
                bad[f"{path}.position"] = _("no line %(n)s on this order") % {"n": part_line.position}
            if part_line.quantity <= 0:
                bad[f"{path}.quantity"] = _("must be more than 0")
            totals[part_line.position] = totals.get(part_line.position, 0) + part_line.quantity
    for position, line in lines.items():
        if totals.get(position, 0) != line.quantity:
            bad[f"lines[{position}]"] = _("the parts hold %(got)s of %(want)s units") % {
                "got": totals.get(position, 0),
                "want": line.quantity,
            }
    if bad:
        raise ValidationFailed(bad, _("The parts do not add up to order %(number)s.") % {"number": order.number})


@transaction.atomic
def split_order(
    *, order: Order, actor: User | None, parts: Sequence[Sequence[PartLine]], at: datetime | None = None
) -> list[Order]:
    """Split an order not yet shipped into parts that each ship and complete on their own."""
    require(actor, "orders.split")
    at = at or timezone.now()
    order = _lock([order.pk])[0]
    _check_splittable(order)
    lines = {line.position: line for line in order.lines.order_by("position")}
    _check_parts(order, lines, parts)
    created, moves = _save_parts(order, _part_lines(order, lines, parts), actor=actor, at=at)
    OrderLine.objects.filter(order_id=order.pk).update(reserved_quantity=0)
    _move_reservations(moves, actor=actor, at=at)
    numbers = [piece.number for piece in created]
    before = order.status
    order.status = next_status(order.status, OrderAction.SPLIT)
    order.closed_at = at
    order.close_reason = ""
    order.close_reason_data = messages.message(texts.CLOSED_SPLIT_INTO, numbers=numbers)
    order.save(update_fields=["status", "closed_at", "close_reason", "close_reason_data"])
    events.status_event(
        order,
        OrderEventType.SPLIT,
        actor=actor,
        at=at,
        before=before,
        parts=[
            {"number": piece.number, "total": str(piece.total), "paid_amount": str(piece.paid_amount)}
            for piece in created
        ],
    )
    for piece in created:
        events.write_event(
            piece, OrderEventType.SPLIT, actor=actor, at=at, split_from=order.number, status=piece.status
        )
    return created


def _check_splittable(order: Order) -> None:
    """The table lets the order split, and nothing of it has been refunded."""
    if not order_states.allows(order.status, OrderAction.SPLIT) or order.refunded_amount > ZERO:
        raise Conflict(
            "order_not_splittable",
            _("Order %(number)s is %(status)s; only orders not yet shipped and not refunded can be split.")
            % {"number": order.number, "status": order.status},
            details={"number": order.number, "status": order.status},
        )


def _part_lines(
    order: Order, lines: dict[int, OrderLine], parts: Sequence[Sequence[PartLine]]
) -> list[list[OrderLine]]:
    """Each part's lines (unsaved), numbered from 1. Reservations go with the units: a
    line's reserved units are handed out part by part."""
    reserved_left = {position: line.reserved_quantity for position, line in lines.items()}
    part_lines: list[list[OrderLine]] = []
    for requested in parts:
        quantities: dict[int, int] = {}
        for part_line in requested:
            quantities[part_line.position] = quantities.get(part_line.position, 0) + part_line.quantity
        built: list[OrderLine] = []
        for position in sorted(quantities):
            source = lines[position]
            new_line = _copy_line(source, position=len(built) + 1, quantity=quantities[position], origin=order.number)
            new_line.reserved_quantity = min(quantities[position], reserved_left[position])
            reserved_left[position] -= new_line.reserved_quantity
            built.append(new_line)
        part_lines.append(built)
    return part_lines


def _save_parts(
    order: Order, part_lines: list[list[OrderLine]], *, actor: User | None, at: datetime
) -> tuple[list[Order], list[tuple[OrderLine, str, str, int]]]:
    """One order per part, with its lines: the first part carries the shipping fee, what
    was paid is shared by the parts' totals to the cent, a held order's parts go back to
    review. Returns the parts and the reservations to move to them."""
    subtotals = [sum((line.unit_price * line.quantity for line in built), ZERO) for built in part_lines]
    fees = [order.shipping_fee if index == 0 else ZERO for index in range(len(part_lines))]
    totals = [subtotal + fee for subtotal, fee in zip(subtotals, fees, strict=True)]
    paid = _apportion(order.paid_amount, totals)
    status = OrderStatus.PENDING_REVIEW if order.status == OrderStatus.ON_HOLD else order.status
    created: list[Order] = []
    moves: list[tuple[OrderLine, str, str, int]] = []
    for index, built in enumerate(part_lines):
        piece = Order(
            number=_part_number(order.number, index + 1, at),
            shop=order.shop,
            source=order.source,
            status=status,
            payment_status=order.payment_status,
            payment_method=order.payment_method,
            shipping_method=order.shipping_method,
            customer_id=order.customer_id,
            buyer_name=order.buyer_name,
            buyer_phone=order.buyer_phone,
            buyer_nickname=order.buyer_nickname,
            province=order.province,
            city=order.city,
            district=order.district,
            address_detail=order.address_detail,
            buyer_message=order.buyer_message,
            instructions=order.instructions,
            flag_color=order.flag_color,
            flag_reason=order.flag_reason,
            subtotal=subtotals[index],
            shipping_fee=fees[index],
            total=totals[index],
            paid_amount=paid[index],
            pay_deadline=order.pay_deadline,
            paid_at=order.paid_at,
            approved_at=order.approved_at if status == OrderStatus.APPROVED else None,
            reviewed_at=order.reviewed_at if status == OrderStatus.APPROVED else None,
            created_at=at,
            created_by=actor,
            split_from=order,
        )
        piece.save()
        for line in built:
            line.order = piece
            moves.append((line, order.number, piece.number, line.reserved_quantity))
        OrderLine.objects.bulk_create(built)
        created.append(piece)
    return created, moves


def merge_candidates(*, order: Order) -> list[Order]:
    """Other orders that `merge_orders` would accept together with this one, placed within
    the shop's merge window of it (a read; the offer on the order page)."""
    if (
        not order_states.allows(order.status, OrderAction.MERGE)
        or order.payment_status not in MERGEABLE_PAYMENT_STATUSES
    ):
        return []
    # A part of a split was split on purpose (by hand, by warehouse, or for a dropship
    # supplier): it is never offered for merging again.
    if (
        order.split_from_id is not None
        or _has_dropship_purchase([order.pk])
        or _booked_parcels().filter(order=order).exists()
    ):
        return []
    window = review_settings_for([order.shop_id])[order.shop_id].merge_window
    return list(
        Order.objects.filter(
            ~Exists(_dropship_purchases().filter(for_order=OuterRef("pk"))),
            ~Exists(_booked_parcels().filter(order=OuterRef("pk"))),
            split_from__isnull=True,
            shop_id=order.shop_id,
            customer_id=order.customer_id,
            province=order.province,
            city=order.city,
            district=order.district,
            address_detail=order.address_detail,
            payment_status=order.payment_status,
            payment_method=order.payment_method,
            status__in=MERGEABLE_STATUSES,
            refunded_amount=ZERO,
            created_at__gte=order.created_at - window,
            created_at__lte=order.created_at + window,
        )
        .exclude(pk=order.pk)
        .order_by("pk")[:20]
    )


def merge_automatically(*, order: Order, actor: User | None = None) -> Order | None:
    """Merge the order with its candidates when its shop says so ("merge automatically");
    None when the setting is off or there is nothing to merge. Meant for the review step."""
    if not review_settings_for([order.shop_id])[order.shop_id].merge_automatically:
        return None
    candidates = merge_candidates(order=order)
    if not candidates:
        return None
    return merge_orders(orders=[order, *candidates], actor=actor)


__all__ = ["PartLine", "merge_automatically", "merge_candidates", "merge_orders", "split_order", "unmerge_order"]
