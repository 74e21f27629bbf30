"""Demo customer-service desk (客服, C11): the desk as it is at `now` on a working morning,
played through the service app's own functions with times in the past.

Called by the demo generator after the orders and the other capabilities' demos exist
(its conversations are about their orders), before the notifications' demo marks the
outbox's history sent (the desk's email replies and surveys are part of that history).

What it makes:
- the team: 阿华 (agent, 售后组, online since the shift began, both skills), 小美
  (xiaomei, 售前组, away: her early shift is over), 丽姐 (lijie, the supervisor, offline);
  the default business calendar (09:00–12:00, 13:30–24:00, holidays and 调休 from the
  holiday library), a service-level policy per channel, the starter quick replies and a
  personal one of 阿华's, the seed's forbidden phrases;
- three days of history for the figures: conversations answered and resolved by both
  agents, most surveys answered, a draft caught by a forbidden phrase and rewritten,
  one sent anyway with a reason;
- this morning's desk (`TODAY`): a conversation in every status on every channel — web
  chats with buyers of open orders (a held order whose buyer wants another address, an
  order waiting to ship, a parcel on its way, a delivered order to be returned), a
  marketplace (旺旺) question nobody has picked up yet, a snoozed bargain, an email
  answered and waiting for the buyer, a logged phone call, one resolved this morning
  whose buyer answered the survey, a complaint with its checklist half done;
- 小美's handover of her shift to 阿华, not yet acknowledged;
- last, the desk's sweeps at `now` (breached clocks escalated, snoozes woken, waiting
  conversations routed), so that the periodic jobs find nothing left to do.

Everything goes through the service's own functions — admin_actions (the teams and
agent profiles, set up by 丽姐), conversations, routing, sla, complaints, surveys,
handover and quickreplies — so the timelines, clocks, load counters and daily figures
agree as they would after three days of work.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction

from sellerdesk.core.models import User
from sellerdesk.customers.models import Customer
from sellerdesk.notifications.models import OutgoingMessage
from sellerdesk.orders.models import Order
from sellerdesk.orders.states import OrderStatus
from sellerdesk.service import (
    admin_actions,
    calendars,
    complaints,
    conversations,
    forbidden,
    handover,
    quickreplies,
    routing,
    sla,
    surveys,
)
from sellerdesk.service.conversations import ForbiddenPhrases
from sellerdesk.service.models import (
    ComplaintStep,
    Conversation,
    ConversationChannel,
    Presence,
    QuickReply,
    QuickReplyScope,
    Skill,
)
from sellerdesk.shops.models import Shop

SHANGHAI = ZoneInfo("Asia/Shanghai")
# The token in a survey link (service:survey's path, /service/survey/<token>/).
_SURVEY_TOKEN = re.compile(r"/survey/([A-Za-z0-9_\-]+)/")
HISTORY_DAYS = 3
# This morning, in minutes before `now`: 小美's early shift began, she handed over, 阿华's began.
EARLY_SHIFT_MINUTES = 180
HANDOVER_MINUTES = 62
LATE_SHIFT_MINUTES = 60
# 阿华's cap of concurrent chats: this morning fills it, so the last 旺旺 message waits.
AGENT_CAP = 5


@dataclass
class ServiceDemo:
    """What the stage made, for the tests and the docs: story name → conversation id."""

    stories: dict[str, int] = field(default_factory=dict)
    history: list[int] = field(default_factory=list)
    handover_id: int | None = None


@dataclass(frozen=True)
class DeskStaff:
    agent: User  # 阿华, on shift
    agent2: User  # 小美, her early shift over
    supervisor: User  # 丽姐


def load_demo_service(*, rng: random.Random, agent: User, agent2: User, supervisor: User, now: datetime) -> ServiceDemo:
    """Set up the desk, play its history and this morning's conversations, sweep at `now`."""
    staff = DeskStaff(agent, agent2, supervisor)
    made = ServiceDemo()
    with transaction.atomic():
        _set_up_desk(staff, now=now)
        _play_history(rng, staff, made, now=now)
        _play_today(rng, staff, made, now=now)
        # What the periodic jobs would do at `now`, done: nothing left for them.
        sla.sweep(now=now)
        routing.route_waiting(now=now)
    return made


# --- the desk: team, calendar, policies, quick replies, phrases -------------------------------------


