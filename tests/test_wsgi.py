"""The API answers through the lean WSGI stack exactly as through the full one."""

import io
import json
from typing import Any
from wsgiref.util import setup_testing_defaults

import pytest

from sellerdesk.wsgi import application
from tests.factories import make_sku, make_token


def call(method: str, path: str, token: str, body: Any = None) -> tuple[str, dict[str, str], Any]:
    payload = json.dumps(body).encode() if body is not None else b""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(payload)),
        "HTTP_AUTHORIZATION": f"Bearer {token}",
        "wsgi.input": io.BytesIO(payload),
    }
    setup_testing_defaults(environ)
    answer: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        answer["status"], answer["headers"] = status, dict(headers)

    content = b"".join(application(environ, start_response))
    return answer["status"], answer["headers"], json.loads(content) if content else None


@pytest.mark.django_db(transaction=True)
def test_an_order_is_placed_and_read_through_the_api_stack(owner: Any) -> None:
    make_sku("W-1", price="10.00", stock=5)
    token = make_token(owner)
    body = {
        "buyer": {"name": "李四", "phone": "13900139000"},
        "address": "广东省深圳市南山区科技园路1号",
        "lines": [{"sku": "W-1", "quantity": 2}],
    }

    status, headers, order = call("POST", "/api/v1/orders", token, body)
    read_status, _, read = call("GET", f"/api/v1/orders/{order['number']}", token)

    assert (status, order["total"], order["status"]) == ("201 Created", "20.00", "unpaid")
    assert headers["Content-Type"].startswith("application/json")
    assert (read_status, read["number"]) == ("200 OK", order["number"])


@pytest.mark.django_db(transaction=True)
def test_errors_keep_their_json_form_through_the_api_stack(owner: Any) -> None:
    token = make_token(owner)

    assert call("GET", "/api/v1/orders/NOPE", token)[2]["code"] == "not_found"
    assert call("GET", "/api/v1/no-such-thing", token)[2]["code"] == "not_found"
    assert call("GET", "/api/v1/orders", "bad-token")[2]["code"] == "unauthorized"


@pytest.mark.django_db(transaction=True)
def test_only_the_api_skips_the_site_middleware(owner: Any) -> None:
    token = make_token(owner)

    _, api_headers, _ = call("GET", "/api/v1/orders", token)
    _, site_headers, _ = call("GET", "/api/openapi.json", token)

    # XFrameOptionsMiddleware is part of the site's stack only.
    assert "X-Frame-Options" not in api_headers
    assert site_headers["X-Frame-Options"] == "DENY"
