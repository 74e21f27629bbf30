"""API tokens (issue 17 A3): expiry, last use, scope (read-only / full / per shop), the
`token` command's options, and a shop limit on a staff user."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from sellerdesk.core.models import ApiToken, TokenScope, User
from sellerdesk.core.tokens import create_token, revoke_token
from sellerdesk.orders.models import Order
from sellerdesk.shops.access import set_user_shops
from sellerdesk.shops.models import Shop, default_shop
from tests.conftest import ApiClient
from tests.factories import make_sku, make_user, place
from tests.support.clock import TEST_NOW


@pytest.fixture
def two_shops(db: Any) -> tuple[Shop, Shop]:
    default = default_shop()
    other = Shop.objects.create(code="jd-store", name="京东店")
    return default, other


@pytest.fixture
def orders(two_shops: tuple[Shop, Shop]) -> tuple[Order, Order]:
    make_sku("TEE")
    here = place(("TEE", 1), shop=two_shops[0].code)
    there = place(("TEE", 1), shop=two_shops[1].code)
    return here, there


def _client(made: Any) -> ApiClient:
    return ApiClient(made.raw)


def test_an_expired_token_is_refused(owner: User, orders: Any) -> None:
    """Issue 17 A3: tokens expire."""
    made = create_token(user=owner, expires_at=TEST_NOW + timedelta(days=1))
    assert _client(made).get("/api/v1/orders").status_code == 200

    with time_machine.travel(TEST_NOW + timedelta(days=1, seconds=1), tick=True):
        response = _client(made).get("/api/v1/orders")

    assert response.status_code == 401


def test_a_token_cannot_be_made_already_expired(owner: User) -> None:
    from sellerdesk.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        create_token(user=owner, expires_at=TEST_NOW - timedelta(minutes=1))
    assert ApiToken.objects.count() == 0


def test_last_use_is_written_at_most_once_a_minute(owner: User, orders: Any) -> None:
    """Issue 17 A3: tokens show when they were last used, without a write per request."""
    made = create_token(user=owner)
    assert made.token.last_used_at is None

    _client(made).get("/api/v1/orders")
    first = ApiToken.objects.get(pk=made.token.pk).last_used_at
    assert first is not None

    with time_machine.travel(TEST_NOW + timedelta(seconds=30), tick=False):
        _client(made).get("/api/v1/orders")
    assert ApiToken.objects.get(pk=made.token.pk).last_used_at == first

    with time_machine.travel(TEST_NOW + timedelta(seconds=200), tick=False):
        _client(made).get("/api/v1/orders")
        assert ApiToken.objects.get(pk=made.token.pk).last_used_at == timezone.now()


def test_a_read_only_token_reads_but_may_not_change_anything(owner: User, orders: tuple[Order, Order]) -> None:
    """Issue 17 A3: scope read-only allows GET only."""
    made = create_token(user=owner, scope=TokenScope.READ_ONLY)
    client = _client(made)
    here = orders[0]

    assert client.get(f"/api/v1/orders/{here.number}").status_code == 200
    response = client.post(f"/api/v1/orders/{here.number}/cancel", {"reason": "test"})

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert Order.objects.get(pk=here.pk).status == here.status


def test_a_token_limited_to_a_shop_sees_and_changes_only_its_orders(
    owner: User, orders: tuple[Order, Order], two_shops: tuple[Shop, Shop]
) -> None:
    """Issue 17 A3: a per-shop token; other shops' orders are not found (404)."""
    here, there = orders
    made = create_token(user=owner, shops=[two_shops[0]])
    client = _client(made)

    listed = client.get("/api/v1/orders").json()
    assert [item["number"] for item in listed["items"]] == [here.number]
    assert client.get(f"/api/v1/orders/{there.number}").status_code == 404
    response = client.post(f"/api/v1/orders/{there.number}/cancel", {"reason": "test"})
    assert response.status_code == 404
    assert Order.objects.get(pk=there.pk).status == there.status
    assert client.post(f"/api/v1/orders/{here.number}/notes", {"text": "ok"}).status_code == 201