def _set_up_desk(staff: DeskStaff, *, now: datetime) -> None:
    start = now - timedelta(days=HISTORY_DAYS + 1)
    calendars.default_calendar(at=start)
    # 丽姐 set the desk up: the two teams and what routing knows of each agent.
    after_sale = admin_actions.create_team(actor=staff.supervisor, name="售后组", supervisor=staff.supervisor, at=start)
    pre_sale = admin_actions.create_team(actor=staff.supervisor, name="售前组", supervisor=staff.supervisor, at=start)
    profiles = (
        (staff.agent, after_sale, [Skill.AFTER_SALE, Skill.PRE_SALE], ["zh-hans"], AGENT_CAP),
        (staff.agent2, pre_sale, [Skill.PRE_SALE, Skill.AFTER_SALE], ["zh-hans", "en"], 6),
        (staff.supervisor, after_sale, [Skill.AFTER_SALE], ["zh-hans", "en"], 3),
    )
    for user, team, skills, languages, cap in profiles:
        admin_actions.save_agent(
            user=user,
            actor=staff.supervisor,
            team=team,
            skills=skills,
            languages=languages,
            max_chats=cap,
            at=start,
        )
    # The seed's policies (chat answered within a minute) on the default calendar.
    sla.ensure_default_policies(at=start)
    quickreplies.seed_quick_replies(at=start)
    # 阿华's own: the tracking line with the order's placeholders.
    QuickReply.objects.get_or_create(
        scope=QuickReplyScope.PERSONAL,
        owner=staff.agent,
        shortcut="wl",
        language="zh-hans",
        defaults={
            "title": "物流单号",
            "category": "物流",
            "body": "亲，您的订单 {order_number} 已由{carrier}发出，单号 {tracking_number}，请留意查收哦～",
            "created_at": start,
            "updated_at": start,
        },
    )
    forbidden.seed_phrases()


def _set_presence(user: User, presence: str, at: datetime) -> None:
    routing.set_presence(user=user, presence=presence, at=at)


# --- times ------------------------------------------------------------------------------------


def _on_day(now: datetime, days_ago: int, hour: int, minute: int) -> datetime:
    """hour:minute in Shanghai `days_ago` days before now's day."""
    local = now.astimezone(SHANGHAI)
    day = local.date() - timedelta(days=days_ago)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


# --- orders the conversations are about --------------------------------------------------------


def _order(status: str, *, shop_code: str = "main", buyers: set[int]) -> Order | None:
    """The newest order of the shop in `status` of a buyer no story has used yet (a buyer
    has one web chat: two stories on one buyer would be one conversation)."""
    return (
        Order.objects.filter(status=status, shop__code=shop_code, customer__isnull=False)
        .exclude(customer_id__in=buyers)
        .select_related("customer", "shop")
        .order_by("-created_at", "-pk")
        .first()
    )


# --- history: three days of answered conversations ------------------------------------------------

# (buyer's words, the agent's answer, the buyer's thanks or "", survey score or None, comment)
_HISTORY = (
    ("亲，这款卫衣有没有加绒的？", "有的亲，加绒款在同一个链接里选“加绒”就可以～", "好的 谢谢", 5, "回复很快"),
    ("快递到哪了，三天了还没到", "亲，您的包裹已到本地网点，今天会派送，请留意电话", "收到", 4, ""),
    ("拍的时候忘了用券，能退差价吗", "亲，已经为您改好价格了，差价 10 元原路退回", "谢谢客服", 5, "很耐心"),
    ("尺码偏大吗？平时穿M", "这款是标准码，平时穿M拍M就好", "", None, ""),
    ("可以开发票吗 公司报销用", "可以的，确认收货后在订单页申请电子发票就行", "好的", 5, ""),
    (
        "裤子洗了一次就起球了",
        "非常抱歉给您带来不便，麻烦拍张照片，我们为您换新",
        "照片发你了",
        3,
        "处理还行 但是质量一般",
    ),
    ("新疆包邮吗", "亲，新疆需要补 10 元运费，我们用顺丰发", "那算了", None, ""),
    ("什么时候发货呀", "亲，您的订单今天下午就发出，晚上能看到物流", "好的好的", 4, ""),
    ("这个颜色实物偏黄吗", "实物是奶白色，不偏黄，详情页第三张是实拍", "好的 我拍了", 5, "小姐姐人很好"),
)


