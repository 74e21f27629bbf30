"""The demo shop's customers (CRM) and the history its dashboard reads (issue 15).

Two parts, both played through the real actions:

- `crm_order_plans`: orders the CRM needs in the shop's history, planned with the other
  orders (so their stock is counted and they are played in time order with the rest):
  wholesale customers who ordered in bulk and stopped three to five months ago (the
  members of the segment "bought over ¥500, not in 90 days"), wholesale customers who
  order every fortnight, and one buyer who ordered once under her nickname and once by
  phone — two customers of one shop sharing a phone, ready to merge.
- `load_demo_aftersales_history`, after the after-sales demo: three cases a week over the
  weeks before that demo's own.
- `load_demo_crm`, run last: level thresholds and the tiers' automatic move up, a
  wholesale level given by hand with its reason, the agent in charge of every customer,
  the business customers' terms (number, credit, payment terms, route, transport,
  unloading), address books, tags, notes, buyer groups, the saved segment; the weeks of
  the service desk's daily figures before the service demo's own (its last days), so
  each dashboard figure has a trend; and, at the end, the daily fact rows rebuilt over
  the whole history.

The desk's history is written as its daily figures only (service.figures.add, the
counters the desk keeps as things happen): playing thirteen weeks of conversations
through the desk would multiply the demo's load time, and the dashboard reads only
the figures. Its conversations are those of the service demo (its last days).
"""

from __future__ import annotations

import io
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from sellerdesk.aftersales import actions as aftersales_actions
from sellerdesk.aftersales import refunds
from sellerdesk.aftersales.actions import LineRequest
from sellerdesk.aftersales.models import CaseType, Reason, RefundStatus
from sellerdesk.analytics import facts
from sellerdesk.core.models import User
from sellerdesk.core.money import ZERO, to_money
from sellerdesk.crm import segments
from sellerdesk.customers import book, groups, tiers
from sellerdesk.customers.actions import create_customer_level, update_customer
from sellerdesk.customers.models import Customer, CustomerLevel, CustomerTag, TransportMode
from sellerdesk.demo import names
from sellerdesk.demo.planner import Action, Item, OrderPlan, Step, Target
from sellerdesk.demo.service import HISTORY_DAYS as DESK_DEMO_DAYS
from sellerdesk.orders import actions as order_actions
from sellerdesk.orders.models import Order, OrderLine
from sellerdesk.service import figures
from sellerdesk.shops.models import Shop

# The demo command's default history (13 weeks): a quarter of days, and a previous period
# beside the dashboard's default fortnight and most of its default eight weeks.
HISTORY_DAYS = 91
# The saved segment of the issue's "done when", and its rules (crm.segments' format).
LAPSED_SEGMENT = "消费满500元、90天未下单"
LAPSED_RULES = {"spent": {"min": "500.00"}, "recency": {"not_within_days": 90}}
# The days the after-sales demo's own cases cover (its stories are of the last week).
RECENT_DAYS = 10


@dataclass(frozen=True)
class WholesaleBuyer:
    name: str
    phone: str
    address: tuple[str, str, str, str]
    number: str
    company: str
    # Orders placed this many days ago.
    orders_days_ago: tuple[int, ...]
    route_order: int | None = None
    transport_mode: str = TransportMode.FREIGHT
    vehicle: str = ""
    credit_limit: Decimal = ZERO
    payment_terms_days: int = 0
    discount_note: str = ""
    delivery_area: str = ""
    unloading_notes: str = ""
    delivery_requirements: str = ""
    delayed_order_handling: str = ""


