"""Ratings: each side once within 15 days of completion; the default positive rating
for the silent side when the window closes; the API and the list page."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from sellerdesk.core.errors import Conflict, InvalidTransition, ValidationFailed
from sellerdesk.orders import actions as order_actions
from sellerdesk.orders.models import Order
from sellerdesk.ratings.actions import rate_order
from sellerdesk.ratings.models import Rating
from sellerdesk.ratings.tasks import default_ratings
from tests.api.helpers import advance, assert_error, default_shop  # noqa: F401  (autouse)
from tests.factories import make_sku, place
from tests.support.clock import TEST_NOW

# Receipt is confirmed an hour after `advance` delivered the order (at the clock's time).
DONE = TEST_NOW + timedelta(hours=1)


def completed() -> Order:
    make_sku("TEE", stock=10) if not Order.objects.exists() else None
    order = advance(place(("TEE", 1)), "delivered")
    return order_actions.confirm_receipt(order=order, actor=None, at=DONE)


def ratings() -> list[tuple[str, str, bool]]:
    return list(Rating.objects.order_by("side").values_list("side", "score", "is_default"))


def test_both_sides_rate_within_the_window(agent: Any) -> None:
    order = completed()

    rate_order(order=order, side="buyer", score="good", comment="很好", actor=None, at=DONE + timedelta(days=1))
    rate_order(order=order, side="seller", score="good", actor=agent, at=DONE + timedelta(days=15))

    assert ratings() == [("buyer", "good", False), ("seller", "good", False)]


def test_a_side_rates_once() -> None:
    order = completed()
    rate_order(order=order, side="buyer", score="good", actor=None, at=DONE)

    with pytest.raises(Conflict) as error:
        rate_order(order=order, side="buyer", score="bad", actor=None, at=DONE)

    assert error.value.code == "already_rated"
    assert ratings() == [("buyer", "good", False)]


def test_a_rating_after_15_days_is_refused() -> None:
    order = completed()

    with pytest.raises(Conflict) as error:
        rate_order(order=order, side="buyer", score="good", actor=None, at=DONE + timedelta(days=15, seconds=1))

    assert error.value.code == "rating_window_closed"
    assert ratings() == []


def test_the_window_is_a_setting(settings: Any) -> None:
    settings.SELLERDESK = {**settings.SELLERDESK, "RATING_WINDOW_DAYS": 3}
    order = completed()

    with pytest.raises(Conflict):
        rate_order(order=order, side="buyer", score="good", actor=None, at=DONE + timedelta(days=4))


def test_an_order_not_completed_cannot_be_rated() -> None:
    make_sku("TEE", stock=10)
    order = advance(place(("TEE", 1)), "shipped")

    with pytest.raises(InvalidTransition):
        rate_order(order=order, side="buyer", score="good", actor=None)
    assert ratings() == []


def test_a_bad_score_is_refused() -> None:
    order = completed()

    with pytest.raises(ValidationFailed) as error:
        rate_order(order=order, side="both", score="great", actor=None, at=DONE)

    assert set(error.value.fields) == {"side", "score"}


def test_the_silent_side_gets_the_default_positive_rating_at_the_end() -> None:
    order = completed()
    rate_order(order=order, side="buyer", score="neutral", actor=None, at=DONE)

    assert default_ratings(DONE + timedelta(days=14)) == 0
    assert default_ratings(DONE + timedelta(days=15)) == 1
    assert default_ratings(DONE + timedelta(days=16)) == 0

    assert ratings() == [("buyer", "neutral", False), ("seller", "good", True)]
    assert Rating.objects.get(side="seller").rated_at == DONE + timedelta(days=15)


def test_no_default_rating_when_neither_side_rated() -> None:
    completed()

    assert default_ratings(DONE + timedelta(days=30)) == 0
    assert ratings() == []


def test_rate_by_api_and_list(agent_api: Any) -> None:
    order = completed()
    Order.objects.filter(pk=order.pk).update(completed_at=datetime.now().astimezone())

    response = agent_api.post(f"/api/v1/orders/{order.number}/ratings", {"side": "seller", "score": "good"})

    assert response.status_code == 201
    assert response.json()["score"] == "good"
    listed = agent_api.get("/api/v1/ratings")
    assert [(r["order"], r["side"]) for r in listed.json()] == [(order.number, "seller")]


def test_a_bad_rating_body_is_422_and_changes_nothing(agent_api: Any) -> None:
    order = completed()

    response = agent_api.post(f"/api/v1/orders/{order.number}/ratings", {"side": "seller", "score": "5 stars", "x": 1})

    assert_error(response, 422, "validation_error")
    assert ratings() == []


def test_the_ratings_page_lists_them(client: Any, agent: Any) -> None:
    order = completed()
    rate_order(order=order, side="buyer", score="good", comment="物流很快", actor=None, at=DONE)
    client.force_login(agent)

    page = client.get("/ratings/")

    assert page.status_code == 200
    assert "物流很快" in page.content.decode()


def test_the_ratings_page_is_in_the_menu(client: Any, agent: Any) -> None:
    """Issue 17 D: ratings are reached from the top bar's menu, not only by typing the URL."""
    client.force_login(agent)

    page = client.get("/orders/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert '<a href="/ratings/"' in page
