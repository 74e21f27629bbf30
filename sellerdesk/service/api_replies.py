"""Service desk API — owner: H6 (quick replies, import/export)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["service desk"])
