"""Service desk API — owner: H6 (complaint procedure, follow-ups, surveys, handovers, archive)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["service desk"])
