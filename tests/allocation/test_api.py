"""The stockouts and allocation API: answers, and failure paths that change nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sellerdesk.allocation.actions import allocate_order
from sellerdesk.allocation.shortages import release_for_shortfall
from sellerdesk.orders.models import Order, Shortage
from tests.allocation.conftest import T0, approved
from tests.factories import make_sku, place
from tests.support.clock import TEST_NOW

IN_A_MONTH = (TEST_NOW.date() + timedelta(days=30)).isoformat()


def short_order(main: Any) -> Order:
    sku = make_sku("TEE", price="50.00", stock=3)
    order = approved(("TEE", 3))
    allocate_order(order=order, actor=None, at=T0 + timedelta(hours=1))
    release_for_shortfall(sku_id=sku.pk, warehouse_id=main.pk, quantity=2, document="PD-1", actor=None, at=T0)
    return order


def test_allocate_answers_the_outcome_and_the_warehouse(main: Any, api: Any) -> None:
    make_sku("TEE", stock=3)
    order = approved(("TEE", 1))
    response = api.post(f"/api/v1/orders/{order.number}/allocate")
    assert response.status_code == 200
    assert response.json() == {
        "number": order.number,
        "status": "allocated",
        "outcome": "allocated",
        "warehouse": "main",
        "parts": [],
    }


def test_allocate_an_unpaid_order_is_409_and_changes_nothing(main: Any, api: Any) -> None:
    make_sku("TEE", stock=3)
    order = place(("TEE", 1))
    response = api.post(f"/api/v1/orders/{order.number}/allocate")
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert Order.objects.get(pk=order.pk).status == "unpaid"


def test_allocate_an_unknown_order_is_404(main: Any, api: Any) -> None:
    assert api.post("/api/v1/orders/nope/allocate").status_code == 404


def test_list_stockouts(main: Any, api: Any) -> None:
    order = short_order(main)
    response = api.get("/api/v1/stockouts", sku="TEE", open="true")
    assert response.status_code == 200
    [item] = response.json()
    assert (item["number"], item["status"], item["warehouse"]) == (order.number, "stockout", "main")
    assert [
        (row["sku"], row["quantity"], row["short_quantity"], row["option"], row["is_open"]) for row in item["shortages"]
    ] == [("TEE", 3, 2, None, True)]
    assert api.get("/api/v1/stockouts", option="delay").json() == []
    assert api.get("/api/v1/stockouts", option="teleport").status_code == 422


def test_resolve_delay(main: Any, api: Any) -> None:
    order = short_order(main)
    response = api.post(
        f"/api/v1/stockouts/{order.number}/resolve",
        {"option": "delay", "buyer_answer": "等", "promised_date": IN_A_MONTH},
    )
    assert response.status_code == 200
    assert response.json() == {
        "number": order.number,
        "status": "stockout",
        "option": "delay",
        "transfer": None,
        "refund": "0.00",
        "parts": [],
    }


def test_resolve_failure_paths_change_nothing(main: Any, api: Any, anonymous_api: Any) -> None:
    order = short_order(main)
    path = f"/api/v1/stockouts/{order.number}/resolve"
    cases = [
        (api.post(path, {"option": "delay", "buyer_answer": "等", "extra": 1}), 422),
        (api.post(path, {"option": "teleport", "buyer_answer": "等"}), 422),
        (api.post(path, {"option": "delay", "buyer_answer": "等", "promised_date": "tomorrow"}), 422),
        (api.post(path, {"option": "delay", "buyer_answer": "等"}), 422),
        (api.post(path, {"option": "transfer", "buyer_answer": "好", "from_warehouse": "nowhere"}), 422),
        (api.post(path, {"option": "drop", "buyer_answer": "x" * 501}), 422),
        (api.post("/api/v1/stockouts/nope/resolve", {"option": "cancel", "buyer_answer": "好"}), 404),
        (anonymous_api.post(path, {"option": "cancel", "buyer_answer": "好"}), 401),
    ]
    assert [response.status_code for response, _expected in cases] == [expected for _response, expected in cases]
    assert Order.objects.get(pk=order.pk).status == "stockout"
    assert list(Shortage.objects.values_list("option", "buyer_answer", "resolved_at")) == [("", "", None)]


def test_a_warehouse_user_may_not_resolve(main: Any, warehouse_user: Any) -> None:
    from tests.conftest import ApiClient
    from tests.factories import make_token

    order = short_order(main)
    response = ApiClient(make_token(warehouse_user)).post(
        f"/api/v1/stockouts/{order.number}/resolve", {"option": "cancel", "buyer_answer": "好"}
    )
    assert response.status_code == 403
    assert Order.objects.get(pk=order.pk).status == "stockout"


def test_plan_needs_a_known_sku(main: Any, api: Any) -> None:
    assert api.get("/api/v1/stockouts/plan", sku="NOPE").status_code == 422
    assert api.get("/api/v1/stockouts/plan").status_code == 422
    assert api.post("/api/v1/stockouts/plan/apply", {"sku": "NOPE"}).status_code == 422
    make_sku("TEE", stock=1)
    assert api.get("/api/v1/stockouts/plan", sku="TEE").json() == []


def test_resolved_stockouts_list_a_dropped_line_without_a_500(main: Any, api: Any) -> None:
    """Issue 17 B: GET /api/v1/stockouts?open=false answered 500 for a stockout whose
    line was dropped from the order (the shortage keeps no line then)."""
    make_sku("MUG", price="10.00", stock=5)
    sku = make_sku("TEE", price="50.00", stock=3)
    order = approved(("TEE", 3), ("MUG", 1))
    allocate_order(order=order, actor=None, at=T0 + timedelta(hours=1))
    release_for_shortfall(sku_id=sku.pk, warehouse_id=main.pk, quantity=3, document="PD-1", actor=None, at=T0)
    dropped = api.post(f"/api/v1/stockouts/{order.number}/resolve", {"option": "drop", "buyer_answer": "不要了"})
    assert dropped.status_code == 200, dropped.json()
    assert Shortage.objects.get().line is None

    response = api.get("/api/v1/stockouts", open="false")

    assert response.status_code == 200
    [item] = response.json()
    assert [
        (row["sku"], row["position"], row["quantity"], row["short_quantity"], row["option"], row["is_open"])
        for row in item["shortages"]
    ] == [("TEE", None, None, 3, "drop", False)]


def test_a_promised_date_in_year_568_is_refused(main: Any, api: Any) -> None:
    """Issue 17 B: API dates are read within core.dates' range (BusinessDate)."""
    order = short_order(main)
    for day in ("0568-01-01", "9999-12-31"):
        response = api.post(
            f"/api/v1/stockouts/{order.number}/resolve", {"option": "delay", "buyer_answer": "等", "promised_date": day}
        )
        assert response.status_code == 422
        assert list(response.json()["details"]["fields"]) == ["promised_date"]
    assert list(Shortage.objects.values_list("option", "promised_date", "resolved_at")) == [("", None, None)]
