"""Issue 17 B: one time format across the API. Every datetime is answered in the
settings' time zone with its offset (the stock ledger answered in UTC, orders in +08:00)."""

from __future__ import annotations

from typing import Any

from tests.conftest import ApiClient
from tests.factories import make_sku, place


def test_the_ledger_and_the_order_answer_times_the_same_way(api: ApiClient) -> None:
    """Issue 17 B: the ledger's `at` and the order's `created_at` both end in +08:00."""
    make_sku("TEE-RED-M", stock=5)
    order = place(("TEE-RED-M", 1))

    movement = api.get("/api/v1/stock/movements", sku="TEE-RED-M").json()["items"][0]
    answered = api.get(f"/api/v1/orders/{order.number}").json()

    assert movement["at"].endswith("+08:00"), movement["at"]
    assert answered["created_at"].endswith("+08:00"), answered["created_at"]


def test_times_follow_the_time_zone_setting(api: ApiClient, settings: Any) -> None:
    """Issue 17 B: the offset is the configured time zone's, not UTC's nor a fixed one."""
    settings.TIME_ZONE = "Europe/Berlin"
    make_sku("TEE-RED-M", stock=5)
    order = place(("TEE-RED-M", 1))

    movement = api.get("/api/v1/stock/movements", sku="TEE-RED-M").json()["items"][0]
    answered = api.get(f"/api/v1/orders/{order.number}").json()

    assert movement["at"][-6:] in ("+01:00", "+02:00"), movement["at"]
    assert answered["created_at"][-6:] == movement["at"][-6:]
