"""Demo after-sales (售后): the seed's stories, each on an order of its own made-up buyer,
played through the real actions with times in the past, and a case in every status.

Called by the demo generator after the orders and the other capabilities' demos exist.
Each story's order is placed, paid, approved, shipped (tracked) and delivered through the
order actions, then its case is opened, approved, received, inspected, refunded,
exchanged, disputed … through aftersales' own actions, so stock, the stock ledger,
payments (refund rows), the buyer's messages and every timeline agree as they would in a
shop that has been handling after-sales for a while. The buyer's photos are drawn with
Pillow at load time (nothing is downloaded).

The stories (`STORIES`: the buyer of each, whose phone finds the case):
- no_reason: a return without reason (七天无理由) on its way back, the buyer's parcel typed in;
- exchange: the wrong size exchanged, the other size sent within 2 days of the return;
- reissue: a parcel damaged in transit, reshipped from the parcel-problem desk (补发);
- before_shipping: a refund before shipping, refunded through the gateway;
- complaint: a complaint handled with the checklist, closed, its follow-up call (回访) due;
- dispute: a refused return disputed by the buyer, its evidence bundle frozen;
- inspection: a return arrived at the warehouse, waiting at the inspection desk (质检);
- cod_refund: a cash-on-delivery order's refund waiting for its bank transfer;
and the other statuses: a new request, an approved complaint, a rejected return, a
canceled exchange, an exchange inspected and due to go out, a repair under way.
"""

from __future__ import annotations

import io
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from sellerdesk.aftersales import actions, complaints, disputes, evidence, refunds, replacements, returns
from sellerdesk.aftersales.actions import LineRequest
from sellerdesk.aftersales.models import Case, CaseSource, CaseType, Disposition, EvidenceKind, Reason, RefundStatus
from sellerdesk.aftersales.policies import policy_for
from sellerdesk.catalog.models import Sku
from sellerdesk.core.addresses import normalize_phone
from sellerdesk.core.models import User
from sellerdesk.demo.logistics import TROUBLE_AGE_HOURS, simulated_scenario, track_at_once
from sellerdesk.inventory.actions import default_warehouse
from sellerdesk.inventory.availability import available_expression
from sellerdesk.inventory.models import StockLevel
from sellerdesk.logistics import shipped_elsewhere
from sellerdesk.logistics.exceptions import resolve_exception
from sellerdesk.logistics.models import Carrier, ExceptionOutcome, LogisticsException, Shipment
from sellerdesk.logistics.tracking import TRACKED, poll_shipment
from sellerdesk.orders import actions as order_actions
from sellerdesk.orders.models import Order, OrderLine
from sellerdesk.payments.actions import record_payment
from sellerdesk.purchasing.models import SupplierSku

# A SKU on the shelf has this many units or more; each story takes one (an exchange two).
SPARE_UNITS = 4


@dataclass(frozen=True)
class StoryBuyer:
    name: str
    phone: str
    nickname: str
    address: tuple[str, str, str, str]


# One made-up buyer per story (names and numbers assembled, as in demo.names), each at an
# address every default carrier reaches. The phone finds the story's order and case.
STORIES: dict[str, StoryBuyer] = {
    "no_reason": StoryBuyer(
        "苏小雨", "13917720451", "爱吃橘子的小雨", ("上海市", "上海市", "徐汇区", "漕溪北路 88 弄 6 号")
    ),
    "exchange": StoryBuyer("周婉婷", "13656781024", "婷婷同学", ("浙江省", "杭州市", "拱墅区", "莫干山路 1021 号")),
    "reissue": StoryBuyer("何雯", "18768120937", "雯雯吖", ("江苏省", "南京市", "鼓楼区", "中山北路 305 号")),
    "before_shipping": StoryBuyer("陆佳", "15921346608", "lulu", ("上海市", "上海市", "浦东新区", "张杨路 1500 号")),
    "complaint": StoryBuyer("梁倩", "13798023317", "安静的布丁", ("广东省", "广州市", "天河区", "天河北路 233 号")),
    "dispute": StoryBuyer("孟思涵", "18917306652", "思涵宝宝", ("江苏省", "苏州市", "姑苏区", "人民路 1180 号")),
    "inspection": StoryBuyer("江蕾", "13588109473", "追风的蕾", ("浙江省", "宁波市", "鄞州区", "天童南路 588 号")),
    "cod_refund": StoryBuyer("韦春燕", "13407715290", "", ("广西壮族自治区", "南宁市", "青秀区", "民族大道 136 号")),
    "requested": StoryBuyer("段晓晨", "15190438871", "晒太阳的晓晨", ("江苏省", "无锡市", "梁溪区", "中山路 531 号")),
    "approved": StoryBuyer("邵悦", "13862247015", "yoyo", ("江苏省", "苏州市", "吴中区", "东吴北路 98 号")),
    "rejected": StoryBuyer("贺丹", "17717893326", "贺丹丹", ("上海市", "上海市", "静安区", "共和新路 1999 号")),
    "canceled": StoryBuyer("龚雪", "18651129904", "雪梨", ("江苏省", "常州市", "天宁区", "延陵西路 23 号")),
    "inspected": StoryBuyer("汤怡", "13611862258", "怡宝", ("上海市", "上海市", "闵行区", "七莘路 3155 号")),
    "repair": StoryBuyer("顾晓", "13816643307", "晓晓", ("浙江省", "杭州市", "滨江区", "江南大道 3688 号")),
}


