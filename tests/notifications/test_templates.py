"""Message templates: a default for every kind × channel × language, placeholders checked,
a shop's own words over the default, SMS length."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from sellerdesk.catalog.models import Sku
from sellerdesk.core.errors import PermissionDenied, ValidationFailed
from sellerdesk.core.models import AuditEvent, User
from sellerdesk.logistics.models import Carrier
from sellerdesk.notifications import templates
from sellerdesk.notifications.models import Channel, MessageKind, MessageTemplate
from sellerdesk.orders.models import Order
from sellerdesk.shops.models import Shop
from tests.factories import make_sku, make_user, place

SHANGHAI = ZoneInfo("Asia/Shanghai")
WORDED = [Channel.SMS, Channel.EMAIL, Channel.IN_SITE, Channel.IM]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("channel", WORDED)
@pytest.mark.parametrize("kind", MessageKind.values)
def test_every_kind_channel_and_language_has_a_default_that_renders(kind: str, channel: str, language: str) -> None:
    default = templates.default_template(kind, channel, language)
    templates.check_template(kind, channel, default.body, default.subject)
    params = templates.EXAMPLE_PARAMS[kind]
    assert set(params) == templates.placeholders(kind)

    rendered = templates.fill(default.body, params, language)

    assert "{" not in rendered and "}" not in rendered
    for name in templates._names(default.body)[0]:
        assert params[name] in rendered
    if channel == Channel.EMAIL:
        assert default.subject
    if channel == Channel.SMS:
        # Short: at most two SMS with the example's words.
        assert templates.sms_segments(rendered) <= 2, rendered


@pytest.mark.django_db
def test_render_fills_the_default_in_the_language_asked() -> None:
    params = {**templates.EXAMPLE_PARAMS[MessageKind.PARCEL_SHIPPED], "shop_name": "主店"}
    zh = templates.render(kind=MessageKind.PARCEL_SHIPPED, channel=Channel.SMS, language="zh-Hans", params=params)
    en = templates.render(kind=MessageKind.PARCEL_SHIPPED, channel=Channel.EMAIL, language="en", params=params)

    assert zh.body == "【主店】张小姐您好，订单SO000123已发货，顺丰速运运单号SF1234567890，请注意查收。"
    assert zh.subject == ""
    assert en.subject == "Your order SO000123 has shipped"
    assert en.body.startswith("Hello 张小姐, your order SO000123 is on its way!")


@pytest.mark.django_db
def test_the_payment_reminder_speaks_in_the_seeds_tone() -> None:
    params = {
        "buyer_name": "张小姐",
        "order_number": "SO9",
        "shop_name": "服饰店",
        "goods": "吊带裙（玫红 XS）× 1",
        "total": Decimal("128"),
        "pay_by": datetime(2026, 4, 15, 16, 0, tzinfo=SHANGHAI),
    }
    chat = templates.render(kind=MessageKind.PAYMENT_REMINDER, channel=Channel.IM, language="zh-hans", params=params)

    assert chat.body.startswith("张小姐您好！是不是最近忙呢？还是付款遇到问题了呢？")
    assert "“吊带裙（玫红 XS）× 1”（订单SO9，共¥128.00）还没有完成付款哦" in chat.body
    assert "4月15日 16:00前付款" in chat.body


@pytest.mark.django_db
def test_a_missing_parameter_reads_empty_and_a_webhook_has_no_words() -> None:
    rendered = templates.render(
        kind=MessageKind.ONE_TIME_CODE, channel=Channel.SMS, language="en", params={"code": "1"}
    )
    assert rendered.body == ": your code is 1, valid for  minutes. Do not share it."
    assert templates.render(
        kind=MessageKind.PAID, channel=Channel.WEBHOOK, language="en", params={}
    ) == templates.Rendered("", "")


@pytest.mark.parametrize(
    ("body", "subject", "field", "piece"),
    [
        ("您好 {buyer_nmae}", "", "body", "{buyer_nmae}"),
        ("您好 {buyer_name", "", "body", "{"),
        ("您好 {buyer name}", "", "body", "{buyer name}"),
        ("您好 {buyer_name}", "{tracking_number}", "subject", "{tracking_number}"),
        ("total}", "", "body", "}"),
    ],
)
def test_a_bad_placeholder_is_refused_naming_the_field_and_the_placeholder(
    body: str, subject: str, field: str, piece: str
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        templates.check_template(MessageKind.PAID, Channel.EMAIL, body, subject)

    assert list(refused.value.fields) == [field]
    assert piece in refused.value.fields[field]


def test_braces_may_be_written_doubled() -> None:
    templates.check_template(MessageKind.PAID, Channel.SMS, "{{VIP}} {buyer_name}")
    assert templates.fill("{{VIP}} {buyer_name}", {"buyer_name": "王"}, "en") == "{VIP} 王"


def test_sms_segments() -> None:
    assert templates.sms_segments("") == 0
    assert templates.sms_segments("a" * 160) == 1
    assert templates.sms_segments("a" * 161) == 2
    assert templates.sms_segments("a" * 306) == 2
    assert templates.sms_segments("a" * 307) == 3
    assert templates.sms_segments("€" * 80) == 1  # two septets each
    assert templates.sms_segments("您" * 70) == 1
    assert templates.sms_segments("您" * 71) == 2
    assert templates.sms_segments("您" * 134) == 2
    assert templates.sms_segments("您" * 135) == 3
    assert templates.sms_segments("a" * 159 + "您") == 3  # one Chinese character makes it all UCS-2


@pytest.fixture
def owner(db: Any) -> User:
    return make_user("owner1", "owner", "老板")


@pytest.fixture
def tee(db: Any) -> Sku:
    return make_sku("TEE-RED-M", price="59.00", stock=100, name="T恤", attributes={"颜色": "红色", "尺码": "M"})


def test_a_shops_own_template_wins_and_a_reset_brings_the_default_back(owner: User) -> None:
    shop = Shop.objects.get(is_default=True)
    other = Shop.objects.create(code="other", name="另一店")
    at = datetime(2026, 12, 4, 10, 0, tzinfo=SHANGHAI)

    templates.save_template(
        shop=shop,
        kind="paid",
        channel="sms",
        language="zh-hans",
        body="【{shop_name}】收到{total}元，谢谢！",
        actor=owner,
        at=at,
    )

    params = {"shop_name": "主店", "total": Decimal("10")}
    assert templates.render(kind="paid", channel="sms", language="zh-hans", params=params, shop=shop).body == (
        "【主店】收到10.00元，谢谢！"
    )
    assert templates.render(kind="paid", channel="sms", language="zh-hans", params=params, shop=other).body.startswith(
        "【主店】您好，订单"
    )
    assert AuditEvent.objects.filter(code=templates.TEMPLATE_SAVED, object_id=shop.code).count() == 1

    assert templates.reset_template(shop=shop, kind="paid", channel="sms", language="zh-hans", actor=owner, at=at)
    assert not MessageTemplate.objects.exists()
    assert AuditEvent.objects.filter(code=templates.TEMPLATE_RESET).count() == 1


def test_a_refused_template_writes_nothing(owner: User) -> None:
    shop = Shop.objects.get(is_default=True)
    with pytest.raises(ValidationFailed) as refused:
        templates.save_template(shop=shop, kind="paid", channel="sms", language="en", body="Hi {nickname}", actor=owner)
    assert "{nickname}" in refused.value.fields["body"]
    with pytest.raises(ValidationFailed):
        templates.save_template(shop=shop, kind="paid", channel="webhook", language="en", body="x", actor=owner)
    assert not MessageTemplate.objects.exists()
    assert not AuditEvent.objects.filter(code=templates.TEMPLATE_SAVED).exists()


def test_an_agent_may_not_change_templates(db: Any) -> None:
    agent = make_user("agent1", "agent")
    with pytest.raises(PermissionDenied):
        templates.save_template(
            shop=Shop.objects.get(is_default=True), kind="paid", channel="sms", language="en", body="x", actor=agent
        )


def test_params_for_order_name_the_goods_with_colour_and_size(tee: Sku) -> None:
    order = place((tee.code, 2))
    params = templates.params_for_order(order, language="zh-hans")

    assert params["goods"] == "T恤（红色 M） × 2"
    assert params["order_number"] == order.number
    assert params["buyer_name"] == "张三"
    assert params["total"] == order.total


@pytest.mark.parametrize("named", ["SF", "顺丰", "顺丰速运"])
def test_params_for_order_name_the_carrier_as_every_page_does(tee: Sku, named: str) -> None:
    """The carrier an order names by its code, a usual short name or its name is read by
    the buyer as its name (logistics' carrier_named, as the order page shows it; before,
    "顺丰" stayed "顺丰" in the messages alone)."""
    Carrier.objects.update_or_create(code="SF", defaults={"name": "顺丰速运"})
    order = place((tee.code, 1))
    Order.objects.filter(pk=order.pk).update(carrier=named, tracking_number="SF1234567890")
    order.refresh_from_db()

    assert templates.params_for_order(order, language="zh-hans")["carrier"] == "顺丰速运"
