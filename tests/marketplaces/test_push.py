"""Signed order pushes (marketplaces.push and POST /api/v1/marketplace-push/{connector}):
signatures checked over the raw body, the same message any number of times handled
once, snapshots in any order ending as the newest says, and no body a 500."""

from __future__ import annotations

import json
from datetime import timedelta
from itertools import permutations
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from sellerdesk.core.errors import ValidationFailed
from sellerdesk.marketplaces import push
from sellerdesk.marketplaces.connectors import signed
from sellerdesk.marketplaces.models import Connection, MarketplaceOrder, PushedOrderMessage
from sellerdesk.orders.models import Order
from sellerdesk.payments.models import Payment
from sellerdesk.shops.models import Shop
from tests.api.helpers import default_shop  # noqa: F401  (autouse)
from tests.marketplaces.connector_helpers import (
    SECRET,
    T0,
    connected_tmall,
    market_json,
    push_body,
    signature,
    use_simulated_marketplace,
)

URL = "/api/v1/marketplace-push/simulated"


@pytest.fixture
def tmall(db: Any, settings: Any, tmp_path: Path) -> Shop:
    use_simulated_marketplace(tmp_path)
    return connected_tmall()


def receive(body: bytes, sign_with: str | None = SECRET) -> push.PushResult:
    return push.receive_push(body=body, signature=signed(body, sign_with) if sign_with else "", at=T0)


def state() -> list[tuple[Any, ...]]:
    """Every order of the tmall shop and what the marketplace last said of it."""
    orders = Order.objects.filter(shop__code="tmall").order_by("pk")
    return [
        (
            order.external_id,
            order.status,
            order.payment_status,
            str(order.paid_amount),
            *MarketplaceOrder.objects.filter(order=order).values_list("status", "refund", "modified_at").get(),
        )
        for order in orders
    ]


def test_a_signed_push_creates_the_paid_order_and_the_same_message_again_does_nothing(tmall: Shop) -> None:
    body = push_body("TMC-1")

    first = receive(body)

    assert (first.duplicate, first.outcome) == (False, "created")
    order = Order.objects.get(shop=tmall, external_id="4001")
    assert (order.source, order.status, order.payment_status) == ("marketplace", "pending_review", "paid")
    assert first.message.detail == {"order": order.number}
    before = state()
    for _ in range(3):
        again = receive(body)
        assert (again.duplicate, again.message.pk, again.outcome) == (True, first.message.pk, "created")
    assert state() == before
    assert PushedOrderMessage.objects.count() == 1
    # The same snapshot under a new message id (the marketplace's resend) is "unchanged".
    assert receive(push_body("TMC-2")).outcome == "unchanged"
    assert state() == before


@pytest.mark.parametrize(
    "how",
    ["no signature", "other secret", "body changed after signing", "no secret configured"],
)
def test_a_push_not_signed_with_the_secret_is_refused_and_nothing_written(tmall: Shop, settings: Any, how: str) -> None:
    body = push_body()
    sent, header = body, signature(body)
    if how == "no signature":
        header = ""
    elif how == "other secret":
        header = signed(body, "not-the-secret")
    elif how == "body changed after signing":
        sent = body.replace(b"118.00", b"1.00")
    else:
        settings.SELLERDESK = {
            **settings.SELLERDESK,
            "MARKETPLACES": {**settings.SELLERDESK["MARKETPLACES"], "PUSH_SECRET": ""},
        }

    with pytest.raises(push.InvalidSignature):
        push.receive_push(body=sent, signature=header, at=T0)

    response = Client().post(URL, data=sent, content_type="application/json", HTTP_X_SELLERDESK_SIGNATURE=header)
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_signature"
    assert (Order.objects.count(), PushedOrderMessage.objects.count()) == (0, 0)


