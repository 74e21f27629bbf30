"""Load a believable demo shop into an empty database.

Every order is played through the real actions (place, reprice, pay, approve, ship,
deliver, confirm, cancel, expire) with timestamps in the past, so stock, the stock
ledger, customers, payments and the audit timeline agree exactly as they would after
two months of trading. The plan is drawn first from a seeded random generator; the
stock each SKU needs is derived from the plan, so no order can fail for stock.

The same seed and the same `now` give the same shop (order numbers and passwords aside,
which come from `secrets`).
"""

from __future__ import annotations

import random
import secrets
import string
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from sellerdesk.allocation.actions import (
    active_warehouses,
    allocate_approved_orders,
    allocate_in_batches,
    approved_order_ids,
)
from sellerdesk.catalog.actions import create_sku
from sellerdesk.catalog.models import Product, Sku
from sellerdesk.core.demo_credentials import write_credentials
from sellerdesk.core.models import User
from sellerdesk.core.permissions import Role
from sellerdesk.customers.models import Customer
from sellerdesk.demo import catalog
from sellerdesk.demo.aftersales import load_demo_aftersales
from sellerdesk.demo.allocation import load_demo_allocation
from sellerdesk.demo.crm import CrmStaff, crm_order_plans, load_demo_aftersales_history, load_demo_crm
from sellerdesk.demo.dropship import load_demo_dropship
from sellerdesk.demo.fulfilment import load_demo_fulfilment
from sellerdesk.demo.inventory import load_demo_inventory
from sellerdesk.demo.logistics import load_demo_logistics, simulated_scenario, track_at_once
from sellerdesk.demo.marketplaces import load_demo_marketplaces
from sellerdesk.demo.notifications import ReminderPlayer, load_demo_notifications
from sellerdesk.demo.planner import Item, OrderPlan, OrderPlanner, Step, Target
from sellerdesk.demo.purchasing import load_demo_purchasing
from sellerdesk.demo.service import load_demo_service
from sellerdesk.inventory.actions import set_on_hand
from sellerdesk.inventory.models import Warehouse
from sellerdesk.logistics.defaults import load_default_carriers, load_default_rates
from sellerdesk.logistics.models import Carrier, CarrierCoverage, CarrierRate
from sellerdesk.logistics.tracking import poll_tracking
from sellerdesk.orders import actions as order_actions
from sellerdesk.orders.models import Order
from sellerdesk.orders.review import actions as review_actions
from sellerdesk.orders.tasks import review_paid_orders
from sellerdesk.payments.actions import record_payment
from sellerdesk.shops.models import Platform, ReviewSettings, Shop

DEFAULT_SEED = 20261122
MIN_DAYS = 14


@dataclass(frozen=True)
class DemoConfig:
    orders: int = 2000
    days: int = 60
    seed: int = DEFAULT_SEED
    # Load only this many SKUs of the catalogue (tests use a few); None loads all ~300.
    sku_limit: int | None = None
    now: datetime | None = None


@dataclass(frozen=True)
class DemoSummary:
    shops: list[str]
    products: int
    skus: int
    customers: int
    orders_by_status: dict[str, int]
    credentials: list[tuple[str, str]]
    seconds: float


# How a caller hears of the load's progress: (steps done, steps in all, what was just done).
ProgressReport = Callable[[int, int, str], None]

# The order history is played in chunks of this many orders, each one step of the progress.
HISTORY_CHUNK = 200

# The steps of a load besides the history's chunks, in the order they are reported.
STEPS = (
    "staff, shops and the catalogue",
    "opening stock",
    "warehouses, bins, counts and transfers",
    "carriers and their rates",
    # the history's chunks come here
    "parcels tracked",
    "approved orders allocated",
    "presale and stockouts",
    "the warehouse's waves",
    "purchasing and dropship",
    "parcels in trouble and ratings",
    "after-sales",
    "the service desk",
    "marketplace imports",
    "messages and reminders",
    "review and allocation sweep",
    "customers and the dashboard",
)