# Stopped ordering three to five months ago: the lapsed segment's members.
LAPSED_BUYERS = (
    WholesaleBuyer(
        "周建国",
        "13857146203",
        ("浙江省", "杭州市", "上城区", "九堡服装市场 3 楼 318 档"),
        "PF-0007",
        "建国服饰档口",
        (151, 118),
        route_order=7,
        vehicle="",
        credit_limit=Decimal("5000.00"),
        payment_terms_days=30,
        discount_note="满 50 件 9 折",
        delivery_area="杭州市区",
    ),
    WholesaleBuyer(
        "何丽娟",
        "13926083571",
        ("广东省", "广州市", "越秀区", "站西路 38 号 站西服装城 2 楼 2116"),
        "PF-0011",
        "丽娟女装批发",
        (139, 104),
        discount_note="批发价，运费到付",
    ),
    WholesaleBuyer(
        "马志强",
        "13619218847",
        ("陕西省", "西安市", "新城区", "康复路 12 号 康复路批发市场 B 区 56 号"),
        "PF-0015",
        "志强服装商行",
        (146, 97),
        credit_limit=Decimal("3000.00"),
        payment_terms_days=15,
    ),
)
# Order every two weeks or so; their terms fill every profile field.
ACTIVE_BUYERS = (
    WholesaleBuyer(
        "陈海燕",
        "13757129834",
        ("浙江省", "杭州市", "余杭区", "临平街道世纪大道 88 号 暖冬服饰仓库"),
        "PF-0001",
        "暖冬服饰（杭州）",
        (88, 74, 60, 46, 32, 19, 9),
        route_order=1,
        transport_mode=TransportMode.TRUCK,
        vehicle="4.2 米厢式货车",
        credit_limit=Decimal("20000.00"),
        payment_terms_days=30,
        discount_note="批发价 8 折；月结，每月 5 日对账",
        delivery_area="杭州余杭、临平",
        unloading_notes="后门卸货，到前一小时打仓库电话 0571-86251234",
        delivery_requirements="每箱贴款号、尺码标签；不要泡沫填充",
        delayed_order_handling="先发有货的部分，缺货部分补发，不取消",
    ),
    WholesaleBuyer(
        "刘卫东",
        "18652031479",
        ("江苏省", "苏州市", "姑苏区", "石路 169 号 东方商厦 1 楼 A12"),
        "PF-0003",
        "卫东服装店",
        (84, 63, 41, 22, 11),
        route_order=2,
        transport_mode=TransportMode.FREIGHT,
        vehicle="德邦物流 零担",
        credit_limit=Decimal("8000.00"),
        payment_terms_days=15,
        discount_note="满 3000 元 9 折",
        delivery_area="苏州市区",
        unloading_notes="商场上午 10 点前可卸货，走货梯",
        delivery_requirements="发货前拍照发微信确认",
        delayed_order_handling="延误超过 3 天电话通知，由客户决定是否取消",
    ),
)


@dataclass(frozen=True)
class _Duplicate:
    name: str
    phone: str
    nickname: str
    address: tuple[str, str, str, str]


# One buyer of the main shop known twice: once by her nickname (ordering on the web
# shop), once by phone (an order an agent entered): a pair duplicate_candidates finds.
DUPLICATE = _Duplicate(
    "宋佳", "13916027384", "佳佳爱穿搭", ("上海市", "上海市", "浦东新区", "张杨路 500 号 华润时代广场 12 楼")
)

_TAGS = {
    "VIP": "#c0392b",
    "老客户": "#2e86c1",
    "批发": "#7d3c98",
    "爱砍价": "#d68910",
    "尺码偏大": "#17a589",
}
_NOTES = (
    "喜欢宽松版型，推荐款式时优先发 L 码",
    "只在晚上 8 点后回复消息，白天别打电话",
    "上次物流慢有抱怨，这次发顺丰",
    "送过一次赠品袜子，反馈很好",
    "老客户介绍来的，注意维护",
    "对价格敏感，有活动再通知",
)


# --- the orders in the history ---------------------------------------------------------------


def _local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.get_current_timezone())


def _wholesale_lines(rng: random.Random, items: Sequence[Item], minimum: Decimal) -> list[order_actions.LineDraft]:
    """Two or three SKUs by the dozen, at least `minimum` in all."""
    chosen = rng.sample(list(items), min(len(items), rng.choice((2, 3))))
    quantities = {item.sku.code: rng.choice((6, 10, 12, 20)) for item in chosen}
    total = sum((item.price * quantities[item.sku.code] for item in chosen), ZERO)
    while total < minimum:  # cheap SKUs: more of the first
        quantities[chosen[0].sku.code] += 6
        total += chosen[0].price * 6
    return [order_actions.LineDraft(item.sku.code, quantities[item.sku.code]) for item in chosen]


