"""The demo's logistics: tracked parcels with histories, one open exception of each
kind, ratings (some by default)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from sellerdesk.demo.generate import DemoConfig
from sellerdesk.logistics.models import ExceptionKind, LogisticsException, Shipment, TrackingEvent
from sellerdesk.ratings.models import Rating
from tests.support.clock import TEST_NOW
from tests.support.demo import Clock, demo_shop_loaded_once

# Loaded once for the module, or shared with the other modules loading the same small demo
# (tests/support/demo.py), at the test clock; it loads the logistics demo too.
DEMO_CONFIG = DemoConfig(orders=60, sku_limit=24, now=TEST_NOW)


@pytest.fixture(scope="module")
def loaded_demo(
    django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, int]]:
    credentials = tmp_path_factory.mktemp("demo") / "credentials.txt"
    with demo_shop_loaded_once(django_db_blocker, config=DEMO_CONFIG, clock=Clock(TEST_NOW), credentials=credentials):
        with django_db_blocker.unblock():
            counts = {
                "tracked": Shipment.objects.filter(exceptions__isnull=True).count(),
                "troubled": Shipment.objects.filter(exceptions__isnull=False).distinct().count(),
                "ratings": Rating.objects.count(),
            }
        yield counts


@pytest.fixture
def demo(loaded_demo: dict[str, int], db: Any) -> dict[str, int]:
    return loaded_demo


def test_the_demo_has_one_open_exception_of_each_kind(demo: dict[str, int]) -> None:
    open_kinds = sorted(LogisticsException.objects.filter(closed_at__isnull=True).values_list("kind", flat=True))

    assert open_kinds == sorted(ExceptionKind.values)
    # and the after-sales demo's damaged parcel, resolved as reshipped (a reissue case)
    assert demo["troubled"] == 9


def test_the_demo_tracks_parcels_with_their_histories(demo: dict[str, int]) -> None:
    assert demo["tracked"] > 0
    assert Shipment.objects.count() == demo["tracked"] + demo["troubled"]
    # Every parcel handed to a carrier has its pick-up scan. The warehouse demo's labelled
    # parcels still waiting for the carrier, and the one intercepted before hand-over
    # (截单), were never picked up: they have no scan at all.
    handed_over = Shipment.objects.filter(handed_over_at__isnull=False)
    waiting = Shipment.objects.filter(handed_over_at__isnull=True)
    assert waiting.filter(status__in=["created", "intercepted"]).count() == waiting.count() > 0
    assert TrackingEvent.objects.filter(shipment__in=waiting).count() == 0
    picked_up = TrackingEvent.objects.filter(kind="picked_up")
    assert sorted(picked_up.values_list("shipment_id", flat=True)) == sorted(handed_over.values_list("pk", flat=True))


def test_the_demo_has_ratings_some_by_default(demo: dict[str, int]) -> None:
    assert Rating.objects.filter(side="buyer").exists()
    assert demo["ratings"] == Rating.objects.count()
