"""customers.book: the address book, tags and notes — each write checked, audited, and
refused without a trace."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from sellerdesk.core.errors import PermissionDenied, ValidationFailed
from sellerdesk.customers import book
from sellerdesk.customers.models import Customer, CustomerAddress, CustomerEvent, CustomerNote, CustomerTag
from sellerdesk.shops.models import Shop

AT = datetime(2026, 3, 2, 10, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def li(default_shop: Shop) -> Customer:
    return Customer.objects.create(shop=default_shop, identity="wholesale_li", nickname="wholesale_li", name="李四")


def home(**changes: Any) -> book.AddressInput:
    values: dict[str, Any] = {
        "name": "李四",
        "phone": "139-0013-9000",
        "province": "浙江省",
        "city": "杭州市",
        "district": "西湖区",
        "detail": "文三路 90 号",
        "label": "家",
    }
    values.update(changes)
    return book.AddressInput(**values)


def events(customer: Customer) -> list[tuple[str, dict[str, Any]]]:
    return [(event.type, event.data) for event in CustomerEvent.objects.filter(customer=customer).order_by("pk")]


def book_state(customer: Customer) -> list[Any]:
    """Everything a refused call must leave as it was."""
    return [
        list(CustomerAddress.objects.filter(customer=customer).order_by("pk").values()),
        list(CustomerNote.objects.order_by("pk").values()),
        sorted(CustomerTag.objects.values_list("name", flat=True)),
        sorted(customer.tags.values_list("name", flat=True)),
        CustomerEvent.objects.count(),
    ]


def test_the_first_address_is_the_default_and_a_new_default_takes_the_mark(li: Customer, agent: Any) -> None:
    first = book.add_address(customer=li, actor=agent, address=home(), at=AT)
    second = book.add_address(
        customer=li, actor=agent, address=home(label="仓库", detail="转塘街道 8 号", is_default=True), at=AT
    )
    third = book.add_address(customer=li, actor=agent, address=home(label="门店", detail="湖滨路 1 号"), at=AT)

    defaults = dict(CustomerAddress.objects.values_list("pk", "is_default"))
    assert defaults == {first.pk: False, second.pk: True, third.pk: False}
    assert first.phone == "13900139000"  # stored as digits
    assert events(li) == [
        ("address_added", {"address": "李四 13900139000 浙江省杭州市西湖区文三路 90 号"}),
        ("address_added", {"address": "李四 13900139000 浙江省杭州市西湖区转塘街道 8 号"}),
        ("address_added", {"address": "李四 13900139000 浙江省杭州市西湖区湖滨路 1 号"}),
    ]
    assert CustomerEvent.objects.filter(customer=li).first().actor == agent  # type: ignore[union-attr]


def test_change_an_address_and_make_it_the_default(li: Customer, agent: Any) -> None:
    first = book.add_address(customer=li, actor=agent, address=home(), at=AT)
    second = book.add_address(customer=li, actor=agent, address=home(detail="转塘街道 8 号"), at=AT)

    book.change_address(address=second, actor=agent, values=home(detail="转塘街道 9 号", name="王五"), at=AT)
    book.make_default_address(address=second, actor=agent, at=AT)

    second.refresh_from_db()
    first.refresh_from_db()
    assert (second.detail, second.name, second.is_default, first.is_default) == ("转塘街道 9 号", "王五", True, False)
    assert events(li)[2:] == [
        ("address_changed", {"address": "王五 13900139000 浙江省杭州市西湖区转塘街道 9 号"}),
        ("address_changed", {"address": "王五 13900139000 浙江省杭州市西湖区转塘街道 9 号"}),
    ]


def test_an_unchanged_address_writes_nothing(li: Customer, agent: Any) -> None:
    address = book.add_address(customer=li, actor=agent, address=home(), at=AT)
    before = book_state(li)

    book.change_address(address=address, actor=agent, values=home(phone="13900139000"), at=AT)

    assert book_state(li) == before


def test_removing_the_default_makes_the_oldest_remaining_one_the_default(li: Customer, agent: Any) -> None:
    first = book.add_address(customer=li, actor=agent, address=home(), at=AT)
    second = book.add_address(customer=li, actor=agent, address=home(detail="转塘街道 8 号"), at=AT)
    third = book.add_address(customer=li, actor=agent, address=home(detail="湖滨路 1 号"), at=AT)

    book.remove_address(address=first, actor=agent, at=AT)

    assert dict(CustomerAddress.objects.values_list("pk", "is_default")) == {second.pk: True, third.pk: False}
    assert events(li)[-1] == ("address_removed", {"address": "李四 13900139000 浙江省杭州市西湖区文三路 90 号"})


def test_a_bad_address_names_every_bad_field_and_writes_nothing(li: Customer, agent: Any) -> None:
    address = book.add_address(customer=li, actor=agent, address=home(), at=AT)
    before = book_state(li)

    with pytest.raises(ValidationFailed) as refused:
        book.add_address(customer=li, actor=agent, address=home(name=" ", phone="12345", detail="x" * 301), at=AT)
    assert sorted(refused.value.fields) == ["detail", "name", "phone"]
    with pytest.raises(ValidationFailed) as refused:
        book.change_address(address=address, actor=agent, values=home(city=""), at=AT)
    assert list(refused.value.fields) == ["city"]

    assert book_state(li) == before


def test_the_warehouse_may_not_keep_the_book(li: Customer, agent: Any, warehouse_user: Any) -> None:
    address = book.add_address(customer=li, actor=agent, address=home(), at=AT)
    tag = book.tag_customer(customer=li, actor=agent, name="VIP", at=AT)
    before = book_state(li)

    for attempt in [
        lambda: book.add_address(customer=li, actor=warehouse_user, address=home(), at=AT),
        lambda: book.change_address(address=address, actor=warehouse_user, values=home(detail="别处"), at=AT),
        lambda: book.remove_address(address=address, actor=warehouse_user, at=AT),
        lambda: book.tag_customer(customer=li, actor=warehouse_user, name="新标签", at=AT),
        lambda: book.untag_customer(customer=li, actor=warehouse_user, tag=tag, at=AT),
        lambda: book.add_customer_note(customer=li, actor=warehouse_user, text="不该写", at=AT),
    ]:
        with pytest.raises(PermissionDenied):
            attempt()

    assert book_state(li) == before


def test_tag_by_name_creates_the_tag_once_and_untag_keeps_it(li: Customer, agent: Any, default_shop: Shop) -> None:
    wang = Customer.objects.create(shop=default_shop, identity="wang", nickname="wang", name="王五")

    vip = book.tag_customer(customer=li, actor=agent, name="  VIP  ", at=AT)
    again = book.tag_customer(customer=li, actor=agent, name="VIP", at=AT)  # already tagged: nothing
    same = book.tag_customer(customer=wang, actor=agent, name="VIP", at=AT)
    book.untag_customer(customer=li, actor=agent, tag=vip, at=AT)
    book.untag_customer(customer=li, actor=agent, tag=vip, at=AT)  # not tagged any more: nothing

    assert vip.pk == again.pk == same.pk
    assert list(CustomerTag.objects.values_list("name", flat=True)) == ["VIP"]
    assert list(li.tags.all()) == [] and list(wang.tags.all()) == [vip]
    assert events(li) == [("tagged", {"tag": "VIP"}), ("untagged", {"tag": "VIP"})]


def test_a_blank_or_long_tag_is_refused(li: Customer, agent: Any) -> None:
    before = book_state(li)
    for name in ["   ", "x" * 41]:
        with pytest.raises(ValidationFailed) as refused:
            book.tag_customer(customer=li, actor=agent, name=name, at=AT)
        assert list(refused.value.fields) == ["tag"]
    assert book_state(li) == before


def test_a_note_is_kept_whole_and_its_start_goes_to_the_timeline(li: Customer, agent: Any) -> None:
    text = "只要顺丰，" + "周末不收货。" * 20

    note = book.add_customer_note(customer=li, actor=agent, text=f"  {text} ", pinned=True, at=AT)

    assert (note.text, note.pinned, note.author, note.at) == (text, True, agent, AT)
    assert events(li) == [("note_added", {"note": text[:80]})]


def test_an_empty_or_long_note_is_refused(li: Customer, agent: Any) -> None:
    before = book_state(li)
    for text in ["  ", "长" * 1001]:
        with pytest.raises(ValidationFailed) as refused:
            book.add_customer_note(customer=li, actor=agent, text=text, at=AT)
        assert list(refused.value.fields) == ["text"]
    assert book_state(li) == before
