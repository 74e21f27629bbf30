"""The demo shop's order plan: what each order is, how its story goes and when.

Drawn from a seeded random generator before anything is written, so that the stock
each SKU needs can be worked out from the plan. Each order gets an ending (`Target`)
first and a timeline that fits it: every step in the past, nothing overdue (no unpaid
order past its deadline, no shipped order past its auto-confirmation), staff working
in working hours.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from django.utils import timezone

from sellerdesk.catalog.models import Sku
from sellerdesk.core.money import ZERO, to_money
from sellerdesk.demo import names
from sellerdesk.orders import actions as order_actions
from sellerdesk.shops.models import Shop


@dataclass(frozen=True)
class Item:
    sku: Sku
    price: Decimal
    weight: float
    multi_buy: bool


class Target(StrEnum):
    """Where an order's story ends; the two kinds of `closed` are told apart."""

    UNPAID = "unpaid"
    PENDING_REVIEW = "pending_review"
    APPROVED = "approved"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    COMPLETED = "completed"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


class Step(StrEnum):
    REPRICE = "reprice"
    NOTE = "note"
    FLAG = "flag"
    PAY = "pay"
    APPROVE = "approve"
    SHIP = "ship"
    DELIVER = "deliver"
    CONFIRM = "confirm"
    AUTO_CONFIRM = "auto_confirm"
    CANCEL = "cancel"
    EXPIRE = "expire"


@dataclass(frozen=True)
class Action:
    step: Step
    at: datetime
    actor: str | None = None  # a demo staff username (generate._STAFF); None: the system, gateway or buyer
    text: str = ""  # note text, flag or cancel or reprice reason
    color: str = ""
    carrier: str = ""
    tracking_number: str = ""
    method: str = ""
    reference: str = ""
    gateway: str = ""
    prices: dict[int, Decimal] = field(default_factory=dict)


@dataclass
class OrderPlan:
    target: Target
    draft: order_actions.OrderDraft
    placed_by: str | None
    actions: list[Action]

    @property
    def lines(self) -> list[order_actions.LineDraft]:
        return list(self.draft.lines)


@dataclass
class _Story:
    placed: datetime
    paid: datetime | None = None
    approved: datetime | None = None
    shipped: datetime | None = None
    delivered: datetime | None = None
    completed: datetime | None = None
    auto_confirmed: bool = False
    closed: datetime | None = None


@dataclass(frozen=True)
class _Identity:
    name: str
    phone: str
    nickname: str
    place: names.Place
    street: str


# Share of each ending, as days of trading that end there: an order spends about half a
# day waiting for review, a day approved, 2–3 days on the road, …, so a day's orders
# spread over the states as they would in a shop that has been running for a while.
def _target_weights(days: int) -> dict[Target, float]:
    return {
        Target.UNPAID: 1.0,
        Target.PENDING_REVIEW: 0.5,
        Target.APPROVED: 1.0,
        Target.SHIPPED: 2.5,
        Target.DELIVERED: 4.0,
        Target.COMPLETED: (days - 8) * 0.85,
        Target.EXPIRED: days * 0.05,
        Target.CANCELLED: days * 0.07,
    }


# Orders by local hour of the day: evenings are busiest, nights quiet.
_HOUR_WEIGHTS = (3, 1.5, 0.8, 0.5, 0.4, 0.5, 1, 2, 3, 4, 5, 5, 5, 5, 5, 5, 4.5, 4, 4, 5, 6.5, 7, 6.5, 5)
_SHOP_WEIGHTS = {"main": 40, "tmall": 35, "pdd": 25}
_SOURCES = {
    "main": {"manual": 20, "cod": 15, "remittance": 12, "api": 23, "inquiry": 15, "silent": 15},
    "tmall": {"inquiry": 45, "silent": 50, "api": 5},
    "pdd": {"inquiry": 30, "silent": 65, "api": 5},
}
# The first orders of the plan cover every ending, source, payment method, shipping
# method and shop, so that even a small demo shows each of them at least once.
_COVERAGE = (
    (Target.UNPAID, "tmall", "inquiry", "online", "express"),
    (Target.PENDING_REVIEW, "main", "remittance", "remittance", "express"),
    (Target.APPROVED, "main", "cod", "cod", "express"),
    (Target.SHIPPED, "pdd", "silent", "online", "express"),
    (Target.DELIVERED, "main", "manual", "online", "post"),
    (Target.COMPLETED, "main", "api", "online", "express"),
    (Target.EXPIRED, "pdd", "silent", "online", "express"),
    (Target.CANCELLED, "tmall", "inquiry", "online", "express"),
)