def _play_history(rng: random.Random, staff: DeskStaff, made: ServiceDemo, *, now: datetime) -> None:
    """Each of the last HISTORY_DAYS days: both agents online from 09:00, three
    conversations each day answered within a minute or two and resolved, surveys mostly
    answered; on the middle day a draft caught by a forbidden phrase and rewritten, and
    one sent anyway with a reason."""
    # Distinct buyers in the order of their first completed order. (DISTINCT in SQL would
    # not do: ordering by pk puts the pk in the SELECT DISTINCT, and a buyer with two
    # completed orders came twice — two chats of one buyer, one survey answered twice.)
    completed = Order.objects.filter(shop__code="main", customer__isnull=False, status=OrderStatus.COMPLETED)
    customers = list(dict.fromkeys(completed.order_by("pk").values_list("customer_id", flat=True)))[: len(_HISTORY)]
    main = Shop.objects.get(code="main")
    pairs = list(zip(_HISTORY, customers, strict=False))
    for index, ((asked, answer, thanks, score, comment), customer_id) in enumerate(pairs):
        days_ago = HISTORY_DAYS - index // 3
        if index % 3 == 0:
            for user in (staff.agent, staff.agent2):
                _set_presence(user, Presence.ONLINE, _on_day(now, days_ago, 9, 0))
        opened = _on_day(now, days_ago, 10 + 3 * (index % 3), rng.randint(0, 50))
        conversation = conversations.open_conversation(
            shop=main,
            channel=ConversationChannel.WEB,
            customer=Customer.objects.get(pk=customer_id),
            contact_name="",
            at=opened,
        )
        conversations.receive_buyer_message(conversation=conversation, body=asked, at=opened)
        conversation.refresh_from_db()
        # Routing chose the less loaded of the two (both online).
        agent = conversation.assignee or staff.agent
        answered = opened + timedelta(seconds=rng.randint(20, 150))
        if index == 4:
            _caught_then_polite(conversation, agent, answered)
            answered += timedelta(seconds=40)
        if index == 5:
            # Sent anyway: the buyer asked, word for word, whether it was company policy.
            conversations.send_reply(
                conversation=conversation,
                actor=agent,
                body="是的，公司规定是这样：质量问题 30 天内包换。",
                override_reason="买家问的就是公司的规定，原话回答",
                at=answered - timedelta(seconds=10),
            )
        conversations.send_reply(conversation=conversation, actor=agent, body=answer, at=answered)
        if thanks:
            conversations.receive_buyer_message(
                conversation=conversation, body=thanks, at=answered + timedelta(minutes=rng.randint(1, 6))
            )
        resolved_at = answered + timedelta(minutes=rng.randint(8, 30))
        conversations.resolve(conversation=conversation, actor=agent, at=resolved_at)
        if score is not None:
            _answer_survey(conversation, score=score, comment=comment, at=resolved_at + timedelta(minutes=20))
        made.history.append(conversation.pk)
        if index % 3 == 2:
            for user in (staff.agent, staff.agent2):
                _set_presence(user, Presence.OFFLINE, _on_day(now, days_ago, 23, 55))


def _caught_then_polite(conversation: Conversation, agent: User, at: datetime) -> None:
    """The agent's first draft holds a forbidden phrase: refused (the catch recorded),
    then the polite wording the check offered is sent instead."""
    try:
        conversations.send_reply(conversation=conversation, actor=agent, body="发票的事这事我们不管，您找平台吧", at=at)
    except ForbiddenPhrases as caught:
        polite = caught.hits[0].alternative
    else:
        raise RuntimeError("the demo's forbidden draft was not caught")
    conversations.send_reply(conversation=conversation, actor=agent, body=polite, at=at + timedelta(seconds=30))


def _answer_survey(conversation: Conversation, *, score: int, comment: str, at: datetime) -> None:
    """The buyer follows the survey's link (only its hash is stored: the token is read back
    from the message the outbox holds for them) and answers."""
    sent = OutgoingMessage.objects.filter(idempotency_key=f"service:survey:{conversation.pk}").first()
    found = _SURVEY_TOKEN.search(sent.text) if sent is not None else None
    if found is None:  # the buyer cannot be reached (no survey sent): nothing to answer
        return
    surveys.answer(token=found.group(1), score=score, comment=comment, at=at)