@dataclass(frozen=True)
class Staff:
    agent: User
    supervisor: User
    warehouse: User


def load_demo_aftersales(
    *, rng: random.Random, agent: User, supervisor: User, warehouse: User, now: datetime
) -> dict[str, str]:
    """Play the stories; returns story → case number (a story whose order could not be
    made, for want of stock, is left out)."""
    staff = Staff(agent, supervisor, warehouse)
    made: dict[str, str] = {}
    with transaction.atomic():
        shelf = _Shelf(rng)
        for story, play in _PLAYS.items():
            case = play(_Story(rng=rng, staff=staff, now=now, shelf=shelf, buyer=STORIES[story]))
            if case is not None:
                made[story] = case.number
        # The carrier's scans of the stories' parcels (theirs, the returns, the replacements)
        # up to now; only theirs: the rest of the shop's parcels were polled before.
        buyers = [normalize_phone(buyer.phone) for buyer in STORIES.values()]
        for shipment in Shipment.objects.filter(
            order__buyer_phone__in=buyers, status__in=TRACKED, handed_over_at__lte=now
        ).select_related("carrier"):
            poll_shipment(shipment=shipment, now=now)
    return made


# --- the orders the stories are about --------------------------------------------------------


class _Shelf:
    """SKUs of the default warehouse with units to sell, the least used first (so that
    the stories' orders, a unit each, cannot run a SKU out between them)."""

    def __init__(self, rng: random.Random) -> None:
        levels = (
            StockLevel.objects.filter(
                warehouse=default_warehouse(),
                sku__is_active=True,
                sku__is_dropship=False,
                sku__is_presale=False,
                sku__product__isnull=False,
            )
            .alias(available_units=available_expression())
            .filter(available_units__gte=SPARE_UNITS)
            .select_related("sku")
            .order_by("sku__code")
        )
        self.skus = [level.sku for level in levels]
        rng.shuffle(self.skus)
        self.uses: dict[int, int] = {}
        # SKUs a supplier supplies: their defective returns can go back to it (退供).
        self.supplied = set(
            SupplierSku.objects.filter(supplier__is_active=True, sku__in=self.skus).values_list("sku_id", flat=True)
        )

    def _by_use(self) -> list[Sku]:
        return sorted(self.skus, key=lambda sku: self.uses.get(sku.pk, 0))

    def _use(self, *skus: Sku) -> None:
        for sku in skus:
            self.uses[sku.pk] = self.uses.get(sku.pk, 0) + 1

    def take(self, *, supplied: bool = False) -> Sku | None:
        """The least used SKU (one a supplier supplies first, if `supplied`)."""
        ordered = self._by_use()
        if supplied:
            ordered.sort(key=lambda sku: sku.pk not in self.supplied)
        found = next((sku for sku in ordered if self.uses.get(sku.pk, 0) < SPARE_UNITS - 1), None)
        if found is not None:
            self._use(found)
        return found

    def sized_pair(self) -> tuple[Sku, Sku] | None:
        """A SKU with 尺码 and another size of the same product and colour (else another
        variant of the same product, else any other SKU): what a wrong size is exchanged for."""
        ordered = [sku for sku in self._by_use() if self.uses.get(sku.pk, 0) < SPARE_UNITS - 1]
        for sku in ordered:
            if "尺码" not in sku.attributes:
                continue
            siblings = [other for other in ordered if other.pk != sku.pk and other.product_id == sku.product_id]
            same_colour = [other for other in siblings if other.attributes.get("颜色") == sku.attributes.get("颜色")]
            if same_colour or siblings:
                other = (same_colour or siblings)[0]
                self._use(sku, other)
                return sku, other
        if len(ordered) >= 2:
            self._use(ordered[0], ordered[1])
            return ordered[0], ordered[1]
        return None


