"""Service desk API — owner: H4 (calendars, SLA policies, agents and presence, routing, figures)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["service desk"])
