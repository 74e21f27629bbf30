"""The words of messages: a template per kind × channel × language, with placeholders.

Every kind ships a default in zh-Hans and en for every channel with words (SMS, email,
in-site, chat); a webhook carries JSON, no words. A shop may save its own template over
the default (`save_template`, checked by `check_template`: an unknown or malformed
placeholder is refused) and go back to the default (`reset_template`); both are audited.

Placeholders are written `{name}`; `{{` and `}}` stand for a literal brace. `render`
fills them from the parameters the caller gives (`params_for_order` makes the usual ones
from an order), a missing parameter reading as an empty string so that an old message
resent after a template gained a placeholder still goes out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sellerdesk.catalog.models import ATTRIBUTE_ORDER
from sellerdesk.core import refcache
from sellerdesk.core.audit import SHOP_SETTINGS, record, register_audit_code
from sellerdesk.core.errors import ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.core.permissions import require
from sellerdesk.core.refcache import remembered
from sellerdesk.logistics.shipped_elsewhere import carrier_named
from sellerdesk.notifications.models import Channel, MessageKind, MessageTemplate
from sellerdesk.orders.models import Order, OrderLine
from sellerdesk.shops.access import require_visible_shop
from sellerdesk.shops.models import Shop

# The languages every kind ships in (Django's codes, as settings.LANGUAGES names them).
LANGUAGES = ("zh-hans", "en")
# The channels whose messages have words (a webhook's body is the event's JSON).
WORDED_CHANNELS = (Channel.SMS, Channel.EMAIL, Channel.IN_SITE, Channel.IM)

TEMPLATE_SAVED = "message_template_saved"
TEMPLATE_RESET = "message_template_reset"


def _audit_values(params: Mapping[str, Any]) -> dict[str, Any]:
    kind = params.get("kind", "")
    channel = params.get("channel", "")
    return {
        "shop": params.get("shop_name", params.get("shop", "")),
        "kind": MessageKind(kind).label if kind in MessageKind.values else kind,
        "channel": Channel(channel).label if channel in Channel.values else channel,
        "language": params.get("language", ""),
    }


register_audit_code(
    TEMPLATE_SAVED,
    SHOP_SETTINGS,
    gettext_lazy("Message template of %(shop)s saved: %(kind)s, %(channel)s, %(language)s."),
    format=_audit_values,
    example={"shop": "main", "shop_name": "主店", "kind": "paid", "channel": "sms", "language": "zh-hans"},
)
register_audit_code(
    TEMPLATE_RESET,
    SHOP_SETTINGS,
    gettext_lazy("Message template of %(shop)s back to the default: %(kind)s, %(channel)s, %(language)s."),
    format=_audit_values,
    example={"shop": "main", "shop_name": "主店", "kind": "paid", "channel": "sms", "language": "zh-hans"},
)


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str


@dataclass(frozen=True)
class Template:
    subject: str
    body: str


# --- placeholders --------------------------------------------------------------------------

_ORDER = frozenset({"buyer_name", "order_number", "shop_name"})
_PARCEL = _ORDER | {"goods", "carrier", "tracking_number"}

PLACEHOLDERS: dict[str, frozenset[str]] = {
    # wishes: the buyer's wishes as a line of their own ("\n您的要求：…"), empty when none.
    MessageKind.ORDER_CONFIRMATION: _ORDER | {"goods", "total", "address", "wishes"},
    MessageKind.PAID: _ORDER | {"goods", "total"},
    MessageKind.PARCEL_SHIPPED: _PARCEL,
    MessageKind.IN_TRANSIT: _PARCEL | {"location"},
    MessageKind.DELIVERED: _PARCEL,
    MessageKind.PARCEL_PROBLEM: _PARCEL | {"problem"},
    MessageKind.AFTERSALES: _ORDER | {"case_number", "progress"},
    MessageKind.REFUND_DONE: _ORDER | {"case_number", "refund_amount"},
    MessageKind.PAYMENT_REMINDER: _ORDER | {"goods", "total", "pay_by"},
    MessageKind.ONE_TIME_CODE: frozenset({"code", "minutes", "shop_name"}),
    MessageKind.PURCHASE_ORDER: frozenset({"supplier_name", "po_number", "total", "shop_name"}),
    MessageKind.WEBHOOK_EVENT: frozenset({"event", "order_number", "shop_name"}),
    # What the agent wrote, as written (the service desk composes it).
    MessageKind.SERVICE_MESSAGE: frozenset({"text", "shop_name"}),
}

# Parameters every kind renders with in the tests, the editor's help and the preview when
# no order fits (the goods with colour and size, as the seed's reminder names them).
EXAMPLE_PARAMS: dict[str, dict[str, str]] = {
    kind: values
    for kind, values in {
        MessageKind.ORDER_CONFIRMATION: {
            "goods": "吊带裙（玫红 XS）× 1",
            "total": "128.00",
            "address": "浙江省 杭州市 西湖区 文三路 1 号",
            "wishes": "\n您的要求：包裹内不放价格单",
        },
        MessageKind.PAID: {"goods": "吊带裙（玫红 XS）× 1", "total": "128.00"},
        MessageKind.PARCEL_SHIPPED: {
            "goods": "吊带裙（玫红 XS）× 1",
            "carrier": "顺丰速运",
            "tracking_number": "SF1234567890",
        },
        MessageKind.IN_TRANSIT: {
            "goods": "吊带裙（玫红 XS）× 1",
            "carrier": "顺丰速运",
            "tracking_number": "SF1234567890",
            "location": "杭州转运中心",
        },
        MessageKind.DELIVERED: {
            "goods": "吊带裙（玫红 XS）× 1",
            "carrier": "顺丰速运",
            "tracking_number": "SF1234567890",
        },
        MessageKind.PARCEL_PROBLEM: {
            "goods": "吊带裙（玫红 XS）× 1",
            "carrier": "顺丰速运",
            "tracking_number": "SF1234567890",
            "problem": "派送延误",
        },
        MessageKind.AFTERSALES: {"case_number": "AS000123", "progress": "退货已收到，正在检验"},
        MessageKind.REFUND_DONE: {"case_number": "AS000123", "refund_amount": "128.00"},
        MessageKind.PAYMENT_REMINDER: {"goods": "吊带裙（玫红 XS）× 1", "total": "128.00", "pay_by": "4月15日 16:00"},
        MessageKind.ONE_TIME_CODE: {"code": "428613", "minutes": "10"},
        MessageKind.PURCHASE_ORDER: {"supplier_name": "义乌服饰厂", "po_number": "PO000042", "total": "3600.00"},
        MessageKind.WEBHOOK_EVENT: {"event": "order.paid", "order_number": "SO000123"},
        MessageKind.SERVICE_MESSAGE: {"text": "亲，您的包裹已经发出，请留意查收。"},
    }.items()
}
for _kind, _values in EXAMPLE_PARAMS.items():
    _values.setdefault("shop_name", "主店")
    if "buyer_name" in PLACEHOLDERS[_kind]:
        _values.setdefault("buyer_name", "张小姐")
    if "order_number" in PLACEHOLDERS[_kind]:
        _values.setdefault("order_number", "SO000123")


def placeholders(kind: str) -> set[str]:
    """The placeholders a template of this kind may use."""
    return set(PLACEHOLDERS[kind])


# `{{`, `}}`, a placeholder `{name}`, or any other brace (malformed).
_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")
_NAME = re.compile(r"[a-z][a-z0-9_]*\Z")


def _names(text: str) -> tuple[list[str], list[str]]:
    """The placeholders a text uses and its malformed pieces, in order."""
    used: list[str] = []
    malformed: list[str] = []
    for match in _TOKEN.finditer(text):
        token = match.group(0)
        if token in ("{{", "}}"):
            continue
        name = match.group(1)
        if name is None or not _NAME.match(name.strip()) or name != name.strip():
            malformed.append(token)
        else:
            used.append(name)
    return used, malformed


def check_template(kind: str, channel: str, body: str, subject: str = "") -> None:
    """Refuse a template that could not render: an empty text, a placeholder the kind does
    not have, or a brace that opens no placeholder. Raises ValidationFailed naming the
    field ("body" or "subject") and the placeholder."""
    if kind not in PLACEHOLDERS:
        raise ValidationFailed({"kind": _("unknown kind %(kind)s") % {"kind": kind}})
    if channel not in WORDED_CHANNELS:
        raise ValidationFailed({"channel": _("%(channel)s messages have no template") % {"channel": channel}})
    allowed = PLACEHOLDERS[kind]
    bad: dict[str, str] = {}
    if not body.strip():
        bad["body"] = _("The text may not be empty.")
    for field, text in (("body", body), ("subject", subject)):
        used, malformed = _names(text)
        unknown = [name for name in used if name not in allowed]
        problems = []
        if unknown:
            problems.append(
                _("unknown placeholder %(placeholders)s (this message may use %(allowed)s)")
                % {
                    "placeholders": ", ".join("{" + name + "}" for name in dict.fromkeys(unknown)),
                    "allowed": ", ".join("{" + name + "}" for name in sorted(allowed)),
                }
            )
        if malformed:
            problems.append(
                _("malformed placeholder %(pieces)s (write {name}, or {{ and }} for a brace)")
                % {"pieces": ", ".join(dict.fromkeys(malformed))}
            )
        if problems:
            bad[field] = "; ".join(problems)
    if bad:
        raise ValidationFailed(bad, _("The template has placeholders that cannot be filled."))


# --- SMS length ----------------------------------------------------------------------------

# GSM 03.38: the basic alphabet (one septet each) and the extension table (two each).
_GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENDED = set("^{}\\[~]|€\f")


def sms_length(text: str) -> tuple[int, bool]:
    """(length in the units SMS counts, whether it fits the GSM alphabet): GSM septets, or
    UTF-16 units when any character (Chinese, say) needs UCS-2."""
    if all(char in _GSM_BASIC or char in _GSM_EXTENDED for char in text):
        return sum(2 if char in _GSM_EXTENDED else 1 for char in text), True
    return len(text.encode("utf-16-le")) // 2, False


def sms_segments(text: str) -> int:
    """How many SMS the text is sent as: 160 GSM characters (70 in UCS-2, any Chinese) in
    one; a longer text goes in parts of 153 (67) each, the rest being the parts' header."""
    length, is_gsm = sms_length(text)
    single, part = (160, 153) if is_gsm else (70, 67)
    if length <= single:
        return 1 if length else 0
    return -(-length // part)


# --- the shipped defaults ------------------------------------------------------------------

# Per kind and language: the email subject, the SMS (short, the shop's signature first as
# Chinese SMS gateways require) and the longer text for email, in-site and chat.
_WORDS: dict[tuple[str, str], tuple[str, str, str]] = {
    (MessageKind.ORDER_CONFIRMATION, "zh-hans"): (
        "请确认您的订单 {order_number}",
        "【{shop_name}】{buyer_name}您好，您的订单{order_number}已确认，共¥{total}。如信息有误请尽快联系我们。",
        "{buyer_name}您好，感谢您在{shop_name}下单！请核对订单{order_number}：\n{goods}\n合计：¥{total}\n"
        "收货地址：{address}{wishes}\n如有任何问题，请在发货前回复我们，我们会马上为您处理。",
    ),
    (MessageKind.ORDER_CONFIRMATION, "en"): (
        "Please check your order {order_number}",
        "{shop_name}: Hello {buyer_name}, your order {order_number} (¥{total}) is confirmed. "
        "Anything wrong? Please tell us soon.",
        "Hello {buyer_name}, thank you for your order at {shop_name}! Please check order {order_number}:\n"
        "{goods}\nTotal: ¥{total}\nShip to: {address}{wishes}\n"
        "If anything is wrong, please reply before the order ships and we will put it right.",
    ),
    (MessageKind.PAID, "zh-hans"): (
        "已收到您的付款：订单 {order_number}",
        "【{shop_name}】{buyer_name}您好，订单{order_number}的付款¥{total}已收到，我们会尽快为您发货。",
        "{buyer_name}您好，我们已收到订单{order_number}的付款¥{total}，谢谢！\n{goods}\n"
        "仓库正在为您配货，发货后会第一时间通知您。",
    ),
    (MessageKind.PAID, "en"): (
        "Payment received: order {order_number}",
        "{shop_name}: Hello {buyer_name}, we received ¥{total} for order {order_number}. We will ship it soon.",
        "Hello {buyer_name}, we received your payment of ¥{total} for order {order_number}, thank you!\n"
        "{goods}\nThe warehouse is packing it; we will tell you as soon as it ships.",
    ),
    (MessageKind.PARCEL_SHIPPED, "zh-hans"): (
        "您的订单 {order_number} 已发货",
        "【{shop_name}】{buyer_name}您好，订单{order_number}已发货，{carrier}运单号{tracking_number}，请注意查收。",
        "{buyer_name}您好，您的订单{order_number}已发货啦！\n{goods}\n快递：{carrier}，运单号：{tracking_number}。\n"
        "收到后如有任何问题，请随时联系我们。",
    ),
    (MessageKind.PARCEL_SHIPPED, "en"): (
        "Your order {order_number} has shipped",
        "{shop_name}: Hello {buyer_name}, order {order_number} has shipped with {carrier}, "
        "tracking number {tracking_number}.",
        "Hello {buyer_name}, your order {order_number} is on its way!\n{goods}\n"
        "Carrier: {carrier}, tracking number: {tracking_number}.\n"
        "If anything is wrong when it arrives, please contact us.",
    ),
    (MessageKind.IN_TRANSIT, "zh-hans"): (
        "您的包裹正在路上：订单 {order_number}",
        "【{shop_name}】{buyer_name}您好，订单{order_number}的包裹正在运输中（{carrier} {tracking_number}）。",
        "{buyer_name}您好，您的订单{order_number}的包裹正在运输中，目前在{location}。\n"
        "快递：{carrier}，运单号：{tracking_number}。",
    ),
    (MessageKind.IN_TRANSIT, "en"): (
        "Your parcel is on its way: order {order_number}",
        "{shop_name}: Hello {buyer_name}, the parcel of order {order_number} is on its way "
        "({carrier} {tracking_number}).",
        "Hello {buyer_name}, the parcel of your order {order_number} is on its way, now at {location}.\n"
        "Carrier: {carrier}, tracking number: {tracking_number}.",
    ),
    (MessageKind.DELIVERED, "zh-hans"): (
        "您的包裹已签收：订单 {order_number}",
        "【{shop_name}】{buyer_name}您好，订单{order_number}的包裹已签收。如有问题请联系我们，祝您购物愉快！",
        "{buyer_name}您好，您的订单{order_number}的包裹已签收（{carrier} {tracking_number}）。\n{goods}\n"
        "如果商品有任何问题，请联系我们，我们会尽快为您处理。祝您购物愉快！",
    ),
    (MessageKind.DELIVERED, "en"): (
        "Your parcel was delivered: order {order_number}",
        "{shop_name}: Hello {buyer_name}, the parcel of order {order_number} was delivered. Enjoy!",
        "Hello {buyer_name}, the parcel of your order {order_number} was delivered ({carrier} "
        "{tracking_number}).\n{goods}\nIf anything is wrong with it, please contact us and we will help. Enjoy!",
    ),
    (MessageKind.PARCEL_PROBLEM, "zh-hans"): (
        "您的包裹遇到问题：订单 {order_number}",
        "【{shop_name}】{buyer_name}您好，订单{order_number}的包裹{problem}，我们正在跟进，给您添麻烦了。",
        "{buyer_name}您好，非常抱歉，您的订单{order_number}的包裹（{carrier} {tracking_number}）{problem}。\n"
        "我们已经在联系快递公司处理，有进展会马上通知您。",
    ),
    (MessageKind.PARCEL_PROBLEM, "en"): (
        "A problem with your parcel: order {order_number}",
        "{shop_name}: Hello {buyer_name}, the parcel of order {order_number}: {problem}. We are on it, sorry.",
        "Hello {buyer_name}, we are sorry: the parcel of your order {order_number} ({carrier} "
        "{tracking_number}) has a problem: {problem}.\nWe are working on it with the carrier and will tell "
        "you as soon as we know more.",
    ),
    (MessageKind.AFTERSALES, "zh-hans"): (
        "售后进度：{case_number}",
        "【{shop_name}】{buyer_name}您好，您的售后申请{case_number}有新进展：{progress}。",
        "{buyer_name}您好，您的订单{order_number}的售后申请{case_number}有新进展：\n{progress}\n"
        "如有疑问，请随时联系我们。",
    ),
    (MessageKind.AFTERSALES, "en"): (
        "After-sales update: {case_number}",
        "{shop_name}: Hello {buyer_name}, your after-sales request {case_number}: {progress}.",
        "Hello {buyer_name}, there is news on your after-sales request {case_number} for order "
        "{order_number}:\n{progress}\nIf you have any question, please contact us.",
    ),
    (MessageKind.REFUND_DONE, "zh-hans"): (
        "退款已完成：¥{refund_amount}",
        "【{shop_name}】{buyer_name}您好，售后{case_number}的退款¥{refund_amount}已退回，请注意查收。",
        "{buyer_name}您好，您的订单{order_number}（售后{case_number}）的退款¥{refund_amount}已完成，"
        "款项将原路退回，请注意查收。给您带来的不便，敬请谅解。",
    ),
    (MessageKind.REFUND_DONE, "en"): (
        "Refund done: ¥{refund_amount}",
        "{shop_name}: Hello {buyer_name}, your refund of ¥{refund_amount} ({case_number}) has been paid.",
        "Hello {buyer_name}, the refund of ¥{refund_amount} for order {order_number} (after-sales "
        "{case_number}) is done; it goes back the way you paid. We are sorry for the trouble.",
    ),
    # The seed's tone (002, 旺旺留言示范): friendly, no pressure, an offer of help.
    (MessageKind.PAYMENT_REMINDER, "zh-hans"): (
        "您拍下的宝贝还没有付款哦",
        "【{shop_name}】{buyer_name}您好！您拍下的“{goods}”还没有完成付款哦，共¥{total}，"
        "{pay_by}前付款即可为您安排发货。如需帮助请联系客服。",
        "{buyer_name}您好！是不是最近忙呢？还是付款遇到问题了呢？您在{shop_name}拍下的“{goods}”"
        "（订单{order_number}，共¥{total}）还没有完成付款哦。这款我们是现货的，{pay_by}前付款，"
        "可以为您尽快安排发货哦。如果需要什么帮助，请联系我们客服哦。",
    ),
    (MessageKind.PAYMENT_REMINDER, "en"): (
        "Your order is waiting for payment",
        "{shop_name}: Hello {buyer_name}, your order of {goods} (¥{total}) is not paid yet. "
        "Pay by {pay_by} and we ship it. Need help? Ask us.",
        "Hello {buyer_name}, busy days? Or did the payment run into trouble? Your order {order_number} at "
        "{shop_name}, {goods} (¥{total}), is not paid yet. It is in stock: pay by {pay_by} and we will ship "
        "it right away. If you need any help, just ask us.",
    ),
    (MessageKind.ONE_TIME_CODE, "zh-hans"): (
        "您的验证码：{code}",
        "【{shop_name}】您的验证码是{code}，{minutes}分钟内有效，请勿告诉他人。",
        "您的验证码是{code}，{minutes}分钟内有效。请勿将验证码告诉任何人，{shop_name}的工作人员不会向您索要。",
    ),
    (MessageKind.ONE_TIME_CODE, "en"): (
        "Your code: {code}",
        "{shop_name}: your code is {code}, valid for {minutes} minutes. Do not share it.",
        "Your code is {code}, valid for {minutes} minutes. Never share it: {shop_name} staff will never ask for it.",
    ),
    (MessageKind.PURCHASE_ORDER, "zh-hans"): (
        "采购单 {po_number}（{shop_name}）",
        "【{shop_name}】{supplier_name}您好，采购单{po_number}（¥{total}）已发送到您的邮箱，请查收确认。",
        "{supplier_name}您好：\n附件是{shop_name}的采购单{po_number}，合计¥{total}。请核对后回复确认交货日期，谢谢！",
    ),
    (MessageKind.PURCHASE_ORDER, "en"): (
        "Purchase order {po_number} ({shop_name})",
        "{shop_name}: Hello {supplier_name}, purchase order {po_number} (¥{total}) was sent to your email.",
        "Hello {supplier_name},\nattached is purchase order {po_number} from {shop_name}, total ¥{total}. "
        "Please check it and reply with the delivery date. Thank you!",
    ),
    (MessageKind.WEBHOOK_EVENT, "zh-hans"): (
        "事件 {event}：订单 {order_number}",
        "【{shop_name}】事件{event}：订单{order_number}。",
        "{shop_name}的订单{order_number}发生事件：{event}。",
    ),
    (MessageKind.WEBHOOK_EVENT, "en"): (
        "Event {event}: order {order_number}",
        "{shop_name}: event {event} on order {order_number}.",
        "Order {order_number} of {shop_name}: event {event}.",
    ),
    (MessageKind.SERVICE_MESSAGE, "zh-hans"): ("{shop_name}客服的回复", "【{shop_name}】{text}", "{text}"),
    (MessageKind.SERVICE_MESSAGE, "en"): ("Reply from {shop_name} customer service", "{shop_name}: {text}", "{text}"),
}

_SIGNATURE = {"zh-hans": "\n\n{shop_name}", "en": "\n\n{shop_name}"}


def _defaults() -> dict[tuple[str, str, str], Template]:
    table: dict[tuple[str, str, str], Template] = {}
    for (kind, language), (subject, short, long) in _WORDS.items():
        table[(kind, Channel.SMS, language)] = Template("", short)
        table[(kind, Channel.EMAIL, language)] = Template(subject, long + _SIGNATURE[language])
        table[(kind, Channel.IN_SITE, language)] = Template(subject, long)
        table[(kind, Channel.IM, language)] = Template("", long)
    return table


# (kind, channel, language) → the shipped template: every kind × worded channel × language.
DEFAULTS: dict[tuple[str, str, str], Template] = _defaults()


def normalize_language(language: str | None) -> str:
    """One of LANGUAGES for any spelling ("zh-Hans", "zh_CN", "en-GB"); the site's
    language when empty or unknown."""
    from django.conf import settings

    code = (language or "").strip().lower().replace("_", "-")
    if code.startswith("zh"):
        return "zh-hans"
    if code.startswith("en"):
        return "en"
    site = settings.LANGUAGE_CODE.lower()
    return "zh-hans" if site.startswith("zh") else "en"


def default_template(kind: str, channel: str, language: str) -> Template:
    """The shipped template (KeyError for a webhook or an unknown kind)."""
    return DEFAULTS[(kind, channel, normalize_language(language))]


def template_for(*, kind: str, channel: str, language: str, shop: Shop | None = None) -> tuple[Template, bool]:
    """The template in force and whether it is the shop's own: the shop's, else one saved
    for every shop (shop empty), else the shipped default."""
    language = normalize_language(language)
    # Remembered per process for REFERENCE_CACHE_SECONDS (core.refcache): every message
    # written asks for its template; an edit reaches every process within that time.
    return remembered(
        ("message_template", kind, channel, language, shop.pk if shop is not None else None),
        lambda: _load_template(kind=kind, channel=channel, language=language, shop=shop),
    )


def _load_template(*, kind: str, channel: str, language: str, shop: Shop | None) -> tuple[Template, bool]:
    rows = MessageTemplate.objects.filter(kind=kind, channel=channel, language=language)
    own = None
    if shop is not None:
        own = rows.filter(shop=shop).first()
    if own is None:
        general = rows.filter(shop__isnull=True).first()
        if general is not None:
            return Template(general.subject, general.body), False
        return default_template(kind, channel, language), False
    return Template(own.subject, own.body), True


class _Filling(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


def display_value(value: Any, language: str) -> str:
    """A parameter as the message shows it: local date and time, money with 2 places, lists joined."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        local = timezone.localtime(value, timezone.get_default_timezone()) if timezone.is_aware(value) else value
        if normalize_language(language) == "zh-hans":
            return f"{local.month}月{local.day}日 {local:%H:%M}"
        return f"{local.day} {local:%b} {local:%H:%M}"
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, (list, tuple)):
        return ("、" if normalize_language(language) == "zh-hans" else ", ").join(
            display_value(item, language) for item in value
        )
    return str(value)


def fill(text: str, params: Mapping[str, Any], language: str) -> str:
    """Put the parameters into a template's placeholders (missing ones read as "")."""
    values = _Filling({name: display_value(value, language) for name, value in params.items()})

    def one(match: re.Match[str]) -> str:
        token = match.group(0)
        if token == "{{":
            return "{"
        if token == "}}":
            return "}"
        name = match.group(1)
        if name is None:
            return token
        return values[name.strip()]

    return _TOKEN.sub(one, text)


def render(*, kind: str, channel: str, language: str, params: Mapping[str, Any], shop: Shop | None = None) -> Rendered:
    """The subject and text of a message: the shop's own template if it saved one, else
    the shipped default, filled from `params`. A webhook has no words (empty Rendered)."""
    if channel == Channel.WEBHOOK:
        return Rendered("", "")
    language = normalize_language(language)
    template, _own = template_for(kind=kind, channel=channel, language=language, shop=shop)
    return Rendered(fill(template.subject, params, language).strip(), fill(template.body, params, language).strip())


# --- parameters from an order --------------------------------------------------------------


def goods_text(lines: Iterable[OrderLine], language: str) -> str:
    """The order's goods as the seed names them: name (colour size) × quantity, one per line
    joined by "；" ("; " in English)."""
    parts = []
    for line in lines:
        values = line.attributes or {}
        # The usual attributes first, in the order sellers write them (colour, then size):
        # PostgreSQL's jsonb does not keep the order keys were written in.
        keys = sorted(values, key=lambda key: (ATTRIBUTE_ORDER.get(key, len(ATTRIBUTE_ORDER)), key))
        attributes = " ".join(str(values[key]) for key in keys if values[key])
        name = line.name if not attributes or attributes in line.name else f"{line.name}（{attributes}）"
        parts.append(f"{name} × {line.quantity}")
    return ("；" if normalize_language(language) == "zh-hans" else "; ").join(parts)


def params_for_order(order: Order, *, language: str, **extra: Any) -> dict[str, Any]:
    """The parameters every order message may use (buyer, number, shop, goods, total,
    pay-by, carrier and tracking number, address), with `extra` over them (what `extra`
    gives is not read: a parcel's message names its carrier, say)."""
    address = " ".join(part for part in (order.province, order.city, order.district, order.address_detail) if part)
    carrier = order.carrier.strip()
    if carrier and "carrier" not in extra:
        # The order keeps the carrier as typed or as its code; the buyer reads its name, as
        # every page names it (logistics' carrier_named: code, usual short name or name).
        known = carrier_named(carrier)
        carrier = known.name if known is not None else carrier
    params: dict[str, Any] = {
        "buyer_name": order.buyer_name,
        "order_number": order.number,
        "shop_name": order.shop.name,
        "goods": "" if "goods" in extra else goods_text(order.lines.order_by("position"), language),
        "total": order.total,
        "pay_by": order.pay_deadline or "",
        "tracking_number": order.tracking_number,
        "carrier": carrier,
        "address": address,
    }
    params.update(extra)
    return params


# --- the shop's own templates --------------------------------------------------------------


def _checked_key(kind: str, channel: str, language: str) -> str:
    bad = {}
    if kind not in PLACEHOLDERS:
        bad["kind"] = _("unknown kind %(kind)s") % {"kind": kind}
    if channel not in WORDED_CHANNELS:
        bad["channel"] = _("%(channel)s messages have no template") % {"channel": channel}
    code = (language or "").strip().lower()
    if code not in LANGUAGES:
        bad["language"] = _("one of %(values)s") % {"values": ", ".join(LANGUAGES)}
    if bad:
        raise ValidationFailed(bad)
    return code


@transaction.atomic
@refcache.forgets
def save_template(
    *,
    shop: Shop,
    kind: str,
    channel: str,
    language: str,
    body: str,
    subject: str = "",
    actor: User | None,
    at: datetime | None = None,
) -> MessageTemplate:
    """Save the shop's own template of a kind × channel × language (notifications.manage),
    refused with ValidationFailed (nothing written) when a placeholder is unknown or
    malformed. Audited."""
    require(actor, "notifications.manage")
    require_visible_shop(actor, shop)
    language = _checked_key(kind, channel, language)
    body = body.replace("\r\n", "\n").strip()
    subject = subject.strip() if channel == Channel.EMAIL or channel == Channel.IN_SITE else ""
    check_template(kind, channel, body, subject)
    at = at or timezone.now()
    row = (
        MessageTemplate.objects.select_for_update()
        .filter(shop=shop, kind=kind, channel=channel, language=language)
        .first()
    )
    if row is None:
        row = MessageTemplate.objects.create(
            shop=shop,
            kind=kind,
            channel=channel,
            language=language,
            subject=subject,
            body=body,
            updated_at=at,
            updated_by=actor,
        )
    elif row.body == body and row.subject == subject:
        return row
    else:
        row.subject, row.body, row.updated_at, row.updated_by = subject, body, at, actor
        row.save(update_fields=["subject", "body", "updated_at", "updated_by"])
    record(
        object_kind=SHOP_SETTINGS,
        object_id=shop.code,
        code=TEMPLATE_SAVED,
        actor=actor,
        at=at,
        shop=shop.code,
        shop_name=shop.name,
        kind=kind,
        channel=channel,
        language=language,
    )
    return row


@transaction.atomic
@refcache.forgets
def reset_template(
    *, shop: Shop, kind: str, channel: str, language: str, actor: User | None, at: datetime | None = None
) -> bool:
    """Drop the shop's own template so the default is used again (notifications.manage).
    Returns whether there was one; audited when there was."""
    require(actor, "notifications.manage")
    require_visible_shop(actor, shop)
    language = _checked_key(kind, channel, language)
    deleted, _counts = MessageTemplate.objects.filter(shop=shop, kind=kind, channel=channel, language=language).delete()
    if not deleted:
        return False
    record(
        object_kind=SHOP_SETTINGS,
        object_id=shop.code,
        code=TEMPLATE_RESET,
        actor=actor,
        at=at or timezone.now(),
        shop=shop.code,
        shop_name=shop.name,
        kind=kind,
        channel=channel,
        language=language,
    )
    return True