def test_a_staff_user_limited_to_a_shop_sees_only_its_orders_in_the_api_and_the_list(
    orders: tuple[Order, Order], two_shops: tuple[Shop, Shop], client: Any
) -> None:
    """Issue 17 A4: ShopAccess limits the staff order list and page, and the orders API."""
    here, there = orders
    agent = make_user("agent", "agent")
    set_user_shops(user=agent, shops=[two_shops[1]])
    api = _client(create_token(user=agent))

    assert [item["number"] for item in api.get("/api/v1/orders").json()["items"]] == [there.number]
    assert api.get(f"/api/v1/orders/{here.number}").status_code == 404

    client.force_login(agent)
    page = client.get("/orders/").content.decode()
    assert there.number in page
    assert here.number not in page
    assert client.get(f"/orders/{here.number}/").status_code == 404
    assert client.get(f"/orders/{there.number}/").status_code == 200

    # No rows: every shop again.
    set_user_shops(user=agent, shops=[])
    assert len(api.get("/api/v1/orders").json()["items"]) == 2


def test_a_token_limited_to_a_shop_its_user_may_not_see_sees_nothing(
    orders: tuple[Order, Order], two_shops: tuple[Shop, Shop]
) -> None:
    agent = make_user("agent", "agent")
    set_user_shops(user=agent, shops=[two_shops[1]])
    api = _client(create_token(user=agent, shops=[two_shops[0]]))

    assert api.get("/api/v1/orders").json()["items"] == []


def test_revoking_a_token_refuses_it(owner: User, orders: Any) -> None:
    made = create_token(user=owner)
    revoke_token(token=made.token, actor=owner)

    assert _client(made).get("/api/v1/orders").status_code == 401


def test_an_agent_may_not_revoke_someone_elses_token(owner: User) -> None:
    from sellerdesk.core.errors import PermissionDenied

    made = create_token(user=owner)
    agent = make_user("agent", "agent")
    with pytest.raises(PermissionDenied):
        revoke_token(token=made.token, actor=agent)
    assert ApiToken.objects.get(pk=made.token.pk).revoked_at is None


def test_the_token_command_takes_a_scope_and_an_expiry(owner: User) -> None:
    """Issue 17 A3: `sellerdesk token create` keeps working, with --scope and --expires."""
    out = io.StringIO()
    call_command("token", "create", owner.username, "--scope", "read_only", "--expires", "30", stdout=out)

    raw = out.getvalue().strip().splitlines()[-1]
    token = ApiToken.objects.get(prefix=raw[:8])
    assert token.scope == TokenScope.READ_ONLY
    assert token.expires_at is not None
    assert timedelta(days=29, hours=23) < token.expires_at - timezone.now() <= timedelta(days=30)

    plain = io.StringIO()
    call_command("token", "create", owner.username, stdout=plain)
    token = ApiToken.objects.get(prefix=plain.getvalue().strip().splitlines()[-1][:8])
    assert (token.scope, token.expires_at) == (TokenScope.FULL, None)


def test_the_exception_queue_shows_a_limited_user_only_their_shops_held_orders(
    owner: User, orders: tuple[Order, Order], two_shops: tuple[Shop, Shop]
) -> None:
    """Issue 17 A4: the shop limit also applies to the exception (review) queue."""
    from sellerdesk.orders.review.actions import hold_order
    from sellerdesk.payments.actions import record_payment

    here, there = orders
    for order in (here, there):
        record_payment(order=order, amount=order.total, method="online", reference=f"P-{order.number}", actor=None)
        hold_order(order=Order.objects.get(pk=order.pk), actor=owner, reason="check")
    held = {order.number for order in Order.objects.filter(holds__isnull=False).distinct()}
    assert held == {here.number, there.number}
    agent = make_user("agent", "agent")
    set_user_shops(user=agent, shops=[two_shops[1]])

    queue = _client(create_token(user=agent)).get("/api/v1/review-queue").json()

    assert [item["number"] for item in queue["items"]] == [there.number]
    assert queue["count"] == 1
