"""The review rules (审单). Each rule is a small function `(order, context) -> findings`.

A rule reads only the order and the ReviewContext; what it needs from the database for
a whole batch of orders is loaded once by its `prepare` function (a bounded number of
queries per batch, never per order) and handed to it as `context.data[code]`.

Adding a rule is one function and one decorator:

    @rule("address", gettext_lazy("Address"), prepare=load_address_checks)
    def address_is_valid(order, context):
        ...
        return [Finding("address", _("…"), {"district": "西湖区"})]
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sellerdesk.orders.models import Order, OrderLine
from sellerdesk.orders.states import OrderStatus, PaymentStatus
from sellerdesk.shops.models import ReviewSettings


@dataclass(frozen=True)
class Finding:
    """Why an order must wait for a person: a stable code, a sentence, and maybe a fix."""

    code: str
    message: str
    suggestion: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "suggestion": self.suggestion}


@dataclass
class ReviewContext:
    """What the rules know about a batch of orders, read in a fixed number of queries."""

    now: datetime
    settings: dict[int, ReviewSettings]  # by shop id
    lines: dict[int, list[OrderLine]]  # by order id
    data: dict[str, Any] = field(default_factory=dict)  # by rule code, from its `prepare`

    def settings_of(self, order: Order) -> ReviewSettings:
        return self.settings[order.shop_id]

    def lines_of(self, order: Order) -> list[OrderLine]:
        return self.lines.get(order.pk, [])


Check = Callable[[Order, ReviewContext], list[Finding]]
Prepare = Callable[[Sequence[Order], ReviewContext], Any]


@dataclass(frozen=True)
class Rule:
    code: str
    label: Promise
    check: Check
    prepare: Prepare | None = None


RULES: dict[str, Rule] = {}


def rule(code: str, label: Promise, *, prepare: Prepare | None = None) -> Callable[[Check], Check]:
    """Register a review rule under a stable code (used in holds, events and settings)."""

    def register(check: Check) -> Check:
        RULES[code] = Rule(code, label, check, prepare)
        return check

    return register


# Codes of holds that no rule makes: an agent held the order by hand.
MANUAL = "manual"
REASON_LABELS: dict[str, Promise] = {MANUAL: gettext_lazy("Held by hand")}


def reason_label(code: str) -> str:
    if code in RULES:
        return str(RULES[code].label)
    return str(REASON_LABELS.get(code, code))


# --- stock --------------------------------------------------------------------------


@rule("stock", gettext_lazy("Stock reserved"))
def stock_is_reserved(order: Order, context: ReviewContext) -> list[Finding]:
    short = [line for line in context.lines_of(order) if line.reserved_quantity < line.quantity]
    return [
        Finding(
            "stock",
            _("Line %(position)s (%(sku)s): %(reserved)s of %(quantity)s reserved.")
            % {
                "position": line.position,
                "sku": line.sku_code,
                "reserved": line.reserved_quantity,
                "quantity": line.quantity,
            },
            {"sku": line.sku_code, "missing": line.quantity - line.reserved_quantity},
        )
        for line in short
    ]


# --- the buyer's message ------------------------------------------------------------


@rule("buyer_message", gettext_lazy("Buyer message"))
def message_is_understood(order: Order, context: ReviewContext) -> list[Finding]:
    instructions = order.buyer_instructions
    if not instructions.needs_reading:
        return []
    return [
        Finding(
            "buyer_message",
            _("The buyer wrote something no rule understood: “%(text)s”.") % {"text": instructions.unrecognised},
            None,
        )
    ]


# --- size of the order --------------------------------------------------------------


@rule("large_order", gettext_lazy("Large order"))
def order_is_not_too_large(order: Order, context: ReviewContext) -> list[Finding]:
    settings = context.settings_of(order)
    findings = []
    if order.total > settings.max_order_total:
        findings.append(
            Finding(
                "large_order",
                _("The total ¥%(total)s is above the shop's limit of ¥%(limit)s.")
                % {"total": order.total, "limit": settings.max_order_total},
                None,
            )
        )
    quantity = sum(line.quantity for line in context.lines_of(order))
    if quantity > settings.max_total_quantity:
        findings.append(
            Finding(
                "large_order",
                _("%(quantity)s items is above the shop's limit of %(limit)s.")
                % {"quantity": quantity, "limit": settings.max_total_quantity},
                None,
            )
        )
    return findings


# --- other open orders of the same customer (merge candidates) ----------------------

UNSHIPPED = [OrderStatus.UNPAID, OrderStatus.PENDING_REVIEW, OrderStatus.ON_HOLD, OrderStatus.APPROVED]


def _open_orders_by_customer(
    orders: Sequence[Order], context: ReviewContext
) -> dict[tuple[int, int], list[tuple[int, str]]]:
    rows = (
        Order.objects.filter(customer_id__in={order.customer_id for order in orders}, status__in=UNSHIPPED)
        .order_by("created_at", "pk")
        .values_list("customer_id", "shop_id", "pk", "number")
    )
    found: dict[tuple[int, int], list[tuple[int, str]]] = defaultdict(list)
    for customer_id, shop_id, pk, number in rows:
        found[(customer_id, shop_id)].append((pk, number))
    return found


@rule("merge_candidate", gettext_lazy("Other open orders"), prepare=_open_orders_by_customer)
def no_other_open_orders(order: Order, context: ReviewContext) -> list[Finding]:
    others = [
        number
        for pk, number in context.data["merge_candidate"].get((order.customer_id, order.shop_id), [])
        if pk != order.pk
    ]
    if not others:
        return []
    return [
        Finding(
            "merge_candidate",
            _("The same buyer has other open orders: %(numbers)s.") % {"numbers": ", ".join(others)},
            {"merge_with": others},
        )
    ]


# --- cash on delivery from buyers without a completed order -------------------------


@dataclass(frozen=True)
class CodFacts:
    reputable: frozenset[int]  # customers with a completed order
    rank: dict[int, int]  # order id -> 1-based place among the buyer's COD orders of that day in that shop


def _local_day(at: datetime) -> datetime:
    local = timezone.localtime(at)
    return timezone.make_aware(datetime.combine(local.date(), time.min), local.tzinfo)


def _cod_facts(orders: Sequence[Order], context: ReviewContext) -> CodFacts:
    cod = [order for order in orders if order.payment_status == PaymentStatus.COD]
    if not cod:
        return CodFacts(frozenset(), {})
    customers = {order.customer_id for order in cod}
    reputable = frozenset(
        Order.objects.filter(customer_id__in=customers, status=OrderStatus.COMPLETED)
        .values_list("customer_id", flat=True)
        .distinct()
    )
    start = min(_local_day(order.created_at) for order in cod)
    end = max(_local_day(order.created_at) for order in cod) + timedelta(days=1)
    same_days: dict[tuple[int, int, Any], list[tuple[datetime, int]]] = defaultdict(list)
    rows = (
        Order.objects.filter(
            customer_id__in=customers - reputable,
            payment_method="cod",
            created_at__gte=start,
            created_at__lt=end,
        )
        .exclude(status=OrderStatus.CLOSED)
        .values_list("customer_id", "shop_id", "created_at", "pk")
    )
    for customer_id, shop_id, created_at, pk in rows:
        same_days[(customer_id, shop_id, timezone.localtime(created_at).date())].append((created_at, pk))
    rank = {}
    for day_orders in same_days.values():
        for place, (_at, pk) in enumerate(sorted(day_orders), start=1):
            rank[pk] = place
    return CodFacts(reputable, rank)


@rule("cod_risk", gettext_lazy("Cash on delivery risk"), prepare=_cod_facts)
def cod_within_daily_cap(order: Order, context: ReviewContext) -> list[Finding]:
    if order.payment_status != PaymentStatus.COD:
        return []
    facts: CodFacts = context.data["cod_risk"]
    if order.customer_id in facts.reputable:
        return []
    cap = context.settings_of(order).cod_orders_per_day_new_buyer
    place = facts.rank.get(order.pk, 1)
    if place <= cap:
        return []
    return [
        Finding(
            "cod_risk",
            _(
                "A buyer without a completed order placed %(count)s cash-on-delivery orders today; "
                "the shop allows %(cap)s."
            )
            % {"count": place, "cap": cap},
            None,
        )
    ]
