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

from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sellerdesk.catalog.models import Sku
from sellerdesk.catalog.pricing.queries import PriceQuote, PriceRequest, expected_unit_prices, price_matches
from sellerdesk.core import messages
from sellerdesk.core.addresses import check_address, check_phone
from sellerdesk.customers.models import Customer
from sellerdesk.orders.hooks import CARRIER_COVERAGE, CarrierInfo
from sellerdesk.orders.models import Order, OrderLine, OrderSource
from sellerdesk.orders.queries import CreditCheck, check_credit
from sellerdesk.orders.states import MERGEABLE, OrderStatus, PaymentStatus
from sellerdesk.shops.models import ReviewSettings


@dataclass(frozen=True)
class Finding:
    """Why an order must wait for a person: a stable code, a sentence, and maybe a fix.

    A finding a rule makes also carries `text`, the code and parameters of its sentence
    (core.messages): that is what a hold stores, so each reader sees it in their language;
    `message` is the sentence in the language active when it was found. A reason a person
    typed has no `text`: it is kept as typed."""

    code: str
    message: str
    suggestion: dict[str, Any] | None = None
    text: dict[str, Any] | None = field(default=None, compare=False)

    @classmethod
    def coded(cls, code: str, text_code: str, suggestion: dict[str, Any] | None = None, **params: Any) -> Finding:
        """A finding whose sentence is the registered template `text_code` with `params`."""
        text = messages.message(text_code, **params)
        return cls(code, messages.render(text), suggestion, text)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "suggestion": self.suggestion}

    def as_stored(self) -> dict[str, Any]:
        """As the HELD event stores it: the sentence as its code when it has one."""
        return {"code": self.code, "message": self.text or self.message, "suggestion": self.suggestion}


# The sentences of the rules' findings, stored as codes (core.messages). "%(cod)s" is the
# registered " with cash on delivery" when the order is paid on delivery.
def _cod(data: Any) -> dict[str, Any]:
    return {**data, "cod": _(" with cash on delivery") if data.get("cod") else ""}


FINDING_TEXTS: dict[str, tuple[Any, dict[str, Any]]] = {
    "finding_stock_short": (
        gettext_lazy("Line %(position)s (%(sku)s): %(reserved)s of %(quantity)s reserved."),
        {"position": 1, "sku": "TEE-RED-M", "reserved": 1, "quantity": 3},
    ),
    "finding_message_not_understood": (
        gettext_lazy("The buyer wrote something no rule understood: “%(text)s”."),
        {"text": "周末别送"},
    ),
    "finding_total_above_limit": (
        gettext_lazy("The total ¥%(total)s is above the shop's limit of ¥%(limit)s."),
        {"total": "6000.00", "limit": "5000.00"},
    ),
    "finding_quantity_above_limit": (
        gettext_lazy("%(quantity)s items is above the shop's limit of %(limit)s."),
        {"quantity": 60, "limit": 50},
    ),
    "finding_other_open_orders": (
        gettext_lazy("The same buyer has other open orders: %(numbers)s."),
        {"numbers": "2612060001, 2612060002"},
    ),
    "finding_cod_cap": (
        gettext_lazy(
            "A buyer without a completed order placed %(count)s cash-on-delivery orders today; the shop allows %(cap)s."
        ),
        {"count": 2, "cap": 1},
    ),
    "finding_requested_carrier_out_of_area": (
        gettext_lazy("The buyer asked for %(carrier)s, which does not deliver there%(cod)s."),
        {"carrier": "顺丰", "cod": True},
    ),
    "finding_no_carrier": (
        gettext_lazy("No carrier delivers to %(area)s%(cod)s (超区)."),
        {"area": "西藏自治区阿里地区", "cod": False},
    ),
    "finding_over_credit": (
        gettext_lazy("¥%(due)s on credit is more than the ¥%(remaining)s of credit the customer has left."),
        {"due": "800.00", "remaining": "500.00"},
    ),
    "finding_price_off_list": (
        gettext_lazy("Line %(position)s (%(sku)s) is sold at ¥%(price)s; the price list says ¥%(expected)s."),
        {"position": 1, "sku": "TEE-RED-M", "price": "39.00", "expected": "59.00"},
    ),
}
_WITH_COD = {"finding_requested_carrier_out_of_area", "finding_no_carrier"}
for _text_code, (_template, _example) in FINDING_TEXTS.items():
    messages.register(_text_code, _template, format=_cod if _text_code in _WITH_COD else None, example=_example)


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
REASON_LABELS: dict[str, Promise] = {
    MANUAL: gettext_lazy("Held by hand"),
    "balance_due": gettext_lazy("Money owed after a change"),  # held by orders.changes
    "dropship_supplier": gettext_lazy("No dropship supplier"),  # held by purchasing.dropship
}


