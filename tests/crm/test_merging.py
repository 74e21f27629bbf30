"""Merging duplicate customers of a shop (crm.merging) and the intake after a merge."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from sellerdesk.aftersales.models import Case
from sellerdesk.core.errors import PermissionDenied, ValidationFailed
from sellerdesk.crm.merging import MANY_TO_MANY, RELATED_ROWS, duplicate_candidates, merge_customers, relation_key
from sellerdesk.crm.models import CustomerMerge
from sellerdesk.customers.actions import count_order_of_buyer
from sellerdesk.customers.models import (
    Customer,
    CustomerAddress,
    CustomerEvent,
    CustomerGroup,
    CustomerLevel,
    CustomerNote,
    CustomerTag,
)
from sellerdesk.notifications.models import BuyerPreference, OutgoingMessage
from sellerdesk.orders import actions as order_actions
from sellerdesk.payments.actions import record_payment
from sellerdesk.reminders.models import DoNotRemind
from sellerdesk.service.models import Conversation
from sellerdesk.shops.models import Shop
from tests.aftersales.builders import delivered_order
from tests.aftersales.evidence_support import make_case
from tests.api.helpers import default_shop  # noqa: F401  (autouse: the default shop and warehouse)
from tests.factories import make_sku, make_user, place

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)
TAOBAO = order_actions.Buyer("张三", "13800138000", "zhang_tb")
BY_PHONE = order_actions.Buyer("张三", "13800138000", "")


@pytest.fixture
def tee(db: Any) -> Any:
    return make_sku("TEE", price="50.00", stock=1000)


@pytest.fixture
def owner(db: Any) -> Any:
    return make_user("owner", "owner")


def customer(identity: str) -> Customer:
    return Customer.objects.get(identity=identity)


def test_every_foreign_key_to_a_customer_has_a_decision() -> None:
    # A table added later with a foreign key to Customer must say what a merge does with it.
    related = {relation_key(relation.field) for relation in Customer._meta.related_objects}
    many_to_many = {relation_key(field) for field in Customer._meta.many_to_many} | {
        relation_key(relation.field) for relation in Customer._meta.related_objects if relation.many_to_many
    }
    assert related - many_to_many <= set(RELATED_ROWS), sorted(related - many_to_many - set(RELATED_ROWS))
    assert many_to_many == set(MANY_TO_MANY)
    assert set(RELATED_ROWS) == related - many_to_many  # nothing stale either


def test_merge_moves_every_row_and_adds_the_counters_up(tee: Any, owner: Any) -> None:
    # given one buyer known by nickname (2 orders, one paid 100.00) and by phone (1 order, paid 50.00)
    first = place(("TEE", 2), buyer=TAOBAO)
    record_payment(order=first, amount=Decimal("100.00"), method="remittance", reference="R1", actor=None)
    place(("TEE", 1), buyer=TAOBAO)
    by_phone = place(("TEE", 1), buyer=BY_PHONE)
    record_payment(order=by_phone, amount=Decimal("50.00"), method="remittance", reference="R2", actor=None)
    keep, duplicate = customer("zhang_tb"), customer("tel:13800138000")
    # and the duplicate has rows of every other kind
    now = T0
    CustomerAddress.objects.create(
        customer=keep,
        name="张三",
        phone="1",
        province="浙江省",
        city="杭州市",
        detail="A",
        is_default=True,
        created_at=now,
    )
    CustomerAddress.objects.create(
        customer=duplicate,
        name="张三",
        phone="1",
        province="浙江省",
        city="杭州市",
        detail="B",
        is_default=True,
        created_at=now,
    )
    CustomerNote.objects.create(customer=duplicate, author=owner, text="爱砍价", at=now)
    vip, wholesale = CustomerTag.objects.create(name="VIP"), CustomerTag.objects.create(name="批发")
    keep.tags.add(vip)
    duplicate.tags.add(vip, wholesale)
    group = CustomerGroup.objects.create(name="老客户群", created_at=now)
    group.members.add(duplicate)
    BuyerPreference.objects.create(customer=keep, email="", opt_out=False)
    BuyerPreference.objects.create(customer=duplicate, email="z@example.com", opt_out=True)
    DoNotRemind.objects.create(customer=duplicate, reason="付款慢", added_at=now)
    OutgoingMessage.objects.create(customer=duplicate, channel="sms", recipient="13800138000", kind="paid", text="x")
    Conversation.objects.create(shop=keep.shop, customer=duplicate, channel="web", created_at=now, last_message_at=now)
    messages_of_duplicate = OutgoingMessage.objects.filter(customer=duplicate).count()
    # when the phone customer is merged into the nickname one
    merges = merge_customers(keep=keep, duplicates=[duplicate], actor=owner, reason="同一个人")
    # then every row of the duplicate is the kept customer's
    keep.refresh_from_db()
    duplicate.refresh_from_db()
    assert [order.customer_id for order in by_phone.__class__.objects.order_by("pk")] == [keep.pk] * 3
    assert list(keep.addresses.values_list("detail", "is_default")) == [("A", True), ("B", False)]
    assert list(keep.notes.values_list("text", flat=True)) == ["爱砍价"]
    assert sorted(keep.tags.values_list("name", flat=True)) == ["VIP", "批发"]
    assert list(group.members.all()) == [keep]
    preference = BuyerPreference.objects.get()
    assert (preference.customer_id, preference.opt_out, preference.email) == (keep.pk, True, "z@example.com")
    assert DoNotRemind.objects.get().customer_id == keep.pk
    assert OutgoingMessage.objects.get(text="x").customer_id == keep.pk
    assert Conversation.objects.get().customer_id == keep.pk
    for relation in Customer._meta.related_objects:
        handling = RELATED_ROWS.get(relation_key(relation.field), ("m2m", ""))[0]
        if handling in ("move", "single"):
            assert not relation.related_model._default_manager.filter(**{relation.field.name: duplicate}).exists()
    assert duplicate.tags.count() == 0 and duplicate.groups.count() == 0
    # and the counters add up; the duplicate is merged and empty
    assert (keep.order_count, keep.total_spent) == (3, Decimal("150.00"))
    assert keep.last_order_at is not None
    assert (duplicate.merged_into_id, duplicate.order_count, duplicate.total_spent) == (keep.pk, 0, Decimal("0.00"))
    # and it is audited
    [merge] = merges
    assert (merge.kept_id, merge.merged_id, merge.reason, merge.actor_id) == (
        keep.pk,
        duplicate.pk,
        "同一个人",
        owner.pk,
    )
    assert merge.moved == {
        "orders": 1,
        "addresses": 1,
        "notes": 1,
        "tags": 2,
        "groups": 1,
        "message_preference": 1,
        "do_not_remind": 1,
        "outgoing_messages": messages_of_duplicate,
        "conversations": 1,
    }
    kept_event = CustomerEvent.objects.get(customer=keep, type="merged")
    assert kept_event.data == {
        "merged": [duplicate.display_number],
        "reason": "同一个人",
        "moved": dict(sorted(merge.moved.items())),
    }
    assert kept_event.actor_id == owner.pk
    assert CustomerEvent.objects.get(customer=duplicate, type="merged_into").data == {
        "into": keep.display_number,
        "reason": "同一个人",
    }


def test_a_new_order_of_a_merged_identity_lands_on_the_kept_customer(tee: Any, owner: Any) -> None:
    # given the phone customer merged into the nickname one
    place(("TEE", 1), buyer=TAOBAO)
    place(("TEE", 1), buyer=BY_PHONE)
    keep, duplicate = customer("zhang_tb"), customer("tel:13800138000")
    merge_customers(keep=keep, duplicates=[duplicate], actor=owner, reason="同一个人")
    # when the buyer orders again by phone
    order = place(("TEE", 1), buyer=BY_PHONE)
    # then the order and its count are the kept customer's
    keep.refresh_from_db()
    duplicate.refresh_from_db()
    assert order.customer_id == keep.pk
    assert (keep.order_count, duplicate.order_count) == (3, 0)
    assert Customer.objects.count() == 2


def test_intake_keeps_the_last_order_time_and_follows_a_merge_of_the_kept_customer(db: Any, owner: Any) -> None:
    shop = Shop.objects.get(code="main")
    a = count_order_of_buyer(shop=shop, name="甲", phone="1", nickname="a", at=T0)
    # an earlier order (entered late) does not move the last order back
    assert count_order_of_buyer(shop=shop, name="甲", phone="1", nickname="a", at=T0 - timedelta(days=3)) == a
    assert Customer.objects.get(pk=a).last_order_at == T0
    assert Customer.objects.filter(last_order_at__gte=T0).count() == 1  # stored as the ORM compares it
    b = count_order_of_buyer(shop=shop, name="甲", phone="1", nickname="b", at=T0)
    c = count_order_of_buyer(shop=shop, name="甲", phone="1", nickname="c", at=T0)
    merge_customers(keep=Customer.objects.get(pk=b), duplicates=[Customer.objects.get(pk=a)], actor=owner, reason="x")
    merge_customers(keep=Customer.objects.get(pk=c), duplicates=[Customer.objects.get(pk=b)], actor=owner, reason="y")
    # a's merge now points at c (the chain stays one step long)
    assert Customer.objects.get(pk=a).merged_into_id == c
    later = T0 + timedelta(days=1)
    assert count_order_of_buyer(shop=shop, name="甲", phone="1", nickname="a", at=later) == c
    kept = Customer.objects.get(pk=c)
    assert (kept.order_count, kept.last_order_at) == (5, later)


def test_merge_keeps_the_better_level_unless_the_kept_one_was_set_by_hand(tee: Any, owner: Any) -> None:
    gold = CustomerLevel.objects.create(code="gold", name="金卡", rank=20)
    place(("TEE", 1), buyer=TAOBAO)
    place(("TEE", 1), buyer=BY_PHONE)
    keep, duplicate = customer("zhang_tb"), customer("tel:13800138000")
    Customer.objects.filter(pk=duplicate.pk).update(level=gold)
    duplicate.refresh_from_db()
    merge_customers(keep=keep, duplicates=[duplicate], actor=owner, reason="同一个人")
    keep.refresh_from_db()
    assert keep.level == gold
    event = CustomerEvent.objects.get(customer=keep, type="level_changed")
    assert event.data == {"before": None, "after": "gold", "reason": "同一个人", "automatic": False}
    assert event.actor_id == owner.pk
    # a level set by hand stays
    silver = CustomerLevel.objects.create(code="silver", name="银卡", rank=10)
    third = Customer.objects.create(shop=keep.shop, identity="third", name="张三", level=silver, level_locked=True)
    merge_customers(keep=third, duplicates=[keep], actor=owner, reason="还是同一个人")
    third.refresh_from_db()
    assert third.level == silver
    assert not CustomerEvent.objects.filter(customer=third, type="level_changed").exists()


@pytest.mark.parametrize(
    ("case", "field"),
    [
        ("no reason", "reason"),
        ("itself", "duplicates"),
        ("other shop", "duplicates"),
        ("none", "duplicates"),
        ("twice", "duplicates"),
    ],
)
def test_bad_merges_are_refused_naming_the_field_and_write_nothing(tee: Any, owner: Any, case: str, field: str) -> None:
    place(("TEE", 1), buyer=TAOBAO)
    place(("TEE", 1), buyer=BY_PHONE)
    keep, duplicate = customer("zhang_tb"), customer("tel:13800138000")
    other_shop = Shop.objects.create(code="jd", name="京东店")
    elsewhere = Customer.objects.create(shop=other_shop, identity="x", name="x")
    third = Customer.objects.create(shop=keep.shop, identity="y", name="y")
    if case == "twice":
        merge_customers(keep=third, duplicates=[duplicate], actor=owner, reason="先合并")
        duplicate.refresh_from_db()
    before = (
        CustomerMerge.objects.count(),
        CustomerEvent.objects.count(),
        list(Customer.objects.values().order_by("pk")),
    )
    duplicates = {"itself": [keep], "other shop": [elsewhere], "none": []}.get(case, [duplicate])
    reason = "" if case == "no reason" else "同一个人"
    with translation.override("en"), pytest.raises(ValidationFailed) as raised:
        merge_customers(keep=keep, duplicates=duplicates, actor=owner, reason=reason)
    assert list(raised.value.fields) == [field]
    assert before == (
        CustomerMerge.objects.count(),
        CustomerEvent.objects.count(),
        list(Customer.objects.values().order_by("pk")),
    )


def test_an_agent_may_not_merge(tee: Any) -> None:
    place(("TEE", 1), buyer=TAOBAO)
    place(("TEE", 1), buyer=BY_PHONE)
    agent = make_user("agent", "agent")
    with pytest.raises(PermissionDenied):
        merge_customers(
            keep=customer("zhang_tb"), duplicates=[customer("tel:13800138000")], actor=agent, reason="同一个人"
        )
    assert CustomerMerge.objects.count() == 0


def test_duplicate_candidates_are_customers_sharing_a_phone(tee: Any, owner: Any) -> None:
    place(("TEE", 1), buyer=TAOBAO)
    place(("TEE", 1), buyer=TAOBAO)
    place(("TEE", 1), buyer=BY_PHONE)
    place(("TEE", 1), buyer=order_actions.Buyer("李四", "13900139000", "li"))
    shop = Shop.objects.get(code="main")
    [group] = duplicate_candidates(shop=shop, actor=owner)
    assert group.phone == "13800138000"
    assert [c.identity for c in group.customers] == ["zhang_tb", "tel:13800138000"]  # most orders first
    merge_customers(keep=group.customers[0], duplicates=group.customers[1:], actor=owner, reason="同一个人")
    assert duplicate_candidates(shop=shop, actor=owner) == []


def test_an_after_sales_case_of_the_duplicate_moves_with_its_order(tee: Any, owner: Any) -> None:
    place(("TEE", 1), buyer=TAOBAO)
    case = make_case(delivered_order(("TEE", 1), buyer=BY_PHONE))
    keep, duplicate = customer("zhang_tb"), customer("tel:13800138000")
    assert case.customer_id == duplicate.pk
    [merge] = merge_customers(keep=keep, duplicates=[duplicate], actor=owner, reason="同一个人")
    assert Case.objects.get(pk=case.pk).customer_id == keep.pk
    assert (merge.moved["aftersales_cases"], merge.moved["orders"]) == (1, 1)
    keep.refresh_from_db()
    assert (keep.order_count, keep.total_spent) == (2, case.order.total)


def test_intake_is_one_statement_unless_the_identity_was_merged(db: Any, owner: Any) -> None:
    shop = Shop.objects.get(code="main")
    with CaptureQueriesContext(connection) as new:
        a = count_order_of_buyer(shop=shop, name="甲", phone="1", nickname="a", at=T0)
    with CaptureQueriesContext(connection) as known:
        count_order_of_buyer(shop=shop, name="甲", phone="1", nickname="a", at=T0)
    assert (len(new), len(known)) == (1, 1)
    b = count_order_of_buyer(shop=shop, name="甲", phone="1", nickname="b", at=T0)
    merge_customers(keep=Customer.objects.get(pk=b), duplicates=[Customer.objects.get(pk=a)], actor=owner, reason="x")
    with CaptureQueriesContext(connection) as merged:
        assert count_order_of_buyer(shop=shop, name="甲", phone="1", nickname="a", at=T0) == b
    assert len(merged) == 3  # the upsert that leaves the duplicate alone, where it went, the kept one's count
