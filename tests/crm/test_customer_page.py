"""The customer list and the customer page of the staff UI (/customers/): every profile
field of seed 000's 客户档案, the book, tags, notes, history with totals, conversations,
cases and the timeline; the forms call the actions and a refusal changes nothing."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.html import escape

from sellerdesk.aftersales import actions as aftersales_actions
from sellerdesk.aftersales.actions import LineRequest
from sellerdesk.customers import actions as customer_actions
from sellerdesk.customers import book
from sellerdesk.customers.models import (
    Customer,
    CustomerAddress,
    CustomerEvent,
    CustomerGroup,
    CustomerLevel,
    CustomerNote,
    CustomerTag,
)
from sellerdesk.customers.timeline import timeline_entries
from sellerdesk.orders import actions as order_actions
from sellerdesk.service.conversations import open_conversation
from sellerdesk.shops.models import Shop
from tests.aftersales.builders import paid_order
from tests.factories import make_sku, make_user, place

AT = datetime(2026, 3, 2, 10, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
LI = order_actions.Buyer("李四", "13900139000", "wholesale_li")


@pytest.fixture
def shop(db: Any, settings: Any) -> Shop:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from sellerdesk.inventory.models import Warehouse

    Warehouse.objects.get_or_create(code="main", defaults={"name": "主仓", "is_default": True})
    found, _created = Shop.objects.get_or_create(code="main", defaults={"name": "主店", "is_default": True})
    return found


@pytest.fixture
def li(shop: Shop, owner: Any, agent: Any) -> Customer:
    """李四 with a paid order (2 × TEE, 118.00) with a refund case, an unpaid one, a
    conversation, a full B2B profile, an address, a tag, a note and a buyer group."""
    make_sku("TEE", price="59.00", stock=100)
    paid = paid_order(("TEE", 2), buyer=LI)
    place(("TEE", 1), buyer=LI)
    customer = Customer.objects.get(identity="wholesale_li")
    gold = CustomerLevel.objects.create(code="gold", name="金卡", rank=3)
    customer_actions.update_customer(
        customer=customer,
        actor=owner,
        changes={
            "level": gold,
            "is_b2b": True,
            "credit_limit": Decimal("5000.00"),
            "payment_terms_days": 30,
            "discount_note": "满 1000 九五折",
            "agent": agent,
            "delivery_area": "杭州西湖区",
            "number": "HZ-0007",
            "route_order": 12,
            "transport_mode": "truck",
            "vehicle": "4.2 米厢货",
            "unloading_notes": "后门卸货，需叉车",
            "delivery_requirements": "上午 9 点前送达",
            "delayed_order_handling": "先电话联系再发",
        },
    )
    book.add_address(
        customer=customer,
        actor=agent,
        address=book.AddressInput(
            name="李四", phone="13900139000", province="浙江省", city="杭州市", district="西湖区", detail="文三路 90 号"
        ),
    )
    book.tag_customer(customer=customer, actor=agent, name="批发意向")
    book.add_customer_note(customer=customer, actor=agent, text="只要顺丰，周末不收货")
    group = CustomerGroup.objects.create(name="老客户群", created_at=AT)
    group.members.add(customer)
    aftersales_actions.open_case(
        order=paid,
        type="refund_before_shipping",
        reason="no_reason",
        lines=[LineRequest(paid.lines.get().pk, 1)],
        actor=agent,
    )
    open_conversation(shop=shop, channel="web", customer=customer, subject="什么时候发货？")
    return Customer.objects.get(pk=customer.pk)


def client_of(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(client: Client, customer: Customer, language: str = "en") -> Any:
    return client.get(f"/customers/{customer.pk}/", HTTP_ACCEPT_LANGUAGE=language)


def post(client: Client, customer: Customer, **data: Any) -> Any:
    return client.post(f"/customers/{customer.pk}/", data, HTTP_ACCEPT_LANGUAGE="en")


def state(customer: Customer) -> list[Any]:
    """Everything a refused form must leave as it was."""
    return [
        Customer.objects.filter(pk=customer.pk).values().get(),
        list(CustomerAddress.objects.order_by("pk").values()),
        list(CustomerNote.objects.order_by("pk").values()),
        sorted(CustomerTag.objects.values_list("name", flat=True)),
        sorted(customer.tags.values_list("name", flat=True)),
        CustomerEvent.objects.count(),
    ]


# --- the page ----------------------------------------------------------------------------


def test_the_page_shows_every_profile_field_and_the_history(li: Customer, owner: Any) -> None:
    response = page(client_of(owner), li)

    assert response.status_code == 200
    html = response.content.decode()
    for text in [
        "李四",
        "HZ-0007",
        "金卡",
        "¥5000.00",
        "30 days",
        "满 1000 九五折",
        "阿华",
        "杭州西湖区",
        "Route order",
        "Dedicated truck",
        "4.2 米厢货",
        "后门卸货，需叉车",
        "上午 9 点前送达",
        "先电话联系再发",
        "浙江省杭州市西湖区 文三路 90 号",
        "批发意向",
        "只要顺丰，周末不收货",
        "老客户群",
        "什么时候发货？",
    ]:
        assert escape(text) in html, text
    # two orders placed, one paid: 118.00, nothing refunded yet, average 118.00
    history = html.split('data-testid="history"')[1].split("</dl>")[0]
    assert [value.split("</dd>")[0].split(">")[-1] for value in history.split("<dd")[1:]][:6] == [
        "2",
        "1",
        "¥118.00",
        "¥0.00",
        "¥118.00",
        "¥118.00",
    ]
    assert li.aftersales_cases.get().number in html
    assert "Edit profile and terms" in html  # the owner may edit


def test_the_timeline_is_newest_first_in_the_readers_language(li: Customer, owner: Any) -> None:
    events = list(CustomerEvent.objects.filter(customer=li).select_related("actor").order_by("-at", "-pk"))
    for language in ["en", "zh-hans"]:
        html = page(client_of(owner), li, language).content.decode()
        with translation.override(language):
            entries = timeline_entries(events)
        timeline = html.split('data-testid="timeline"')[1]
        positions = [timeline.index(escape(entry.title)) for entry in entries]
        assert positions == sorted(positions), language
        assert [entry.text for entry in entries if escape(entry.text) not in timeline] == [], language


def test_the_page_costs_the_same_queries_however_long_the_history(li: Customer, owner: Any) -> None:
    client = client_of(owner)
    page(client, li)
    with CaptureQueriesContext(connection) as before:
        page(client, li)
    for _ in range(3):
        place(("TEE", 1), buyer=LI)
        book.tag_customer(customer=li, actor=owner, name=f"标签{_}")
    with CaptureQueriesContext(connection) as after:
        page(client, li)

    assert len(after) == len(before)


def test_an_agent_keeps_the_book_but_does_not_see_the_profile_form(li: Customer, agent: Any) -> None:
    html = page(client_of(agent), li).content.decode()

    assert "Edit profile and terms" not in html
    assert 'value="note"' in html and 'value="add_address"' in html and 'value="tag"' in html


def test_the_warehouse_reads_the_page_without_any_form(li: Customer, warehouse_user: Any) -> None:
    html = page(client_of(warehouse_user), li).content.decode()

    assert "HZ-0007" in html
    assert 'name="action"' not in html


def test_an_unknown_customer_is_404(li: Customer, owner: Any) -> None:
    assert client_of(owner).get("/customers/999999/").status_code == 404


# --- the forms ---------------------------------------------------------------------------


def profile_body(customer: Customer, **changes: Any) -> dict[str, Any]:
    body = {
        "action": "profile",
        "number": customer.number,
        "level": customer.level_id or "",
        "agent": customer.agent_id or "",
        "is_b2b": "on" if customer.is_b2b else "",
        "credit_limit": str(customer.credit_limit),
        "payment_terms_days": customer.payment_terms_days,
        "discount_note": customer.discount_note,
        "delivery_area": customer.delivery_area,
        "route_order": customer.route_order if customer.route_order is not None else "",
        "transport_mode": customer.transport_mode,
        "vehicle": customer.vehicle,
        "unloading_notes": customer.unloading_notes,
        "delivery_requirements": customer.delivery_requirements,
        "delayed_order_handling": customer.delayed_order_handling,
    }
    body.update(changes)
    return {key: value for key, value in body.items() if value != "" or key != "is_b2b"}


def test_the_owner_edits_the_profile_and_one_event_says_what_changed(li: Customer, owner: Any) -> None:
    events_before = CustomerEvent.objects.count()

    response = post(client_of(owner), li, **profile_body(li, vehicle="9.6 米", route_order="", credit_limit="8000.00"))

    assert response.status_code == 302
    li.refresh_from_db()
    assert (li.vehicle, li.route_order, li.credit_limit) == ("9.6 米", None, Decimal("8000.00"))
    event = CustomerEvent.objects.order_by("pk").last()
    assert CustomerEvent.objects.count() == events_before + 1
    assert event is not None and event.data == {
        "changes": {
            "credit_limit": {"before": "5000.00", "after": "8000.00"},
            "route_order": {"before": 12, "after": None},
            "vehicle": {"before": "4.2 米厢货", "after": "9.6 米"},
        }
    }


def test_a_taken_customer_number_is_shown_at_its_field_and_nothing_changes(
    li: Customer, owner: Any, shop: Shop
) -> None:
    Customer.objects.create(shop=shop, identity="wang", name="王五", number="HZ-0008")
    before = state(li)

    response = post(client_of(owner), li, **profile_body(li, number="HZ-0008", vehicle="别的车"))

    assert response.status_code == 422
    assert "another customer of this shop has the number HZ-0008" in response.content.decode()
    assert state(li) == before


def test_an_agent_may_not_post_the_profile(li: Customer, agent: Any) -> None:
    before = state(li)

    response = post(client_of(agent), li, **profile_body(li, vehicle="别的车"))

    assert response.status_code == 403
    assert state(li) == before


def test_address_book_moves(li: Customer, agent: Any) -> None:
    client = client_of(agent)
    first = li.addresses.get()
    address = {
        "name": "王五",
        "phone": "0571-88886666",
        "province": "浙江省",
        "city": "杭州市",
        "district": "余杭区",
        "detail": "仓前街道 1 号",
        "label": "仓库",
    }

    assert post(client, li, action="add_address", is_default="on", **address).status_code == 302
    second = li.addresses.get(label="仓库")
    assert (second.is_default, second.phone) == (True, "057188886666")
    changed = {f"a{first.pk}-{key}": value for key, value in address.items()} | {f"a{first.pk}-detail": "新地址 2 号"}
    assert post(client, li, action="change_address", address=first.pk, **changed).status_code == 302
    assert post(client, li, action="default_address", address=first.pk).status_code == 302
    assert post(client, li, action="remove_address", address=second.pk).status_code == 302

    assert list(li.addresses.values_list("detail", "is_default")) == [("新地址 2 号", True)]
    assert list(CustomerEvent.objects.filter(customer=li).order_by("pk").values_list("type", flat=True))[-4:] == [
        "address_added",
        "address_changed",
        "address_changed",
        "address_removed",
    ]


def test_a_bad_address_is_shown_on_its_form_and_nothing_changes(li: Customer, agent: Any) -> None:
    before = state(li)

    response = post(
        client_of(agent), li, action="add_address", name="王五", phone="123", province="浙江省", city="", detail="x"
    )

    assert response.status_code == 422
    html = response.content.decode()
    assert "enter a mainland mobile or landline number" in html
    assert html.count('class="field-error"') == 2  # the phone and the city, named at once
    assert state(li) == before


def test_another_customers_address_cannot_be_removed_from_this_page(li: Customer, agent: Any, shop: Shop) -> None:
    wang = Customer.objects.create(shop=shop, identity="wang", name="王五")
    theirs = book.add_address(
        customer=wang,
        actor=agent,
        address=book.AddressInput(name="王五", phone="13800138000", province="浙江省", city="杭州市", detail="1 号"),
    )
    before = state(wang)

    response = post(client_of(agent), li, action="remove_address", address=theirs.pk)

    assert response.status_code == 404
    assert state(wang) == before


def test_tag_untag_and_note(li: Customer, agent: Any) -> None:
    client = client_of(agent)

    assert post(client, li, action="tag", tag="VIP").status_code == 302
    vip = CustomerTag.objects.get(name="VIP")
    assert sorted(li.tags.values_list("name", flat=True)) == ["VIP", "批发意向"]
    assert post(client, li, action="untag", tag_id=vip.pk).status_code == 302
    assert post(client, li, action="note", text="下次送货带发票", pinned="on").status_code == 302

    assert list(li.tags.values_list("name", flat=True)) == ["批发意向"]
    note = li.notes.first()
    assert note is not None and (note.text, note.pinned, note.author) == ("下次送货带发票", True, agent)
    html = page(client, li).content.decode()
    assert html.index("下次送货带发票") < html.index("只要顺丰")  # pinned first


def test_an_empty_note_is_refused(li: Customer, agent: Any) -> None:
    before = state(li)

    response = post(client_of(agent), li, action="note", text="   ")

    assert response.status_code == 422
    assert state(li) == before


def test_an_unknown_action_is_400(li: Customer, owner: Any) -> None:
    assert post(client_of(owner), li, action="explode").status_code == 400


# --- the list ----------------------------------------------------------------------------


def listed(client: Client, **query: Any) -> list[str]:
    html = client.get("/customers/", query, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    return [row.split("</a>")[0].split(">")[-1] for row in html.split('class="rowlink"')[1:]]


def test_the_list_filters_by_search_shop_level_tag_and_group(li: Customer, owner: Any, shop: Shop) -> None:
    place(("TEE", 1), buyer=order_actions.Buyer("王五", "13800138111", "wangwu"))
    jd = Shop.objects.create(code="jd", name="京东店")
    Customer.objects.create(shop=jd, identity="zhao", nickname="zhao", name="赵六", phone="13700137000")
    client = client_of(owner)
    tag = CustomerTag.objects.get(name="批发意向")
    group = CustomerGroup.objects.get()

    assert listed(client) == ["赵六", "王五", "李四"]
    assert listed(client, q="9000") == ["李四"]  # the phone's last 4 digits
    assert listed(client, q="HZ-0007") == ["李四"]  # the customer number
    assert listed(client, q="wang") == ["王五"]  # a nickname's start
    assert listed(client, shop="jd") == ["赵六"]
    assert listed(client, level="gold") == ["李四"]
    assert listed(client, tag=tag.pk) == ["李四"]
    assert listed(client, group=group.pk) == ["李四"]
    assert listed(client, q="nobody") == []
    wang = Customer.objects.get(identity="wangwu")
    assert listed(client, q=wang.display_number) == ["王五"]


def test_a_merged_duplicate_is_not_listed(li: Customer, owner: Any, shop: Shop) -> None:
    Customer.objects.create(shop=shop, identity="tel:13900139000", name="李四", merged_into=li)

    assert listed(client_of(owner)) == ["李四"]


def test_the_list_pages_and_links_to_each_customer(li: Customer, owner: Any, shop: Shop) -> None:
    Customer.objects.bulk_create(
        Customer(shop=shop, identity=f"buyer{number}", name=f"买家{number:03d}") for number in range(60)
    )
    client = client_of(owner)

    first = client.get("/customers/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    second = client.get("/customers/", {"page": 2}, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Page 1 of 2 · 61 customers" in first
    assert first.count('class="rowlink"') == 50 and second.count('class="rowlink"') == 11
    assert f'href="/customers/{li.pk}/"' in first + second


def test_a_bad_filter_is_shown_and_left_out(li: Customer, owner: Any) -> None:
    response = client_of(owner).get("/customers/", {"tag": "abc"}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert 'class="filter-errors"' in response.content.decode()


def test_a_buyer_may_not_open_the_list(db: Any, shop: Shop) -> None:
    buyer = make_user("buyer1", "buyer")

    assert client_of(buyer).get("/customers/").status_code == 403


def test_every_kind_of_row_a_merge_moves_has_a_name_in_the_timeline() -> None:
    from sellerdesk.crm.merging import RELATED_ROWS
    from sellerdesk.customers.timeline import _moved_label

    kinds = {kind for handling, kind in RELATED_ROWS.values() if handling not in ("history", "special")}
    kinds |= {"tags", "groups", "merged_customers"}

    with translation.override("en"):
        assert [kind for kind in sorted(kinds) if _moved_label(kind, 2).startswith(f"{kind}:")] == []
