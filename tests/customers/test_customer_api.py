"""/api/v1/customers and /api/v1/customer-levels; customer changes are audited."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from sellerdesk.core.errors import PermissionDenied, ValidationFailed
from sellerdesk.customers import actions
from sellerdesk.customers.models import Customer, CustomerEvent, CustomerLevel
from sellerdesk.orders import actions as order_actions
from sellerdesk.shops.models import Shop
from tests.api.conftest import supervisor_api  # noqa: F401
from tests.factories import make_sku, make_user, place


@pytest.fixture
def li(db: Any) -> Customer:
    """李四 (wholesale_li) with one unpaid order of 2 × TEE at 59.00."""
    make_sku("TEE", price="59.00", stock=100)
    place(("TEE", 2), buyer=order_actions.Buyer("李四", "13900139000", "wholesale_li"))
    return Customer.objects.get(identity="wholesale_li")


@pytest.fixture
def gold(default_shop: Shop) -> CustomerLevel:
    return CustomerLevel.objects.create(code="gold", name="金卡", rank=3)


def state(customer: Customer) -> list[Any]:
    """The customer's editable fields and audit trail, to prove a refused call changed nothing."""
    row = Customer.objects.filter(pk=customer.pk).values(*actions.EDITABLE_FIELDS).get()
    return [row, CustomerEvent.objects.count(), CustomerLevel.objects.count()]


def test_patch_terms_then_read_them_back_with_credit(api: Any, owner: Any, li: Customer, gold: CustomerLevel) -> None:
    # given an agent to put in charge
    make_user("ahua", "agent", "阿华")
    # when the owner sets the B2B terms
    change = {
        "level": "gold",
        "is_b2b": True,
        "credit_limit": "1000.00",
        "payment_terms_days": 30,
        "discount_note": "满 1000 九五折",
        "agent": "ahua",
        "delivery_area": "杭州西湖区",
        "unloading_notes": "后门卸货",
        "delivery_requirements": "上午送达",
        "delayed_order_handling": "先电话联系",
    }
    response = api.patch(f"/api/v1/customers/{li.pk}", change)
    # then they are stored and shown with the credit used by the unpaid order
    assert response.status_code == 200, response.json()
    answer = response.json()
    # (the last order's time is the intake's, tested with it)
    assert answer.pop("last_order_at") == api.get(f"/api/v1/customers/{li.pk}").json()["last_order_at"]
    assert answer == {
        "id": li.pk,
        "shop": "main",
        "nickname": "wholesale_li",
        "name": "李四",
        "phone": "13900139000",
        "order_count": 1,
        "total_spent": "0.00",
        "level": {"code": "gold", "name": "金卡", "rank": 3, "shop": None},
        **{key: value for key, value in change.items() if key != "level"},
        "number": "",
        "display_number": f"C{li.pk:06d}",
        "route_order": None,
        "transport_mode": "",
        "vehicle": "",
        "credit_used": "118.00",
        "remaining_credit": "882.00",
    }
    assert {
        key: value for key, value in api.get(f"/api/v1/customers/{li.pk}").json().items() if key != "last_order_at"
    } == answer
    # and one event says who changed what, before and after
    event = CustomerEvent.objects.get()
    assert (event.customer_id, event.type, event.actor_id) == (li.pk, "profile_changed", owner.pk)
    assert event.data["changes"]["credit_limit"] == {"before": "0.00", "after": "1000.00"}
    assert event.data["changes"]["level"] == {"before": None, "after": "gold"}
    assert event.data["changes"]["agent"]["before"] is None
    assert sorted(event.data["changes"]) == sorted(change)


def test_patch_changes_only_the_fields_sent_and_can_clear_the_level(
    api: Any, li: Customer, gold: CustomerLevel
) -> None:
    api.patch(f"/api/v1/customers/{li.pk}", {"level": "gold", "credit_limit": "500.00"})
    response = api.patch(f"/api/v1/customers/{li.pk}", {"level": None})
    assert response.status_code == 200
    assert (response.json()["level"], response.json()["credit_limit"]) == (None, "500.00")
    assert CustomerEvent.objects.order_by("pk").last().data == {  # type: ignore[union-attr]
        "changes": {"level": {"before": "gold", "after": None}}
    }