@dataclass
class _Story:
    rng: random.Random
    staff: Staff
    now: datetime
    shelf: _Shelf
    buyer: StoryBuyer

    def ago(self, days: float = 0, hours: float = 0) -> datetime:
        return self.now - timedelta(days=days, hours=hours)

    def order(
        self,
        skus: list[tuple[Sku, int]],
        *,
        placed: datetime,
        payment: str = "online",
        shipped: datetime | None = None,
        delivered: datetime | None = None,
        scenario: str = "normal",
    ) -> Order:
        """The buyer's order through the order actions: placed, paid (cash on delivery:
        collected from the carrier a day after delivery), approved an hour after payment,
        shipped and tracked, delivered."""
        agent = self.staff.agent
        name, phone, nickname, (province, city, district, detail) = (
            self.buyer.name,
            self.buyer.phone,
            self.buyer.nickname,
            self.buyer.address,
        )
        cod = payment == "cod"
        order = order_actions.place_order(
            draft=order_actions.OrderDraft(
                buyer=order_actions.Buyer(name, phone, nickname),
                address=order_actions.Address(province, city, district, detail),
                lines=[order_actions.LineDraft(sku.code, quantity) for sku, quantity in skus],
                payment_method=payment,
                source="cod" if cod else "silent",
                placed_at=placed,
            ),
            actor=None if not cod else agent,
        )
        paid = placed + timedelta(minutes=self.rng.randint(2, 30))
        if not cod:
            record_payment(
                order=order,
                amount=order.total,
                method="online",
                reference=f"DEMO-AS-{order.number}",
                actor=None,
                gateway="simulated",
                at=paid,
            )
        order = order_actions.approve_order(order=order, actor=agent, at=paid + timedelta(hours=1))
        if shipped is None:
            return order
        carrier = Carrier.objects.filter(is_active=True, supports_cod=True).order_by("pk").first()
        assert carrier is not None, "the demo loads the default carriers first"
        with simulated_scenario(scenario):
            order = order_actions.ship_order(
                order=order,
                actor=self.staff.warehouse,
                carrier=carrier.code,
                tracking_number=carrier.code + "".join(self.rng.choice("0123456789") for _ in range(12)),
                at=shipped,
            )
            track_at_once(order)
        if delivered is None:
            return order
        order = order_actions.deliver_order(order=order, actor=None, at=delivered)
        if order.auto_confirm_at is not None and order.auto_confirm_at <= self.now:
            # Delivered long enough ago that the sweep would have confirmed it: the buyer did, the next day.
            order = order_actions.confirm_receipt(order=order, actor=None, at=delivered + timedelta(days=1))
        if cod:
            record_payment(
                order=order,
                amount=order.total,
                method="cod",
                reference=f"COD-AS-{order.number}",
                actor=self.staff.supervisor,
                at=delivered + timedelta(days=1),
            )
            order.refresh_from_db()
        return order

    def delivered_order(
        self, days_ago: float, *, skus: list[tuple[Sku, int]] | None = None, supplied: bool = False, **kw: object
    ) -> Order | None:
        """An order of one SKU from the shelf delivered `days_ago` days ago (placed four days earlier)."""
        if skus is None:
            sku = self.shelf.take(supplied=supplied)
            if sku is None:
                return None
            skus = [(sku, 1)]
        delivered = self.ago(days=days_ago)
        return self.order(
            skus,
            placed=delivered - timedelta(days=4),
            shipped=delivered - timedelta(days=3),
            delivered=delivered,
            **kw,  # type: ignore[arg-type]
        )

    def lines(self, order: Order, reason: str = "", replacement: Sku | None = None) -> list[LineRequest]:
        return [
            LineRequest(
                order_line_id=line.pk,
                quantity=line.quantity,
                reason=reason,
                replacement_sku_id=replacement.pk if replacement is not None else None,
            )
            for line in OrderLine.objects.filter(order=order).order_by("position")
        ]

    def approve(self, case: Case, *, at: datetime) -> Case:
        """Approved by the agent, or by the supervisor when the amount is above the agent's limit."""
        limit = policy_for(case.shop_id).agent_approval_limit
        actor = self.staff.agent if case.requested_amount <= limit else self.staff.supervisor
        return actions.approve_case(case=case, actor=actor, at=at)

    def send_back(self, case: Case, *, at: datetime) -> Case:
        """The buyer posts the goods back and types in the carrier and tracking number."""
        carrier = Carrier.objects.filter(is_active=True).exclude(code=case.order.carrier).order_by("pk").first()
        assert carrier is not None
        number = carrier.code + "".join(self.rng.choice("0123456789") for _ in range(12))
        case = returns.register_return_parcel(
            case=case, carrier_code=carrier.code, tracking_number=number, actor=None, by_buyer=True, at=at
        )
        # Its route asked for now, inside the demo's transaction, rather than after the
        # commit (as track_at_once does for the outbound parcels).
        requested = Shipment.objects.filter(
            order_id=case.order_id, tracking_number=number, status__in=shipped_elsewhere.AWAITING_ROUTE
        ).first()
        if requested is not None:
            # A return parcel that simply arrives: a drawn scenario (its number is random)
            # could add a parcel in trouble to the logistics demo's one of each kind.
            with simulated_scenario("normal"):
                shipped_elsewhere.register_tracking(shipment_id=requested.pk)
        return case

    def receive(self, case: Case, *, at: datetime) -> Case:
        """The warehouse scans the return and counts every unit asked in."""
        lines = [returns.Received(case_line_id=line.pk, quantity=line.quantity) for line in case.lines.all()]
        return returns.receive_return(case=case, lines=lines, actor=self.staff.warehouse, at=at)

    def inspect(
        self, case: Case, *, at: datetime, defective: bool = False, disposition: str = Disposition.RESTOCK
    ) -> Case:
        """Every unit received graded good (back on sale), or defective (where `disposition` says)."""
        grades = [
            returns.Grade(
                case_line_id=line.pk,
                good=0 if defective else line.received,
                defective=line.received if defective else 0,
                disposition=disposition,
            )
            for line in case.lines.all()
        ]
        return returns.inspect_return(case=case, grades=grades, actor=self.staff.warehouse, at=at)

    def send_goods(self, case: Case, *, at: datetime, ship: datetime) -> Order:
        """The replacement placed as an order (approved, through the spine) and shipped."""
        order = replacements.send_replacement(case=case, actor=self.staff.agent, at=at)
        carrier = Carrier.objects.filter(is_active=True).order_by("pk").first()
        assert carrier is not None
        with simulated_scenario("normal"):
            order = order_actions.ship_order(
                order=order,
                actor=self.staff.warehouse,
                carrier=carrier.code,
                tracking_number=carrier.code + "".join(self.rng.choice("0123456789") for _ in range(12)),
                at=ship,
            )
            track_at_once(order)
        return order

    def refund_through_gateway(self, case: Case, *, at: datetime) -> None:
        """The refund the approval started, sent to the (simulated) gateway now rather than
        after the demo's commit; its signed callback records the money back."""
        for refund in case.refunds.filter(status=RefundStatus.PENDING):
            refunds.send_refund(refund_id=refund.pk, at=at)

    def photo(self, case: Case, *, at: datetime, caption: str, damage: str = "stain") -> None:
        """The buyer's photo of the goods, drawn here (a garment, and the damage marked)."""
        evidence.add_file(
            case=case,
            upload=SimpleUploadedFile(
                f"IMG_{self.rng.randint(1000, 9999)}.jpg", _photo(self.rng, damage), "image/jpeg"
            ),
            caption=caption,
            actor=None,
            from_buyer=True,
            at=at,
        )


