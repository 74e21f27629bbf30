"""Service desk API — owner: H1 (conversations, messages, calls, status, assignment, read)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["service desk"])
