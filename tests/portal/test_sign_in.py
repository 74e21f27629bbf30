"""Signing in to the buyer portal: order number + the phone on it + a one-time code.

Codes are hashed at rest, expire after 10 minutes, die after 5 wrong tries; at most one
code a minute and five an hour per (order, phone); a wrong order or phone reads exactly
like a wrong code."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sellerdesk.notifications.models import OutgoingMessage
from sellerdesk.orders.models import Order
from sellerdesk.portal import auth
from sellerdesk.portal.auth import SignInRefused, TooManyCodes
from sellerdesk.portal.models import SignInCode
from tests.factories import make_sku, place
from tests.support.clock import TEST_NOW

PHONE = "13800138000"


@pytest.fixture
def order() -> Order:
    make_sku("TEE", stock=10)
    return place(("TEE", 1))


def test_a_code_is_recorded_as_an_sms_and_signs_the_buyer_in(order: Order) -> None:
    asked = auth.request_code(order_number=order.number, phone="+86 138-0013-8000", at=TEST_NOW)

    message = OutgoingMessage.objects.get(kind="one_time_code")
    assert (message.channel, message.recipient, message.order_id) == ("sms", PHONE, order.pk)
    # Queued in the outbox, due at once (never held for quiet hours), once per request.
    assert (message.status, message.next_attempt_at, message.transactional) == ("queued", TEST_NOW, True)
    assert message.idempotency_key.startswith(f"one_time_code:{order.number}:")
    assert asked.code is not None and len(asked.code) == 6 and asked.code in message.text
    assert asked.expires_at == TEST_NOW + timedelta(minutes=10)
    stored = SignInCode.objects.get()
    assert asked.code not in stored.code_hash and len(stored.code_hash) == 64

    signed_in = auth.check_code(order_number=order.number, phone=PHONE, code=asked.code, at=TEST_NOW)

    assert signed_in.customer.pk == order.customer_id
    with pytest.raises(SignInRefused):  # used up
        auth.check_code(order_number=order.number, phone=PHONE, code=asked.code, at=TEST_NOW)


def test_a_code_expires_after_10_minutes(order: Order) -> None:
    asked = auth.request_code(order_number=order.number, phone=PHONE, at=TEST_NOW)
    assert asked.code is not None

    with pytest.raises(SignInRefused):
        auth.check_code(order_number=order.number, phone=PHONE, code=asked.code, at=TEST_NOW + timedelta(minutes=10))
    assert auth.check_code(
        order_number=order.number, phone=PHONE, code=asked.code, at=TEST_NOW + timedelta(minutes=9, seconds=59)
    )


def test_five_wrong_codes_kill_the_code(order: Order) -> None:
    asked = auth.request_code(order_number=order.number, phone=PHONE, at=TEST_NOW)
    assert asked.code is not None
    wrong = f"{(int(asked.code) + 1) % 1_000_000:06d}"
    for _attempt in range(4):
        with pytest.raises(SignInRefused) as error:
            auth.check_code(order_number=order.number, phone=PHONE, code=wrong, at=TEST_NOW)
        assert error.value.retry_at is None
    with pytest.raises(SignInRefused) as error:
        auth.check_code(order_number=order.number, phone=PHONE, code=wrong, at=TEST_NOW)
    assert error.value.retry_at == TEST_NOW + timedelta(minutes=1)
    assert error.value.details["retry_after_seconds"] == 60

    with pytest.raises(SignInRefused):  # even the right code now
        auth.check_code(order_number=order.number, phone=PHONE, code=asked.code, at=TEST_NOW)
    assert SignInCode.objects.get().wrong_attempts == 5


def test_one_code_a_minute_and_five_an_hour(order: Order) -> None:
    auth.request_code(order_number=order.number, phone=PHONE, at=TEST_NOW)
    with pytest.raises(TooManyCodes) as error:
        auth.request_code(order_number=order.number, phone=PHONE, at=TEST_NOW + timedelta(seconds=59))
    assert error.value.retry_at == TEST_NOW + timedelta(minutes=1)
    assert error.value.details["retry_after_seconds"] == 1

    for minute in range(1, 5):
        auth.request_code(order_number=order.number, phone=PHONE, at=TEST_NOW + timedelta(minutes=minute))
    with pytest.raises(TooManyCodes) as error:
        auth.request_code(order_number=order.number, phone=PHONE, at=TEST_NOW + timedelta(minutes=30))
    assert error.value.retry_at == TEST_NOW + timedelta(hours=1)
    assert (SignInCode.objects.count(), OutgoingMessage.objects.filter(kind="one_time_code").count()) == (5, 5)

    auth.request_code(order_number=order.number, phone=PHONE, at=TEST_NOW + timedelta(hours=1))
    assert SignInCode.objects.count() == 6


def test_a_wrong_phone_or_order_reads_like_a_wrong_code(order: Order) -> None:
    wrong_phone = auth.request_code(order_number=order.number, phone="13900000000", at=TEST_NOW)
    unknown_order = auth.request_code(order_number="NO-SUCH", phone=PHONE, at=TEST_NOW)

    # The same answer, nothing sent, counted like any other request.
    assert (wrong_phone.expires_at, unknown_order.expires_at) == (TEST_NOW + timedelta(minutes=10),) * 2
    assert (wrong_phone.code, unknown_order.code) == (None, None)
    assert OutgoingMessage.objects.filter(kind="one_time_code").count() == 0
    with pytest.raises(TooManyCodes):
        auth.request_code(order_number="NO-SUCH", phone=PHONE, at=TEST_NOW)
    refusals = []
    for number, phone in ((order.number, "13900000000"), ("NO-SUCH", PHONE)):
        with pytest.raises(SignInRefused) as error:
            auth.check_code(order_number=number, phone=phone, code="123456", at=TEST_NOW)
        refusals.append((error.value.code, error.value.message, error.value.status))
    asked = auth.request_code(order_number=order.number, phone=PHONE, at=TEST_NOW)
    with pytest.raises(SignInRefused) as error:
        auth.check_code(order_number=order.number, phone=PHONE, code="x", at=TEST_NOW)
    assert asked.code
    assert refusals == [(error.value.code, error.value.message, error.value.status)] * 2


def test_a_code_of_one_order_does_not_open_another(order: Order) -> None:
    other = place(("TEE", 1))
    asked = auth.request_code(order_number=order.number, phone=PHONE, at=TEST_NOW)
    assert asked.code is not None

    with pytest.raises(SignInRefused):
        auth.check_code(order_number=other.number, phone=PHONE, code=asked.code, at=TEST_NOW)


def test_two_requests_racing_past_the_check_get_one_code(order: Order, monkeypatch: pytest.MonkeyPatch) -> None:
    # As if a second request had read the codes before the first one's row was written.
    monkeypatch.setattr(auth, "next_code_at", lambda subject, *, now: None)
    auth.request_code(order_number=order.number, phone=PHONE, at=TEST_NOW)

    with pytest.raises(TooManyCodes):
        auth.request_code(order_number=order.number, phone=PHONE, at=TEST_NOW + timedelta(seconds=1))

    assert (SignInCode.objects.count(), OutgoingMessage.objects.filter(kind="one_time_code").count()) == (1, 1)
