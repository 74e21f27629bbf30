"""Issue 17 B: bad input gets a clear 4xx and nothing written — never a 500, never a
silent wrong answer. One money reader and one date reader (core.money, core.dates) for
forms, API and importers; request bodies and JSON nesting bounded (core.limits); the
importers read through core.tables."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import translation

from sellerdesk.catalog.models import PriceList
from sellerdesk.catalog.pricing import actions as pricing_actions
from sellerdesk.core import dates, money
from sellerdesk.core.errors import ValidationFailed
from sellerdesk.core.forms import MoneyField
from sellerdesk.logistics.models import TrackingEvent
from sellerdesk.orders.forms import PricesForm
from sellerdesk.orders.forms_entry import PostedLine, check_lines
from sellerdesk.orders.models import Order
from tests.api.helpers import assert_invalid, default_shop, order_body, snapshot  # noqa: F401  (autouse)
from tests.factories import make_sku, place
from tests.support.clock import TEST_NOW

# --- money ---------------------------------------------------------------------------------

NOT_MONEY = ["1e3", "1E3", "1e-2", "NaN", "nan", "Infinity", "-Infinity", "inf", "sNaN", "0x10", "1_000", "5 0", ""]


@pytest.mark.parametrize("text", NOT_MONEY)
def test_the_money_reader_refuses_exponents_nan_and_infinity(text: str) -> None:
    """Issue 17 B: "1e3" was accepted as an amount (Decimal reads it as 1000)."""
    with pytest.raises(money.NotMoney):
        money.parse_money(text)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("59", "59.00"), ("59.5", "59.50"), (" 0.01 ", "0.01"), (12, "12.00"), (Decimal("3.10"), "3.10")],
)
def test_the_money_reader_takes_plain_amounts(value: Any, expected: str) -> None:
    assert money.parse_money(value) == Decimal(expected)


def test_the_money_reader_takes_currency_marks_only_when_asked() -> None:
    assert money.parse_money("¥1,299.00", currency_marks=True) == Decimal("1299.00")
    with pytest.raises(money.NotMoney):
        money.parse_money("¥1,299.00")
    with pytest.raises(money.NotMoney):
        money.parse_money("1,29", currency_marks=True)


@pytest.mark.parametrize("value", [1.5, True, None, [], {"a": 1}, Decimal("NaN"), Decimal("Infinity"), "1.001", "-1"])
def test_the_money_reader_refuses_floats_and_odd_values(value: Any) -> None:
    with pytest.raises(money.NotMoney):
        money.parse_money(value)


@pytest.mark.parametrize("text", ["1e3", "NaN", "Infinity"])
def test_a_money_form_field_refuses_what_the_api_refuses(text: str) -> None:
    """Issue 17 B: Django's DecimalField took "1e3" as 1000.00; the forms read money with
    core.money as the API does."""
    field = MoneyField(min_value=Decimal("0.00"), max_value=Decimal("100000.00"), max_digits=14)
    from django import forms

    with pytest.raises(forms.ValidationError):
        field.clean(text)
    assert field.clean("59.50") == Decimal("59.50")


def test_the_order_price_form_and_the_entry_form_refuse_1e3(db: Any) -> None:
    """Issue 17 B: the staff forms that take a unit price refuse "1e3"."""
    make_sku("TEE-RED-M", price="59.00", stock=10)
    order = place(("TEE-RED-M", 1))
    form = PricesForm({"price_1": "1e3", "reason": ""}, order=order)
    assert not form.is_valid() and "price_1" in form.errors
    lines = [PostedLine("TEE-RED-M", "1", "1e3", "")]
    assert not check_lines(lines) and "unit_price" in lines[0].errors


@pytest.mark.parametrize("price", ["1e3", "NaN", "Infinity", "10000000.01", "99999999.99"])
def test_the_api_refuses_a_unit_price_the_form_refuses(api: Any, price: str) -> None:
    """Issue 17 B: a unit price above settings MAX_UNIT_PRICE (10,000,000.00) was refused
    by the order forms but accepted by POST /api/v1/orders; "1e3" was taken as 1000."""
    make_sku("TEE-RED-M", price="59.00", stock=10)
    body = order_body(("TEE-RED-M", 1))
    body["lines"][0]["unit_price"] = price
    before = snapshot()
    response = api.post("/api/v1/orders", json.dumps(body))
    assert_invalid(response, "lines[0].unit_price")
    assert snapshot() == before


def test_the_api_still_takes_a_unit_price_at_the_maximum(api: Any) -> None:
    make_sku("TEE-RED-M", price="59.00", stock=10)
    body = order_body(("TEE-RED-M", 1))
    body["lines"][0]["unit_price"] = "10000000.00"
    response = api.post("/api/v1/orders", json.dumps(body))
    assert response.status_code == 201, response.json()
    assert Order.objects.get().lines.get().unit_price == Decimal("10000000.00")


def test_a_reprice_through_the_api_refuses_a_unit_price_above_the_maximum(api: Any) -> None:
    make_sku("TEE-RED-M", price="59.00", stock=10)
    order = place(("TEE-RED-M", 1))
    body = {"lines": [{"position": 1, "unit_price": "10000000.01"}], "reason": "x"}
    response = api.patch(f"/api/v1/orders/{order.number}/prices", body)
    assert response.status_code == 422, response.content
    assert Order.objects.get().lines.get().unit_price == Decimal("59.00")


# --- dates ---------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["0568-01-01", "1999-12-31", "2100-01-01", "9999-12-31", "2026-02-30", "26-1-1", "x"])
def test_the_date_reader_refuses_dates_out_of_range_or_malformed(text: str) -> None:
    with pytest.raises(dates.NotADate):
        dates.parse_date(text)


def test_the_date_reader_takes_dates_of_this_century() -> None:
    assert dates.parse_date("2026-05-01") == date(2026, 5, 1)
    assert dates.parse_datetime("2026-05-01T09:30:00+08:00") == datetime(2026, 5, 1, 1, 30, tzinfo=UTC)
    with pytest.raises(dates.NotADate):
        dates.parse_datetime("2026-05-01T09:30:00")  # no offset, no default zone
    with pytest.raises(dates.NotADate):
        dates.parse_datetime("0568-05-01T09:30:00+08:00")


def test_a_future_moment_beyond_the_tolerance_is_refused() -> None:
    dates.check_not_future(TEST_NOW + timedelta(hours=23), now=TEST_NOW)
    with pytest.raises(dates.NotADate):
        dates.check_not_future(TEST_NOW + timedelta(hours=25), now=TEST_NOW)
    with pytest.raises(dates.NotADate):
        dates.check_not_future(datetime(2099, 1, 1, tzinfo=UTC), now=TEST_NOW)


def _price_list(**fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "批发价",
        "valid_from": "2026-11-01T00:00:00+08:00",
        "items": [{"sku": "TEE", "min_quantity": 10, "unit_price": "50.00"}],
    }
    body.update(fields)
    return body


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("valid_from", "0568-01-01T00:00:00+08:00"),
        ("valid_to", "9999-12-31T23:59:59+08:00"),
        ("valid_from", "1900-01-01T00:00:00Z"),
    ],
)
def test_a_price_list_dated_in_year_568_is_refused(api: Any, field: str, value: str) -> None:
    """Issue 17 B: a price list dated in year 568 was stored (and shown with Shanghai's
    local mean time offset of that year, +08:05:43)."""
    make_sku("TEE", price="59.00", stock=0)
    response = api.post("/api/v1/price-lists", json.dumps(_price_list(**{field: value})))
    assert_invalid(response, field)
    assert PriceList.objects.count() == 0


def test_the_price_list_action_refuses_a_date_out_of_range_too(db: Any) -> None:
    """Issue 17 B: callers other than the API (admin, imports) get the same check."""
    make_sku("TEE", price="59.00", stock=0)
    draft = pricing_actions.PriceListDraft(
        name="批发价",
        valid_from=datetime(568, 1, 1, tzinfo=UTC),
        items=[pricing_actions.TierDraft("TEE", 10, Decimal("50.00"))],
    )
    with pytest.raises(ValidationFailed) as caught:
        pricing_actions.create_price_list(actor=None, draft=draft)
    assert set(caught.value.fields) == {"valid_from"}
    assert PriceList.objects.count() == 0


def test_a_carrier_event_dated_2099_is_refused(client: Any) -> None:
    """Issue 17 B: a signed tracking webhook with a scan dated 2099 was recorded."""
    from tests.logistics.helpers import T0, adapter, carriers, shipped

    carriers()
    shipment = shipped()
    events = adapter().fetch_events(_parcel(shipment), now=T0 + timedelta(hours=19))
    future = [
        events[0].__class__(
            events[0].event_id + "-f", events[0].tracking_number, "arrived", datetime(2099, 1, 1, tzinfo=UTC)
        )
    ]
    body, headers = adapter().webhook([*events, *future])
    response = client.post(
        "/api/v1/carriers/ZTO/tracking",
        data=body,
        content_type="application/json",
        HTTP_X_SIGNATURE=headers["X-Signature"],
    )
    assert response.status_code == 422, response.content
    assert f"events[{len(events)}].at" in response.json()["details"]["fields"]
    assert TrackingEvent.objects.count() == 0


def _parcel(shipment: Any) -> Any:
    from sellerdesk.logistics.actions import parcel_ref

    return parcel_ref(shipment)


def test_english_reasons_for_money_and_dates() -> None:
    with translation.override("en"):
        with pytest.raises(money.NotMoney, match="not an amount of money"):
            money.parse_money("1e3")
        with pytest.raises(dates.NotADate, match="between 2000-01-01 and 2099-12-31"):
            dates.parse_date("0568-01-01")


# --- JSON nesting --------------------------------------------------------------------------


def _nested(depth: int) -> bytes:
    return b'{"order_number": ' + b"[" * depth + b"]" * depth + b', "amount": "1.00", "transaction_id": "t"}'


@pytest.mark.parametrize("content_type", ["application/json", "text/plain"])
def test_a_payment_notification_nested_5000_deep_is_400(anonymous_api: Any, content_type: str) -> None:
    """Issue 17 B: a signed payment notification nested 5,000 levels deep answered 500
    (json.loads' RecursionError); now 400 and nothing recorded."""
    from tests.api.helpers import sign

    body = _nested(5000)
    before = snapshot()
    response = anonymous_api.client.post(
        "/api/v1/payments/notify/simulated", data=body, content_type=content_type, HTTP_X_SIGNATURE=sign(body)
    )
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "bad_request"
    assert response.json()["details"] == {"max_depth": 64}
    assert snapshot() == before


def test_an_order_body_nested_5000_deep_is_400_and_writes_nothing(api: Any) -> None:
    make_sku("TEE-RED-M", price="59.00", stock=10)
    body = json.dumps(order_body(("TEE-RED-M", 1)))[:-1] + ', "buyer_message": ' + "[" * 5000 + "]" * 5000 + "}"
    before = snapshot()
    response = api.post("/api/v1/orders", body)
    assert response.status_code == 400, response.content
    assert snapshot() == before


def test_the_api_parser_refuses_deep_json_whatever_the_content_type(api: Any) -> None:
    """The ninja parser checks the depth too (a body the middleware did not look at)."""
    from django.test import RequestFactory

    from sellerdesk.core.api import StrictTextParser

    request = RequestFactory().post("/x", data=b"[" * 100 + b"]" * 100, content_type="application/octet-stream")
    with pytest.raises(ValueError, match="nested deeper than 64"):
        StrictTextParser().parse_body(request)


def test_a_tracking_callback_form_with_deep_json_is_400(client: Any) -> None:
    """A carrier's form-encoded callback carries JSON in a field (快递100's param)."""
    from urllib.parse import urlencode

    from tests.logistics.helpers import carriers

    carriers()
    body = urlencode({"param": "[" * 5000 + "]" * 5000, "sign": "x"})
    response = client.post("/api/v1/carriers/ZTO/tracking", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400, response.content
    assert TrackingEvent.objects.count() == 0


def test_json_of_ordinary_depth_and_brackets_in_strings_pass() -> None:
    from sellerdesk.core import limits

    assert not limits.is_nested_deeper(b'{"a": [[1], {"b": []}]}', 4)
    assert limits.is_nested_deeper(b'{"a": [[1], {"b": [[]]}]}', 4)
    text = json.dumps({"note": "[" * 500 + '\\" {{{', "x": ["]" * 10]})
    assert not limits.is_nested_deeper(text, 3)
    assert limits.loads(text)["x"] == ["]" * 10]
    with pytest.raises(ValueError):
        limits.loads("[" * 65 + "]" * 65)
    assert limits.loads("[" * 64 + "]" * 64) == json.loads("[" * 64 + "]" * 64)


# --- body size -----------------------------------------------------------------------------


def test_an_upload_over_the_limit_is_413_before_it_is_read(api: Any, settings: Any) -> None:
    """Issue 17 B: request bodies have a size limit on every endpoint; a file upload over
    REQUEST_UPLOAD_MAX_BYTES is refused with the API's 413 before the body is read, and
    nothing is stored."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from sellerdesk.customers.models import Customer

    settings.REQUEST_UPLOAD_MAX_BYTES = 100 * 1024
    big = SimpleUploadedFile("customers.csv", b"nickname,name\n" + b"a,b\n" * 60_000)
    response = api.client.post("/api/v1/customers/import", {"file": big})
    assert response.status_code == 413, response.content
    body = response.json()
    assert (body["code"], body["details"]) == ("body_too_large", {"max_bytes": 100 * 1024})
    assert Customer.objects.count() == 0


def test_a_body_of_fields_over_the_limit_is_413_on_any_endpoint(api: Any, settings: Any) -> None:
    """An endpoint that reads no body (allocate) is bounded as well as one that does."""
    settings.REQUEST_BODY_MAX_BYTES = 1000
    response = api.post("/api/v1/orders/nope/allocate", {"junk": "x" * 2000})
    assert response.status_code == 413
    assert response.json()["code"] == "body_too_large"


def test_a_staff_page_post_over_the_limit_is_413(client: Any, settings: Any) -> None:
    settings.REQUEST_BODY_MAX_BYTES = 1000
    from urllib.parse import urlencode

    form = urlencode({"username": "x" * 2000, "password": "y"})
    response = client.post("/login/", data=form, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/plain")


def test_a_body_within_the_limits_is_unchanged(api: Any) -> None:
    make_sku("TEE-RED-M", price="59.00", stock=10)
    response = api.post("/api/v1/orders", json.dumps(order_body(("TEE-RED-M", 1))))
    assert response.status_code == 201, response.content


def test_under_asgi_a_declared_body_over_the_limit_is_413_before_it_is_read(settings: Any) -> None:
    """Django's ASGIHandler reads the whole body before any middleware: the limit is kept
    around the ASGI application (core.limits.AsgiBodyLimit)."""
    import asyncio

    from sellerdesk.core.limits import AsgiBodyLimit

    settings.REQUEST_BODY_MAX_BYTES = 1000
    calls: list[str] = []
    sent: list[dict[str, Any]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        calls.append("app")
        while (await receive())["type"] == "http.request":
            pass

    async def receive() -> dict[str, Any]:
        calls.append("receive")
        return {"type": "http.request", "body": b"x" * 600, "more_body": True}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "path": "/api/v1/orders",
        "headers": [(b"content-type", b"application/json"), (b"content-length", b"5000000000")],
    }
    asyncio.run(AsgiBodyLimit(app)(scope, receive, send))
    assert calls == [] and sent[0]["status"] == 413
    assert json.loads(sent[1]["body"])["code"] == "body_too_large"

    # Without a length (chunked), the body is cut off once it passes the limit.
    chunked = {"type": "http", "path": "/api/v1/orders", "headers": [(b"content-type", b"application/json")]}
    asyncio.run(AsgiBodyLimit(app)(chunked, receive, send))
    assert calls == ["app", "receive", "receive"]


@pytest.mark.parametrize("day", ["0001-01-01", "0568-03-01", "9999-12-31"])
def test_the_forms_read_dates_within_the_same_range(day: str) -> None:
    """Issue 17 B: one date range for forms and API (core.forms.BusinessDateField)."""
    from sellerdesk.allocation.forms import ResolveForm
    from sellerdesk.purchasing.forms import ClearForm

    form = ResolveForm({"option": "delay", "buyer_answer": "等", "promised_date": day})
    assert not form.is_valid() and "promised_date" in form.errors
    clear = ClearForm({"cleared_at": f"{day} 10:00"})
    assert not clear.is_valid() and "cleared_at" in clear.errors
    assert ClearForm({"cleared_at": "2026-05-01 10:00"}).is_valid()


def test_the_order_list_with_a_date_from_year_one_answers(client: Any) -> None:
    """The list's date filter with a year out of range answers (a refused filter, no 500)."""
    from tests.factories import make_user

    client.force_login(make_user("boss", "owner", "老板"))
    response = client.get("/orders/", {"date_from": "0001-01-01", "date_to": "9999-12-31"})
    assert response.status_code in (200, 422)


@pytest.mark.parametrize("text", ["1e3", "NaN", "Infinity"])
def test_the_other_money_readers_refuse_exponents_and_nan(text: str) -> None:
    """Issue 17 B: the level thresholds page and a supplier return's credit read money
    with core.money too (Decimal took "1e3" as 1000 and "NaN" as a number)."""
    from django.test import RequestFactory

    from sellerdesk.crm.views_merge import _threshold_values
    from sellerdesk.purchasing.returns import _credit

    request = RequestFactory().post("/customers/levels/", {"min_spent": text, "min_orders": ""})
    min_spent, _orders, errors = _threshold_values(request)
    assert min_spent is None and set(errors) == {"min_spent"}
    with pytest.raises(ValidationFailed):
        _credit(text)
    assert _credit("12.50") == Decimal("12.50")


def test_json_from_a_file_or_a_socket_nested_5000_deep_is_bad_json_not_a_500(db: Any) -> None:
    """Issue 17 B: JSON that no request check sees (an uploaded chat archive, a chat
    socket's frame) is read with core.limits.loads: too deep is bad JSON."""
    import asyncio

    from sellerdesk.service import archive
    from sellerdesk.service.consumers import StaffConsumer
    from tests.factories import make_user

    deep = b'{"format": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    with pytest.raises(ValidationFailed) as caught:
        archive.import_archive(data=deep, actor=make_user("boss", "owner", "老板"))
    assert set(caught.value.fields) == {"file"}
    assert asyncio.run(StaffConsumer.decode_json(deep.decode())) is None


def test_the_api_refuses_a_shipping_fee_the_entry_form_refuses(api: Any) -> None:
    """Issue 17 B (as the unit price): the order entry form takes a shipping fee of at
    most 99,999.99; the API took up to 99,999,999.99."""
    make_sku("TEE-RED-M", price="59.00", stock=10)
    before = snapshot()
    response = api.post("/api/v1/orders", json.dumps(order_body(("TEE-RED-M", 1), shipping_fee="100000.00")))
    assert_invalid(response, "shipping_fee")
    assert snapshot() == before
    response = api.post("/api/v1/orders", json.dumps(order_body(("TEE-RED-M", 1), shipping_fee="99999.99")))
    assert response.status_code == 201, response.content


def test_a_refund_price_difference_of_1e3_is_refused() -> None:
    """Issue 17 B: the refund API's signed amount (补差价) is read by core.money too."""
    from sellerdesk.aftersales.api_refunds import _signed_money

    for text in ("1e3", "NaN", "-Infinity", "1.001"):
        with pytest.raises(ValidationFailed):
            _signed_money(text)
    assert (_signed_money("-12.50"), _signed_money("3")) == (Decimal("-12.50"), Decimal("3.00"))