def _photo(rng: random.Random, damage: str) -> bytes:
    """A phone photo's stand-in: a garment on a table, with a stain, a tear or a crushed box."""
    width, height = 960, 720
    table = (rng.randint(180, 220), rng.randint(160, 200), rng.randint(130, 170))
    image = Image.new("RGB", (width, height), table)
    draw = ImageDraw.Draw(image)
    cloth = (rng.randint(40, 220), rng.randint(40, 220), rng.randint(40, 220))
    if damage == "box":
        draw.polygon([(180, 200), (760, 160), (800, 560), (220, 600)], fill=(196, 154, 98), outline=(120, 90, 50))
        draw.line([(300, 180), (420, 420), (380, 590)], fill=(90, 60, 30), width=9)
        draw.polygon([(560, 300), (700, 270), (690, 420), (600, 380)], fill=(150, 110, 60))
    else:
        draw.polygon(
            [(300, 120), (660, 120), (780, 260), (700, 300), (680, 640), (280, 640), (260, 300), (180, 260)], fill=cloth
        )
        draw.line([(480, 120), (480, 640)], fill=tuple(max(c - 40, 0) for c in cloth), width=4)
        if damage == "tear":
            draw.line([(520, 380), (560, 430), (540, 470), (590, 520)], fill=(30, 30, 30), width=7)
        else:
            draw.ellipse([(520, 380), (610, 450)], fill=(rng.randint(90, 130), rng.randint(60, 90), 40))
    # A red circle where the buyer points, as buyers do.
    draw.ellipse([(470, 330), (680, 560)], outline=(230, 30, 30), width=8)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=82)
    return out.getvalue()