def test_a_patch_that_changes_nothing_writes_no_event(api: Any, li: Customer) -> None:
    response = api.patch(f"/api/v1/customers/{li.pk}", {"credit_limit": "0.00", "is_b2b": False})
    assert response.status_code == 200
    assert CustomerEvent.objects.count() == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"credit_limit": "-1.00"}, "credit_limit"),
        ({"credit_limit": "12.345"}, "credit_limit"),
        ({"credit_limit": 12.5}, "credit_limit"),
        ({"payment_terms_days": 366}, "payment_terms_days"),
        ({"payment_terms_days": -1}, "payment_terms_days"),
        ({"payment_terms_days": "30"}, "payment_terms_days"),
        ({"is_b2b": "yes"}, "is_b2b"),
        ({"is_b2b": None}, "is_b2b"),
        ({"credit_limit": None}, "credit_limit"),
        ({"level": "nope"}, "level"),
        ({"agent": "nobody"}, "agent"),
        ({"agent": "picker"}, "agent"),  # warehouse staff cannot be in charge of a customer
        ({"discount_note": "折" * 201}, "discount_note"),
        ({"name": "改名"}, "name"),
        ({"number": "K 1"}, "number"),
        ({"number": "K" * 31}, "number"),
        ({"number": None}, "number"),
        ({"route_order": -1}, "route_order"),
        ({"route_order": "3"}, "route_order"),
        ({"route_order": 1_000_000}, "route_order"),
        ({"transport_mode": "rocket"}, "transport_mode"),
        ({"vehicle": "车" * 51}, "vehicle"),
    ],
)
def test_invalid_changes_are_422_naming_the_field_and_change_nothing(
    api: Any, li: Customer, gold: CustomerLevel, warehouse_user: Any, change: dict[str, Any], field: str
) -> None:
    before = state(li)
    response = api.patch(f"/api/v1/customers/{li.pk}", {"credit_limit": "100.00", **change})
    assert response.status_code == 422, response.json()
    assert field in response.json()["details"]["fields"]
    assert state(li) == before


def test_a_level_of_another_shop_is_refused(api: Any, li: Customer) -> None:
    other = Shop.objects.create(code="jd", name="京东店")
    CustomerLevel.objects.create(code="vip", name="VIP", shop=other)
    before = state(li)
    response = api.patch(f"/api/v1/customers/{li.pk}", {"level": "vip"})
    assert response.status_code == 422
    assert list(response.json()["details"]["fields"]) == ["level"]
    assert state(li) == before


def test_the_shops_own_level_wins_over_a_global_one_with_the_same_code(
    api: Any, li: Customer, gold: CustomerLevel, default_shop: Shop
) -> None:
    own = CustomerLevel.objects.create(code="gold", name="本店金卡", rank=4, shop=default_shop)
    assert api.patch(f"/api/v1/customers/{li.pk}", {"level": "gold"}).status_code == 200
    assert Customer.objects.get(pk=li.pk).level_id == own.pk


def test_agents_read_customers_but_may_not_change_terms(agent_api: Any, li: Customer, gold: CustomerLevel) -> None:
    before = state(li)
    assert agent_api.get(f"/api/v1/customers/{li.pk}").status_code == 200
    response = agent_api.patch(f"/api/v1/customers/{li.pk}", {"credit_limit": "99999.00", "level": "nope"})
    assert response.status_code == 403
    assert agent_api.post("/api/v1/customer-levels", {"code": "x", "name": "X"}).status_code == 403
    assert state(li) == before


def test_a_supervisor_may_change_terms(supervisor_api: Any, li: Customer) -> None:  # noqa: F811
    response = supervisor_api.patch(f"/api/v1/customers/{li.pk}", {"credit_limit": "300.00"})
    assert response.status_code == 200
    assert response.json()["remaining_credit"] == "182.00"


def test_unknown_customer_is_404(api: Any) -> None:
    assert api.get("/api/v1/customers/999").status_code == 404
    assert api.patch("/api/v1/customers/999", {"is_b2b": True}).status_code == 404


def test_search_customers_by_name_phone_or_nickname(api: Any, li: Customer) -> None:
    place(("TEE", 1), buyer=order_actions.Buyer("王五", "13700137000", "wang5"))
    for query, expected in [("李四", ["李四"]), ("9000", ["李四"]), ("wang5", ["王五"]), ("", ["王五", "李四"])]:
        answer = api.get("/api/v1/customers", q=query).json()
        assert [item["name"] for item in answer["items"]] == expected, query
        assert (answer["count"], answer["page"], answer["pages"]) == (len(expected), 1, 1)


def test_filter_customers_by_level(api: Any, li: Customer, gold: CustomerLevel) -> None:
    api.patch(f"/api/v1/customers/{li.pk}", {"level": "gold"})
    place(("TEE", 1), buyer=order_actions.Buyer("王五", "13700137000", "wang5"))
    answer = api.get("/api/v1/customers", level="gold").json()
    assert [item["id"] for item in answer["items"]] == [li.pk]


def test_bad_page_is_422(api: Any, li: Customer) -> None:
    response = api.get("/api/v1/customers", page=0)
    assert response.status_code == 422
    assert "page" in response.json()["details"]["fields"]


