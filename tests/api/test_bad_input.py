"""Bad input to POST /api/v1/orders: a 422 naming the field path, 400 for broken JSON,
413 for a huge body; never a 500, and nothing written."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.conf import settings

from sellerdesk.catalog.models import Sku
from tests.api.helpers import assert_error, assert_invalid, order_body, snapshot
from tests.factories import make_sku

VALID_LINE = {"sku": "TEE-RED-M", "quantity": 1}


def _with(path: str, value: Any) -> dict[str, Any]:
    """A valid body with the value at a dotted path (`buyer.phone`, `lines.0.quantity`) replaced."""
    body = order_body(("TEE-RED-M", 1))
    *parents, last = path.split(".")
    target: Any = body
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    if last.isdigit():
        target[int(last)] = value
    else:
        target[last] = value
    return body


@pytest.fixture(autouse=True)
def _stock(tee: Sku) -> None:
    """Every test here has TEE-RED-M with 100 in stock."""


def _refused(api: Any, body: Any, *paths: str) -> None:
    before = snapshot()
    response = api.post("/api/v1/orders", body if isinstance(body, str) else json.dumps(body))
    assert_invalid(response, *paths)
    assert snapshot() == before


@pytest.mark.parametrize(
    "phone",
    [
        "123",
        "abc",
        "1" * 25,
        "",
        "   ",
        "1380013800",
        "138001380001",
        "+1 415 555 0100",
        "23800138000",
        13800138000,
        None,
    ],
)
def test_bad_phone(api: Any, phone: Any) -> None:
    _refused(api, _with("buyer.phone", phone), "buyer.phone")


@pytest.mark.parametrize("phone", ["13800138000", "+86 138 0013 8000", "138-0013-8000", "0571-88888888"])
def test_good_phones_are_accepted_and_normalised(api: Any, phone: str) -> None:
    response = api.post("/api/v1/orders", _with("buyer.phone", phone))

    assert response.status_code == 201
    assert response.json()["buyer"]["phone"] in {"13800138000", "057188888888"}


@pytest.mark.parametrize("quantity", [0, -1, "2", 1.5, 2.0, True, False, None, 10**30, 100_001, [], {}])
def test_bad_quantity(api: Any, quantity: Any) -> None:
    _refused(api, _with("lines.0.quantity", quantity), "lines[0].quantity")


def test_bad_quantity_on_the_second_line_names_that_line(api: Any) -> None:
    body = order_body(("TEE-RED-M", 1), ("TEE-RED-M", 0))

    _refused(api, body, "lines[1].quantity")


@pytest.mark.parametrize(
    "price", ["-1.00", "abc", "59.001", 59.0, 59.5, True, "", "NaN", "Infinity", "1e999", "100000000.00", [], {}]
)
def test_bad_unit_price(api: Any, price: Any) -> None:
    _refused(api, _with("lines.0.unit_price", price), "lines[0].unit_price")


@pytest.mark.parametrize(
    ("price", "expected"), [("0.00", "0.00"), ("59", "59.00"), (59, "59.00"), ("59.5", "59.50"), (" 59.50 ", "59.50")]
)
def test_good_unit_prices(api: Any, price: Any, expected: str) -> None:
    response = api.post("/api/v1/orders", _with("lines.0.unit_price", price))

    assert response.status_code == 201
    assert response.json()["lines"][0]["unit_price"] == expected


def test_order_total_beyond_what_money_fields_hold_is_422_not_500(api: Any) -> None:
    make_sku("GOLD", price="99999999.99", stock=30_000)

    _refused(api, order_body(("GOLD", 20_000)), "lines")


@pytest.mark.parametrize(
    ("address", "paths"),
    [
        ({}, {"address.province", "address.city", "address.detail"}),
        ({"city": "杭州市", "district": "西湖区", "detail": "文三路 90 号"}, {"address.province"}),
        ({"province": "火星基地", "city": "杭州市", "detail": "文三路 90 号"}, {"address.province"}),
        ({"province": "浙江省", "city": "", "detail": "文三路 90 号"}, {"address.city"}),
        ({"province": "浙江省", "city": "杭州市", "detail": ""}, {"address.detail"}),
        ({"province": "浙江省", "city": "杭州市", "detail": "x" * 201}, {"address.detail"}),
        ({"province": "浙江省", "city": "杭州市", "detail": "文三路", "zip": "310000"}, {"address.zip"}),
        ({"province": 33, "city": "杭州市", "detail": "文三路 90 号"}, {"address.province"}),
    ],
)
def test_bad_address_object_names_the_address_field(api: Any, address: Any, paths: set[str]) -> None:
    _refused(api, _with("address", address), *paths)


@pytest.mark.parametrize(
    "address",
    ["", "   ", "火星基地", "火星基地一号楼二单元", "杭州市西湖区文三路90号", "浙江省", "x" * 300, None, 12, []],
)
def test_bad_address_string_or_type_is_422_naming_address(api: Any, address: Any) -> None:
    _refused(api, _with("address", address), "address")


def test_city_too_long_in_a_one_string_address(api: Any) -> None:
    _refused(api, _with("address", "浙江省" + "长" * 40 + "市西湖区文三路90号"), "address.city")


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        ("lines", [], "lines"),
        ("lines", "TEE-RED-M", "lines"),
        ("lines", {"sku": "TEE-RED-M", "quantity": 1}, "lines"),
        ("lines", None, "lines"),
        ("lines.0", "TEE-RED-M", "lines[0]"),
        ("lines.0.sku", "", "lines[0].sku"),
        ("lines.0.sku", 12, "lines[0].sku"),
        ("lines.0.sku", "x" * 65, "lines[0].sku"),
        ("lines.0.colour", "red", "lines[0].colour"),
        ("buyer", "张三", "buyer"),
        ("buyer", None, "buyer"),
        ("buyer.name", "", "buyer.name"),
        ("buyer.name", "   ", "buyer.name"),
        ("buyer.name", "张" * 51, "buyer.name"),
        ("buyer.name", 7, "buyer.name"),
        ("buyer.nickname", "n" * 101, "buyer.nickname"),
        ("buyer.email", "a@b.c", "buyer.email"),
        ("shop", 1, "shop"),
        ("shop", "s" * 41, "shop"),
        ("external_id", 12345, "external_id"),
        ("external_id", "x" * 65, "external_id"),
        ("source", "telepathy", "source"),
        ("source", None, "source"),
        ("payment_method", "bitcoin", "payment_method"),
        ("payment_method", "", "payment_method"),
        ("shipping_method", "drone", "shipping_method"),
        ("shipping_fee", "-5.00", "shipping_fee"),
        ("buyer_message", "话" * 501, "buyer_message"),
        ("buyer_message", ["a"], "buyer_message"),
        ("coupon", "FREE", "coupon"),
    ],
)
def test_wrong_values_and_types_name_the_field(api: Any, path: str, value: Any, field: str) -> None:
    _refused(api, _with(path, value), field)


def test_too_many_lines(api: Any) -> None:
    lines = [VALID_LINE] * (settings.SELLERDESK["MAX_ORDER_LINES"] + 1)

    _refused(api, _with("lines", lines), "lines")


def test_missing_required_fields_are_each_named(api: Any) -> None:
    _refused(api, {}, "buyer", "address", "lines")


def test_every_bad_field_is_named_at_once(api: Any) -> None:
    body = order_body(("TEE-RED-M", 0), ("TEE-RED-M", 1))
    body["buyer"]["phone"] = "123"
    body["lines"][1]["unit_price"] = "abc"

    _refused(api, body, "buyer.phone", "lines[0].quantity", "lines[1].unit_price")


@pytest.mark.parametrize("body", [[], 3, None, "", [order_body(("TEE-RED-M", 1))]])
def test_a_body_that_is_not_an_object_is_422_naming_the_body(api: Any, body: Any) -> None:
    _refused(api, body, "body")


@pytest.mark.parametrize("text", ["{bad", '{"buyer": ', "\xff", "'single'", '{"a": 1}}', "[" * 100_000 + "]" * 100_000])
def test_malformed_json_is_400(api: Any, text: str) -> None:
    before = snapshot()

    response = api.post("/api/v1/orders", text.encode("utf-8", "surrogateescape") if text == "\xff" else text)

    assert_error(response, 400, "bad_request")
    assert snapshot() == before


def test_huge_body_is_413(api: Any) -> None:
    before = snapshot()
    body = json.dumps(_with("buyer_message", "话" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 3 + 10)))

    response = api.post("/api/v1/orders", body)

    assert_error(response, 413, "body_too_large")
    assert snapshot() == before


def test_huge_body_of_junk_is_413(api: Any) -> None:
    before = snapshot()

    response = api.post("/api/v1/orders", b"x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1))

    assert_error(response, 413, "body_too_large")
    assert snapshot() == before


@pytest.mark.parametrize("path", ["buyer.name", "buyer.nickname", "address.detail", "buyer_message", "external_id"])
def test_nul_character_in_text_is_422(api: Any, path: str) -> None:
    # PostgreSQL cannot store NUL in text: letting it through is a 500 there.
    _refused(api, _with(path, "张\u0000三街道"), path)


def test_lone_surrogate_in_text_is_422(api: Any) -> None:
    _refused(
        api,
        '{"buyer": {"name": "\\ud800", "phone": "13800138000"}, "address": "浙江省杭州市西湖区文三路90号", '
        '"lines": [{"sku": "TEE-RED-M", "quantity": 1}]}',
        "buyer.name",
    )


def test_an_order_that_could_never_be_paid_is_not_taken_as_unpaid(api: Any) -> None:
    # A zero total cannot be paid (a payment must be > 0 and <= the balance), so an
    # "unpaid" zero-total order could only ever expire.
    response = api.post("/api/v1/orders", _with("lines.0.unit_price", "0.00"))

    assert response.status_code in (201, 422), response.content
    if response.status_code == 201:
        assert (response.json()["status"], response.json()["payment_status"]) == ("pending_review", "paid")


def test_unknown_api_path_is_a_json_404(api: Any) -> None:
    assert_error(api.get("/api/v1/nothing-here"), 404, "not_found")


def test_wrong_method_is_a_json_405(api: Any) -> None:
    assert_error(api.client.delete("/api/v1/orders"), 405, "method_not_allowed")