def _delivered_story(
    rng: random.Random, placed: datetime, *, paid_by: str | None, reference: str, method: str
) -> list[Action]:
    """Paid the same afternoon, approved, shipped the next morning, delivered and received."""
    paid = placed + timedelta(hours=rng.uniform(1, 4))
    approved = paid + timedelta(hours=1)
    shipped = _local(timezone.localtime(approved).date() + timedelta(days=1), 10, rng.randrange(60))
    delivered = shipped + timedelta(hours=rng.uniform(30, 54))
    carrier = rng.choice(names.EXPRESS_CARRIERS[:5])
    return [
        Action(Step.PAY, paid, paid_by, method=method, reference=reference, gateway="" if paid_by else "simulated"),
        Action(Step.APPROVE, approved, "lijie"),
        Action(
            Step.SHIP, shipped, "xiaowang", carrier=carrier.name, tracking_number=names.tracking_number(rng, carrier)
        ),
        Action(Step.DELIVER, delivered),
        Action(Step.CONFIRM, delivered + timedelta(hours=rng.uniform(4, 30))),
    ]


def crm_order_plans(*, rng: random.Random, now: datetime, items: Sequence[Item]) -> list[OrderPlan]:
    """The wholesale customers' orders (lapsed and active) and the duplicate pair's two,
    every one delivered and received before `now`."""
    if not items:
        return []
    today = timezone.localtime(now).date()
    plans = []
    for buyer in (*LAPSED_BUYERS, *ACTIVE_BUYERS):
        province, city, district, detail = buyer.address
        for days_ago in buyer.orders_days_ago:
            placed = _local(today - timedelta(days=days_ago), 10, rng.randrange(60))
            bank = rng.choice(names.BANKS)
            reference = bank + timezone.localtime(placed).strftime("%Y%m%d") + f"{rng.randrange(10**8):08d}"
            draft = order_actions.OrderDraft(
                buyer=order_actions.Buyer(buyer.name, buyer.phone),
                address=order_actions.Address(province, city, district, detail),
                lines=_wholesale_lines(rng, items, Decimal("300.00")),
                shop="main",
                source="manual",
                payment_method="remittance",
                buyer_message=f"{buyer.company} 补货",
                placed_at=placed,
            )
            actions = _delivered_story(rng, placed, paid_by="lijie", reference=reference, method="remittance")
            plans.append(OrderPlan(Target.COMPLETED, draft, "agent", actions))
    province, city, district, detail = DUPLICATE.address
    for days_ago, nickname, source, placed_by in ((40, DUPLICATE.nickname, "api", None), (16, "", "manual", "xiaomei")):
        placed = _local(today - timedelta(days=days_ago), 10, rng.randrange(60))
        item = rng.choice(list(items))
        draft = order_actions.OrderDraft(
            buyer=order_actions.Buyer(DUPLICATE.name, DUPLICATE.phone, nickname),
            address=order_actions.Address(province, city, district, detail),
            lines=[order_actions.LineDraft(item.sku.code, 1)],
            shop="main",
            source=source,
            payment_method="online",
            placed_at=placed,
        )
        reference = timezone.localtime(placed).strftime("%Y%m%d2201") + f"{rng.randrange(10**16):016d}"
        actions = _delivered_story(rng, placed, paid_by=None, reference=reference, method="online")
        plans.append(OrderPlan(Target.COMPLETED, draft, placed_by, actions))
    return plans


def crm_order_count() -> int:
    """How many orders `crm_order_plans` adds to the history."""
    return sum(len(buyer.orders_days_ago) for buyer in (*LAPSED_BUYERS, *ACTIVE_BUYERS)) + 2


# --- the customers ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CrmStaff:
    owner: User
    agent: User
    agent2: User
    supervisor: User


def load_demo_crm(*, rng: random.Random, staff: CrmStaff, now: datetime, days: int) -> None:
    """Everything of the CRM and the dashboard on the shop the other demos made (see the
    module's docstring), at `now`, with `days` of history; the fact rows rebuilt last."""
    _levels(staff)
    _agents_in_charge(staff)
    _wholesale_profiles(staff, now)
    _address_books(rng, staff, now)
    _tags_notes_groups(rng, staff, now)
    _tiers(staff, now)
    segments.create_segment(
        actor=staff.owner,
        name=LAPSED_SEGMENT,
        description="批发老客户回访名单：消费超过 500 元，90 天没有再下单",
        rules=LAPSED_RULES,
        at=now - timedelta(days=2),
    )
    _desk_history(rng, staff, now, days)
    first = Order.objects.order_by("created_at").values_list("created_at", flat=True).first() or now
    facts.rebuild(first_day=timezone.localtime(first).date(), last_day=timezone.localtime(now).date())


