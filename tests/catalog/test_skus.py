"""A SKU's attributes as people read them."""

from __future__ import annotations

from sellerdesk.catalog.models import Sku


def test_attributes_read_colour_then_size_whatever_order_they_were_stored_in() -> None:
    # PostgreSQL's jsonb hands keys back sorted by length, then bytes: 尺码 before 颜色.
    stored = Sku(code="T", name="T恤", attributes={"尺码": "M", "面料": "棉", "颜色": "红"})

    assert stored.attributes_text == "颜色:红 尺码:M 面料:棉"


def test_no_attributes_read_as_nothing() -> None:
    assert Sku(code="T", name="T恤", attributes={}).attributes_text == ""