def test_create_and_list_customer_levels(api: Any, default_shop: Shop) -> None:
    # when a global and a shop level are created
    first = api.post("/api/v1/customer-levels", {"code": "silver", "name": "银卡", "rank": 2})
    second = api.post("/api/v1/customer-levels", {"code": "wholesale", "name": "批发客户", "rank": 5, "shop": "main"})
    # then both are listed by rank
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json() == {"code": "silver", "name": "银卡", "rank": 2, "shop": None}
    assert api.get("/api/v1/customer-levels").json() == [first.json(), second.json()]
    Shop.objects.create(code="jd", name="京东店")
    assert api.get("/api/v1/customer-levels", shop="jd").json() == [first.json()]


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"code": "silver", "name": "又一个银卡"}, 409, None),
        ({"code": "a b", "name": "X"}, 422, "code"),
        ({"code": "x", "name": ""}, 422, "name"),
        ({"code": "x", "name": "X", "rank": -1}, 422, "rank"),
        ({"code": "x", "name": "X", "shop": "nope"}, 422, "shop"),
    ],
)
def test_bad_levels_are_refused(api: Any, default_shop: Shop, body: dict[str, Any], status: int, field: str) -> None:
    api.post("/api/v1/customer-levels", {"code": "silver", "name": "银卡"})
    response = api.post("/api/v1/customer-levels", body)
    assert response.status_code == status, response.json()
    if field:
        assert field in response.json()["details"]["fields"]
    else:
        assert response.json()["code"] == "duplicate_level"
    assert CustomerLevel.objects.count() == 1


def test_the_same_level_code_may_exist_in_two_shops_and_globally(default_shop: Shop) -> None:
    other = Shop.objects.create(code="jd", name="京东店")
    for shop in (None, default_shop, other):
        actions.create_customer_level(actor=None, code="vip", name="VIP", shop=shop)
    assert CustomerLevel.objects.filter(code="vip").count() == 3


def test_update_customer_action_checks_permission_before_anything(li: Customer, agent: Any) -> None:
    before = state(li)
    with pytest.raises(PermissionDenied):
        actions.update_customer(customer=li, actor=agent, changes={"credit_limit": Decimal("10.00")})
    with pytest.raises(ValidationFailed) as unknown:
        actions.update_customer(customer=li, actor=None, changes={"credit_limit": Decimal("1"), "order_count": 3})
    assert unknown.value.fields == {"order_count": "not a field that can be changed"}
    with pytest.raises(ValidationFailed) as refused:
        actions.update_customer(
            customer=li, actor=None, changes={"credit_limit": Decimal("-1"), "payment_terms_days": True}
        )
    assert sorted(refused.value.fields) == ["credit_limit", "payment_terms_days"]
    assert state(li) == before


def test_patch_the_crm_profile_fields_and_clear_the_route_order(api: Any, li: Customer) -> None:
    change = {"number": "HZ-0007", "route_order": 12, "transport_mode": "truck", "vehicle": "4.2 米厢货"}

    response = api.patch(f"/api/v1/customers/{li.pk}", change)

    assert response.status_code == 200, response.json()
    assert {key: response.json()[key] for key in [*change, "display_number"]} == {**change, "display_number": "HZ-0007"}
    assert CustomerEvent.objects.get().data["changes"] == {
        "number": {"before": "", "after": "HZ-0007"},
        "route_order": {"before": None, "after": 12},
        "transport_mode": {"before": "", "after": "truck"},
        "vehicle": {"before": "", "after": "4.2 米厢货"},
    }
    cleared = api.patch(f"/api/v1/customers/{li.pk}", {"route_order": None, "number": ""})
    assert (cleared.json()["route_order"], cleared.json()["display_number"]) == (None, f"C{li.pk:06d}")


def test_a_customer_number_is_unique_in_its_shop_only(api: Any, li: Customer, default_shop: Shop) -> None:
    other = Customer.objects.create(shop=default_shop, identity="wang", name="王五", number="HZ-0007")
    jd = Shop.objects.create(code="jd", name="京东店")
    elsewhere = Customer.objects.create(shop=jd, identity="zhao", name="赵六")
    before = state(li)

    response = api.patch(f"/api/v1/customers/{li.pk}", {"number": "HZ-0007", "vehicle": "面包车"})

    assert response.status_code == 422
    assert list(response.json()["details"]["fields"]) == ["number"]
    assert state(li) == before
    assert api.patch(f"/api/v1/customers/{elsewhere.pk}", {"number": "HZ-0007"}).status_code == 200
    assert api.patch(f"/api/v1/customers/{other.pk}", {"number": "HZ-0007"}).status_code == 200  # its own


def test_the_list_finds_a_customer_as_the_customer_page_does(api: Any, li: Customer) -> None:
    # One search semantics (customers.queries.text_match) for the API's list and the page.
    li.number = "PF-0009"
    li.save(update_fields=["number"])
    for q in ("PF-0009", "李四", "9000", "wholesale"):
        assert [row["id"] for row in api.get("/api/v1/customers", q=q).json()["items"]] == [li.pk], q
    Customer.objects.filter(pk=li.pk).update(number="")
    assert [row["id"] for row in api.get("/api/v1/customers", q=f"C{li.pk:06d}").json()["items"]] == [li.pk]
    # A customer number too long for an id is simply not found, never an error.
    response = api.get("/api/v1/customers", q="C" + "9" * 18)
    assert response.status_code == 200 and response.json()["items"] == []
