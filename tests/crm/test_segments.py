"""Segments: rules parsed with errors naming the field, compiled to the right customers,
counted live, and saved only when valid."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone, translation

from sellerdesk.core.errors import Conflict, PermissionDenied, ValidationFailed
from sellerdesk.crm import segments
from sellerdesk.crm.models import Segment
from sellerdesk.customers.models import Customer, CustomerGroup, CustomerLevel, CustomerTag
from sellerdesk.orders.models import Order
from sellerdesk.payments.actions import record_payment
from sellerdesk.service.models import Conversation
from sellerdesk.shops.models import Shop
from tests.api.helpers import default_shop  # noqa: F401  (autouse)
from tests.factories import make_sku, make_user, place
from tests.support.clock import TEST_NOW


@pytest.fixture(autouse=True)
def _english() -> Any:
    with translation.override("en"):
        yield


def customer(name: str, *, shop: Shop | None = None, **fields: Any) -> Customer:
    shop = shop or Shop.objects.get(code="main")
    return Customer.objects.create(shop=shop, identity=name, nickname=name, name=name, **fields)


@pytest.fixture
def owner() -> Any:
    return make_user("owner", "owner")


def test_rules_that_do_not_parse_name_the_field() -> None:
    cases = [
        ({"recency": {"within": 3}}, "rules.recency.within"),
        ({"recency": {"not_within_days": "ninety"}}, "rules.recency.not_within_days"),
        ({"recency": {"not_within_days": 0}}, "rules.recency.not_within_days"),
        ({"orders": {"min": 5, "max": 2}}, "rules.orders"),
        ({"spent": {"min": "5.001"}}, "rules.spent.min"),
        ({"spent": {"min": -1}}, "rules.spent.min"),
        ({"purchase": "rich"}, "rules.purchase"),
        ({"tags": {"any": "VIP"}}, "rules.tags.any"),
        ({"colour": "red"}, "rules.colour"),
        ({"shops": ["nowhere"]}, "rules.shops[0]"),
        ({"levels": ["gold"]}, "rules.levels[0]"),
        ({"groups": ["WeChat"]}, "rules.groups[0]"),
        ({"tags": {"all": ["nope"]}}, "rules.tags.all[0]"),
    ]
    for raw, field in cases:
        with pytest.raises(ValidationFailed) as error:
            segments.parse_rules(raw)
        assert list(error.value.fields) == [field], raw
    with pytest.raises(ValidationFailed) as error:
        segments.parse_rules([1, 2])
    assert error.value.fields == {"rules": "must be an object"}
    with pytest.raises(ValidationFailed) as error:
        segments.parse_rules({"colour": "red"})
    assert error.value.fields["rules.colour"].startswith("not a rule; use one of recency, orders, spent")


def test_rules_round_trip_as_stored() -> None:
    rules = segments.parse_rules({"spent": {"min": "500"}, "recency": {"not_within_days": 90}})
    assert rules.as_json() == {"spent": {"min": "500.00"}, "recency": {"not_within_days": 90}}
    assert segments.parse_rules(rules.as_json()) == rules


def test_each_rule_selects_its_customers(owner: Any) -> None:
    now = TEST_NOW
    other = Shop.objects.create(code="tm", name="天猫店")
    gold = CustomerLevel.objects.create(code="gold", name="金卡", rank=2)
    vip = CustomerTag.objects.create(name="VIP")
    haggler = CustomerTag.objects.create(name="爱砍价")
    wechat = CustomerGroup.objects.create(name="老客群", created_at=now)
    recent = customer("recent", order_count=3, total_spent=Decimal("800.00"), last_order_at=now - timedelta(days=5))
    lapsed = customer("lapsed", order_count=9, total_spent=Decimal("1200.00"), last_order_at=now - timedelta(days=120))
    never = customer("never")
    small = customer("small", shop=other, order_count=1, total_spent=Decimal("50.00"), last_order_at=now, level=gold)
    gone = customer("gone", order_count=9, total_spent=Decimal("5000.00"), last_order_at=now - timedelta(days=300))
    gone.merged_into = lapsed
    gone.save()
    recent.tags.add(vip, haggler)
    lapsed.tags.add(vip)
    wechat.members.add(never, small)

    def names(raw: dict[str, Any]) -> list[str]:
        found = segments.customers_of(segments.parse_rules(raw), actor=owner, now=now)
        return sorted(found.values_list("name", flat=True))

    assert names({}) == ["lapsed", "never", "recent", "small"]
    assert names({"recency": {"within_days": 30}}) == ["recent", "small"]
    assert names({"recency": {"not_within_days": 90}}) == ["lapsed", "never"]
    assert names({"recency": {"within_days": 200, "not_within_days": 90}}) == ["lapsed"]
    assert names({"orders": {"min": 2, "max": 3}}) == ["recent"]
    assert names({"spent": {"min": "800.00"}}) == ["lapsed", "recent"]
    assert names({"spent": {"max": "50"}}) == ["never", "small"]
    assert names({"tags": {"any": ["VIP", "爱砍价"]}}) == ["lapsed", "recent"]
    assert names({"tags": {"all": ["VIP", "爱砍价"]}}) == ["recent"]
    assert names({"shops": ["tm"]}) == ["small"]
    assert names({"levels": ["gold"]}) == ["small"]
    assert names({"groups": ["老客群"]}) == ["never", "small"]
    # The demo's segment: bought over ¥500, not in 90 days.
    assert names({"spent": {"min": "500"}, "recency": {"not_within_days": 90}}) == ["lapsed"]


def test_the_seed_groups_bought_not_bought_only_asked(owner: Any) -> None:
    make_sku("TEA", price="100.00")
    paid = place(("TEA", 1), buyer=_buyer("paid"))
    record_payment(order=paid, amount=paid.total, method="online", reference="TX-1", actor=None)
    place(("TEA", 2), buyer=_buyer("unpaid"))
    asker = customer("asker")
    Conversation.objects.create(
        shop=asker.shop, customer=asker, channel="web", created_at=TEST_NOW, last_message_at=TEST_NOW
    )
    customer("silent")

    def names(group: str) -> list[str]:
        return sorted(segments.purchase_group_customers(group=group, actor=owner).values_list("nickname", flat=True))

    assert names("bought") == ["paid"]
    assert names("not_bought") == ["unpaid"]
    assert names("only_asked") == ["asker"]
    assert Customer.objects.get(nickname="paid").total_spent == Decimal("100.00")


def _buyer(nickname: str) -> Any:
    from sellerdesk.orders.actions import Buyer

    return Buyer("张三", "13800138000", nickname)


def test_live_counts_in_one_query(owner: Any, django_assert_num_queries: Any) -> None:
    now = timezone.now()
    customer("a", total_spent=Decimal("600.00"), last_order_at=now - timedelta(days=100))
    customer("b", total_spent=Decimal("100.00"), last_order_at=now)
    big = segments.create_segment(actor=owner, name="big", rules={"spent": {"min": "500"}})
    everyone = segments.create_segment(actor=owner, name="everyone", rules={})
    saved = list(Segment.objects.all())
    with django_assert_num_queries(1):
        by_segment, by_group = segments.live_counts(segments=saved, actor=owner)
    assert by_segment == {big.pk: 1, everyone.pk: 2}
    assert by_group == {"bought": 0, "not_bought": 0, "only_asked": 0}


def test_create_update_delete_and_nothing_half_written(owner: Any) -> None:
    segment = segments.create_segment(
        actor=owner, name=" Lapsed big spenders ", rules={"spent": {"min": "500"}, "recency": {"not_within_days": 90}}
    )
    assert (segment.name, segment.rules) == (
        "Lapsed big spenders",
        {"spent": {"min": "500.00"}, "recency": {"not_within_days": 90}},
    )
    with pytest.raises(ValidationFailed) as error:
        segments.create_segment(actor=owner, name="bad", rules={"recency": {"days": 9}})
    assert list(error.value.fields) == ["rules.recency.days"]
    with pytest.raises(Conflict):
        segments.create_segment(actor=owner, name="Lapsed big spenders", rules={})
    with pytest.raises(ValidationFailed):
        segments.update_segment(actor=owner, segment=segment, name="renamed", rules={"orders": {"min": "x"}})
    segment.refresh_from_db()
    assert segment.name == "Lapsed big spenders" and segment.rules["spent"] == {"min": "500.00"}
    segments.update_segment(actor=owner, segment=segment, rules={"orders": {"min": 2}})
    segment.refresh_from_db()
    assert segment.rules == {"orders": {"min": 2}}
    agent = make_user("agent", "agent")
    with pytest.raises(PermissionDenied):
        segments.delete_segment(actor=agent, segment=segment)
    segments.delete_segment(actor=owner, segment=segment)
    assert Segment.objects.count() == 0


def test_a_deleted_tag_matches_nobody(owner: Any) -> None:
    vip = CustomerTag.objects.create(name="VIP")
    customer("a").tags.add(vip)
    segment = segments.create_segment(actor=owner, name="vip", rules={"tags": {"any": ["VIP"]}})
    assert segments.segment_customers(segment=segment, actor=owner).count() == 1
    vip.delete()
    assert segments.segment_customers(segment=segment, actor=owner).count() == 0
    assert Order.objects.count() == 0