class _Progress:
    """Counts the load's steps and tells `report` (if any) after each."""

    def __init__(self, report: ProgressReport | None, *, orders: int) -> None:
        self.report = report
        self.total = len(STEPS) + -(-orders // HISTORY_CHUNK)
        self.done = 0

    def step(self, label: str) -> None:
        self.done += 1
        if self.report is not None:
            self.report(self.done, self.total, label)


def catalogue_size() -> int:
    return sum(len(product.variants) for product in catalog.PRODUCTS)


def database_is_empty() -> bool:
    """No orders and no SKUs: the state a fresh `migrate` leaves."""
    return not Order.objects.exists() and not Sku.objects.exists()


def load_demo_shop(*, config: DemoConfig, progress: ProgressReport | None = None) -> DemoSummary:
    """Create staff, shops, the catalogue with stock, and `config.orders` orders.

    All of it in one transaction, so that a failure leaves the database empty and
    `demo --if-empty` tries again next time. The passwords of `owner` and `agent` are
    written to the demo-credentials file once the transaction has committed.
    `progress`, when given, is called after each step with (steps done, steps in all,
    what was done); the last call has done == in all.
    """
    if config.days < MIN_DAYS:
        raise ValueError(f"days must be at least {MIN_DAYS}")
    if config.orders < 0:
        raise ValueError("orders must be 0 or more")
    if config.sku_limit is not None and not 1 <= config.sku_limit <= catalogue_size():
        raise ValueError(f"sku_limit must be between 1 and {catalogue_size()}")
    started = time.monotonic()
    rng = random.Random(config.seed)
    now = config.now or timezone.now()
    with transaction.atomic():
        staff, credentials = _create_staff()
        shops = _set_up_shops()
        items = _create_catalogue(rng, staff.owner, config.sku_limit)
        plans = OrderPlanner(rng, now, config.days, shops, items).plan(config.orders)
        # The CRM's wholesale customers (some lapsed months ago) and a buyer known twice,
        # from a generator of their own so the orders above stay as they were.
        plans += crm_order_plans(rng=random.Random(config.seed + 15), now=now, items=items)
        plans.sort(key=lambda plan: plan.draft.placed_at or now)
        steps = _Progress(progress, orders=len(plans))
        steps.step(STEPS[0])
        first_placed = min((plan.draft.placed_at or now for plan in plans), default=now)
        counted_at = min(now - timedelta(days=config.days), first_placed) - timedelta(days=1)
        _stock_up(rng, items, plans, staff.warehouse, counted_at=counted_at)
        steps.step(STEPS[1])
        # 上海 (the default), 广州 and 北京, with bins, counts and transfers, before any order.
        load_demo_inventory(rng=rng, skus=[item.sku for item in items], actor=staff.owner, now=now)
        steps.step(STEPS[2])
        # The carriers, as a migrated database has them: an order shipped is tracked.
        load_default_carriers(Carrier, CarrierCoverage)
        load_default_rates(Carrier, CarrierRate)
        steps.step(STEPS[3])
        # The payment reminders of the orders while they were unpaid (at the good hours).
        reminding = ReminderPlayer(
            rng=random.Random(config.seed + 13), owner=staff.owner, agents=[staff.agent, staff.agent2], now=now
        )
        # The history's parcels all arrived (the logistics demo adds the troubled ones),
        # and the tracking sweep has polled them: the carrier's scans up to `now`.
        with simulated_scenario("normal"):
            for start in range(0, len(plans), HISTORY_CHUNK):
                chunk = plans[start : start + HISTORY_CHUNK]
                for plan in chunk:
                    _play(plan, staff, reminding)
                steps.step(f"orders {start + len(chunk)} of {len(plans)} played")
        poll_tracking(now)
        steps.step(STEPS[4])
        _allocate_as_approved(until=now - timedelta(hours=1))
        steps.step(STEPS[5])
        _later_capabilities(
            steps,
            rng,
            staff,
            items,
            now,
            credentials,
            crm_rng=random.Random(config.seed + 17),
            market_rng=random.Random(config.seed + 21),
            days=config.days,
        )
        # Last, the sweep at `now`: review of what was paid (the demos' orders too), then
        # allocation of what that approved.
        _review(shops, staff, now)
        allocate_approved_orders(now=now)
        steps.step(STEPS[14])
        # Customers' levels, tags, books, groups, the saved segment, the dashboard's weeks
        # of history, and its fact rows rebuilt over every day of the demo.
        load_demo_crm(
            rng=random.Random(config.seed + 19),
            staff=_crm_staff(staff),
            now=now,
            days=config.days,
        )
        steps.step(STEPS[15])
    if credentials:
        write_credentials(credentials)
    by_status = Counter(Order.objects.values_list("status", flat=True))
    return DemoSummary(
        shops=[shop.name for shop in shops],
        products=Product.objects.count(),
        skus=Sku.objects.count(),
        customers=Customer.objects.count(),
        orders_by_status=dict(sorted(by_status.items())),
        credentials=credentials,
        seconds=time.monotonic() - started,
    )


# --- staff and shops ---------------------------------------------------------------


@dataclass(frozen=True)
class Staff:
    owner: User
    agent: User
    agent2: User
    supervisor: User
    warehouse: User


# (username, role, display name, password printed for the demo: one login for each role
# a visitor may want to try; 小美 only appears in the history)
_STAFF = (
    ("owner", Role.OWNER, "老板", True),
    ("agent", Role.AGENT, "阿华", True),
    ("xiaomei", Role.AGENT, "小美", False),
    ("lijie", Role.SUPERVISOR, "丽姐", True),
    ("xiaowang", Role.WAREHOUSE, "小王", True),
)


def _password() -> str:
    alphabet = "".join(c for c in string.ascii_letters + string.digits if c not in "0O1lI")
    return "".join(secrets.choice(alphabet) for _ in range(16))


def _create_staff() -> tuple[Staff, list[tuple[str, str]]]:
    # Seed data: there is no user-management action yet, so the accounts are created
    # with Django's own user manager. An account that exists already is left as it is.
    users: dict[str, User] = {}
    credentials: list[tuple[str, str]] = []
    for username, role, display_name, printed in _STAFF:
        existing = User.objects.filter(username=username).first()
        if existing is not None:
            users[username] = existing
            continue
        is_owner = role == Role.OWNER
        # Staff who only appear in the history get no password; the owner can set one.
        password = _password() if printed else None
        users[username] = User.objects.create_user(
            username=username,
            password=password,
            role=role,
            display_name=display_name,
            is_staff=is_owner,
            is_superuser=is_owner,
        )
        if password is not None:
            credentials.append((username, password))
    return Staff(users["owner"], users["agent"], users["xiaomei"], users["lijie"], users["xiaowang"]), credentials


def _crm_staff(staff: Staff) -> CrmStaff:
    return CrmStaff(staff.owner, staff.agent, staff.agent2, staff.supervisor)


def _set_up_shops() -> list[Shop]:
    # Seed data: there is no shops action yet, so the demo writes Shop rows directly.
    # The default shop `main` comes from a data migration (created here when absent).
    main = Shop.objects.filter(code="main").first() or Shop(code="main", is_default=True)
    main.name, main.platform = "暖阳小铺 官方微店", Platform.WEB
    main.save()
    tmall, _created = Shop.objects.update_or_create(
        code="tmall", defaults={"name": "暖阳小铺 天猫旗舰店", "platform": Platform.TMALL}
    )
    # Pinduoduo closes unpaid orders the next day: a per-shop payment window.
    pdd, _created = Shop.objects.update_or_create(
        code="pdd", defaults={"name": "暖阳小铺 拼多多店", "platform": Platform.PINDUODUO, "payment_window_days": 1}
    )
    return [main, tmall, pdd]


def _review(shops: list[Shop], staff: Staff, now: datetime) -> None:
    """What review would have done by now: the main shop approves by hand (clean orders
    wait for a person), an agent has held one order, the sweep reviewed the rest."""
    ReviewSettings.objects.update_or_create(shop=shops[0], defaults={"auto_approve": False})
    waiting = list(Order.objects.filter(status="pending_review").order_by("pk")[:2])
    if len(waiting) == 2:  # one is held, one still waits for review
        review_actions.hold_order(order=waiting[0], actor=staff.agent, reason="买家说要改收货地址，等确认", at=now)
    review_paid_orders(now)


def _allocate_as_approved(*, until: datetime) -> None:
    """What the allocation scheduled on approval did: each approved order allocated a
    minute after its last step, oldest first, up to `until`; later ones wait for the sweep."""
    due = []
    for order in Order.objects.filter(pk__in=approved_order_ids()):
        last = order.events.aggregate(last=Max("at"))["last"] or order.approved_at or order.created_at
        at = last + timedelta(minutes=1)
        if at <= until:
            due.append((at, order.pk))
    warehouses = active_warehouses()
    for at, pk in sorted(due):
        allocate_in_batches([pk], now=at, warehouses=warehouses)


def _later_capabilities(
    steps: _Progress,
    rng: random.Random,
    staff: Staff,
    items: list[Item],
    now: datetime,
    credentials: list[tuple[str, str]],
    *,
    crm_rng: random.Random,
    market_rng: random.Random,
    days: int,
) -> None:
    """Presale, stockouts handled every way, purchasing in every state, dropship with the
    supplier's login, parcels with tracking and problems, ratings, after-sales, the service
    desk, messages and payment reminders: each capability's own
    demo loader, run on the shop the orders above made, every one of them at `now`."""
    # Its orders were allocated over the last two days; the sweep at `now` comes last.
    load_demo_allocation(rng=rng, actor=staff.owner, agent=staff.agent, now=now, sweep=False)
    steps.step(STEPS[6])
    # The warehouse's last hour: waves of the orders allocated by then.
    load_demo_fulfilment(rng=rng, actor=staff.owner, now=now)
    steps.step(STEPS[7])
    warehouses = list(Warehouse.objects.filter(is_active=True).order_by("priority", "pk"))
    skus = [item.sku for item in items]
    load_demo_purchasing(rng=rng, skus=skus, warehouses=warehouses, actor=staff.owner, now=now)
    with simulated_scenario("normal"):  # the suppliers' parcels arrive too
        credentials += load_demo_dropship(rng=rng, actor=staff.owner, now=now).credentials
    poll_tracking(now)
    steps.step(STEPS[8])
    load_demo_logistics(rng=rng, actor=staff.agent, now=now)
    steps.step(STEPS[9])
    # After-sales: the seed's stories on orders of their own, a case in every status.
    load_demo_aftersales(rng=rng, agent=staff.agent, supervisor=staff.supervisor, warehouse=staff.warehouse, now=now)
    # The dashboard's weeks of after-sales cases before those (their own generator).
    load_demo_aftersales_history(rng=crm_rng, staff=_crm_staff(staff), now=now, days=days)
    steps.step(STEPS[10])
    # The service desk on a working morning: its conversations are about the orders above;
    # its email replies and surveys are outbox history like every other message. A copy of
    # the generator, so that the stages after it draw the same numbers as before it came.
    service_rng = random.Random()
    service_rng.setstate(rng.getstate())
    load_demo_service(rng=service_rng, agent=staff.agent, agent2=staff.agent2, supervisor=staff.supervisor, now=now)
    steps.step(STEPS[11])
    # The 天猫 shop's Taobao export imported (twice: the second changes nothing), its
    # simulated connector, and a few of its orders shipped this morning (their messages are
    # history like the others'); the sweep at `now` reviews and allocates the rest.
    load_demo_marketplaces(rng=market_rng, owner=staff.owner, agent=staff.agent, warehouse=staff.warehouse, now=now)
    steps.step(STEPS[12])
    # Last: the webhook's story, the reminder sweep at night, and every message above marked
    # sent but the newest few (so a fresh `make run` does not send thousands).
    load_demo_notifications(rng=rng, owner=staff.owner, agent=staff.agent, agent2=staff.agent2, now=now)
    steps.step(STEPS[13])


# --- catalogue and stock -----------------------------------------------------------


_SIZE_WEIGHTS = {"S": 0.8, "M": 1.3, "L": 1.1, "XL": 0.6, "26": 0.8, "27": 1.2, "28": 1.2, "29": 0.9, "30": 0.5}


def _create_catalogue(rng: random.Random, owner: User, limit: int | None) -> list[Item]:
    variants = list(catalog.all_variants())
    chosen = set(range(len(variants))) if limit is None else set(rng.sample(range(len(variants)), limit))
    products: dict[str, Product] = {}
    items = []
    for index, (plan, variant) in enumerate(variants):
        if index not in chosen:
            continue
        if plan.code not in products:
            # Seed data: products have no action of their own yet (create_sku takes one).
            products[plan.code] = Product.objects.create(name=plan.name, category=plan.category)
        sku = create_sku(
            actor=owner,
            code=variant.code,
            name=plan.name,
            price=variant.price,
            attributes=variant.attributes,
            barcode=catalog.barcode(index + 1),
            product=products[plan.code],
        )
        weight = plan.popularity * _SIZE_WEIGHTS.get(variant.attributes.get("尺码", ""), 1.0)
        items.append(Item(sku, variant.price, weight, plan.multi_buy))
    return items


def _stock_up(
    rng: random.Random, items: list[Item], plans: list[OrderPlan], actor: User, *, counted_at: datetime
) -> None:
    """Stock each SKU with what its orders take plus a remainder; a few end sold out or low.

    Orders are played one after the other and a closed order gives its reservation back
    before the next is placed, so on-hand = units shipped + units still reserved +
    the largest closed line + remainder is always enough.
    """
    kept: Counter[str] = Counter()
    largest_closed: Counter[str] = Counter()
    for plan in plans:
        for line in plan.lines:
            if plan.target in (Target.EXPIRED, Target.CANCELLED):
                largest_closed[line.sku] = max(largest_closed[line.sku], line.quantity)
            else:
                kept[line.sku] += line.quantity
    for item in items:
        code = item.sku.code
        roll = rng.random()
        remainder = 0 if roll < 0.06 else rng.randrange(1, 6) if roll < 0.14 else rng.randrange(15, 160)
        remainder = max(remainder, largest_closed[code])
        set_on_hand(sku=item.sku, on_hand=kept[code] + remainder, actor=actor, note="期初盘点", at=counted_at)


# --- playing the plan through the actions --------------------------------------------


def _play(plan: OrderPlan, staff: Staff, reminding: ReminderPlayer) -> Order:
    users = {
        "owner": staff.owner,
        "agent": staff.agent,
        "xiaomei": staff.agent2,
        "lijie": staff.supervisor,
        "xiaowang": staff.warehouse,
    }
    order = order_actions.place_order(draft=plan.draft, actor=users[plan.placed_by] if plan.placed_by else None)
    for action in plan.actions:
        actor = users[action.actor] if action.actor else None
        match action.step:
            case Step.REPRICE:
                order = order_actions.change_line_prices(
                    order=order, actor=actor, prices=action.prices, reason=action.text, at=action.at
                )
            case Step.NOTE:
                assert actor is not None
                order_actions.add_note(order=order, actor=actor, text=action.text, at=action.at)
            case Step.FLAG:
                order = order_actions.set_flag(
                    order=order, actor=actor, color=action.color, reason=action.text, at=action.at
                )
            case Step.PAY:
                reminding.before_payment(order, at=action.at, will_pay=True)
                # `order` is the latest copy an action returned: its total includes any reprice.
                record_payment(
                    order=order,
                    amount=order.total - order.paid_amount,
                    method=action.method,
                    reference=action.reference,
                    actor=actor,
                    gateway=action.gateway,
                    at=action.at,
                )
            case Step.APPROVE:
                order = order_actions.approve_order(order=order, actor=actor, at=action.at)
            case Step.SHIP:
                order = order_actions.ship_order(
                    order=order,
                    actor=actor,
                    carrier=action.carrier,
                    tracking_number=action.tracking_number,
                    at=action.at,
                )
                track_at_once(order)
            case Step.DELIVER:
                order = order_actions.deliver_order(order=order, actor=actor, at=action.at)
            case Step.CONFIRM:
                order = order_actions.confirm_receipt(order=order, actor=actor, at=action.at)
            case Step.AUTO_CONFIRM:
                # The sweep's own path, as if it had run at the auto-confirmation time.
                if not order_actions.auto_confirm_receipt(order_id=order.pk, now=action.at):
                    raise RuntimeError(f"demo order {order.number} did not auto-confirm")
            case Step.CANCEL:
                reminding.before_payment(order, at=action.at, will_pay=False)
                order = order_actions.cancel_order(order=order, actor=actor, reason=action.text, at=action.at)
            case Step.EXPIRE:
                reminding.before_payment(order, at=action.at, will_pay=False)
                if not order_actions.close_expired_order(order_id=order.pk, now=action.at):
                    raise RuntimeError(f"demo order {order.number} did not expire")
    return order