def test_the_signature_is_taken_in_any_case_and_an_unknown_connector_is_401(tmall: Shop) -> None:
    body = push_body()
    response = Client().post(
        URL, data=body, content_type="application/json", HTTP_X_SELLERDESK_SIGNATURE=signature(body).upper()
    )
    assert response.status_code == 200
    assert response.json() == {
        "message_id": "TMC-1",
        "external_id": "4001",
        "outcome": "created",
        "order": Order.objects.get().number,
        "duplicate": False,
    }
    response = Client().post(
        "/api/v1/marketplace-push/nobody",
        data=body,
        content_type="application/json",
        HTTP_X_SELLERDESK_SIGNATURE=signature(body),
    )
    assert response.status_code == 401


def _bad(**changes: Any) -> bytes:
    payload = json.loads(push_body())
    for path, value in changes.items():
        target = payload
        *parents, last = path.split("__")
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        if value is KeyError:
            del target[last]
        else:
            target[last] = value
    # ASCII escapes: a lone surrogate travels as "\\ud800", as a marketplace would send it.
    return json.dumps(payload).encode()


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        (b"", {"body"}),
        (b"\xff\xfe not utf-8", {"body"}),
        (b"[1, 2]", {"body"}),
        (b'{"shop": "tmall", "message_id": "M", "order": {"paid_amount": NaN}}', {"body"}),
        (_bad(message_id=""), {"message_id"}),
        (_bad(message_id=7), {"message_id"}),
        (_bad(order=None), {"order"}),
        (_bad(order__status="shipped-ish"), {"order.status"}),
        (_bad(order__modified_at=KeyError), {"order.modified_at"}),
        (_bad(order__modified_at="yesterday"), {"order.modified_at"}),
        (_bad(order__modified_at="0001-01-01T00:00:00"), {"order.modified_at"}),
        (_bad(order__paid_amount="1e3"), {"order.paid_amount"}),
        (_bad(order__paid_amount="-1.00"), {"order.paid_amount"}),
        (_bad(order__paid_amount="1.001"), {"order.paid_amount"}),
        (_bad(order__paid_amount=True), {"order.paid_amount"}),
        (_bad(order__lines=[]), {"order.lines"}),
        (_bad(order__lines__0__quantity=0), {"order.lines[0].quantity"}),
        (_bad(order__lines__0__quantity="2"), {"order.lines[0].quantity"}),
        (_bad(order__lines__0__sku_code=""), {"order.lines[0].sku_code"}),
        (
            _bad(order__external_id="x" * 65, order__receiver_name="\ud800"),
            {"order.external_id", "order.receiver_name"},
        ),
    ],
)
def test_a_malformed_push_is_422_naming_its_fields_and_nothing_written(
    tmall: Shop, body: bytes, fields: set[str]
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        push.receive_push(body=body, signature=signature(body), at=T0)
    assert set(refused.value.fields) == fields

    response = Client().post(
        URL, data=body, content_type="application/json", HTTP_X_SELLERDESK_SIGNATURE=signature(body)
    )
    assert response.status_code == 422
    assert set(response.json()["details"]["fields"]) == fields
    assert (Order.objects.count(), PushedOrderMessage.objects.count()) == (0, 0)


def test_a_shop_unknown_or_not_connected_is_422(tmall: Shop) -> None:
    Connection.objects.filter(shop=tmall).update(is_active=False)
    for body in (push_body(), push_body(shop="nowhere")):
        with pytest.raises(ValidationFailed) as refused:
            receive(body)
        assert set(refused.value.fields) == {"shop"}
    assert (Order.objects.count(), PushedOrderMessage.objects.count()) == (0, 0)


def test_an_older_snapshot_after_a_newer_one_changes_nothing(tmall: Shop) -> None:
    paid = push_body("TMC-1", minutes=1)
    cancelled = push_body("TMC-2", minutes=5, status="cancelled", paid_amount="0.00")

    # The cancellation arrives first: an order we never had is not created, and the older
    # "paid" snapshot that follows is stale.
    assert receive(cancelled).outcome == "skipped"
    late = receive(paid)

    assert late.outcome == "stale"
    assert late.message.detail == {"newer_message": "TMC-2"}
    assert Order.objects.count() == 0


def test_snapshots_in_order_move_the_order_and_an_old_one_resent_is_stale(tmall: Shop) -> None:
    assert receive(push_body("TMC-1", minutes=1)).outcome == "created"
    assert receive(push_body("TMC-2", minutes=5, status="cancelled")).outcome == "updated"
    closed = state()
    assert [row[:2] for row in closed] == [("4001", "closed")]

    assert receive(push_body("TMC-3", minutes=1)).outcome == "stale"
    assert state() == closed


UNPAID = {"status": "unpaid", "paid_amount": "0.00", "paid_at": None}


def test_an_unpaid_push_creates_the_order_awaiting_payment_and_the_paid_one_pays_it(tmall: Shop) -> None:
    assert receive(push_body("TMC-1", minutes=1, **UNPAID)).outcome == "created"
    assert state() == [("4001", "unpaid", "unpaid", "0.00", "unpaid", "", T0 + timedelta(minutes=1))]

    assert receive(push_body("TMC-2", minutes=2)).outcome == "updated"

    assert state() == [("4001", "pending_review", "paid", "118.00", "paid", "", T0 + timedelta(minutes=2))]
    # The unpaid snapshot arriving again under a new id (a resend) is older: stale.
    assert receive(push_body("TMC-3", minutes=1, **UNPAID)).outcome == "stale"
    assert Payment.objects.filter(order__shop=tmall).count() == 1


def test_the_paid_push_before_the_unpaid_one_creates_the_paid_order_and_the_unpaid_is_stale(tmall: Shop) -> None:
    assert receive(push_body("TMC-2", minutes=2)).outcome == "created"
    assert receive(push_body("TMC-1", minutes=1, **UNPAID)).outcome == "stale"

    assert state() == [("4001", "pending_review", "paid", "118.00", "paid", "", T0 + timedelta(minutes=2))]


SNAPSHOTS: dict[str, dict[str, Any]] = {
    "TMC-1": {"minutes": 1},
    "TMC-2": {"minutes": 2, "refund": "requested", "buyer_message": "不要了"},
    "TMC-3": {"minutes": 3, "refund": "requested", "buyer_message": "不要了", "seller_memo": "已联系买家"},
}


@pytest.mark.parametrize("arrival", list(permutations(SNAPSHOTS)))
def test_any_arrival_order_any_number_of_times_ends_in_one_order_and_replays_change_nothing(
    tmall: Shop, arrival: tuple[str, ...]
) -> None:
    outcomes = [receive(push_body(message, **SNAPSHOTS[message])).outcome for message in arrival]

    assert outcomes[0] == "created"
    # Whatever came after a newer snapshot was stale.
    newest_so_far = ""
    for message, outcome in zip(arrival, outcomes, strict=True):
        if message < newest_so_far:
            assert outcome == "stale", (arrival, outcomes)
        newest_so_far = max(newest_so_far, message)
    assert Order.objects.count() == 1
    after = state()
    for message in reversed(arrival):
        assert receive(push_body(message, **SNAPSHOTS[message])).duplicate
    assert state() == after
    assert PushedOrderMessage.objects.count() == 3


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)
ORDER_KEYS = st.sampled_from(sorted(market_json()))


@st.composite
def bodies(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["bytes", "json", "field", "line"]))
    if kind == "bytes":
        return draw(st.binary(max_size=200))
    if kind == "json":
        return json.dumps(draw(JSON)).encode()
    payload = json.loads(push_body(draw(st.text(min_size=1, max_size=8))))
    if kind == "field":
        payload["order"][draw(ORDER_KEYS)] = draw(JSON)
    else:
        payload["order"]["lines"][0][draw(st.sampled_from(["sku_code", "quantity", "unit_price", "title"]))] = draw(
            JSON
        )
    return json.dumps(payload, ensure_ascii=False).encode()


@hypothesis_settings(
    max_examples=120,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=bodies(), signed_right=st.booleans())
def test_no_body_is_a_500(tmall: Shop, body: bytes, signed_right: bool) -> None:
    header = signature(body) if signed_right else "0" * 64
    with transaction.atomic():
        response = Client().post(URL, data=body, content_type="application/json", HTTP_X_SELLERDESK_SIGNATURE=header)
        assert response.status_code in ((200, 422) if signed_right else (401,)), response.content
        transaction.set_rollback(True)