# --- this morning --------------------------------------------------------------------------------


def _play_today(rng: random.Random, staff: DeskStaff, made: ServiceDemo, *, now: datetime) -> None:
    """小美's early shift (from three hours ago), her handover to 阿华 an hour ago, then
    阿华's hour: each story played in its time order."""
    today = _Today(rng=rng, staff=staff, now=now, taken=set())
    _set_presence(staff.agent2, Presence.ONLINE, today.ago(EARLY_SHIFT_MINUTES))
    for name, play in _EARLY:
        conversation = play(today)
        if conversation is not None:
            made.stories[name] = conversation.pk
    made.handover_id = _hand_over(staff, made, at=today.ago(HANDOVER_MINUTES))
    _set_presence(staff.agent2, Presence.AWAY, today.ago(HANDOVER_MINUTES - 1))
    _set_presence(staff.agent, Presence.ONLINE, today.ago(LATE_SHIFT_MINUTES))
    for name, play in _LATE:
        conversation = play(today)
        if conversation is not None:
            made.stories[name] = conversation.pk


@dataclass
class _Today:
    rng: random.Random
    staff: DeskStaff
    now: datetime
    taken: set[int]  # the buyers the stories have used

    def ago(self, minutes: float) -> datetime:
        return self.now - timedelta(minutes=minutes)

    def order(self, status: str, shop_code: str = "main") -> Order | None:
        order = _order(status, shop_code=shop_code, buyers=self.taken)
        if order is not None and order.customer_id is not None:
            self.taken.add(order.customer_id)
        return order

    def web_chat(self, order: Order, minutes_ago: float) -> Conversation:
        assert order.customer is not None
        return conversations.conversation_for_buyer(customer=order.customer, order=order, at=self.ago(minutes_ago))

    def buyer(self, conversation: Conversation, body: str, minutes_ago: float, external_id: str = "") -> None:
        conversations.receive_buyer_message(
            conversation=conversation, body=body, at=self.ago(minutes_ago), external_id=external_id
        )

    def reply(self, conversation: Conversation, body: str, minutes_ago: float, agent: User | None = None) -> None:
        conversation.refresh_from_db()
        conversations.send_reply(
            conversation=conversation, actor=agent or self.staff.agent, body=body, at=self.ago(minutes_ago)
        )


def _held_order_new_address(today: _Today) -> Conversation | None:
    """The held order (审单 held it: the buyer wants another address): the buyer wrote the
    new address 42 s ago, the first-reply clock runs — changing the address from the
    conversation is the shift's first job."""
    order = today.order(OrderStatus.ON_HOLD) or today.order(OrderStatus.PENDING_REVIEW)
    if order is None:
        return None
    conversation = today.web_chat(order, 0.7)
    today.buyer(conversation, "亲 地址写错了，麻烦改成 上海市浦东新区 张江路 88 弄 5 号 302，谢谢！", 0.7)
    return conversation


def _waiting_to_ship(today: _Today) -> Conversation | None:
    """A paid order not yet shipped: the buyer asks when; 阿华 answered with the
    shipping quick reply, the buyer asked again half a minute ago (the next-reply clock)."""
    order = today.order(OrderStatus.ALLOCATED) or today.order(OrderStatus.APPROVED)
    if order is None:
        return None
    conversation = today.web_chat(order, 12)
    today.buyer(conversation, "什么时候发货啊 周末要送人", 12)
    reply = quickreplies.fill("亲，您的订单 {order_number}（{goods}）已在仓库配货，今天内发出，请放心～", conversation)
    today.reply(conversation, reply, 11.5)
    today.buyer(conversation, "能今天发吗？可以加钱走顺丰", 0.5)
    return conversation