def _levels(staff: CrmStaff) -> None:
    """The shop's tiers (every shop): 普通会员 from the first order, 银卡 and 金卡 reached by
    spending or orders, 批发客户 given by hand only."""
    thresholds = {
        "member": ("普通会员", 0, None, 1),
        "silver": ("银卡会员", 10, Decimal("500.00"), 3),
        "gold": ("金卡会员", 20, Decimal("2000.00"), 6),
        "wholesale": ("批发客户", 30, None, None),
    }
    for code, (name, rank, min_spent, min_orders) in thresholds.items():
        level = create_customer_level(actor=staff.owner, code=code, name=name, rank=rank, shop=None)
        if min_spent is not None or min_orders is not None:
            tiers.set_thresholds(level=level, actor=staff.owner, min_spent=min_spent, min_orders=min_orders)


def _agents_in_charge(staff: CrmStaff) -> None:
    """Every customer has an agent in charge (the facts split the orders by it): 阿华 the
    Tmall shop's, 小美 Pinduoduo's, the main shop's shared between them."""
    for customer in Customer.objects.select_related("shop").order_by("pk"):
        if customer.shop.code == "tmall":
            agent = staff.agent
        elif customer.shop.code == "pdd":
            agent = staff.agent2
        else:
            agent = staff.agent if customer.pk % 2 else staff.agent2
        update_customer(customer=customer, actor=staff.owner, changes={"agent": agent})


def _customer_by_phone(phone: str) -> Customer:
    return Customer.objects.get(shop__code="main", phone=phone, merged_into__isnull=True)


def _wholesale_profiles(staff: CrmStaff, now: datetime) -> None:
    for buyer in (*LAPSED_BUYERS, *ACTIVE_BUYERS):
        customer = _customer_by_phone(buyer.phone)
        update_customer(
            customer=customer,
            actor=staff.owner,
            changes={
                "is_b2b": True,
                "number": buyer.number,
                "credit_limit": buyer.credit_limit,
                "payment_terms_days": buyer.payment_terms_days,
                "discount_note": buyer.discount_note,
                "delivery_area": buyer.delivery_area,
                "route_order": buyer.route_order,
                "transport_mode": buyer.transport_mode,
                "vehicle": buyer.vehicle,
                "unloading_notes": buyer.unloading_notes,
                "delivery_requirements": buyer.delivery_requirements,
                "delayed_order_handling": buyer.delayed_order_handling,
            },
        )
        province, city, district, detail = buyer.address
        book.add_address(
            customer=customer,
            actor=staff.agent,
            address=book.AddressInput(
                name=buyer.name,
                phone=buyer.phone,
                province=province,
                city=city,
                district=district,
                detail=detail,
                label="档口",
                is_default=True,
            ),
            at=now - timedelta(days=buyer.orders_days_ago[0]),
        )


def _address_books(rng: random.Random, staff: CrmStaff, now: datetime) -> None:
    """The regulars' books: the address of their last order as the default, and for some
    an office address beside it."""
    regulars = Customer.objects.filter(order_count__gte=3, is_b2b=False, merged_into__isnull=True).order_by("pk")
    for customer in regulars[:40]:
        last = Order.objects.filter(customer=customer).order_by("-created_at").first()
        if last is None:
            continue
        book.add_address(
            customer=customer,
            actor=staff.agent,
            address=book.AddressInput(
                name=last.buyer_name,
                phone=last.buyer_phone,
                province=last.province,
                city=last.city,
                district=last.district,
                detail=last.address_detail,
                label="家",
                is_default=True,
            ),
            at=last.created_at,
        )
        if rng.random() < 0.3:
            place = names.place(rng)
            book.add_address(
                customer=customer,
                actor=staff.agent2,
                address=book.AddressInput(
                    name=last.buyer_name,
                    phone=last.buyer_phone,
                    province=place.province,
                    city=place.city,
                    district=place.district,
                    detail=names.street_address(rng),
                    label="公司",
                ),
                at=last.created_at + timedelta(hours=1),
            )


