"""customers.timeline: every CustomerEvent type, written in the plan's data format, reads as
a sentence in the reader's language."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from sellerdesk.customers.models import Customer, CustomerEvent, CustomerEventType, CustomerLevel
from sellerdesk.customers.timeline import RENDERERS, timeline_entries
from sellerdesk.shops.models import Shop
from tests.factories import make_user

AT = datetime(2026, 3, 2, 10, 30, tzinfo=ZoneInfo("Asia/Shanghai"))

# One event of each type, with the data its writer stores (CRM.md), and its English text.
EXAMPLES: dict[str, tuple[dict[str, Any], str]] = {
    "profile_changed": (
        {
            "changes": {
                "credit_limit": {"before": "0.00", "after": "1000.00"},
                "level": {"before": None, "after": "gold"},
                "transport_mode": {"before": "", "after": "truck"},
                "is_b2b": {"before": False, "after": True},
                "agent": {"before": None, "after": "AGENT"},
            }
        },
        "agent in charge: — → 阿华; credit limit: 0.00 → 1000.00; business customer: no → yes; "
        "level: — → 金卡; transport mode: — → Dedicated truck",
    ),
    "level_changed": (
        {"before": "silver", "after": "gold", "reason": "", "automatic": True},
        "silver → 金卡 (automatic, by the level thresholds)",
    ),
    "tagged": ({"tag": "VIP"}, "VIP"),
    "untagged": ({"tag": "爱砍价"}, "爱砍价"),
    "note_added": ({"note": "只要顺丰"}, "只要顺丰"),
    "address_added": (
        {"address": "李四 13900139000 浙江省杭州市西湖区文三路 90 号"},
        "李四 13900139000 浙江省杭州市西湖区文三路 90 号",
    ),
    "address_changed": ({"address": "李四 13900139000 浙江省杭州市"}, "李四 13900139000 浙江省杭州市"),
    "address_removed": ({"address": "李四 13900139000 上海市"}, "李四 13900139000 上海市"),
    "group_joined": ({"group": "老客户群"}, "老客户群"),
    "group_left": ({"group": "老客户群"}, "老客户群"),
    "imported": ({"file": "客户.xlsx", "line": 7, "created": True}, "Created from 客户.xlsx, line 7"),
    "merged": (
        {
            "merged": ["C000012", "K-9"],
            "reason": "同一手机号",
            "moved": {"orders": 3, "aftersales_cases": 1, "notes": 0},
        },
        "Merged in: C000012, K-9 · moved 1 after-sales case, 3 orders · Reason: 同一手机号",
    ),
    "merged_into": ({"into": "C000001", "reason": "同一手机号"}, "Merged into C000001 · Reason: 同一手机号"),
}


@pytest.fixture
def li(db: Any) -> Customer:
    shop, _ = Shop.objects.get_or_create(code="main", defaults={"name": "主店", "is_default": True})
    return Customer.objects.create(shop=shop, identity="wholesale_li", nickname="wholesale_li", name="李四")


@pytest.fixture
def every_event(li: Customer) -> list[CustomerEvent]:
    CustomerLevel.objects.create(code="gold", name="金卡", rank=3)
    agent = make_user("ahua", "agent", "阿华")
    boss = make_user("boss", "owner", "老板")
    events = []
    for code, (data, _text) in EXAMPLES.items():
        if code == "profile_changed":
            data = {"changes": {**data["changes"], "agent": {"before": None, "after": agent.pk}}}
        events.append(CustomerEvent.objects.create(customer=li, type=code, at=AT, actor=boss, data=data))
    return events


def test_every_type_has_an_example_and_a_renderer() -> None:
    assert set(EXAMPLES) == set(CustomerEventType.values) == set(RENDERERS)


def test_each_event_reads_in_english(every_event: list[CustomerEvent], django_assert_max_num_queries: Any) -> None:
    # Three queries: the events, the levels and the agents they name.
    with translation.override("en"), django_assert_max_num_queries(3):
        entries = timeline_entries(CustomerEvent.objects.select_related("actor").order_by("pk"))

    assert [entry.text for entry in entries] == [text for _data, text in EXAMPLES.values()]
    assert [entry.title for entry in entries] == [str(CustomerEventType(code).label) for code in EXAMPLES]
    assert {entry.actor for entry in entries} == {"老板"}
    assert entries[0].title == "Profile or terms changed"


def test_each_event_reads_in_chinese_too(every_event: list[CustomerEvent]) -> None:
    events = list(CustomerEvent.objects.select_related("actor").order_by("pk"))
    with translation.override("en"):
        english = timeline_entries(events)
    with translation.override("zh-hans"):
        chinese = timeline_entries(events)

    # Every title is translated; a sentence the product words is too (a tag, a note or an
    # address is the customer's own text and reads the same in both).
    assert [en.kind for en, zh in zip(english, chinese, strict=True) if en.title == zh.title] == []
    worded = {"profile_changed", "level_changed", "imported", "merged", "merged_into"}
    assert [en.kind for en, zh in zip(english, chinese, strict=True) if en.kind in worded and en.text == zh.text] == []


def test_an_event_by_the_system_and_of_an_unknown_type_still_reads(li: Customer) -> None:
    CustomerEvent.objects.create(customer=li, type="imported", at=AT, data={"file": "a.csv", "line": 2})
    CustomerEvent.objects.create(customer=li, type="some_future_type", at=AT, data={"x": 1})

    with translation.override("en"):
        entries = timeline_entries(CustomerEvent.objects.order_by("pk"))

    assert [(entry.title, entry.text, entry.actor) for entry in entries] == [
        ("Imported", "Updated from a.csv, line 2", "System"),
        ("some_future_type", "", "System"),
    ]
