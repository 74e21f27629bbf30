"""The staff API of after-sales cases (/api/v1/aftersales/…): each action through HTTP, bad
input answered 404/409/422 naming the field with nothing written."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sellerdesk.aftersales.models import Case, CaseEvent
from sellerdesk.inventory.models import StockMovement
from sellerdesk.logistics.defaults import load_default_carriers
from sellerdesk.logistics.models import Carrier, CarrierCoverage
from sellerdesk.orders.models import Order
from tests.aftersales.builders import delivered_order
from tests.api.helpers import assert_error, assert_invalid
from tests.conftest import ApiClient
from tests.factories import make_sku, make_token, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def tee(db: Any) -> Any:
    load_default_carriers(Carrier, CarrierCoverage)
    return make_sku("TEE", price="59.00", stock=50)


@pytest.fixture
def warehouse_api(warehouse_user: Any) -> ApiClient:
    return ApiClient(make_token(warehouse_user))


def open_return(api: ApiClient, order: Any, quantity: int = 1, **extra: Any) -> Any:
    return api.post(
        "/api/v1/aftersales/cases",
        {
            "order": order.number,
            "type": "return_refund",
            "reason": "quality",
            "lines": [{"order_line_id": order.lines.get().pk, "quantity": quantity}],
            **extra,
        },
    )


def test_a_return_through_the_api_from_opening_to_inspection(
    tee: Any, agent_api: ApiClient, warehouse_api: ApiClient
) -> None:
    order = delivered_order(("TEE", 2))

    opened = open_return(agent_api, order, 2, description="袖口开线")
    assert opened.status_code == 201, opened.content
    number = opened.json()["number"]
    assert opened.json()["status"] == "requested"
    assert opened.json()["requested_amount"] == "118.00"

    approved = agent_api.post(f"/api/v1/aftersales/cases/{number}/approve", {"note": "同意退货"})
    assert approved.status_code == 200 and approved.json()["status"] == "awaiting_return"

    parcel = agent_api.post(
        f"/api/v1/aftersales/cases/{number}/return-parcel", {"carrier": "SF", "tracking_number": "SF9990001"}
    )
    assert parcel.json()["return_tracking_number"] == "SF9990001"

    found = warehouse_api.get("/api/v1/aftersales/receiving/SF9990001")
    assert found.json()["number"] == number
    line_id = found.json()["lines"][0]["id"]
    received = warehouse_api.post(
        f"/api/v1/aftersales/cases/{number}/receive", {"lines": [{"case_line_id": line_id, "quantity": 2}]}
    )
    assert received.json()["status"] == "received"
    inspected = warehouse_api.post(
        f"/api/v1/aftersales/cases/{number}/inspect",
        {"grades": [{"case_line_id": line_id, "good": 2, "defective": 0, "disposition": "restock"}]},
    )
    assert inspected.status_code == 200, inspected.content
    assert inspected.json()["inspection_result"] == "pass"
    assert inspected.json()["lines"][0]["good"] == 2

    listed = agent_api.get("/api/v1/aftersales/cases")
    assert [item["number"] for item in listed.json()["items"]] == [number]


def test_more_units_than_shipped_is_422_naming_the_line_and_nothing_is_written(tee: Any, agent_api: ApiClient) -> None:
    order = delivered_order(("TEE", 1))

    assert_invalid(open_return(agent_api, order, 2), "lines[0].quantity")

    assert Case.objects.count() == 0 and CaseEvent.objects.count() == 0


def test_a_line_of_another_order_is_422(tee: Any, agent_api: ApiClient) -> None:
    order = delivered_order(("TEE", 1))
    other = delivered_order(("TEE", 1))

    response = agent_api.post(
        "/api/v1/aftersales/cases",
        {
            "order": order.number,
            "type": "return_refund",
            "reason": "quality",
            "lines": [{"order_line_id": other.lines.get().pk, "quantity": 1}],
        },
    )

    assert_invalid(response, "lines[0].order_line_id")
    assert Case.objects.count() == 0


def test_past_the_window_is_422_naming_the_type(tee: Any, agent_api: ApiClient) -> None:
    order = delivered_order(("TEE", 1), delivered_at=timezone.now() - timedelta(days=30))

    assert_invalid(open_return(agent_api, order), "type")
    assert Case.objects.count() == 0


def test_malformed_input_is_422(tee: Any, agent_api: ApiClient) -> None:
    order = delivered_order(("TEE", 1))

    assert_invalid(open_return(agent_api, order, 0), "lines[0].quantity")
    assert_invalid(open_return(agent_api, order, requested_amount="1.001"), "requested_amount")
    response = agent_api.post(
        "/api/v1/aftersales/cases", {"order": "nope", "type": "return_refund", "reason": "quality"}
    )
    assert_invalid(response, "order")
    response = agent_api.post("/api/v1/aftersales/cases", {"order": order.number, "type": "swap", "reason": "quality"})
    assert_invalid(response, "type")
    assert Case.objects.count() == 0


def test_unknown_case_is_404_and_a_wrong_move_409(tee: Any, agent_api: ApiClient) -> None:
    assert_error(agent_api.get("/api/v1/aftersales/cases/AS000"), 404, "not_found")
    order = delivered_order(("TEE", 1))
    number = open_return(agent_api, order).json()["number"]
    agent_api.post(f"/api/v1/aftersales/cases/{number}/reject", {"reason": "不符合退货条件"})

    assert_error(agent_api.post(f"/api/v1/aftersales/cases/{number}/approve", {}), 409, "invalid_transition")
    assert_invalid(agent_api.post(f"/api/v1/aftersales/cases/{number}/reject", {"reason": ""}), "reason")


def test_an_agent_above_the_limit_is_403(tee: Any, agent_api: ApiClient) -> None:
    make_sku("COAT", price="300.00", stock=5)
    order = delivered_order(("COAT", 1))
    response = agent_api.post(
        "/api/v1/aftersales/cases",
        {
            "order": order.number,
            "type": "return_refund",
            "reason": "quality",
            "lines": [{"order_line_id": order.lines.get().pk, "quantity": 1}],
        },
    )
    number = response.json()["number"]

    assert_error(agent_api.post(f"/api/v1/aftersales/cases/{number}/approve", {}), 403, "permission_denied")
    assert Case.objects.get(number=number).status == "requested"


def test_bulk_approve_and_reject(tee: Any, agent_api: ApiClient) -> None:
    order = delivered_order(("TEE", 2))
    first = open_return(agent_api, order).json()["number"]
    second = open_return(agent_api, order).json()["number"]

    rejected = agent_api.post("/api/v1/aftersales/bulk/reject", {"cases": [second], "reason": "重复"})
    approved = agent_api.post("/api/v1/aftersales/bulk/approve", {"cases": [first, second, "AS-NONE"]})

    assert rejected.json() == {"done": [second], "refused": {}}
    assert approved.json()["done"] == [first]
    assert set(approved.json()["refused"]) == {second, "AS-NONE"}


def test_assign_note_message_and_refundable_lines(tee: Any, agent_api: ApiClient, agent: Any) -> None:
    order = delivered_order(("TEE", 2))
    number = open_return(agent_api, order).json()["number"]

    assert (
        agent_api.post(f"/api/v1/aftersales/cases/{number}/assign", {"assignee": "agent"}).json()["assignee"] == "agent"
    )
    assert_invalid(agent_api.post(f"/api/v1/aftersales/cases/{number}/assign", {"assignee": "ghost"}), "assignee")
    assert agent_api.post(f"/api/v1/aftersales/cases/{number}/notes", {"text": "已电话联系"}).status_code == 201
    assert agent_api.post(f"/api/v1/aftersales/cases/{number}/messages", {"body": "请寄回"}).status_code == 201
    rows = agent_api.get(f"/api/v1/aftersales/orders/{order.number}/refundable-lines").json()
    assert [(r["shipped"], r["in_live_cases"], r["askable"]) for r in rows] == [(2, 1, 1)]


def test_receiving_is_the_warehouses_and_grades_must_add_up(
    tee: Any, agent_api: ApiClient, warehouse_api: ApiClient
) -> None:
    order = delivered_order(("TEE", 1))
    number = open_return(agent_api, order).json()["number"]
    line_id = agent_api.post(f"/api/v1/aftersales/cases/{number}/approve", {}).json()["lines"][0]["id"]

    refused = agent_api.post(
        f"/api/v1/aftersales/cases/{number}/receive", {"lines": [{"case_line_id": line_id, "quantity": 1}]}
    )
    assert_error(refused, 403, "permission_denied")
    warehouse_api.post(
        f"/api/v1/aftersales/cases/{number}/receive", {"lines": [{"case_line_id": line_id, "quantity": 1}]}
    )
    before = StockMovement.objects.count()
    bad = warehouse_api.post(
        f"/api/v1/aftersales/cases/{number}/inspect",
        {"grades": [{"case_line_id": line_id, "good": 1, "defective": 1, "disposition": "defective"}]},
    )
    assert_invalid(bad, "grades[0].good")
    assert StockMovement.objects.count() == before


def test_the_policy_is_read_and_changed_by_a_supervisor(tee: Any, agent_api: ApiClient, api: ApiClient) -> None:
    from sellerdesk.shops.models import default_shop

    code = default_shop().code
    assert agent_api.get(f"/api/v1/aftersales/policies/{code}").json()["no_reason_days"] == 7
    assert_error(
        agent_api.patch(f"/api/v1/aftersales/policies/{code}", {"no_reason_days": 15}), 403, "permission_denied"
    )
    assert_invalid(api.patch(f"/api/v1/aftersales/policies/{code}", {"no_reason_days": -1}), "no_reason_days")

    changed = api.patch(f"/api/v1/aftersales/policies/{code}", {"no_reason_days": 15, "agent_approval_limit": "500.00"})

    assert changed.status_code == 200
    assert (changed.json()["no_reason_days"], changed.json()["agent_approval_limit"]) == (15, "500.00")
    assert_error(api.get("/api/v1/aftersales/policies/nope"), 404, "not_found")


def test_the_schemas_have_names_of_their_own() -> None:
    spec = Client().get("/api/openapi.json").json()
    names = set(spec["components"]["schemas"])
    assert {"CaseStaffOut", "CaseOpenStaffIn", "AfterSalesPolicyOut"} <= names
    assert "/api/v1/aftersales/cases/{number}/inspect" in spec["paths"]


def test_a_buyer_token_or_none_is_refused(tee: Any, anonymous_api: ApiClient) -> None:
    assert anonymous_api.get("/api/v1/aftersales/cases").status_code == 401
    supplier = ApiClient(make_token(make_user("sup", "supplier")))
    assert_error(supplier.get("/api/v1/aftersales/cases"), 403, "permission_denied")


OPEN_FUZZ = settings(
    max_examples=60,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
    | st.sampled_from(["", "59.00", "-1", "1e999", "return_refund", "quality", "exchange", "TEE"]),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3),
    max_leaves=10,
)


@OPEN_FUZZ
@given(
    field=st.sampled_from(["order", "type", "reason", "lines", "description", "requested_amount", "source", "extra"]),
    value=JSON,
    line_field=st.sampled_from(["order_line_id", "quantity", "reason", "replacement_sku", None]),
)
def test_arbitrary_json_opening_a_case_is_never_a_500_and_a_refusal_writes_nothing(
    tee: Any, agent_api: ApiClient, field: str, value: Any, line_field: str | None
) -> None:
    order = Order.objects.first() or delivered_order(("TEE", 1))
    body: dict[str, Any] = {
        "order": order.number,
        "type": "return_refund",
        "reason": "quality",
        "lines": [{"order_line_id": order.lines.get().pk, "quantity": 1}],
    }
    if line_field is not None and field == "lines":
        body["lines"][0][line_field] = value
    else:
        body[field] = value
    before = (Case.objects.count(), CaseEvent.objects.count())

    response = agent_api.post("/api/v1/aftersales/cases", body)

    assert response.status_code in (201, 400, 409, 422), response.content
    if response.status_code != 201:
        assert (Case.objects.count(), CaseEvent.objects.count()) == before
    else:
        Case.objects.all().delete()


def test_a_nul_in_a_scanned_code_is_422(tee: Any, warehouse_api: ApiClient) -> None:
    assert warehouse_api.get("/api/v1/aftersales/receiving/AS%00X").status_code in (404, 422)