def reason_label(code: str) -> str:
    if code in RULES:
        return str(RULES[code].label)
    return str(REASON_LABELS.get(code, code))


# --- stock --------------------------------------------------------------------------


def _dropship_skus(orders: Sequence[Order], context: ReviewContext) -> frozenset[int]:
    """SKUs a supplier ships (分销): their lines reserve none of our stock."""
    sku_ids = {line.sku_id for lines in context.lines.values() for line in lines}
    return frozenset(Sku.objects.filter(pk__in=sku_ids, is_dropship=True).values_list("pk", flat=True))


@rule("stock", gettext_lazy("Stock reserved"), prepare=_dropship_skus)
def stock_is_reserved(order: Order, context: ReviewContext) -> list[Finding]:
    dropship: frozenset[int] = context.data["stock"]
    short = [
        line
        for line in context.lines_of(order)
        if line.reserved_quantity < line.quantity and line.sku_id not in dropship
    ]
    return [
        Finding.coded(
            "stock",
            "finding_stock_short",
            {"sku": line.sku_code, "missing": line.quantity - line.reserved_quantity},
            position=line.position,
            sku=line.sku_code,
            reserved=line.reserved_quantity,
            quantity=line.quantity,
        )
        for line in short
    ]


# --- the buyer's message ------------------------------------------------------------


@rule("buyer_message", gettext_lazy("Buyer message"))
def message_is_understood(order: Order, context: ReviewContext) -> list[Finding]:
    instructions = order.buyer_instructions
    if not instructions.needs_reading:
        return []
    return [Finding.coded("buyer_message", "finding_message_not_understood", None, text=instructions.unrecognised)]


# --- size of the order --------------------------------------------------------------


@rule("large_order", gettext_lazy("Large order"))
def order_is_not_too_large(order: Order, context: ReviewContext) -> list[Finding]:
    settings = context.settings_of(order)
    findings = []
    if order.total > settings.max_order_total:
        findings.append(
            Finding.coded(
                "large_order",
                "finding_total_above_limit",
                None,
                total=str(order.total),
                limit=str(settings.max_order_total),
            )
        )
    quantity = sum(line.quantity for line in context.lines_of(order))
    if quantity > settings.max_total_quantity:
        findings.append(
            Finding.coded(
                "large_order",
                "finding_quantity_above_limit",
                None,
                quantity=quantity,
                limit=settings.max_total_quantity,
            )
        )
    return findings


# --- other open orders of the same customer (merge candidates) ----------------------

# Other orders of the buyer in a status the merge action takes (allocated and not yet
# picked included), so that the rule names no order the merge would refuse for its status.
MERGE_CANDIDATE_STATUSES = MERGEABLE


