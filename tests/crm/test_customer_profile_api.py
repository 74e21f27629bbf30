"""/api/v1/customers/{id}/profile, addresses, tags and notes."""

from __future__ import annotations

from typing import Any

from sellerdesk.customers.models import Customer, CustomerAddress, CustomerEvent, CustomerNote, CustomerTag
from sellerdesk.shops.models import Shop
from tests.conftest import ApiClient
from tests.crm.test_customer_page import li, shop  # noqa: F401  (the customer with a full profile)
from tests.factories import make_token

ADDRESS = {"name": "王五", "phone": "0571-88886666", "province": "浙江省", "city": "杭州市", "detail": "仓前街道 1 号"}


def book_state(customer: Customer) -> list[Any]:
    return [
        list(CustomerAddress.objects.order_by("pk").values()),
        list(CustomerNote.objects.order_by("pk").values()),
        sorted(CustomerTag.objects.values_list("name", flat=True)),
        sorted(customer.tags.values_list("name", flat=True)),
        CustomerEvent.objects.count(),
    ]


def test_the_profile_has_the_page_in_json(api: ApiClient, li: Customer) -> None:  # noqa: F811
    response = api.client.get(f"/api/v1/customers/{li.pk}/profile", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["customer"]["display_number"] == "HZ-0007"
    assert body["customer"]["transport_mode"] == "truck"
    assert body["history"] == {
        "orders": 2,
        "paid_orders": 1,
        "paid": "118.00",
        "refunded": "0.00",
        "net": "118.00",
        "average_order": "118.00",
        "first_order_at": body["history"]["first_order_at"],
        "last_order_at": body["history"]["last_order_at"],
    }
    assert body["history"]["first_order_at"] <= body["history"]["last_order_at"]
    assert [order["total"] for order in body["recent_orders"]] == ["59.00", "118.00"]
    assert (body["tags"], body["groups"]) == (["批发意向"], ["老客户群"])
    assert [note["text"] for note in body["notes"]] == ["只要顺丰，周末不收货"]
    assert [address["detail"] for address in body["addresses"]] == ["文三路 90 号"]
    assert body["conversation_count"] == 1 and body["conversations"][0]["subject"] == "什么时候发货？"
    assert body["case_count"] == 1 and body["cases"][0]["type"] == "refund_before_shipping"
    assert [event["type"] for event in body["timeline"]] == ["note_added", "tagged", "address_added", "profile_changed"]
    assert body["timeline"][0]["title"] == "Note added"
    assert body["same_buyer"] == []


def test_the_address_book_over_the_api(agent_api: ApiClient, li: Customer) -> None:  # noqa: F811
    first = li.addresses.get()

    added = agent_api.post(f"/api/v1/customers/{li.pk}/addresses", {**ADDRESS, "is_default": True})
    assert added.status_code == 201, added.json()
    second = added.json()
    assert (second["phone"], second["is_default"]) == ("057188886666", True)
    changed = agent_api.put(f"/api/v1/customers/{li.pk}/addresses/{first.pk}", {**ADDRESS, "detail": "新地址"})
    assert changed.status_code == 200 and changed.json()["detail"] == "新地址"
    assert agent_api.post(f"/api/v1/customers/{li.pk}/addresses/{first.pk}/default").json()["is_default"] is True
    assert agent_api.client.delete(f"/api/v1/customers/{li.pk}/addresses/{second['id']}").status_code == 204

    listed = agent_api.get(f"/api/v1/customers/{li.pk}/addresses").json()
    assert [(address["detail"], address["is_default"]) for address in listed] == [("新地址", True)]


def test_a_bad_address_is_422_naming_each_field(agent_api: ApiClient, li: Customer) -> None:  # noqa: F811
    before = book_state(li)

    response = agent_api.post(f"/api/v1/customers/{li.pk}/addresses", {**ADDRESS, "phone": "12", "city": " "})

    assert response.status_code == 422
    assert sorted(response.json()["details"]["fields"]) == ["city", "phone"]
    assert book_state(li) == before


def test_another_customers_address_is_404(agent_api: ApiClient, li: Customer, shop: Shop) -> None:  # noqa: F811
    wang = Customer.objects.create(shop=shop, identity="wang", name="王五")
    other = agent_api.post(f"/api/v1/customers/{wang.pk}/addresses", ADDRESS).json()
    before = book_state(wang)

    assert agent_api.client.delete(f"/api/v1/customers/{li.pk}/addresses/{other['id']}").status_code == 404
    assert book_state(wang) == before


def test_tags_and_notes_over_the_api(agent_api: ApiClient, li: Customer) -> None:  # noqa: F811
    assert agent_api.post(f"/api/v1/customers/{li.pk}/tags", {"name": "VIP"}).json() == ["VIP", "批发意向"]
    assert agent_api.client.delete(f"/api/v1/customers/{li.pk}/tags/批发意向").json() == ["VIP"]
    assert agent_api.client.delete(f"/api/v1/customers/{li.pk}/tags/nope").status_code == 404
    note = agent_api.post(f"/api/v1/customers/{li.pk}/notes", {"text": "要发票", "pinned": True})
    assert note.status_code == 201 and note.json()["author"] == "阿华"
    notes = agent_api.get(f"/api/v1/customers/{li.pk}/notes").json()
    assert [(row["text"], row["pinned"]) for row in notes] == [("要发票", True), ("只要顺丰，周末不收货", False)]
    assert agent_api.get(f"/api/v1/customers/{li.pk}/tags").json() == ["VIP"]


def test_the_warehouse_reads_but_does_not_write(li: Customer, warehouse_user: Any) -> None:  # noqa: F811
    picker = ApiClient(make_token(warehouse_user))
    before = book_state(li)

    assert picker.get(f"/api/v1/customers/{li.pk}/profile").status_code == 200
    assert picker.post(f"/api/v1/customers/{li.pk}/addresses", ADDRESS).status_code == 403
    assert picker.post(f"/api/v1/customers/{li.pk}/tags", {"name": "VIP"}).status_code == 403
    assert picker.post(f"/api/v1/customers/{li.pk}/notes", {"text": "x"}).status_code == 403
    assert book_state(li) == before


def test_an_unknown_customer_is_404(api: ApiClient, li: Customer) -> None:  # noqa: F811
    assert api.get("/api/v1/customers/999999/profile").status_code == 404
