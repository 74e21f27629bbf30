"""/api/v1/orders/views: a user's saved views of the order list through the API, the same
as on the page (orders.saved_views), and GET /api/v1/orders?view= selecting with one."""

from __future__ import annotations

from typing import Any

from sellerdesk.catalog.models import Sku
from sellerdesk.core.models import ApiToken, TokenScope, hash_token
from sellerdesk.orders.models import SavedView
from tests.api.helpers import advance, assert_error, assert_invalid
from tests.conftest import ApiClient
from tests.factories import place


def test_a_view_is_saved_listed_applied_and_deleted(api: Any, agent_api: Any, tee: Sku) -> None:
    waiting = place(("TEE-RED-M", 1))
    advance(place(("TEE-RED-M", 1)), "pending_review")
    paid = advance(place(("TEE-RED-M", 1)), "pending_review")

    created = api.post("/api/v1/orders/views", {"name": " 待审核 ", "query": "status=pending_review&page=3&evil=1"})

    assert created.status_code == 201, created.content
    view = created.json()
    assert (view["name"], view["query"]) == ("待审核", "status=pending_review")
    assert api.get("/api/v1/orders/views").json() == [view]
    assert agent_api.get("/api/v1/orders/views").json() == []
    selected = api.get("/api/v1/orders", view=view["id"], status="unpaid").json()
    assert selected["count"] == 2  # the view's filters, not the others given
    assert paid.number in {order["number"] for order in selected["items"]}
    assert waiting.number not in {order["number"] for order in selected["items"]}
    # another user's view is not found, to list with and to delete
    assert_error(agent_api.get("/api/v1/orders", view=view["id"]), 404, "not_found")
    assert_error(agent_api.delete(f"/api/v1/orders/views/{view['id']}"), 404, "not_found")
    assert api.delete(f"/api/v1/orders/views/{view['id']}").status_code == 204
    assert api.get("/api/v1/orders/views").json() == []
    assert_error(api.get("/api/v1/orders", view=view["id"]), 404, "not_found")


def test_a_bad_view_is_refused_and_nothing_is_saved(api: Any, owner: Any) -> None:
    assert api.post("/api/v1/orders/views", {"name": "今天", "query": "status=unpaid"}).status_code == 201

    assert_invalid(api.post("/api/v1/orders/views", {"name": "今天", "query": ""}), "name")
    assert_invalid(api.post("/api/v1/orders/views", {"name": "   "}), "name")
    assert_error(api.post("/api/v1/orders/views", {"name": "x" * 41}), 422, "validation_error")
    assert_error(api.post("/api/v1/orders/views", {"name": "多", "colour": "red"}), 422, "validation_error")
    assert_error(api.delete("/api/v1/orders/views/0"), 422, "validation_error")
    assert_error(api.delete(f"/api/v1/orders/views/{2**63}"), 422, "validation_error")
    assert_error(api.delete(f"/api/v1/orders/views/{2**63 - 1}"), 404, "not_found")

    assert list(SavedView.objects.values_list("user", "name", "query")) == [(owner.pk, "今天", "status=unpaid")]


def test_a_stale_view_says_its_filters_no_longer_read(api: Any, owner: Any) -> None:
    stale = SavedView.objects.create(user=owner, name="旧的", query="status=gone&date_from=2020-13-40")

    fields = assert_invalid(api.get("/api/v1/orders", view=stale.pk), "view.status", "view.date_from")

    assert all(fields.values())


def test_a_read_only_token_lists_views_but_saves_none(owner: Any) -> None:
    raw = ApiToken.generate()
    ApiToken.objects.create(user=owner, key_hash=hash_token(raw), prefix=raw[:8], scope=TokenScope.READ_ONLY)
    reader = ApiClient(raw)

    assert reader.get("/api/v1/orders/views").status_code == 200
    assert reader.post("/api/v1/orders/views", {"name": "不行"}).status_code == 403
    assert not SavedView.objects.exists()
