"""POST /api/v1/orders/merge, /orders/{n}/unmerge, /orders/{n}/split: answers and refusals."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.utils import translation

from sellerdesk.catalog.models import Sku
from sellerdesk.orders import actions
from sellerdesk.orders.models import Order
from tests.api.helpers import advance, assert_error, assert_invalid, snapshot, stock
from tests.conftest import ApiClient
from tests.factories import make_sku, make_token, make_user, place
from tests.merging.conftest import paid

BUYER = actions.Buyer("李四", "13900139000", "lisi")
OTHER_BUYER = actions.Buyer("王五", "13700137000", "wangwu")


@pytest.fixture
def tee(db: Any) -> Sku:
    return make_sku("TEE-RED-M", price="59.00", stock=100)


@pytest.fixture
def mug(db: Any) -> Sku:
    return make_sku("MUG-1", price="25.50", stock=10)


def test_merge_unmerge_and_split_through_the_api(api: ApiClient, tee: Sku, mug: Sku) -> None:
    # given two paid orders of one buyer, one with a message
    first = paid(("TEE-RED-M", 2), buyer=BUYER, buyer_message="不要放价格单")
    second = paid(("MUG-1", 3), buyer=BUYER)
    # when they are merged
    response = api.post("/api/v1/orders/merge", {"numbers": [first.number, second.number]})
    # then the merged order holds both
    assert response.status_code == 201, response.content
    merged = response.json()
    assert merged["total"] == "194.50"
    assert merged["status"] == "pending_review"
    assert merged["payment_status"] == "paid"
    assert [(line["sku"], line["quantity"]) for line in merged["lines"]] == [("TEE-RED-M", 2), ("MUG-1", 3)]
    assert merged["buyer_message"] == "不要放价格单"  # issue 17 C: no "[number]" mark the reader cannot read
    assert stock("TEE-RED-M") == (100, 2) and stock("MUG-1") == (10, 3)
    with translation.override(settings.LANGUAGE_CODE):  # the request named no language
        expected_reason = translation.gettext("merged into %(number)s") % {"number": merged["number"]}
    assert Order.objects.get(pk=first.pk).close_reason_text == expected_reason
    events = api.get(f"/api/v1/orders/{merged['number']}/events").json()
    assert events[-1]["type"] == "merged"
    assert [o["number"] for o in events[-1]["data"]["originals"]] == [first.number, second.number]
    # when it is split back
    response = api.post(f"/api/v1/orders/{merged['number']}/unmerge")
    # then the originals are back as they were
    assert response.status_code == 200, response.content
    assert [(o["number"], o["status"], o["total"]) for o in response.json()] == [
        (first.number, "pending_review", "118.00"),
        (second.number, "pending_review", "76.50"),
    ]
    assert stock("TEE-RED-M") == (100, 2) and stock("MUG-1") == (10, 3)
    # when the first is split by hand into two parts
    response = api.post(
        f"/api/v1/orders/{first.number}/split",
        {"parts": [[{"position": 1, "quantity": 1}], [{"position": 1, "quantity": 1}]]},
    )
    # then each part holds one shirt and half the money
    assert response.status_code == 201, response.content
    assert [(o["number"], o["total"], o["lines"][0]["quantity"]) for o in response.json()] == [
        (f"{first.number}-1", "59.00", 1),
        (f"{first.number}-2", "59.00", 1),
    ]


def test_each_part_ships_and_completes_on_its_own(tee: Sku) -> None:
    # given a paid order split in two
    order = paid(("TEE-RED-M", 3))
    from sellerdesk.orders.merging import PartLine, split_order

    first, second = split_order(order=order, actor=None, parts=[[PartLine(1, 2)], [PartLine(1, 1)]])
    # when only the first ships and completes
    advance(first, "completed")
    # then its stock left, the second's is still reserved
    assert stock("TEE-RED-M") == (98, 1)
    assert Order.objects.get(pk=first.pk).status == "completed"
    assert Order.objects.get(pk=second.pk).status == "pending_review"
    advance(Order.objects.get(pk=second.pk), "shipped")
    assert stock("TEE-RED-M") == (97, 0)


def test_unmerge_refused_once_shipped(api: ApiClient, tee: Sku) -> None:
    first, second = paid(("TEE-RED-M", 1), buyer=BUYER), paid(("TEE-RED-M", 2), buyer=BUYER)
    merged = api.post("/api/v1/orders/merge", {"numbers": [first.number, second.number]}).json()
    advance(Order.objects.get(number=merged["number"]), "shipped")
    before = snapshot()
    assert_error(api.post(f"/api/v1/orders/{merged['number']}/unmerge"), 409, "order_not_unmergeable")
    assert snapshot() == before


@pytest.mark.parametrize(
    ("make_second", "reason"),
    [
        (lambda: paid(("TEE-RED-M", 1), buyer=OTHER_BUYER), "buyer"),
        (
            lambda: paid(
                ("TEE-RED-M", 1), buyer=BUYER, address=actions.Address("浙江省", "杭州市", "西湖区", "文二路 1 号")
            ),
            "address",
        ),
        (lambda: place(("TEE-RED-M", 1), buyer=BUYER), "payment"),
        (lambda: place(("TEE-RED-M", 1), buyer=BUYER, payment_method="cod"), "payment"),
        (lambda: advance(paid(("TEE-RED-M", 1), buyer=BUYER), "shipped"), "status"),
        (lambda: advance(paid(("TEE-RED-M", 1), buyer=BUYER), "closed"), "status"),
    ],
)
def test_merge_refused_changes_nothing(api: ApiClient, tee: Sku, make_second: Any, reason: str) -> None:
    # given a paid order and a second one that does not fit with it
    first = paid(("TEE-RED-M", 2), buyer=BUYER)
    second = make_second()
    before = snapshot()
    # when they are merged
    response = api.post("/api/v1/orders/merge", {"numbers": [first.number, second.number]})
    # then the answer says why and nothing changed
    assert assert_error(response, 409, "orders_not_mergeable")["reason"] == reason
    assert snapshot() == before


def test_merge_of_one_order_or_unknown_order_is_refused(api: ApiClient, tee: Sku) -> None:
    order = paid(("TEE-RED-M", 2), buyer=BUYER)
    before = snapshot()
    assert_invalid(api.post("/api/v1/orders/merge", {"numbers": [order.number]}), "numbers")
    assert_invalid(api.post("/api/v1/orders/merge", {"numbers": [order.number, order.number]}), "numbers")
    assert_error(api.post("/api/v1/orders/merge", {"numbers": [order.number, "999"]}), 404, "not_found")
    assert_error(api.post("/api/v1/orders/999/unmerge"), 404, "not_found")
    assert_error(api.post(f"/api/v1/orders/{order.number}/unmerge"), 409, "order_not_merged")
    assert snapshot() == before


@pytest.mark.parametrize(
    ("parts", "paths"),
    [
        ([[{"position": 1, "quantity": 2}]], {"parts"}),
        ([[{"position": 1, "quantity": 1}], []], {"parts[1]", "lines[1]"}),
        ([[{"position": 1, "quantity": 1}], [{"position": 1, "quantity": 2}]], {"lines[1]"}),
        ([[{"position": 1, "quantity": 2}], [{"position": 2, "quantity": 1}]], {"parts[1][0].position"}),
        ([[{"position": 1, "quantity": 2}], [{"position": 1, "quantity": 0}]], {"parts[1][0].quantity"}),
    ],
)
def test_split_that_does_not_add_up_changes_nothing(api: ApiClient, tee: Sku, parts: Any, paths: set[str]) -> None:
    order = paid(("TEE-RED-M", 2))
    before = snapshot()
    assert set(assert_invalid(api.post(f"/api/v1/orders/{order.number}/split", {"parts": parts}), *paths)) == paths
    assert snapshot() == before


def test_split_of_shipped_order_is_refused(api: ApiClient, tee: Sku) -> None:
    order = advance(paid(("TEE-RED-M", 2)), "shipped")
    before = snapshot()
    body = {"parts": [[{"position": 1, "quantity": 1}], [{"position": 1, "quantity": 1}]]}
    assert_error(api.post(f"/api/v1/orders/{order.number}/split", body), 409, "order_not_splittable")
    assert snapshot() == before


def test_warehouse_staff_may_not_merge_or_split(warehouse_user: Any, tee: Sku) -> None:
    client = ApiClient(make_token(warehouse_user))
    first, second = paid(("TEE-RED-M", 1), buyer=BUYER), paid(("TEE-RED-M", 1), buyer=BUYER)
    before = snapshot()
    assert_error(
        client.post("/api/v1/orders/merge", {"numbers": [first.number, second.number]}), 403, "permission_denied"
    )
    body = {"parts": [[{"position": 1, "quantity": 1}], [{"position": 1, "quantity": 1}]]}
    assert_error(client.post(f"/api/v1/orders/{first.number}/split", body), 403, "permission_denied")
    assert snapshot() == before


def test_agent_and_supervisor_may_merge(agent_api: ApiClient, tee: Sku) -> None:
    supervisor_api = ApiClient(make_token(make_user("boss2", "supervisor", "主管")))
    first, second = paid(("TEE-RED-M", 1), buyer=BUYER), paid(("TEE-RED-M", 1), buyer=BUYER)
    merged = agent_api.post("/api/v1/orders/merge", {"numbers": [first.number, second.number]})
    assert merged.status_code == 201
    assert supervisor_api.post(f"/api/v1/orders/{merged.json()['number']}/unmerge").status_code == 200
