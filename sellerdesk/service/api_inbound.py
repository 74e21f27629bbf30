"""Service desk API — owner: H1 (the marketplace's signed message push)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["service desk"])