def _tags_notes_groups(rng: random.Random, staff: CrmStaff, now: datetime) -> None:
    wholesale = list(Customer.objects.filter(is_b2b=True).order_by("pk"))
    regulars = list(
        Customer.objects.filter(order_count__gte=3, is_b2b=False, merged_into__isnull=True).order_by(
            "-total_spent", "pk"
        )[:30]
    )
    hagglers = list(
        Customer.objects.filter(orders__events__type="price_changed", merged_into__isnull=True)
        .distinct()
        .order_by("pk")[:8]
    )
    at = now - timedelta(days=20)
    for customer in wholesale:
        book.tag_customer(customer=customer, actor=staff.agent, name="批发", at=at)
    for index, customer in enumerate(regulars):
        book.tag_customer(customer=customer, actor=staff.agent, name="老客户", at=at)
        if index < 8:
            book.tag_customer(customer=customer, actor=staff.supervisor, name="VIP", at=at)
    for customer in hagglers:
        book.tag_customer(customer=customer, actor=staff.agent2, name="爱砍价", at=at)
    for customer in regulars[::7]:
        book.tag_customer(customer=customer, actor=staff.agent2, name="尺码偏大", at=at)
    for tag_name, color in _TAGS.items():
        # Seed data: no action sets a tag's colour yet; the colours the owner would pick.
        CustomerTag.objects.filter(name=tag_name, color="").update(color=color)
    for index, customer in enumerate(regulars[: len(_NOTES)]):
        author = staff.agent if index % 2 else staff.agent2
        book.add_customer_note(
            customer=customer, actor=author, text=_NOTES[index], pinned=index == 0, at=at + timedelta(days=index)
        )
    book.add_customer_note(
        customer=_customer_by_phone(ACTIVE_BUYERS[0].phone),
        actor=staff.supervisor,
        text="月结客户，每月 5 日对账；对账单发邮箱 finance@nuandong.example",
        pinned=True,
        at=at,
    )
    regular_group = groups.create_group(
        actor=staff.owner, name="暖阳老客户群", description="微信群：新品和活动先发这里", at=now - timedelta(days=60)
    )
    groups.add_members(actor=staff.supervisor, group=regular_group, customers=regulars, at=now - timedelta(days=30))
    wholesale_group = groups.create_group(
        actor=staff.owner, name="批发客户群", description="批发价、补货通知", at=now - timedelta(days=80)
    )
    groups.add_members(actor=staff.owner, group=wholesale_group, customers=wholesale, at=now - timedelta(days=80))


def _tiers(staff: CrmStaff, now: datetime) -> None:
    """The wholesale customers' level given by hand, with its reason (the tiers leave it);
    then the hourly job's move up of everyone else by their spending and orders."""
    wholesale = CustomerLevel.objects.get(code="wholesale", shop__isnull=True)
    for customer in Customer.objects.filter(is_b2b=True).order_by("pk"):
        tiers.set_level(customer=customer, level=wholesale, actor=staff.owner, reason="批发客户，按批发价和账期结算")
    tiers.promote(now=now)


# --- the dashboard's history ----------------------------------------------------------------------