def _hours(value: float) -> timedelta:
    return timedelta(hours=value)


class OrderPlanner:
    def __init__(self, rng: random.Random, now: datetime, days: int, shops: list[Shop], items: list[Item]) -> None:
        self.rng, self.now, self.days = rng, now, days
        self.shops = {shop.code: shop for shop in shops}
        self.items = items
        self.item_weights = [item.weight for item in items]
        self.prices = {item.sku.code: item.price for item in items}
        self.phones: set[str] = set()
        self.nicknames: set[str] = set()
        self.references: set[str] = set()
        self.external_ids: set[str] = set()
        self.pools: dict[str, list[_Identity]] = {}

    def plan(self, count: int) -> list[OrderPlan]:
        if count and not self.items:
            raise ValueError("no SKUs to order")
        self.pools = {
            code: [self._identity(code) for _ in range(max(3, int(count * 0.65 * weight / 100)))]
            for code, weight in _SHOP_WEIGHTS.items()
        }
        weights = _target_weights(self.days)
        plans = []
        for index in range(count):
            if index < len(_COVERAGE):
                target, shop, source, payment, shipping = _COVERAGE[index]
            else:
                target = self.rng.choices(list(weights), weights=list(weights.values()))[0]
                shop = self.rng.choices(list(_SHOP_WEIGHTS), weights=list(_SHOP_WEIGHTS.values()))[0]
                source = self._source(shop, target)
                payment = self._payment_method(source, target)
                shipping = "post" if shop == "main" and self.rng.random() < 0.15 else "express"
            plans.append(self._plan_one(target, shop, source, payment, shipping, forced=index < len(_COVERAGE)))
        plans.sort(key=lambda plan: plan.draft.placed_at or self.now)
        return plans

    # -- who, what, how --

    def _source(self, shop: str, target: Target) -> str:
        sources = dict(_SOURCES[shop])
        if target in (Target.UNPAID, Target.EXPIRED):
            sources.pop("cod", None)  # cash-on-delivery orders have nothing to pay up front
        return self.rng.choices(list(sources), weights=list(sources.values()))[0]

    def _payment_method(self, source: str, target: Target) -> str:
        if source in ("cod", "remittance"):
            return source
        if source == "manual":
            methods = {"online": 50, "remittance": 30} | (
                {} if target in (Target.UNPAID, Target.EXPIRED) else {"cod": 20}
            )
            return self.rng.choices(list(methods), weights=list(methods.values()))[0]
        return "online"

    def _identity(self, shop: str) -> _Identity:
        phone = names.mobile_phone(self.rng)
        while phone in self.phones:
            phone = names.mobile_phone(self.rng)
        self.phones.add(phone)
        nickname = ""
        if shop != "main" or self.rng.random() < 0.5:
            nickname = names.nickname(self.rng, self.shops[shop].platform)
            while nickname in self.nicknames:
                nickname += str(self.rng.randrange(10))
            self.nicknames.add(nickname)
        return _Identity(
            names.person_name(self.rng), phone, nickname, names.place(self.rng), names.street_address(self.rng)
        )

    def _buyer(self, shop: str) -> _Identity:
        pool = self.pools[shop]
        # Regulars (the first seventh of the pool) place about a third of the orders.
        if self.rng.random() < 0.35:
            return self.rng.choice(pool[: max(1, len(pool) // 7)])
        return self.rng.choice(pool)

    def _lines(self) -> list[order_actions.LineDraft]:
        count = min(self.rng.choices((1, 2, 3, 4), weights=(55, 28, 12, 5))[0], len(self.items))
        chosen: list[Item] = []
        while len(chosen) < count:
            item = self.rng.choices(self.items, weights=self.item_weights)[0]
            if item not in chosen:
                chosen.append(item)
        lines = []
        for item in chosen:
            weights = (50, 30, 20) if item.multi_buy else (85, 12, 3)
            quantity = self.rng.choices((1, 2, 3), weights=weights)[0]
            # Some lines were bought in a promotion (活动价), below the list price.
            price = to_money(item.price * Decimal("0.9")) if self.rng.random() < 0.12 else None
            lines.append(order_actions.LineDraft(item.sku.code, quantity, price))
        return lines

    def _external_id(self, shop: str, source: str, placed: datetime) -> str:
        local = timezone.localtime(placed)
        while True:
            if shop == "tmall":
                external_id = "4" + "".join(str(self.rng.randrange(10)) for _ in range(18))
            elif shop == "pdd":
                external_id = local.strftime("%y%m%d-") + "".join(str(self.rng.randrange(10)) for _ in range(15))
            elif source in ("api", "inquiry", "silent"):
                external_id = local.strftime("WX%Y%m%d%H%M%S") + f"{self.rng.randrange(10000):04d}"
            else:
                return ""  # entered by staff: no platform order number
            if external_id not in self.external_ids:
                self.external_ids.add(external_id)
                return external_id

    def _reference(self, prefix_format: str, at: datetime, digits: int) -> str:
        while True:
            reference = timezone.localtime(at).strftime(prefix_format) + "".join(
                str(self.rng.randrange(10)) for _ in range(digits)
            )
            if reference not in self.references:
                self.references.add(reference)
                return reference

    # -- one order --

    def _plan_one(
        self, target: Target, shop_code: str, source: str, payment: str, shipping: str, *, forced: bool
    ) -> OrderPlan:
        rng, shop = self.rng, self.shops[shop_code]
        buyer = self._buyer(shop_code)
        lines = self._lines()
        message = rng.choice(names.BUYER_MESSAGES) if rng.random() < 0.18 else ""
        story = self._story(target, shop, payment, shipping, entered_by_staff=source == "manual")
        subtotal = sum(
            (
                (line.unit_price if line.unit_price is not None else self._price(line.sku)) * line.quantity
                for line in lines
            ),
            ZERO,
        )
        fee = ZERO
        if buyer.place.province in names.REMOTE_PROVINCES:
            fee = Decimal("15.00")
        elif shop_code != "pdd" and subtotal < Decimal("99"):
            fee = rng.choices((ZERO, Decimal("6.00"), Decimal("8.00")), weights=(40, 30, 30))[0]
        draft = order_actions.OrderDraft(
            buyer=order_actions.Buyer(buyer.name, buyer.phone, buyer.nickname),
            address=order_actions.Address(buyer.place.province, buyer.place.city, buyer.place.district, buyer.street),
            lines=lines,
            shop=shop_code,
            external_id=self._external_id(shop_code, source, story.placed),
            source=source,
            payment_method=payment,
            shipping_method=shipping,
            buyer_message=message,
            shipping_fee=fee,
            placed_at=story.placed,
        )
        actions = self._actions(target, story, draft, forced=forced)
        placed_by = rng.choice(("agent", "xiaomei")) if source == "manual" else None
        return OrderPlan(target, draft, placed_by, sorted(actions, key=lambda action: action.at))

    def _price(self, code: str) -> Decimal:
        return self.prices[code]

    def _working(self, at: datetime, start: int, end: int) -> datetime:
        """The same moment if staff are at work then, else within their first hours back
        (the night's backlog is worked off in the morning, not all at opening time)."""
        local = timezone.localtime(at)
        if start <= local.hour < end:
            return at
        day = local if local.hour < start else local + timedelta(days=1)
        opening = day.replace(hour=start, minute=0, second=0, microsecond=0)
        return opening + timedelta(minutes=self.rng.uniform(0, 180))

    def _during_work_before(self, at: datetime, end: datetime) -> datetime:
        """A staff member's moment: moved into working hours unless that passes `end`."""
        moved = self._working(at, 9, 22)
        return moved if moved < end else at

    def _pay_delay(self, payment: str, window: timedelta) -> timedelta:
        rng = self.rng
        if payment == "remittance":
            delay = _hours(rng.uniform(1, 48))
        else:
            roll = rng.random()
            delay = _hours(
                rng.uniform(0.02, 0.3) if roll < 0.65 else rng.uniform(0.3, 4) if roll < 0.9 else rng.uniform(4, 30)
            )
        return min(delay, window - _hours(0.5))

    def _story(self, target: Target, shop: Shop, payment: str, shipping: str, *, entered_by_staff: bool) -> _Story:
        """Timestamps of each step up to `target`, all in the past, none of them overdue.

        Overdue would be an unpaid order past its deadline or a shipped order past its
        auto-confirmation: the sweep would already have moved them on.
        """
        rng, now = self.rng, self.now
        window = shop.payment_window
        auto_confirm = shop.auto_confirm_after(shipping)
        earliest = now - timedelta(days=self.days)
        window_hours = window.total_seconds() / 3600
        ages = {
            Target.UNPAID: (0.05, window_hours - 0.2),
            Target.PENDING_REVIEW: (0.3, 30.0),
            Target.APPROVED: (1.0, 60.0),
            Target.SHIPPED: (4.0, 24.0 * (8 if shipping == "express" else 20)),
            Target.DELIVERED: (24.0, 24.0 * (14 if shipping == "express" else 34)),
            Target.COMPLETED: (60.0, 24.0 * self.days),
            Target.EXPIRED: (window_hours, 24.0 * self.days),
            Target.CANCELLED: (0.5, 24.0 * self.days),
        }
        low, high = ages[target]
        is_cod = payment == "cod"
        cancel_stage = ""
        if target == Target.CANCELLED:
            stages = {"approved": 30, "paid": 70} if is_cod else {"unpaid": 60, "paid": 30, "approved": 10}
            cancel_stage = rng.choices(list(stages), weights=list(stages.values()))[0]
        for _attempt in range(1000):
            fraction = rng.random() ** 2 if target == Target.UNPAID else rng.random()
            placed = now - _hours(low + (high - low) * fraction)
            hour = timezone.localtime(placed).hour
            if rng.random() * max(_HOUR_WEIGHTS) > _HOUR_WEIGHTS[hour] or (entered_by_staff and not 9 <= hour < 22):
                continue
            story = self._steps(target, cancel_stage, placed, payment, shipping, window, auto_confirm)
            if self._fits(story, target, earliest, window, auto_confirm, has_deadline=not is_cod):
                return story
        raise RuntimeError(f"cannot fit a {target} order into {self.days} days")

    def _fits(
        self,
        story: _Story,
        target: Target,
        earliest: datetime,
        window: timedelta,
        auto_confirm: timedelta,
        *,
        has_deadline: bool,
    ) -> bool:
        steps = (
            story.placed,
            story.paid,
            story.approved,
            story.shipped,
            story.delivered,
            story.completed,
            story.closed,
        )
        if story.placed < earliest or max(step for step in steps if step is not None) > self.now - timedelta(minutes=1):
            return False
        if story.paid is not None and story.paid >= story.placed + window:
            return False  # paid after its deadline: the order would have been closed
        if target == Target.CANCELLED and has_deadline and story.paid is None and story.closed is not None:
            return story.closed < story.placed + window  # cancelled before the sweep would close it
        if target == Target.UNPAID:
            return story.placed + window > self.now
        if target in (Target.SHIPPED, Target.DELIVERED):
            return story.shipped is not None and story.shipped + auto_confirm > self.now
        return True

    def _steps(
        self,
        target: Target,
        cancel_stage: str,
        placed: datetime,
        payment: str,
        shipping: str,
        window: timedelta,
        auto_confirm: timedelta,
    ) -> _Story:
        rng = self.rng
        story = _Story(placed)
        if target == Target.UNPAID:
            return story
        if target == Target.EXPIRED:
            story.closed = placed + window + timedelta(seconds=rng.randrange(5, 90))
            return story
        if target == Target.CANCELLED and cancel_stage == "unpaid":
            story.closed = self._working(placed + _hours(rng.uniform(0.1, 48)), 9, 22)
            return story
        review_from = placed
        if payment != "cod":
            story.paid = placed + self._pay_delay(payment, window)
            if payment == "remittance":
                story.paid = self._working(story.paid, 9, 21)
            review_from = story.paid
        if target == Target.PENDING_REVIEW:
            return story
        if target == Target.CANCELLED and cancel_stage == "paid":
            story.closed = self._working(review_from + _hours(rng.uniform(0.2, 12)), 9, 22)
            return story
        story.approved = self._working(review_from + _hours(rng.uniform(0.1, 6)), 9, 22)
        if target == Target.APPROVED:
            return story
        if target == Target.CANCELLED:
            story.closed = self._working(story.approved + _hours(rng.uniform(0.5, 12)), 9, 22)
            return story
        story.shipped = self._working(story.approved + _hours(rng.uniform(2, 30)), 9, 18)
        if target == Target.SHIPPED:
            return story
        road = rng.uniform(18, 96) if shipping == "express" else rng.uniform(72, 200)
        if target == Target.DELIVERED or rng.random() < 0.9:
            story.delivered = self._working(story.shipped + _hours(road), 8, 21)
        if target == Target.DELIVERED:
            return story
        deadline = story.shipped + auto_confirm
        by_buyer = (story.delivered or story.shipped + _hours(road)) + _hours(rng.uniform(0.5, 120))
        if rng.random() < 0.7 and by_buyer < deadline:
            story.completed = by_buyer
        else:
            story.completed, story.auto_confirmed = deadline, True
        return story

    def _actions(self, target: Target, story: _Story, draft: order_actions.OrderDraft, *, forced: bool) -> list[Action]:
        rng = self.rng
        actions: list[Action] = []
        is_cod = draft.payment_method == "cod"
        reprice = self._reprice(target, story, draft, is_cod=is_cod, forced=forced)
        if reprice is not None:
            actions.append(reprice)
        if story.paid is not None:
            actions.append(self._payment(story.paid, draft))
        approver = rng.choices(("agent", "xiaomei", "lijie"), weights=(45, 35, 20))[0]
        if story.approved is not None:
            actions.append(Action(Step.APPROVE, story.approved, approver))
        if story.shipped is not None:
            carrier = self._carrier(draft)
            actions.append(
                Action(
                    Step.SHIP,
                    story.shipped,
                    "xiaowang",
                    carrier=carrier.name,
                    tracking_number=names.tracking_number(rng, carrier),
                )
            )
        if story.delivered is not None:
            actions.append(Action(Step.DELIVER, story.delivered))
        if is_cod and story.shipped is not None:
            cash = self._cod_cash(story, shipped=story.shipped)
            if cash is not None:
                actions.append(cash)
        if story.completed is not None:
            step = Step.AUTO_CONFIRM if story.auto_confirmed else Step.CONFIRM
            actions.append(Action(step, story.completed))
        if story.closed is not None:
            actions.append(self._closing(target, story, closed=story.closed))
        actions.extend(self._notes_and_flags(story, is_cod=is_cod, forced=forced, approver=approver))
        return actions

    def _reprice(
        self, target: Target, story: _Story, draft: order_actions.OrderDraft, *, is_cod: bool, forced: bool
    ) -> Action | None:
        """A discount agreed in chat before payment (改价), mostly on inquiry orders."""
        rng = self.rng
        unpaid_until = story.paid or story.closed or self.now
        wants_discount = draft.source in ("inquiry", "manual") and rng.random() < 0.2
        if is_cod or not (wants_discount or (forced and target == Target.UNPAID)):
            return None
        at = self._during_work_before(
            story.placed + (unpaid_until - story.placed) * rng.uniform(0.2, 0.8), unpaid_until
        )
        if at - story.placed < timedelta(seconds=30):
            return None
        first = draft.lines[0]
        price = first.unit_price if first.unit_price is not None else self._price(first.sku)
        new_price = max(to_money(int(price * Decimal(rng.uniform(0.85, 0.95)))), Decimal("1.00"))
        return Action(
            Step.REPRICE,
            at,
            rng.choice(("agent", "xiaomei")),
            text=rng.choice(names.REPRICE_REASONS),
            prices={1: new_price},
        )

    def _payment(self, paid: datetime, draft: order_actions.OrderDraft) -> Action:
        """The buyer's payment: a bank remittance entered by staff, or the gateway's notification."""
        rng = self.rng
        if draft.payment_method == "remittance":
            reference = self._reference(f"{rng.choice(names.BANKS)}%Y%m%d", paid, 8)
            return Action(Step.PAY, paid, rng.choice(("lijie", "owner")), method="remittance", reference=reference)
        # The simulated gateway's transaction id, in the style of the big wallets.
        reference = self._reference("%Y%m%d2200", paid, 16)
        return Action(Step.PAY, paid, None, method="online", reference=reference, gateway="simulated")

    def _cod_cash(self, story: _Story, *, shipped: datetime) -> Action | None:
        """The carrier hands over the cash it collected a few days after delivery (if that
        is before now)."""
        handed_over = (story.delivered or shipped + _hours(72)) + _hours(self.rng.uniform(24, 72))
        handed_over = self._working(handed_over, 9, 18)
        if handed_over > self.now - timedelta(minutes=1):
            return None
        return Action(
            Step.PAY,
            handed_over,
            "lijie",
            method="cod",
            reference=self._reference("COD%Y%m%d", handed_over, 8),
        )

    def _closing(self, target: Target, story: _Story, *, closed: datetime) -> Action:
        """Closed unpaid by the sweep, or cancelled by staff with a reason fitting how far it got."""
        if target == Target.EXPIRED:
            return Action(Step.EXPIRE, closed)
        reasons = (
            names.CANCEL_REASONS_APPROVED
            if story.approved
            else names.CANCEL_REASONS_PAID
            if story.paid
            else names.CANCEL_REASONS_UNPAID
        )
        return Action(
            Step.CANCEL, closed, self.rng.choice(("agent", "xiaomei", "lijie")), text=self.rng.choice(reasons)
        )

    def _carrier(self, draft: order_actions.OrderDraft) -> names.Carrier:
        carriers: tuple[names.Carrier, ...]
        if draft.shipping_method == "post":
            carriers = names.POST_CARRIERS
        elif "顺丰" in draft.buyer_message:
            return names.SF
        else:
            carriers = tuple(
                c for c in names.EXPRESS_CARRIERS if not ("中通" in draft.buyer_message and c.style == "zto")
            )
        return self.rng.choices(carriers, weights=[carrier.weight for carrier in carriers])[0]

    def _notes_and_flags(self, story: _Story, *, is_cod: bool, forced: bool, approver: str) -> list[Action]:
        rng, now = self.rng, self.now
        actions = []
        end = story.closed or story.completed or now
        if forced or rng.random() < 0.16:
            # Most notes are written while the order is still being handled.
            at = self._during_work_before(story.placed + (end - story.placed) * rng.uniform(0.05, 0.95) ** 2, end)
            if not is_cod and (story.paid is None or at < story.paid):
                text, author = rng.choice(names.NOTES_UNPAID), rng.choice(("agent", "xiaomei"))
            elif story.shipped is None or at < story.shipped:
                if rng.random() < 0.25:
                    text, author = rng.choice(names.NOTES_WAREHOUSE), "xiaowang"
                else:
                    text, author = rng.choice(names.NOTES_BEFORE_SHIPPING), approver
            else:
                received = story.delivered is not None and at >= story.delivered
                text = rng.choice(names.NOTES_DELIVERED if received else names.NOTES_IN_TRANSIT)
                author = rng.choice(("agent", "xiaomei"))
            actions.append(Action(Step.NOTE, at, author, text=text))
        if forced or rng.random() < 0.07:
            color, reason = rng.choice(names.FLAGS)
            # Flags tell the warehouse something, so they are set before the parcel leaves.
            flag_end = story.shipped or story.closed or now
            at = self._during_work_before(story.placed + (flag_end - story.placed) * rng.uniform(0.05, 0.9), flag_end)
            actions.append(Action(Step.FLAG, at, rng.choice(("agent", "xiaomei", "lijie")), text=reason, color=color))
        return actions