CHAT = """买家 {name} {day} 20:14：你好，收到的衣服和图片上颜色差很多，图片是浅杏色，实物偏黄
客服 阿华 {day} 20:16：亲，您好，麻烦拍一下自然光下的照片给我们看看哦
买家 {name} {day} 20:31：[图片] [图片] 你看，完全不是一个颜色
客服 阿华 {day} 20:35：亲，这款是同一批次的货，灯光下会有一点色差，详情页也有说明的
买家 {name} {day} 20:37：色差这么大不能算正常吧，我要退货，运费你们出"""


# --- the stories ---------------------------------------------------------------------------------


def _no_reason(story: _Story) -> Case | None:
    """七天无理由: delivered 3 days ago, asked back through the portal the next day, approved
    (the buyer pays the postage), the buyer's parcel typed in: on its way back."""
    order = story.delivered_order(3)
    if order is None:
        return None
    case = actions.open_case(
        order=order,
        type=CaseType.RETURN_REFUND,
        reason=Reason.NO_REASON,
        lines=story.lines(order),
        description="穿上效果和想象的不一样，七天无理由退货",
        source=CaseSource.PORTAL,
        actor=None,
        by_buyer=True,
        at=story.ago(days=2, hours=5),
    )
    case = story.approve(case, at=story.ago(days=2, hours=3))
    return story.send_back(case, at=story.ago(days=1, hours=20))


def _requested(story: _Story) -> Case | None:
    """A new request from the portal this morning, with a photo: waiting for an agent."""
    order = story.delivered_order(2)
    if order is None:
        return None
    case = actions.open_case(
        order=order,
        type=CaseType.RETURN_REFUND,
        reason=Reason.QUALITY,
        lines=story.lines(order),
        description="领口处开线了，想退货退款",
        source=CaseSource.PORTAL,
        actor=None,
        by_buyer=True,
        at=story.ago(hours=3),
    )
    story.photo(case, at=story.ago(hours=3), caption="领口开线", damage="tear")
    return case


def _rejected(story: _Story) -> Case | None:
    """A return without reason refused: the tags were cut and the item worn."""
    order = story.delivered_order(5)
    if order is None:
        return None
    case = actions.open_case(
        order=order,
        type=CaseType.RETURN_REFUND,
        reason=Reason.NO_REASON,
        lines=story.lines(order),
        description="不喜欢，退了",
        source=CaseSource.PORTAL,
        actor=None,
        by_buyer=True,
        at=story.ago(days=3),
    )
    actions.post_message(
        case=case, body="亲，吊牌还在吗？麻烦拍张吊牌的照片哦", actor=story.staff.agent, from_buyer=False,
        at=story.ago(days=2, hours=22),
    )  # fmt: skip
    actions.post_message(
        case=case, body="吊牌剪了，穿过一次", actor=None, from_buyer=True, at=story.ago(days=2, hours=20)
    )
    return actions.reject_case(
        case=case,
        actor=story.staff.agent,
        reason="吊牌已剪且有穿着痕迹，影响二次销售，不符合七天无理由退货条件",
        at=story.ago(days=2, hours=19),
    )