def _proof(rng: random.Random) -> SimpleUploadedFile:
    """A bank app's transfer screenshot, drawn here: a receipt with a tick."""
    image = Image.new("RGB", (240, 180), (246, 246, 246))
    draw = ImageDraw.Draw(image)
    draw.rectangle([20, 20, 220, 160], outline=(60, 60, 60))
    draw.line([(90, 90), (110, 110), (150, 60)], fill=(30, 150, 70), width=6)
    for row in range(3):
        draw.line([(40, 125 + row * 10), (rng.randint(120, 200), 125 + row * 10)], fill=(150, 150, 150), width=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return SimpleUploadedFile("transfer.png", buffer.getvalue(), content_type="image/png")


def load_demo_aftersales_history(*, rng: random.Random, staff: CrmStaff, now: datetime, days: int) -> None:
    """Three cases a week over the weeks before the after-sales demo's own, the first a
    parcel damaged in transit, the others a quality problem, each refunded in part (仅退款,
    the buyer keeps the goods): on the main shop's bank-transfer and cash-on-delivery
    orders, whose refund goes back by a transfer staff record the same day (an online
    refund would be recorded when the gateway answers, after the demo). Run before the
    notifications demo, which marks the buyers' messages of the history sent."""
    since = now - timedelta(days=days)
    until = now - timedelta(days=RECENT_DAYS)
    candidates = list(
        Order.objects.filter(
            shop__code="main",
            payment_method__in=("remittance", "cod"),
            delivered_at__gte=since,
            delivered_at__lt=until,
            paid_at__isnull=False,
            aftersales_cases__isnull=True,
        )
        .exclude(buyer_phone__in=[buyer.phone for buyer in (*LAPSED_BUYERS, *ACTIVE_BUYERS)])
        .order_by("delivered_at")
    )
    by_week: dict[int, list[Order]] = {}
    for order in candidates:
        assert order.delivered_at is not None
        by_week.setdefault((now - order.delivered_at).days // 7, []).append(order)
    chosen = [(index, order) for week in sorted(by_week) for index, order in enumerate(by_week[week][::2][:3])]
    for index, order in chosen:
        line = OrderLine.objects.filter(order=order).order_by("position").first()
        if line is None or order.delivered_at is None or order.paid_at is None:
            continue
        damaged = index == 0
        # Cash on delivery is paid after delivery: the case comes once the money is in.
        opened = max(order.delivered_at, order.paid_at) + timedelta(hours=rng.uniform(3, 30))
        if opened > until:
            continue
        share = Decimal("0.3") if damaged else Decimal("0.2")
        amount = max(to_money(line.unit_price * share), Decimal("5.00"))
        case = aftersales_actions.open_case(
            order=order,
            type=CaseType.REFUND_ONLY,
            reason=Reason.DAMAGED if damaged else Reason.QUALITY,
            lines=[LineRequest(order_line_id=line.pk, quantity=1)],
            description="快递外箱压坏，衣服有脏污" if damaged else "有线头和小污点，不想退回，补偿一点吧",
            requested_amount=amount,
            actor=staff.agent,
            at=opened,
        )
        approved = opened + timedelta(hours=rng.uniform(0.5, 3))
        case = aftersales_actions.approve_case(case=case, actor=staff.supervisor, amount=amount, at=approved)
        for refund in case.refunds.filter(status=RefundStatus.AWAITING_TRANSFER):
            refunds.complete_bank_transfer(
                refund=refund,
                reference=f"TR{timezone.localtime(approved).strftime('%Y%m%d')}{refund.pk:06d}",
                proof=_proof(rng),
                actor=staff.supervisor,
                at=approved + timedelta(hours=rng.uniform(1, 5)),
            )


def _desk_history(rng: random.Random, staff: CrmStaff, now: datetime, days: int) -> None:
    """The desk's daily figures for the weeks before the service demo's conversations:
    fewer chats at the weekend, first replies getting quicker and satisfaction better as
    the weeks go (the desk came into use), per shop and agent like the desk's own rows."""
    today = timezone.localtime(now).date()
    shops = {shop.code: shop for shop in Shop.objects.all()}
    agents = {"main": (staff.agent, staff.agent2), "tmall": (staff.agent,), "pdd": (staff.agent2,)}
    volume = {"main": 6, "tmall": 9, "pdd": 7}
    # Up to the days the service demo plays (from DESK_DEMO_DAYS + 1 days ago).
    for days_ago in range(days, DESK_DEMO_DAYS + 1, -1):
        day = today - timedelta(days=days_ago)
        progress = 1 - days_ago / days  # 0 thirteen weeks ago, near 1 now
        for code, shop in shops.items():
            if code not in volume:
                continue
            opened = max(1, round(volume[code] * (0.6 if day.weekday() >= 5 else 1) * rng.uniform(0.7, 1.3)))
            figures.add(day=day, shop_id=shop.pk, agent_id=None, conversations=opened)
            for share, agent in zip(_split(opened, len(agents[code]), rng), agents[code], strict=True):
                if not share:
                    continue
                seconds = rng.uniform(140, 200) - 90 * progress
                resolved = sum(rng.random() < 0.84 + 0.1 * progress for _ in range(share))
                breached = sum(rng.random() < 0.2 - 0.15 * progress for _ in range(share))
                surveys = sum(rng.random() < 0.35 for _ in range(resolved))
                scores = [_score(rng, progress) for _ in range(surveys)]
                figures.add(
                    day=day,
                    shop_id=shop.pk,
                    agent_id=agent.pk,
                    first_responses=share,
                    first_response_seconds=round(seconds * share),
                    resolutions=resolved,
                    resolution_seconds=round(rng.uniform(900, 3600) * resolved),
                    sla_met=share - breached,
                    sla_breached=breached,
                    csat_count=surveys,
                    csat_sum=sum(scores),
                )


def _split(total: int, parts: int, rng: random.Random) -> list[int]:
    shares = [0] * parts
    for _ in range(total):
        shares[rng.randrange(parts)] += 1
    return shares


def _score(rng: random.Random, progress: float) -> int:
    return rng.choices((5, 4, 3, 2, 1), weights=(55 + 20 * progress, 25, 10, 5 - 3 * progress, 5 - 3 * progress))[0]
