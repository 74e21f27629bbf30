"""Service desk API — owner: H3 (classify, check-draft, forbidden phrases, intent corrections)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["service desk"])
