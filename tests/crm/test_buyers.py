"""The same buyer across shops (crm.buyers)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sellerdesk.crm.buyers import buyer_totals, same_buyer
from sellerdesk.customers.models import Customer
from sellerdesk.shops.models import Shop
from tests.api.helpers import default_shop  # noqa: F401  (autouse: the default shop and warehouse)

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def make(shop: Shop, identity: str, *, phone: str = "", nickname: str = "", **fields: Any) -> Customer:
    return Customer.objects.create(shop=shop, identity=identity, phone=phone, nickname=nickname, name="张三", **fields)


def test_the_same_phone_or_marketplace_nickname_in_other_shops(db: Any) -> None:
    taobao = Shop.objects.create(code="tb", name="A 淘宝店", platform="taobao")
    tmall = Shop.objects.create(code="tm", name="B 天猫店", platform="tmall")
    jd = Shop.objects.create(code="jd", name="C 京东店", platform="jd")
    web = Shop.objects.create(code="web", name="D 官网", platform="web")
    me = make(taobao, "zhang", phone="13800138000", nickname="zhang", order_count=2, total_spent=Decimal("100.00"))
    by_nickname = make(tmall, "zhang", nickname="zhang", order_count=1, total_spent=Decimal("30.00"), last_order_at=T0)
    by_phone = make(web, "tel:13800138000", phone="13800138000", order_count=4, total_spent=Decimal("5.50"))
    make(jd, "zhang", nickname="zhang")  # a JD account of that name is someone else
    make(taobao, "tel:13800138000", phone="13800138000")  # the same shop: a duplicate, not another shop
    merged = make(web, "zhang-web", phone="13800138000", merged_into=by_phone)  # merged away
    assert merged.pk
    found = same_buyer(me)
    assert found == [by_nickname, by_phone]
    totals = buyer_totals(me, found)
    assert (totals.shops, totals.order_count, totals.total_spent, totals.last_order_at) == (3, 7, Decimal("135.50"), T0)


def test_a_web_nickname_alone_links_nobody(db: Any) -> None:
    web = Shop.objects.create(code="web", name="官网", platform="web")
    other = Shop.objects.create(code="web2", name="官网 2", platform="web")
    me = make(web, "zhang", nickname="zhang")
    make(other, "zhang", nickname="zhang")
    assert same_buyer(me) == []
