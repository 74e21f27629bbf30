"""The demo's logistics: tracked parcels with histories, one open exception of each
kind, ratings (some by default)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from sellerdesk.core import demo_credentials
from sellerdesk.demo.generate import DemoConfig, load_demo_shop
from sellerdesk.logistics.models import ExceptionKind, LogisticsException, Shipment, TrackingEvent
from sellerdesk.ratings.models import Rating

NOW = datetime(2026, 11, 22, 15, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def demo(db: Any, settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    monkeypatch.setattr(demo_credentials, "PATH", tmp_path / "credentials.txt")
    load_demo_shop(config=DemoConfig(orders=300, sku_limit=24, now=NOW))  # loads the logistics demo too
    return {
        "tracked": Shipment.objects.filter(exceptions__isnull=True).count(),
        "troubled": Shipment.objects.filter(exceptions__isnull=False).distinct().count(),
        "ratings": Rating.objects.count(),
    }


def test_the_demo_has_one_open_exception_of_each_kind(demo: dict[str, int]) -> None:
    open_kinds = sorted(LogisticsException.objects.filter(closed_at__isnull=True).values_list("kind", flat=True))

    assert open_kinds == sorted(ExceptionKind.values)
    assert demo["troubled"] == 8


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