def _parcel_on_its_way(today: _Today) -> Conversation | None:
    """A shipped order: the buyer asked where it is, 阿华 sent his tracking quick reply
    (filled from the order) and waits for the buyer (pending: the clocks paused)."""
    order = today.order(OrderStatus.SHIPPED)
    if order is None:
        return None
    conversation = today.web_chat(order, 25)
    today.buyer(conversation, "我的快递到哪了？", 25)
    personal = QuickReply.objects.get(owner=today.staff.agent, shortcut="wl")
    conversation.refresh_from_db()
    conversations.send_reply(
        conversation=conversation,
        actor=today.staff.agent,
        body=quickreplies.fill(personal.body, conversation, agent=today.staff.agent),
        quick_reply_ids=[personal.pk],
        at=today.ago(24),
    )
    conversations.wait_for_buyer(conversation=conversation, actor=today.staff.agent, at=today.ago(23))
    return conversation


def _return_after_delivery(today: _Today) -> Conversation | None:
    """A delivered order the buyer wants to return (the size): open, answered once —
    opening the return case from the conversation is the shift's second job."""
    order = today.order(OrderStatus.DELIVERED) or today.order(OrderStatus.COMPLETED)
    if order is None:
        return None
    conversation = today.web_chat(order, 40)
    today.buyer(conversation, "衣服收到了 有点小 想退掉可以吗", 40)
    today.reply(conversation, "可以的亲，麻烦稍等，我帮您在系统里申请退货～", 39)
    today.buyer(conversation, "好 等你", 38)
    return conversation


def _marketplace_unassigned(today: _Today) -> Conversation | None:
    """A 旺旺 message in English on the Tmall shop: 阿华 has his cap of chats and 小美
    (who reads English) is away, so it waits in the unassigned view; its first-reply
    clock (a minute) is breached and the sweep escalated it to the supervisor."""
    shop = Shop.objects.get(code="tmall")
    conversation = conversations.open_conversation(
        shop=shop,
        channel=ConversationChannel.MARKETPLACE,
        contact="tb_lucy_2019",
        contact_name="lucy",
        external_thread="ww:tmall:tb_lucy_2019",
        language="en",
        at=today.ago(3),
    )
    today.buyer(
        conversation, "Hi, is the down jacket warm enough for -10°C? What size for 170cm?", 3, external_id="ww:9001"
    )
    return conversation


def _snoozed_bargain(today: _Today) -> Conversation | None:
    """A Pinduoduo buyer bargaining for 5 pieces: 阿华 promised an answer when the
    activity price is set, and snoozed the conversation until 14:00."""
    shop = Shop.objects.get(code="pdd")
    conversation = conversations.open_conversation(
        shop=shop,
        channel=ConversationChannel.MARKETPLACE,
        contact="pdd_8836112",
        contact_name="拼友8836",
        external_thread="pdd:8836112",
        at=today.ago(100),
    )
    today.buyer(conversation, "买5件能便宜多少 给个实在价", 100, external_id="pdd:77120")
    today.reply(conversation, "亲，5 件的活动价下午两点出来，出来后我第一时间告诉您～", 99, today.staff.agent2)
    until = _on_day(today.now, 0, 14, 0)
    if until <= today.now:
        until = today.now + timedelta(hours=4)
    conversation.refresh_from_db()
    conversations.snooze(conversation=conversation, actor=today.staff.agent2, until=until, at=today.ago(98))
    return conversation


def _email_answered(today: _Today) -> Conversation | None:
    """An email asking for a company invoice: answered by email (the outbox), waiting for
    the buyer's tax number."""
    main = Shop.objects.get(code="main")
    conversation = conversations.open_conversation(
        shop=main,
        channel=ConversationChannel.EMAIL,
        contact="finance@example.com",
        contact_name="王会计",
        subject="发票抬头",
        external_thread="<invoice-20@example.com>",
        at=today.ago(130),
    )
    today.buyer(
        conversation,
        "您好，上周的订单需要开增值税普通发票，抬头：上海某某科技有限公司。请问怎么操作？",
        130,
        external_id="<invoice-20@example.com>",
    )
    today.reply(
        conversation, "王会计您好，麻烦回复一下贵公司的税号，我们收到后当天开具电子发票。", 110, today.staff.agent2
    )
    conversation.refresh_from_db()
    conversations.wait_for_buyer(conversation=conversation, actor=today.staff.agent2, at=today.ago(109))
    return conversation


