"""Service desk API — owner: H1 (the buyer's web chat, buyer token)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["buyer portal"])