def _canceled(story: _Story) -> Case | None:
    """An exchange the buyer withdrew before sending anything back."""
    pair = story.shelf.sized_pair()
    if pair is None:
        return None
    asked, other = pair
    order = story.delivered_order(4, skus=[(asked, 1)])
    assert order is not None
    case = actions.open_case(
        order=order,
        type=CaseType.EXCHANGE,
        reason=Reason.WRONG_SIZE,
        lines=story.lines(order, replacement=other),
        description="想换大一码",
        source=CaseSource.PORTAL,
        actor=None,
        by_buyer=True,
        at=story.ago(days=3, hours=2),
    )
    case = story.approve(case, at=story.ago(days=3))
    return actions.cancel_case(case=case, actor=None, by_buyer=True, at=story.ago(days=2))


def _approved(story: _Story) -> Case | None:
    """A complaint about a rude courier, approved and assigned: the agent works through it."""
    order = story.delivered_order(6)
    if order is None:
        return None
    case = actions.open_case(
        order=order,
        type=CaseType.COMPLAINT,
        reason=Reason.SERVICE,
        lines=[],
        description="快递员态度很差，电话里直接挂断，包裹放在门口没人管",
        actor=story.staff.agent,
        at=story.ago(days=1, hours=6),
    )
    case = actions.approve_case(case=case, actor=story.staff.agent, at=story.ago(days=1, hours=5))
    return actions.assign_case(
        case=case, assignee=story.staff.agent, actor=story.staff.supervisor, at=story.ago(days=1, hours=4)
    )


def _dispute(story: _Story) -> Case | None:
    """纠纷: a colour the buyer says is not as described; her photos, the chat copied in and
    the order's record attached; the return refused (色差 within the listing's note); the
    buyer disputes: the evidence bundle is frozen with its hash, for the supervisor to rule."""
    order = story.delivered_order(4)
    if order is None:
        return None
    opened = story.ago(days=3, hours=20)
    case = actions.open_case(
        order=order,
        type=CaseType.RETURN_REFUND,
        reason=Reason.NOT_AS_DESCRIBED,
        lines=story.lines(order),
        description="实物颜色和图片差很多，图片浅杏色，收到的是黄色",
        source=CaseSource.PORTAL,
        actor=None,
        by_buyer=True,
        at=opened,
    )
    story.photo(case, at=opened + timedelta(minutes=2), caption="自然光下拍的，明显偏黄", damage="stain")
    story.photo(case, at=opened + timedelta(minutes=3), caption="和详情页截图对比")
    day = timezone.localtime(opened).date().isoformat()
    evidence.add_text(
        case=case,
        kind=EvidenceKind.CHAT,
        text=CHAT.format(name=story.buyer.nickname or story.buyer.name, day=day),
        actor=story.staff.agent,
        at=opened + timedelta(hours=1),
    )
    evidence.attach_order_record(case=case, actor=story.staff.agent, at=opened + timedelta(hours=1, minutes=1))
    actions.reject_case(
        case=case,
        actor=story.staff.agent,
        reason="同批次商品，灯光下略有色差，详情页已注明色差说明，不属于描述不符",
        at=opened + timedelta(hours=2),
    )
    disputes.open_dispute(
        case=case,
        reason="颜色差别这么大不是正常色差，要求退货退款，运费卖家承担",
        actor=None,
        by_buyer=True,
        at=story.ago(days=2, hours=9),
    )
    return case