def _phone_call(today: _Today) -> Conversation | None:
    """A buyer called about a cash-on-delivery order; 阿华 logged the call and resolved
    it (nothing more to do)."""
    order = today.order(OrderStatus.SHIPPED)
    main = Shop.objects.get(code="main")
    message = conversations.log_call(
        shop=order.shop if order is not None else main,
        actor=today.staff.agent,
        number=order.buyer_phone if order is not None else "13800138000",
        duration_seconds=185,
        summary="买家来电问货到付款能不能刷卡，已说明快递员支持扫码付款。",
        customer=order.customer if order is not None else None,
        order=order,
        at=today.ago(35),
    )
    conversation = message.conversation
    conversations.resolve(conversation=conversation, actor=today.staff.agent, at=today.ago(33))
    return conversation


def _resolved_with_survey(today: _Today) -> Conversation | None:
    """Resolved this morning; the buyer gave 5 stars with a comment."""
    order = today.order(OrderStatus.COMPLETED)
    if order is None:
        return None
    conversation = today.web_chat(order, 58)
    today.buyer(conversation, "请问这个杯子能放洗碗机吗", 58)
    today.reply(conversation, "可以的亲，杯身和杯盖都能放洗碗机，密封圈建议手洗～", 57.5)
    today.buyer(conversation, "好的 谢谢", 56)
    conversation.refresh_from_db()
    conversations.resolve(conversation=conversation, actor=today.staff.agent, at=today.ago(52))
    _answer_survey(conversation, score=5, comment="回复很快，很专业", at=today.ago(45))
    return conversation


def _complaint_half_done(today: _Today) -> Conversation | None:
    """An angry buyer (the third message about a late parcel): a complaint, high
    priority; 阿华 stayed calm, listened and empathised — apologise and solve are next."""
    order = today.order(OrderStatus.SHIPPED)
    if order is None:
        return None
    conversation = today.web_chat(order, 20)
    today.buyer(conversation, "第三次问了 快递一个礼拜不动 你们到底管不管", 20)
    conversation.refresh_from_db()
    conversations.mark_complaint(conversation=conversation, actor=today.staff.agent, at=today.ago(19.5))
    today.reply(conversation, "非常理解您的心情，您别着急，我现在就帮您查这个包裹。", 19)
    today.buyer(conversation, "再不给我解决我就投诉到平台", 17)
    steps = (
        (ComplaintStep.CALM, "先安抚，没有争辩"),
        (ComplaintStep.LISTEN, "包裹 7 天未更新，买家已问过两次"),
        (ComplaintStep.EMPATHISE, "复述了买家的情况，表示理解"),
    )
    for offset, (step, note) in enumerate(steps):
        complaints.tick_step(
            conversation=conversation, step=step, actor=today.staff.agent, note=note, at=today.ago(16 - offset)
        )
    return conversation


Story = tuple[str, Callable[[_Today], Conversation | None]]
# 小美's early shift, then 阿华's hour, each in time order.
_EARLY: tuple[Story, ...] = (
    ("email_answered", _email_answered),
    ("snoozed_bargain", _snoozed_bargain),
)
_LATE: tuple[Story, ...] = (
    ("resolved_with_survey", _resolved_with_survey),
    ("return_after_delivery", _return_after_delivery),
    ("phone_call", _phone_call),
    ("parcel_on_its_way", _parcel_on_its_way),
    ("complaint", _complaint_half_done),
    ("waiting_to_ship", _waiting_to_ship),
    ("held_order_new_address", _held_order_new_address),
    ("marketplace_unassigned", _marketplace_unassigned),
)


# --- the handover --------------------------------------------------------------------------------


def _hand_over(staff: DeskStaff, made: ServiceDemo, *, at: datetime) -> int | None:
    """小美's early shift handed to 阿华 as his begins: the snoozed bargain and the
    invoice email, with a promise due this afternoon; not acknowledged yet."""
    items = [
        handover.ItemDraft(conversation_id=made.stories[name], promise=promise, due_at=due)
        for name, promise, due in (
            (
                "snoozed_bargain",
                "下午两点活动价出来后告诉买家 5 件价",
                max(_on_day(at, 0, 14, 30), at + timedelta(hours=4)),
            ),
            ("email_answered", "收到税号后当天开电子发票", None),
        )
        if name in made.stories
    ]
    written = handover.write_handover(
        from_agent=staff.agent2,
        to_agent=staff.agent,
        notes="早班无大事。拼多多那位买家等下午的活动价；王会计的发票等税号。",
        items=items,
        at=at,
    )
    return written.pk
