"""Customer tiers: automatic move-up by thresholds, the manual override, the thresholds."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from sellerdesk.core.errors import PermissionDenied, ValidationFailed
from sellerdesk.core.models import AuditEvent
from sellerdesk.customers import tiers
from sellerdesk.customers.models import Customer, CustomerEvent, CustomerLevel
from sellerdesk.customers.tasks import promote_customers
from sellerdesk.shops.models import Shop
from tests.factories import make_user

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def shop(db: Any) -> Shop:
    return Shop.objects.get(code="main")


@pytest.fixture
def owner(db: Any) -> Any:
    return make_user("owner", "owner")


@pytest.fixture
def levels(db: Any) -> dict[str, CustomerLevel]:
    return {
        "normal": CustomerLevel.objects.create(code="normal", name="普通会员", rank=0),
        "silver": CustomerLevel.objects.create(
            code="silver", name="银卡", rank=10, min_spent=Decimal("500"), min_orders=5
        ),
        "gold": CustomerLevel.objects.create(code="gold", name="金卡", rank=20, min_spent=Decimal("2000")),
        "wholesale": CustomerLevel.objects.create(code="wholesale", name="批发客户", rank=30),  # by hand only
    }


def make(shop: Shop, identity: str, *, spent: str = "0", orders: int = 0, **fields: Any) -> Customer:
    return Customer.objects.create(
        shop=shop, identity=identity, name=identity, total_spent=Decimal(spent), order_count=orders, **fields
    )


def level_of(customer: Customer) -> str | None:
    customer.refresh_from_db()
    return customer.level.code if customer.level else None


def test_promote_moves_up_to_the_best_level_reached_and_audits(shop: Shop, levels: dict[str, CustomerLevel]) -> None:
    # given customers below, at and above the thresholds
    nobody = make(shop, "nobody", spent="499.99", orders=4)
    by_spend = make(shop, "by_spend", spent="500.00")
    by_orders = make(shop, "by_orders", orders=5, level=levels["normal"])
    big = make(shop, "big", spent="2500.00", orders=9)
    # when the tiers are applied
    assert promote_customers(NOW) == 3
    # then each customer holds the best level reached
    assert [level_of(c) for c in (nobody, by_spend, by_orders, big)] == [None, "silver", "silver", "gold"]
    events = {e.customer_id: e for e in CustomerEvent.objects.filter(type="level_changed")}
    assert events[by_orders.pk].data == {"before": "normal", "after": "silver", "reason": "", "automatic": True}
    assert events[big.pk].data == {"before": None, "after": "gold", "reason": "", "automatic": True}
    assert events[big.pk].actor_id is None and events[big.pk].at == NOW
    # and a second run changes nothing
    assert tiers.promote(now=NOW) == 0
    assert CustomerEvent.objects.count() == 3


def test_promote_never_moves_down_a_locked_or_a_merged_customer(shop: Shop, levels: dict[str, CustomerLevel]) -> None:
    above = make(shop, "above", spent="3000", level=levels["wholesale"])
    locked = make(shop, "locked", spent="3000", level=levels["normal"], level_locked=True)
    keep = make(shop, "keep")
    merged = make(shop, "merged", spent="3000", merged_into=keep)
    assert tiers.promote(now=NOW) == 0
    assert [level_of(c) for c in (above, locked, merged)] == ["wholesale", "normal", None]


def test_a_shop_level_applies_to_its_shop_only(shop: Shop, levels: dict[str, CustomerLevel]) -> None:
    other = Shop.objects.create(code="jd", name="京东店")
    CustomerLevel.objects.create(shop=other, code="jd_vip", name="京东 VIP", rank=25, min_orders=2)
    here, there = make(shop, "here", orders=3), make(other, "there", orders=3)
    tiers.promote(now=NOW)
    assert (level_of(here), level_of(there)) == (None, "jd_vip")


def test_set_level_by_hand_locks_it_with_the_reason(shop: Shop, levels: dict[str, CustomerLevel], owner: Any) -> None:
    customer = make(shop, "c", spent="3000")
    tiers.set_level(customer=customer, level=levels["silver"], actor=owner, reason="老客户降级试用")
    customer.refresh_from_db()
    assert (customer.level, customer.level_locked, customer.level_reason) == (levels["silver"], True, "老客户降级试用")
    event = CustomerEvent.objects.get(type="level_changed")
    assert event.data == {"before": None, "after": "silver", "reason": "老客户降级试用", "automatic": False}
    assert event.actor_id == owner.pk
    # the automatic tiers leave it there
    assert tiers.promote(now=NOW) == 0
    # the same again writes nothing; unlocked, the tiers may move it up
    tiers.set_level(customer=customer, level=levels["silver"], actor=owner, reason="老客户降级试用")
    assert CustomerEvent.objects.count() == 1
    tiers.set_level(customer=customer, level=levels["silver"], actor=owner, reason="恢复自动", lock=False)
    assert tiers.promote(now=NOW) == 1
    assert level_of(customer) == "gold"


def test_set_level_refuses_bad_input_and_writes_nothing(
    shop: Shop, levels: dict[str, CustomerLevel], owner: Any
) -> None:
    other = Shop.objects.create(code="jd", name="京东店")
    foreign = CustomerLevel.objects.create(shop=other, code="jd_vip", name="京东 VIP", rank=25)
    customer = make(shop, "c")
    with pytest.raises(ValidationFailed) as raised:
        tiers.set_level(customer=customer, level=foreign, actor=owner, reason="  ")
    assert sorted(raised.value.fields) == ["level", "reason"]
    with pytest.raises(PermissionDenied):
        tiers.set_level(customer=customer, level=levels["gold"], actor=make_user("agent", "agent"), reason="x")
    assert level_of(customer) is None
    assert CustomerEvent.objects.count() == 0


def test_thresholds_are_changed_audited_and_validated(levels: dict[str, CustomerLevel], owner: Any) -> None:
    gold = tiers.set_thresholds(level=levels["gold"], actor=owner, min_spent=Decimal("1500.00"), min_orders=20)
    assert (gold.min_spent, gold.min_orders) == (Decimal("1500.00"), 20)
    audit = AuditEvent.objects.get(code="level_thresholds_changed")
    assert audit.data == {
        "before": {"min_spent": "2000.00", "min_orders": None},
        "after": {"min_spent": "1500.00", "min_orders": 20},
    }
    with pytest.raises(ValidationFailed) as raised:
        tiers.set_thresholds(level=gold, actor=owner, min_spent=Decimal("-1"), min_orders=-1)
    assert sorted(raised.value.fields) == ["min_orders", "min_spent"]
    gold.refresh_from_db()
    assert (gold.min_spent, gold.min_orders) == (Decimal("1500.00"), 20)
    assert AuditEvent.objects.count() == 1
