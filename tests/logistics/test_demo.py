"""The demo's logistics: tracked parcels with histories, one open exception of each
kind, ratings (some by default)."""

from __future__ import annotations

import random
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from sellerdesk.core import demo_credentials
from sellerdesk.demo.generate import DemoConfig, load_demo_shop
from sellerdesk.logistics.demo import load_demo_logistics
from sellerdesk.logistics.models import ExceptionKind, LogisticsException, Shipment, TrackingEvent
from sellerdesk.ratings.models import Rating

NOW = datetime(2026, 11, 22, 15, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def demo(db: Any, settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    monkeypatch.setattr(demo_credentials, "PATH", tmp_path / "credentials.txt")
    load_demo_shop(config=DemoConfig(orders=300, sku_limit=24, now=NOW))
    return load_demo_logistics(rng=random.Random(7), actor=None, now=NOW)


def test_the_demo_has_one_open_exception_of_each_kind(demo: dict[str, int]) -> None:
    open_kinds = sorted(LogisticsException.objects.filter(closed_at__isnull=True).values_list("kind", flat=True))

    assert open_kinds == sorted(ExceptionKind.values)
    assert demo["troubled"] == 8


def test_the_demo_tracks_parcels_with_their_histories(demo: dict[str, int]) -> None:
    assert demo["tracked"] > 0
    assert Shipment.objects.count() == demo["tracked"] + demo["troubled"]
    assert TrackingEvent.objects.filter(kind="picked_up").count() == Shipment.objects.count()


def test_the_demo_has_ratings_some_by_default(demo: dict[str, int]) -> None:
    assert Rating.objects.filter(side="buyer").exists()
    assert demo["ratings"] == Rating.objects.count()
