"""POST /api/v1/orders/{number}/payments and POST /api/v1/payments/notify/{gateway}."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings

from sellerdesk.catalog.models import Sku
from sellerdesk.customers.models import Customer
from sellerdesk.orders.models import Order
from sellerdesk.payments.models import Payment
from tests.api.helpers import advance, assert_error, assert_invalid, notification, sign, snapshot
from tests.factories import place


def _pay(client: Any, order: Order, amount: str, method: str = "online", reference: str = "", **extra: Any) -> Any:
    return client.post(
        f"/api/v1/orders/{order.number}/payments", {"amount": amount, "method": method, "reference": reference}, **extra
    )


def test_partial_then_full_payment_moves_the_order_to_review(agent_api: Any, unpaid: Order) -> None:
    partial = _pay(agent_api, unpaid, "18.00", "remittance", "BANK-001")

    assert partial.status_code == 201
    assert partial.json()["order"]["status"] == "unpaid"
    assert partial.json()["order"]["paid_amount"] == "18.00"
    assert partial.json()["order"]["payment_status"] == "unpaid"

    full = _pay(agent_api, unpaid, "100.00", "remittance", "BANK-002")

    assert full.status_code == 201
    answer = full.json()
    payment = Payment.objects.get(reference="BANK-002")
    assert {key: answer[key] for key in ("id", "amount", "method", "reference")} == {
        "id": payment.pk,
        "amount": "100.00",
        "method": "remittance",
        "reference": "BANK-002",
    }
    assert answer["received_at"].endswith("+08:00")
    order = answer["order"]
    assert (order["status"], order["payment_status"], order["paid_amount"], order["pay_deadline"]) == (
        "pending_review",
        "paid",
        "118.00",
        None,
    )
    assert Customer.objects.get().total_spent == Decimal("118.00")
    assert [event.type for event in Order.objects.get().events.order_by("at", "pk")] == [
        "placed",
        "payment_recorded",
        "payment_recorded",
        "paid",
    ]
    assert Payment.objects.get(reference="BANK-001").recorded_by.username == "agent"  # type: ignore[union-attr]


def test_online_payment_without_reference_is_fine(agent_api: Any, unpaid: Order) -> None:
    assert _pay(agent_api, unpaid, "118.00").json()["order"]["status"] == "pending_review"


@pytest.mark.parametrize(
    ("amount", "field"),
    [
        ("118.01", "amount"),
        ("0.00", "amount"),
        ("-1.00", "amount"),
        ("abc", "amount"),
        (118.0, "amount"),
        ("1.001", "amount"),
    ],
)
def test_bad_amount_is_422_and_records_nothing(agent_api: Any, unpaid: Order, amount: Any, field: str) -> None:
    before = snapshot()

    assert_invalid(_pay(agent_api, unpaid, amount), field)
    assert snapshot() == before


def test_over_the_balance_after_a_partial_payment_is_422(agent_api: Any, unpaid: Order) -> None:
    _pay(agent_api, unpaid, "100.00", reference="P1")
    before = snapshot()

    fields = assert_invalid(_pay(agent_api, unpaid, "18.01", reference="P2"), "amount")
    assert "18.00" in fields["amount"]
    assert snapshot() == before


def test_remittance_without_reference_is_422(agent_api: Any, unpaid: Order) -> None:
    before = snapshot()

    assert_invalid(_pay(agent_api, unpaid, "18.00", "remittance", "   "), "reference")
    assert snapshot() == before


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"amount", "method"}),
        ({"amount": "1.00", "method": "alipay"}, {"method"}),
        ({"amount": "1.00", "method": "online", "reference": "r" * 101}, {"reference"}),
        ({"amount": "1.00", "method": "online", "reference": 7}, {"reference"}),
        ({"amount": "1.00", "method": "online", "payer": "张三"}, {"payer"}),
    ],
)
def test_bad_payment_fields_are_422(agent_api: Any, unpaid: Order, body: dict[str, Any], fields: set[str]) -> None:
    before = snapshot()

    assert_invalid(agent_api.post(f"/api/v1/orders/{unpaid.number}/payments", body), *fields)
    assert snapshot() == before


def test_duplicate_reference_is_409_duplicate_payment(agent_api: Any, tee: Sku) -> None:
    first, second = place(("TEE-RED-M", 2)), place(("TEE-RED-M", 2))
    _pay(agent_api, first, "18.00", "remittance", "BANK-001")
    before = snapshot()

    response = _pay(agent_api, second, "18.00", "remittance", "BANK-001")

    assert assert_error(response, 409, "duplicate_payment") == {"reference": "BANK-001"}
    assert snapshot() == before


def test_payment_with_the_same_idempotency_key_is_recorded_once(agent_api: Any, unpaid: Order) -> None:
    headers = {"Idempotency-Key": "pay-1"}

    first = _pay(agent_api, unpaid, "18.00", "remittance", "BANK-001", headers=headers)
    again = _pay(agent_api, unpaid, "18.00", "remittance", "BANK-001", headers=headers)

    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json() == again.json()
    assert Payment.objects.count() == 1


@pytest.mark.parametrize("status", ["closed", "pending_review", "completed"])
def test_payment_on_an_order_not_awaiting_payment_is_409(agent_api: Any, unpaid: Order, status: str) -> None:
    advance(unpaid, status)
    before = snapshot()

    response = _pay(agent_api, unpaid, "1.00", reference="LATE")

    assert assert_error(response, 409, "invalid_transition") == {"current_status": status, "action": "pay"}
    assert snapshot() == before


def test_cod_money_is_recorded_after_delivery(agent_api: Any, tee: Sku) -> None:
    order = advance(place(("TEE-RED-M", 1), payment_method="cod", source="cod"), "delivered")

    response = _pay(agent_api, order, "59.00", "cod", "COD-9")

    assert response.status_code == 201
    assert (response.json()["order"]["status"], response.json()["order"]["payment_status"]) == ("delivered", "paid")


def test_payment_on_unknown_order_is_404(agent_api: Any) -> None:
    assert_error(
        agent_api.post("/api/v1/orders/999/payments", {"amount": "1.00", "method": "online"}), 404, "not_found"
    )


# --- gateway notifications ---------------------------------------------------------


def _notify(client: Any, body: bytes, signature: str | None = None, gateway: str = "simulated") -> Any:
    headers = {} if signature is None else {"HTTP_X_SIGNATURE": signature}
    return client.client.post(
        f"/api/v1/payments/notify/{gateway}", data=body, content_type="application/json", **headers
    )


def test_signed_notification_records_the_payment(anonymous_api: Any, unpaid: Order) -> None:
    body = notification(unpaid.number, "118.00", "GW-1")

    response = _notify(anonymous_api, body, sign(body))

    payment = Payment.objects.get()
    assert response.status_code == 200
    assert response.json() == {"status": "recorded", "order": unpaid.number, "payment_id": payment.pk}
    assert (payment.amount, payment.method, payment.gateway, payment.reference, payment.recorded_by) == (
        Decimal("118.00"),
        "online",
        "simulated",
        "GW-1",
        None,
    )
    order = Order.objects.get()
    assert (order.status, order.payment_status, order.paid_amount) == ("pending_review", "paid", Decimal("118.00"))


def test_partial_notification_leaves_the_order_unpaid(anonymous_api: Any, unpaid: Order) -> None:
    body = notification(unpaid.number, "18.00", "GW-1")

    assert _notify(anonymous_api, body, sign(body)).json()["status"] == "recorded"
    order = Order.objects.get()
    assert (order.status, order.paid_amount) == ("unpaid", Decimal("18.00"))


def test_replayed_notification_records_no_second_payment(anonymous_api: Any, unpaid: Order) -> None:
    body = notification(unpaid.number, "18.00", "GW-1")
    first = _notify(anonymous_api, body, sign(body))
    before = snapshot()

    again = _notify(anonymous_api, body, sign(body))

    assert again.status_code == 200
    assert again.json() == {"status": "duplicate", "order": unpaid.number, "payment_id": first.json()["payment_id"]}
    assert snapshot() == before


def test_replay_after_the_order_is_paid_is_still_a_duplicate(anonymous_api: Any, unpaid: Order) -> None:
    body = notification(unpaid.number, "118.00", "GW-1")
    _notify(anonymous_api, body, sign(body))
    before = snapshot()

    again = _notify(anonymous_api, body, sign(body))

    assert (again.status_code, again.json()["status"]) == (200, "duplicate")
    assert snapshot() == before


def test_a_transaction_id_of_another_order_is_409_not_a_duplicate(anonymous_api: Any, unpaid: Order) -> None:
    """Issue 17 B: a transaction id already used by another order is refused as a
    conflict, not accepted as a duplicate."""
    other = place(("TEE-RED-M", 1))
    paid = notification(other.number, "59.00", "GW-1")
    assert _notify(anonymous_api, paid, sign(paid)).json()["status"] == "recorded"
    before = snapshot()
    body = notification(unpaid.number, "118.00", "GW-1")

    response = _notify(anonymous_api, body, sign(body))

    assert assert_error(response, 409, "transaction_conflict") == {"transaction_id": "GW-1"}
    assert "GW-1" in response.json()["message"]
    assert snapshot() == before
    assert Order.objects.get(pk=unpaid.pk).status == "unpaid"


def test_a_transaction_id_recorded_with_another_amount_is_409(anonymous_api: Any, unpaid: Order) -> None:
    """Issue 17 B: the same transaction id for the same order with another amount is no
    replay: refused as a conflict."""
    first = notification(unpaid.number, "18.00", "GW-1")
    _notify(anonymous_api, first, sign(first))
    before = snapshot()
    body = notification(unpaid.number, "100.00", "GW-1")

    assert_error(_notify(anonymous_api, body, sign(body)), 409, "transaction_conflict")
    assert snapshot() == before


@pytest.mark.parametrize("signature", [None, "", "0" * 64, "not-hex", "SIGNED-WITH-ANOTHER-KEY"])
def test_bad_signature_is_401_and_changes_nothing(anonymous_api: Any, unpaid: Order, signature: str | None) -> None:
    body = notification(unpaid.number, "118.00", "GW-1")
    if signature == "SIGNED-WITH-ANOTHER-KEY":
        from sellerdesk.payments.gateways import SimulatedGateway

        signature = SimulatedGateway("another-secret").sign(body)
    before = snapshot()

    response = _notify(anonymous_api, body, signature)

    assert_error(response, 401, "bad_signature")
    assert snapshot() == before


def test_signature_of_another_body_is_401(anonymous_api: Any, unpaid: Order) -> None:
    signed = notification(unpaid.number, "1.00", "GW-1")
    sent = notification(unpaid.number, "118.00", "GW-1")
    before = snapshot()

    assert_error(_notify(anonymous_api, sent, sign(signed)), 401, "bad_signature")
    assert snapshot() == before


def test_unknown_gateway_is_404(anonymous_api: Any, unpaid: Order) -> None:
    body = notification(unpaid.number, "118.00", "GW-1")
    before = snapshot()

    assert_error(_notify(anonymous_api, body, sign(body), gateway="paypal"), 404, "not_found")
    assert snapshot() == before


def test_notification_for_unknown_order_is_404(anonymous_api: Any, unpaid: Order) -> None:
    body = notification("999", "118.00", "GW-1")

    assert_error(_notify(anonymous_api, body, sign(body)), 404, "not_found")
    assert Payment.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"not json", "body"),
        (b"[1, 2]", "body"),
        (b'{"order_number": "1"}', "body"),
        (b"\xff\xfe", "body"),
    ],
)
def test_signed_but_unreadable_notification_is_422(anonymous_api: Any, unpaid: Order, body: bytes, field: str) -> None:
    before = snapshot()

    assert_invalid(_notify(anonymous_api, body, sign(body)), field)
    assert snapshot() == before


@pytest.mark.parametrize("amount", ["0", "-5", "abc", "NaN", "Infinity", "1e999", "1E+30", "118.001"])
def test_signed_notification_with_a_bad_amount_is_422(anonymous_api: Any, unpaid: Order, amount: str) -> None:
    body = notification(unpaid.number, amount, "GW-1")
    before = snapshot()

    response = _notify(anonymous_api, body, sign(body))

    assert response.status_code == 422, response.content
    assert snapshot() == before


def test_signed_notification_without_transaction_id_is_422(anonymous_api: Any, unpaid: Order) -> None:
    body = notification(unpaid.number, "18.00", "")
    before = snapshot()

    assert_invalid(_notify(anonymous_api, body, sign(body)), "transaction_id")
    assert snapshot() == before


def test_notification_over_the_balance_is_422(anonymous_api: Any, unpaid: Order) -> None:
    body = notification(unpaid.number, "500.00", "GW-1")
    before = snapshot()

    assert_invalid(_notify(anonymous_api, body, sign(body)), "amount")
    assert snapshot() == before


def test_notification_for_a_closed_order_is_409(anonymous_api: Any, unpaid: Order) -> None:
    advance(unpaid, "closed")
    body = notification(unpaid.number, "118.00", "GW-1")
    before = snapshot()

    assert_error(_notify(anonymous_api, body, sign(body)), 409, "invalid_transition")
    assert snapshot() == before


def test_huge_notification_is_413(anonymous_api: Any, unpaid: Order) -> None:
    body = b" " * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)

    assert_error(_notify(anonymous_api, body, sign(body)), 413, "body_too_large")
    assert Payment.objects.count() == 0


def test_gateway_secret_comes_from_settings(anonymous_api: Any, unpaid: Order, settings: Any) -> None:
    settings.SELLERDESK = {**settings.SELLERDESK, "GATEWAY_SECRETS": {"simulated": "rotated"}}
    from sellerdesk.payments.gateways import SimulatedGateway

    body = notification(unpaid.number, "118.00", "GW-1")

    assert _notify(anonymous_api, body, SimulatedGateway("rotated").sign(body)).status_code == 200