def _open_orders_by_customer(
    orders: Sequence[Order], context: ReviewContext
) -> dict[tuple[int, int], list[tuple[int, str]]]:
    rows = (
        Order.objects.filter(
            customer_id__in={order.customer_id for order in orders}, status__in=MERGE_CANDIDATE_STATUSES
        )
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
        Finding.coded("merge_candidate", "finding_other_open_orders", {"merge_with": others}, numbers=", ".join(others))
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
    return [Finding.coded("cod_risk", "finding_cod_cap", None, count=place, cap=cap)]


# --- the address and the phone --------------------------------------------------------


def _address_checks(orders: Sequence[Order], context: ReviewContext) -> dict[int, list[Finding]]:
    findings: dict[int, list[Finding]] = {}
    for order in orders:
        checked = check_address(order.province, order.city, order.district, order.address_detail)
        suggestion = None
        if checked.suggestion is not None:
            suggestion = {
                "province": checked.suggestion.province,
                "city": checked.suggestion.city,
                "district": checked.suggestion.district,
                "detail": checked.suggestion.detail,
            }
        found = [
            Finding(
                "address",
                problem.message,
                {"field": problem.field, "problem": problem.code, "address": suggestion},
                problem.text,
            )
            for problem in checked.problems
        ]
        found += [
            Finding("address", problem.message, {"field": "buyer.phone", "problem": problem.code}, problem.text)
            for problem in check_phone(order.buyer_phone)
        ]
        findings[order.pk] = found
    return findings


@rule("address", gettext_lazy("Address and phone"), prepare=_address_checks)
def address_is_real(order: Order, context: ReviewContext) -> list[Finding]:
    found: list[Finding] = context.data["address"].get(order.pk, [])
    return found


# --- a carrier that reaches the address ---------------------------------------------


def _active_carriers(orders: Sequence[Order], context: ReviewContext) -> list[CarrierInfo]:
    return CARRIER_COVERAGE.get().active_carriers()


@rule("carrier", gettext_lazy("Carrier reaches the address"), prepare=_active_carriers)
def a_carrier_reaches(order: Order, context: ReviewContext) -> list[Finding]:
    carriers: list[CarrierInfo] = context.data["carrier"]
    if not carriers:
        return []  # no carrier set up at all: nothing to judge against
    needs_cod = order.payment_method == "cod"
    coverage = CARRIER_COVERAGE.get()
    reaching = [
        carrier
        for carrier in carriers
        if (carrier.supports_cod or not needs_cod)
        and coverage.reaches(carrier, order.province, order.city, order.district)
    ]
    wanted = order.buyer_instructions.preferred_carrier
    if wanted and wanted not in {carrier.code for carrier in reaching}:
        return [
            Finding.coded(
                "carrier",
                "finding_requested_carrier_out_of_area",
                {"carriers": [carrier.code for carrier in reaching]},
                carrier=wanted,
                cod=needs_cod,
            )
        ]
    if not reaching:
        return [
            Finding.coded(
                "carrier",
                "finding_no_carrier",
                None,
                area=f"{order.province}{order.city}{order.district}",
                cod=needs_cod,
            )
        ]
    return []


# --- customer credit (B2B) -----------------------------------------------------------


def _credit_checks(orders: Sequence[Order], context: ReviewContext) -> dict[int, CreditCheck]:
    """Only B2B customers and customers given credit are checked: a handful per batch."""
    customers = {
        customer.pk: customer
        for customer in Customer.objects.filter(pk__in={order.customer_id for order in orders}).filter(
            Q(is_b2b=True) | Q(credit_limit__gt=0)
        )
    }
    return {
        order.pk: check_credit(customers[order.customer_id], order.balance_due, exclude_order_id=order.pk)
        for order in orders
        if order.customer_id in customers and order.balance_due > 0
    }


@rule("credit", gettext_lazy("Customer credit"), prepare=_credit_checks)
def within_credit(order: Order, context: ReviewContext) -> list[Finding]:
    checked: CreditCheck | None = context.data["credit"].get(order.pk)
    if checked is None or checked.is_within:
        return []
    return [
        Finding.coded(
            "credit",
            "finding_over_credit",
            {"over_by": str(checked.over_by)},
            due=str(order.balance_due),
            remaining=str(checked.remaining),
        )
    ]


# --- prices against the price lists ---------------------------------------------------


def _price_quotes(orders: Sequence[Order], context: ReviewContext) -> dict[int, list[PriceQuote]]:
    """One query per (customer level, shop) in the batch, however many orders."""
    levels = dict(Customer.objects.filter(pk__in={order.customer_id for order in orders}).values_list("pk", "level_id"))
    groups: dict[tuple[int | None, int], list[Order]] = defaultdict(list)
    for order in orders:
        groups[(levels.get(order.customer_id), order.shop_id)].append(order)
    quotes: dict[int, list[PriceQuote]] = {}
    for (level_id, shop_id), members in groups.items():
        requests = [
            PriceRequest(sku_id=line.sku_id, quantity=line.quantity)
            for order in members
            for line in context.lines_of(order)
        ]
        answers = iter(expected_unit_prices(requests, level_id=level_id, shop_id=shop_id, at=context.now))
        for order in members:
            quotes[order.pk] = [next(answers) for _line in context.lines_of(order)]
    return quotes


@rule("price", gettext_lazy("Price list"), prepare=_price_quotes)
def prices_match_the_price_list(order: Order, context: ReviewContext) -> list[Finding]:
    # A marketplace priced its own order and collected the money (its coupons spread over
    # the lines): there is no price of ours to correct. The rule guards the prices our
    # people and our API set.
    if order.source == OrderSource.MARKETPLACE:
        return []
    quotes: list[PriceQuote] = context.data["price"].get(order.pk, [])
    return [
        Finding.coded(
            "price",
            "finding_price_off_list",
            {"position": line.position, "unit_price": str(quote.unit_price)},
            position=line.position,
            sku=line.sku_code,
            price=str(line.unit_price),
            expected=str(quote.unit_price),
        )
        for line, quote in zip(context.lines_of(order), quotes, strict=True)
        if not price_matches(line.unit_price, quote)
    ]