def _complaint(story: _Story) -> Case | None:
    """投诉 ending in a follow-up: slow, careless answers from the shop; the agent works
    through the seed's checklist (calm, listen, empathise, apologise, solve), resolves it
    with a coupon and an apology; the follow-up call (回访) is due in a few days."""
    order = story.delivered_order(9)
    if order is None:
        return None
    # Resolved just over follow_up_days ago: the follow-up call is due today.
    opened = story.ago(days=policy_for(order.shop_id).follow_up_days, hours=8)
    case = actions.open_case(
        order=order,
        type=CaseType.COMPLAINT,
        reason=Reason.SERVICE,
        lines=[],
        description="问了三次什么时候发货都没人回，收到货问尺码也是隔天才回复，态度很敷衍",
        actor=story.staff.agent,
        at=opened,
    )
    case = actions.assign_case(case=case, assignee=story.staff.agent, actor=story.staff.supervisor, at=opened)
    for minutes, step in enumerate(complaints.CHECKLIST):
        case = complaints.tick_step(
            case=case, step=step, actor=story.staff.agent, at=opened + timedelta(minutes=10 + 6 * minutes)
        )
    complaints.resolve_complaint(
        case=case,
        summary="电话致歉，说明大促期间咨询量大回复慢，送 10 元无门槛券，已反馈客服主管加排班",
        actor=story.staff.agent,
        at=opened + timedelta(hours=1),
    )
    return case


def _before_shipping(story: _Story) -> Case | None:
    """发货前退款: paid yesterday, asked back this morning before it shipped; approved, the
    order cancelled (its stock released) and the money refunded through the gateway."""
    sku = story.shelf.take()
    if sku is None:
        return None
    order = story.order([(sku, 1)], placed=story.ago(days=1, hours=2))
    asked = story.ago(hours=9)
    case = actions.open_case(
        order=order,
        type=CaseType.REFUND_BEFORE_SHIPPING,
        reason=Reason.NO_LONGER_WANTED,
        lines=story.lines(order),
        description="拍错颜色了，不要了，麻烦退款",
        source=CaseSource.PORTAL,
        actor=None,
        by_buyer=True,
        at=asked,
    )
    case = story.approve(case, at=asked + timedelta(minutes=40))
    story.refund_through_gateway(case, at=asked + timedelta(minutes=41))
    return case


def _cod_refund(story: _Story) -> Case | None:
    """A cash-on-delivery order refunded (仅退款: pilling after one wash, the buyer keeps it):
    the money goes back by bank transfer, which waits for staff to make it and upload the proof."""
    sku = story.shelf.take()
    if sku is None:
        return None
    delivered = story.ago(days=6)
    order = story.order(
        [(sku, 1)],
        payment="cod",
        placed=delivered - timedelta(days=4),
        shipped=delivered - timedelta(days=3),
        delivered=delivered,
    )
    opened = story.ago(days=2, hours=4)
    case = actions.open_case(
        order=order,
        type=CaseType.REFUND_ONLY,
        reason=Reason.QUALITY,
        lines=story.lines(order),
        description="洗了一次就起球严重，货到付款的，不想寄回了，能退款吗",
        actor=story.staff.agent,
        at=opened,
    )
    story.photo(case, at=opened + timedelta(minutes=5), caption="洗后起球")
    return story.approve(case, at=opened + timedelta(hours=2))


def _inspection(story: _Story) -> Case | None:
    """A quality return arrived this morning: counted in at the warehouse, it waits at the
    inspection desk (质检) before the money goes back (a SKU a supplier supplies: a defective
    unit can go back to it)."""
    order = story.delivered_order(6, supplied=True)
    if order is None:
        return None
    opened = story.ago(days=5)
    case = actions.open_case(
        order=order,
        type=CaseType.RETURN_REFUND,
        reason=Reason.QUALITY,
        lines=story.lines(order),
        description="第一次穿袖口就脱线了，要退货",
        source=CaseSource.PORTAL,
        actor=None,
        by_buyer=True,
        at=opened,
    )
    story.photo(case, at=opened + timedelta(minutes=3), caption="袖口脱线", damage="tear")
    case = story.approve(case, at=opened + timedelta(hours=3))
    story.send_back(case, at=opened + timedelta(days=1))
    return story.receive(case, at=story.ago(hours=4))


def _exchange(story: _Story) -> Case | None:
    """换货, the wrong size: the buyer sends it back (her postage, a size is no fault), the
    warehouse receives and inspects it, the other size goes out as an order the same day,
    within the 2 working days (seed 003: 在两天时间内重新将新商品回寄给买家)."""
    pair = story.shelf.sized_pair()
    if pair is None:
        return None
    asked, other = pair
    order = story.delivered_order(8, skus=[(asked, 1)])
    assert order is not None
    opened = story.ago(days=7)
    case = actions.open_case(
        order=order,
        type=CaseType.EXCHANGE,
        reason=Reason.WRONG_SIZE,
        lines=story.lines(order, replacement=other),
        description="偏小一码，想换大一码",
        source=CaseSource.PORTAL,
        actor=None,
        by_buyer=True,
        at=opened,
    )
    case = story.approve(case, at=opened + timedelta(hours=2))
    story.send_back(case, at=opened + timedelta(hours=20))
    case = story.receive(case, at=story.ago(days=4, hours=6))
    case = story.inspect(case, at=story.ago(days=4, hours=5))
    story.send_goods(case, at=story.ago(days=4, hours=3), ship=story.ago(days=3, hours=22))
    return case


