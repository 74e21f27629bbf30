"""Arbitrary JSON in any field of the buyer's after-sales request: never a 500, a refusal
is `{"code", "message", "details"}` and writes nothing."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sellerdesk.aftersales.models import Case, CaseEvent, CaseLine
from sellerdesk.orders.models import Order
from tests.conftest import ApiClient
from tests.portal.test_api import buyer_token

FUZZ = settings(
    max_examples=60,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
    | st.sampled_from(["", "return_refund", "quality", "-1", "1e999", "\u0000", 2**70]),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3),
    max_leaves=8,
)
PATHS = [
    ("type",),
    ("reason",),
    ("description",),
    ("lines",),
    ("lines", 0),
    ("lines", 0, "order_line_id"),
    ("lines", 0, "quantity"),
    ("lines", 0, "replacement_sku_id"),
    ("unexpected",),
]


def written() -> tuple[int, int, int]:
    return Case.objects.count(), CaseLine.objects.count(), CaseEvent.objects.count()


@pytest.fixture
def alice_api(alice_order: Order) -> ApiClient:
    return ApiClient(buyer_token(alice_order))


@FUZZ
@given(path=st.sampled_from(PATHS), value=values)
def test_any_json_in_any_field_of_a_request(
    alice_api: ApiClient, alice_order: Order, path: tuple[Any, ...], value: Any
) -> None:
    client = alice_api
    # Each example starts from the same database: whatever it wrote is undone.
    with transaction.atomic():
        line = alice_order.lines.get()
        body: dict[str, Any] = {
            "type": "return_refund",
            "reason": "quality",
            "lines": [{"order_line_id": line.pk, "quantity": 1}],
        }
        body = copy.deepcopy(body)
        target: Any = body
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = value
        before = written()

        response = client.client.post(
            f"/api/v1/portal/orders/{alice_order.number}/cases", data=json.dumps(body), content_type="application/json"
        )

        assert response.status_code in {201, 400, 409, 422}, (response.status_code, response.content[:300])
        if response.status_code != 201:
            assert set(response.json()) == {"code", "message", "details"}
            assert written() == before
        transaction.set_rollback(True)
