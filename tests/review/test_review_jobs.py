"""Review of the whole queue in batches and as a background run; review settings per
shop through the API; approving a held order; the supervisor-only price hold."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from sellerdesk.catalog.models import PriceList, PriceListItem, Sku
from sellerdesk.core.errors import Conflict
from sellerdesk.core.models import User
from sellerdesk.notifications.models import OutgoingMessage
from sellerdesk.orders.models import Order, OrderEvent, OrderHold, ReviewRun
from sellerdesk.orders.review import actions as review
from sellerdesk.orders.review import runs
from sellerdesk.shops.models import ReviewSettings, Shop
from tests.api.helpers import snapshot
from tests.conftest import ApiClient
from tests.factories import make_token
from tests.review.conftest import AFTER_BUFFER, paid


def _statuses(orders: list[Order]) -> list[str]:
    return [Order.objects.get(pk=order.pk).status for order in orders]


# --- review_batch -----------------------------------------------------------------------


def test_a_batch_approves_clean_orders_and_holds_the_others_like_one_by_one(
    tee: Sku, django_capture_on_commit_callbacks: Any
) -> None:
    clean = [paid(("TEE-RED-M", 1)) for _ in range(3)]
    large = paid(("TEE-RED-M", 60))  # above the 50-item threshold
    early = paid(("TEE-RED-M", 1), at=AFTER_BUFFER)  # still in its hold buffer

    with django_capture_on_commit_callbacks(execute=True):
        result = review.review_batch(order_ids=[o.pk for o in [*clean, large, early]], now=AFTER_BUFFER)

    assert (result.approved, result.held, result.reviewed) == (3, 1, 0)
    assert _statuses([*clean, large, early]) == ["approved"] * 3 + ["on_hold", "pending_review"]
    approved_events = OrderEvent.objects.filter(order__in=clean, type="approved")
    assert (
        sorted(e.data["status_before"] + ">" + e.data["status_after"] for e in approved_events)
        == ["pending_review>approved"] * 3
    )
    assert all(e.data["automatic"] and "stock" in e.data["rules_passed"] for e in approved_events)
    # One confirmation per approved order on each of the shop's channels (chat, portal).
    confirmations = OutgoingMessage.objects.filter(kind="order_confirmation")
    assert sorted(confirmations.values_list("order_id", "channel")) == sorted(
        (o.pk, channel) for o in clean for channel in ("im", "in_site")
    )
    assert list(OrderHold.objects.values_list("order_id", "reason")) == [(large.pk, "large_order")]


def test_a_batch_twice_reviews_nothing_twice(tee: Sku, django_capture_on_commit_callbacks: Any) -> None:
    order = paid(("TEE-RED-M", 1))
    with django_capture_on_commit_callbacks(execute=True):
        review.review_batch(order_ids=[order.pk], now=AFTER_BUFFER)

    with django_capture_on_commit_callbacks(execute=True):
        again = review.review_batch(order_ids=[order.pk], now=AFTER_BUFFER)

    assert (again.approved, again.held, again.reviewed) == (0, 0, 0)
    assert OrderEvent.objects.filter(order=order, type="approved").count() == 1
    assert OutgoingMessage.objects.filter(order=order, kind="order_confirmation").count() == 2  # chat, portal
    assert OutgoingMessage.objects.filter(order=order).count() == 3  # and "payment received" (portal)


def test_a_shop_without_auto_approve_only_marks_clean_orders_reviewed(tee: Sku) -> None:
    order = paid(("TEE-RED-M", 1))
    ReviewSettings.objects.update_or_create(shop=order.shop, defaults={"auto_approve": False})

    result = review.review_batch(order_ids=[order.pk], now=AFTER_BUFFER)

    assert (result.approved, result.reviewed) == (0, 1)
    order.refresh_from_db()
    assert (order.status, order.reviewed_at) == ("pending_review", AFTER_BUFFER)
    assert list(OrderEvent.objects.filter(order=order, type="reviewed").values_list("type", flat=True)) == ["reviewed"]


# --- review runs ------------------------------------------------------------------------


def test_a_run_reviews_the_whole_queue_in_batches_and_records_progress(tee: Sku, settings: Any, owner: User) -> None:
    settings.SELLERDESK = {**settings.SELLERDESK, "SWEEP_BATCH_SIZE": 4}
    orders = [paid(("TEE-RED-M", 1)) for _ in range(9)] + [paid(("TEE-RED-M", 60))]

    run = runs.start_review_run(actor=owner, at=AFTER_BUFFER)
    assert (run.status, run.total, run.done, run.percent) == ("queued", 10, 0, 0)

    finished = runs.execute_review_run(run.pk)

    assert (finished.status, finished.total, finished.done, finished.approved, finished.held) == ("done", 10, 10, 9, 1)
    assert finished.percent == 100 and finished.finished_at is not None
    assert sorted(_statuses(orders)) == ["approved"] * 9 + ["on_hold"]


def test_a_forced_run_reviews_orders_still_in_their_hold_buffer(tee: Sku, owner: User) -> None:
    order = paid(("TEE-RED-M", 1), at=AFTER_BUFFER)

    run = runs.start_review_run(actor=owner, force=True, at=AFTER_BUFFER)
    runs.execute_review_run(run.pk, force=True)

    assert _statuses([order]) == ["approved"]


def test_a_second_run_while_one_is_queued_is_a_conflict(tee: Sku, owner: User) -> None:
    paid(("TEE-RED-M", 1))
    first = runs.start_review_run(actor=owner, at=AFTER_BUFFER)

    with pytest.raises(Conflict) as raised:
        runs.start_review_run(actor=owner, at=AFTER_BUFFER)

    assert raised.value.details == {"run": first.pk}
    assert ReviewRun.objects.count() == 1


def test_a_run_is_executed_once_even_when_enqueued_twice(tee: Sku, owner: User) -> None:
    paid(("TEE-RED-M", 1))
    run = runs.start_review_run(actor=owner, at=AFTER_BUFFER)
    runs.execute_review_run(run.pk)

    again = runs.execute_review_run(run.pk)

    assert (again.status, again.done, again.approved) == ("done", 1, 1)


def test_runs_through_the_api(api: ApiClient, tee: Sku) -> None:
    paid(("TEE-RED-M", 1))

    started = api.post("/api/v1/review-runs", {})
    assert started.status_code == 202
    body = started.json()
    assert (body["status"], body["total"], body["done"], body["percent"]) == ("queued", 1, 0, 0)
    runs.execute_review_run(body["id"])

    polled = api.get(f"/api/v1/review-runs/{body['id']}")
    assert (polled.status_code, polled.json()["status"], polled.json()["approved"]) == (200, "done", 1)


@pytest.mark.parametrize(
    ("body", "status"),
    [({"shop": "nope"}, 404), ({"include_hold_buffer": "yes"}, 422), ({"extra": 1}, 422), ({"shop": ""}, 422)],
)
def test_a_bad_run_request_starts_nothing(api: ApiClient, tee: Sku, body: dict[str, Any], status: int) -> None:
    response = api.post("/api/v1/review-runs", body)

    assert response.status_code == status
    assert ReviewRun.objects.count() == 0


def test_a_warehouse_user_may_not_start_a_run(warehouse_api: ApiClient, tee: Sku) -> None:
    response = warehouse_api.post("/api/v1/review-runs", {})

    assert response.status_code == 403
    assert ReviewRun.objects.count() == 0


def test_an_unknown_run_is_a_404(api: ApiClient) -> None:
    assert api.get("/api/v1/review-runs/999").status_code == 404


# --- review settings --------------------------------------------------------------------


def test_review_settings_list_every_rule_with_its_state(api: ApiClient) -> None:
    response = api.get("/api/v1/shops/main/review-settings")

    assert response.status_code == 200
    body = response.json()
    assert [rule["code"] for rule in body["rules"] if not rule["enabled"]] == []
    assert {"stock", "price", "address", "carrier", "credit", "cod_risk"} <= {rule["code"] for rule in body["rules"]}
    assert (body["hold_buffer_minutes"], body["auto_approve"], body["max_order_total"]) == (30, True, "5000.00")


def test_switching_rules_and_thresholds(api: ApiClient) -> None:
    codes = [rule["code"] for rule in api.get("/api/v1/shops/main/review-settings").json()["rules"]]
    enabled = [code for code in codes if code not in {"price", "cod_risk"}]

    response = api.put(
        "/api/v1/shops/main/review-settings",
        {"enabled_rules": enabled, "hold_buffer_minutes": 10, "max_order_total": "800.50", "merge_automatically": True},
    )

    assert response.status_code == 200
    settings = ReviewSettings.objects.get(shop__code="main")
    assert sorted(settings.disabled_rules) == ["cod_risk", "price"]
    assert (settings.hold_buffer_minutes, settings.max_order_total, settings.merge_automatically) == (
        10,
        Decimal("800.50"),
        True,
    )
    assert {rule["code"]: rule["enabled"] for rule in response.json()["rules"]}["price"] is False


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"enabled_rules": ["stock", "teleport"]}, "enabled_rules"),
        ({"hold_buffer_minutes": -1}, "hold_buffer_minutes"),
        ({"hold_buffer_minutes": 10_000_000}, "hold_buffer_minutes"),
        ({"max_total_quantity": 0}, "max_total_quantity"),
        ({"max_order_total": "0"}, "max_order_total"),
        ({"merge_window_hours": 0}, "merge_window_hours"),
    ],
)
def test_bad_settings_change_nothing(api: ApiClient, body: dict[str, Any], field: str) -> None:
    api.get("/api/v1/shops/main/review-settings")  # made with the defaults
    before = list(ReviewSettings.objects.values())

    response = api.put("/api/v1/shops/main/review-settings", {"hold_buffer_minutes": 5, **body})

    assert response.status_code == 422
    assert field in response.json()["details"]["fields"]
    assert list(ReviewSettings.objects.values()) == before


@pytest.mark.parametrize("body", [{"auto_approve": "yes"}, {"unknown": 1}, {"hold_buffer_minutes": 1.5}])
def test_malformed_settings_bodies_are_422(api: ApiClient, body: dict[str, Any]) -> None:
    assert api.put("/api/v1/shops/main/review-settings", body).status_code == 422


def test_an_agent_may_read_but_not_change_settings(agent_api: ApiClient) -> None:
    assert agent_api.get("/api/v1/shops/main/review-settings").status_code == 200

    response = agent_api.put("/api/v1/shops/main/review-settings", {"hold_buffer_minutes": 1})

    assert response.status_code == 403
    assert ReviewSettings.objects.get(shop__code="main").hold_buffer_minutes == 30


def test_settings_of_an_unknown_shop_are_a_404(api: ApiClient) -> None:
    assert api.get("/api/v1/shops/nope/review-settings").status_code == 404
    assert api.put("/api/v1/shops/nope/review-settings", {}).status_code == 404


# --- approving held orders, and the supervisor-only price hold -------------------------------


def _price_held(tee: Sku) -> Order:
    price_list = PriceList.objects.create(name="批发价")
    PriceListItem.objects.create(price_list=price_list, sku=tee, min_quantity=10, unit_price=Decimal("50.00"))
    order = paid(("TEE-RED-M", 12))
    review.review_order(order_id=order.pk, now=AFTER_BUFFER)
    order.refresh_from_db()
    assert order.status == "on_hold"
    return order


def test_approve_on_a_held_order_resolves_its_holds(api: ApiClient, tee: Sku) -> None:
    order = paid(("TEE-RED-M", 60))
    review.review_order(order_id=order.pk, now=AFTER_BUFFER)

    response = api.post(f"/api/v1/orders/{order.number}/approve")

    assert (response.status_code, response.json()["status"]) == (200, "approved")
    assert list(OrderHold.objects.filter(order=order, resolved_at__isnull=True)) == []
    event = OrderEvent.objects.get(order=order, type="approved")
    assert event.data["released"] == ["large_order"]


def test_an_agent_may_not_release_a_price_hold(agent_api: ApiClient, tee: Sku) -> None:
    order = _price_held(tee)
    before = snapshot()

    for path, body in (
        (f"/api/v1/orders/{order.number}/release", {"note": "ok"}),
        (f"/api/v1/orders/{order.number}/approve", None),
    ):
        response = agent_api.post(path, body)
        assert (response.status_code, response.json()["details"]) == (403, {"permission": "orders.release_price"})

    assert snapshot() == before
    assert OrderHold.objects.get(order=order).resolved_at is None


def test_a_supervisor_releases_a_price_hold(supervisor: User, tee: Sku) -> None:
    order = _price_held(tee)

    response = ApiClient(make_token(supervisor)).post(f"/api/v1/orders/{order.number}/release", {"note": "老客户 特价"})

    assert (response.status_code, response.json()["status"]) == (200, "approved")
    hold = OrderHold.objects.get(order=order)
    assert (hold.resolved_by, hold.resolution) == (supervisor, "老客户 特价")


def test_an_agent_still_releases_other_holds(agent_api: ApiClient, tee: Sku) -> None:
    order = paid(("TEE-RED-M", 60))
    review.review_order(order_id=order.pk, now=AFTER_BUFFER)

    response = agent_api.post(f"/api/v1/orders/{order.number}/release", {"note": "批发客户"})

    assert (response.status_code, response.json()["status"]) == (200, "approved")


# --- allocation settings per shop ---------------------------------------------------------


def test_allocation_settings_through_the_api(api: ApiClient) -> None:
    assert api.get("/api/v1/shops/main/allocation-settings").json() == {
        "shop": "main",
        "strategy": "region_priority",
        "is_b2b": False,
        "strategies": ["priority_only", "region_priority"],
    }

    response = api.put("/api/v1/shops/main/allocation-settings", {"strategy": "priority_only", "is_b2b": True})

    assert (response.status_code, response.json()["strategy"], response.json()["is_b2b"]) == (
        200,
        "priority_only",
        True,
    )


@pytest.mark.parametrize(
    ("body", "status"), [({"strategy": "random"}, 422), ({"is_b2b": "yes"}, 422), ({"extra": 1}, 422)]
)
def test_bad_allocation_settings_change_nothing(api: ApiClient, body: dict[str, Any], status: int) -> None:
    response = api.put("/api/v1/shops/main/allocation-settings", body)

    assert response.status_code == status
    shop = Shop.objects.get(code="main")
    assert (shop.allocation_strategy, shop.is_b2b) == ("region_priority", False)


def test_an_agent_may_not_change_allocation_settings(agent_api: ApiClient) -> None:
    response = agent_api.put("/api/v1/shops/main/allocation-settings", {"is_b2b": True})

    assert response.status_code == 403
    assert Shop.objects.get(code="main").is_b2b is False
