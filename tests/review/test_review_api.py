"""POST /orders/{n}/hold, /release, /review and GET /review-queue."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from sellerdesk.catalog.models import Sku
from sellerdesk.core.models import User
from sellerdesk.orders.models import Order, OrderHold
from sellerdesk.orders.review import actions as review
from sellerdesk.shops.models import ReviewSettings, Shop
from tests.api.helpers import snapshot
from tests.conftest import ApiClient
from tests.review.conftest import AFTER_BUFFER, paid


def _status(order: Order) -> str:
    return Order.objects.get(pk=order.pk).status


def _holds() -> list[tuple[str, str, bool]]:
    return [
        (number, reason, resolved_at is None)
        for number, reason, resolved_at in OrderHold.objects.order_by("pk").values_list(
            "order__number", "reason", "resolved_at"
        )
    ]


# --- hold ---------------------------------------------------------------------------


def test_hold_puts_the_order_in_the_queue(agent_api: ApiClient, tee: Sku) -> None:
    order = paid(("TEE-RED-M", 1))

    response = agent_api.post(f"/api/v1/orders/{order.number}/hold", {"reason": "买家要改地址"})

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["allowed_actions"]) == ("on_hold", ["approve", "cancel"])
    assert _holds() == [(order.number, "manual", True)]


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({}, 422, None),
        ({"reason": ""}, 422, None),
        ({"reason": "   "}, 422, "reason"),
        ({"reason": "x" * 501}, 422, None),
        ({"reason": 5}, 422, None),
        ({"reason": "ok", "extra": 1}, 422, None),
    ],
)
def test_hold_with_a_bad_body_changes_nothing(
    agent_api: ApiClient, tee: Sku, body: dict[str, Any], status: int, field: str | None
) -> None:
    order = paid(("TEE-RED-M", 1))
    before = snapshot()

    response = agent_api.post(f"/api/v1/orders/{order.number}/hold", body)

    assert response.status_code == status
    if field:
        assert field in response.json()["details"]["fields"]
    assert snapshot() == before and _holds() == []


def test_hold_of_an_unpaid_order_is_a_409(agent_api: ApiClient, tee: Sku) -> None:
    from tests.factories import place

    order = place(("TEE-RED-M", 1))
    before = snapshot()

    response = agent_api.post(f"/api/v1/orders/{order.number}/hold", {"reason": "看看"})

    assert (response.status_code, response.json()["code"]) == (409, "invalid_transition")
    assert response.json()["details"] == {"current_status": "unpaid", "action": "hold"}
    assert snapshot() == before and _holds() == []


def test_hold_by_warehouse_staff_is_a_403(warehouse_api: ApiClient, tee: Sku) -> None:
    order = paid(("TEE-RED-M", 1))
    before = snapshot()

    response = warehouse_api.post(f"/api/v1/orders/{order.number}/hold", {"reason": "看看"})

    assert response.status_code == 403
    assert snapshot() == before and _holds() == []


def test_hold_of_an_unknown_order_is_a_404(agent_api: ApiClient, tee: Sku) -> None:
    assert agent_api.post("/api/v1/orders/nope/hold", {"reason": "看看"}).status_code == 404


# --- release ------------------------------------------------------------------------


def test_release_approves_and_resolves(agent_api: ApiClient, tee: Sku, agent: User) -> None:
    order = paid(("TEE-RED-M", 1))
    review.hold_order(order=order, actor=agent, reason="地址待确认")

    response = agent_api.post(f"/api/v1/orders/{order.number}/release", {"note": "已确认"})

    assert (response.status_code, response.json()["status"]) == (200, "approved")
    assert _holds() == [(order.number, "manual", False)]
    assert OrderHold.objects.get().resolution == "已确认"


def test_release_without_a_note(agent_api: ApiClient, tee: Sku, agent: User) -> None:
    order = paid(("TEE-RED-M", 1))
    review.hold_order(order=order, actor=agent, reason="地址待确认")

    response = agent_api.post(f"/api/v1/orders/{order.number}/release", {})

    assert (response.status_code, response.json()["status"]) == (200, "approved")
    assert OrderHold.objects.get().resolution == ""


def test_release_of_an_order_not_held_is_a_409(agent_api: ApiClient, tee: Sku) -> None:
    order = paid(("TEE-RED-M", 1))
    before = snapshot()

    response = agent_api.post(f"/api/v1/orders/{order.number}/release", {})

    assert (response.status_code, response.json()["code"]) == (409, "invalid_transition")
    assert snapshot() == before


def test_release_with_a_bad_note_or_role_changes_nothing(
    agent_api: ApiClient, warehouse_api: ApiClient, tee: Sku, agent: User
) -> None:
    order = paid(("TEE-RED-M", 1))
    review.hold_order(order=order, actor=agent, reason="地址待确认")
    before = snapshot()

    too_long = agent_api.post(f"/api/v1/orders/{order.number}/release", {"note": "x" * 501})
    forbidden = warehouse_api.post(f"/api/v1/orders/{order.number}/release", {})

    assert (too_long.status_code, forbidden.status_code) == (422, 403)
    assert snapshot() == before and _holds() == [(order.number, "manual", True)]


# --- review now ---------------------------------------------------------------------


def test_review_now_ignores_the_buffer(agent_api: ApiClient, tee: Sku, default_shop: Shop) -> None:
    ReviewSettings.objects.create(shop=default_shop, hold_buffer_minutes=100_000)
    order = paid(("TEE-RED-M", 1))

    response = agent_api.post(f"/api/v1/orders/{order.number}/review")

    assert response.status_code == 200
    answer = response.json()
    assert (answer["outcome"], answer["findings"], answer["order"]["status"]) == ("approved", [], "approved")
    assert answer["rules_passed"] == [
        "stock",
        "buyer_message",
        "large_order",
        "merge_candidate",
        "cod_risk",
        "address",
        "carrier",
        "credit",
        "price",
    ]


def test_review_now_holds_with_the_findings(agent_api: ApiClient, tee: Sku, default_shop: Shop) -> None:
    ReviewSettings.objects.create(shop=default_shop, max_order_total=Decimal("1.00"))
    order = paid(("TEE-RED-M", 1))

    answer = agent_api.post(f"/api/v1/orders/{order.number}/review").json()

    assert (answer["outcome"], [f["code"] for f in answer["findings"]]) == ("held", ["large_order"])
    assert _status(order) == "on_hold"


def test_review_of_an_approved_order_is_a_409_and_of_warehouse_a_403(
    agent_api: ApiClient, warehouse_api: ApiClient, tee: Sku
) -> None:
    order = paid(("TEE-RED-M", 1))
    review.review_order(order_id=order.pk, now=AFTER_BUFFER)
    other = paid(("TEE-RED-M", 1))
    before = snapshot()

    again = agent_api.post(f"/api/v1/orders/{order.number}/review")
    forbidden = warehouse_api.post(f"/api/v1/orders/{other.number}/review")

    assert (again.status_code, again.json()["details"]) == (409, {"current_status": "approved", "action": "review"})
    assert forbidden.status_code == 403
    assert snapshot() == before


# --- the queue ----------------------------------------------------------------------


def test_the_queue_lists_held_orders_with_counts_per_reason(agent_api: ApiClient, tee: Sku, agent: User) -> None:
    by_hand = paid(("TEE-RED-M", 1))
    review.hold_order(order=by_hand, actor=agent, reason="地址待确认")
    message = paid(("TEE-RED-M", 1), buyer_message="帮我换个颜色吧", buyer=_other_buyer())
    review.review_order(order_id=message.pk, now=AFTER_BUFFER)
    paid(("TEE-RED-M", 1))  # not held

    everything = agent_api.get("/api/v1/review-queue").json()
    only_manual = agent_api.get("/api/v1/review-queue", reason="manual").json()

    assert everything["counts"] == {"manual": 1, "buyer_message": 1}
    # oldest held first: the automatic review ran at AFTER_BUFFER, the hand hold now
    assert [item["number"] for item in everything["items"]] == [message.number, by_hand.number]
    first = everything["items"][1]
    assert (first["holds"][0]["reason"], first["holds"][0]["message"], first["holds"][0]["created_by"]) == (
        "manual",
        "地址待确认",
        "agent",
    )
    assert (everything["count"], everything["page"], everything["pages"]) == (2, 1, 1)
    assert [item["number"] for item in only_manual["items"]] == [by_hand.number]
    assert only_manual["counts"] == {"manual": 1, "buyer_message": 1}


def _other_buyer() -> Any:
    from sellerdesk.orders.actions import Buyer

    return Buyer("赵六", "13600136000", "zhaoliu")


@pytest.mark.parametrize(
    ("params", "status"),
    [({"shop": "nope"}, 422), ({"page": "0"}, 422), ({"page": "x"}, 422), ({"reason": "x" * 41}, 422)],
)
def test_the_queue_rejects_bad_filters(agent_api: ApiClient, tee: Sku, params: dict[str, str], status: int) -> None:
    assert agent_api.get("/api/v1/review-queue", **params).status_code == status


def test_the_queue_needs_a_login(anonymous_api: ApiClient) -> None:
    assert anonymous_api.get("/api/v1/review-queue").status_code == 401