def _inspected(story: _Story) -> Case | None:
    """Another exchange: inspected this morning, its replacement due within 2 working days
    (on the late-replacement list if nobody sends it)."""
    pair = story.shelf.sized_pair()
    if pair is None:
        return None
    asked, other = pair
    order = story.delivered_order(5, skus=[(asked, 1)])
    assert order is not None
    opened = story.ago(days=4)
    case = actions.open_case(
        order=order,
        type=CaseType.EXCHANGE,
        reason=Reason.WRONG_SIZE,
        lines=story.lines(order, replacement=other),
        description="腰围大了，换小一码",
        actor=story.staff.agent,
        at=opened,
    )
    case = story.approve(case, at=opened + timedelta(hours=1))
    story.send_back(case, at=opened + timedelta(days=1))
    case = story.receive(case, at=story.ago(hours=7))
    return story.inspect(case, at=story.ago(hours=6))


def _repair(story: _Story) -> Case | None:
    """维修: a coat's zip broke after three weeks; sent in, inspected, at the repairer's."""
    order = story.delivered_order(20)
    if order is None:
        return None
    opened = story.ago(days=9)
    case = actions.open_case(
        order=order,
        type=CaseType.REPAIR,
        reason=Reason.QUALITY,
        lines=story.lines(order),
        description="拉链拉头掉了，拉不上，能修吗",
        actor=story.staff.agent,
        at=opened,
    )
    story.photo(case, at=opened + timedelta(minutes=20), caption="拉头脱落", damage="tear")
    case = story.approve(case, at=opened + timedelta(hours=1))
    story.send_back(case, at=opened + timedelta(days=1))
    case = story.receive(case, at=story.ago(days=3))
    case = story.inspect(case, at=story.ago(days=3), defective=True, disposition=Disposition.DEFECTIVE)
    return replacements.start_repair(
        case=case, actor=story.staff.agent, note="送拉链师傅换拉头，约 3 天", at=story.ago(days=2, hours=20)
    )


def _reissue(story: _Story) -> Case | None:
    """补发, the damaged parcel: the carrier scanned it damaged on the way; the exception
    desk phoned the buyer and resolved it as reshipped, which opened a reissue case,
    approved at once, its goods placed as an order that goes through the warehouse."""
    sku = story.shelf.take()
    if sku is None:
        return None
    shipped = story.ago(hours=TROUBLE_AGE_HOURS["damaged"] + 6)
    order = story.order([(sku, 1)], placed=shipped - timedelta(days=1), shipped=shipped, scenario="damaged")
    shipment = Shipment.objects.filter(order=order).order_by("pk").first()
    if shipment is None:
        return None
    with simulated_scenario("damaged"):
        poll_shipment(shipment=shipment, now=story.ago(hours=3))
    problem = LogisticsException.objects.filter(shipment=shipment, closed_at__isnull=True).first()
    if problem is None:
        return None
    resolve_exception(
        exception=problem,
        outcome=ExceptionOutcome.RESHIP,
        note="买家收到外箱压破、衣服沾污，电话致歉，同款补发一件",
        actor=story.staff.agent,
        at=story.ago(hours=2),
    )
    return Case.objects.filter(order=order, type=CaseType.REISSUE).first()


_PLAYS: dict[str, Callable[[_Story], Case | None]] = {
    "reissue": _reissue,
    "complaint": _complaint,
    "before_shipping": _before_shipping,
    "cod_refund": _cod_refund,
    "inspection": _inspection,
    "exchange": _exchange,
    "inspected": _inspected,
    "repair": _repair,
    "dispute": _dispute,
    "no_reason": _no_reason,
    "requested": _requested,
    "rejected": _rejected,
    "canceled": _canceled,
    "approved": _approved,
}
